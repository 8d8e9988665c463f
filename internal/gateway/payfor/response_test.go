package payfor

import (
	"errors"
	"testing"

	"github.com/kasapos/kasa/internal/gateway"
)

// A sale reply as captured from QNB's test host.
const approvedReply = `<?xml version="1.0" encoding="utf-8"?>
<PayforResponse>
<AuthCode>S31432</AuthCode>
<HostRefNum>326011208369</HostRefNum>
<ProcReturnCode>00</ProcReturnCode>
<TransId>20230917EF0E</TransId>
<ErrMsg>Onaylandı</ErrMsg>
<CardHolderName>John Doe</CardHolderName>
<ArtiTaksit>0</ArtiTaksit>
<BankInternalResponseMessage></BankInternalResponseMessage>
</PayforResponse>`

func TestParseResponse(t *testing.T) {
	r, err := ParseResponse([]byte(approvedReply))
	if err != nil {
		t.Fatal(err)
	}
	res := classify(r)
	if !res.OK() || res.AuthCode != "S31432" || res.HostRef != "326011208369" || res.TransID != "20230917EF0E" || res.BankMessage != "Onaylandı" {
		t.Errorf("result %+v", res)
	}
	for name, body := range map[string]string{
		"empty":       "",
		"html":        "<html><body>Proxy Error</body></html>",
		"no code":     "<PayforResponse><AuthCode>1</AuthCode></PayforResponse>",
		"blank code":  "<PayforResponse><ProcReturnCode> </ProcReturnCode></PayforResponse>",
		"truncated":   approvedReply[:len(approvedReply)/2],
		"bad charset": `<?xml version="1.0" encoding="koi8-r"?><PayforResponse><ProcReturnCode>00</ProcReturnCode></PayforResponse>`,
	} {
		if _, err := ParseResponse([]byte(body)); !errors.Is(err, ErrBadResponse) {
			t.Errorf("%s: err %v", name, err)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		code, msg string
		outcome   gateway.Outcome
		reason    gateway.DeclineReason
	}{
		{"00", "Onaylandı", gateway.Approved, gateway.ReasonNone},
		{"51", "Yetersiz bakiye", gateway.Declined, gateway.ReasonInsufficientFunds},
		{"05", "Red", gateway.Declined, gateway.ReasonDoNotHonour},
		{"77", "?", gateway.Declined, gateway.ReasonOther},
		{"M041", "Geçersiz kart numarası", gateway.Rejected, gateway.ReasonInvalidCard},
		{"V013", "Seçili İşlem Bulunamadı!", gateway.Rejected, gateway.ReasonInvalidTxn},
		{"V014", "Bu işlem geri alınamaz", gateway.Rejected, gateway.ReasonInvalidTxn},
		{"V004", "", gateway.Rejected, gateway.ReasonInvalidTxn},
		{"101310", "Verilen sipariş no önceden kullanılmıştır.", gateway.Rejected, gateway.ReasonDuplicateOrder},
		{"X999", "Verilen SİPARİŞ NO önceden kullanılmıştır", gateway.Rejected, gateway.ReasonDuplicateOrder},
		{"V203", "", gateway.Rejected, gateway.ReasonInstallments},
		{"MR15", "3D Secure Authorize Error", gateway.Declined, gateway.ReasonOther},
		{"V034", "", gateway.Declined, gateway.ReasonOther},
	} {
		res := classifyFields(tc.code, tc.msg, "S1", "", "")
		if res.Outcome != tc.outcome || res.Reason != tc.reason || res.BankCode != tc.code {
			t.Errorf("%s: %s/%s", tc.code, res.Outcome, res.Reason)
		}
		if tc.outcome != gateway.Approved && res.AuthCode != "" {
			t.Errorf("%s: auth code kept on a refusal", tc.code)
		}
		if tc.outcome == gateway.Rejected && res.BankErrorCode != tc.code {
			t.Errorf("%s: BankErrorCode %q", tc.code, res.BankErrorCode)
		}
	}
}

const historyReply = `<?xml version="1.0" encoding="utf-8"?>
<TxnHistoryReport xsi:noNamespaceSchemaLocation="TxnHistoryReport.xsd" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <PaymentRequestExtended><PaymentRequest xmlns="http://ocean.smartway.com/">
    <InsertDatetime>2024-01-21T17:39:02</InsertDatetime><OrderId>2024012107B7</OrderId><OrgOrderId></OrgOrderId>
    <PurchAmount>2.01</PurchAmount><Currency>949</Currency><TxnType>PreAuth</TxnType><TxnStatus>Y</TxnStatus>
    <AuthCode>S65465</AuthCode><ProcReturnCode>00</ProcReturnCode><F37>402117236277</F37>
  </PaymentRequest></PaymentRequestExtended>
  <PaymentRequestExtended><PaymentRequest xmlns="http://ocean.smartway.com/">
    <InsertDatetime>2024-01-21T17:39:06</InsertDatetime><OrderId>2024012107B7</OrderId><OrgOrderId>2024012107B7</OrgOrderId>
    <PurchAmount>2.01</PurchAmount><Currency>949</Currency><TxnType>PostAuth</TxnType><TxnStatus>V</TxnStatus>
    <AuthCode>S75952</AuthCode><ProcReturnCode>00</ProcReturnCode>
  </PaymentRequest></PaymentRequestExtended>
  <PaymentRequestExtended><PaymentRequest xmlns="http://ocean.smartway.com/">
    <InsertDatetime>2024-01-21T17:39:16</InsertDatetime><OrderId>2024012107B7</OrderId><OrgOrderId>2024012107B7</OrgOrderId>
    <PurchAmount>2.01</PurchAmount><Currency>949</Currency><TxnType>Void</TxnType><TxnStatus>Y</TxnStatus>
    <AuthCode>S10420</AuthCode><ProcReturnCode>00</ProcReturnCode>
  </PaymentRequest></PaymentRequestExtended>
</TxnHistoryReport>`

// The shape of a captured pre-auth → capture → void history.
func TestParseHistoryAndSummarize(t *testing.T) {
	fields, err := ParseHistory([]byte(historyReply))
	if err != nil || len(fields) != 3 {
		t.Fatalf("%d records, err %v", len(fields), err)
	}
	var recs []record
	for _, f := range fields {
		r, err := newRecord(f)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	if recs[0].amount != 201 || recs[0].hostRef != "402117236277" || recs[0].time.IsZero() {
		t.Errorf("first record %+v", recs[0])
	}
	s := summarize(recs)
	if s.state != gateway.StateVoided || s.authorized != 201 || s.captured != 201 || s.refunded != 0 || s.main.authCode != "S65465" {
		t.Errorf("summary %+v", s)
	}
	if s := summarize(recs[:2]); s.state != gateway.StateVoided {
		t.Errorf("PostAuth marked V: %s", s.state)
	}
	if s := summarize(nil); s.state != gateway.StateNotFound {
		t.Errorf("empty: %s", s.state)
	}
	if s := summarize([]record{{typ: "Auth", stat: "N", code: "51"}}); s.state != gateway.StateDeclined {
		t.Errorf("declined: %s", s.state)
	}
	if _, err := ParseHistory([]byte(historyReply[:300])); !errors.Is(err, ErrBadResponse) {
		t.Errorf("truncated history: %v", err)
	}
}

func FuzzParseResponse(f *testing.F) {
	f.Add([]byte(approvedReply))
	f.Add([]byte(historyReply))
	f.Add([]byte(`<PayforResponse><ProcReturnCode>V013</ProcReturnCode><TxnType>Auth</TxnType><PurchAmount>1.0x</PurchAmount></PayforResponse>`))
	f.Add([]byte("<html>\x00\xff"))
	f.Fuzz(func(t *testing.T, body []byte) {
		if r, err := ParseResponse(body); err == nil {
			classify(r)
			statusOf(r)
		}
		if fs, err := ParseHistory(body); err == nil {
			var recs []record
			for _, f := range fs {
				if r, err := newRecord(f); err == nil {
					recs = append(recs, r)
				}
			}
			summarize(recs)
		}
	})
}
