package banksim

import "time"

// The order rules every simulated host applies after its own validation.
// Each protocol checks them in its own order and answers a refusal with its
// own error code; these helpers only keep the bookkeeping in one place.

// Voidable reports whether a void may be processed: the order has an
// approved payment not voided yet and the batch has not closed. (A void
// after a refund is refused too; hosts answer that with their own code.)
// A nil order is not voidable.
func (o *Order) Voidable() bool {
	return o != nil && o.State != OrderDeclined && o.State != OrderVoided && !o.Settled
}

// VoidAmount is what a void reverses: an open pre-auth's hold, otherwise
// what was captured.
func (o *Order) VoidAmount() int64 {
	if o.State == OrderAuthorized {
		return o.Authorized
	}
	return o.Captured
}

// MarkCaptured records that amount of the pre-auth was captured at t.
func (o *Order) MarkCaptured(amount int64, t time.Time) {
	o.Captured, o.CapturedAt, o.State = amount, t, OrderCaptured
}

// MarkVoided records the void of the order at t.
func (o *Order) MarkVoided(t time.Time) {
	o.State, o.VoidedAt = OrderVoided, t
}

// AddRefund records an approved refund of amount: the order is partially
// refunded until all that was captured is refunded. Callers check first
// that amount does not exceed Captured-Refunded.
func (o *Order) AddRefund(amount int64) {
	o.Refunded += amount
	o.State = OrderPartiallyRefunded
	if o.Refunded == o.Captured {
		o.State = OrderRefunded
	}
}
