// Package banksim holds what Kasa's bank simulators share: the order book,
// the decline-trigger table, fault injection, the /_sim control API and the
// HTTP server lifecycle. Each protocol's simulator (banksim/est3, ...) is
// written from the bank's documentation, never from Kasa's adapter, and
// speaks the real wire format over real HTTP.
//
// Simulators are test and demo tools: the control API is unauthenticated and
// must never be exposed beyond a developer machine or CI.
package banksim

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Core is the protocol-independent part of a simulator. A protocol package
// adds its routes to Mux and answers through Respond, which applies faults.
type Core struct {
	book   *Book
	faults *Faults
	mux    *http.ServeMux
	log    *slog.Logger

	done      chan struct{} // closed by Close: ends every hang
	closeOnce sync.Once

	mu     sync.Mutex
	closed bool
	active sync.WaitGroup // handlers in flight
	srv    *http.Server
	url    string

	acs acsStore // pending 3-D Secure challenges
}

// NewCore returns a core with the /_sim control routes installed.
// log may be nil.
func NewCore(log *slog.Logger) *Core {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Core{
		book:   NewBook(),
		faults: NewFaults(),
		mux:    http.NewServeMux(),
		log:    log,
		done:   make(chan struct{}),
	}
	c.mux.HandleFunc("GET /_sim/faults", c.getFaults)
	c.mux.HandleFunc("POST /_sim/faults", c.postFaults)
	c.mux.HandleFunc("DELETE /_sim/faults", c.deleteFaults)
	c.mux.HandleFunc("GET /_sim/orders", c.listOrders)
	c.mux.HandleFunc("GET /_sim/orders/{id}", c.getOrder)
	c.mux.HandleFunc("GET /_sim/stats", c.stats)
	c.mux.HandleFunc("POST /_sim/reset", c.reset)
	c.mux.HandleFunc("POST /_sim/batch/close", c.closeBatch)
	c.mux.HandleFunc("POST /_acs/{id}", c.handleACS)
	return c
}

// Book is the simulator's order book.
func (c *Core) Book() *Book { return c.book }

// Faults is the simulator's fault schedule.
func (c *Core) Faults() *Faults { return c.faults }

// Mux is where protocol packages register their routes.
func (c *Core) Mux() *http.ServeMux { return c.mux }

// Log is the simulator's logger. Never pass it card numbers or CVVs.
func (c *Core) Log() *slog.Logger { return c.log }

// Done is closed when the simulator closes.
func (c *Core) Done() <-chan struct{} { return c.done }

// Reset empties the book and clears faults.
func (c *Core) Reset() {
	c.book.Reset()
	c.faults.Clear()
}

// CloseBatch settles every open order (the bank's end of day).
func (c *Core) CloseBatch() int { return c.book.CloseBatch() }

// Handler serves the protocol routes and the control API. It may be mounted
// in another server; Close still ends its hanging requests.
func (c *Core) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			http.Error(w, "simulator closed", http.StatusServiceUnavailable)
			return
		}
		c.active.Add(1)
		c.mu.Unlock()
		defer c.active.Done()
		c.mux.ServeHTTP(w, r)
	})
}

// Start listens on addr ("" means 127.0.0.1:0, a free loopback port) and
// serves in the background. It returns the base URL, e.g. http://127.0.0.1:41234.
func (c *Core) Start(addr string) (string, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return "", errors.New("banksim: simulator closed")
	}
	if c.srv != nil {
		return "", errors.New("banksim: already started")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	c.srv = &http.Server{Handler: c.Handler(), ReadHeaderTimeout: 10 * time.Second}
	c.url = "http://" + ln.Addr().String()
	go func(srv *http.Server) {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			c.log.Error("banksim: serve", "err", err)
		}
	}(c.srv)
	return c.url, nil
}

// URL is the base URL after Start.
func (c *Core) URL() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.url
}

// Close stops the listener, drops connections, ends hanging requests and
// waits for every handler to return.
func (c *Core) Close() error {
	var err error
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.closed = true
		srv := c.srv
		c.mu.Unlock()
		close(c.done)
		if srv != nil {
			err = srv.Close()
		}
		c.active.Wait()
	})
	return err
}

