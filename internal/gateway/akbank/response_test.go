package akbank

import (
	"errors"
	"testing"

	"github.com/kasapos/kasa/internal/gateway"
)

// Replies in the shape captured from Akbank's test system.
const (
	replyApproved = `{"txnCode":"1000","responseCode":"VPS-0000","responseMessage":"BAŞARILI","hostResponseCode":"00",
"hostMessage":"000 ONAY KODU XXXXXX","txnDateTime":"2022-03-01T09:29:23.851","terminal":{"merchantSafeId":"********************************","terminalSafeId":"********************************"},
"card":{"cardHolderName":""},"order":{"orderId":"b9ebfdc5-304f-49c2-8065-a2c7481a5d1f"},
"transaction":{"authCode":"064716","rrn":"206125059548","batchNumber":99,"stan":5},
"campaign":{"additionalInstallCount":0,"deferingDate":"","deferingMonth":0},"reward":{}}`
	replyInstallmentDecline = `{"reward":{"pcbBalanceRewardAmount":0},"txnCode":"1000","hostResponseCode":"83","hostMessage":"183 TAKSIT TUTAR HAT",
"terminal":{"terminalSafeId":"2023090417500284633D137A249DBBEB","merchantSafeId":"2023090417500272654BD9A49CF07574"},
"responseMessage":"Provizyon Hatası","txnDateTime":"2024-04-23T16:14:00.264",
"transaction":{"authCode":"000000","stan":5,"rrn":"411524361163","batchNumber":50},"responseCode":"VPS-1005","order":{"orderId":"20240423303F"}}`
	replyDuplicate = `{"txnCode":"1000","terminal":{},"responseMessage":"Sipariş Numarası : 202404142607 tekil olmalıdır",
"txnDateTime":"2024-04-14T16:16:55.366","transaction":{"stan":0,"rrn":"0","batchNumber":0},"responseCode":"VPS-1013","order":{"orderId":"202404142607"}}`
	replyBadDate = `{"txnCode":"1000","responseMessage":"Geçerli talep tarihi giriniz.","txnDateTime":"2024-04-14T19:26:05.928",
"transaction":{"stan":0,"rrn":"0","batchNumber":0},"responseCode":"VPS-1073","order":{"orderId":"20240414B80D"}}`
	replyHistory = `{"txnCode":"1010","terminal":{},"txnDetailList":[
{"preAuthCloseDate":"2024-04-15T20:17:20.158","amount":30,"authCode":"305954","hostResponseCode":"00","orderId":"20240415CE8F","preAuthStatus":"C",
"maskedCardNumber":"521807******2834","txnDateTime":"2024-04-15T20:16:59.611","responseCode":"VPS-0000","rrn":"410724359537","installCount":1,
"txnCode":"1004","txnStatus":"N","orgOrderId":"20240415CE8F","preAuthCloseAmount":30,"responseMessage":"BAŞARILI","currencyCode":949,"batchNumber":39},
{"amount":30,"authCode":"305955","hostResponseCode":"00","orderId":"d2f58999-5143-4f5c-b503-deaa789441d5","txnDateTime":"2024-04-15T20:17:20.158",
"responseCode":"VPS-0000","rrn":"410724359538","installCount":1,"txnCode":"1005","txnStatus":"N","orgOrderId":"20240415CE8F","currencyCode":949}],
"responseMessage":"BAŞARILI","txnDateTime":"2024-04-15T20:17:27.052","responseCode":"VPS-0000"}`
)

func TestParseAndClassify(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		body                   string
		outcome                gateway.Outcome
		reason                 gateway.DeclineReason
		bankCode, errCode, rrn string
		authCode               string
	}{
		{"approved", replyApproved, gateway.Approved, "", "00", "", "206125059548", "064716"},
		{"issuer_decline", replyInstallmentDecline, gateway.Declined, gateway.ReasonInstallments, "83", "VPS-1005", "411524361163", ""},
		{"duplicate", replyDuplicate, gateway.Rejected, gateway.ReasonDuplicateOrder, "VPS-1013", "VPS-1013", "", ""},
		{"bad_date", replyBadDate, gateway.Rejected, gateway.ReasonInvalidTxn, "VPS-1073", "VPS-1073", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := ParseResponse([]byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			res := classify(resp)
			if res.Outcome != tc.outcome || res.Reason != tc.reason || res.BankCode != tc.bankCode ||
				res.BankErrorCode != tc.errCode || res.HostRef != tc.rrn || res.AuthCode != tc.authCode {
				t.Fatalf("got %+v", res)
			}
		})
	}
}

