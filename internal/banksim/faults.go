package banksim

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// FaultKind names a way the simulated bank misbehaves.
type FaultKind string

// Fault kinds. "Commits" means the bank processes the request and records the
// result in its book before misbehaving, so a status query afterwards shows it.
const (
	KindNone          FaultKind = ""
	KindTimeoutBefore FaultKind = "timeout_before" // hang without processing until the client gives up
	KindTimeoutAfter  FaultKind = "timeout_after"  // commit, then never answer
	KindHTTP500       FaultKind = "http500"        // answer 500 without processing
	KindHTTP500After  FaultKind = "http500_after"  // commit, then answer 500
	KindMalformed     FaultKind = "malformed"      // commit, then answer 200 with a non-XML body
	KindTruncated     FaultKind = "truncated"      // commit, then answer 200 with the reply cut in half
	KindSlow          FaultKind = "slow"           // wait Delay, then process and answer normally
	KindReset         FaultKind = "reset"          // commit, then drop the connection with a TCP reset
)

// Kinds lists every fault kind.
var Kinds = []FaultKind{KindTimeoutBefore, KindTimeoutAfter, KindHTTP500, KindHTTP500After, KindMalformed, KindTruncated, KindSlow, KindReset}

// Fault is a fault to inject; Delay is used by KindSlow.
type Fault struct {
	Kind  FaultKind
	Delay time.Duration
}

// MarshalJSON renders the control API's shape: {"fault": "slow", "delay_ms": 200}.
func (f Fault) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Kind    FaultKind `json:"fault"`
		DelayMS int64     `json:"delay_ms,omitempty"`
	}{f.Kind, f.Delay.Milliseconds()})
}

// UnmarshalJSON reads the shape MarshalJSON writes.
func (f *Fault) UnmarshalJSON(b []byte) error {
	var v struct {
		Kind    FaultKind `json:"fault"`
		DelayMS int64     `json:"delay_ms"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	f.Kind, f.Delay = v.Kind, time.Duration(v.DelayMS)*time.Millisecond
	return nil
}

// Ready-made faults.
var (
	TimeoutBefore = Fault{Kind: KindTimeoutBefore}
	TimeoutAfter  = Fault{Kind: KindTimeoutAfter}
	HTTP500       = Fault{Kind: KindHTTP500}
	HTTP500After  = Fault{Kind: KindHTTP500After}
	Malformed     = Fault{Kind: KindMalformed}
	Truncated     = Fault{Kind: KindTruncated}
	Reset         = Fault{Kind: KindReset}
)

// Slow delays the answer by d.
func Slow(d time.Duration) Fault { return Fault{Kind: KindSlow, Delay: d} }

// ParseFault builds a Fault from its name (and, for slow, a delay in ms).
func ParseFault(kind string, delayMS int) (Fault, error) {
	k := FaultKind(kind)
	if k == KindNone {
		return Fault{}, nil
	}
	for _, x := range Kinds {
		if x == k {
			f := Fault{Kind: k}
			if k == KindSlow {
				if delayMS <= 0 {
					return Fault{}, fmt.Errorf("banksim: fault slow needs delay_ms > 0")
				}
				f.Delay = time.Duration(delayMS) * time.Millisecond
			}
			return f, nil
		}
	}
	return Fault{}, fmt.Errorf("banksim: unknown fault %q", kind)
}

// AnyOp matches every operation.
const AnyOp = "*"

// Faults schedules faults per operation. Operation names are the protocol's
// own (EST: Auth, PreAuth, PostAuth, Void, Credit, ORDERSTATUS, ORDERHISTORY).
// Queued faults (Next) are used first, in the order they were added; then the
// operation's default, then the default for AnyOp.
type Faults struct {
	mu       sync.Mutex
	queue    []QueuedFault
	defaults map[string]Fault
}

// QueuedFault is a fault waiting for Remaining more requests of Op.
type QueuedFault struct {
	Op        string `json:"op"`
	Fault     Fault  `json:"fault"`
	Remaining int    `json:"remaining"`
}

// NewFaults returns an empty schedule.
func NewFaults() *Faults { return &Faults{defaults: map[string]Fault{}} }

func normOp(op string) string {
	if op == "" {
		return AnyOp
	}
	return op
}

// Next injects fault into the next count requests of op ("" or AnyOp: any
// operation). count < 1 means 1.
func (f *Faults) Next(op string, fault Fault, count int) {
	if count < 1 {
		count = 1
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queue = append(f.queue, QueuedFault{Op: normOp(op), Fault: fault, Remaining: count})
}

// SetDefault injects fault into every request of op until changed; a zero
// Fault removes the default.
func (f *Faults) SetDefault(op string, fault Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fault.Kind == KindNone {
		delete(f.defaults, normOp(op))
		return
	}
	f.defaults[normOp(op)] = fault
}

// Clear removes queued faults and defaults.
func (f *Faults) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queue = nil
	f.defaults = map[string]Fault{}
}

// Take returns (and consumes) the fault for one request of op.
func (f *Faults) Take(op string) Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.queue {
		q := &f.queue[i]
		if q.Op == AnyOp || q.Op == op {
			fault := q.Fault
			q.Remaining--
			if q.Remaining <= 0 {
				f.queue = append(f.queue[:i], f.queue[i+1:]...)
			}
			return fault
		}
	}
	if d, ok := f.defaults[op]; ok {
		return d
	}
	return f.defaults[AnyOp]
}

// FaultState is a snapshot of the schedule.
type FaultState struct {
	Queued   []QueuedFault    `json:"queued"`
	Defaults map[string]Fault `json:"defaults"`
}

// State returns a copy of the schedule.
func (f *Faults) State() FaultState {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := FaultState{Queued: append([]QueuedFault{}, f.queue...), Defaults: map[string]Fault{}}
	for k, v := range f.defaults {
		s.Defaults[k] = v
	}
	return s
}
