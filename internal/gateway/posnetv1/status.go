package posnetv1

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// TransactionType values of inquiry records.
const (
	typeSale    = "Sale"
	typeAuth    = "Auth"
	typeCapture = "Capture"
	typeReturn  = "Return"
	typeReverse = "Reverse"
)

type orderView struct {
	found    bool
	txns     []txn // oldest first
	reversed bool
}

type txn struct {
	Transaction
	minor int64
}

func (o *orderView) last(types ...string) *txn {
	for i := len(o.txns) - 1; i >= 0; i-- {
		for _, t := range types {
			if strings.EqualFold(o.txns[i].TransactionType, t) {
				return &o.txns[i]
			}
		}
	}
	return nil
}

// query runs TransactionInquiry under the plain 24-character order id,
// then under the 3D ("TDS_") one: Kasa does not record which model paid,
// and a not-found answer moves no money.
func (g *Gateway) query(ctx context.Context, orderID string) (*orderView, *gateway.Result) {
	for _, threeD := range []bool{false, true} {
		id, err := PrefixedOrderID(orderID, threeD)
		if err != nil {
			return nil, gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
		}
		r := g.base(macParamsTerminal)
		r.IsEncrypted = "N"
		r.OrderID = id
		r.MAC = MAC(g.encKey, g.merchantNo, g.terminalNo)
		resp, res := g.exchange(ctx, opInquiry, r)
		if res != nil {
			return nil, res
		}
		if resp.ResponseCode == codeNotFound || (approvedCode(resp.ResponseCode) && len(resp.Transactions) == 0) {
			continue
		}
		if res := classify(resp); res.Outcome != gateway.Approved {
			return nil, res
		}
		view, err := viewOf(resp)
		if err != nil {
			res := unusable(err)
			return nil, &res
		}
		return view, nil
	}
	return &orderView{}, nil
}

func viewOf(resp *Response) (*orderView, error) {
	v := &orderView{}
	// The host lists the newest first.
	for i := len(resp.Transactions) - 1; i >= 0; i-- {
		t := resp.Transactions[i]
		if t.TransactionStatus != "1" {
			continue
		}
		minor, err := parseStatusAmount(t.Amount, t.CurrencyCode)
		if err != nil {
			return nil, err
		}
		v.txns = append(v.txns, txn{Transaction: t, minor: minor})
		if strings.EqualFold(t.TransactionType, typeReverse) {
			v.reversed = true
		}
	}
	v.found = len(v.txns) > 0
	return v, nil
}

// parseStatusAmount reads inquiry amounts: major units with a decimal
// comma ("1,75", "1.234,50").
func parseStatusAmount(s, code string) (int64, error) {
	var cur money.Currency
	for iso, c := range currencyCodes {
		if strings.EqualFold(c, code) {
			cur = money.MustCurrency(iso)
		}
	}
	if cur.IsZero() {
		return 0, fmt.Errorf("%w: currency %q", ErrBadResponse, code)
	}
	a, err := money.ParseDecimal(strings.ReplaceAll(s, ".", ""), cur)
	if err != nil || a.Minor < 0 {
		return 0, fmt.Errorf("%w: amount %q", ErrBadResponse, s)
	}
	return a.Minor, nil
}

// lookup finds the order before Capture, Reverse and Return. If the query
// fails, the operation itself was never sent: Unknown becomes NotSent.
func (g *Gateway) lookup(ctx context.Context, orderID string) (*orderView, *gateway.Result) {
	view, res := g.query(ctx, orderID)
	if res != nil {
		return nil, gateway.LookupFailed(res)
	}
	if !view.found {
		return nil, gateway.RejectLocal(errors.New("posnetv1: the bank has no transaction for this order"), gateway.ReasonInvalidTxn)
	}
	return view, nil
}

// Status sums the order's inquiry records up: Auth is a
// pre-authorisation, Sale and Capture captured money, Return refunds, a
// Reverse undoes the order. An unknown order is StateNotFound, Approved.
func (g *Gateway) Status(ctx context.Context, orderID string) *gateway.StatusResult {
	view, res := g.query(ctx, orderID)
	if res != nil {
		return &gateway.StatusResult{Result: *res}
	}
	out := &gateway.StatusResult{Result: gateway.Result{Outcome: gateway.Approved, BankCode: "0000"}}
	if !view.found {
		out.State = gateway.StateNotFound
		return out
	}
	var main *txn
	for i := range view.txns {
		t := &view.txns[i]
		kind := gateway.KindOf(t.TransactionType, typeSale, typeAuth, typeCapture, typeReturn)
		out.AddTxn(kind, t.minor)
		if kind == gateway.TxnSale || kind == gateway.TxnAuth && main == nil {
			main = t
		}
	}
	if main != nil {
		out.AuthCode, out.HostRef = main.AuthCode, main.HostLogKey
	}
	out.State = out.StateFromAmounts(view.reversed)
	return out
}
