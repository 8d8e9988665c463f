package posnet

import (
	"errors"
	"testing"

	"github.com/kasapos/kasa/internal/gateway"
)

// Reply shapes follow replies captured from the bank (research notes §2.3
// and the reference library's fixtures), re-typed.

const approvedReply = `<?xml version="1.0" encoding="ISO-8859-9"?>
<posnetResponse><approved>1</approved><respCode></respCode><respText></respText><mac>DF2323A3BMC782QOP42RT</mac>
<hostlogkey>0000000002P0806031</hostlogkey><authCode>901477</authCode>
<instInfo><inst1>00</inst1><amnt1>000000000000</amnt1></instInfo>
<pointInfo><point>00000228</point><pointAmount>000000000114</pointAmount><totalPoint>00000000</totalPoint></pointInfo></posnetResponse>`

const refusedReply = `<?xml version="1.0" encoding="ISO-8859-9"?>
<posnetResponse><approved>0</approved><respCode>0148</respCode><respText>INVALID MID TID IP. Hatal` + "\xfd" + ` IP:89.244.149.137</respText></posnetResponse>`

const duplicateReply = `<posnetResponse><approved>2</approved><respCode>0127</respCode><respText>ORDERID DAHA ONCE KULLANILMIS 0127</respText>
<hostlogkey>020527337090000191</hostlogkey><authCode>273370</authCode><tranDate>190703093340</tranDate></posnetResponse>`

const resolveReply = `<posnetResponse><approved>1</approved><respCode></respCode><respText></respText>
<oosResolveMerchantDataResponse><xid>YKB_0000080603153823</xid><amount>5696</amount><currency>TL</currency>
<installment>00</installment><point>0</point><pointAmount>0</pointAmount><txStatus>Y</txStatus><mdStatus>1</mdStatus>
<mdErrorMessage></mdErrorMessage><mac>y0fU6rRA0OvqJ5GN6uMdHVu6Xra7QR1qeT9rN7R1L+o=</mac></oosResolveMerchantDataResponse></posnetResponse>`

const agreementReply = `<posnetResponse><approved>1</approved><transactions><transaction>
<orderID>TDS_YKB_0000191010111730</orderID><ccno>4506 34** **** 4637</ccno><amount>1,16</amount><currencyCode>TL</currencyCode>
<authCode>504289</authCode><tranDate>2019-10-10 11:21:14.281</tranDate><state>Sale</state><txnStatus>1</txnStatus>
<hostlogkey>021450428990000191</hostlogkey></transaction></transactions></posnetResponse>`

func TestParseAndClassify(t *testing.T) {
	for _, tc := range []struct {
		name    string
		body    string
		outcome gateway.Outcome
		reason  gateway.DeclineReason
		code    string
		errCode string
	}{
		{"approved", approvedReply, gateway.Approved, gateway.ReasonNone, "1", ""},
		{"refused", refusedReply, gateway.Rejected, gateway.ReasonInvalidTxn, "0148", "0148"},
		{"duplicate", duplicateReply, gateway.Rejected, gateway.ReasonDuplicateOrder, "0127", "0127"},
		{"insufficient funds", `<posnetResponse><approved>0</approved><respCode>0051</respCode><respText>YETERSIZ BAKIYE</respText></posnetResponse>`,
			gateway.Declined, gateway.ReasonInsufficientFunds, "0051", ""},
		{"unknown issuer code", `<posnetResponse><approved>0</approved><respCode>0077</respCode></posnetResponse>`,
			gateway.Declined, gateway.ReasonOther, "0077", ""},
		{"mac error", `<posnetResponse><approved>0</approved><respCode>E216</respCode><respText>Mac Doğrulama hatalı</respText></posnetResponse>`,
			gateway.Rejected, gateway.ReasonInvalidTxn, "E216", "E216"},
		{"approved with an error code", `<posnetResponse><approved>1</approved><respCode>0012</respCode></posnetResponse>`,
			gateway.Declined, gateway.ReasonInvalidTxn, "0012", ""},
		{"installments", `<posnetResponse><approved>0</approved><respCode>0107</respCode></posnetResponse>`,
			gateway.Rejected, gateway.ReasonInstallments, "0107", "0107"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseResponse([]byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			res := classify(r)
			if res.Outcome != tc.outcome || res.Reason != tc.reason || res.BankCode != tc.code || res.BankErrorCode != tc.errCode {
				t.Errorf("got %s/%s code %q err %q", res.Outcome, res.Reason, res.BankCode, res.BankErrorCode)
			}
		})
	}
	r, _ := ParseResponse([]byte(approvedReply))
	if r.HostLogKey != "0000000002P0806031" || r.AuthCode != "901477" || r.Inst1 != "00" {
		t.Errorf("approved %+v", r)
	}
	r, _ = ParseResponse([]byte(refusedReply))
	if r.RespText != "INVALID MID TID IP. Hatalı IP:89.244.149.137" {
		t.Errorf("Latin-5 text %q", r.RespText)
	}
	r, _ = ParseResponse([]byte(duplicateReply))
	if res := classify(r); res.AuthCode != "273370" || res.HostRef != "020527337090000191" {
		t.Errorf("duplicate keeps the earlier references: %+v", res)
	}
}

