package client_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasapos/kasa/client"
	"github.com/kasapos/kasa/internal/api"
	"github.com/kasapos/kasa/internal/banksim/est3"
	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/secret"
	"github.com/kasapos/kasa/internal/server"
	"github.com/kasapos/kasa/internal/store"
	"github.com/kasapos/kasa/internal/store/pgtest"
)

// env is one Kasa node (in-process, real HTTP on loopback) with one EST
// simulator, one merchant, its test key and a POS pointing at the simulator.
type env struct {
	t       *testing.T
	k       *server.Kasa
	sim     *est3sim.Server
	c       *client.Client
	posID   string
	logs    *syncBuffer
	dataDir string

	mu    sync.Mutex
	shift time.Duration // added to Kasa's clock
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// backends runs fn on SQLite and, when a test server is configured, PostgreSQL.
func backends(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, b := range []string{"sqlite", "postgres"} {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t, b))
		})
	}
}

func newEnv(t *testing.T, backend string) *env {
	t.Helper()
	e := &env{t: t, logs: &syncBuffer{}, dataDir: t.TempDir()}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := server.Config{Addr: "127.0.0.1:0", DataDir: e.dataDir, MasterKeys: secret.NewKeyringSpec(1),
		BankTimeout: 2 * time.Second, ResolveEvery: time.Hour, Log: log}
	if backend == "postgres" {
		cfg.DatabaseURL = pgtest.DSN(t)
	}
	e.sim = est3sim.New(est3sim.Config{Logger: log.With("sim", "est3")})
	if _, err := e.sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.sim.Close() })
	k, err := server.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	k.Service.Now = e.now
	if err := k.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		k.Close(ctx)
	})
	e.k = k
	e.c = e.newMerchant("Test Shop")
	e.posID = e.addPOS(e.c).ID
	return e
}

func (e *env) now() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return time.Now().Add(e.shift)
}

// advance moves Kasa's clock (batch cut-offs, resolver ages) forward.
func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.shift += d
}

// newMerchant creates a merchant and returns a client with its test key.
func (e *env) newMerchant(name string) *client.Client {
	ctx := context.Background()
	m := &store.Merchant{ID: id.New("mer"), Name: name, CreatedAt: time.Now().UTC()}
	if err := e.k.Store.CreateMerchant(ctx, m); err != nil {
		e.t.Fatal(err)
	}
	key, _, err := api.CreateAPIKey(ctx, e.k.Store, e.k.Keys, m.ID, store.ModeTest)
	if err != nil {
		e.t.Fatal(err)
	}
	return client.New(e.k.URL, key)
}

func (e *env) addPOS(c *client.Client) *client.POS {
	sb := est3sim.PaytenSandbox()
	p, err := c.CreatePOS(context.Background(), &client.POSRequest{
		Protocol: "est3", Bank: "payten", Name: "EST simulator",
		Endpoints:   &client.Endpoints{API: e.sim.APIURL(), ThreeDGate: e.sim.ThreeDGateURL()},
		Credentials: map[string]string{"client_id": sb.ClientID, "api_user": sb.User, "api_password": sb.Password, "store_key": sb.StoreKey},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

const testPAN = "4355084355084358"

func sale(amount int64) *client.PaymentRequest {
	return &client.PaymentRequest{
		Amount: amount, Currency: "TRY", Installments: 1, OrderID: "SO-" + id.Random(6), Description: "2 books",
		Card:     &client.Card{Number: testPAN, ExpiryMonth: 12, ExpiryYear: 2030, CVV: "739", Holder: "Ayşe Yılmaz"},
		Customer: client.Customer{Email: "ayse@example.com", IP: "203.0.113.7"},
	}
}

func (e *env) pay(req *client.PaymentRequest) *client.Payment {
	e.t.Helper()
	p, _, err := e.c.CreatePayment(context.Background(), req, client.NewIdempotencyKey())
	if err != nil {
		e.t.Fatalf("create payment: %v", err)
	}
	return p
}

func wantStatus(t *testing.T, p *client.Payment, status string) {
	t.Helper()
	if p == nil || p.Status != status {
		if p == nil {
			t.Fatalf("payment is nil, want %s", status)
		}
		t.Fatalf("payment %s is %s (bank %s %q), want %s", p.ID, p.Status, p.Bank.Code, p.Bank.Message, status)
	}
}

func wantCode(t *testing.T, err error, status int, code string) *client.Error {
	t.Helper()
	ce, ok := err.(*client.Error)
	if !ok || ce.Status != status || ce.Code != code {
		t.Fatalf("got error %v, want %d %s", err, status, code)
	}
	return ce
}

// scanForCardData fails if the PAN or the CVV appears in the node's logs or
// SQLite files (PCI-1, PCI-2).
func (e *env) scanForCardData(pan, cvv string) {
	e.t.Helper()
	blobs := map[string]string{"logs": e.logs.String()}
	files, _ := filepath.Glob(filepath.Join(e.dataDir, "kasa.db*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err == nil {
			blobs[f] = string(b)
		}
	}
	for name, b := range blobs {
		if strings.Contains(b, pan) {
			e.t.Errorf("PAN found in %s", name)
		}
		for _, pat := range []string{`"cvv":"` + cvv, "Cvv2Val>" + cvv, "cvv=" + cvv, "cv2=" + cvv} {
			if strings.Contains(b, pat) {
				e.t.Errorf("CVV found in %s (%s)", name, pat)
			}
		}
	}
}

var _ = io.Discard
