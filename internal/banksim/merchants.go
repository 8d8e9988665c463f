package banksim

import "sync"

// Merchants is a simulator's table of merchants (or terminals) by the id
// requests name them with. The zero value is empty and ready; it is safe for
// concurrent use.
type Merchants[M any] struct {
	mu   sync.RWMutex
	byID map[string]M
}

// Add adds or replaces the merchant with this id.
func (t *Merchants[M]) Add(id string, m M) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.byID == nil {
		t.byID = map[string]M{}
	}
	t.byID[id] = m
}

// Get looks a merchant up.
func (t *Merchants[M]) Get(id string) (M, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	m, ok := t.byID[id]
	return m, ok
}
