// Package chaos proves the recovery promises with real processes: a Kasa
// server is killed with SIGKILL at random moments while clients pay through
// it and the bank simulator (a separate process, which survives) injects
// faults; afterwards every payment must agree with the bank's own book.
// `make chaos` runs a longer version and prints the table.
package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kasapos/kasa/client"
	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/secret"
	"github.com/kasapos/kasa/internal/store/pgtest"
)

var (
	rounds  = flag.Int("chaos.rounds", 3, "kill -9 rounds")
	workers = flag.Int("chaos.workers", 4, "concurrent paying clients")
)

var kasaBin string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "kasa-chaos")
	if err != nil {
		panic(err)
	}
	kasaBin = filepath.Join(dir, "kasa")
	build := exec.Command("go", "build", "-o", kasaBin, "../../cmd/kasa")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "chaos: build failed:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a child process logging to a file (a file, not a pipe: a killed
// child must never leave a copying goroutine blocked).
type proc struct {
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

func start(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "kasa-*.log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(kasaBin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, log: f.Name(), done: make(chan struct{})}
	go func() { cmd.Wait(); close(p.done) }()
	return p
}

// kill ends the process with SIGKILL and waits for it.
func (p *proc) kill() {
	p.cmd.Process.Kill()
	<-p.done
}

// waitFor polls the log until it has a line starting with prefix.
func (p *proc) waitFor(t *testing.T, prefix string) string {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(p.log)
		for _, line := range strings.Split(string(b), "\n") {
			if l := strings.TrimSpace(line); strings.HasPrefix(l, prefix) {
				return strings.TrimSpace(strings.TrimPrefix(l, prefix))
			}
		}
	}
	t.Fatalf("%s never printed %q", p.cmd.Path, prefix)
	return ""
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHealthy(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("kasa did not become healthy")
}

type outcome struct {
	key, paymentID, status string
	amount                 int64
}

func TestChaosKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos test skipped in -short mode")
	}
	t.Run("sqlite", func(t *testing.T) { chaos(t, "") })
	// PostgreSQL with kasa serve's defaults, group commit included.
	t.Run("postgres", func(t *testing.T) { chaos(t, pgtest.DSN(t)) })
}

