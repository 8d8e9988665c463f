package gateway

import (
	"fmt"
	"sort"
	"sync"
)

var (
	regMu    sync.RWMutex
	registry = map[string]*Descriptor{}
)

// Register makes a protocol available by name. It panics on a duplicate, as
// database/sql.Register does, because that is a programming error.
func Register(d *Descriptor) {
	regMu.Lock()
	defer regMu.Unlock()
	if d == nil || d.New == nil || d.Name == "" {
		panic("gateway: Register of an incomplete descriptor")
	}
	if _, dup := registry[d.Name]; dup {
		panic("gateway: Register called twice for " + d.Name)
	}
	registry[d.Name] = d
}

// Lookup returns the descriptor of a registered protocol.
func Lookup(name string) (*Descriptor, error) {
	regMu.RLock()
	defer regMu.RUnlock()
	d, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownProtocol, name)
	}
	return d, nil
}

// Protocols lists registered protocols by name.
func Protocols() []*Descriptor {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]*Descriptor, 0, len(registry))
	for _, d := range registry {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
