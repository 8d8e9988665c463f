// Package posnettest holds the adapter test scenarios the two PosNet
// protocols (posnet, the XML service, and posnetv1, the JSON one) share:
// their simulators keep the same rules and error codes, so only the
// approval code, the test card and the wire details differ.
package posnettest

import (
	"errors"
	"strings"
	"testing"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/gatewaytest"
	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/money"
)

// Bench is one PosNet adapter wired to its simulator, with what tells the
// two protocols apart.
type Bench struct {
	gatewaytest.Bench
	BankCode   string // an approval's BankCode
	MaskedCard string // GoodPAN as the bank stores it
	// WrongTerminal is an adapter with the sandbox credentials but a
	// terminal the bank does not know.
	WrongTerminal gateway.Gateway
	// DuplicateEchoesHostRef: the refusal of a duplicate order id carries
	// the first sale's HostRef (posnet) or a new one (posnetv1).
	DuplicateEchoesHostRef bool
	QueryOp                string // the simulator's order query operation
}

// AuthorizeApproved sells with the good card: the result's fields, the
// bank's book and the status query agree.
func AuthorizeApproved(t *testing.T, b Bench) {
	o := gatewaytest.NewOrder(12550, money.TRY)
	r := b.Sale(t, o)
	gatewaytest.Want(t, "sale", r, gateway.Approved, gateway.ReasonNone)
	if r.BankCode != b.BankCode || len(r.AuthCode) != 6 || len(r.HostRef) != 18 {
		t.Errorf("result fields: %+v", r)
	}
	got, ok := b.Sim.Book().Get(b.Merchant, o.OrderID)
	if !ok || got.State != banksim.OrderCaptured || got.Captured != 12550 || got.Currency != "TRY" || got.AuthAttempts != 1 {
		t.Errorf("bank book: %+v", got)
	}
	if got.Card != b.MaskedCard {
		t.Errorf("bank stored card %q", got.Card)
	}
	s := gatewaytest.Status(t, b.G, o.OrderID)
	gatewaytest.WantStatus(t, s, gateway.StateCaptured, 12550, 12550, 0)
	if s.AuthCode != r.AuthCode || s.HostRef != r.HostRef {
		t.Errorf("status refs %q %q, sale gave %q %q", s.AuthCode, s.HostRef, r.AuthCode, r.HostRef)
	}
}

// ShortOrderIDIsPadded sends a short order id, which reaches the bank
// zero-padded to 20 characters and is queried by its short form.
func ShortOrderIDIsPadded(t *testing.T, b Bench) {
	o := gatewaytest.NewOrder(100, money.TRY)
	o.OrderID = "K895"
	gatewaytest.Want(t, "sale", b.Sale(t, o), gateway.Approved, gateway.ReasonNone)
	if _, ok := b.Sim.Book().Get(b.Merchant, "0000000000000000K895"); !ok {
		t.Error("bank did not get the zero-padded order id")
	}
	gatewaytest.WantStatus(t, gatewaytest.Status(t, b.G, "K895"), gateway.StateCaptured, 100, 100, 0)
}

// ExpiredCardDeclined sells with an expired card: declined, code 0054.
func ExpiredCardDeclined(t *testing.T, b Bench) {
	c := b.Card(t, b.GoodPAN)
	c.Expiry, _ = card.NewExpiry(1, 2020)
	r := b.G.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: gatewaytest.NewOrder(100, money.TRY), Capture: true, Card: c})
	gatewaytest.Want(t, "expired", r, gateway.Declined, gateway.ReasonExpiredCard)
	if r.BankCode != "0054" {
		t.Errorf("code %q", r.BankCode)
	}
}

// Rejected covers what the bank refuses (installments beyond the rules, an
// unknown terminal) and what the adapter refuses before any request.
func Rejected(t *testing.T, b Bench) {
	auth := func(o gateway.Order, n int) *gateway.Result {
		return b.G.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: o, Capture: true, Installments: n, Card: b.Card(t, b.GoodPAN)})
	}
	r := auth(gatewaytest.NewOrder(10000, money.USD), 3)
	gatewaytest.Want(t, "USD installments", r, gateway.Rejected, gateway.ReasonInstallments)
	if r.BankErrorCode != "0107" {
		t.Errorf("error code %q", r.BankErrorCode)
	}
	gatewaytest.Want(t, "13 installments", auth(gatewaytest.NewOrder(10000, money.TRY), 13), gateway.Rejected, gateway.ReasonInstallments)

	r = b.WrongTerminal.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: gatewaytest.NewOrder(100, money.TRY), Capture: true, Card: b.Card(t, b.GoodPAN)})
	gatewaytest.Want(t, "wrong terminal", r, gateway.Rejected, gateway.ReasonInvalidTxn)
	if r.BankErrorCode != "0148" {
		t.Errorf("error code %q", r.BankErrorCode)
	}

	// Refused locally, before any request.
	gatewaytest.Want(t, "zero amount", auth(gatewaytest.NewOrder(0, money.TRY), 0), gateway.Rejected, gateway.ReasonInvalidTxn)
	gatewaytest.Want(t, "JPY", auth(gatewaytest.NewOrder(100, money.JPY), 0), gateway.Rejected, gateway.ReasonInvalidTxn)
	gatewaytest.Want(t, "100 installments", auth(gatewaytest.NewOrder(100, money.TRY), 100), gateway.Rejected, gateway.ReasonInstallments)
	for _, bad := range []string{strings.Repeat("A", 21), "ORDER-1"} {
		o := gatewaytest.NewOrder(100, money.TRY)
		o.OrderID = bad
		gatewaytest.Want(t, bad, auth(o, 0), gateway.Rejected, gateway.ReasonInvalidTxn)
	}
	if n := len(b.Sim.Book().All()); n != 0 {
		t.Errorf("%d orders reached the bank", n)
	}
}

