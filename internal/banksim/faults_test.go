package banksim

import (
	"encoding/json"
	"testing"
	"time"
)

func TestFaultsOrder(t *testing.T) {
	f := NewFaults()
	if got := f.Take("Auth"); got.Kind != KindNone {
		t.Fatalf("empty schedule gave %v", got)
	}
	f.SetDefault(AnyOp, HTTP500)
	f.SetDefault("Credit", Reset)
	f.Next("Auth", TimeoutAfter, 2)
	f.Next("", Slow(time.Second), 1)
	f.Next("Void", Malformed, 0) // 0 means 1

	for i, want := range []struct {
		op   string
		kind FaultKind
	}{
		{"Auth", KindTimeoutAfter},
		{"Void", KindSlow}, // the "*" entry comes before the Void one
		{"Void", KindMalformed},
		{"Auth", KindTimeoutAfter},
		{"Auth", KindHTTP500}, // queue empty: default for "*"
		{"Credit", KindReset}, // operation default wins over "*"
		{"Void", KindHTTP500},
	} {
		if got := f.Take(want.op); got.Kind != want.kind {
			t.Errorf("%d: Take(%s) = %s, want %s", i, want.op, got.Kind, want.kind)
		}
	}
	f.SetDefault(AnyOp, Fault{})
	if got := f.Take("Auth"); got.Kind != KindNone {
		t.Errorf("after removing default: %s", got.Kind)
	}
	f.Next("Auth", Truncated, 5)
	f.Clear()
	if got := f.Take("Credit"); got.Kind != KindNone {
		t.Errorf("after Clear: %s", got.Kind)
	}
}

func TestParseFaultAndApply(t *testing.T) {
	for _, k := range Kinds {
		delay := 0
		if k == KindSlow {
			delay = 10
		}
		f, err := ParseFault(string(k), delay)
		if err != nil || f.Kind != k {
			t.Errorf("%s: %v %v", k, f, err)
		}
	}
	if _, err := ParseFault("slow", 0); err == nil {
		t.Error("slow without delay accepted")
	}
	if _, err := ParseFault("explode", 0); err == nil {
		t.Error("unknown fault accepted")
	}

	f := NewFaults()
	if err := f.Apply(FaultRequest{Op: "Auth", Fault: "slow", DelayMS: 250, Count: 2}); err != nil {
		t.Fatal(err)
	}
	if err := f.Apply(FaultRequest{Op: "*", Fault: "http500_after", Default: true}); err != nil {
		t.Fatal(err)
	}
	if err := f.Apply(FaultRequest{Op: "Auth"}); err == nil {
		t.Error("queueing no fault accepted")
	}
	st := f.State()
	if len(st.Queued) != 1 || st.Queued[0].Remaining != 2 || st.Queued[0].Fault.Delay != 250*time.Millisecond ||
		st.Defaults["*"].Kind != KindHTTP500After {
		t.Errorf("state %+v", st)
	}
	b, _ := json.Marshal(st)
	if want := `{"queued":[{"op":"Auth","fault":{"fault":"slow","delay_ms":250},"remaining":2}],"defaults":{"*":{"fault":"http500_after"}}}`; string(b) != want {
		t.Errorf("json %s", b)
	}
	if err := f.Apply(FaultRequest{Clear: true}); err != nil || len(f.State().Queued) != 0 || len(f.State().Defaults) != 0 {
		t.Errorf("clear: %v %+v", err, f.State())
	}
}
