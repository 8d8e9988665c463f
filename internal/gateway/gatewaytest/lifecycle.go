package gatewaytest

import (
	"context"
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// Scenarios of the order lifecycle rules the simulators share (banksim.Book).

// PreAuthPartialCapture captures part of a pre-auth, refuses a second
// capture, an over-capture and capturing a sale or an unknown order.
func PreAuthPartialCapture(t *testing.T, b Bench) {
	t.Helper()
	ctx := t.Context()
	o := NewOrder(10000, money.TRY)
	r := b.Authorize(t, o, false, 0)
	Want(t, "preauth", r, gateway.Approved, gateway.ReasonNone)
	WantStatus(t, Status(t, b.G, o.OrderID), gateway.StateAuthorized, 10000, 0, 0)

	capt := gateway.CaptureRequest{Order: o}
	capt.Amount = money.New(6000, money.TRY)
	Want(t, "capture", b.G.Capture(ctx, &capt), gateway.Approved, gateway.ReasonNone)
	WantStatus(t, Status(t, b.G, o.OrderID), gateway.StateCaptured, 10000, 6000, 0)
	Want(t, "second capture", b.G.Capture(ctx, &capt), gateway.Rejected, gateway.ReasonInvalidTxn)
	if got, _ := b.Sim.Book().Get(b.Merchant, o.OrderID); got.Captured != 6000 || got.State != banksim.OrderCaptured {
		t.Errorf("bank book %+v", got)
	}

	o2 := NewOrder(5000, money.TRY)
	Want(t, "preauth 2", b.Authorize(t, o2, false, 0), gateway.Approved, gateway.ReasonNone)
	over := gateway.CaptureRequest{Order: o2}
	over.Amount = money.New(5001, money.TRY)
	Want(t, "over-capture", b.G.Capture(ctx, &over), gateway.Rejected, gateway.ReasonInvalidTxn)
	WantStatus(t, Status(t, b.G, o2.OrderID), gateway.StateAuthorized, 5000, 0, 0)
	full := gateway.CaptureRequest{Order: o2, Installments: 1}
	Want(t, "full capture", b.G.Capture(ctx, &full), gateway.Approved, gateway.ReasonNone)
	WantStatus(t, Status(t, b.G, o2.OrderID), gateway.StateCaptured, 5000, 5000, 0)

	// A sale is not capturable; an unknown order neither.
	s := NewOrder(300, money.TRY)
	Want(t, "sale", b.Sale(t, s), gateway.Approved, gateway.ReasonNone)
	sc := gateway.CaptureRequest{Order: s}
	Want(t, "capture a sale", b.G.Capture(ctx, &sc), gateway.Rejected, gateway.ReasonInvalidTxn)
	nc := gateway.CaptureRequest{Order: NewOrder(300, money.TRY)}
	Want(t, "capture unknown", b.G.Capture(ctx, &nc), gateway.Rejected, gateway.ReasonInvalidTxn)
}

// VoidRules voids a sale, a pre-auth and a captured pre-auth; a voided
// order is neither voided again nor refunded, and after the batch closes
// the void is refused with the bank error afterBatchCode.
func VoidRules(t *testing.T, b Bench, afterBatchCode string) {
	t.Helper()
	ctx := t.Context()
	o := NewOrder(4200, money.TRY)
	Want(t, "sale", b.Sale(t, o), gateway.Approved, gateway.ReasonNone)
	Want(t, "void", b.G.Void(ctx, &gateway.VoidRequest{Order: o}), gateway.Approved, gateway.ReasonNone)
	WantStatus(t, Status(t, b.G, o.OrderID), gateway.StateVoided, 4200, 4200, 0)
	Want(t, "void again", b.G.Void(ctx, &gateway.VoidRequest{Order: o}), gateway.Rejected, gateway.ReasonInvalidTxn)
	Want(t, "refund voided", b.G.Refund(ctx, &gateway.RefundRequest{Order: o, Full: true}), gateway.Rejected, gateway.ReasonInvalidTxn)
	if tot := b.Sim.Book().ApprovedTotal()["TRY"]; tot != 0 {
		t.Errorf("voided sale still counts %d", tot)
	}

	p := NewOrder(900, money.TRY)
	Want(t, "preauth", b.Authorize(t, p, false, 0), gateway.Approved, gateway.ReasonNone)
	Want(t, "void preauth", b.G.Void(ctx, &gateway.VoidRequest{Order: p}), gateway.Approved, gateway.ReasonNone)
	WantStatus(t, Status(t, b.G, p.OrderID), gateway.StateVoided, 900, 0, 0)

	c := NewOrder(800, money.TRY)
	Want(t, "preauth", b.Authorize(t, c, false, 0), gateway.Approved, gateway.ReasonNone)
	Want(t, "capture", b.G.Capture(ctx, &gateway.CaptureRequest{Order: c}), gateway.Approved, gateway.ReasonNone)
	Want(t, "void captured", b.G.Void(ctx, &gateway.VoidRequest{Order: c}), gateway.Approved, gateway.ReasonNone)
	if got, _ := b.Sim.Book().Get(b.Merchant, c.OrderID); got.State != banksim.OrderVoided {
		t.Errorf("bank book %+v", got)
	}

	late := NewOrder(700, money.TRY)
	Want(t, "sale", b.Sale(t, late), gateway.Approved, gateway.ReasonNone)
	b.Sim.CloseBatch()
	r := b.G.Void(ctx, &gateway.VoidRequest{Order: late})
	Want(t, "void after batch", r, gateway.Rejected, gateway.ReasonInvalidTxn)
	if r.BankErrorCode != afterBatchCode {
		t.Errorf("error code %q", r.BankErrorCode)
	}
}

// RefundRules refunds in parts up to what was captured, never beyond (bank
// error beyondCode); a refunded order cannot be voided and an open pre-auth
// has nothing to refund.
func RefundRules(t *testing.T, b Bench, beyondCode string) {
	t.Helper()
	ctx := t.Context()
	o := NewOrder(10000, money.TRY)
	Want(t, "sale", b.Sale(t, o), gateway.Approved, gateway.ReasonNone)

	part := gateway.RefundRequest{Order: o}
	part.Amount = money.New(3000, money.TRY)
	Want(t, "partial refund", b.G.Refund(ctx, &part), gateway.Approved, gateway.ReasonNone)
	WantStatus(t, Status(t, b.G, o.OrderID), gateway.StateRefunded, 10000, 10000, 3000)
	Want(t, "void after refund", b.G.Void(ctx, &gateway.VoidRequest{Order: o}), gateway.Rejected, gateway.ReasonInvalidTxn)

	rest := gateway.RefundRequest{Order: o, Full: true}
	rest.Amount = money.New(7000, money.TRY)
	Want(t, "rest refunded", b.G.Refund(ctx, &rest), gateway.Approved, gateway.ReasonNone)
	WantStatus(t, Status(t, b.G, o.OrderID), gateway.StateRefunded, 10000, 10000, 10000)
	if got, _ := b.Sim.Book().Get(b.Merchant, o.OrderID); got.Refunded != 10000 || got.State != banksim.OrderRefunded {
		t.Errorf("bank book %+v", got)
	}
	more := gateway.RefundRequest{Order: o}
	more.Amount = money.New(1, money.TRY)
	r := b.G.Refund(ctx, &more)
	Want(t, "refund beyond captured", r, gateway.Rejected, gateway.ReasonInvalidTxn)
	if r.BankErrorCode != beyondCode {
		t.Errorf("error code %q", r.BankErrorCode)
	}

	// A captured pre-auth refunds up to the captured amount only.
	p := NewOrder(5000, money.TRY)
	Want(t, "preauth", b.Authorize(t, p, false, 0), gateway.Approved, gateway.ReasonNone)
	pc := gateway.CaptureRequest{Order: p}
	pc.Amount = money.New(4000, money.TRY)
	Want(t, "capture", b.G.Capture(ctx, &pc), gateway.Approved, gateway.ReasonNone)
	over := gateway.RefundRequest{Order: p}
	over.Amount = money.New(4001, money.TRY)
	Want(t, "refund > captured", b.G.Refund(ctx, &over), gateway.Rejected, gateway.ReasonInvalidTxn)
	ok := gateway.RefundRequest{Order: p, Full: true}
	ok.Amount = money.New(4000, money.TRY)
	Want(t, "refund captured", b.G.Refund(ctx, &ok), gateway.Approved, gateway.ReasonNone)
	WantStatus(t, Status(t, b.G, p.OrderID), gateway.StateRefunded, 5000, 4000, 4000)

	// An open pre-auth has nothing to refund.
	q := NewOrder(100, money.TRY)
	Want(t, "preauth", b.Authorize(t, q, false, 0), gateway.Approved, gateway.ReasonNone)
	Want(t, "refund preauth", b.G.Refund(ctx, &gateway.RefundRequest{Order: q}), gateway.Rejected, gateway.ReasonInvalidTxn)
}

// LostReplyThenStatus loses a sale's reply (Unknown, then the status shows
// it committed), a sale's request (not found) and a refund's reply.
func LostReplyThenStatus(t *testing.T, b Bench, saleOp, refundOp string) {
	t.Helper()
	o := NewOrder(7777, money.TRY)
	b.Sim.Faults().Next(saleOp, banksim.TimeoutAfter, 1)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	r := b.G.Authorize(ctx, &gateway.AuthorizeRequest{Order: o, Capture: true, Card: b.Card(t, b.GoodPAN)})
	Want(t, "lost reply", r, gateway.Unknown, gateway.ReasonSystemError)
	WantStatus(t, Status(t, b.G, o.OrderID), gateway.StateCaptured, 7777, 7777, 0)

	o2 := NewOrder(100, money.TRY)
	b.Sim.Faults().Next(saleOp, banksim.TimeoutBefore, 1)
	ctx2, cancel2 := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel2()
	r = b.G.Authorize(ctx2, &gateway.AuthorizeRequest{Order: o2, Capture: true, Card: b.Card(t, b.GoodPAN)})
	Want(t, "lost request", r, gateway.Unknown, gateway.ReasonSystemError)
	if s := Status(t, b.G, o2.OrderID); s.State != gateway.StateNotFound {
		t.Errorf("state %s", s.State)
	}

	// A lost refund reply: Unknown, and the status shows it happened.
	b.Sim.Faults().Next(refundOp, banksim.TimeoutAfter, 1)
	ctx3, cancel3 := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel3()
	ref := gateway.RefundRequest{Order: o}
	ref.Amount = money.New(777, money.TRY)
	Want(t, "lost refund reply", b.G.Refund(ctx3, &ref), gateway.Unknown, gateway.ReasonSystemError)
	WantStatus(t, Status(t, b.G, o.OrderID), gateway.StateRefunded, 7777, 7777, 777)
}