func TestParseResolveAndAgreement(t *testing.T) {
	r, err := ParseResponse([]byte(resolveReply))
	if err != nil {
		t.Fatal(err)
	}
	d := r.Resolve
	if d == nil || d.XID != "YKB_0000080603153823" || d.Amount != "5696" || d.Currency != "TL" || d.MDStatus != "1" ||
		d.TxStatus != "Y" || d.MAC != "y0fU6rRA0OvqJ5GN6uMdHVu6Xra7QR1qeT9rN7R1L+o=" {
		t.Errorf("resolve %+v", d)
	}
	r, err = ParseResponse([]byte(agreementReply))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Transactions) != 1 || r.Transactions[0].State != "Sale" || r.Transactions[0].HostLogKey != "021450428990000191" {
		t.Fatalf("transactions %+v", r.Transactions)
	}
	v, err := viewOf(r)
	if err != nil || !v.found || v.txns[0].minor != 116 {
		t.Errorf("view %+v %v", v, err)
	}
}

func TestParseStatusAmount(t *testing.T) {
	for s, want := range map[string]int64{"1,16": 116, "0,01": 1, "1.234,50": 123450, "100": 10000, "12,5": 1250} {
		if got, err := parseStatusAmount(s, "TL"); err != nil || got != want {
			t.Errorf("%q: %d %v, want %d", s, got, err, want)
		}
	}
	for _, bad := range []string{"", "1,234", "abc", "-1,00"} {
		if _, err := parseStatusAmount(bad, "TL"); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := parseStatusAmount("1,00", "XX"); err == nil {
		t.Error("unknown currency accepted")
	}
}

func TestParseRejectsUnusable(t *testing.T) {
	for _, body := range []string{
		"",
		"<html>Proxy Error</html>",
		"<posnetResponse><respCode>0148</respCode></posnetResponse>",
		"<posnetResponse><approved>OK</approved></posnetResponse>",
		"<posnetResponse><approved>1</approved>",
	} {
		if r, err := ParseResponse([]byte(body)); err == nil || r != nil || !errors.Is(err, ErrBadResponse) {
			t.Errorf("%q: %v %v", body, r, err)
		}
	}
}

func FuzzParseResponse(f *testing.F) {
	for _, s := range []string{approvedReply, refusedReply, duplicateReply, resolveReply, agreementReply, "<html>", "\xff\xfe\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := ParseResponse(body)
		if err != nil {
			if r != nil || !errors.Is(err, ErrBadResponse) {
				t.Fatalf("error %v with response %v", err, r)
			}
			return
		}
		if res := classify(r); res.Outcome == "" {
			t.Fatal("no outcome")
		}
		if res := classify(r); res.Outcome == gateway.Approved && (r.Approved != "1" || r.RespCode != "") {
			t.Fatalf("approved without approved=1: %+v", r)
		}
		viewOf(r) //nolint:errcheck // only checking for panics
	})
}
