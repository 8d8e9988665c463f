package routing

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/kasapos/kasa/internal/gateway"
)

// Outcome is what one bank call says about the health of its POS.
type Outcome string

const (
	// OutcomeSuccess: the bank answered (approved, or refused our request).
	OutcomeSuccess Outcome = "success"
	// OutcomeDeclined: the bank answered no. A healthy bank declines cards,
	// so it counts as a success for the breaker.
	OutcomeDeclined Outcome = "declined"
	// OutcomeNotSent: the request never reached the bank (dial, DNS, TLS,
	// refused). A failure, and the only one after which the caller may try the
	// next POS, because no money can have moved.
	OutcomeNotSent Outcome = "not_sent"
	// OutcomeTimeout: no answer in time; the bank may have acted.
	OutcomeTimeout Outcome = "timeout"
	// OutcomeServerError: the bank answered HTTP 5xx.
	OutcomeServerError Outcome = "5xx"
	// OutcomeUnknown: any other failure after sending (reset, garbled reply).
	OutcomeUnknown Outcome = "unknown"
)

// Failure reports whether the outcome counts against the POS's health.
func (o Outcome) Failure() bool {
	switch o {
	case OutcomeNotSent, OutcomeTimeout, OutcomeServerError, OutcomeUnknown:
		return true
	}
	return false
}

// FailoverSafe reports whether the caller may send the same payment to the
// next POS: only when the bank provably never saw it. After a timeout, 5xx or
// unknown the first bank may have charged the card, and only a status query
// may settle it.
func (o Outcome) FailoverSafe() bool { return o == OutcomeNotSent }

// OutcomeOf classifies an adapter's result for the breaker.
func OutcomeOf(r *gateway.Result) Outcome {
	if r == nil {
		return OutcomeUnknown
	}
	switch r.Outcome {
	case gateway.Approved, gateway.Rejected:
		return OutcomeSuccess
	case gateway.Declined:
		return OutcomeDeclined
	case gateway.NotSent:
		return OutcomeNotSent
	}
	var te *gateway.TransportError
	var ne net.Error
	switch {
	case errors.As(r.Err, &te) && te.Status >= 500:
		return OutcomeServerError
	case errors.Is(r.Err, context.DeadlineExceeded), errors.As(r.Err, &ne) && ne.Timeout():
		return OutcomeTimeout
	}
	return OutcomeUnknown
}

// State is a breaker's state.
type State string

const (
	// Closed: calls flow; failures are counted.
	Closed State = "closed"
	// Open: the POS is skipped until the cool-down has passed.
	Open State = "open"
	// HalfOpen: one probe call is let through; its outcome closes or reopens.
	HalfOpen State = "half_open"
)

// BreakerConfig tunes every POS's breaker. Zero fields take the defaults.
type BreakerConfig struct {
	ConsecutiveFailures int           // open after this many failures in a row (default 5)
	Window              time.Duration // error-rate window (default 1 min)
	MinCalls            int           // calls in the window before the rate counts (default 20)
	FailurePercent      int           // open when failures/calls in the window reach it (default 50)
	CoolDown            time.Duration // open → half-open after this long (default 30 s)
}

func (c BreakerConfig) withDefaults() BreakerConfig {
	if c.ConsecutiveFailures <= 0 {
		c.ConsecutiveFailures = 5
	}
	if c.Window <= 0 {
		c.Window = time.Minute
	}
	if c.MinCalls <= 0 {
		c.MinCalls = 20
	}
	if c.FailurePercent <= 0 || c.FailurePercent > 100 {
		c.FailurePercent = 50
	}
	if c.CoolDown <= 0 {
		c.CoolDown = 30 * time.Second
	}
	return c
}

// buckets splits the window so old calls age out in steps of Window/buckets
// instead of all at once.
const buckets = 10

type bucket struct {
	start         time.Time
	calls, failed int
}

type breaker struct {
	state       State
	consecutive int
	win         [buckets]bucket
	openedAt    time.Time
	probeAt     time.Time // when the half-open probe was let through; zero: none in flight
}

// Health keeps one circuit breaker per POS, in memory on this node. Each node
// learns on its own; that is enough to stop hammering a bank that is down.
type Health struct {
	cfg BreakerConfig
	now func() time.Time
	mu  sync.Mutex
	m   map[string]*breaker
}

