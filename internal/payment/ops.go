package payment

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
	"github.com/kasapos/kasa/internal/store"
)

// Istanbul is the banks' clock: batch cut-offs and "same day" are Turkish
// time. Turkey has kept UTC+3 all year since 2016, so a fixed zone is exact and
// needs no tz database on the host.
var Istanbul = time.FixedZone("TRT", 3*60*60)

// AmountRequest is the body of capture and refund: nil means the full amount.
type AmountRequest struct {
	Amount *int64 `json:"amount"`
}

// plan is what an operation will send, decided under the payment's lock.
type plan struct {
	kind   string // store.Kind*
	amount int64
}

// operation is one money-moving request on an existing payment.
type operation struct {
	requested string
	// prepare validates under the payment's row lock and says what to send.
	prepare func(p *store.Payment, txs []*store.Transaction, gw gateway.Gateway, pos *store.POS) (plan, error)
}

func unresolved(t *store.Transaction) bool {
	return t.Kind != store.KindStatus && (t.Status == store.TxPending || t.Status == store.TxUnknown)
}

// Capture captures an authorised payment, fully or partly.
func (s *Service) Capture(ctx context.Context, c Caller, paymentID string, r AmountRequest) (*View, error) {
	return s.operate(ctx, c, paymentID, operation{requested: "capture",
		prepare: func(p *store.Payment, _ []*store.Transaction, gw gateway.Gateway, _ *store.POS) (plan, error) {
			if p.Status != store.StatusAuthorized {
				return plan{}, conflict("payment_not_capturable", fmt.Sprintf("payment is %s; only an authorized payment can be captured", p.Status))
			}
			if !gateway.Supports(gw, gateway.OpCapture) {
				return plan{}, notSupported("capture")
			}
			amt := p.AuthorizedAmount
			if r.Amount != nil {
				amt = *r.Amount
			}
			if amt <= 0 {
				return plan{}, invalid("amount_invalid", "amount", "amount must be positive")
			}
			if amt > p.AuthorizedAmount {
				return plan{}, unprocessable("capture_exceeds_authorized", fmt.Sprintf("cannot capture %d: only %d was authorized", amt, p.AuthorizedAmount))
			}
			return plan{store.KindCapture, amt}, nil
		}})
}

// Cancel voids a payment (iptal): a pre-authorisation at any time, a sale only
// before its POS's batch cut-off on the day it was taken.
func (s *Service) Cancel(ctx context.Context, c Caller, paymentID string) (*View, error) {
	return s.operate(ctx, c, paymentID, operation{requested: "cancel",
		prepare: func(p *store.Payment, txs []*store.Transaction, gw gateway.Gateway, pos *store.POS) (plan, error) {
			switch {
			case p.Status != store.StatusAuthorized && p.Status != store.StatusSucceeded:
				return plan{}, conflict("payment_not_cancelable", fmt.Sprintf("payment is %s; only an authorized or succeeded payment can be canceled", p.Status))
			case !gateway.Supports(gw, gateway.OpVoid):
				return plan{}, notSupported("cancel (void)")
			case p.Status == store.StatusSucceeded && !s.sameBatch(pos, capturedAt(txs)):
				return plan{}, conflict("cancel_window_closed", fmt.Sprintf("the POS's batch closed at %s Istanbul time after this payment; use a refund", pos.BatchCutoff))
			}
			amt := p.CapturedAmount
			if amt == 0 {
				amt = p.AuthorizedAmount
			}
			return plan{store.KindVoid, amt}, nil
		}})
}

