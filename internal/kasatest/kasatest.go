// Package kasatest starts a real Kasa node (in-process, HTTP on loopback)
// with a bank simulator, a merchant, its test key and a POS pointing at the
// simulator, for end-to-end tests through the Go client. Both storage
// backends are available; PostgreSQL runs when scripts/test.sh (or the
// environment) provides a server.
package kasatest

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
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
	"github.com/kasapos/kasa/internal/store/pgtest"
)

// Env is one node with one simulator.
type Env struct {
	T       *testing.T
	K       *server.Kasa
	Sim     banksim.Simulator
	C       *client.Client
	POS     *client.POS
	Logs    *SyncBuffer
	DataDir string

	mu    sync.Mutex
	shift time.Duration
}

// SyncBuffer collects log output from many goroutines.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Backends runs fn on SQLite and PostgreSQL (skipped without a server), in parallel.
func Backends(t *testing.T, fn func(t *testing.T, backend string)) {
	for _, b := range []string{"sqlite", "postgres"} {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			fn(t, b)
		})
	}
}

// BankTimeout is the nodes' bank timeout: long enough for a loaded CI
// machine, short enough for timeout tests.
const BankTimeout = 2 * time.Second

// New starts a node on backend with protocol's simulator. pos customises
// the POS request (e.g. a 3D model) before it is created; it may be nil.
func New(t *testing.T, backend, protocol string, pos func(*client.POSRequest)) *Env {
	t.Helper()
	e := &Env{T: t, Logs: &SyncBuffer{}, DataDir: t.TempDir()}
	t.Cleanup(func() {
		// A failed test shows the node's errors: an HTTP 500's cause is
		// only in the log (the client sees a request id).
		if t.Failed() {
			for _, l := range strings.Split(e.Logs.String(), "\n") {
				if strings.Contains(l, "level=ERROR") {
					t.Log(l)
				}
			}
		}
	})
	log := slog.New(slog.NewTextHandler(e.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := server.Config{Addr: "127.0.0.1:0", DataDir: e.DataDir, MasterKeys: secret.NewKeyringSpec(1),
		BankTimeout: BankTimeout, ResolveEvery: time.Hour, Log: log}
	if backend == "postgres" {
		cfg.DatabaseURL = pgtest.DSN(t)
		cfg.GroupCommit = 4 // as kasa serve does by default
	}
	sim, err := banksim.New(protocol, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	if backend == "sqlite" {
		// PCI-1/PCI-2 over every end-to-end test: once the node has closed
		// (its WAL folded into the files), no test card number may appear in
		// the database files or the logs. Cleanups run last-in first-out, so
		// this runs after the node's Close registered below.
		t.Cleanup(func() {
			for _, pan := range testPANs(sim) {
				e.ScanForCardData(pan, "739")
			}
		})
	}
	e.Sim = sim
	k, err := server.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	k.Service.Now = e.Now
	k.Webhooks.Now = e.Now
	if err := k.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		k.Close(ctx)
	})
	e.K = k
	e.C = e.NewMerchant("Test Shop")
	sp := sim.POS()
	req := &client.POSRequest{
		Protocol: sp.Protocol, Bank: sp.Bank, Name: protocol + " simulator",
		Endpoints:   &client.Endpoints{API: sp.Endpoints.API, ThreeDGate: sp.Endpoints.ThreeDGate},
		Credentials: sp.Credentials,
	}
	// Every card of the BIN table may pay in 2..12 instalments, at the
	// merchant's cost, so the conformance suite can send every count.
	counts := map[string]int64{}
	for n := 2; n <= 12; n++ {
		counts[strconv.Itoa(n)] = int64(100 + 50*n)
	}
	req.Routing = &client.Routing{Weight: 1, CommissionBPS: map[string]int64{"1": 175},
		InstallmentPlans: []client.Plan{{Name: "all cards", CountsBPS: counts, Programs: []string{"*"}, AllowDebit: true}}}
	if pos != nil {
		pos(req)
	}
	if e.POS, err = e.C.CreatePOS(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	// A bank that reports results server to server learns Kasa's URL for
	// this POS once it exists, as a merchant types it into the bank's panel.
	if n, ok := sim.(banksim.NotifyURLSetter); ok {
		n.SetNotifyURL(k.Service.PublicURL + "/notify/" + e.POS.ID) // gateway.NotifyPath
	}
	return e
}

// Now is the node's clock: the wall clock plus Advance.
func (e *Env) Now() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return time.Now().Add(e.shift)
}

// Advance moves the node's clock (batch cut-offs, resolver ages) forward.
func (e *Env) Advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.shift += d
}

