package payflexcpsim

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"testing"
)

// Wire-level tests: raw requests as the bank's guide describes them.

func start(t *testing.T) *Server {
	t.Helper()
	s := New(Config{})
	if _, err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func post(t *testing.T, target string, form url.Values) (int, []byte) {
	t.Helper()
	resp, err := http.PostForm(target, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func registerForm() url.Values {
	return url.Values{
		"HostMerchantId": {"000000000111111"}, "MerchantPassword": {"3XTgER89as"}, "HostTerminalId": {"VP999999"},
		"TransactionType": {"Sale"}, "AmountCode": {"949"}, "Amount": {"10.10"}, "OrderID": {"ord1"},
		"IsSecure": {"true"}, "AllowNotEnrolledCard": {"false"}, "SuccessUrl": {"https://m.example/ok"},
		"FailUrl": {"https://m.example/fail"}, "RequestLanguage": {"tr-TR"},
		// Known-answer HashedData of the sandbox merchant for 10.10 TRY.
		"HashedData": {"/MfLewtkUjpN5e/RY2iuIoT72hk="},
	}
}

func register(t *testing.T, s *Server, f url.Values) registerResponse {
	t.Helper()
	_, body := post(t, s.RegisterURL(), f)
	var r registerResponse
	if err := xml.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRegister(t *testing.T) {
	s := start(t)
	r := register(t, s, registerForm())
	if r.ErrorCode != "" || r.PaymentToken == "" || r.CommonPaymentURL != s.URL()+PathPage {
		t.Fatalf("register %+v", r)
	}
	for name, c := range map[string]struct{ field, value, code string }{
		"hash of another amount": {"Amount", "10.11", "5003"},
		"missing hash":           {"HashedData", "", "5003"},
		"wrong password":         {"MerchantPassword", "x", "5002"},
		"wrong terminal":         {"HostTerminalId", "VP000001", "5002"},
		"not 3D":                 {"IsSecure", "false", "5004"},
		"unknown type":           {"TransactionType", "Refund", "5004"},
	} {
		f := registerForm()
		f.Set("OrderID", "ord2")
		f.Set(c.field, c.value)
		if r := register(t, s, f); r.ErrorCode != c.code || r.PaymentToken != "" {
			t.Errorf("%s: %+v", name, r)
		}
	}
}

func TestPageAndQueryRefuseStrangers(t *testing.T) {
	s := start(t)
	token := register(t, s, registerForm()).PaymentToken
	if code, _ := post(t, s.URL()+PathPage, url.Values{"Ptkn": {"unknown"}}); code != http.StatusBadRequest {
		t.Errorf("unknown token: %d", code)
	}
	// Nothing to report before the customer finished.
	_, body := post(t, s.QueryURL(), url.Values{"HostMerchantId": {"000000000111111"}, "Password": {"3XTgER89as"}, "PaymentToken": {token}})
	var q queryResponse
	if err := xml.Unmarshal(body, &q); err != nil || q.ErrorCode != "5010" || q.Rc != "" {
		t.Errorf("query before the page: %+v %v", q, err)
	}
	_, body = post(t, s.QueryURL(), url.Values{"HostMerchantId": {"000000000111111"}, "Password": {"x"}, "PaymentToken": {token}})
	if err := xml.Unmarshal(body, &q); err != nil || q.ErrorCode != "5002" {
		t.Errorf("query with a wrong password: %+v %v", q, err)
	}
	if code, _ := post(t, s.URL()+PathPage, url.Values{"Ptkn": {token}}); code != http.StatusOK {
		t.Errorf("page: %d", code)
	}
	if code, _ := post(t, s.URL()+PathPage, url.Values{"Ptkn": {token}}); code != http.StatusBadRequest {
		t.Errorf("page opened twice: %d", code)
	}
	if code, _ := post(t, s.URL()+PathPay, url.Values{"Ptkn": {token}, "PAN": {"4938410157705592"}, "ExpireMonth": {"12"},
		"ExpireYear": {"29"}, "CVV": {"453"}}); code != http.StatusBadRequest {
		t.Errorf("card failing Luhn: %d", code)
	}
}
