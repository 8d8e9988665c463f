package interpos

import (
	"context"
	"fmt"
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// Status asks the bank for an order (TxnType StatusHistory, orgOrderId).
//
// Only failure replies of this query are public (OrderId, ProcReturnCode,
// BatchNo, TransId, TRXDATE, TxnStat, PurchAmount, VoidDate, TxnStatus,
// ChargeTypeCd, ErrorCode, ErrorMessage, RefundedAmount, AuthCode). Kasa
// reads a success reply with the same fields as follows, and its simulator
// answers in that shape:
//
//   - ChargeTypeCd: the order's transaction type, Auth or PreAuth;
//   - TxnStat: Y if that transaction was approved, N if declined;
//   - TxnStatus: A authorised (open pre-auth), C completed (sale or captured
//     pre-auth), V voided, D declined;
//   - PurchAmount: the order's current amount — the captured amount once
//     captured, else the authorised one; RefundedAmount: the sum refunded;
//     both with a decimal comma ("1,01"), as the bank writes amounts.
//
// An order the bank does not know is StateNotFound with an Approved outcome:
// the query itself worked.
func (g *Gateway) Status(ctx context.Context, orderID string) *gateway.StatusResult {
	if err := CheckOrderID(orderID); err != nil {
		return &gateway.StatusResult{Result: *gateway.RejectLocal(err, gateway.ReasonInvalidTxn)}
	}
	f := g.form(typeStatusHistory)
	f.add("orgOrderId", orderID)
	f.add("Lang", "tr")
	resp, res := g.exchange(ctx, f, statusFields)
	if res != nil {
		return &gateway.StatusResult{Result: *res}
	}
	return statusFrom(resp)
}

func statusFrom(resp *Response) *gateway.StatusResult {
	if isNotFound(resp) {
		return &gateway.StatusResult{
			Result: gateway.Result{Outcome: gateway.Approved, BankCode: resp.ProcReturnCode(),
				BankErrorCode: resp.Get("ErrorCode"), BankMessage: resp.Get("ErrorMessage")},
			State: gateway.StateNotFound,
		}
	}
	out := &gateway.StatusResult{Result: *classify(resp)}
	if out.Outcome != gateway.Approved {
		return out
	}
	amount, err := ParseAmount(resp.Get("PurchAmount"))
	if err != nil {
		return &gateway.StatusResult{Result: *unusable(err)}
	}
	refunded, err := ParseAmount(resp.Get("RefundedAmount"))
	if err != nil {
		return &gateway.StatusResult{Result: *unusable(err)}
	}
	sale := strings.EqualFold(resp.Get("ChargeTypeCd"), typeAuth)
	switch stat := strings.ToUpper(resp.Get("TxnStatus")); {
	case strings.EqualFold(resp.Get("TxnStat"), "N") || stat == "D":
		out.State = gateway.StateDeclined
	case stat == "A":
		out.State, out.AuthorizedAmount = gateway.StateAuthorized, amount
	case stat == "C":
		out.State, out.AuthorizedAmount, out.CapturedAmount = gateway.StateCaptured, amount, amount
		if refunded > 0 {
			out.State, out.RefundedAmount = gateway.StateRefunded, refunded
		}
	case stat == "V":
		out.State, out.AuthorizedAmount = gateway.StateVoided, amount
		if sale {
			out.CapturedAmount = amount
		}
	default:
		out.State = gateway.StatePending
	}
	return out
}

// ParseAmount reads an amount the bank wrote into integer minor units of a
// two-decimal currency (every currency Kasa offers on InterVPOS). With a
// comma, the comma is the decimal separator and dots group thousands
// ("1.056,20"), as the bank writes; without one, a dot is the decimal
// separator. "" and "0" are zero.
func ParseAmount(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if strings.Contains(s, ",") {
		s = strings.ReplaceAll(s, ".", "")
	}
	a, err := money.ParseDecimal(s, money.TRY)
	if err != nil || a.Minor < 0 {
		return 0, fmt.Errorf("%w: amount %q", ErrBadResponse, s)
	}
	return a.Minor, nil
}
