package banksim

import (
	"testing"
	"time"
)

func TestOrderRules(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	var none *Order
	if none.Voidable() {
		t.Error("nil order voidable")
	}
	o := &Order{State: OrderAuthorized, Authorized: 1000}
	if !o.Voidable() || o.VoidAmount() != 1000 {
		t.Errorf("open pre-auth: voidable %v amount %d", o.Voidable(), o.VoidAmount())
	}
	o.MarkCaptured(600, now)
	if o.State != OrderCaptured || o.Captured != 600 || o.CapturedAt != now || o.VoidAmount() != 600 {
		t.Errorf("captured: %+v", o)
	}
	o.AddRefund(100)
	if o.State != OrderPartiallyRefunded || o.Refunded != 100 {
		t.Errorf("partial refund: %+v", o)
	}
	o.AddRefund(500)
	if o.State != OrderRefunded || o.Refunded != 600 {
		t.Errorf("full refund: %+v", o)
	}
	o.Settled = true
	if o.Voidable() {
		t.Error("settled order voidable")
	}
	v := &Order{State: OrderCaptured, Captured: 5}
	v.MarkVoided(now)
	if v.State != OrderVoided || v.VoidedAt != now || v.Voidable() {
		t.Errorf("voided: %+v", v)
	}
	if (&Order{State: OrderDeclined}).Voidable() {
		t.Error("declined order voidable")
	}
}
