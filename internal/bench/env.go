package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kasapos/kasa/client"
	"github.com/kasapos/kasa/internal/api"
	"github.com/kasapos/kasa/internal/banksim"
	_ "github.com/kasapos/kasa/internal/banksim/all" // the simulators register themselves
	"github.com/kasapos/kasa/internal/banksim/customer"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/secret"
	"github.com/kasapos/kasa/internal/server"
	"github.com/kasapos/kasa/internal/store"
)

// SetupConfig says which Kasa to drive.
type SetupConfig struct {
	URL, Key    string // a running Kasa; empty URL starts one in process
	DatabaseURL string
	DataDir     string
	GroupCommit int
	Conns       int // client connections to keep alive
	// Webhook registers a webhook endpoint for every event type, on a local
	// receiver that answers 200: sales then carry the webhook fan-out and
	// deliveries a merchant with webhooks puts on the node.
	Webhook bool
	// WebhookEvery and WebhookWorkers set the in-process node's dispatcher
	// (kasa serve --webhook-every, --webhook-workers); zero: its defaults.
	WebhookEvery   time.Duration
	WebhookWorkers int
	Progress       io.Writer
	// Log receives the in-process node's logs; nil formats them at Info and
	// discards them, so their cost is in the figures but no terminal is.
	Log *slog.Logger
}

// Env is a Kasa (in process or remote) with a merchant, its key and a POS on
// an EST simulator, plus prebuilt request bodies.
type Env struct {
	Storage string
	URL     string
	Key     string
	POSID   string
	Node    *server.Kasa // nil when driving a remote Kasa
	Sim     banksim.Simulator

	http       *http.Client
	simAPI     string
	creds      map[string]string
	card       banksim.TestCard
	saleBody   []byte
	threeDBody []byte
	browser    *http.Client // the customer's, for 3D flows: shares e.http's connections
	merchantID string
	tmp        string
	dbURL      string
	hop        *http.Server
	sink       *http.Server
	// Delivered counts the webhook requests the receiver got (Webhook).
	Delivered atomic.Int64
}

// Setup starts what cfg asks for.
func Setup(ctx context.Context, cfg SetupConfig) (*Env, error) {
	e := &Env{http: httpClient(max(cfg.Conns, 4)), URL: strings.TrimRight(cfg.URL, "/"), Key: cfg.Key, dbURL: cfg.DatabaseURL}
	sim, err := banksim.New("est3", "")
	if err != nil {
		return nil, err
	}
	if _, err := sim.Start(); err != nil {
		return nil, err
	}
	e.Sim = sim
	sp := sim.POS()
	e.simAPI, e.creds, e.card = sp.Endpoints.API, sp.Credentials, sp.TestCard
	e.Storage = "remote"
	if e.URL == "" {
		if err := e.startNode(ctx, cfg); err != nil {
			e.Close()
			return nil, err
		}
	} else if e.Key == "" {
		e.Close()
		return nil, fmt.Errorf("bench: --url needs --key (an API key of the target Kasa)")
	}
	c := client.New(e.URL, e.Key)
	pos, err := c.CreatePOS(ctx, &client.POSRequest{
		Protocol: sp.Protocol, Bank: sp.Bank, Name: "bench est3 simulator",
		Endpoints:   &client.Endpoints{API: sp.Endpoints.API, ThreeDGate: sp.Endpoints.ThreeDGate},
		Credentials: sp.Credentials,
	})
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("bench: create POS: %w", err)
	}
	e.POSID = pos.ID
	if cfg.Webhook {
		if err := e.startWebhookSink(ctx, c); err != nil {
			e.Close()
			return nil, err
		}
	}
	mm, yy, _ := strings.Cut(e.card.Expiry, "/")
	m, _ := strconv.Atoi(mm)
	y, _ := strconv.Atoi(yy)
	sale := map[string]any{
		"amount": 12550, "currency": "TRY", "capture": true, "installments": 1, "three_d": "none", "pos_id": e.POSID,
		"description": "bench", "card": map[string]any{"number": e.card.PAN, "expiry_month": m, "expiry_year": 2000 + y,
			"cvv": e.card.CVV, "holder": "Ayse Yilmaz"},
		"customer": map[string]any{"email": "ayse@example.com", "ip": "203.0.113.7"},
	}
	e.saleBody, _ = json.Marshal(sale)
	sale["three_d"], sale["return_url"] = gateway.Model3D, customer.ReturnURL
	e.threeDBody, _ = json.Marshal(sale)
	e.browser = customer.NoRedirects(e.http.Transport)
	return e, nil
}

