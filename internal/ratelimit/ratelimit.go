// Package ratelimit holds Kasa's in-memory limits (API-3): token buckets
// keyed by API key or client IP, and a failed-authorisation velocity limit
// keyed by card fingerprint (against card testing).
//
// State lives in the memory of one node. With several nodes behind a load
// balancer each node enforces its own buckets, so the effective limit is up
// to N times the configured one; the card velocity limit likewise counts
// only the declines a node saw. A shared store (PostgreSQL or Redis) would be
// needed for exact cluster-wide limits.
package ratelimit

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Buckets is a set of token buckets, one per key, each holding at most
// Burst tokens and refilled at Rate per second.
type Buckets struct {
	Rate  float64 // tokens per second
	Burst float64
	Now   func() time.Time // nil: time.Now

	mu sync.Mutex
	m  map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxKeys bounds memory: past it, full (idle) buckets are dropped.
const maxKeys = 100000

func (b *Buckets) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

// Allow takes a token for key. When none is left it returns false and how
// long until one is.
func (b *Buckets) Allow(key string) (bool, time.Duration) {
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[string]*bucket{}
	}
	k, ok := b.m[key]
	if !ok {
		if len(b.m) >= maxKeys {
			b.sweep(now)
		}
		k = &bucket{tokens: b.Burst, at: now}
		b.m[key] = k
	}
	if el := now.Sub(k.at).Seconds(); el > 0 {
		k.tokens = math.Min(b.Burst, k.tokens+el*b.Rate)
	}
	k.at = now
	if k.tokens >= 1 {
		k.tokens--
		return true, 0
	}
	wait := time.Duration((1 - k.tokens) / b.Rate * float64(time.Second))
	return false, wait
}

func (b *Buckets) sweep(now time.Time) {
	for key, k := range b.m {
		if k.tokens+now.Sub(k.at).Seconds()*b.Rate >= b.Burst {
			delete(b.m, key)
		}
	}
}

// Velocity counts failures per key in a sliding window and blocks a key
// once it has Max failures within Window.
type Velocity struct {
	Max    int
	Window time.Duration
	Now    func() time.Time

	mu sync.Mutex
	m  map[string][]time.Time
}

func (v *Velocity) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// recent drops failures older than the window; v.mu is held.
func (v *Velocity) recent(key string, now time.Time) []time.Time {
	ts := v.m[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= v.Window {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(v.m, key)
	} else {
		v.m[key] = ts
	}
	return ts
}

// Blocked reports whether key is blocked now, and for how long.
func (v *Velocity) Blocked(key string) (bool, time.Duration) {
	now := v.now()
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil {
		return false, 0
	}
	ts := v.recent(key, now)
	if len(ts) < v.Max {
		return false, 0
	}
	// Unblocked once enough of the oldest failures leave the window.
	return true, ts[len(ts)-v.Max].Add(v.Window).Sub(now)
}

// Fail records a failure for key.
func (v *Velocity) Fail(key string) {
	now := v.now()
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil {
		v.m = map[string][]time.Time{}
	}
	if len(v.m) >= maxKeys {
		for k := range v.m {
			v.recent(k, now)
		}
	}
	ts := append(v.recent(key, now), now)
	if len(ts) > v.Max {
		ts = ts[len(ts)-v.Max:] // only the newest Max matter
	}
	v.m[key] = ts
}

// Handler limits the requests of h that match (all when match is nil) by
// key (the client IP when key is nil), answering 429 with Retry-After.
func (b *Buckets) Handler(match func(*http.Request) bool, key func(*http.Request) string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if match == nil || match(r) {
			k := ""
			if key != nil {
				k = key(r)
			} else if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
				k = host
			} else {
				k = r.RemoteAddr
			}
			if ok, wait := b.Allow(k); !ok {
				w.Header().Set("Retry-After", strconv.Itoa(max(1, int((wait+time.Second-1)/time.Second))))
				w.Header().Set("Cache-Control", "no-store")
				http.Error(w, "Çok fazla deneme / Too many attempts: please wait and try again.", http.StatusTooManyRequests)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}
