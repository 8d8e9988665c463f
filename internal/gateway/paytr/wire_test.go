package paytr

import (
	"net/url"
	"testing"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

func TestAmountAndCurrencyFormats(t *testing.T) {
	for _, tt := range []struct {
		minor          int64
		cur            money.Currency
		kurus, decimal string
		code           string
	}{
		{101, money.TRY, "101", "1.01", "TL"},
		{1, money.TRY, "1", "0.01", "TL"},
		{1050, money.USD, "1050", "10.50", "USD"},
		{100000, money.EUR, "100000", "1000.00", "EUR"},
		{999999, money.GBP, "999999", "9999.99", "GBP"},
	} {
		a := money.New(tt.minor, tt.cur)
		if got := FormatAmount(a); got != tt.kurus {
			t.Errorf("payment_amount of %v: %q, want %q", a, got, tt.kurus)
		}
		if got := FormatReturnAmount(a); got != tt.decimal {
			t.Errorf("return_amount of %v: %q, want %q", a, got, tt.decimal)
		}
		if got := CurrencyCode(tt.cur); got != tt.code {
			t.Errorf("currency of %s: %q, want %q", tt.cur.Code, got, tt.code)
		}
		if c, ok := ParseCurrencyCode(tt.code); !ok || c.Code != tt.cur.Code {
			t.Errorf("ParseCurrencyCode(%q) = %v %v", tt.code, c, ok)
		}
	}
	if CurrencyCode(money.JPY) != "" || CurrencyCode(money.RUB) != "" {
		t.Error("JPY/RUB must not be offered")
	}
	for _, bad := range []string{"", "-1", "1.00", "1,00", " 1", "1e3", "0x10", "1234567890123456"} {
		if _, err := ParseMinor(bad, money.TRY); err == nil {
			t.Errorf("ParseMinor(%q) accepted", bad)
		}
	}
	for s, want := range map[string]int64{"125.50": 12550, "125.5": 12550, "125": 12500, "0.01": 1, "10,25": 1025} {
		if a, err := ParseDecimal(s, money.TRY); err != nil || a.Minor != want {
			t.Errorf("ParseDecimal(%q) = %v %v, want %d", s, a, err, want)
		}
	}
	for _, bad := range []string{"", "1.2.3", "1,2.3", "-5", "1.234", "abc"} {
		if _, err := ParseDecimal(bad, money.TRY); err == nil {
			t.Errorf("ParseDecimal(%q) accepted", bad)
		}
	}
}

func TestParseReplies(t *testing.T) {
	if r, err := ParseTokenReply([]byte(`{"status":"success","token":"abc123DEF"}`)); err != nil || r.Token != "abc123DEF" {
		t.Fatalf("token reply: %+v %v", r, err)
	}
	if r, err := ParseTokenReply([]byte(`{"status":"failed","reason":"paytr_token geçersiz"}`)); err != nil || r.Status != "failed" || r.Reason == "" {
		t.Fatalf("failed token reply: %+v %v", r, err)
	}
	for _, bad := range []string{``, `{}`, `{"status":"success"}`, `{"status":"success","token":"../../evil"}`,
		`{"status":"success","token":"a b"}`, `{"status":"maybe"}`, `<html>`, `{"status":1`} {
		if _, err := ParseTokenReply([]byte(bad)); err == nil {
			t.Errorf("token reply %q accepted", bad)
		}
	}
	r, err := ParseRefundReply([]byte(`{"status":"success","is_test":1,"merchant_oid":"K1","return_amount":"10.50"}`))
	if err != nil || r.Status != "success" || r.IsTest != "1" || r.ReturnAmount != "10.50" {
		t.Fatalf("refund reply: %+v %v", r, err)
	}
	r, err = ParseRefundReply([]byte(`{"status":"error","err_no":"009","err_msg":"İade tutarı fazla"}`))
	if err != nil || r.ErrNo != "009" || refundResult(r).Outcome != gateway.Declined {
		t.Fatalf("refund error: %+v %v", r, err)
	}
	s, err := ParseStatusReply([]byte(`{"status":"success","payment_amount":"150.75","payment_total":"160.00","currency":"TL",
		"returns":[{"return_amount":"10.00"},{"return_amount":5}]}`))
	if err != nil || s.PaymentAmount != "150.75" || len(s.Returns) != 2 || s.Returns[1] != "5" {
		t.Fatalf("status reply: %+v %v", s, err)
	}
	for _, none := range []string{`""`, `null`, `[]`, `{}`} {
		s, err := ParseStatusReply([]byte(`{"status":"success","payment_amount":"1","returns":` + none + `}`))
		if err != nil || len(s.Returns) != 0 {
			t.Errorf("returns %s: %+v %v", none, s, err)
		}
	}
	if _, err := ParseStatusReply([]byte(`{"status":"success","returns":"10.00"}`)); err == nil {
		t.Error("a returns string was accepted")
	}
}

func FuzzParseReplies(f *testing.F) {
	for _, s := range []string{`{"status":"success","token":"abc"}`, `{"status":"failed","reason":"x"}`,
		`{"status":"success","merchant_oid":"K1","return_amount":"10.50"}`, `{"status":"error","err_no":"005","err_msg":"x"}`,
		`{"status":"success","payment_amount":"150.75","currency":"TL","returns":[{"return_amount":"1.00"}]}`,
		`{"status":"success","returns":{"a":{"return_amount":2}}}`, `{"status":null}`, `[]`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := ParseTokenReply(b); err == nil && r.Status == "success" && !validToken(r.Token) {
			t.Fatalf("unusable token accepted: %q", r.Token)
		}
		if r, err := ParseRefundReply(b); err == nil && r.Status == "" {
			t.Fatal("refund reply without status accepted")
		}
		if r, err := ParseStatusReply(b); err == nil {
			if r.Status == "" {
				t.Fatal("status reply without status accepted")
			}
			for _, x := range r.Returns {
				ParseDecimal(x, money.TRY)
			}
		}
	})
}

// FuzzVerifyNotification: whatever is posted, nothing but a notification
// signed with the store's key for this order and amount verifies, and a
// verified one always carries a provisioning verdict.
func FuzzVerifyNotification(f *testing.F) {
	g := testGateway(f, "http://127.0.0.1:1")
	genuine := notification("K12345ABC", "success", "15075")
	f.Add(genuine.Encode())
	f.Add(notification("K12345ABC", "failed", "0").Encode() + "&failed_reason_code=2&failed_reason_msg=x")
	f.Add("merchant_oid=K12345ABC&status=success&total_amount=15075&hash=x")
	f.Add(genuine.Encode() + "&hash=x")
	f.Add("")
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		if _, err := g.NotificationOrder(form); err == nil && len(form.Get(fieldOID)) > MaxOrderID {
			t.Fatal("an over-long order id was named")
		}
		r3, err := g.Verify3D(t.Context(), &gateway.ThreeDCallback{Model: gateway.Model3DHost, Expected: testOrder(), Capture: true, Form: form})
		if err != nil {
			return
		}
		want := NotificationHash(testKey, testSalt, form.Get(fieldOID), form.Get(fieldStatus), form.Get(fieldTotal))
		if form.Get(fieldHash) != want || form.Get(fieldOID) != testOrder().OrderID || r3.Provision == nil {
			t.Fatalf("verified %v as %+v", form, r3)
		}
		if r3.Provision.OK() && form.Get(fieldStatus) != statusSuccess {
			t.Fatalf("approved a %q notification", form.Get(fieldStatus))
		}
	})
}