// DuplicateOrderID sells one order id twice (refused, 0127, charged once);
// after a decline the same id may be retried.
func DuplicateOrderID(t *testing.T, b Bench) {
	o := gatewaytest.NewOrder(2500, money.TRY)
	first := b.Sale(t, o)
	gatewaytest.Want(t, "first", first, gateway.Approved, gateway.ReasonNone)
	r := b.Sale(t, o)
	gatewaytest.Want(t, "second", r, gateway.Rejected, gateway.ReasonDuplicateOrder)
	if r.BankErrorCode != "0127" || (r.HostRef == first.HostRef) != b.DuplicateEchoesHostRef {
		t.Errorf("duplicate reply %+v", r)
	}
	if b.Sim.Book().ApprovedAuths(o.OrderID) != 1 {
		t.Errorf("approved %d", b.Sim.Book().ApprovedAuths(o.OrderID))
	}
	// After a decline the same order id may be retried.
	o2 := gateway.Order{OrderID: id.BankOrder(20), Amount: banksim.TriggerAmount("51", money.TRY)}
	gatewaytest.Want(t, "declined", b.Sale(t, o2), gateway.Declined, gateway.ReasonInsufficientFunds)
	o2.Amount = money.New(1000, money.TRY)
	gatewaytest.Want(t, "retry", b.Sale(t, o2), gateway.Approved, gateway.ReasonNone)
	if n := b.Sim.Book().AuthAttempts(o2.OrderID); n != 2 {
		t.Errorf("attempts %d, want 2", n)
	}
}

// StatusNotFound queries an unknown order (NotFound) and an id the adapter
// refuses (Rejected).
func StatusNotFound(t *testing.T, b Bench) {
	s := gatewaytest.Status(t, b.G, "NOSUCHORDER")
	if s.State != gateway.StateNotFound {
		t.Errorf("state %s", s.State)
	}
	if s := b.G.Status(t.Context(), "BAD-ID"); s.Outcome != gateway.Rejected {
		t.Errorf("bad id: %s", s.Outcome)
	}
}

// UnknownOnFaults runs gatewaytest.FaultsLeaveUnknown on saleOp, then
// faults the order query: a garbled status is Unknown, and a refund whose
// lookup failed was never sent.
func UnknownOnFaults(t *testing.T, b Bench, saleOp string) {
	gatewaytest.FaultsLeaveUnknown(t, b.Bench, saleOp)
	b.Sim.Faults().Next(b.QueryOp, banksim.Malformed, 1)
	if s := b.G.Status(t.Context(), "X1"); s.Outcome != gateway.Unknown {
		t.Errorf("status on malformed: %s", s.Outcome)
	}
	// The order lookup before a refund fails: the refund was never sent.
	o := gatewaytest.NewOrder(500, money.TRY)
	gatewaytest.Want(t, "sale", b.Sale(t, o), gateway.Approved, gateway.ReasonNone)
	b.Sim.Faults().Next(b.QueryOp, banksim.HTTP500, 1)
	ref := gateway.RefundRequest{Order: o}
	ref.Amount = money.New(100, money.TRY)
	gatewaytest.Want(t, "refund lookup failed", b.G.Refund(t.Context(), &ref), gateway.NotSent, gateway.ReasonSystemError)
	gatewaytest.WantStatus(t, gatewaytest.Status(t, b.G, o.OrderID), gateway.StateCaptured, 500, 500, 0)
}

// NotSentWhenNothingListens sends a sale, a status query and a void to an
// adapter g whose endpoint refuses connections: all NotSent.
func NotSentWhenNothingListens(t *testing.T, g gatewaytest.Adapter, c card.Card) {
	r := g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: gatewaytest.NewOrder(100, money.TRY), Capture: true, Card: c})
	gatewaytest.Want(t, "dial refused", r, gateway.NotSent, gateway.ReasonSystemError)
	var te *gateway.TransportError
	if !errors.As(r.Err, &te) {
		t.Errorf("err %T", r.Err)
	}
	if s := g.Status(t.Context(), "X"); s.Outcome != gateway.NotSent {
		t.Errorf("status: %s", s.Outcome)
	}
	if r := g.Void(t.Context(), &gateway.VoidRequest{Order: gatewaytest.NewOrder(100, money.TRY)}); r.Outcome != gateway.NotSent {
		t.Errorf("void: %s", r.Outcome)
	}
}
