// Package gatewaytest holds what the adapter tests share: assertions on
// results and scenarios run against a protocol's simulator, each taking the
// protocol's specifics as arguments.
package gatewaytest

import (
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/money"
)

// Want fails the test unless r has this outcome and reason.
func Want(t testing.TB, what string, r *gateway.Result, outcome gateway.Outcome, reason gateway.DeclineReason) {
	t.Helper()
	if r.Outcome != outcome || r.Reason != reason {
		t.Fatalf("%s: outcome %s/%s, want %s/%s (code %q %q: %s; err %v)",
			what, r.Outcome, r.Reason, outcome, reason, r.BankCode, r.BankErrorCode, r.BankMessage, r.Err)
	}
}

// Status queries orderID and fails the test unless the bank answered.
func Status(t testing.TB, g gateway.StatusQuerier, orderID string) *gateway.StatusResult {
	t.Helper()
	s := g.Status(t.Context(), orderID)
	if s.Outcome != gateway.Approved {
		t.Fatalf("status query: %s %s %v", s.Outcome, s.BankMessage, s.Err)
	}
	return s
}

// WantStatus checks an order's state and amounts (minor units).
func WantStatus(t testing.TB, s *gateway.StatusResult, state gateway.OrderState, auth, capt, ref int64) {
	t.Helper()
	if s.State != state || s.AuthorizedAmount != auth || s.CapturedAmount != capt || s.RefundedAmount != ref {
		t.Errorf("status %s auth %d captured %d refunded %d, want %s %d %d %d",
			s.State, s.AuthorizedAmount, s.CapturedAmount, s.RefundedAmount, state, auth, capt, ref)
	}
}

// NewOrder is an order with a fresh 20-character id.
func NewOrder(minor int64, c money.Currency) gateway.Order {
	return gateway.Order{OrderID: id.BankOrder(20), Amount: money.New(minor, c), ClientIP: "203.0.113.7"}
}

// TriggerOrder is an order whose amount makes the simulators decline with code.
func TriggerOrder(code string) gateway.Order {
	return gateway.Order{OrderID: id.BankOrder(20), Amount: banksim.TriggerAmount(code, money.TRY)}
}

// DeadURL is an http URL on a loopback port where nothing listens.
func DeadURL(t testing.TB, path string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + path
}

// Adapter is what the scenarios need of a gateway.
type Adapter interface {
	gateway.Gateway
	gateway.StatusQuerier
	gateway.Capturer
	gateway.Voider
	gateway.Refunder
}

// Bench is one adapter wired to its simulator.
type Bench struct {
	G        Adapter
	Sim      *banksim.Core
	Merchant string // the merchant's key in the simulator's book
	GoodPAN  string // a card the simulator approves
	// Card builds the test card for a number.
	Card func(t testing.TB, pan string) card.Card
}

// Authorize sends a sale (capture) or pre-auth of o with the good card.
func (b Bench) Authorize(t testing.TB, o gateway.Order, capture bool, installments int) *gateway.Result {
	t.Helper()
	return b.G.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: o, Capture: capture, Installments: installments,
		Card: b.Card(t, b.GoodPAN)})
}

// Sale sends a single-payment sale of o with the good card.
func (b Bench) Sale(t testing.TB, o gateway.Order) *gateway.Result {
	t.Helper()
	return b.Authorize(t, o, true, 0)
}

// DeclineTriggers checks every decline of banksim.Declines, by card number
// and by amount: the reason, the bank's code (prefix+code, e.g. PosNet's
// "00") and message, and that nothing was approved. If declinedState is set,
// the status query must report it for the declined order.
func DeclineTriggers(t *testing.T, b Bench, codePrefix string, declinedState gateway.OrderState) {
	for _, d := range banksim.Declines {
		t.Run(d.Code, func(t *testing.T) {
			check := func(how string, r *gateway.Result) {
				t.Helper()
				Want(t, how, r, gateway.Declined, gateway.DeclineReason(d.Reason))
				if r.BankCode != codePrefix+d.Code || r.BankMessage != d.Message {
					t.Errorf("%s: code %q message %q, want %q %q", how, r.BankCode, r.BankMessage, codePrefix+d.Code, d.Message)
				}
			}
			o := NewOrder(5000, money.TRY)
			check("card", b.G.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: o, Capture: true, Card: b.Card(t, d.ExamplePAN)}))
			o = TriggerOrder(d.Code)
			check("amount", b.Sale(t, o))
			if n := b.Sim.Book().ApprovedAuths(o.OrderID); n != 0 {
				t.Errorf("declined order has %d approved auths", n)
			}
			if declinedState != "" {
				if s := Status(t, b.G, o.OrderID); s.State != declinedState {
					t.Errorf("declined order state %s", s.State)
				}
			}
		})
	}
}

