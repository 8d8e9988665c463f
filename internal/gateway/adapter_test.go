package gateway

import (
	"errors"
	"fmt"
	"testing"

	"github.com/kasapos/kasa/internal/money"
)

func TestValidEndpoint(t *testing.T) {
	for s, want := range map[string]bool{
		"https://bank.example/api": true, "http://127.0.0.1:8080": true,
		"": false, "bank.example/api": false, "ftp://bank.example": false, "https://": false, "://x": false,
	} {
		if got := ValidEndpoint(s); got != want {
			t.Errorf("ValidEndpoint(%q) = %v", s, got)
		}
	}
}

func TestResultHelpers(t *testing.T) {
	errBad := errors.New("x: unusable bank response")
	r := Unusable(errBad, errors.New("EOF"))
	if r.Outcome != Unknown || r.Reason != ReasonSystemError || !errors.Is(r.Err, errBad) || r.BankMessage != "x: unusable bank response: EOF" {
		t.Errorf("Unusable = %+v", r)
	}
	if r2 := Unusable(errBad, r.Err); r2.Err != r.Err {
		t.Errorf("Unusable rewrapped %v", r2.Err)
	}
	rej := RejectLocal(errors.New("x: card number missing"), ReasonInvalidCard)
	if rej.Outcome != Rejected || rej.Reason != ReasonInvalidCard || rej.BankMessage != "x: card number missing" {
		t.Errorf("RejectLocal = %+v", rej)
	}
	if Client := (Config{}).Client(); Client != DefaultClient() {
		t.Error("Config.Client without HTTPClient is not DefaultClient")
	}
}

func TestConstructorNoTypedNil(t *testing.T) {
	type fake struct{ Gateway }
	newFn := Constructor(func(Config) (*fake, error) { return nil, errors.New("bad") })
	if g, err := newFn(Config{}); g != nil || err == nil {
		t.Errorf("Constructor = %v, %v", g, err)
	}
}

func TestStateFromAmounts(t *testing.T) {
	for _, tc := range []struct {
		s        StatusResult
		reversed bool
		want     OrderState
	}{
		{StatusResult{AuthorizedAmount: 5, CapturedAmount: 5, RefundedAmount: 1}, true, StateVoided},
		{StatusResult{AuthorizedAmount: 5, CapturedAmount: 5, RefundedAmount: 1}, false, StateRefunded},
		{StatusResult{AuthorizedAmount: 5, CapturedAmount: 3}, false, StateCaptured},
		{StatusResult{AuthorizedAmount: 5}, false, StateAuthorized},
		{StatusResult{}, false, StatePending},
	} {
		if got := tc.s.StateFromAmounts(tc.reversed); got != tc.want {
			t.Errorf("%+v reversed=%v: %s, want %s", tc.s, tc.reversed, got, tc.want)
		}
	}
}

func TestAddTxn(t *testing.T) {
	var s StatusResult
	s.AddTxn(TxnSale, 100)
	s.AddTxn(TxnAuth, 50)
	s.AddTxn(TxnCapture, 20)
	s.AddTxn(TxnRefund, 30)
	s.AddTxn(TxnOther, 999)
	if s.AuthorizedAmount != 150 || s.CapturedAmount != 120 || s.RefundedAmount != 30 {
		t.Errorf("%+v", s)
	}
}

func TestKindOf(t *testing.T) {
	for in, want := range map[string]TxnKind{"sale": TxnSale, "AUTH": TxnAuth, "Capt": TxnCapture, "return": TxnRefund, "reverse": TxnOther} {
		if got := KindOf(in, "Sale", "Auth", "Capt", "Return"); got != want {
			t.Errorf("%s: %d, want %d", in, got, want)
		}
	}
}

func TestLookupFailed(t *testing.T) {
	for in, want := range map[Outcome]Outcome{Unknown: NotSent, NotSent: NotSent, Rejected: Rejected} {
		if got := LookupFailed(&Result{Outcome: in}).Outcome; got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

func TestDescriptorCheckOrder(t *testing.T) {
	d := &Descriptor{Name: "x", MaxOrderID: 5, Currencies: []money.Currency{money.TRY}}
	try := money.New(100, money.TRY)
	cases := []struct {
		o          Order
		needAmount bool
		ok         func(byte) bool
		want       string // "" means accepted
	}{
		{Order{OrderID: "A-1_b", Amount: try}, true, OrderIDChars, ""},
		{Order{OrderID: "", Amount: try}, true, nil, "x: order id is required"},
		{Order{OrderID: "ABCDEF", Amount: try}, true, nil, "x: order id longer than 5 characters"},
		{Order{OrderID: "A/1", Amount: try}, true, OrderIDChars, `x: order id has character '/'`},
		{Order{OrderID: "A/1", Amount: try}, true, nil, ""},
		{Order{OrderID: "A1", Amount: money.New(0, money.TRY)}, true, nil, "x: amount must be positive"},
		{Order{OrderID: "A1", Amount: money.New(100, money.USD)}, true, nil, `x: currency "USD" not supported`},
		{Order{OrderID: "A1"}, false, nil, ""},
		{Order{OrderID: "A1", Amount: money.New(0, money.USD)}, false, nil, `x: currency "USD" not supported`},
	}
	for _, c := range cases {
		err := d.CheckOrder(c.o, c.needAmount, c.ok)
		if got := fmt.Sprint(err); (c.want == "" && err != nil) || (c.want != "" && got != c.want) {
			t.Errorf("CheckOrder(%+v, %v) = %v, want %q", c.o, c.needAmount, err, c.want)
		}
	}
}
