package posnet

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// Transaction states of an agreement reply.
const (
	stateSale    = "Sale"
	stateAuth    = "Auth"
	stateCapt    = "Capt"
	stateReturn  = "Return"
	stateReverse = "Reverse"
)

// reverseKind is reverse/transaction for a transaction state.
func reverseKind(state string) string { return strings.ToLower(state) }

// orderView is what an agreement query says about an order.
type orderView struct {
	found    bool
	threeD   bool // known under the TDSC prefix
	txns     []txn
	reversed bool
}

type txn struct {
	Transaction
	minor int64
}

// last returns the most recent transaction in one of states.
func (o *orderView) last(states ...string) *txn {
	for i := len(o.txns) - 1; i >= 0; i-- {
		for _, s := range states {
			if strings.EqualFold(o.txns[i].State, s) {
				return &o.txns[i]
			}
		}
	}
	return nil
}

// query runs agreement for the order, first under its plain 24-character
// id, then, if the bank does not know that, under the 3D (TDSC) one: Kasa
// does not record which model paid an order, and a not-found answer moves
// no money, so asking twice is safe.
func (g *Gateway) query(ctx context.Context, orderID string) (*orderView, *Response, *gateway.Result) {
	var resp *Response
	for _, threeD := range []bool{false, true} {
		id, err := PrefixedOrderID(orderID, threeD)
		if err != nil {
			return nil, nil, gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
		}
		r := &posnetRequest{MID: g.mid, TID: g.tid, Agreement: &agreementQuery{OrderID: id}}
		var res *gateway.Result
		resp, res = g.exchange(ctx, r)
		if res != nil {
			return nil, nil, res
		}
		if notFound(resp) {
			continue
		}
		if res := classify(resp); res.Outcome != gateway.Approved {
			return nil, resp, res
		}
		view, err := viewOf(resp)
		if err != nil {
			res := unusable(err)
			return nil, resp, &res
		}
		view.threeD = threeD
		return view, resp, nil
	}
	return &orderView{}, resp, nil
}

// notFound recognises the bank's answer for an order id it does not know.
func notFound(resp *Response) bool {
	return (resp.Approved == "0" && resp.RespCode == codeNotFound) ||
		(resp.Approved == "1" && resp.RespCode == "" && len(resp.Transactions) == 0)
}

func viewOf(resp *Response) (*orderView, error) {
	v := &orderView{}
	for _, t := range resp.Transactions {
		// The captured sample marks a completed transaction txnStatus 1;
		// anything else is not counted.
		if t.TxnStatus != "" && t.TxnStatus != "1" {
			continue
		}
		minor, err := parseStatusAmount(t.Amount, t.CurrencyCode)
		if err != nil {
			return nil, err
		}
		v.txns = append(v.txns, txn{Transaction: t, minor: minor})
		if strings.EqualFold(t.State, stateReverse) {
			v.reversed = true
		}
	}
	v.found = len(v.txns) > 0
	return v, nil
}

// parseStatusAmount reads agreement amounts, which unlike every other
// PosNet amount are major units with a decimal comma ("1,16", "1.234,50").
func parseStatusAmount(s, code string) (int64, error) {
	cur, ok := currencyOf(code)
	if !ok {
		return 0, fmt.Errorf("%w: currency %q", ErrBadResponse, code)
	}
	a, err := money.ParseDecimal(strings.ReplaceAll(s, ".", ""), cur)
	if err != nil || a.Minor < 0 {
		return 0, fmt.Errorf("%w: amount %q", ErrBadResponse, s)
	}
	return a.Minor, nil
}

func currencyOf(code string) (money.Currency, bool) {
	for iso, c := range currencyCodes {
		if strings.EqualFold(c, code) {
			return money.MustCurrency(iso), true
		}
	}
	return money.Currency{}, false
}

// lookup finds the order before capt, reverse and return, which name the
// transaction they act on. If the lookup fails, the operation itself was
// never sent: a transport failure of the query becomes NotSent.
func (g *Gateway) lookup(ctx context.Context, orderID string) (*orderView, *gateway.Result) {
	view, _, res := g.query(ctx, orderID)
	if res != nil {
		return nil, gateway.LookupFailed(res)
	}
	if !view.found {
		return nil, gateway.RejectLocal(errors.New("posnet: the bank has no transaction for this order"), gateway.ReasonInvalidTxn)
	}
	return view, nil
}

// Status asks the bank for the order's transactions (agreement) and sums
// them up: Auth is a pre-authorisation, Sale and Capt captured money, Return
// refunds, and a Reverse undoes the order. An order the bank does not know
// is StateNotFound with an Approved outcome: the query itself worked.
func (g *Gateway) Status(ctx context.Context, orderID string) *gateway.StatusResult {
	view, resp, res := g.query(ctx, orderID)
	if res != nil {
		return &gateway.StatusResult{Result: *res}
	}
	out := &gateway.StatusResult{Result: gateway.Result{Outcome: gateway.Approved, BankCode: "1"}}
	if resp != nil {
		out.BankMessage = resp.RespText
	}
	if !view.found {
		out.State = gateway.StateNotFound
		return out
	}
	var main *txn
	for i := range view.txns {
		t := &view.txns[i]
		kind := gateway.KindOf(t.State, stateSale, stateAuth, stateCapt, stateReturn)
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
