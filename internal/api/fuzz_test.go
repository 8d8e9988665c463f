package api

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/payment"
	"github.com/kasapos/kasa/internal/secret"
	"github.com/kasapos/kasa/internal/store"
	"github.com/kasapos/kasa/internal/store/sqlite"
)

// FuzzCreatePaymentBody sends arbitrary bodies to POST /v1/payments through
// the whole handler chain (auth, limits, idempotency, strict decoding, the
// service's validation): it must never panic or answer 5xx, and what is not
// a JSON object is a 4xx. The merchant has no POS, so nothing reaches a bank.
//
//	go test ./internal/api -run '^$' -fuzz FuzzCreatePaymentBody -fuzztime 60s
func FuzzCreatePaymentBody(f *testing.F) {
	for _, seed := range []string{
		`{"amount":12550,"currency":"TRY","capture":true,"installments":1,"three_d":"none","order_id":"SO-1",` +
			`"card":{"number":"4355084355084358","expiry_month":12,"expiry_year":2030,"cvv":"000","holder":"A"},` +
			`"customer":{"email":"a@example.com","ip":"203.0.113.7"}}`,
		`{"amount":-1}`, `{"amount":1e400}`, `{"amount":"12"}`, `{"card":null}`, `{"card":{"number":12}}`,
		`[]`, `null`, `{}`, `{"a":1}{"b":2}`, `{"amount":1,"amount":2}`, "\xff\xfe", `{"installments":99999999999999999999}`,
		`{"three_d":"3d","return_url":"javascript:alert(1)"}`, `{"currency":"` + strings.Repeat("T", 5000) + `"}`,
	} {
		f.Add(seed)
	}
	kr, err := secret.ParseKeyring(secret.NewKeyringSpec(1))
	if err != nil {
		f.Fatal(err)
	}
	st, err := sqlite.Open(filepath.Join(f.TempDir(), "kasa.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	ctx := context.Background()
	m := &store.Merchant{ID: id.New("mer"), Name: "Fuzz"}
	if err := st.CreateMerchant(ctx, m); err != nil {
		f.Fatal(err)
	}
	key, _, err := CreateAPIKey(ctx, st, kr, m.ID, store.ModeTest)
	if err != nil {
		f.Fatal(err)
	}
	s := New(&payment.Service{Store: st, Keys: kr}, discardLog())
	n := 0
	f.Fuzz(func(t *testing.T, body string) {
		n++
		r := httptest.NewRequest("POST", "/v1/payments", strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+key)
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Idempotency-Key", "fuzz-"+strconv.Itoa(n)+"-"+id.Random(8))
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%d for %q: %s", w.Code, body, w.Body)
		}
		if w.Code < 400 && !strings.HasPrefix(strings.TrimSpace(body), "{") {
			t.Fatalf("%d for a non-object %q", w.Code, body)
		}
		if !strings.Contains(w.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("content type %q", w.Header().Get("Content-Type"))
		}
	})
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
