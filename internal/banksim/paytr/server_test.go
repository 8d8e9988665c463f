package paytrsim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Wire-level tests: raw requests as PayTR's pages describe them, signed
// here from the documented recipes (not with Kasa's adapter).

func start(t *testing.T) *Server {
	t.Helper()
	s := New(Config{})
	if _, err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func post(t *testing.T, target string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(target, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

func tokenForm(oid string) url.Values {
	m := Sandbox()
	basket := base64.StdEncoding.EncodeToString([]byte(`[["Kitap","100.00",1],["Kalem","25.50",2]]`))
	f := url.Values{
		"merchant_id": {m.ID}, "user_ip": {"203.0.113.7"}, "merchant_oid": {oid}, "email": {"ayse@example.com"},
		"payment_amount": {"15100"}, "user_basket": {basket}, "debug_on": {"1"}, "no_installment": {"0"},
		"max_installment": {"6"}, "user_name": {"Ayşe"}, "user_address": {"İstanbul"}, "user_phone": {"05550000000"},
		"merchant_ok_url": {"https://shop.example/ok"}, "merchant_fail_url": {"https://shop.example/fail"},
		"timeout_limit": {"30"}, "currency": {"TL"}, "test_mode": {"1"}, "lang": {"tr"},
	}
	sign(f)
	return f
}

func sign(f url.Values) {
	m := Sandbox()
	f.Set("paytr_token", signature(m.Key, f.Get("merchant_id"), f.Get("user_ip"), f.Get("merchant_oid"), f.Get("email"),
		f.Get("payment_amount"), f.Get("user_basket"), f.Get("no_installment"), f.Get("max_installment"),
		f.Get("currency"), f.Get("test_mode"), m.Salt))
}

func TestGetToken(t *testing.T) {
	s := start(t)
	_, r := post(t, s.URL()+PathGetToken, tokenForm("ORD1"))
	if r["status"] != "success" || r["token"] == "" {
		t.Fatalf("get-token: %v", r)
	}
	page, err := http.Get(s.URL() + PathIframe + r["token"].(string))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if page.StatusCode != http.StatusOK || !strings.Contains(string(body), "151,00 TL") || !strings.Contains(string(body), "Taksit (1-6)") {
		t.Fatalf("card page: %d %s", page.StatusCode, body)
	}
	for name, c := range map[string]struct {
		field, value string
		resign       bool
		reason       string
	}{
		"bad token":           {"paytr_token", "x", false, "paytr_token"},
		"token of another":    {"payment_amount", "15101", false, "paytr_token"},
		"missing email":       {"email", "", true, "email"},
		"currency":            {"currency", "JPY", true, "currency"},
		"order id with dash":  {"merchant_oid", "ORD-2", true, "merchant_oid"},
		"decimal amount":      {"payment_amount", "151.00", true, "payment_amount"},
		"basket total":        {"payment_amount", "15000", true, "user_basket"},
		"max installment":     {"max_installment", "13", true, "max_installment"},
		"test mode":           {"test_mode", "2", true, "test_mode"},
		"relative ok url":     {"merchant_ok_url", "/ok", true, "merchant_ok_url"},
		"unknown merchant id": {"merchant_id", "999", false, "merchant_id"},
	} {
		f := tokenForm("ORD2")
		f.Set(c.field, c.value)
		if c.resign {
			sign(f)
		}
		if _, r := post(t, s.URL()+PathGetToken, f); r["status"] != "failed" || !strings.Contains(r["reason"].(string), c.reason) {
			t.Errorf("%s: %v", name, r)
		}
	}
	if resp, _ := http.Get(s.URL() + PathIframe + "nosuchtoken"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown token: %d", resp.StatusCode)
	}
}

func TestRefundAndStatusTokens(t *testing.T) {
	s := start(t)
	m := Sandbox()
	_, r := post(t, s.URL()+PathRefund, url.Values{"merchant_id": {m.ID}, "merchant_oid": {"ORD1"}, "return_amount": {"1.00"}, "paytr_token": {"x"}})
	if r["status"] != "error" || r["err_no"] != "004" {
		t.Errorf("refund with a bad token: %v", r)
	}
	f := url.Values{"merchant_id": {m.ID}, "merchant_oid": {"ORD1"}, "return_amount": {"1.00"}}
	f.Set("paytr_token", signature(m.Key, m.ID, "ORD1", "1.00", m.Salt))
	if _, r := post(t, s.URL()+PathRefund, f); r["err_no"] != "005" {
		t.Errorf("refund of an unknown order: %v", r)
	}
	q := url.Values{"merchant_id": {m.ID}, "merchant_oid": {"ORD1"}, "paytr_token": {signature(m.Key, m.ID, "ORD1", m.Salt)}}
	if _, r := post(t, s.URL()+PathStatus, q); r["status"] != "error" || r["err_no"] != "005" {
		t.Errorf("status of an unknown order: %v", r)
	}
	q.Set("paytr_token", "x")
	if _, r := post(t, s.URL()+PathStatus, q); r["err_no"] != "004" {
		t.Errorf("status with a bad token: %v", r)
	}
}

func TestNotifyURLControl(t *testing.T) {
	s := start(t)
	resp, err := http.Post(s.URL()+PathNotify, "application/json", bytes.NewReader([]byte(`{"url":"https://kasa.example/notify/pos_1"}`)))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if got[Sandbox().ID] != "https://kasa.example/notify/pos_1" {
		t.Fatalf("notify urls: %v", got)
	}
	for _, bad := range []string{`{"url":"javascript:x"}`, `{"merchant_id":"999","url":"https://x.example"}`, `{"x":1}`} {
		resp, err := http.Post(s.URL()+PathNotify, "application/json", strings.NewReader(bad))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("%s accepted", bad)
		}
	}
}
