package interpos

import (
	"testing"

	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// capturedSale is a real InterVPOS payment reply (research: mewebstudio/pos
// serializer fixture, identifiers masked there as "gizlendi").
const capturedSale = "OrderId=33554969;;ProcReturnCode=00;;HostRefNum=hostid;;AuthCode=gizlendi;;TxnResult=Success;;ErrorMessage=;;CampanyId=;;CampanyInstallCount=0;;CampanyShiftDateCount=0;;CampanyTxnId=;;CampanyType=;;CampanyInstallment=0;;CampanyDate=0;;CampanyAmnt=0;;TRXDATE=09.08.2024 10:40:34;;TransId=gizlendi;;ErrorCode=;;EarnedBonus=0,00;;UsedBonus=0,00;;AvailableBonus=0,00;;BonusToBonus=0;;CampaignBonus=0,00;;FoldedBonus=0;;SurchargeAmount=0;;Amount=1,00;;CardHolderName=gizlendi;;QrReferenceNumber=;;QrPayIsSucess=False;;QrFastPaymentResultDesc="

func TestParseResponse(t *testing.T) {
	r, err := ParseResponse([]byte(capturedSale))
	if err != nil {
		t.Fatal(err)
	}
	if r.ProcReturnCode() != "00" || r.Get("Amount") != "1,00" || r.Get("TRXDATE") != "09.08.2024 10:40:34" || r.complete(paymentFields) != nil {
		t.Fatalf("parsed: %v", r.Fields)
	}
	if res := classify(r); res.Outcome != gateway.Approved || res.AuthCode != "gizlendi" || res.HostRef != "hostid" {
		t.Errorf("classify: %+v", res)
	}
	// ";;;" separators and '=' inside values.
	r, err = ParseResponse([]byte("ProcReturnCode=81;;;ErrorCode=B810002;;ErrorMessage=Terminal Aktif Degil;;MD=YWJj=="))
	if err != nil || r.Get("ErrorCode") != "B810002" || r.Get("MD") != "YWJj==" {
		t.Fatalf("%v %v", r, err)
	}
	for name, body := range map[string]string{
		"empty":      "",
		"html":       "<html><body>Proxy Error</body></html>",
		"no verdict": "OrderId=1;;TxnResult=Failed",
		"twice":      "ProcReturnCode=00;;ProcReturnCode=51",
		"no key":     "ProcReturnCode=00;;=x",
		"binary":     "ProcReturnCode=00;;X=\xff\xfe",
		"not a pair": "ProcReturnCode=00;;garbage",
	} {
		if _, err := ParseResponse([]byte(body)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
	// Cut short or self-contradictory: unusable.
	half, _ := ParseResponse([]byte(capturedSale[:len(capturedSale)/2]))
	if half.complete(paymentFields) == nil {
		t.Error("a reply cut in half looked complete")
	}
	bad, _ := ParseResponse([]byte("OrderId=1;;ProcReturnCode=00;;TxnResult=Failed;;ErrorCode=;;Amount=1;;CardHolderName="))
	if bad.complete(paymentFields) == nil {
		t.Error("approval with TxnResult Failed accepted")
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		code, errCode, msg string
		outcome            gateway.Outcome
		reason             gateway.DeclineReason
	}{
		{"00", "", "", gateway.Approved, gateway.ReasonNone},
		{"51", "", "Yetersiz bakiye", gateway.Declined, gateway.ReasonInsufficientFunds},
		{"05", "", "", gateway.Declined, gateway.ReasonDoNotHonour},
		{"N9", "", "", gateway.Declined, gateway.ReasonOther},
		{"81", "B810002", "Terminal Aktif Degil", gateway.Rejected, gateway.ReasonInvalidTxn},
		{"81", "B810110", "", gateway.Rejected, gateway.ReasonDuplicateOrder},
		{"81", "X1", "Sipariş numarası daha önce kullanılmış", gateway.Rejected, gateway.ReasonDuplicateOrder},
		{"81", "B810107", "", gateway.Rejected, gateway.ReasonInstallments},
		{"E31", "", "", gateway.Rejected, gateway.ReasonInvalidTxn},
		// An unsigned ErrorCode cannot turn an issuer decline into anything else.
		{"51", "B810110", "", gateway.Declined, gateway.ReasonInsufficientFunds},
	} {
		r := classifyFields(tc.code, tc.errCode, tc.msg, "A1", "", "")
		if r.Outcome != tc.outcome || r.Reason != tc.reason || r.BankCode != tc.code || r.BankErrorCode != tc.errCode {
			t.Errorf("%s/%s: %+v, want %s/%s", tc.code, tc.errCode, r, tc.outcome, tc.reason)
		}
		if tc.outcome != gateway.Approved && r.AuthCode != "" {
			t.Errorf("%s: decline keeps an approval code", tc.code)
		}
	}
}

func TestStatusFrom(t *testing.T) {
	base := "OrderId=A1;;ProcReturnCode=00;;BatchNo=1;;TransId=T;;TRXDATE=;;ErrorCode=;;ErrorMessage=;;AuthCode=D1;;"
	for _, tc := range []struct {
		body                string
		state               gateway.OrderState
		auth, capt, refunds int64
	}{
		{"TxnStat=Y;;TxnStatus=A;;ChargeTypeCd=PreAuth;;PurchAmount=1.056,20;;RefundedAmount=0", gateway.StateAuthorized, 105620, 0, 0},
		{"TxnStat=Y;;TxnStatus=C;;ChargeTypeCd=Auth;;PurchAmount=90,00;;RefundedAmount=40,00", gateway.StateRefunded, 9000, 9000, 4000},
		{"TxnStat=Y;;TxnStatus=V;;ChargeTypeCd=Auth;;PurchAmount=30;;RefundedAmount=0", gateway.StateVoided, 3000, 3000, 0},
		{"TxnStat=N;;TxnStatus=D;;ChargeTypeCd=Auth;;PurchAmount=0;;RefundedAmount=0", gateway.StateDeclined, 0, 0, 0},
	} {
		r, err := ParseResponse([]byte(base + tc.body))
		if err != nil {
			t.Fatal(err)
		}
		s := statusFrom(r)
		if s.Outcome != gateway.Approved || s.State != tc.state || s.AuthorizedAmount != tc.auth || s.CapturedAmount != tc.capt || s.RefundedAmount != tc.refunds {
			t.Errorf("%s: %+v", tc.body, s)
		}
	}
	// The captured failure reply of an inactive terminal is a refusal, not "not found".
	r, _ := ParseResponse([]byte("OrderId=SYSOID121327781;;ProcReturnCode=81;;BatchNo=;;TransId=;;TRXDATE=;;TxnStat=;;PurchAmount=0;;VoidDate=1.1.0001 00:00:00;;TxnStatus=;;ChargeTypeCd=;;ErrorCode=B810002;;ErrorMessage=TR:Terminal Aktif Degil;;RefundedAmount=0;;AuthCode="))
	if s := statusFrom(r); s.Outcome != gateway.Rejected {
		t.Errorf("inactive terminal: %s %s", s.Outcome, s.State)
	}
	r, _ = ParseResponse([]byte(base + "TxnStat=Y;;TxnStatus=C;;PurchAmount=1.5.5;;RefundedAmount=0"))
	if s := statusFrom(r); s.Outcome != gateway.Unknown {
		t.Errorf("garbled amount: %s", s.Outcome)
	}
}

func TestFormats(t *testing.T) {
	for _, tc := range []struct {
		minor int64
		cur   money.Currency
		want  string
	}{
		{1, money.TRY, "0.01"}, {101, money.TRY, "1.01"}, {12550, money.TRY, "125.50"}, {10000, money.USD, "100.00"},
		{999999, money.EUR, "9999.99"}, {100000000, money.GBP, "1000000.00"},
	} {
		if got := FormatAmount(money.New(tc.minor, tc.cur)); got != tc.want {
			t.Errorf("FormatAmount(%d %s) = %q, want %q", tc.minor, tc.cur.Code, got, tc.want)
		}
	}
	for n, want := range map[int]string{0: "", 1: "", 2: "2", 12: "12"} {
		if got := FormatInstallments(n); got != want {
			t.Errorf("FormatInstallments(%d) = %q, want %q", n, got, want)
		}
	}
	for s, want := range map[string]int64{"1,01": 101, "1.01": 101, "1": 100, "320": 32000, "1.056,20": 105620, "0": 0, "": 0} {
		if got, err := ParseAmount(s); err != nil || got != want {
			t.Errorf("ParseAmount(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"1,001", "abc", "-1", "1.5.5"} {
		if _, err := ParseAmount(s); err == nil {
			t.Errorf("ParseAmount(%q) accepted", s)
		}
	}
	exp, _ := card.NewExpiry(1, 2030)
	if got := FormatExpiry(exp); got != "0130" {
		t.Errorf("FormatExpiry = %q", got)
	}
	for b, want := range map[card.Brand]string{card.Visa: "0", card.Mastercard: "1", card.Amex: "2", card.Troy: "3", card.Unknown: ""} {
		if got := CardType(b); got != want {
			t.Errorf("CardType(%s) = %q, want %q", b, got, want)
		}
	}
	for id, ok := range map[string]bool{"A1": true, "ORDER_1-2": true, "": false, "a b": false, "x;;y": false, "123456789012345678901": false} {
		if err := CheckOrderID(id); (err == nil) != ok {
			t.Errorf("CheckOrderID(%q) = %v", id, err)
		}
	}
}

func FuzzParseResponse(f *testing.F) {
	f.Add([]byte(capturedSale))
	f.Add([]byte("ProcReturnCode=81;;;ErrorCode=B810002"))
	f.Add([]byte(";;;;=;;"))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := ParseResponse(body)
		if err != nil {
			return
		}
		if r.ProcReturnCode() == "" {
			t.Fatal("parsed without a verdict")
		}
		_ = r.complete(paymentFields)
		classify(r)
		statusFrom(r)
	})
}