func chaos(t *testing.T, databaseURL string) {
	env := []string{"KASA_MASTER_KEYS=" + secret.NewKeyringSpec(1), "KASA_DATABASE_URL=" + databaseURL}
	dataDir := t.TempDir()

	// The bank: a separate process that outlives every Kasa crash.
	sim := start(t, nil, "banksim", "est3", "--addr", freeAddr(t))
	defer sim.kill()
	simAPI := sim.waitFor(t, "API:")
	simBase := strings.TrimSuffix(simAPI, "/fim/api")

	mc := exec.Command(kasaBin, "merchant", "create", "--name", "Chaos Shop", "--data-dir", dataDir)
	mc.Env = append(os.Environ(), env...)
	out, err := mc.CombinedOutput()
	if err != nil {
		t.Fatalf("merchant create: %v\n%s", err, out)
	}
	i := bytes.LastIndex(out, []byte("sk_test_"))
	if i < 0 {
		t.Fatalf("no key in: %s", out)
	}
	key := strings.Fields(string(out[i:]))[0]

	addr := freeAddr(t)
	url := "http://" + addr
	var server atomic.Pointer[proc]
	startServer := func() {
		server.Store(start(t, env, "serve", "--addr", addr, "--data-dir", dataDir, "--bank-timeout", "1s",
			"--resolve-every", "300ms", "--resolve-after", "2s", "--idempotency-stale", "4s"))
		waitHealthy(t, url)
	}
	startServer()
	defer func() { server.Load().kill() }()

	c := client.New(url, key)
	c.HTTP.Timeout = 10 * time.Second
	ctx := context.Background()
	if _, err := c.CreatePOS(ctx, &client.POSRequest{Protocol: "est3", Bank: "payten", Endpoints: &client.Endpoints{API: simAPI},
		Credentials: map[string]string{"client_id": "700655000200", "api_user": "ISBANKAPI", "api_password": "ISBANK07", "store_key": "TRPS0200"}}); err != nil {
		t.Fatal(err)
	}

	// Clients pay until told to stop; each key is retried until it gets an
	// answer, as a careful merchant would.
	var stop atomic.Bool
	var mu sync.Mutex
	var results []outcome
	var wg sync.WaitGroup
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for n := 0; !stop.Load(); n++ {
				k := fmt.Sprintf("chaos-%d-%d-%d", w, n, time.Now().UnixNano())
				amount := int64(100 + r.IntN(50000))
				req := &client.PaymentRequest{Amount: amount, Currency: "TRY", OrderID: k,
					Card: &client.Card{Number: "4355084355084358", ExpiryMonth: 12, ExpiryYear: 2030, CVV: "000"}}
				if r.IntN(10) == 0 {
					req.Card.Number = "4000000000000051" // a decline now and then
				}
				deadline := time.Now().Add(60 * time.Second)
				for time.Now().Before(deadline) {
					p, _, err := c.CreatePayment(ctx, req, k)
					var ce *client.Error
					if err == nil {
						mu.Lock()
						results = append(results, outcome{k, p.ID, p.Status, amount})
						mu.Unlock()
						break
					}
					if errors.As(err, &ce) && ce.Status < 500 && ce.Code != "idempotency_key_in_progress" {
						t.Errorf("key %s: %v", k, err)
						break
					}
					time.Sleep(100 * time.Millisecond)
				}
			}
		}(w)
	}

	kills := 0
	faults := []string{"timeout_after", "http500_after", "reset", "timeout_before", "truncated"}
	for round := 0; round < *rounds; round++ {
		time.Sleep(time.Duration(200+rand.IntN(700)) * time.Millisecond)
		body := fmt.Sprintf(`{"op":"Auth","fault":%q,"count":1}`, faults[rand.IntN(len(faults))])
		if resp, err := http.Post(simBase+"/_sim/faults", "application/json", strings.NewReader(body)); err == nil {
			resp.Body.Close()
		}
		time.Sleep(time.Duration(rand.IntN(300)) * time.Millisecond)
		server.Load().kill() // SIGKILL: no shutdown, no flush
		kills++
		startServer()
	}
	time.Sleep(500 * time.Millisecond)
	stop.Store(true)
	wg.Wait()

	// Let the resolver settle everything left open.
	unresolved := -1
	for deadline := time.Now().Add(40 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		unresolved = 0
		for _, st := range []string{"processing", "unknown"} {
			l, err := c.ListPayments(ctx, client.ListParams{Status: st, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			unresolved += len(l.Data)
		}
		if unresolved == 0 {
			break
		}
	}

	all := listAll(t, c)
	bank := simOrders(t, simBase)
	byOrder := map[string]*client.Payment{}
	count := map[string]int{}
	lost, doubled, wasUnknown := 0, 0, 0
	for _, p := range all {
		byOrder[p.BankOrderID] = p
		count[p.Status]++
		full, err := c.GetPayment(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range full.Transactions {
			if tx.Kind == "status" {
				wasUnknown++
				break
			}
		}
		o, ok := bank[p.BankOrderID]
		approved := 0
		if ok {
			approved = o.ApprovedAuths()
		}
		switch {
		case approved > 1:
			doubled++
			t.Errorf("payment %s charged %d times", p.ID, approved)
		case p.Status == client.StatusSucceeded && (approved != 1 || o.Captured != p.Amount):
			lost++
			t.Errorf("payment %s succeeded in Kasa but the bank has %+v", p.ID, o)
		case p.Status != client.StatusSucceeded && approved != 0:
			lost++
			t.Errorf("payment %s is %s in Kasa but the bank charged it", p.ID, p.Status)
		}
	}
	for id, o := range bank {
		if _, ok := byOrder[id]; !ok && o.ApprovedAuths() > 0 {
			doubled++
			t.Errorf("bank order %s was charged but Kasa has no payment for it", id)
		}
	}
	keys := map[string]string{}
	for _, r := range results {
		if prev, dup := keys[r.key]; dup && prev != r.paymentID {
			doubled++
			t.Errorf("idempotency key %s gave two payments", r.key)
		}
		keys[r.key] = r.paymentID
	}
	table := fmt.Sprintf("\nchaos: %d kill -9, %d workers\n| attempted | succeeded | declined | failed | unknown→resolved | still open | lost | doubled |\n|---|---|---|---|---|---|---|---|\n| %d | %d | %d | %d | %d | %d | %d | %d |\n",
		kills, *workers, len(all), count["succeeded"], count["declined"], count["failed"], wasUnknown, unresolved, lost, doubled)
	fmt.Print(table)
	if unresolved != 0 || lost != 0 || doubled != 0 {
		t.Fatalf("recovery broke its promise:%s", table)
	}
	if len(all) == 0 {
		t.Fatal("no payment was made")
	}
}

func listAll(t *testing.T, c *client.Client) []*client.Payment {
	var out []*client.Payment
	cursor := ""
	for {
		l, err := c.ListPayments(context.Background(), client.ListParams{Limit: 100, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, l.Data...)
		if !l.HasMore {
			return out
		}
		cursor = l.NextCursor
	}
}

func simOrders(t *testing.T, base string) map[string]banksim.Order {
	resp, err := http.Get(base + "/_sim/orders")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var orders []banksim.Order
	if err := json.NewDecoder(resp.Body).Decode(&orders); err != nil {
		t.Fatal(err)
	}
	m := map[string]banksim.Order{}
	for _, o := range orders {
		m[o.ID] = o
	}
	return m
}
