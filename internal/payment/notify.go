package payment

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/store"
)

// Server-to-server notifications (gateway.Notifier): some protocols (PayTR)
// report a payment's result not with the customer's browser but by a
// signed POST from the bank to a URL the merchant registered once in the
// bank's panel, Kasa's /notify/{pos_id}. The bank retries until it gets
// the reply it expects and may send duplicates. Notify verifies each one
// with the POS's adapter exactly as Callback3D verifies a browser
// callback (3DS-1..3DS-3) and settles the payment through the same
// compare-and-set (3DS-5): a duplicate of a settled payment is answered
// "processed" without any change; an unverifiable one changes nothing.

// ReturnWait bounds how long the browser's return from a notification
// protocol's page waits for the notification before it is sent on to the
// merchant with the payment's current status.
var ReturnWait = 5 * time.Second

// NotifyReply is the answer the bank expects, from the POS's adapter.
type NotifyReply struct {
	Status      int
	ContentType string
	Body        string
}

func reply(n gateway.Notifier, ok bool) *NotifyReply {
	st, ct, body := n.NotificationReply(ok)
	return &NotifyReply{Status: st, ContentType: ct, Body: body}
}

// Notify handles a bank's notification to POS posID. It returns the
// adapter's reply: "processed" when the notification was verified (and
// settled the payment, or found it already settled); with an error, the
// adapter's failure reply if the POS is known (nil otherwise), so the bank
// tries again. A notification that fails verification changes nothing.
func (s *Service) Notify(ctx context.Context, posID string, form url.Values) (*NotifyReply, error) {
	pos, err := s.Store.POSByID(ctx, posID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("pos")
	} else if err != nil {
		return nil, err
	}
	gw, _, err := s.gatewayFor(pos)
	if err != nil {
		return nil, err
	}
	n, ok := gw.(gateway.Notifier)
	if !ok || !gateway.Supports(gw, gateway.Op3D) {
		return nil, notFound("notification endpoint")
	}
	fail := reply(n, false)
	oid, err := n.NotificationOrder(form)
	if err != nil {
		s.log().Warn("notification rejected", "pos_id", pos.ID, "reason", err.Error())
		return fail, &Error{Status: http.StatusBadRequest, Code: "notification_invalid",
			Message: "not a notification of this POS's protocol"}
	}
	p, err := s.Store.PaymentByBankOrder(ctx, pos.ID, oid)
	if errors.Is(err, store.ErrNotFound) {
		s.log().Warn("notification for an unknown order", "pos_id", pos.ID, "bank_order_id", oid)
		return fail, notFound("payment")
	} else if err != nil {
		return fail, err
	}
	if p.MerchantID != pos.MerchantID || p.ThreeDModel == "" {
		return fail, notFound("payment")
	}
	// Verified even when the payment is settled: a forged duplicate must
	// not be acknowledged as if it were the bank's.
	r3, d, err := s.verify3D(ctx, p, gw, form)
	if err != nil {
		return fail, err
	}
	if p.Status != store.StatusRequiresAction {
		s.log().Info("notification for a settled payment", "payment_id", p.ID, "status", p.Status, "md_status", r3.MDStatus)
		return reply(n, true), nil
	}
	if _, err := s.settle3D(ctx, p, pos, gw, d, r3); err != nil {
		return fail, err
	}
	return reply(n, true), nil
}

// Await3D waits, up to wait and while ctx lasts, for a 3D payment to leave
// requires_action (and the short processing step after it), then returns
// where to send the browser: the merchant's return URL with the status it
// then has. It never settles anything itself: the browser's return from a
// notification protocol's page carries no signed data.
func (s *Service) Await3D(ctx context.Context, paymentID string, wait time.Duration) (string, error) {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		p, err := s.Store.PaymentByID(ctx, paymentID)
		if errors.Is(err, store.ErrNotFound) {
			return "", notFound("payment")
		} else if err != nil {
			return "", err
		}
		if p.ThreeDModel == "" {
			return "", notFound("payment")
		}
		if p.Status != store.StatusRequiresAction && p.Status != store.StatusProcessing {
			return ReturnTo(p), nil
		}
		select {
		case <-tick.C:
		case <-deadline.C:
			return ReturnTo(p), nil
		case <-ctx.Done():
			return ReturnTo(p), nil
		}
	}
}
