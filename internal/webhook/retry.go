package webhook

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// DefaultSchedule is Standard Webhooks' example retry schedule after the
// first, immediate attempt. Its last step repeats until RetryFor has passed.
var DefaultSchedule = []time.Duration{
	5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour,
	10 * time.Hour, 14 * time.Hour, 20 * time.Hour, 24 * time.Hour,
}

// DefaultRetryFor is how long a delivery is retried before it fails (WH-3:
// at least three days, as Stripe and Standard Webhooks do).
const DefaultRetryFor = 72 * time.Hour

// RetryPolicy decides when a failed delivery is tried again.
type RetryPolicy struct {
	Schedule []time.Duration // step n is the bound of the delay after failed attempt n+1
	RetryFor time.Duration   // no retry once the delivery is this old
	// Jitter returns a uniform random int64 in [0, n); nil uses math/rand/v2.
	Jitter func(n int64) int64
}

// Next returns when to retry after failed attempt number attempt (1-based)
// of a delivery created at created, failing at now; ok is false when the
// delivery should be given up. The delay is drawn with full jitter from
// (0, step]: deliveries that failed together during a merchant's outage
// spread out instead of retrying in lockstep. retryAfter (the receiver's
// Retry-After, 0 if none) is honoured as a lower bound, up to the largest step.
func (p RetryPolicy) Next(attempt int, created, now time.Time, retryAfter time.Duration) (next time.Time, ok bool) {
	sched := p.Schedule
	if len(sched) == 0 {
		sched = DefaultSchedule
	}
	retryFor := p.RetryFor
	if retryFor <= 0 {
		retryFor = DefaultRetryFor
	}
	if now.Sub(created) >= retryFor {
		return time.Time{}, false
	}
	step := sched[min(max(attempt, 1), len(sched))-1]
	jitter := p.Jitter
	if jitter == nil {
		jitter = rand.Int64N
	}
	delay := time.Duration(jitter(int64(step))) + 1
	if retryAfter > delay {
		delay = min(retryAfter, sched[len(sched)-1])
	}
	return now.Add(delay), true
}

// retryAfter reads a Retry-After header (seconds or an HTTP date).
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
