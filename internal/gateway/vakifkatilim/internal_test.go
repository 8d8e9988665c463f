package vakifkatilim

import (
	"net/url"
	"testing"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/boa"
	"github.com/kasapos/kasa/internal/money"
)

// The gate's refusal page, shaped like one captured from the bank (public
// library fixture), re-typed.
const refusalPage = `<!DOCTYPE html>
<html xmlns="http//www.w3.org/1999/xhtml"><head><title></title></head>
<body onload="OnLoadEvent();">
<form name="downloadForm" action="https://localhost/VirtualPos/ThreeDModel/Fail"
method="POST">
<input type="hidden" name="ResponseCode" value="CardNotEnrolled">
<input type="hidden" name="ResponseMessage" value="Card 3D Secure kayitli degil.">
<input type="hidden" name="ProvisionNumber">
<input type="hidden" name="MerchantOrderId">
<input type="hidden" name="OrderId" value="0">
<input type="hidden" name="HashData">
<input type="hidden" name="MD">
<noscript><input type="submit" name="submit" value="Submit"></noscript>
</form></body></html>`

func TestEnrollmentForm(t *testing.T) {
	form, res := enrollmentForm([]byte(refusalPage))
	if form != nil || res.Outcome != gateway.Rejected || res.BankErrorCode != "CardNotEnrolled" ||
		res.Reason != gateway.ReasonNotPermitted || res.BankMessage != "Card 3D Secure kayitli degil." {
		t.Fatalf("refusal: %+v %+v", form, res)
	}
	acs := `<html><body><form action="https://acs.example/challenge?x=1&amp;y=2" method="post">` +
		`<input type="hidden" name="PaReq" value="abc&quot;def"><input name='TermUrl' value='https://boa.example/term'></form></body></html>`
	form, res = enrollmentForm([]byte(acs))
	if res != nil || form.URL != "https://acs.example/challenge?x=1&y=2" || len(form.Fields) != 2 ||
		form.Fields[0] != (gateway.Field{Name: "PaReq", Value: `abc"def`}) || form.Fields[1].Value != "https://boa.example/term" {
		t.Fatalf("acs form: %+v %+v", form, res)
	}
	xmlReply := `<VPosTransactionResponseContract><ResponseCode>HashDataError</ResponseCode><ResponseMessage>x</ResponseMessage></VPosTransactionResponseContract>`
	if form, res = enrollmentForm([]byte(xmlReply)); form != nil || res.Outcome != gateway.Rejected || res.BankErrorCode != "HashDataError" {
		t.Fatalf("xml refusal: %+v %+v", form, res)
	}
	for _, bad := range []string{"", "<html>no form</html>", `<form action="/relative" method="post"></form>`,
		`<form action="https://x.example" method="get"></form>`, `<form action="https://x.example"><input name="ResponseCode" value=""></form>`} {
		if form, res := enrollmentForm([]byte(bad)); form != nil || res.Outcome != gateway.Unknown {
			t.Errorf("%q: %+v %+v", bad, form, res)
		}
	}
}

// Order contracts shaped like captured SelectOrderByMerchantOrderId
// replies (public library fixtures), re-typed.
func TestSummarizeCapturedReplies(t *testing.T) {
	const sale = `<?xml version="1.0" encoding="utf-16"?>
<VPosTransactionResponseContract xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <VPosOrderData><OrderContract>
  <OrderId>12743</OrderId><MerchantOrderId>1995434716</MerchantOrderId><MerchantId>1</MerchantId>
  <OrderStatus>1</OrderStatus><TransactionStatus>1</TransactionStatus><LastOrderStatus>1</LastOrderStatus>
  <FEC>0949</FEC><CardNumber>5353********7017</CardNumber><OrderDate>2020-12-24T09:21:41.55</OrderDate>
  <FirstAmount>9.30</FirstAmount><CancelAmount>0.00</CancelAmount><DrawbackAmount>0.00</DrawbackAmount><ClosedAmount>0.00</ClosedAmount>
  <InstallmentCount>0</InstallmentCount><ResponseCode>00</ResponseCode><ResponseExplain>Provizyon alındı.</ResponseExplain>
  <ProvNumber>043290</ProvNumber><RRN>035909014127</RRN><Stan>014127</Stan>
 </OrderContract></VPosOrderData>
 <ResponseCode>00</ResponseCode><ResponseMessage />
</VPosTransactionResponseContract>`
	r, err := boa.ParseResponse([]byte(sale))
	if err != nil || len(r.Orders) != 1 {
		t.Fatalf("%+v %v", r, err)
	}
	st := summarize(&r.Orders[0], money.TRY)
	if st.State != gateway.StateCaptured || st.AuthorizedAmount != 930 || st.CapturedAmount != 930 || st.AuthCode != "043290" || st.TransID != "12743" {
		t.Errorf("sale: %+v", st)
	}
	if ts := boa.ParseTime(r.Orders[0].OrderDate); ts.Year() != 2020 || ts.Hour() != 9 {
		t.Errorf("OrderDate %v", ts)
	}
	cancelled := r.Orders[0]
	cancelled.LastOrderStatus, cancelled.CancelAmount = "6", "9.30"
	if st := summarize(&cancelled, money.TRY); st.State != gateway.StateVoided || st.CapturedAmount != 930 {
		t.Errorf("cancelled: %+v", st)
	}
	refunded := r.Orders[0]
	refunded.LastOrderStatus, refunded.DrawbackAmount = "5", "3.00"
	if st := summarize(&refunded, money.TRY); st.State != gateway.StateRefunded || st.RefundedAmount != 300 {
		t.Errorf("refunded: %+v", st)
	}
	failed := r.Orders[0]
	failed.ResponseCode, failed.TransactionStatus = "05", "2"
	if st := summarize(&failed, money.TRY); st.State != gateway.StateDeclined {
		t.Errorf("failed: %+v", st)
	}
	// The bank's "nothing found" answer to a status query.
	const none = `<VPosTransactionResponseContract><VPosOrderData /><ResponseCode>NonResult</ResponseCode>` +
		`<ResponseMessage>Kriterlere uygun sonuc bulunmamaktadir.</ResponseMessage><MerchantOrderId>124</MerchantOrderId></VPosTransactionResponseContract>`
	if r, err := boa.ParseResponse([]byte(none)); err != nil || r.ResponseCode != CodeNoResult || len(r.Orders) != 0 {
		t.Errorf("NonResult: %+v %v", r, err)
	}
}