// NewHealth returns a breaker registry. now is the clock (time.Now when nil);
// tests pass a fake one.
func NewHealth(cfg BreakerConfig, now func() time.Time) *Health {
	if now == nil {
		now = time.Now
	}
	return &Health{cfg: cfg.withDefaults(), now: now, m: map[string]*breaker{}}
}

func (h *Health) get(posID string) *breaker {
	b := h.m[posID]
	if b == nil {
		b = &breaker{state: Closed}
		h.m[posID] = b
	}
	return b
}

// advance moves an open breaker to half-open once its cool-down has passed,
// and frees a half-open probe slot whose report never came (the caller died),
// so a breaker cannot stay stuck.
func (h *Health) advance(b *breaker, now time.Time) {
	if b.state == Open && now.Sub(b.openedAt) >= h.cfg.CoolDown {
		b.state, b.probeAt = HalfOpen, time.Time{}
	}
	if b.state == HalfOpen && !b.probeAt.IsZero() && now.Sub(b.probeAt) >= h.cfg.CoolDown {
		b.probeAt = time.Time{}
	}
}

// Available reports, without taking anything, whether Allow would let a call
// through now. The router uses it to order candidates; the caller calls Allow
// just before sending, so a half-open POS's single probe slot goes to a
// payment that really is sent there.
func (h *Health) Available(posID string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	b, ok := h.m[posID]
	if !ok {
		return true
	}
	h.advance(b, h.now())
	return b.state == Closed || (b.state == HalfOpen && b.probeAt.IsZero())
}

// Allow reports whether a call may go to the POS now. In half-open it lets
// exactly one probe through and refuses others until the probe is reported.
// A refusal means the call was never sent: the caller moves to the next POS.
func (h *Health) Allow(posID string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	b := h.get(posID)
	now := h.now()
	h.advance(b, now)
	switch b.state {
	case Closed:
		return true
	case HalfOpen:
		if b.probeAt.IsZero() {
			b.probeAt = now
			return true
		}
	}
	return false
}

// Report feeds the outcome of a call that Allow let through.
func (h *Health) Report(posID string, o Outcome) {
	h.mu.Lock()
	defer h.mu.Unlock()
	b := h.get(posID)
	now := h.now()
	h.advance(b, now)
	fail := o.Failure()
	switch b.state {
	case Open:
		// A call that started before the breaker opened; the cool-down decides.
		return
	case HalfOpen:
		if fail {
			b.state, b.openedAt, b.probeAt = Open, now, time.Time{}
			return
		}
		*b = breaker{state: Closed}
		return
	}
	bk := h.bucket(b, now)
	bk.calls++
	if !fail {
		b.consecutive = 0
		return
	}
	bk.failed++
	b.consecutive++
	calls, failed := h.windowCounts(b, now)
	if b.consecutive >= h.cfg.ConsecutiveFailures ||
		(calls >= h.cfg.MinCalls && failed*100 >= h.cfg.FailurePercent*calls) {
		b.state, b.openedAt = Open, now
	}
}

// bucket returns the current bucket, recycling it if it holds an old slice.
func (h *Health) bucket(b *breaker, now time.Time) *bucket {
	width := h.cfg.Window / buckets
	start := now.Truncate(width)
	bk := &b.win[int(start.UnixNano()/int64(width))%buckets]
	if !bk.start.Equal(start) {
		*bk = bucket{start: start}
	}
	return bk
}

func (h *Health) windowCounts(b *breaker, now time.Time) (calls, failed int) {
	for _, bk := range b.win {
		if now.Sub(bk.start) < h.cfg.Window {
			calls += bk.calls
			failed += bk.failed
		}
	}
	return calls, failed
}

// States returns the breaker state now of every POS this node has called.
func (h *Health) States() map[string]State {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	out := make(map[string]State, len(h.m))
	for id, b := range h.m {
		h.advance(b, now)
		out[id] = b.state
	}
	return out
}

// State returns the POS's breaker state now.
func (h *Health) State(posID string) State {
	h.mu.Lock()
	defer h.mu.Unlock()
	b, ok := h.m[posID]
	if !ok {
		return Closed
	}
	h.advance(b, h.now())
	return b.state
}