func (e *Env) startNode(ctx context.Context, cfg SetupConfig) error {
	dir := cfg.DataDir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "kasa-bench-"); err != nil {
			return err
		}
		e.tmp = dir
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	scfg := server.Config{Addr: "127.0.0.1:0", DataDir: dir, DatabaseURL: cfg.DatabaseURL, GroupCommit: cfg.GroupCommit, MasterKeys: secret.NewKeyringSpec(1),
		BankTimeout: 30 * time.Second, ResolveEvery: time.Hour, Log: log,
		WebhookEvery: cfg.WebhookEvery, WebhookWorkers: cfg.WebhookWorkers}
	e.Storage = "sqlite"
	if cfg.DatabaseURL != "" {
		e.Storage = "postgres"
	}
	k, err := server.Open(ctx, scfg)
	if err != nil {
		if cfg.DatabaseURL != "" {
			// The node's master key is new each run, and a database a
			// previous run used holds data sealed under another.
			err = fmt.Errorf("%w (kasa bench makes a new master key each run: give it an empty database)", err)
		}
		return err
	}
	if err := k.Start(); err != nil {
		k.Close(ctx)
		return err
	}
	e.Node, e.URL = k, k.URL
	m := &store.Merchant{ID: id.New("mer"), Name: "Bench Shop", ReturnDomains: []string{"127.0.0.1"}, CreatedAt: time.Now().UTC()}
	if err := k.Store.CreateMerchant(ctx, m); err != nil {
		return err
	}
	e.merchantID = m.ID
	e.Key, _, err = api.CreateAPIKey(ctx, k.Store, k.Keys, m.ID, store.ModeTest)
	return err
}

// HopOp is o (a direct call) sent through a pass-through reverse proxy to
// the simulator, started here on loopback, with the same keep-alive pooling
// as Kasa's bank client.
func (e *Env) HopOp(o op) (op, error) {
	target, err := url.Parse(e.simAPI)
	if err != nil {
		return op{}, err
	}
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
	proxy.Transport = gateway.NewHTTPClient().Transport
	var addr string
	if e.hop, addr, err = serveLoopback(proxy); err != nil {
		return op{}, err
	}
	via := *target
	via.Host = addr
	return op{prep: o.prep, do: func(ctx context.Context, i int64, state any) error {
		return o.do(withSimAPI(ctx, via.String()), i, state)
	}}, nil
}

type simAPIKey struct{}

// withSimAPI makes direct calls under ctx go to api instead of the simulator.
func withSimAPI(ctx context.Context, api string) context.Context {
	return context.WithValue(ctx, simAPIKey{}, api)
}

// Close stops what Setup started.
func (e *Env) Close() {
	if e.hop != nil {
		e.hop.Close()
	}
	if e.sink != nil {
		e.sink.Close()
	}
	if e.Node != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		e.Node.Close(ctx)
		cancel()
	}
	if e.Sim != nil {
		e.Sim.Close()
	}
	if e.tmp != "" {
		os.RemoveAll(e.tmp)
	}
}

// serveLoopback serves h on a free loopback port until the server is closed.
func serveLoopback(h http.Handler) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }() // ends with Close
	return srv, ln.Addr().String(), nil
}

