package payflex

import (
	"errors"
	"testing"

	"github.com/kasapos/kasa/internal/gateway"
)

// Shapes of replies captured from the bank (research notes §2.4).
const (
	sampleApproved = `<VposResponse><MerchantId>000100000013506</MerchantId><TransactionType>Sale</TransactionType>` +
		`<TransactionId>9972767117b3400eb2acafc0018643df</TransactionId><ResultCode>0000</ResultCode>` +
		`<ResultDetail>İŞLEM BAŞARILI</ResultDetail><InstallmentTable/><AuthCode>961451</AuthCode>` +
		`<HostDate>20230309234054</HostDate><Rrn>306823971358</Rrn><TerminalNo>VP000579</TerminalNo>` +
		`<CurrencyAmount>1.01</CurrencyAmount><CurrencyCode>949</CurrencyCode><OrderId>202303095646</OrderId>` +
		`<ThreeDSecureType>1</ThreeDSecureType><BatchNo>300</BatchNo><TLAmount>1.01</TLAmount></VposResponse>`
	sampleInvalidCard = `<VposResponse><TransactionType>Sale</TransactionType><ResultCode>0312</ResultCode>` +
		`<ResultDetail>RED-GEÇERSİZ KART</ResultDetail><AuthCode>000000</AuthCode><OrderId>20230309EF68</OrderId></VposResponse>`
	sampleNoMerchant = `<VposResponse><ResultCode>9039</ResultCode><ResultDetail>Üye işyeri bulunamadı.</ResultDetail><InstallmentTable/></VposResponse>`
)

