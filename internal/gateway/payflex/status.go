package payflex

import (
	"context"
	"errors"
	"fmt"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// orderView is what a Search says about an order: its approved
// transactions, oldest first.
type orderView struct {
	txns     []SearchTransaction
	minor    []int64
	canceled bool
	declined bool // only declined attempts
}

// last returns the most recent approved transaction of one of types.
func (v *orderView) last(types ...string) *SearchTransaction {
	for i := len(v.txns) - 1; i >= 0; i-- {
		for _, t := range types {
			if v.txns[i].TransactionType == t {
				return &v.txns[i]
			}
		}
	}
	return nil
}

// query runs a Search by order id. A nil view with a nil Result means the
// bank does not know the order.
func (g *Gateway) query(ctx context.Context, orderID string) (*orderView, *gateway.Result) {
	if !validOrderID(orderID) {
		return nil, gateway.RejectLocal(errOrderID, gateway.ReasonInvalidTxn)
	}
	q := &searchRequest{}
	q.MerchantCriteria.HostMerchantID, q.MerchantCriteria.MerchantPassword = g.merchantID, g.password
	q.TransactionCriteria.OrderID = orderID
	body, err := encodeForm(q)
	if err != nil {
		return nil, gateway.RejectLocal(fmt.Errorf("payflex: encoding search: %w", err), gateway.ReasonInvalidTxn)
	}
	data, terr := gateway.Post(ctx, g.client, g.search, contentType, body, nil)
	if terr != nil {
		return nil, terr.Result()
	}
	resp, err := ParseSearchResponse(data)
	if err != nil {
		res := unusable(err)
		return nil, &res
	}
	if resp.Status != "Success" {
		return nil, &gateway.Result{Outcome: gateway.Rejected, Reason: gateway.ReasonInvalidTxn,
			BankCode: resp.ResponseCode, BankErrorCode: resp.ResponseCode, BankMessage: resp.ResponseMessage}
	}
	v := &orderView{}
	for _, t := range resp.Transactions {
		if t.OrderID != "" && t.OrderID != orderID {
			continue
		}
		if t.ResultCode != codeApproved {
			v.declined = true
			continue
		}
		minor, err := parseAmount(t.CurrencyAmount, t.AmountCode)
		if err != nil {
			res := unusable(err)
			return nil, &res
		}
		v.txns, v.minor = append(v.txns, t), append(v.minor, minor)
		if t.TransactionType == TxCancel || t.IsCanceled || t.IsReversed {
			v.canceled = true
		}
	}
	if len(v.txns) == 0 && !v.declined {
		return nil, nil
	}
	return v, nil
}

func parseAmount(s, code string) (int64, error) {
	cur, err := money.ParseCurrency(code)
	if err != nil || CurrencyCode(cur) == "" {
		return 0, fmt.Errorf("%w: currency %q", ErrBadResponse, code)
	}
	a, err := money.ParseDecimal(s, cur)
	if err != nil || a.Minor < 0 {
		return 0, fmt.Errorf("%w: amount %q", ErrBadResponse, s)
	}
	return a.Minor, nil
}

// lookup finds the order before Capture, Cancel and Refund, which name the
// transaction they act on. If the lookup fails the operation itself was
// never sent, so an Unknown query becomes NotSent.
func (g *Gateway) lookup(ctx context.Context, orderID string) (*orderView, *gateway.Result) {
	v, res := g.query(ctx, orderID)
	if res != nil {
		return nil, gateway.LookupFailed(res)
	}
	if v == nil || len(v.txns) == 0 {
		return nil, gateway.RejectLocal(errors.New("payflex: the bank has no approved transaction for this order"), gateway.ReasonInvalidTxn)
	}
	return v, nil
}

// Status sums the order's approved transactions: Sale is captured money,
// Auth a hold, Capture the captured part of it, Refund refunds, and a
// Cancel (or a record flagged IsCanceled/IsReversed) voids the order. An
// order the bank does not know is StateNotFound with an Approved outcome.
func (g *Gateway) Status(ctx context.Context, orderID string) *gateway.StatusResult {
	v, res := g.query(ctx, orderID)
	if res != nil {
		return &gateway.StatusResult{Result: *res}
	}
	out := &gateway.StatusResult{Result: gateway.Result{Outcome: gateway.Approved, BankCode: codeApproved}}
	if v == nil {
		out.State = gateway.StateNotFound
		return out
	}
	var main *SearchTransaction
	for i := range v.txns {
		t, minor := &v.txns[i], v.minor[i]
		kind := txnKinds[t.TransactionType]
		out.AddTxn(kind, minor)
		if kind == gateway.TxnSale || kind == gateway.TxnAuth {
			main = t
		}
	}
	if main != nil {
		out.AuthCode, out.HostRef, out.TransID = main.AuthCode, main.Rrn, main.TransactionID
	}
	out.State = out.StateFromAmounts(v.canceled)
	if out.State == gateway.StatePending {
		out.State = gateway.StateDeclined // nothing approved to sum up
	}
	return out
}

// txnKinds is how each transaction type counts toward the order's status.
var txnKinds = map[string]gateway.TxnKind{
	TxSale:    gateway.TxnSale,
	TxAuth:    gateway.TxnAuth,
	TxCapture: gateway.TxnCapture,
	TxRefund:  gateway.TxnRefund,
}
