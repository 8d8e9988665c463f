package routing

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/gateway"
)

// fakeClock is the injected clock: time moves only when a test says so.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *fakeClock               { return &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }
func newTestHealth(c *fakeClock) *Health { return NewHealth(BreakerConfig{}, c.now) }
func reportN(h *Health, id string, o Outcome, n int) {
	for range n {
		h.Report(id, o)
	}
}

func TestBreakerOpensAfterConsecutiveFailures(t *testing.T) {
	for _, o := range []Outcome{OutcomeNotSent, OutcomeTimeout, OutcomeServerError, OutcomeUnknown} {
		t.Run(string(o), func(t *testing.T) {
			c := newClock()
			h := newTestHealth(c)
			reportN(h, "p", o, 4)
			if h.State("p") != Closed || !h.Allow("p") {
				t.Fatal("opened before 5 consecutive failures")
			}
			h.Report("p", o)
			if h.State("p") != Open || h.Allow("p") || h.Available("p") {
				t.Fatalf("state %s after 5 failures, want open and refusing", h.State("p"))
			}
			if h.State("other") != Closed || !h.Allow("other") {
				t.Error("breakers are per POS")
			}
		})
	}
}

func TestBreakerCoolDownProbeAndClose(t *testing.T) {
	c := newClock()
	h := newTestHealth(c)
	reportN(h, "p", OutcomeTimeout, 5)
	c.add(29 * time.Second)
	if h.State("p") != Open || h.Allow("p") {
		t.Fatal("open breaker let a call through before the cool-down")
	}
	c.add(time.Second)
	if h.State("p") != HalfOpen || !h.Available("p") {
		t.Fatalf("state %s after the cool-down, want half_open and available", h.State("p"))
	}
	if !h.Allow("p") {
		t.Fatal("half-open refused the probe")
	}
	if h.Allow("p") || h.Available("p") {
		t.Fatal("half-open let a second call through while the probe is in flight")
	}
	h.Report("p", OutcomeSuccess)
	if h.State("p") != Closed || !h.Allow("p") {
		t.Fatalf("state %s after a good probe, want closed", h.State("p"))
	}
	// Closing forgets the past: it takes 5 new failures to open again.
	reportN(h, "p", OutcomeTimeout, 4)
	if h.State("p") != Closed {
		t.Fatal("closed breaker kept old failures")
	}
}

func TestBreakerFailedProbeReopens(t *testing.T) {
	c := newClock()
	h := newTestHealth(c)
	reportN(h, "p", OutcomeServerError, 5)
	c.add(30 * time.Second)
	if !h.Allow("p") {
		t.Fatal("no probe")
	}
	h.Report("p", OutcomeNotSent)
	if h.State("p") != Open {
		t.Fatalf("state %s after a failed probe, want open", h.State("p"))
	}
	c.add(29 * time.Second) // a fresh cool-down from the probe's failure
	if h.Allow("p") {
		t.Fatal("reopened breaker let a call through early")
	}
	c.add(time.Second)
	if !h.Allow("p") {
		t.Fatal("no second probe after the second cool-down")
	}
}

// A probe whose outcome is never reported (the caller crashed) must not
// leave the POS half-open and unusable forever.
func TestBreakerLostProbeIsReplaced(t *testing.T) {
	c := newClock()
	h := newTestHealth(c)
	reportN(h, "p", OutcomeTimeout, 5)
	c.add(30 * time.Second)
	if !h.Allow("p") {
		t.Fatal("no probe")
	}
	c.add(29 * time.Second)
	if h.Allow("p") {
		t.Fatal("second probe while the first may still be running")
	}
	c.add(time.Second)
	if !h.Allow("p") {
		t.Fatal("lost probe never replaced")
	}
}