// NewMerchant creates a merchant whose return domains are local, and returns
// a client with its test key.
func (e *Env) NewMerchant(name string) *client.Client {
	ctx := context.Background()
	m := &store.Merchant{ID: id.New("mer"), Name: name, ReturnDomains: []string{"127.0.0.1", "localhost"}, CreatedAt: time.Now().UTC()}
	if err := e.K.Store.CreateMerchant(ctx, m); err != nil {
		e.T.Fatal(err)
	}
	key, _, err := api.CreateAPIKey(ctx, e.K.Store, e.K.Keys, m.ID, store.ModeTest)
	if err != nil {
		e.T.Fatal(err)
	}
	return client.New(e.K.URL, key)
}

// Order returns the simulator's record of a bank order id.
func (e *Env) Order(bankOrderID string) banksim.Order {
	e.T.Helper()
	os := e.Sim.Book().Find(bankOrderID)
	if len(os) != 1 {
		e.T.Fatalf("simulator has %d orders %s", len(os), bankOrderID)
	}
	return os[0]
}

// Sale returns a payment request for amount with the simulator's test card.
func (e *Env) Sale(amount int64) *client.PaymentRequest {
	tc := e.Sim.POS().TestCard
	mm, yy, _ := strings.Cut(tc.Expiry, "/")
	return &client.PaymentRequest{
		Amount: amount, Currency: "TRY", Installments: 1, OrderID: "SO-" + id.Random(6), Description: "2 books",
		Card:     &client.Card{Number: tc.PAN, ExpiryMonth: atoi(mm), ExpiryYear: 2000 + atoi(yy), CVV: tc.CVV, Holder: "Ayşe Yılmaz"},
		Customer: client.Customer{Email: "ayse@example.com", IP: "203.0.113.7"},
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// Pay creates a payment with a fresh idempotency key and fails the test on error.
func (e *Env) Pay(req *client.PaymentRequest) *client.Payment {
	e.T.Helper()
	p, _, err := e.C.CreatePayment(context.Background(), req, client.NewIdempotencyKey())
	if err != nil {
		e.T.Fatalf("create payment: %v", err)
	}
	return p
}

// Fault injects f into the next count simulator requests serving op.
func (e *Env) Fault(op string, f banksim.Fault, count int) { e.Sim.Faults().Next(op, f, count) }

// ScanForCardData fails if pan, or cvv next to a card-field name, appears in
// the node's logs or SQLite files (PCI-1, PCI-2).
func (e *Env) ScanForCardData(pan, cvv string) {
	e.T.Helper()
	blobs := map[string]string{"logs": e.Logs.String()}
	files, _ := filepath.Glob(filepath.Join(e.DataDir, "kasa.db*"))
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil {
			blobs[f] = string(b)
		}
	}
	for name, b := range blobs {
		if strings.Contains(b, pan) {
			e.T.Errorf("PAN found in %s", name)
		}
		for _, pat := range []string{`"cvv":"` + cvv, "Cvv2Val>" + cvv, "cvv=" + cvv, "cv2=" + cvv} {
			if strings.Contains(b, pat) {
				e.T.Errorf("CVV found in %s (%s)", name, pat)
			}
		}
	}
}

// testPANs are the card numbers the tests use: the simulator's test card,
// the decline triggers and the half-secure card.
func testPANs(sim banksim.Simulator) []string {
	pans := []string{sim.POS().TestCard.PAN, "4355084355084358", "4000000000000002"}
	for _, d := range banksim.Declines {
		pans = append(pans, d.ExamplePAN)
	}
	return pans
}
