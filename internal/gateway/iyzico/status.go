package iyzico

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// Refund states of /payment/detail (see Response.PaymentRefundStatus).
const (
	refundPartial = "PARTIALLY_REFUNDED"
	refundTotal   = "TOTALLY_REFUNDED"
	// paymentStatusCancelled marks a voided payment in the simulator's
	// detail reply; unverified against iyzico.
	paymentStatusCancelled = "CANCELLED"
	paymentStatusFailure   = "FAILURE"
)

func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// detail retrieves the payment of an order by its conversation id. A
// failure reply comes back as a Result: Rejected with the bank's code, or
// for an unknown order an error Result whose BankCode is the not-found code.
func (g *Gateway) detail(ctx context.Context, orderID string) (*Response, *gateway.Result) {
	resp, res := g.call(ctx, PathDetail, &detailRequest{Locale: defaultLocale, ConversationID: orderID, PaymentConversationID: orderID})
	if res != nil {
		return nil, res
	}
	if resp.Status != statusSuccess {
		r := classify(resp)
		if notFound(resp) {
			r.Outcome, r.Reason = gateway.Rejected, gateway.ReasonInvalidTxn
		}
		return resp, r
	}
	if err := g.verifyDetail(resp, orderID); err != nil {
		r := gateway.Unusable(ErrBadResponse, err)
		return nil, &r
	}
	return resp, nil
}

// verifyDetail checks /payment/detail's signature (the same fields as a
// payment reply) and that it is about orderID.
func (g *Gateway) verifyDetail(r *Response, orderID string) error {
	cur, err := money.ParseCurrency(r.Currency)
	if err != nil {
		return fmt.Errorf("currency %q: %w", r.Currency, err)
	}
	paid, err := signedPrice(r.PaidPrice, cur)
	if err != nil {
		return err
	}
	price, err := signedPrice(r.Price, cur)
	if err != nil {
		return err
	}
	if !validSignature(r.Signature, Signature(g.secretKey, r.PaymentID, r.Currency, r.BasketID, r.ConversationID, paid, price)) {
		return errors.New("response signature does not verify")
	}
	if r.ConversationID != orderID && r.BasketID != orderID {
		return fmt.Errorf("detail is for order %q", r.ConversationID)
	}
	return nil
}

// paymentID resolves the order's iyzico paymentId.
func (g *Gateway) paymentID(ctx context.Context, orderID string) (string, *gateway.Result) {
	d, res := g.detail(ctx, orderID)
	if res != nil {
		return "", res
	}
	return d.PaymentID, nil
}

// remainingOf is what a full refund returns: paidPrice less refundPrice.
func remainingOf(d *Response) (money.Amount, error) {
	cur, err := money.ParseCurrency(d.Currency)
	if err != nil {
		return money.Amount{}, err
	}
	paid, err := parsePrice(d.PaidPrice, cur)
	if err != nil {
		return money.Amount{}, err
	}
	var refunded money.Amount
	if d.RefundPrice != "" {
		if refunded, err = parsePrice(d.RefundPrice, cur); err != nil {
			return money.Amount{}, err
		}
	}
	if paid.Minor-refunded.Minor <= 0 {
		return money.Amount{}, errors.New("nothing left to refund")
	}
	return money.New(paid.Minor-refunded.Minor, cur), nil
}

// Status retrieves the order's payment (/payment/detail by
// paymentConversationId) and maps it to Kasa's order state.
func (g *Gateway) Status(ctx context.Context, orderID string) *gateway.StatusResult {
	if orderID == "" || len(orderID) > MaxOrderID {
		return &gateway.StatusResult{Result: *gateway.RejectLocal(errors.New("iyzico: invalid order id"), gateway.ReasonInvalidTxn)}
	}
	resp, res := g.call(ctx, PathDetail, &detailRequest{Locale: defaultLocale, ConversationID: orderID, PaymentConversationID: orderID})
	if res != nil {
		return &gateway.StatusResult{Result: *res}
	}
	if resp.Status != statusSuccess {
		if notFound(resp) {
			return &gateway.StatusResult{
				Result: gateway.Result{Outcome: gateway.Approved, BankCode: resp.ErrorCode, BankMessage: resp.ErrorMessage},
				State:  gateway.StateNotFound,
			}
		}
		return &gateway.StatusResult{Result: *classify(resp)}
	}
	if err := g.verifyDetail(resp, orderID); err != nil {
		return &gateway.StatusResult{Result: gateway.Unusable(ErrBadResponse, err)}
	}
	return statusOf(resp)
}

// statusOf maps a verified detail reply. paidPrice is what was charged (or
// held, for a pre-authorisation); the phase says which.
func statusOf(r *Response) *gateway.StatusResult {
	out := &gateway.StatusResult{Result: gateway.Result{
		Outcome: gateway.Approved, AuthCode: r.AuthCode, HostRef: r.HostReference, TransID: r.PaymentID, BankCode: r.PaymentStatus,
	}}
	cur, _ := money.ParseCurrency(r.Currency) // verifyDetail parsed it
	paid, _ := parsePrice(r.PaidPrice, cur)
	var refunded money.Amount
	if r.RefundPrice != "" {
		refunded, _ = parsePrice(r.RefundPrice, cur)
	}
	switch r.PaymentStatus {
	case paymentStatusSuccess:
	case paymentStatusCancelled:
		out.State = gateway.StateVoided
		return out
	case paymentStatusFailure:
		out.State = gateway.StateDeclined
		return out
	default: // INIT_THREEDS, CALLBACK_THREEDS: 3DS begun, not completed
		out.State = gateway.StatePending
		return out
	}
	out.AuthorizedAmount = paid.Minor
	switch r.Phase {
	case phasePreAuth:
		out.State = gateway.StateAuthorized
		return out
	}
	out.CapturedAmount, out.RefundedAmount = paid.Minor, refunded.Minor
	out.State = gateway.StateCaptured
	if r.PaymentRefundStatus == refundPartial || r.PaymentRefundStatus == refundTotal || refunded.Minor > 0 {
		out.State = gateway.StateRefunded
	}
	return out
}