// startWebhookSink serves a receiver that counts and accepts every delivery,
// and registers it as an endpoint for all events (test mode allows a
// loopback URL).
func (e *Env) startWebhookSink(ctx context.Context, c *client.Client) error {
	var addr string
	var err error
	e.sink, addr, err = serveLoopback(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		e.Delivered.Add(1)
	}))
	if err != nil {
		return err
	}
	u := "http://" + addr + "/kasa"
	if _, err := c.CreateWebhookEndpoint(ctx, &client.WebhookEndpointRequest{URL: &u, EventTypes: []string{"*"}}); err != nil {
		return fmt.Errorf("bench: create webhook endpoint: %w", err)
	}
	return nil
}

// post sends one API request and checks its status and a fragment of its body.
func (e *Env) post(ctx context.Context, path, idemKey string, body []byte, wantStatus int, want string) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL+path, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+e.Key)
	req.Header.Set("Content-Type", "application/json")
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	return e.roundTrip(req, wantStatus, want)
}

func (e *Env) roundTrip(req *http.Request, wantStatus int, want string) ([]byte, http.Header, error) {
	resp, err := e.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != wantStatus || !bytes.Contains(b, []byte(want)) {
		return b, resp.Header, fmt.Errorf("%s %s: %d %.200s", req.Method, req.URL.Path, resp.StatusCode, b)
	}
	return b, resp.Header, nil
}

// KasaSale is one non-3D sale through Kasa.
func (e *Env) KasaSale(ctx context.Context, _ int64, _ any) error {
	_, _, err := e.post(ctx, "/v1/payments", id.Random(24), e.saleBody, http.StatusCreated, `"status":"succeeded"`)
	return err
}

// KasaThreeD is one 3D-model sale: the API call, then the customer's
// browser through Kasa's hand-off, the simulator's gate and ACS challenge,
// Kasa's callback (hash check, provisioning at the bank) and the redirect
// to the merchant, all timed together.
func (e *Env) KasaThreeD(ctx context.Context, _ int64, _ any) error {
	b, _, err := e.post(ctx, "/v1/payments", id.Random(24), e.threeDBody, http.StatusCreated, `"requires_action"`)
	if err != nil {
		return err
	}
	var p struct {
		NextAction struct {
			RedirectURL string `json:"redirect_url"`
		} `json:"next_action"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	final, _, _, err := customer.DriveWith(e.browser, p.NextAction.RedirectURL, customer.ACS{Code: banksim.ACSCode})
	if err != nil {
		return err
	}
	if !strings.Contains(final, "status=succeeded") {
		return fmt.Errorf("3D sale ended at %s", final)
	}
	return nil
}

// KasaSaleIdem sends a sale and then the same request again with the same
// idempotency key; the second must be a replay that never reaches the bank.
func (e *Env) KasaSaleIdem(ctx context.Context, _ int64, _ any) error {
	key := id.Random(24)
	b1, _, err := e.post(ctx, "/v1/payments", key, e.saleBody, http.StatusCreated, `"status":"succeeded"`)
	if err != nil {
		return err
	}
	b2, h, err := e.post(ctx, "/v1/payments", key, e.saleBody, http.StatusCreated, `"status":"succeeded"`)
	if err != nil {
		return err
	}
	if h.Get("Idempotent-Replayed") != "true" || !bytes.Equal(b1, b2) {
		return fmt.Errorf("idempotent replay differs from the first response")
	}
	return nil
}

// KasaSaleForRefund makes the sale a refund needs (untimed).
func (e *Env) KasaSaleForRefund(ctx context.Context, _ int64) (any, error) {
	b, _, err := e.post(ctx, "/v1/payments", id.Random(24), e.saleBody, http.StatusCreated, `"status":"succeeded"`)
	if err != nil {
		return nil, err
	}
	var p struct {
		ID string `json:"id"`
	}
	return p.ID, json.Unmarshal(b, &p)
}

// KasaRefund refunds part of the sale: a partial refund goes to the bank as a
// refund (credit), not a void.
func (e *Env) KasaRefund(ctx context.Context, _ int64, state any) error {
	_, _, err := e.post(ctx, "/v1/payments/"+state.(string)+"/refunds", id.Random(24), []byte(`{"amount":5000}`),
		http.StatusOK, `"amount_refunded":5000`)
	return err
}

// KasaList is one list query; i rotates the filters.
func (e *Env) KasaList(ctx context.Context, i int64, _ any) error {
	q := [...]string{"limit=20", "limit=20&status=declined", "limit=20&card_last4=" + fmt.Sprintf("%04d", i%100),
		"limit=20&created_to=" + time.Now().Add(-time.Duration(i%300)*24*time.Hour).UTC().Format(time.RFC3339)}[i%4]
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.URL+"/v1/payments?"+q, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+e.Key)
	_, _, err = e.roundTrip(req, http.StatusOK, `"object":"list"`)
	return err
}

// cc5 builds the CC5Request Kasa's EST adapter sends for the same sale.
func (e *Env) cc5(typ, orderID, total string, withCard bool) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><CC5Request>`)
	el := func(k, v string) { b.WriteString("<" + k + ">" + v + "</" + k + ">") }
	el("Name", e.creds["api_user"])
	el("Password", e.creds["api_password"])
	el("ClientId", e.creds["client_id"])
	el("Type", typ)
	el("IPAddress", "203.0.113.7")
	el("Email", "ayse@example.com")
	el("OrderId", orderID)
	el("Total", total)
	el("Currency", "949")
	if withCard {
		el("Taksit", "")
		el("Number", e.card.PAN)
		el("Expires", e.card.Expiry)
		el("Cvv2Val", e.card.CVV)
		b.WriteString("<BillTo><Name>Ayse Yilmaz</Name></BillTo>")
	}
	el("Mode", "P")
	b.WriteString("</CC5Request>")
	return []byte(b.String())
}

