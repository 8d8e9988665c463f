package gateway

import (
	"fmt"
	"slices"
	"sort"
	"strings"
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

// CapabilityMarkdown renders the registry as the README's table of
// protocols, banks and operations, so the documentation is generated from
// what the code registers.
func CapabilityMarkdown() string {
	var b strings.Builder
	b.WriteString("| protocol | banks | sale | pre-auth + capture | void | refund | status | history | 3D models | currencies |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	mark := func(ok bool) string {
		if ok {
			return "✔"
		}
		return "—"
	}
	for _, d := range Protocols() {
		creds := map[string]string{}
		for _, f := range d.Credentials {
			if f.Required || f.Secret {
				creds[f.Key] = "x"
			}
		}
		// Built on its first preset's endpoints, which some adapters check
		// the shape of; never called.
		ep := Endpoints{API: "http://127.0.0.1/", ThreeDGate: "http://127.0.0.1/3d"}
		if len(d.Presets) > 0 {
			ep = d.Presets[0].Endpoints
		}
		g, err := d.New(Config{Credentials: creds, Endpoints: ep})
		if err != nil {
			fmt.Fprintf(&b, "| `%s` | %s | (cannot build: %v) |\n", d.Name, d.Title, err)
			continue
		}
		var banks []string
		for _, p := range d.Presets {
			if !slices.Contains(banks, p.Bank) {
				banks = append(banks, p.Bank)
			}
		}
		var curs []string
		for _, c := range d.Currencies {
			curs = append(curs, c.Code)
		}
		models := "—"
		if Supports(g, Op3D) && len(d.ThreeDModels) > 0 {
			models = strings.Join(d.ThreeDModels, ", ")
		}
		fmt.Fprintf(&b, "| `%s` (%s) | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			d.Name, d.Title, strings.Join(banks, ", "), mark(Supports(g, OpAuthorize)), mark(Supports(g, OpCapture)),
			mark(Supports(g, OpVoid)), mark(Supports(g, OpRefund)), mark(Supports(g, OpStatus)), mark(Supports(g, OpHistory)),
			models, strings.Join(curs, ", "))
	}
	return b.String()
}