// Refund returns money, fully or partly. The sum of refunds never exceeds the
// captured amount, counting refunds whose outcome is still unknown. A full
// refund before the batch cut-off goes to the bank as a void (no commission).
func (s *Service) Refund(ctx context.Context, c Caller, paymentID string, r AmountRequest) (*View, error) {
	return s.operate(ctx, c, paymentID, operation{requested: "refund",
		prepare: func(p *store.Payment, txs []*store.Transaction, gw gateway.Gateway, pos *store.POS) (plan, error) {
			if p.Status != store.StatusSucceeded && p.Status != store.StatusPartiallyRefunded {
				return plan{}, conflict("payment_not_refundable", fmt.Sprintf("payment is %s; only a captured payment can be refunded", p.Status))
			}
			var inFlight int64
			for _, t := range txs {
				if t.Kind == store.KindRefund && unresolved(t) {
					inFlight += t.Amount
				}
			}
			left := p.CapturedAmount - p.RefundedAmount - inFlight
			amt := left
			if r.Amount != nil {
				amt = *r.Amount
			}
			switch {
			case amt <= 0 && r.Amount != nil:
				return plan{}, invalid("amount_invalid", "amount", "amount must be positive")
			case amt <= 0 || amt > left:
				return plan{}, unprocessable("refund_exceeds_captured", fmt.Sprintf("cannot refund %d: %d captured, %d refunded, %d refund in flight", amt, p.CapturedAmount, p.RefundedAmount, inFlight))
			}
			full := amt == p.CapturedAmount && p.RefundedAmount == 0 && inFlight == 0
			if full && gateway.Supports(gw, gateway.OpVoid) && s.sameBatch(pos, capturedAt(txs)) {
				return plan{store.KindVoid, amt}, nil
			}
			if !gateway.Supports(gw, gateway.OpRefund) {
				return plan{}, notSupported("refund")
			}
			return plan{store.KindRefund, amt}, nil
		}})
}

// capturedAt is when money was last captured: the approved sale or capture.
func capturedAt(txs []*store.Transaction) time.Time {
	var at time.Time
	for _, t := range txs {
		if (t.Kind == store.KindSale || t.Kind == store.KindCapture) && t.Status == store.TxApproved && t.CompletedAt.After(at) {
			at = t.CompletedAt
		}
	}
	return at
}

// sameBatch reports whether at and now fall in the same end-of-day batch of
// the POS: a batch closing at cut-off on day D covers (cut-off D-1, cut-off D].
func (s *Service) sameBatch(pos *store.POS, at time.Time) bool {
	if at.IsZero() {
		return false
	}
	return batchDay(at, pos.BatchCutoff) == batchDay(s.now(), pos.BatchCutoff)
}

func batchDay(t time.Time, cutoff string) string {
	h, m := 23, 0
	if hh, mm, ok := strings.Cut(cutoff, ":"); ok {
		h, _ = strconv.Atoi(hh)
		m, _ = strconv.Atoi(mm)
	}
	l := t.In(Istanbul)
	if l.Hour()*60+l.Minute() >= h*60+m {
		l = l.AddDate(0, 0, 1)
	}
	return l.Format("2006-01-02")
}

func (s *Service) posAndGateway(ctx context.Context, p *store.Payment) (*store.POS, gateway.Gateway, error) {
	pos, err := s.Store.GetPOS(ctx, p.MerchantID, p.POSID)
	if err != nil {
		return nil, nil, err
	}
	gw, _, err := s.gatewayFor(pos)
	return pos, gw, err
}

