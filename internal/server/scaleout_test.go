package server_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/kasapos/kasa/client"
	"github.com/kasapos/kasa/internal/api"
	"github.com/kasapos/kasa/internal/banksim"
	_ "github.com/kasapos/kasa/internal/banksim/all"
	est3sim "github.com/kasapos/kasa/internal/banksim/est3"
	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/secret"
	"github.com/kasapos/kasa/internal/server"
	"github.com/kasapos/kasa/internal/store"
	"github.com/kasapos/kasa/internal/store/pgtest"
)

// TestScaleOut runs two nodes on different ports against one PostgreSQL
// database, as behind a load balancer: the same idempotency key fired at
// both at once reaches the bank once, both resolvers working the same
// unknown payments settle each one once, consistently, and both webhook
// dispatchers deliver every event once.
func TestScaleOut(t *testing.T) {
	dsn := pgtest.DSN(t) // skips without PostgreSQL
	ctx := context.Background()
	sim, err := banksim.New("est3", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })

	keys := secret.NewKeyringSpec(1) // every node of a cluster shares the keyring
	var shift time.Duration
	var clockMu sync.Mutex
	now := func() time.Time {
		clockMu.Lock()
		defer clockMu.Unlock()
		return time.Now().Add(shift)
	}
	var nodes []*server.Kasa
	for i := range 2 {
		// One node group-commits, the other does not: they must agree.
		k, err := server.Open(ctx, server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), DatabaseURL: dsn,
			GroupCommit: []int{4, 0}[i], MasterKeys: keys, BankTimeout: time.Second, ResolveEvery: time.Hour,
			WebhookEvery: time.Hour, // events go out on their commit's wake, not a poll
			Log:          slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		k.Service.Now = now
		if err := k.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			k.Close(ctx)
		})
		nodes = append(nodes, k)
	}
	if nodes[0].URL == nodes[1].URL {
		t.Fatal("both nodes on one address")
	}
	m := &store.Merchant{ID: id.New("mer"), Name: "Scale Shop", CreatedAt: time.Now().UTC()}
	if err := nodes[0].Store.CreateMerchant(ctx, m); err != nil {
		t.Fatal(err)
	}
	key, _, err := api.CreateAPIKey(ctx, nodes[0].Store, nodes[0].Keys, m.ID, store.ModeTest)
	if err != nil {
		t.Fatal(err)
	}
	clients := []*client.Client{client.New(nodes[0].URL, key), client.New(nodes[1].URL, key)}
	sp := sim.POS()
	pos, err := clients[0].CreatePOS(ctx, &client.POSRequest{Protocol: sp.Protocol, Bank: sp.Bank, Name: "sim",
		Endpoints: &client.Endpoints{API: sp.Endpoints.API}, Credentials: sp.Credentials})
	if err != nil {
		t.Fatal(err)
	}
	sale := func(amount int64) *client.PaymentRequest {
		tc := sp.TestCard
		return &client.PaymentRequest{Amount: amount, Currency: "TRY", Installments: 1, ThreeD: "none", POSID: pos.ID,
			Card:     &client.Card{Number: tc.PAN, ExpiryMonth: 12, ExpiryYear: 2030, CVV: tc.CVV, Holder: "Ayse Yilmaz"},
			Customer: client.Customer{Email: "ayse@example.com", IP: "203.0.113.7"}}
	}

	t.Run("one idempotency key on both nodes reaches the bank once", func(t *testing.T) {
		const rounds, perNode = 25, 2
		for r := range rounds {
			idem := client.NewIdempotencyKey()
			req := sale(1000 + int64(r))
			var wg sync.WaitGroup
			var mu sync.Mutex
			ids := map[string]string{} // payment id → bank order id
			for i := range 2 * perNode {
				wg.Go(func() {
					p, _, err := clients[i%2].CreatePayment(ctx, req, idem)
					var ce *client.Error
					if errors.As(err, &ce) && ce.Code == "idempotency_key_in_progress" {
						return // a duplicate still waiting: allowed, it never reached the bank
					}
					if err != nil {
						t.Errorf("round %d: %v", r, err)
						return
					}
					mu.Lock()
					ids[p.ID] = p.BankOrderID
					mu.Unlock()
				})
			}
			wg.Wait()
			if len(ids) != 1 {
				t.Fatalf("round %d: one key gave %d payments: %v", r, len(ids), ids)
			}
			for _, boid := range ids {
				if n := sim.Book().AuthAttempts(boid); n != 1 {
					t.Fatalf("round %d: the bank saw order %s %d times", r, boid, n)
				}
			}
		}
		if n := len(sim.Book().All()); n != rounds {
			t.Fatalf("the bank holds %d orders for %d keys", n, rounds)
		}
	})

	t.Run("resolvers on both nodes settle each unknown payment once", func(t *testing.T) {
		const n = 6
		sim.Faults().Next(est3sim.OpAuth, banksim.TimeoutAfter, n)
		var wg sync.WaitGroup
		ps := make([]*client.Payment, n)
		for i := range n {
			wg.Go(func() {
				p, _, err := clients[i%2].CreatePayment(ctx, sale(2000+int64(i)), client.NewIdempotencyKey())
				if err != nil {
					t.Errorf("sale %d: %v", i, err)
					return
				}
				ps[i] = p
			})
		}
		wg.Wait()
		for i, p := range ps {
			if p == nil || p.Status != client.StatusUnknown {
				t.Fatalf("sale %d is %+v, want unknown (the bank timed out)", i, p)
			}
		}
		clockMu.Lock()
		shift = time.Hour // past ResolveAfter on both nodes
		clockMu.Unlock()
		for range 3 { // several overlapping passes, as timers on real nodes
			for _, k := range nodes {
				wg.Go(func() {
					if _, err := k.Service.ResolvePending(ctx, time.Minute, 100); err != nil {
						t.Errorf("resolver: %v", err)
					}
				})
			}
		}
		wg.Wait()
		for _, p := range ps {
			got, err := clients[1].GetPayment(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != client.StatusSucceeded {
				t.Errorf("%s is %s after both resolvers, want succeeded", p.ID, got.Status)
			}
			if a := sim.Book().ApprovedAuths(p.BankOrderID); a != 1 {
				t.Errorf("%s: bank has %d approved auths, want 1", p.ID, a)
			}
			evs, err := nodes[0].Store.ListEvents(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			settled := 0
			for _, ev := range evs {
				if ev.Type == "payment.succeeded" {
					settled++
				}
			}
			if settled != 1 {
				t.Errorf("%s: %d payment.succeeded events, want exactly 1", p.ID, settled)
			}
		}
		left, err := nodes[0].Store.PaymentsToResolve(ctx, now().Add(time.Hour), 100)
		if err != nil || len(left) != 0 {
			t.Fatalf("%d payments still open (%v)", len(left), err)
		}
	})

	t.Run("both nodes' webhook dispatchers deliver every event once", func(t *testing.T) {
		clockMu.Lock()
		shift = 0 // events due now by the dispatchers' clock
		clockMu.Unlock()
		var mu sync.Mutex
		var secret string
		got := map[string]int{} // payment id → deliveries of its payment.succeeded
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			defer mu.Unlock()
			ev, err := client.ParseWebhook(secret, r.Header, body, time.Minute)
			if err != nil {
				t.Errorf("delivery: %v", err)
				http.Error(w, "unverified", http.StatusBadRequest)
				return
			}
			p, err := ev.Payment()
			if err != nil {
				t.Errorf("delivery: %v", err)
				return
			}
			got[p.ID]++
		}))
		defer rcv.Close()
		mu.Lock()
		ep, err := clients[0].CreateWebhookEndpoint(ctx, &client.WebhookEndpointRequest{URL: &rcv.URL, EventTypes: []string{"payment.succeeded"}})
		if err == nil {
			secret = ep.Secret
		}
		mu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		const n = 12
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				if _, _, err := clients[i%2].CreatePayment(ctx, sale(3000+int64(i)), client.NewIdempotencyKey()); err != nil {
					t.Errorf("sale %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		count := func() (payments, deliveries int) {
			mu.Lock()
			defer mu.Unlock()
			for _, c := range got {
				deliveries += c
			}
			return len(got), deliveries
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			if p, _ := count(); p == n {
				break
			}
			if time.Now().After(deadline) {
				p, d := count()
				t.Fatalf("%d of %d payments' events delivered (%d deliveries) with the poll an hour away", p, n, d)
			}
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond) // room for a duplicate to arrive
		if p, d := count(); p != n || d != n {
			t.Fatalf("%d events made %d deliveries, want one each", p, d)
		}
	})
}
