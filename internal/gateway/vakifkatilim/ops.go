package vakifkatilim

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/boa"
	"github.com/kasapos/kasa/internal/money"
)

// Order statuses in OrderContract.OrderStatus (the order's, or in a
// history row the transaction's, type) and LastOrderStatus (where the order
// stands). 1, 4, 5 and 6 appear in captured replies; 2 and 3 are the
// simulator's numbering for a pre-authorisation and its close (the bank's
// are not public).
const (
	statusSale            = "1"
	statusPreAuth         = "2"
	statusPreAuthClosed   = "3"
	statusFullRefund      = "4"
	statusPartialRefund   = "5"
	statusCancelled       = "6"
	transactionStatusFail = "2" // TransactionStatus: 1 success, 2 failure
)

var statusNames = map[string]string{
	statusSale: "Sale", statusPreAuth: "PreAuth", statusPreAuthClosed: "PreAuthClose",
	statusFullRefund: "DrawBack", statusPartialRefund: "PartialDrawBack", statusCancelled: "Cancel",
}

// lookup asks SelectOrderByMerchantOrderId for the order; nil with a nil
// Result means the bank does not know it.
func (g *Gateway) lookup(ctx context.Context, orderID string) (*boa.OrderContract, *gateway.Result) {
	m := g.base(orderID)
	resp, res := g.call(ctx, PathStatus, g.sign(m))
	if res != nil {
		return nil, res
	}
	switch resp.ResponseCode {
	case boa.Approved:
	case CodeNoResult, CodeOrderNotFound:
		return nil, nil
	default:
		return nil, classify(resp.ResponseCode, resp.ResponseMessage)
	}
	for i := range resp.Orders {
		if resp.Orders[i].MerchantOrderID == orderID {
			return &resp.Orders[i], nil
		}
	}
	return nil, nil
}

// find looks the order of an operation up: the bank's contract and its
// currency. A failed lookup means the operation was never sent; an unknown
// order or a currency other than the order's is refused here.
func (g *Gateway) find(ctx context.Context, o gateway.Order) (*boa.OrderContract, money.Currency, *gateway.Result) {
	oc, res := g.lookup(ctx, o.OrderID)
	if res != nil {
		return nil, money.Currency{}, gateway.LookupFailed(res)
	}
	if oc == nil {
		return nil, money.Currency{}, &gateway.Result{Outcome: gateway.Rejected, Reason: gateway.ReasonInvalidTxn,
			BankErrorCode: CodeOrderNotFound, BankMessage: "vakifkatilim: the bank does not know order " + o.OrderID}
	}
	cur, ok := ParseCurrency(oc.FEC)
	if !ok {
		r := gateway.Unusable(ErrBadResponse, fmt.Errorf("order %s has currency code %q", o.OrderID, oc.FEC))
		return nil, money.Currency{}, gateway.LookupFailed(&r)
	}
	if c := o.Amount.Currency; !c.IsZero() && c.Code != cur.Code {
		return nil, cur, gateway.RejectLocal(fmt.Errorf("vakifkatilim: order %s is in %s, not %s", o.OrderID, cur.Code, c.Code), gateway.ReasonInvalidTxn)
	}
	return oc, cur, nil
}

// summarize is an order contract as Kasa's order state and amounts.
func summarize(oc *boa.OrderContract, cur money.Currency) *gateway.StatusResult {
	out := &gateway.StatusResult{Result: gateway.Result{Outcome: gateway.Approved, BankCode: oc.ResponseCode,
		BankMessage: oc.ResponseExplain, AuthCode: oc.ProvNumber, HostRef: oc.RRN, TransID: oc.OrderID}}
	if (oc.ResponseCode != "" && oc.ResponseCode != boa.Approved) || oc.TransactionStatus == transactionStatusFail {
		out.State = gateway.StateDeclined
		return out
	}
	out.AuthorizedAmount = boa.DecimalMinor(oc.FirstAmount, cur)
	if oc.OrderStatus == statusPreAuth {
		out.CapturedAmount = boa.DecimalMinor(oc.ClosedAmount, cur)
	} else {
		out.CapturedAmount = out.AuthorizedAmount
	}
	out.RefundedAmount = boa.DecimalMinor(oc.DrawbackAmount, cur)
	out.State = out.StateFromAmounts(oc.LastOrderStatus == statusCancelled)
	return out
}

// Status maps SelectOrderByMerchantOrderId to Kasa's order state.
func (g *Gateway) Status(ctx context.Context, orderID string) *gateway.StatusResult {
	if err := descriptor.CheckOrderID(orderID, gateway.OrderIDChars); err != nil {
		return &gateway.StatusResult{Result: *gateway.RejectLocal(err, gateway.ReasonInvalidTxn)}
	}
	oc, res := g.lookup(ctx, orderID)
	if res != nil {
		return &gateway.StatusResult{Result: *res}
	}
	if oc == nil {
		return &gateway.StatusResult{Result: gateway.Result{Outcome: gateway.Approved}, State: gateway.StateNotFound}
	}
	cur, ok := ParseCurrency(oc.FEC)
	if !ok {
		return &gateway.StatusResult{Result: gateway.Unusable(ErrBadResponse, fmt.Errorf("order %s has currency code %q", orderID, oc.FEC))}
	}
	return summarize(oc, cur)
}