func (s *Service) operate(ctx context.Context, c Caller, paymentID string, op operation) (*View, error) {
	p, err := s.load(ctx, c, paymentID)
	if err != nil {
		return nil, err
	}
	pos, gw, err := s.posAndGateway(ctx, p)
	if err != nil {
		return nil, err
	}
	var t *store.Transaction
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		cur, err := tx.LockPayment(ctx, p.MerchantID, p.ID)
		if err != nil {
			return err
		}
		txs, err := tx.ListTransactions(ctx, p.ID)
		if err != nil {
			return err
		}
		pl, err := op.prepare(cur, txs, gw, pos)
		if err != nil {
			return err
		}
		// Refunds may run side by side (their sum is bounded above); anything
		// else waits for every earlier bank call to be settled.
		for _, t := range txs {
			if unresolved(t) && !(t.Kind == store.KindRefund && pl.kind == store.KindRefund) {
				return conflict("payment_operation_in_progress", "an earlier bank call on this payment has no known outcome yet; retry later or POST /sync")
			}
		}
		t = s.newTx(cur, pl.kind, pl.amount)
		p = cur
		return tx.InsertTransaction(ctx, t)
	})
	if err != nil {
		return nil, err
	}
	order := gateway.Order{OrderID: p.BankOrderID, Amount: money.New(t.Amount, money.MustCurrency(p.Currency)), ClientIP: p.CustomerIP}
	res := s.call(ctx, func(ctx context.Context) *gateway.Result {
		switch t.Kind {
		case store.KindCapture:
			return gw.(gateway.Capturer).Capture(ctx, &gateway.CaptureRequest{Order: order, Installments: p.Installments})
		case store.KindVoid:
			return gw.(gateway.Voider).Void(ctx, &gateway.VoidRequest{Order: order})
		default:
			return gw.(gateway.Refunder).Refund(ctx, &gateway.RefundRequest{Order: order, Full: t.Amount == p.CapturedAmount})
		}
	}, t)

	var out *store.Payment
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		cur, err := tx.LockPayment(ctx, p.MerchantID, p.ID)
		if err != nil {
			return err
		}
		s.record(t, res)
		if err := tx.UpdateTransaction(ctx, t); err != nil {
			return err
		}
		out = cur
		if res.Outcome != gateway.Approved {
			return nil
		}
		applyApproved(cur, op.requested, t.Kind, t.Amount)
		cur.UpdatedAt = s.now()
		if err := tx.UpdatePayment(ctx, cur); err != nil {
			return err
		}
		return s.emit(ctx, tx, cur)
	})
	if err != nil {
		return nil, err
	}
	s.observe(p.POSID, t, res)
	s.log().Info("payment operation", "payment_id", p.ID, "requested", op.requested, "bank_operation", t.Kind,
		"outcome", res.Outcome, "bank_code", res.BankCode, "latency_ms", t.LatencyMS)
	v, err := s.view(ctx, out, &OperationRef{Requested: op.requested, BankOperation: t.Kind, TransactionID: t.ID, Status: t.Status, Amount: t.Amount})
	if err != nil {
		return nil, err
	}
	switch res.Outcome {
	case gateway.Approved, gateway.Unknown:
		return v, nil
	case gateway.Declined:
		return v, &Error{Status: http.StatusPaymentRequired, Code: "operation_declined", PaymentID: p.ID,
			Message: fmt.Sprintf("the bank declined the %s", t.Kind), BankCode: res.BankCode, BankMessage: res.BankMessage, Reason: string(res.Reason)}
	default:
		return v, &Error{Status: http.StatusBadGateway, Code: "bank_unavailable", PaymentID: p.ID,
			Message: fmt.Sprintf("the %s did not reach the bank or was refused by it; nothing changed", t.Kind), BankCode: res.BankCode, BankMessage: res.BankMessage}
	}
}

// applyApproved moves the ledger for an approved capture, void or refund.
func applyApproved(p *store.Payment, requested, kind string, amount int64) {
	switch {
	case kind == store.KindCapture:
		p.CapturedAmount = amount
		p.Status = store.StatusSucceeded
	case kind == store.KindVoid && requested == "refund":
		// A full refund the bank received as a same-day void: for the
		// merchant it is a refund of everything.
		p.RefundedAmount = p.CapturedAmount
		p.Status = store.StatusRefunded
	case kind == store.KindVoid:
		p.Status = store.StatusCanceled
	case kind == store.KindRefund:
		p.RefundedAmount += amount
		p.Status = refundStatus(p)
	}
}

func refundStatus(p *store.Payment) string {
	switch {
	case p.RefundedAmount >= p.CapturedAmount && p.CapturedAmount > 0:
		return store.StatusRefunded
	case p.RefundedAmount > 0:
		return store.StatusPartiallyRefunded
	}
	return store.StatusSucceeded
}

// EncodeCursor makes a keyset cursor from a list's last row (created_at, id).
func EncodeCursor(t time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(t.UnixMicro(), 10) + ":" + id))
}

// DecodeCursor reads a cursor EncodeCursor made.
func DecodeCursor(c string) (time.Time, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", err
	}
	ts, pid, ok := strings.Cut(string(b), ":")
	if !ok {
		return time.Time{}, "", errors.New("bad cursor")
	}
	us, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return time.Time{}, "", err
	}
	return time.UnixMicro(us).UTC(), pid, nil
}
