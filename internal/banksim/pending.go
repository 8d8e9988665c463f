package banksim

import (
	"sync"
	"time"
)

// Pending holds short-lived gate state under random ids: 3D sessions
// waiting for their provisioning call, hosted card pages waiting for the
// card. An entry is used at most once and lapses after its TTL (wall clock,
// as a real gate's session store). It is safe for concurrent use.
type Pending[T any] struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]pendingEntry[T]
}

type pendingEntry[T any] struct {
	v       T
	expires time.Time
}

// NewPending returns an empty store whose entries live for ttl.
func NewPending[T any](ttl time.Duration) *Pending[T] {
	return &Pending[T]{ttl: ttl, m: map[string]pendingEntry[T]{}}
}

// Put stores v under id, dropping lapsed entries.
func (p *Pending[T]) Put(id string, v T) {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, e := range p.m {
		if now.After(e.expires) {
			delete(p.m, k)
		}
	}
	p.m[id] = pendingEntry[T]{v: v, expires: now.Add(p.ttl)}
}

// Take removes the entry id and returns it, unless it is missing or lapsed,
// or accept (if not nil) refuses it: a refused entry stays for a correct
// request. accept runs under the store's lock, so one entry is never taken
// twice.
func (p *Pending[T]) Take(id string, accept func(T) bool) (T, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.m[id]
	if !ok || time.Now().After(e.expires) || (accept != nil && !accept(e.v)) {
		var zero T
		return zero, false
	}
	delete(p.m, id)
	return e.v, true
}