// FaultsLeaveUnknown injects each transport fault into a sale (op is the
// simulator's operation name for it): the outcome is Unknown with the error
// kept and no card number in it, and the status query shows whether the bank
// committed the sale.
func FaultsLeaveUnknown(t *testing.T, b Bench, op string) {
	for _, tc := range []struct {
		fault     banksim.Fault
		committed bool
	}{
		{banksim.HTTP500, false},
		{banksim.HTTP500After, true},
		{banksim.Malformed, true},
		{banksim.Truncated, true},
		{banksim.Reset, true},
	} {
		t.Run(string(tc.fault.Kind), func(t *testing.T) {
			o := NewOrder(1234, money.TRY)
			b.Sim.Faults().Next(op, tc.fault, 1)
			r := b.Sale(t, o)
			Want(t, "sale", r, gateway.Unknown, gateway.ReasonSystemError)
			if r.Err == nil {
				t.Error("no error kept")
			}
			if strings.Contains(r.BankMessage, b.GoodPAN) || strings.Contains(fmt.Sprint(r.Err), b.GoodPAN) {
				t.Error("card number in the result")
			}
			if s := Status(t, b.G, o.OrderID); (s.State == gateway.StateCaptured) != tc.committed {
				t.Errorf("state after fault %s, committed should be %v", s.State, tc.committed)
			}
		})
	}
}

// Currencies sells and partly refunds minor units in each currency the
// simulators take, then checks a refund in another currency than the sale's
// is refused.
func Currencies(t *testing.T, b Bench, minor int64) {
	t.Helper()
	for _, c := range []money.Currency{money.TRY, money.USD, money.EUR, money.GBP} {
		o := NewOrder(minor, c)
		Want(t, c.Code, b.Sale(t, o), gateway.Approved, gateway.ReasonNone)
		got, _ := b.Sim.Book().Get(b.Merchant, o.OrderID)
		if got.Currency != c.Code || got.Captured != minor {
			t.Errorf("%s: bank has %s %d", c.Code, got.Currency, got.Captured)
		}
		ref := gateway.RefundRequest{Order: o}
		ref.Amount = money.New(25, c)
		Want(t, c.Code+" refund", b.G.Refund(t.Context(), &ref), gateway.Approved, gateway.ReasonNone)
		WantStatus(t, Status(t, b.G, o.OrderID), gateway.StateRefunded, minor, minor, 25)
	}
	o := NewOrder(500, money.TRY)
	Want(t, "sale", b.Sale(t, o), gateway.Approved, gateway.ReasonNone)
	ref := gateway.RefundRequest{Order: o}
	ref.Amount = money.New(100, money.EUR)
	Want(t, "currency mismatch", b.G.Refund(t.Context(), &ref), gateway.Rejected, gateway.ReasonInvalidTxn)
}

// Installments sells with 0 to 12 installments; the bank books a single
// payment for 0 and 1.
func Installments(t *testing.T, b Bench) {
	t.Helper()
	for n := 0; n <= 12; n++ {
		o := NewOrder(120000, money.TRY)
		Want(t, fmt.Sprint(n, " installments"), b.Authorize(t, o, true, n), gateway.Approved, gateway.ReasonNone)
		if got, _ := b.Sim.Book().Get(b.Merchant, o.OrderID); got.Installments != max(n, 1) {
			t.Errorf("%d: bank recorded %d installments", n, got.Installments)
		}
	}
}

// ChargesOnce sends concurrent sales of one order id: one is approved, the
// others refused as duplicates, and the bank charged once.
func ChargesOnce(t *testing.T, b Bench) {
	t.Helper()
	o := NewOrder(5000, money.TRY)
	c := b.Card(t, b.GoodPAN)
	results := make(chan *gateway.Result, 8)
	for range 8 {
		go func() {
			results <- b.G.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: o, Capture: true, Card: c})
		}()
	}
	approved := 0
	for range 8 {
		r := <-results
		switch {
		case r.OK():
			approved++
		case r.Reason != gateway.ReasonDuplicateOrder:
			t.Errorf("unexpected %s/%s", r.Outcome, r.Reason)
		}
	}
	if approved != 1 || b.Sim.Book().ApprovedAuths(o.OrderID) != 1 {
		t.Errorf("approved %d, bank approved %d", approved, b.Sim.Book().ApprovedAuths(o.OrderID))
	}
}