// Void cancels the order before the end of day: SaleReversal for a sale or
// a captured pre-auth (for what was captured), PreAuthorizationReversal for
// an open pre-auth.
func (g *Gateway) Void(ctx context.Context, req *gateway.VoidRequest) *gateway.Result {
	if err := descriptor.CheckOrder(req.Order, false, gateway.OrderIDChars); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	oc, cur, res := g.find(ctx, req.Order)
	if res != nil {
		return res
	}
	m := g.base(req.OrderID)
	m.HashPassword, m.OrderID, m.PaymentType = boa.HashPassword(g.password), oc.OrderID, "1"
	path := PathSaleReversal
	if oc.LastOrderStatus == statusPreAuth {
		path = PathPreAuthReversal
	} else if captured := summarize(oc, cur).CapturedAmount; captured > 0 {
		m.Amount = boa.FormatAmount(money.New(captured, cur))
	}
	return g.send(ctx, path, g.sign(m))
}

// Refund returns money: DrawBack when all that was captured goes back at
// once, PartialDrawBack (with the amount) otherwise.
func (g *Gateway) Refund(ctx context.Context, req *gateway.RefundRequest) *gateway.Result {
	if err := descriptor.CheckOrder(req.Order, false, gateway.OrderIDChars); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	if req.Amount.Minor < 0 || (req.Amount.Minor == 0 && !req.Full) {
		return gateway.RejectLocal(errors.New("vakifkatilim: refund amount must be positive"), gateway.ReasonInvalidTxn)
	}
	oc, cur, res := g.find(ctx, req.Order)
	if res != nil {
		return res
	}
	st := summarize(oc, cur)
	m := g.base(req.OrderID)
	m.HashPassword, m.OrderID = boa.HashPassword(g.password), oc.OrderID
	path := PathDrawBack
	if !req.Full || st.RefundedAmount > 0 || (req.Amount.Minor > 0 && req.Amount.Minor != st.CapturedAmount) {
		amount := req.Amount.Minor
		if amount == 0 {
			amount = st.CapturedAmount - st.RefundedAmount
		}
		path, m.Amount = PathPartialDrawBack, boa.FormatAmount(money.New(amount, cur))
	}
	return g.send(ctx, path, g.sign(m))
}

// historyWindow is the longest date range SelectOrder accepts.
const historyWindow = 90 * 24 * time.Hour

// OrderHistory lists the order's transactions (SelectOrder, one row per
// transaction), oldest first.
func (g *Gateway) OrderHistory(ctx context.Context, orderID string) ([]gateway.HistoryEntry, *gateway.Result) {
	if err := descriptor.CheckOrderID(orderID, gateway.OrderIDChars); err != nil {
		return nil, gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	oc, res := g.lookup(ctx, orderID)
	if res != nil {
		return nil, res
	}
	if oc == nil {
		return nil, &gateway.Result{Outcome: gateway.Approved}
	}
	now := time.Now().In(turkey)
	start := boa.ParseTime(oc.OrderDate)
	if start.IsZero() || start.After(now) {
		start = now
	}
	start = start.AddDate(0, 0, -1)
	end := now.AddDate(0, 0, 1)
	if end.Sub(start) >= historyWindow {
		end = start.Add(historyWindow - 24*time.Hour)
	}
	m := g.base("")
	m.StartDate, m.EndDate = start.Format(time.DateOnly), end.Format(time.DateOnly)
	m.LowerLimit, m.UpperLimit, m.ProvNumber, m.OrderNo = "0", "100", oc.ProvNumber, oc.OrderID
	resp, res := g.call(ctx, PathHistory, g.sign(m))
	if res != nil {
		return nil, res
	}
	switch resp.ResponseCode {
	case boa.Approved:
	case CodeNoResult:
		return nil, &gateway.Result{Outcome: gateway.Approved}
	default:
		return nil, classify(resp.ResponseCode, resp.ResponseMessage)
	}
	var out []gateway.HistoryEntry
	for _, row := range resp.Orders {
		if row.MerchantOrderID != orderID {
			continue
		}
		cur, _ := ParseCurrency(row.FEC)
		if cur.IsZero() {
			cur = money.TRY
		}
		typ := statusNames[row.OrderStatus]
		if typ == "" {
			typ = strings.TrimSpace(row.OrderStatusDescription + " " + row.OrderStatus)
		}
		status := row.TransactionStatusDescription
		if status == "" {
			status = "approved"
			if row.ResponseCode != boa.Approved {
				status = "declined"
			}
		}
		out = append(out, gateway.HistoryEntry{Type: typ, Status: status, Amount: boa.DecimalMinor(row.TranAmount, cur),
			BankCode: row.ResponseCode, AuthCode: row.ProvNumber, HostRef: row.RRN, Time: boa.ParseTime(row.OrderDate)})
	}
	sortByTime(out)
	return out, &gateway.Result{Outcome: gateway.Approved}
}

var turkey = time.FixedZone("TRT", 3*3600)

func sortByTime(h []gateway.HistoryEntry) {
	slices.SortStableFunc(h, func(a, b gateway.HistoryEntry) int { return a.Time.Compare(b.Time) })
}