func TestClassify(t *testing.T) {
	for code, want := range map[string]struct {
		o gateway.Outcome
		r gateway.DeclineReason
	}{
		"00":                           {gateway.Approved, gateway.ReasonNone},
		"51":                           {gateway.Declined, gateway.ReasonInsufficientFunds},
		"99":                           {gateway.Declined, gateway.ReasonOther},
		"CardNotEnrolled":              {gateway.Rejected, gateway.ReasonNotPermitted},
		"MerchantOrderIdAlreadyExists": {gateway.Rejected, gateway.ReasonDuplicateOrder},
		"MerchantNotDefined":           {gateway.Rejected, gateway.ReasonInvalidTxn},
		"SomethingNew":                 {gateway.Rejected, gateway.ReasonInvalidTxn},
	} {
		r := classify(code, "m")
		if r.Outcome != want.o || r.Reason != want.r || r.BankCode != code || (r.Outcome == gateway.Rejected && r.BankErrorCode != code) {
			t.Errorf("%s: %+v", code, r)
		}
	}
}

func FuzzEnrollmentForm(f *testing.F) {
	f.Add([]byte(refusalPage))
	f.Add([]byte(`<form action="https://a.example/x" method="post"><input type="hidden" name="a" value="b"></form>`))
	f.Add([]byte(`<VPosTransactionResponseContract><ResponseCode>X</ResponseCode></VPosTransactionResponseContract>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		form, res := enrollmentForm(b)
		if (form == nil) == (res == nil) {
			t.Fatalf("form %v and result %v", form, res)
		}
		if form != nil && !gateway.ValidEndpoint(form.URL) {
			t.Fatalf("form to %q", form.URL)
		}
	})
}

func FuzzParseResponse(f *testing.F) {
	f.Add([]byte(`<VPosTransactionResponseContract><VPosOrderData><OrderContract><FirstAmount>1.00</FirstAmount><FEC>0949</FEC></OrderContract></VPosOrderData><ResponseCode>00</ResponseCode></VPosTransactionResponseContract>`))
	f.Add([]byte(`<?xml version="1.0" encoding="ISO-8859-9"?><VPosTransactionResponseContract><ResponseCode>51</ResponseCode></VPosTransactionResponseContract>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := boa.ParseResponse(b)
		if err != nil {
			return
		}
		for i := range r.Orders {
			cur, ok := ParseCurrency(r.Orders[i].FEC)
			if !ok {
				cur = money.TRY
			}
			st := summarize(&r.Orders[i], cur)
			if st.AuthorizedAmount < 0 || st.CapturedAmount < 0 || st.RefundedAmount < 0 {
				t.Fatalf("negative amounts %+v", st)
			}
			boa.ParseTime(r.Orders[i].OrderDate)
		}
	})
}

func FuzzVerify3D(f *testing.F) {
	g, err := New(gateway.Config{Credentials: map[string]string{CredMerchantID: "1", CredCustomerID: "11111", CredUserName: "APIUSER", CredPassword: "kdsnsksl"},
		Endpoints: gateway.Endpoints{API: "http://127.0.0.1:1/VirtualPOS.Gateway/Home"}})
	if err != nil {
		f.Fatal(err)
	}
	o := gateway.Order{OrderID: "o-1", Amount: money.New(100, money.TRY)}
	f.Add("00", "o-1", "1", boa.CallbackHash("o-1", "00", "1", "kdsnsksl"), "md", "3d")
	f.Add("05", "o-1", "1", boa.CallbackHash("o-1", "05", "1", "kdsnsksl"), "", "3d_host")
	f.Add("MPIAuthenticationStatusN", "o-1", "0", boa.CallbackHash("o-1", "MPIAuthenticationStatusN", "0", "kdsnsksl"), "", "3d")
	f.Fuzz(func(t *testing.T, code, order, bankID, hash, md, model string) {
		form := url.Values{"ResponseCode": {code}, "MerchantOrderId": {order}, "OrderId": {bankID}, "HashData": {hash}, "MD": {md}}
		res, err := g.Verify3D(t.Context(), &gateway.ThreeDCallback{Model: model, Expected: o, Form: form,
			Session: map[string]string{sessOkURL: "http://x.example/ok", sessFailURL: "http://x.example/fail"}})
		if err == nil && (order != o.OrderID || !boa.EqualHash(hash, boa.CallbackHash(order, code, bankID, "kdsnsksl"))) {
			t.Fatalf("accepted a callback that does not verify: %+v", res)
		}
		if err == nil && res.Auth == gateway.AuthFull && code == "00" && model != gateway.Model3DHost && res.Evidence[evidenceMD] == "" {
			t.Fatal("authenticated without MD")
		}
	})
}