// Declines are the bank working: they never open the breaker, and they
// break a run of failures.
func TestBreakerDeclinesAreHealthy(t *testing.T) {
	c := newClock()
	h := newTestHealth(c)
	reportN(h, "p", OutcomeDeclined, 1000)
	if h.State("p") != Closed {
		t.Fatal("declines opened the breaker")
	}
	for range 10 {
		reportN(h, "p", OutcomeTimeout, 4)
		h.Report("p", OutcomeDeclined)
		c.add(10 * time.Minute) // keep the error rate out of this test
	}
	if h.State("p") != Closed {
		t.Fatal("a decline did not reset the consecutive failures")
	}
}

func TestBreakerOpensOnErrorRate(t *testing.T) {
	c := newClock()
	h := newTestHealth(c)
	// Alternate: never 5 in a row, but 50 % of the calls in the window fail.
	for i := range 19 {
		o := OutcomeSuccess
		if i%2 == 1 {
			o = OutcomeTimeout
		}
		h.Report("p", o)
		c.add(time.Second)
	}
	if h.State("p") != Closed {
		t.Fatal("opened below the minimum number of calls")
	}
	h.Report("p", OutcomeTimeout) // 20 calls, 10 failed
	if h.State("p") != Open {
		t.Fatalf("state %s at a 50%% error rate over 20 calls, want open", h.State("p"))
	}
}

func TestBreakerOldFailuresLeaveTheWindow(t *testing.T) {
	c := newClock()
	h := newTestHealth(c)
	phase := func() { // 18 calls, 9 failed: under the 20-call minimum alone
		for range 9 {
			h.Report("p", OutcomeSuccess)
			h.Report("p", OutcomeTimeout)
		}
	}
	phase()
	c.add(2 * time.Minute)
	phase()
	// Counted together they would be 36 calls at 50 %, enough to open.
	if h.State("p") != Closed {
		t.Fatalf("state %s: failures from outside the window counted", h.State("p"))
	}
	c.add(time.Second)
	phase() // within the window of the second phase: 36 calls at 50 %
	if h.State("p") != Open {
		t.Fatalf("state %s: failures inside the window not counted", h.State("p"))
	}
}

func TestOutcomeOf(t *testing.T) {
	cases := []struct {
		res  *gateway.Result
		want Outcome
	}{
		{nil, OutcomeUnknown},
		{&gateway.Result{Outcome: gateway.Approved}, OutcomeSuccess},
		{&gateway.Result{Outcome: gateway.Rejected}, OutcomeSuccess},
		{&gateway.Result{Outcome: gateway.Declined}, OutcomeDeclined},
		{&gateway.Result{Outcome: gateway.NotSent, Err: errors.New("dial tcp: connection refused")}, OutcomeNotSent},
		{&gateway.Result{Outcome: gateway.Unknown, Err: &gateway.TransportError{Outcome: gateway.Unknown, Status: 503, Err: errors.New("Service Unavailable")}}, OutcomeServerError},
		{&gateway.Result{Outcome: gateway.Unknown, Err: &gateway.TransportError{Outcome: gateway.Unknown, Err: fmt.Errorf("post: %w", context.DeadlineExceeded)}}, OutcomeTimeout},
		{&gateway.Result{Outcome: gateway.Unknown, Err: errors.New("connection reset by peer")}, OutcomeUnknown},
	}
	for _, c := range cases {
		if got := OutcomeOf(c.res); got != c.want {
			t.Errorf("OutcomeOf(%+v) = %s, want %s", c.res, got, c.want)
		}
	}
}

func TestOnlyNotSentIsFailoverSafe(t *testing.T) {
	for _, o := range []Outcome{OutcomeSuccess, OutcomeDeclined, OutcomeNotSent, OutcomeTimeout, OutcomeServerError, OutcomeUnknown} {
		if o.FailoverSafe() != (o == OutcomeNotSent) {
			t.Errorf("%s.FailoverSafe() = %v", o, o.FailoverSafe())
		}
		wantFailure := o != OutcomeSuccess && o != OutcomeDeclined
		if o.Failure() != wantFailure {
			t.Errorf("%s.Failure() = %v", o, o.Failure())
		}
	}
}
