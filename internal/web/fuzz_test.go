package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kasapos/kasa/client"
	"github.com/kasapos/kasa/internal/api"
	"github.com/kasapos/kasa/internal/banksim"
	_ "github.com/kasapos/kasa/internal/banksim/all"
	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/secret"
	"github.com/kasapos/kasa/internal/server"
	"github.com/kasapos/kasa/internal/store"
)

// FuzzCallback3D posts arbitrary form bodies to the bank's 3D callback
// route of a real payment waiting for 3D Secure (and of unknown ids): the
// form parsing and the protocol's callback verification must never panic
// or answer 5xx, and a forged callback never redirects as a success.
//
//	go test ./internal/web -run '^$' -fuzz FuzzCallback3D -fuzztime 60s
func FuzzCallback3D(f *testing.F) {
	for _, seed := range []string{
		"", "a=b", "%zz", "mdStatus=1&oid=x&HASH=AAAA&HASHPARAMS=oid:mdStatus&ProcReturnCode=00&Response=Approved",
		"mdStatus=1&mdStatus=1&HASHPARAMSVAL=&HASH=", "md=" + strings.Repeat("A", 5000), "Response=Approved&ProcReturnCode=00&amount=1",
		"clientid=1&oid=%00&rnd=1&hashAlgorithm=ver3&HASH=zz&amount=-1&currency=949",
	} {
		f.Add(seed, true)
	}
	f.Add("a=1", false)
	sim, err := banksim.New("est3", "")
	if err != nil {
		f.Fatal(err)
	}
	if _, err := sim.Start(); err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { sim.Close() })
	k, err := server.Open(context.Background(), server.Config{Addr: "127.0.0.1:0", DataDir: f.TempDir(),
		MasterKeys: secret.NewKeyringSpec(1), ResolveEvery: time.Hour, BankTimeout: 5 * time.Second,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		f.Fatal(err)
	}
	if err := k.Start(); err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { k.Close(context.Background()) })
	ctx := context.Background()
	m := &store.Merchant{ID: id.New("mer"), Name: "Fuzz", ReturnDomains: []string{"127.0.0.1"}}
	if err := k.Store.CreateMerchant(ctx, m); err != nil {
		f.Fatal(err)
	}
	key, _, err := api.CreateAPIKey(ctx, k.Store, k.Keys, m.ID, store.ModeTest)
	if err != nil {
		f.Fatal(err)
	}
	c := client.New(k.URL, key)
	sp := sim.POS()
	if _, err := c.CreatePOS(ctx, &client.POSRequest{Protocol: sp.Protocol, Bank: sp.Bank, Name: "sim",
		Endpoints: &client.Endpoints{API: sp.Endpoints.API, ThreeDGate: sp.Endpoints.ThreeDGate}, Credentials: sp.Credentials}); err != nil {
		f.Fatal(err)
	}
	tc := sp.TestCard
	mm, yy, _ := strings.Cut(tc.Expiry, "/")
	atoi := func(s string) int {
		n := 0
		for _, r := range s {
			n = n*10 + int(r-'0')
		}
		return n
	}
	newPayment := func() string {
		p, _, err := c.CreatePayment(ctx, &client.PaymentRequest{Amount: 1000, Currency: "TRY", Installments: 1,
			OrderID: "SO-" + id.Random(6), ThreeD: "3d", ReturnURL: "http://127.0.0.1/done",
			Card: &client.Card{Number: tc.PAN, ExpiryMonth: atoi(mm), ExpiryYear: 2000 + atoi(yy), CVV: tc.CVV}}, client.NewIdempotencyKey())
		if err != nil || p.Status != "requires_action" {
			f.Fatalf("3D payment: %v %v", err, p)
		}
		return p.ID
	}
	payID := newPayment()
	f.Fuzz(func(t *testing.T, body string, real bool) {
		pid := "pay_unknown" + id.Random(4)
		if real {
			pid = payID
		}
		r := httptest.NewRequest("POST", "/3ds/"+url.PathEscape(pid)+"/callback", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		k.Web.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%d for %q: %s", w.Code, body, w.Body)
		}
		if loc := w.Header().Get("Location"); strings.Contains(loc, "status=succeeded") {
			t.Fatalf("forged callback %q redirected as a success: %s", body, loc)
		}
	})
}
