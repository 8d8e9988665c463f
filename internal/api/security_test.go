package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/audit"
	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/payment"
	"github.com/kasapos/kasa/internal/secret"
	"github.com/kasapos/kasa/internal/store"
	"github.com/kasapos/kasa/internal/store/pgtest"
	"github.com/kasapos/kasa/internal/store/postgres"
	"github.com/kasapos/kasa/internal/store/sqlite"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// limitedServer wraps a fake create-payment handler that declines card
// 4000000000000051 and approves others, behind the real limits middleware.
func limitedServer(t *testing.T, l Limits) (*Server, http.HandlerFunc) {
	kr, err := secret.ParseKeyring(secret.NewKeyringSpec(1))
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{keys: kr, log: logger(nil)}
	s.SetLimits(l)
	h := s.limited("POST /v1/payments", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Card struct {
				Number string `json:"number"`
			} `json:"card"`
		}
		json.NewDecoder(r.Body).Decode(&in)
		status := "succeeded"
		if in.Card.Number == "4000000000000051" {
			status = "declined"
		}
		writeJSON(w, http.StatusCreated, map[string]string{"id": id.New("pay"), "status": status})
	})
	return s, h
}

func call(h http.HandlerFunc, keyID, ip, card string, mode store.Mode) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "/v1/payments", strings.NewReader(`{"amount":100,"card":{"number":"`+card+`"}}`))
	r.RemoteAddr = ip + ":40000"
	ctx := context.WithValue(r.Context(), ctxCaller, payment.Caller{MerchantID: "mer_1", Mode: mode})
	ctx = context.WithValue(ctx, ctxAPIKeyID, keyID)
	w := httptest.NewRecorder()
	h(w, r.WithContext(ctx))
	return w
}

const goodCard, badCard = "4355084355084358", "4000000000000051"

