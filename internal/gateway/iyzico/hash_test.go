package iyzico

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// The callback vector is iyzico's own worked example (iyzipay-php
// samples/callbackUrl_Signature_Validation.php); the others were computed
// independently with Python's hmac module from the documented recipes.
func TestSignatureKnownAnswers(t *testing.T) {
	tests := []struct {
		name   string
		secret string
		fields []string
		want   string
	}{
		{"3DS callback (iyzico example)", "jLc7GQHD2pyJoqXDeEcTnGHYtP7Ai5jl",
			[]string{"", "", "1", "22484292", "success"},
			"a4f73b80bb32a6ef8358090bbd8609a49a7b53f463048f8ef147496e236d04f0"},
		{"payment reply", "sandbox-secret",
			[]string{"25149157", "TRY", "B67832", "123456789", "1.2", "1"},
			"a78ce4781e7c4e78f72c6a59e5dd6ad273df82897199d24fdb93b012ffe590d5"},
		{"3DS initialize reply", "sandbox-secret",
			[]string{"25149157", "123456789"},
			"7cdbe55f040a3aba382aa907d5caea7c0430230a909decbc359f5f4b93baee5c"},
	}
	for _, tt := range tests {
		if got := Signature(tt.secret, tt.fields...); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestAuthorizationHeaderKnownAnswer(t *testing.T) {
	got := AuthorizationHeader("sandbox-api", "sandbox-secret", "123456789", "/payment/auth", []byte(`{"locale":"tr","conversationId":"123456789"}`))
	want := "IYZWSv2 YXBpS2V5OnNhbmRib3gtYXBpJnJhbmRvbUtleToxMjM0NTY3ODkmc2lnbmF0dXJlOmQ3NjVlMzMzNzY5YjkzZTQyZGQyNDQ2ZjU3Y2E2MTIwNTcxMzIwYWI4NjliYmUzNzFkYWZhNjU4ZWEwNmJiYTc="
	if got != want {
		t.Fatalf("header %s, want %s", got, want)
	}
}

func TestValidSignature(t *testing.T) {
	s := Signature("k", "a", "b")
	flipped := s[:len(s)-1] + "0"
	if s[len(s)-1] == '0' {
		flipped = s[:len(s)-1] + "1"
	}
	if !validSignature(s, s) || !validSignature(strings.ToUpper(s), s) {
		t.Fatal("a genuine signature was refused")
	}
	if validSignature(flipped, s) || validSignature("", s) || validSignature(s[:10], s) {
		t.Fatal("a wrong signature was accepted")
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestFormatPrice(t *testing.T) {
	tests := []struct {
		minor int64
		cur   money.Currency
		want  string
	}{
		{101, money.TRY, "1.01"},
		{1, money.TRY, "0.01"},
		{12550, money.TRY, "125.50"},
		{10000, money.USD, "100.00"},
		{999951, money.EUR, "9999.51"},
		{2500, money.GBP, "25.00"},
	}
	for _, tt := range tests {
		if got := FormatPrice(money.New(tt.minor, tt.cur)); got != tt.want {
			t.Errorf("FormatPrice(%d %s) = %q, want %q", tt.minor, tt.cur, got, tt.want)
		}
	}
}

func TestSignedPrice(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1.0", "1"}, {"1", "1"}, {"1.20", "1.2"}, {"125.5", "125.5"}, {"125.50", "125.5"},
		{"0.01", "0.01"}, {"100.000", "100"}, {"9999.51", "9999.51"},
	}
	for _, tt := range tests {
		got, err := signedPrice(json.Number(tt.in), money.TRY)
		if err != nil || got != tt.want {
			t.Errorf("signedPrice(%s) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"1.001", "1e2", "-1.0", "", "abc", "1.2.3"} {
		if _, err := signedPrice(json.Number(bad), money.TRY); err == nil {
			t.Errorf("signedPrice(%q) accepted", bad)
		}
	}
}

func TestFormatInstallments(t *testing.T) {
	for n, want := range map[int]int{0: 1, 1: 1, 2: 2, 6: 6, 12: 12} {
		if got := FormatInstallments(n); got != want {
			t.Errorf("FormatInstallments(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestClassifyCodes(t *testing.T) {
	tests := []struct {
		code, group string
		outcome     gateway.Outcome
		reason      gateway.DeclineReason
	}{
		{"10051", "NOT_SUFFICIENT_FUNDS", gateway.Declined, gateway.ReasonInsufficientFunds},
		{"10005", "", gateway.Declined, gateway.ReasonDoNotHonour},
		{"10084", "INVALID_CVC2", gateway.Declined, gateway.ReasonInvalidCVV},
		{"10054", "", gateway.Declined, gateway.ReasonExpiredCard},
		{"10061", "", gateway.Declined, gateway.ReasonLimitExceeded}, // by its ISO part
		{"10099", "LOST_CARD", gateway.Declined, gateway.ReasonLostOrStolen},
		{"10299", "", gateway.Declined, gateway.ReasonOther},
		{"11", "", gateway.Rejected, gateway.ReasonInvalidTxn},
		{"1000", "", gateway.Rejected, gateway.ReasonInvalidTxn},
		{ErrCodeDuplicate, "", gateway.Rejected, gateway.ReasonDuplicateOrder},
	}
	for _, tt := range tests {
		r := classify(&Response{Status: statusFailure, ErrorCode: tt.code, ErrorGroup: tt.group})
		if r.Outcome != tt.outcome || r.Reason != tt.reason || r.BankCode != tt.code {
			t.Errorf("%s/%s: %s %s (%s), want %s %s", tt.code, tt.group, r.Outcome, r.Reason, r.BankCode, tt.outcome, tt.reason)
		}
	}
	if r := classify(&Response{Status: statusSuccess, FraudStatus: -1}); r.Outcome != gateway.Declined || r.Reason != gateway.ReasonFraudSuspected {
		t.Errorf("fraudStatus -1: %+v", r)
	}
}

func TestFormFromHTML(t *testing.T) {
	page := `<html><body><form id="f" action="https://acs.example.com/challenge?a=1&amp;b=2" method="POST">` +
		`<input type="hidden" name="PaReq" value="eJx&quot;z"><input type='hidden' name='MD' value='abc'><input type="submit" value="Go"></form>` +
		`<form action="https://other.example.com"><input name="x" value="y"></form></body></html>`
	f, err := formFromHTML(b64(page))
	if err != nil {
		t.Fatal(err)
	}
	if f.URL != "https://acs.example.com/challenge?a=1&b=2" || len(f.Fields) != 2 ||
		f.Fields[0] != (gateway.Field{Name: "PaReq", Value: `eJx"z`}) || f.Fields[1] != (gateway.Field{Name: "MD", Value: "abc"}) {
		t.Fatalf("form %+v", f)
	}
	for _, bad := range []string{"%%%", b64("<p>no form</p>"), b64(`<form action="/relative"></form>`), b64(`<form action="https://x.example" method="get"></form>`)} {
		if _, err := formFromHTML(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

// FuzzParseResponse: no input panics the parser or the code that reads a
// parsed reply.
func FuzzParseResponse(f *testing.F) {
	f.Add([]byte(`{"status":"success","paymentId":"1","price":1.0,"paidPrice":1.2,"currency":"TRY","signature":"ab"}`))
	f.Add([]byte(`{"status":"failure","errorCode":"10051","errorGroup":"NOT_SUFFICIENT_FUNDS"}`))
	f.Add([]byte(`{"status":"success","installmentDetails":[{"installmentPrices":[{"installmentPrice":1e400}]}]}`))
	f.Add([]byte(`<html>`))
	g := &Gateway{secretKey: "k"}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseResponse(data)
		if err != nil {
			return
		}
		classify(r)
		g.verifyPayment(r, gateway.Order{OrderID: "o", Amount: money.New(100, money.TRY)})
		g.verifyDetail(r, "o")
		if r.Status == statusSuccess && g.verifyDetail(r, "o") == nil {
			statusOf(r)
		}
		remainingOf(r)
		formFromHTML(r.ThreeDSHTMLContent)
	})
}

// FuzzVerify3D: no callback panics Verify3D, and none without the right
// signature is accepted.
func FuzzVerify3D(f *testing.F) {
	f.Add("success", "1", "25", "o1", "data", "sig")
	f.Add("", "", "", "", "", "")
	g := &Gateway{secretKey: "k"}
	f.Fuzz(func(t *testing.T, status, md, paymentID, convID, data, sig string) {
		form := url.Values{"status": {status}, "mdStatus": {md}, "paymentId": {paymentID}, "conversationId": {convID}, "conversationData": {data}, "signature": {sig}}
		cb := &gateway.ThreeDCallback{Model: gateway.Model3D, Expected: gateway.Order{OrderID: convID}, Form: form, Session: map[string]string{sessPaymentID: paymentID}}
		res, err := g.Verify3D(t.Context(), cb)
		if err == nil && !validSignature(sig, Signature("k", data, convID, md, paymentID, status)) {
			t.Fatalf("accepted a callback with a wrong signature: %+v", res)
		}
	})
}