func (e *Env) direct(ctx context.Context, body []byte) error {
	api := e.simAPI
	if via, ok := ctx.Value(simAPIKey{}).(string); ok {
		api = via
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, api, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
	_, _, err = e.roundTrip(req, http.StatusOK, "<Response>Approved</Response>")
	return err
}

// DirectSale is the same sale sent straight to the simulator.
func (e *Env) DirectSale(ctx context.Context, _ int64, _ any) error {
	return e.direct(ctx, e.cc5("Auth", "B"+id.Random(19), "125.50", true))
}

// DirectSaleForRefund makes the direct sale a direct refund needs (untimed).
func (e *Env) DirectSaleForRefund(ctx context.Context, _ int64) (any, error) {
	oid := "B" + id.Random(19)
	return oid, e.direct(ctx, e.cc5("Auth", oid, "125.50", true))
}

// DirectRefund is the partial refund sent straight to the simulator.
func (e *Env) DirectRefund(ctx context.Context, _ int64, state any) error {
	return e.direct(ctx, e.cc5("Credit", state.(string), "50.00", false))
}

// bulkInserter is the store's history generator (sqlstore.Store has it).
type bulkInserter interface {
	BulkInsertPayments(ctx context.Context, ps []*store.Payment) error
}

// Seed inserts n payments of the bench merchant spread over the last year,
// in batched multi-row INSERTs, for the list scenario. Against a remote Kasa
// it needs the database URL of that Kasa.
func (e *Env) Seed(ctx context.Context, n int) error {
	st := store.Store(nil)
	if e.Node != nil {
		st = e.Node.Store
	} else {
		if e.dbURL == "" {
			return fmt.Errorf("bench: seeding a remote Kasa needs --database-url (its database)")
		}
		var err error
		if st, err = server.OpenStore(ctx, server.Config{DatabaseURL: e.dbURL}); err != nil {
			return err
		}
		defer st.Close()
		var m struct {
			ID string `json:"id"`
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.URL+"/v1/merchant", nil)
		req.Header.Set("Authorization", "Bearer "+e.Key)
		b, _, err := e.roundTrip(req, http.StatusOK, `"id"`)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return err
		}
		e.merchantID = m.ID
	}
	bi, ok := st.(bulkInserter)
	if !ok {
		return fmt.Errorf("bench: store %T has no bulk insert", st)
	}
	start := time.Now()
	const batch = 10_000
	now := time.Now().UTC()
	prefix := id.Random(6) // payment ids are unique across seeds
	statuses := []string{store.StatusSucceeded, store.StatusSucceeded, store.StatusSucceeded, store.StatusSucceeded,
		store.StatusSucceeded, store.StatusSucceeded, store.StatusSucceeded, store.StatusDeclined, store.StatusFailed, store.StatusSucceeded}
	ps := make([]*store.Payment, 0, batch)
	for done := 0; done < n; {
		ps = ps[:0]
		for j := 0; j < batch && done+j < n; j++ {
			k := done + j
			at := now.Add(-time.Duration(int64(k) * int64(365*24*time.Hour) / int64(n)))
			st := statuses[k%len(statuses)]
			// Zero-padded sequence numbers keep the id index appending at its
			// end instead of splitting pages all over the tree; bank order
			// ids come from the generator live payments use, so a sale
			// measured after the seed inserts into an index shaped as in
			// production.
			seq := fmt.Sprintf("%010d", k)
			p := &store.Payment{ID: "pay_seed" + prefix + seq, MerchantID: e.merchantID, Mode: store.ModeTest,
				POSID: e.POSID, OrderID: "SO-" + seq, BankOrderID: id.BankOrder(20), Status: st,
				Amount: int64(1000 + k%50000), Currency: "TRY", Installments: 1, Capture: true,
				CardBIN: "435508", CardLast4: fmt.Sprintf("%04d", k%100), CardBrand: "visa", CardHolder: "Seed",
				Description: "seed", CustomerEmail: "seed@example.com", CustomerIP: "203.0.113.7",
				RoutingReason: "seed", CreatedAt: at, UpdatedAt: at}
			if st == store.StatusSucceeded {
				p.AuthorizedAmount, p.CapturedAmount, p.BankCode = p.Amount, p.Amount, "00"
			} else {
				p.BankCode = "05"
			}
			ps = append(ps, p)
		}
		if err := bi.BulkInsertPayments(ctx, ps); err != nil {
			return err
		}
		done += len(ps)
		if w := progressOf(ctx); w != nil {
			fmt.Fprintf(w, "\r\033[Kseed   %d/%d rows  %.0f rows/s", done, n, float64(done)/time.Since(start).Seconds())
		}
	}
	if w := progressOf(ctx); w != nil {
		fmt.Fprintf(w, "\r\033[Kseeded %d rows in %s\n", n, time.Since(start).Round(time.Millisecond))
	}
	return nil
}

type progressKey struct{}

// WithProgress makes Seed print its progress to w.
func WithProgress(ctx context.Context, w io.Writer) context.Context {
	return context.WithValue(ctx, progressKey{}, w)
}

func progressOf(ctx context.Context) io.Writer {
	w, _ := ctx.Value(progressKey{}).(io.Writer)
	return w
}

// ServerRSSMB reads process_resident_memory_bytes from the node's /metrics.
func (e *Env) ServerRSSMB(ctx context.Context) float64 {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.URL+"/metrics", nil)
	if err != nil {
		return 0
	}
	resp, err := e.http.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "process_resident_memory_bytes "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return round3(f / (1 << 20))
		}
	}
	return 0
}

// Machine describes where the run happened.
type Machine struct {
	CPUs       int    `json:"nproc"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	CPUModel   string `json:"cpu_model"`
	GoVersion  string `json:"go"`
}

func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), GoVersion: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}