func TestHostCodeReasons(t *testing.T) {
	for code, want := range map[string]gateway.DeclineReason{
		"51": gateway.ReasonInsufficientFunds, "54": gateway.ReasonExpiredCard, "05": gateway.ReasonDoNotHonour,
		"82": gateway.ReasonInvalidCVV, "99": gateway.ReasonOther,
	} {
		res := classify(&Response{ResponseCode: codeProvision, HostResponseCode: code})
		if res.Outcome != gateway.Declined || res.Reason != want || res.BankCode != code {
			t.Errorf("host %s: %+v", code, res)
		}
	}
}

func TestParseHistory(t *testing.T) {
	resp, err := ParseResponse([]byte(replyHistory))
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Details) != 2 || resp.Details[0].Amount != "30" || resp.Details[0].CurrencyCode != "949" || resp.Details[0].PreAuthStatus != "C" {
		t.Fatalf("details %+v", resp.Details)
	}
	s, err := summarize(resp.Details)
	if err != nil {
		t.Fatal(err)
	}
	if s.state != gateway.StateCaptured || s.authorized != 3000 || s.captured != 3000 || s.refunded != 0 {
		t.Fatalf("summary %+v", s)
	}
}

func TestSummarize(t *testing.T) {
	ok := func(code, status, amount string) TxnDetail {
		return TxnDetail{TxnCode: code, ResponseCode: codeApproved, TxnStatus: status, Amount: amount, CurrencyCode: "949"}
	}
	preOpen := ok(txnPreAuth, "N", "100")
	preOpen.PreAuthStatus = "O"
	for _, tc := range []struct {
		name                           string
		recs                           []TxnDetail
		state                          gateway.OrderState
		authorized, captured, refunded int64
	}{
		{"none", nil, gateway.StateNotFound, 0, 0, 0},
		{"declined", []TxnDetail{{TxnCode: txnSale, ResponseCode: codeProvision, Amount: "1.01", CurrencyCode: "949"}}, gateway.StateDeclined, 0, 0, 0},
		{"sale", []TxnDetail{ok(txnSale, "N", "1.01")}, gateway.StateCaptured, 101, 101, 0},
		{"sale_voided", []TxnDetail{ok(txnSale, "V", "1.01")}, gateway.StateVoided, 101, 0, 0},
		{"preauth_open", []TxnDetail{preOpen}, gateway.StateAuthorized, 10000, 0, 0},
		{"preauth_postauth_voided", []TxnDetail{preOpen, ok(txnPostAuth, "V", "70")}, gateway.StateAuthorized, 10000, 0, 0},
		{"preauth_captured", []TxnDetail{preOpen, ok(txnPostAuth, "N", "70")}, gateway.StateCaptured, 10000, 7000, 0},
		{"refunded", []TxnDetail{ok(txnSale, "N", "90"), ok(txnRefund, "N", "40"), {TxnCode: txnRefund, ResponseCode: "VPS-1912", Amount: "60", CurrencyCode: "949"}},
			gateway.StateRefunded, 9000, 9000, 4000},
		{"suspect", []TxnDetail{ok(txnSale, "S", "1.01")}, gateway.StatePending, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := summarize(tc.recs)
			if err != nil {
				t.Fatal(err)
			}
			if s.state != tc.state || s.authorized != tc.authorized || s.captured != tc.captured || s.refunded != tc.refunded {
				t.Fatalf("summary %+v", s)
			}
		})
	}
	if _, err := summarize([]TxnDetail{ok(txnSale, "N", "1e3")}); !errors.Is(err, ErrBadResponse) {
		t.Fatalf("exponent amount: %v", err)
	}
}

func TestParseResponseRejects(t *testing.T) {
	for _, body := range []string{"", "   ", "<html>Proxy Error</html>", `{"responseMessage":"x"}`, `{"responseCode":""}`,
		`{"responseCode":"VPS-0000","txnDetailList":[{"amount":true}]}`, `{"responseCode":"VPS-0000"`} {
		if _, err := ParseResponse([]byte(body)); !errors.Is(err, ErrBadResponse) {
			t.Errorf("%q: %v", body, err)
		}
	}
}

func FuzzParseResponse(f *testing.F) {
	for _, s := range []string{replyApproved, replyInstallmentDecline, replyDuplicate, replyBadDate, replyHistory, "", "{}", `{"responseCode":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		resp, err := ParseResponse(body)
		if err != nil {
			if !errors.Is(err, ErrBadResponse) {
				t.Fatalf("unwrapped error %v", err)
			}
			return
		}
		if resp.ResponseCode == "" {
			t.Fatal("parsed reply without responseCode")
		}
		res := classify(resp)
		if res.Outcome == gateway.Approved && resp.ResponseCode != codeApproved {
			t.Fatalf("approved %q", resp.ResponseCode)
		}
		summarize(resp.Details) //nolint:errcheck // must not panic
	})
}