func TestAPI3_TokenBucket(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	_, h := limitedServer(t, Limits{PerKeyRate: 1, PerKeyBurst: 5, PerIPRate: 100, PerIPBurst: 100, Now: clk.Now})
	for i := range 5 {
		if w := call(h, "key_a", "203.0.113.1", goodCard, store.ModeLive); w.Code != 201 {
			t.Fatalf("request %d within the burst: %d", i, w.Code)
		}
	}
	w := call(h, "key_a", "203.0.113.1", goodCard, store.ModeLive)
	if w.Code != 429 || w.Header().Get("Retry-After") != "1" || !strings.Contains(w.Body.String(), `"rate_limited"`) {
		t.Fatalf("over the burst: %d Retry-After %q %s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	// Another key is not affected.
	if w := call(h, "key_b", "203.0.113.1", goodCard, store.ModeLive); w.Code != 201 {
		t.Fatalf("other key: %d", w.Code)
	}
	// Test-mode keys are exempt by default.
	if w := call(h, "key_a", "203.0.113.1", goodCard, store.ModeTest); w.Code != 201 {
		t.Fatalf("test mode: %d", w.Code)
	}
	// Refill: one token a second.
	clk.Advance(time.Second)
	if w := call(h, "key_a", "203.0.113.1", goodCard, store.ModeLive); w.Code != 201 {
		t.Fatalf("after refill: %d", w.Code)
	}
	if w := call(h, "key_a", "203.0.113.1", goodCard, store.ModeLive); w.Code != 429 {
		t.Fatalf("refill gave more than one token: %d", w.Code)
	}
}

func TestAPI3_PerIP(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	_, h := limitedServer(t, Limits{PerKeyRate: 100, PerKeyBurst: 100, PerIPRate: 0.5, PerIPBurst: 2, Now: clk.Now})
	call(h, "key_a", "198.51.100.1", goodCard, store.ModeLive)
	call(h, "key_b", "198.51.100.1", goodCard, store.ModeLive)
	w := call(h, "key_c", "198.51.100.1", goodCard, store.ModeLive)
	if w.Code != 429 || w.Header().Get("Retry-After") != "2" {
		t.Fatalf("third request from one IP: %d Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	if w := call(h, "key_c", "198.51.100.2", goodCard, store.ModeLive); w.Code != 201 {
		t.Fatalf("other IP: %d", w.Code)
	}
}

func TestAPI3_CardTesting(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	s, h := limitedServer(t, Limits{PerKeyRate: 1000, PerKeyBurst: 1000, PerIPRate: 1000, PerIPBurst: 1000,
		CardDeclines: 20, CardWindow: 10 * time.Minute, Now: clk.Now})
	for i := range 20 {
		if w := call(h, "key_a", "203.0.113.1", badCard, store.ModeLive); w.Code != 201 {
			t.Fatalf("decline %d: %d", i, w.Code)
		}
		clk.Advance(20 * time.Second) // 20 declines in under 7 minutes
	}
	w := call(h, "key_a", "203.0.113.1", badCard, store.ModeLive)
	if w.Code != 429 || !strings.Contains(w.Body.String(), `"card_velocity_exceeded"`) || w.Header().Get("Retry-After") == "" {
		t.Fatalf("21st attempt on the card: %d %s", w.Code, w.Body)
	}
	// Other cards pay; the same card from another key or IP stays blocked.
	if w := call(h, "key_a", "203.0.113.1", goodCard, store.ModeLive); w.Code != 201 {
		t.Fatalf("other card: %d", w.Code)
	}
	if w := call(h, "key_b", "198.51.100.9", badCard, store.ModeLive); w.Code != 429 {
		t.Fatalf("same card, other key and IP: %d", w.Code)
	}
	// The fingerprint is a keyed MAC, not the PAN or a plain hash of it.
	fp := s.cardFingerprint("mer_1", []byte(`{"card":{"number":"`+badCard+`"}}`))
	if fp == "" || strings.Contains(fp, badCard) {
		t.Fatalf("fingerprint %q", fp)
	}
	other, _ := secret.ParseKeyring(secret.NewKeyringSpec(1))
	if fp == (&Server{keys: other}).cardFingerprint("mer_1", []byte(`{"card":{"number":"`+badCard+`"}}`)) {
		t.Fatal("fingerprint does not depend on the key")
	}
	// Once the oldest declines leave the window the card may try again.
	clk.Advance(10 * time.Minute)
	if w := call(h, "key_a", "203.0.113.1", badCard, store.ModeLive); w.Code != 201 {
		t.Fatalf("after the window: %d", w.Code)
	}
}

func auditBackends(t *testing.T, fn func(t *testing.T, st store.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlite.Open(filepath.Join(t.TempDir(), "kasa.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		fn(t, st)
	})
	t.Run("postgres", func(t *testing.T) {
		st, err := postgres.Open(context.Background(), pgtest.DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		fn(t, st)
	})
}

// TestAPI6_AuditRows: configuration changes write one audit row each with
// who, what, when, where from and the outcome, never a secret; the list
// endpoint pages them and the chain verifies.
func TestAPI6_AuditRows(t *testing.T) {
	auditBackends(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		kr, _ := secret.ParseKeyring(secret.NewKeyringSpec(1))
		s := New(&payment.Service{Store: st, Keys: kr}, nil)
		m := &store.Merchant{ID: id.New("mer"), Name: "Shop"}
		if err := st.CreateMerchant(ctx, m); err != nil {
			t.Fatal(err)
		}
		key, rec, err := CreateAPIKey(ctx, st, kr, m.ID, store.ModeTest)
		if err != nil {
			t.Fatal(err)
		}
		do := func(method, path, body string) *httptest.ResponseRecorder {
			r := httptest.NewRequest(method, path, strings.NewReader(body))
			r.Header.Set("Authorization", "Bearer "+key)
			r.Header.Set("Content-Type", "application/json")
			r.RemoteAddr = "203.0.113.7:5555"
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			return w
		}
		if w := do("PATCH", "/v1/merchant", `{"name":"Shop 2","return_domains":["shop.example.com"]}`); w.Code != 200 {
			t.Fatalf("patch merchant: %d %s", w.Code, w.Body)
		}
		w := do("POST", "/v1/webhook_endpoints", `{"url":"http://127.0.0.1:9/hook","event_types":["*"]}`)
		if w.Code != 201 {
			t.Fatalf("create endpoint: %d %s", w.Code, w.Body)
		}
		var ep struct{ ID, Secret string }
		json.Unmarshal(w.Body.Bytes(), &ep)
		if w := do("POST", "/v1/webhook_endpoints/"+ep.ID+"/rotate_secret", ""); w.Code != 200 {
			t.Fatalf("rotate: %d %s", w.Code, w.Body)
		}
		if w := do("PATCH", "/v1/merchant", `{"name":""}`); w.Code != 400 {
			t.Fatalf("bad patch: %d", w.Code)
		}
		w = do("GET", "/v1/audit_events?limit=3", "")
		var page struct {
			Data []struct {
				Action, Outcome string
				ClientIP        string `json:"client_ip"`
				RequestID       string `json:"request_id"`
				Actor, Resource map[string]string
				Summary         json.RawMessage
			}
			HasMore    bool   `json:"has_more"`
			NextCursor string `json:"next_cursor"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil || w.Code != 200 {
			t.Fatalf("list: %d %s", w.Code, w.Body)
		}
		if len(page.Data) != 3 || !page.HasMore {
			t.Fatalf("page: %s", w.Body)
		}
		got := []string{}
		for _, e := range page.Data {
			got = append(got, e.Action+":"+e.Outcome)
			if e.Actor["type"] != store.ActorAPIKey || e.Actor["id"] != rec.ID || e.ClientIP != "203.0.113.7" || !strings.HasPrefix(e.RequestID, "req") {
				t.Errorf("who/where missing: %+v", e)
			}
		}
		if strings.Join(got, ",") != "merchant.update:failure,webhook_endpoint.rotate_secret:success,webhook_endpoint.create:success" {
			t.Errorf("actions: %v", got)
		}
		if page.Data[2].Resource["id"] != ep.ID {
			t.Errorf("resource: %v", page.Data[2].Resource)
		}
		w = do("GET", "/v1/audit_events?cursor="+page.NextCursor, "")
		if !strings.Contains(w.Body.String(), `"merchant.update"`) || !strings.Contains(w.Body.String(), `"Shop 2"`) {
			t.Errorf("second page: %s", w.Body)
		}
		// Never a secret: the audit rows hold neither the endpoint secret nor the API key.
		all, _ := st.AuditChain(ctx, 0, 100)
		for _, e := range all {
			for _, sec := range []string{ep.Secret, key, strings.TrimPrefix(ep.Secret, "whsec_")} {
				if sec != "" && strings.Contains(string(e.Summary), sec) {
					t.Errorf("secret in audit row %s", e.Action)
				}
			}
		}
		if res, err := audit.Verify(ctx, st); err != nil || !res.OK || res.Rows != 4 {
			t.Fatalf("verify: %v %v", res, err)
		}
	})
}
