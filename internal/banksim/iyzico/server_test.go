package iyzicosim

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
)

// call posts body to path, signed with IYZWSv2 using secret.
func call(t *testing.T, s *Server, path, secret string, body string) map[string]any {
	t.Helper()
	rnd := "rnd123"
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(rnd + path + body))
	auth := "IYZWSv2 " + base64.StdEncoding.EncodeToString([]byte("apiKey:"+Sandbox().APIKey+"&randomKey:"+rnd+"&signature:"+hex.EncodeToString(mac.Sum(nil))))
	req, _ := http.NewRequest(http.MethodPost, s.URL()+path, bytes.NewBufferString(body))
	req.Header.Set("Authorization", auth)
	req.Header.Set("x-iyzi-rnd", rnd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func start(t *testing.T) *Server {
	t.Helper()
	s := New(Config{})
	if _, err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestRequestAuthentication(t *testing.T) {
	s := start(t)
	body := `{"locale":"tr","binNumber":"435508","price":"100.00"}`
	if out := call(t, s, PathInstallment, Sandbox().SecretKey, body); out["status"] != "success" {
		t.Fatalf("genuine request: %v", out)
	}
	if out := call(t, s, PathInstallment, "another-secret", body); out["status"] != "failure" || out["errorCode"] != codeInvalidSignature {
		t.Fatalf("request signed with another key: %v", out)
	}
}

func TestValidation(t *testing.T) {
	s := start(t)
	base := map[string]any{
		"locale": "tr", "conversationId": "o1", "basketId": "o1", "price": "10.00", "paidPrice": "10.00", "currency": "TRY", "installment": 1,
		"paymentCard": map[string]any{"cardHolderName": "A B", "cardNumber": "4355084355084358", "expireMonth": "12", "expireYear": "2030", "cvc": "000"},
		"buyer":       map[string]any{"id": "o1", "email": "a@example.com", "identityNumber": "11111111111", "ip": "1.2.3.4"},
		"basketItems": []map[string]any{{"id": "o1", "price": "10.00"}},
	}
	tests := []struct {
		name string
		edit func(m map[string]any)
		code string
	}{
		{"basket does not sum to price", func(m map[string]any) { m["basketItems"] = []map[string]any{{"id": "o1", "price": "9.00"}} }, codeInvalidRequest},
		{"bad card number", func(m map[string]any) { m["paymentCard"].(map[string]any)["cardNumber"] = "4355084355084359" }, codeInvalidCard},
		{"bad cvc", func(m map[string]any) { m["paymentCard"].(map[string]any)["cvc"] = "1a" }, codeInvalidCVC},
		{"installments in USD", func(m map[string]any) { m["currency"] = "USD"; m["installment"] = 3 }, codeInvalidRequest},
		{"unknown currency", func(m map[string]any) { m["currency"] = "XYZ" }, codeInvalidRequest},
	}
	for _, tt := range tests {
		m := map[string]any{}
		raw, _ := json.Marshal(base)
		json.Unmarshal(raw, &m)
		tt.edit(m)
		raw, _ = json.Marshal(m)
		if out := call(t, s, PathAuth, Sandbox().SecretKey, string(raw)); out["errorCode"] != tt.code {
			t.Errorf("%s: %v, want errorCode %s", tt.name, out, tt.code)
		}
	}
	raw, _ := json.Marshal(base)
	if out := call(t, s, PathAuth, Sandbox().SecretKey, string(raw)); out["status"] != "success" {
		t.Fatalf("valid request: %v", out)
	}
	if out := call(t, s, PathAuth, Sandbox().SecretKey, string(raw)); out["errorCode"] != codeDuplicate {
		t.Fatalf("duplicate order: %v", out)
	}
}

func TestThreeDSPageNeedsAPendingPayment(t *testing.T) {
	s := start(t)
	resp, err := http.PostForm(s.URL()+Path3DPage, url.Values{"token": {"nope"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusGone {
		t.Fatalf("unknown token: HTTP %d", resp.StatusCode)
	}
}