func TestParseResponse(t *testing.T) {
	r, err := ParseResponse([]byte(sampleApproved))
	if err != nil {
		t.Fatal(err)
	}
	if r.ResultCode != "0000" || r.TransactionID != "9972767117b3400eb2acafc0018643df" || r.AuthCode != "961451" ||
		r.Rrn != "306823971358" || r.OrderID != "202303095646" || r.CurrencyAmount != "1.01" {
		t.Fatalf("parsed %+v", r)
	}
	for _, bad := range []string{"", "   ", "<html>Proxy Error</html>", "<VposResponse><ResultDetail>x</ResultDetail></VposResponse>",
		"<VposResponse><ResultCode>0</ResultCode></VposResponse>", "<VposResponse><ResultCode>0000</Result"} {
		if _, err := ParseResponse([]byte(bad)); !errors.Is(err, ErrBadResponse) {
			t.Errorf("ParseResponse(%q) err = %v", bad, err)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		body    string
		outcome gateway.Outcome
		reason  gateway.DeclineReason
		errCode string
	}{
		{sampleApproved, gateway.Approved, gateway.ReasonNone, ""},
		{sampleInvalidCard, gateway.Declined, gateway.ReasonInvalidCard, ""},
		{sampleNoMerchant, gateway.Rejected, gateway.ReasonInvalidTxn, "9039"},
		{`<VposResponse><ResultCode>0051</ResultCode></VposResponse>`, gateway.Declined, gateway.ReasonInsufficientFunds, ""},
		{`<VposResponse><ResultCode>0054</ResultCode></VposResponse>`, gateway.Declined, gateway.ReasonExpiredCard, ""},
		{`<VposResponse><ResultCode>0099</ResultCode></VposResponse>`, gateway.Declined, gateway.ReasonOther, ""},
		{`<VposResponse><ResultCode>1059</ResultCode></VposResponse>`, gateway.Rejected, gateway.ReasonInvalidTxn, "1059"},
		{`<VposResponse><ResultCode>1083</ResultCode></VposResponse>`, gateway.Rejected, gateway.ReasonInvalidTxn, "1083"},
		{`<VposResponse><ResultCode>1041</ResultCode></VposResponse>`, gateway.Rejected, gateway.ReasonDuplicateOrder, "1041"},
		{`<VposResponse><ResultCode>9999</ResultCode></VposResponse>`, gateway.Rejected, gateway.ReasonInvalidTxn, "9999"},
	} {
		r, err := ParseResponse([]byte(c.body))
		if err != nil {
			t.Fatal(err)
		}
		res := classify(r)
		if res.Outcome != c.outcome || res.Reason != c.reason || res.BankErrorCode != c.errCode || res.BankCode != r.ResultCode {
			t.Errorf("%s: got %s/%s/%s, want %s/%s/%s", r.ResultCode, res.Outcome, res.Reason, res.BankErrorCode, c.outcome, c.reason, c.errCode)
		}
		if res.Outcome != gateway.Approved && res.AuthCode != "" {
			t.Errorf("%s: a refusal kept auth code %q", r.ResultCode, res.AuthCode)
		}
	}
}

func TestParseSearchResponse(t *testing.T) {
	body := `<SearchResponse><ResponseInfo><Status>Success</Status><ResponseCode>0000</ResponseCode><ResponseMessage>Succeeded.</ResponseMessage></ResponseInfo>` +
		`<TotalItemCount>1</TotalItemCount><TransactionSearchResultInfo><TransactionSearchResultInfo><TransactionType>Sale</TransactionType>` +
		`<TransactionId>b2d71cc5</TransactionId><OrderId>z2d71cc5</OrderId><ResultCode>0000</ResultCode><AuthCode>11234</AuthCode>` +
		`<Rrn>201101240006</Rrn><CurrencyAmount>90.50</CurrencyAmount><AmountCode>949</AmountCode><IsCanceled>false</IsCanceled>` +
		`<IsRefunded>true</IsRefunded></TransactionSearchResultInfo></TransactionSearchResultInfo></SearchResponse>`
	r, err := ParseSearchResponse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != "Success" || len(r.Transactions) != 1 {
		t.Fatalf("parsed %+v", r)
	}
	x := r.Transactions[0]
	if x.TransactionID != "b2d71cc5" || x.CurrencyAmount != "90.50" || x.AmountCode != "949" || x.IsCanceled || !x.IsRefunded {
		t.Fatalf("transaction %+v", x)
	}
	fail := `<SearchResponse><ResponseInfo><Status>Error</Status><ResponseCode>9065</ResponseCode><ResponseMessage>Üye isyeri bulunamadi</ResponseMessage></ResponseInfo></SearchResponse>`
	if r, err := ParseSearchResponse([]byte(fail)); err != nil || r.Status != "Error" || r.ResponseCode != "9065" {
		t.Fatalf("error reply: %+v %v", r, err)
	}
	for _, bad := range []string{"", "<SearchResponse/>", "<SearchResponse><ResponseInfo><Status>Maybe</Status></ResponseInfo></SearchResponse>"} {
		if _, err := ParseSearchResponse([]byte(bad)); !errors.Is(err, ErrBadResponse) {
			t.Errorf("ParseSearchResponse(%q) err = %v", bad, err)
		}
	}
}

func TestParseEnrollment(t *testing.T) {
	body := `<IPaySecure><Message ID="a1"><VERes><Status>Y</Status><PaReq>eJx</PaReq><TermUrl>https://mpi/term</TermUrl>` +
		`<MD>md1</MD><ACSUrl>https://acs/auth</ACSUrl></VERes></Message><VerifyEnrollmentRequestId>v1</VerifyEnrollmentRequestId>` +
		`<MessageErrorCode></MessageErrorCode><ErrorMessage></ErrorMessage></IPaySecure>`
	e, err := ParseEnrollment([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if e.Status != "Y" || e.PaReq != "eJx" || e.TermURL != "https://mpi/term" || e.MD != "md1" || e.ACSURL != "https://acs/auth" {
		t.Fatalf("parsed %+v", e)
	}
	for status, want := range map[string]gateway.Outcome{"N": gateway.Declined, "U": gateway.Declined, "E": gateway.Rejected} {
		res := enrollmentResult(&Enrollment{Status: status, ErrorCode: "2001"})
		if res == nil || res.Outcome != want || res.BankCode != status {
			t.Errorf("VERes %s: %+v", status, res)
		}
	}
	for _, bad := range []string{"", "<IPaySecure/>", "<IPaySecure><Message><VERes><Status>Q</Status></VERes></Message></IPaySecure>"} {
		if _, err := ParseEnrollment([]byte(bad)); !errors.Is(err, ErrBadResponse) {
			t.Errorf("ParseEnrollment(%q) err = %v", bad, err)
		}
	}
}

func FuzzParseResponse(f *testing.F) {
	for _, s := range []string{sampleApproved, sampleInvalidCard, sampleNoMerchant, "", "<VposResponse>"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseResponse(b)
		if err == nil {
			classify(r)
		}
	})
}

func FuzzParseSearchResponse(f *testing.F) {
	f.Add([]byte(`<SearchResponse><ResponseInfo><Status>Success</Status></ResponseInfo></SearchResponse>`))
	f.Add([]byte(`<x><ResponseInfo><Status>Error</Status></ResponseInfo><TransactionSearchResultInfo><TransactionSearchResultInfo/></TransactionSearchResultInfo></x>`))
	f.Fuzz(func(t *testing.T, b []byte) { ParseSearchResponse(b) })
}

func FuzzParseEnrollment(f *testing.F) {
	f.Add([]byte(`<IPaySecure><Message><VERes><Status>Y</Status></VERes></Message></IPaySecure>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if e, err := ParseEnrollment(b); err == nil {
			enrollmentResult(e)
		}
	})
}
