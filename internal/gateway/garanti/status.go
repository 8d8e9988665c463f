package garanti

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/gateway"
)

// queryCurrency goes with fixedAmount in the queries, which carry no order
// currency but must send and hash one.
const queryCurrency = "949"

// bankZone is Garanti's local time. Turkey has been on fixed UTC+3 since 2016.
var bankZone = time.FixedZone("TRT", 3*60*60)

// Status asks the bank for an order (orderinq, PROVAUT, fixed amount 100).
// Order/OrderInqResult describes the order's sale or pre-auth: Status
// WAITINGPOSTAUTH is an open pre-auth (PreAuthAmount), APPROVED a sale or
// captured pre-auth (AuthAmount captured), VOID/CANCELLED voided,
// REFUNDED refunded, DECLINED/ERROR declined. Refunded amounts appear only
// in the order history, so for a captured or refunded order the history is
// fetched and its approved refunds summed. An order the bank does not know
// is StateNotFound with an Approved outcome: the query itself worked.
func (g *Gateway) Status(ctx context.Context, orderID string) *gateway.StatusResult {
	if err := checkOrderID(orderID); err != nil {
		return &gateway.StatusResult{Result: *gateway.RejectLocal(err, gateway.ReasonInvalidTxn)}
	}
	r := g.request(typeOrderInq, userAut, gateway.Order{OrderID: orderID}, fixedAmount, queryCurrency)
	resp, res := g.exchange(ctx, r)
	if res != nil {
		return &gateway.StatusResult{Result: *res}
	}
	if notFound(resp) {
		return &gateway.StatusResult{
			Result: gateway.Result{Outcome: gateway.Approved, BankCode: resp.Code, BankErrorCode: resp.ReasonCode, BankMessage: resp.ErrorMsg},
			State:  gateway.StateNotFound,
		}
	}
	out := &gateway.StatusResult{Result: *classify(resp)}
	if out.Outcome != gateway.Approved {
		return out
	}
	inq := resp.Inq
	if inq == nil {
		return &gateway.StatusResult{Result: unusable(fmt.Errorf("%w: no OrderInqResult", ErrBadResponse))}
	}
	pre, err1 := parseMinor(inq.PreAuthAmount)
	auth, err2 := parseMinor(inq.AuthAmount)
	if err1 != nil || err2 != nil {
		return &gateway.StatusResult{Result: unusable(fmt.Errorf("%w: amounts %q/%q", ErrBadResponse, inq.PreAuthAmount, inq.AuthAmount))}
	}
	out.AuthCode, out.HostRef = inq.AuthCode, inq.RetrefNum
	out.AuthorizedAmount = auth
	if pre > 0 {
		out.AuthorizedAmount = pre
	}
	switch strings.ToUpper(inq.Status) {
	case "WAITINGPOSTAUTH":
		out.State = gateway.StateAuthorized
		return out
	case "APPROVED":
		out.State = gateway.StateCaptured
	case "REFUNDED":
		out.State = gateway.StateRefunded
	case "VOID", "CANCELLED":
		out.State = gateway.StateVoided
		out.CapturedAmount = auth
		return out
	case "DECLINED", "ERROR":
		out.State, out.AuthorizedAmount = gateway.StateDeclined, 0
		return out
	default:
		out.State, out.AuthorizedAmount = gateway.StatePending, 0
		return out
	}
	out.CapturedAmount = auth
	txns, hres := g.history(ctx, orderID)
	if hres != nil {
		return &gateway.StatusResult{Result: *hres}
	}
	for _, t := range txns {
		if strings.EqualFold(t.Type, typeRefund) && t.Status == "00" {
			amt, err := parseMinor(t.AuthAmount)
			if err != nil {
				return &gateway.StatusResult{Result: unusable(err)}
			}
			out.RefundedAmount += amt
		}
	}
	if out.RefundedAmount > 0 {
		out.State = gateway.StateRefunded
	}
	return out
}

// OrderHistory lists an order's bank-side transactions (orderhistoryinq),
// oldest first as Garanti lists them. Type is the GVPS type (sales,
// preauth, postauth, void, refund); Status is the raw status ("00"
// approved); Amount is AuthAmount, or PreAuthAmount for a pre-auth. An
// unknown order gives no entries and an Approved result.
func (g *Gateway) OrderHistory(ctx context.Context, orderID string) ([]gateway.HistoryEntry, *gateway.Result) {
	if err := checkOrderID(orderID); err != nil {
		return nil, gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	txns, res := g.history(ctx, orderID)
	if res != nil {
		return nil, res
	}
	out := make([]gateway.HistoryEntry, 0, len(txns))
	for _, t := range txns {
		amt, err := parseMinor(t.AuthAmount)
		var pre int64
		if err == nil {
			pre, err = parseMinor(t.PreAuthAmount)
		}
		if err != nil {
			r := unusable(err)
			return nil, &r
		}
		if strings.EqualFold(t.Type, typePreAuth) && pre > 0 {
			amt = pre
		}
		when := parseDate(t.AuthDate)
		if when.IsZero() {
			when = parseDate(t.PreAuthDate)
		}
		out = append(out, gateway.HistoryEntry{
			Type: t.Type, Status: t.Status, Amount: amt, BankCode: t.ReturnCode,
			AuthCode: t.AuthCode, HostRef: t.RetrefNum, Time: when,
		})
	}
	return out, &gateway.Result{Outcome: gateway.Approved, BankCode: "00"}
}

// history fetches the order's transactions; none (and no Result) when the
// bank does not know the order.
func (g *Gateway) history(ctx context.Context, orderID string) ([]OrderTxn, *gateway.Result) {
	r := g.request(typeOrderHistInq, userAut, gateway.Order{OrderID: orderID}, fixedAmount, queryCurrency)
	resp, res := g.exchange(ctx, r)
	if res != nil {
		return nil, res
	}
	if notFound(resp) {
		return nil, nil
	}
	if res := classify(resp); res.Outcome != gateway.Approved {
		return nil, res
	}
	return resp.History, nil
}

// parseMinor parses an integer minor-unit amount; "" is zero.
func parseMinor(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%w: amount %q", ErrBadResponse, s)
	}
	return v, nil
}

// parseDate reads the history's dates: "20240107" or
// "2024-01-06 23:10:05.975"; anything else is the zero time.
func parseDate(s string) time.Time {
	for _, layout := range []string{"20060102", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, bankZone); err == nil {
			return t
		}
	}
	return time.Time{}
}
