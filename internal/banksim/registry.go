package banksim

import (
	"fmt"
	"sort"
	"sync"

	"github.com/kasapos/kasa/internal/gateway"
)

// Simulator is what every protocol simulator offers to Kasa's demo, the
// `kasa banksim` command and the conformance suite.
type Simulator interface {
	Start() (baseURL string, err error)
	Close() error
	Book() *Book
	Faults() *Faults
	CloseBatch() int
	// POS returns how a Kasa POS reaches this simulator: endpoints and the
	// credentials of its default merchant (after Start).
	POS() SimPOS
	// FaultOp names the simulator operation that serves a Kasa operation,
	// for Faults().Next (e.g. EST: authorize → "Auth", refund → "Credit").
	FaultOp(op gateway.Operation, capture bool) string
}

// SimPOS is a POS definition pointing at a running simulator.
type SimPOS struct {
	Protocol    string
	Bank        string
	Endpoints   gateway.Endpoints
	Credentials map[string]string
	// TestCard is a card this simulator approves (and, with 3D, authenticates).
	TestCard TestCard
	// NoHalfSecure marks banks whose 3D result has no "attempted" level
	// (the card-ending-0002 trigger is then refused like a failure).
	NoHalfSecure bool
}

// Factory builds a simulator listening on addr ("" means 127.0.0.1:0).
type Factory func(addr string) Simulator

var (
	regMu    sync.Mutex
	registry = map[string]Factory{}
)

// Register makes a simulator available by its protocol's registry name.
func Register(protocol string, f Factory) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[protocol]; dup {
		panic("banksim: Register called twice for " + protocol)
	}
	registry[protocol] = f
}

// New builds the simulator of a protocol.
func New(protocol, addr string) (Simulator, error) {
	regMu.Lock()
	defer regMu.Unlock()
	f, ok := registry[protocol]
	if !ok {
		return nil, fmt.Errorf("banksim: no simulator for protocol %q", protocol)
	}
	return f(addr), nil
}

// Protocols lists the protocols that have a simulator.
func Protocols() []string {
	regMu.Lock()
	defer regMu.Unlock()
	out := make([]string, 0, len(registry))
	for p := range registry {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// NotifyURLSetter is a simulator whose bank reports results server to
// server to a URL the merchant registers with the bank once, not per
// request (PayTR's "Bildirim URL"). Whoever creates the Kasa POS for it
// (tests, the demo) sets Kasa's <public base>/notify/{pos_id} here.
type NotifyURLSetter interface {
	SetNotifyURL(url string)
}
