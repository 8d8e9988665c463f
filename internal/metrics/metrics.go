// Package metrics is Kasa's Prometheus instrumentation: HTTP requests, bank
// calls, approvals and declines per POS, the webhook backlog and resolver
// runs, served at /metrics.
//
// Labels are bounded on purpose: routes are the API's patterns (never raw
// paths, which hold payment ids), and POS ids are a merchant's configured
// terminals, a few per merchant.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kasapos/kasa/internal/store"
)

// Metrics holds one node's collectors in its own registry, so that several
// nodes in one process (tests) do not collide in the global one.
type Metrics struct {
	Registry *prometheus.Registry

	httpRequests *prometheus.CounterVec
	httpLatency  *prometheus.HistogramVec
	bankLatency  *prometheus.HistogramVec
	bankOutcomes *prometheus.CounterVec
	resolverRuns *prometheus.CounterVec
	resolved     prometheus.Counter

	// protocolOf names a POS's protocol for the bank-call labels.
	protocolOf func(ctx context.Context, posID string) string
	protocols  sync.Map // posID → protocol; a POS never changes protocol
}

// Backlog is what the webhook-backlog gauge needs from the store
// (sqlstore.Store has it).
type Backlog interface {
	PendingWebhookDeliveries(ctx context.Context) (int64, error)
}

// New registers Kasa's metrics plus the Go runtime and process collectors.
// protocolOf resolves a POS id to its protocol (called once per POS); backlog
// may be nil, which leaves the backlog gauge out.
func New(protocolOf func(ctx context.Context, posID string) string, backlog Backlog) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry:   reg,
		protocolOf: protocolOf,
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kasa_http_requests_total", Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "status"}),
		httpLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "kasa_http_request_duration_seconds", Help: "Time to answer an HTTP request, by route pattern.",
			// From sub-millisecond reads to slow bank calls.
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route"}),
		bankLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "kasa_bank_call_duration_seconds", Help: "Bank call latency, by POS, protocol and operation (sale, pre_auth, capture, void, refund, status...).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"pos_id", "protocol", "operation"}),
		bankOutcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kasa_bank_outcomes_total", Help: "Finished bank calls by POS, operation and outcome (approved, declined, rejected, not_sent, unknown).",
		}, []string{"pos_id", "operation", "outcome"}),
		resolverRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kasa_resolver_runs_total", Help: "Resolver passes over open payments, by result (ok, error).",
		}, []string{"result"}),
		resolved: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kasa_resolver_settled_total", Help: "Payments the resolver settled by status query.",
		}),
	}
	reg.MustRegister(m.httpRequests, m.httpLatency, m.bankLatency, m.bankOutcomes, m.resolverRuns, m.resolved,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if backlog != nil {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kasa_webhook_backlog", Help: "Webhook deliveries pending (not yet delivered, failed for good or disabled).",
		}, func() float64 {
			// Runs at scrape time only; a database that does not answer
			// within the bound shows as -1 rather than stalling the scrape.
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := backlog.PendingWebhookDeliveries(ctx)
			if err != nil {
				return -1
			}
			return float64(n)
		}))
	}
	return m
}

// breakerStates is kasa_pos_circuit_state: one series per POS and state,
// 1 for the state the POS's breaker is in, 0 for the others, read at scrape.
type breakerStates struct {
	desc   *prometheus.Desc
	states func() map[string]string
	names  []string
}

func (b *breakerStates) Describe(ch chan<- *prometheus.Desc) { ch <- b.desc }

func (b *breakerStates) Collect(ch chan<- prometheus.Metric) {
	for pos, cur := range b.states() {
		for _, st := range b.names {
			v := 0.0
			if st == cur {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(b.desc, prometheus.GaugeValue, v, pos, st)
		}
	}
}

// WatchBreakers exports the circuit breakers' states; states lists each
// POS's current state, names every state there is.
func (m *Metrics) WatchBreakers(states func() map[string]string, names []string) {
	m.Registry.MustRegister(&breakerStates{
		desc: prometheus.NewDesc("kasa_pos_circuit_state",
			"Circuit breaker state per POS on this node: 1 for the current state (closed, open, half_open).",
			[]string{"pos_id", "state"}, nil),
		states: states, names: names,
	})
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}

// ObserveHTTP counts one answered request. route is the matched pattern
// ("POST /v1/payments"), or a fixed name for unmatched paths.
func (m *Metrics) ObserveHTTP(route, method string, status int, d time.Duration) {
	m.httpRequests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.httpLatency.WithLabelValues(route).Observe(d.Seconds())
}

// OnBankCall has payment.Service.OnBankCall's signature: it records one
// finished bank call (its timeline row carries kind, status and latency).
func (m *Metrics) OnBankCall(posID string, t *store.Transaction) {
	m.bankLatency.WithLabelValues(posID, m.protocol(posID), t.Kind).Observe(float64(t.LatencyMS) / 1000)
	m.bankOutcomes.WithLabelValues(posID, t.Kind, t.Status).Inc()
}

// ObserveResolver records one resolver pass.
func (m *Metrics) ObserveResolver(settled int, err error) {
	if err != nil {
		m.resolverRuns.WithLabelValues("error").Inc()
	} else {
		m.resolverRuns.WithLabelValues("ok").Inc()
	}
	m.resolved.Add(float64(settled))
}

func (m *Metrics) protocol(posID string) string {
	if v, ok := m.protocols.Load(posID); ok {
		return v.(string)
	}
	p := ""
	if m.protocolOf != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		p = m.protocolOf(ctx, posID)
		cancel()
	}
	if p == "" {
		// Not cached: the next call may find it.
		return "unknown"
	}
	m.protocols.Store(posID, p)
	return p
}

// Instrument wraps a handler that has no route patterns of its own (the web
// pages) so its requests count under one fixed route name.
func (m *Metrics) Instrument(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		h.ServeHTTP(rec, r)
		m.ObserveHTTP(route, r.Method, rec.status, time.Since(start))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the real writer (flushes).
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
