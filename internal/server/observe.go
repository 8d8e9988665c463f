package server

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"time"

	"github.com/kasapos/kasa/internal/metrics"
	"github.com/kasapos/kasa/internal/routing"
	"github.com/kasapos/kasa/internal/store"
)

// pinger is what /readyz needs from the store (sqlstore.Store has it).
type pinger interface {
	Ping(ctx context.Context) error
}

// instrument creates the node's metrics and hooks them into the payment
// service (bank calls) and the API (requests). A hook set before (tests,
// health tracking) keeps running after the metrics'.
func (k *Kasa) instrument() {
	backlog, _ := k.Store.(metrics.Backlog)
	k.Metrics = metrics.New(k.posProtocol, backlog)
	k.Metrics.WatchBreakers(k.Service.BreakerStates,
		[]string{string(routing.Closed), string(routing.Open), string(routing.HalfOpen)})
	if prev := k.Service.OnBankCall; prev != nil {
		k.Service.OnBankCall = func(posID string, t *store.Transaction) {
			k.Metrics.OnBankCall(posID, t)
			prev(posID, t)
		}
	} else {
		k.Service.OnBankCall = k.Metrics.OnBankCall
	}
	k.API.OnRequest = func(route, method string, status int, d time.Duration) {
		if route == "" {
			route = "unmatched" // raw paths would make labels unbounded
		}
		k.Metrics.ObserveHTTP(route, method, status, d)
	}
}

// posProtocol finds a POS's protocol for the metrics' labels; the metrics
// cache the answer, so this runs once per POS per node.
func (k *Kasa) posProtocol(ctx context.Context, posID string) string {
	all, err := k.Store.AllPOS(ctx)
	if err != nil {
		return ""
	}
	for _, p := range all {
		if p.ID == posID {
			return p.Protocol
		}
	}
	return ""
}

// opsRoutes adds /metrics and /readyz to the node's root mux. /healthz (in
// the API) says the process serves; /readyz says it can do useful work: its
// database answers.
func (k *Kasa) opsRoutes(root *http.ServeMux) {
	var h http.Handler = k.Metrics.Handler()
	if tok := k.Config.MetricsToken; tok != "" {
		// /metrics shares the merchants' listener; a token keeps POS ids and
		// volumes from the public when the port is exposed.
		next := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte("Bearer "+tok)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="kasa-metrics"`)
				http.Error(w, "metrics token required", http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	root.Handle("GET /metrics", h)
	root.Handle("GET /readyz", k.Metrics.Instrument("GET /readyz", http.HandlerFunc(k.ready)))
}

func (k *Kasa) ready(w http.ResponseWriter, r *http.Request) {
	status, body := http.StatusOK, map[string]string{"status": "ready"}
	if p, ok := k.Store.(pinger); ok {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := p.Ping(ctx); err != nil {
			// The error text names no secret: drivers omit passwords.
			status, body = http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": "database: " + err.Error()}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
