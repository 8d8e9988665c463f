package akbank

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// txnDateLayout parses txnDateTime ("2024-04-15T20:41:03.165"); Go accepts
// the fraction without it being in the layout.
const txnDateLayout = "2006-01-02T15:04:05"

// Akbank offers no status query (its reference client refuses one). Kasa
// still needs to settle unknown outcomes, so Status is derived from the
// order history (txnCode 1010), which lists every transaction of the order:
// the sale or pre-auth under the order id, post-auths and refunds with their
// own ids and the order's as orgOrderId. txnStatus N is normal, V cancelled,
// R reversed, S suspect (not final); a pre-auth's preAuthStatus is O while
// open and C once captured.

// Status asks the bank for the order's history and sums it up. An order the
// bank does not know is StateNotFound with an Approved outcome: the query
// itself worked.
func (g *Gateway) Status(ctx context.Context, orderID string) *gateway.StatusResult {
	if err := checkOrder(gateway.Order{OrderID: orderID}, false); err != nil {
		return &gateway.StatusResult{Result: *gateway.RejectLocal(err, gateway.ReasonInvalidTxn)}
	}
	recs, res := g.history(ctx, orderID)
	if res != nil {
		return &gateway.StatusResult{Result: *res}
	}
	out := &gateway.StatusResult{Result: gateway.Result{Outcome: gateway.Approved, BankCode: codeApproved}}
	s, err := summarize(recs)
	if err != nil {
		return &gateway.StatusResult{Result: unusable(err)}
	}
	out.State = s.state
	out.AuthorizedAmount, out.CapturedAmount, out.RefundedAmount = s.authorized, s.captured, s.refunded
	if m := s.main; m != nil {
		out.AuthCode, out.HostRef = m.AuthCode, nonZero(m.RRN)
	}
	return out
}

// OrderHistory lists the order's bank-side transactions, oldest first.
// Type is Kasa's name for the txnCode (Auth, PreAuth, PostAuth, Credit);
// Status is the raw txnStatus; BankCode the issuer's code if any, else the
// VPS code. An unknown order gives no entries and an Approved result.
func (g *Gateway) OrderHistory(ctx context.Context, orderID string) ([]gateway.HistoryEntry, *gateway.Result) {
	if err := checkOrder(gateway.Order{OrderID: orderID}, false); err != nil {
		return nil, gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	recs, res := g.history(ctx, orderID)
	if res != nil {
		return nil, res
	}
	out := make([]gateway.HistoryEntry, 0, len(recs))
	for _, r := range recs {
		amt, err := r.minor(r.Amount)
		if err != nil {
			res := unusable(err)
			return nil, &res
		}
		code := r.HostResponseCode
		if code == "" || r.ResponseCode != codeApproved {
			code = r.ResponseCode
		}
		out = append(out, gateway.HistoryEntry{
			Type: typeName(r.TxnCode), Status: r.TxnStatus, Amount: amt, BankCode: code,
			AuthCode: nonZero(r.AuthCode), HostRef: nonZero(r.RRN), Time: parseTime(r.TxnDateTime),
		})
	}
	return out, &gateway.Result{Outcome: gateway.Approved, BankCode: codeApproved}
}

// history fetches the order's transactions, oldest first; none for an
// unknown order.
func (g *Gateway) history(ctx context.Context, orderID string) ([]TxnDetail, *gateway.Result) {
	resp, res := g.exchange(ctx, g.request(txnOrderHistory, orderID))
	if res != nil {
		return nil, res
	}
	if resp.ResponseCode == codeNotFound {
		return nil, nil
	}
	if res := classify(resp); res.Outcome != gateway.Approved {
		return nil, res
	}
	var recs []TxnDetail
	for _, d := range resp.Details {
		// A reply about another order cannot describe this one.
		if d.OrderID != orderID && d.OrgOrderID != orderID {
			res := unusable(fmt.Errorf("%w: history lists order %q", ErrBadResponse, d.OrderID))
			return nil, &res
		}
		recs = append(recs, d)
	}
	sort.SliceStable(recs, func(i, j int) bool { return parseTime(recs[i].TxnDateTime).Before(parseTime(recs[j].TxnDateTime)) })
	return recs, nil
}

func parseTime(s string) time.Time {
	t, err := time.ParseInLocation(txnDateLayout, s, bankZone)
	if err != nil {
		return time.Time{}
	}
	return t
}

func typeName(txnCode string) string {
	switch txnCode {
	case txnSale, txn3DSale:
		return "Auth"
	case txnPreAuth, txn3DPreAuth:
		return "PreAuth"
	case txnPostAuth:
		return "PostAuth"
	case txnRefund:
		return "Credit"
	case txnCancel:
		return "Void"
	}
	return txnCode
}

// minor parses one of the record's amounts into minor units of its currency.
func (d *TxnDetail) minor(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	cur, ok := currencyByNumber(d.CurrencyCode)
	if !ok {
		return 0, fmt.Errorf("%w: currency %q", ErrBadResponse, d.CurrencyCode)
	}
	a, err := money.ParseDecimal(s, cur)
	if err != nil || a.Minor < 0 {
		return 0, fmt.Errorf("%w: amount %q", ErrBadResponse, s)
	}
	return a.Minor, nil
}

func currencyByNumber(n string) (money.Currency, bool) {
	for _, c := range descriptor.Currencies {
		if c.Numeric == n {
			return c, true
		}
	}
	return money.Currency{}, false
}

type orderSummary struct {
	state                          gateway.OrderState
	authorized, captured, refunded int64
	main                           *TxnDetail // the approved sale or pre-auth
}

// summarize derives the order's state from its transactions. Failed
// transactions only matter when nothing was approved (declined).
func summarize(recs []TxnDetail) (orderSummary, error) {
	var s orderSummary
	var captured int64
	postAuth, pending, mainVoided := false, false, false
	for i := range recs {
		r := &recs[i]
		if r.ResponseCode != codeApproved {
			continue
		}
		if r.TxnStatus == "S" {
			pending = true
			continue
		}
		live := r.TxnStatus == "N"
		amt, err := r.minor(r.Amount)
		if err != nil {
			return s, err
		}
		switch r.TxnCode {
		case txnSale, txn3DSale:
			s.main, mainVoided = r, !live
			s.authorized, captured = amt, amt
		case txnPreAuth, txn3DPreAuth:
			s.main, mainVoided = r, !live
			s.authorized = amt
			if r.PreAuthStatus == "C" {
				if captured, err = r.minor(r.PreAuthCloseAmount); err != nil {
					return s, err
				}
				postAuth = true
			}
		case txnPostAuth:
			if live {
				captured, postAuth = amt, true
			}
		case txnRefund:
			if live {
				s.refunded += amt
			}
		}
	}
	switch {
	case s.main == nil && pending:
		s.state = gateway.StatePending
	case s.main == nil && len(recs) > 0:
		s.state = gateway.StateDeclined
	case s.main == nil:
		s.state = gateway.StateNotFound
	case mainVoided:
		s.state, s.refunded = gateway.StateVoided, 0
	case s.refunded > 0:
		s.state, s.captured = gateway.StateRefunded, captured
	case isPreAuth(s.main.TxnCode) && !postAuth:
		s.state = gateway.StateAuthorized
	default:
		s.state, s.captured = gateway.StateCaptured, captured
	}
	return s, nil
}

func isPreAuth(code string) bool { return code == txnPreAuth || code == txn3DPreAuth }