// Respond answers one protocol request of operation op, applying the fault
// scheduled for it. process does the bank's work (validating, updating the
// book) and returns the reply body; it is not called when the fault says the
// request is lost before processing.
func (c *Core) Respond(w http.ResponseWriter, r *http.Request, op, contentType string, process func() []byte) {
	f := c.faults.Take(op)
	if f.Kind != KindNone {
		c.log.Info("banksim: injecting fault", "op", op, "fault", string(f.Kind))
	}
	switch f.Kind {
	case KindTimeoutBefore:
		c.hang(r.Context())
	case KindHTTP500:
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	case KindSlow:
		if !c.sleep(r.Context(), f.Delay) {
			panic(http.ErrAbortHandler)
		}
	}
	body := process()
	switch f.Kind {
	case KindTimeoutAfter:
		c.hang(r.Context())
	case KindHTTP500After:
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
	case KindMalformed:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "<html><body>Proxy Error\x00\xff\xfe</body") //nolint:errcheck // best effort
	case KindTruncated:
		cut := body[:len(body)/2]
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(http.StatusOK)
		w.Write(cut) //nolint:errcheck // best effort
	case KindReset:
		resetConn(w)
	default:
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(http.StatusOK)
		w.Write(body) //nolint:errcheck // the client may be gone
	}
}

// hang blocks until the client gives up or the simulator closes, then aborts
// the response: returning normally would send an empty 200.
func (c *Core) hang(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-c.done:
	}
	panic(http.ErrAbortHandler)
}

// sleep waits d; false if the client left or the simulator closed first.
func (c *Core) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-c.done:
	}
	return false
}

// resetConn drops the connection with a TCP RST (SO_LINGER 0), as a crashing
// load balancer would, without any HTTP response.
func resetConn(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler) // aborts the response (HTTP/2 stream reset)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0) //nolint:errcheck // best effort
	}
	conn.Close()
}

// --- control API ---

// FaultRequest is the body of POST /_sim/faults.
//
//	{"op": "Auth", "fault": "timeout_after", "count": 1}   next Auth hangs after committing
//	{"op": "*", "fault": "slow", "delay_ms": 300, "default": true}   every request is slow
//	{"op": "*", "fault": "", "default": true}   remove the default for "*"
//	{"clear": true}   remove everything
type FaultRequest struct {
	Op      string `json:"op"`
	Fault   string `json:"fault"`
	DelayMS int    `json:"delay_ms"`
	Count   int    `json:"count"`
	Default bool   `json:"default"`
	Clear   bool   `json:"clear"`
}

// Apply applies a control request to a schedule.
func (f *Faults) Apply(req FaultRequest) error {
	if req.Clear {
		f.Clear()
		return nil
	}
	fault, err := ParseFault(req.Fault, req.DelayMS)
	if err != nil {
		return err
	}
	if req.Default {
		f.SetDefault(req.Op, fault)
		return nil
	}
	if fault.Kind == KindNone {
		return errors.New("banksim: fault is required (or default/clear)")
	}
	f.Next(req.Op, fault, req.Count)
	return nil
}

func (c *Core) getFaults(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, c.faults.State())
}

func (c *Core) postFaults(w http.ResponseWriter, r *http.Request) {
	var req FaultRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	if err := c.faults.Apply(req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, c.faults.State())
}

func (c *Core) deleteFaults(w http.ResponseWriter, _ *http.Request) {
	c.faults.Clear()
	writeJSON(w, http.StatusOK, c.faults.State())
}

func (c *Core) listOrders(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, c.book.All())
}

// getOrder answers GET /_sim/orders/{id}[?merchant=...]. With one merchant
// using the id (the usual case) the order is returned as an object.
func (c *Core) getOrder(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if m := r.URL.Query().Get("merchant"); m != "" {
		if o, ok := c.book.Get(m, id); ok {
			writeJSON(w, http.StatusOK, o)
			return
		}
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such order"})
		return
	}
	switch found := c.book.Find(id); len(found) {
	case 0:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such order"})
	case 1:
		writeJSON(w, http.StatusOK, found[0])
	default:
		writeJSON(w, http.StatusConflict, map[string]string{"error": "order id used by several merchants; add ?merchant="})
	}
}

// Stats is the body of GET /_sim/stats.
type Stats struct {
	Orders        map[OrderState]int `json:"orders"`
	ApprovedTotal map[string]int64   `json:"approved_total"` // minor units per currency
}

func (c *Core) stats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, Stats{Orders: c.book.Counts(), ApprovedTotal: c.book.ApprovedTotal()})
}

func (c *Core) reset(w http.ResponseWriter, _ *http.Request) {
	c.Reset()
	writeJSON(w, http.StatusOK, map[string]bool{"reset": true})
}

func (c *Core) closeBatch(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]int{"settled": c.CloseBatch()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v) //nolint:errcheck // client may be gone
}
