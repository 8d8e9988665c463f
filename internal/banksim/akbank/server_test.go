package akbanksim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// send POSTs body to the simulator signed with key and decodes the reply.
func send(t *testing.T, s *Server, body map[string]any, key string) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, s.URL()+PathProcess, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("auth-hash", hmacBase64(key, b))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
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

func saleBody(orderID string, at time.Time) map[string]any {
	sb := Sandbox()
	return map[string]any{
		"terminal": map[string]string{"merchantSafeId": sb.MerchantSafeID, "terminalSafeId": sb.TerminalSafeID},
		"version":  "1.00", "txnCode": "1000", "requestDateTime": bankTime(at), "randomNumber": strings.Repeat("AB", 64),
		"card":        map[string]string{"cardNumber": TestCard.PAN, "cvv2": TestCard.CVV, "expireDate": "1140"},
		"order":       map[string]string{"orderId": orderID},
		"transaction": map[string]any{"amount": "1.01", "currencyCode": 949, "motoInd": 0, "installCount": 1},
	}
}

func TestAuthHashAndTerminalChecked(t *testing.T) {
	s := start(t)
	if st, out := send(t, s, saleBody("S1", time.Now()), "wrong"); st != http.StatusBadRequest || out["message"] == nil {
		t.Fatalf("wrong key: %d %v", st, out)
	}
	body := saleBody("S2", time.Now())
	body["terminal"] = map[string]string{"merchantSafeId": Sandbox().MerchantSafeID, "terminalSafeId": "X"}
	if st, _ := send(t, s, body, Sandbox().SecretKey); st != http.StatusBadRequest {
		t.Fatalf("wrong terminal: %d", st)
	}
	if len(s.Book().All()) != 0 {
		t.Fatal("a refused request was processed")
	}
}

func TestRequestValidation(t *testing.T) {
	s := start(t)
	key := Sandbox().SecretKey
	for name, tc := range map[string]struct {
		edit func(map[string]any)
		code string
	}{
		"stale_date":  {func(b map[string]any) { b["requestDateTime"] = bankTime(time.Now().Add(-2 * time.Hour)) }, errDateTime.Code},
		"version":     {func(b map[string]any) { b["version"] = "2.00" }, errVersion.Code},
		"random":      {func(b map[string]any) { b["randomNumber"] = "12" }, errRandom.Code},
		"amount_form": {func(b map[string]any) { b["transaction"].(map[string]any)["amount"] = "1.1" }, errAmount.Code},
		"usd_install": {func(b map[string]any) {
			tx := b["transaction"].(map[string]any)
			tx["currencyCode"], tx["installCount"] = 840, 3
		}, errInstallments.Code},
		"pan": {func(b map[string]any) { b["card"].(map[string]string)["cardNumber"] = "4355093000315233" }, errPAN.Code},
	} {
		t.Run(name, func(t *testing.T) {
			b := saleBody("V"+strings.ReplaceAll(name, "_", "-"), time.Now())
			tc.edit(b)
			st, out := send(t, s, b, key)
			if st != http.StatusOK || out["responseCode"] != tc.code {
				t.Fatalf("%d %v", st, out)
			}
		})
	}
}

func TestSaleHistoryShape(t *testing.T) {
	s := start(t)
	key := Sandbox().SecretKey
	if _, out := send(t, s, saleBody("H1", time.Now()), key); out["responseCode"] != codeApproved || out["hostResponseCode"] != "00" {
		t.Fatalf("sale %v", out)
	}
	if _, out := send(t, s, saleBody("H1", time.Now()), key); out["responseCode"] != errDuplicate.Code {
		t.Fatalf("duplicate %v", out)
	}
	h := saleBody("H1", time.Now())
	h["txnCode"] = "1010"
	delete(h, "card")
	delete(h, "transaction")
	_, out := send(t, s, h, key)
	list, _ := out["txnDetailList"].([]any)
	if out["responseCode"] != codeApproved || len(list) != 1 {
		t.Fatalf("history %v", out)
	}
	d := list[0].(map[string]any)
	if d["txnCode"] != "1000" || d["txnStatus"] != "N" || d["amount"] != 1.01 || d["currencyCode"] != 949.0 || d["orgOrderId"] != "H1" {
		t.Fatalf("record %v", d)
	}
	h["order"] = map[string]string{"orderId": "NOPE"}
	if _, out := send(t, s, h, key); out["responseCode"] != errNotFound.Code {
		t.Fatalf("unknown order %v", out)
	}
}

// A gate form whose hash does not verify gets no post back.
func TestGateRefusesBadHash(t *testing.T) {
	s := start(t)
	sb := Sandbox()
	form := url.Values{
		"paymentModel": {"3D"}, "txnCode": {"3000"}, "merchantSafeId": {sb.MerchantSafeID}, "terminalSafeId": {sb.TerminalSafeID},
		"orderId": {"G1"}, "lang": {"TR"}, "amount": {"1.01"}, "currencyCode": {"949"}, "installCount": {"1"},
		"okUrl": {"https://shop.example/ok"}, "failUrl": {"https://shop.example/fail"}, "randomNumber": {strings.Repeat("AB", 64)},
		"requestDateTime": {bankTime(time.Now())}, "creditCard": {TestCard.PAN}, "expiredDate": {"1140"}, "cvv": {TestCard.CVV},
	}
	form.Set("hash", formHash(form.Get, "another key"))
	resp, err := http.PostForm(s.ThreeDGateURL(), form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d", resp.StatusCode)
	}
	form.Set("hash", formHash(form.Get, sb.SecretKey))
	resp, err = http.PostForm(s.ThreeDGateURL(), form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("genuine form: status %d", resp.StatusCode)
	}
}

func TestMaskName(t *testing.T) {
	if got := maskName("Ayşe Yılmaz"); got != "Ay** Yı****" {
		t.Fatalf("%q", got)
	}
}
