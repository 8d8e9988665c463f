package payfor

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// bankZone is the hosts' local time. Turkey has been on fixed UTC+3 since
// 2016, so no tz database is needed.
var bankZone = time.FixedZone("TRT", 3*60*60)

// historyTimeLayout parses InsertDatetime of history records ("2024-01-21T17:39:02").
const historyTimeLayout = "2006-01-02T15:04:05"

// codeNotFound is PayFor's "Seçili İşlem Bulunamadı!" (no such transaction).
const codeNotFound = "V013"

// record is one bank-side transaction: an OrderInquiry reply or a
// TxnHistory PaymentRequest.
type record struct {
	typ      string // Auth, PreAuth, PostAuth, Void, Refund
	stat     string // TxnStatus: Y done, N failed, V voided later, P pending
	amount   int64
	code     string
	authCode string
	hostRef  string
	transID  string
	time     time.Time
}

func (r *record) approved() bool {
	return r.code == "00" && (strings.EqualFold(r.stat, "Y") || strings.EqualFold(r.stat, "V"))
}

func (r *record) voided() bool { return strings.EqualFold(r.stat, "V") }

func newRecord(f map[string]string) (record, error) {
	r := record{
		typ:      f["TxnType"],
		stat:     f["TxnStatus"],
		code:     f["ProcReturnCode"],
		authCode: f["AuthCode"],
		hostRef:  f["HostRefNum"],
		transID:  f["TransId"],
	}
	if r.hostRef == "" {
		r.hostRef = f["F37"] // the RRN, where HostRefNum is left empty
	}
	var err error
	if r.amount, err = parseAmount(f["PurchAmount"], f["Currency"]); err != nil {
		return record{}, err
	}
	if t, err := time.ParseInLocation(historyTimeLayout, f["InsertDatetime"], bankZone); err == nil && t.Year() > 1 {
		r.time = t
	}
	return r, nil
}

// parseAmount reads a dot-decimal amount in the currency with numeric code
// cur; "" is zero.
func parseAmount(s, cur string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	c, err := money.ParseCurrency(cur)
	if err != nil || c.Numeric != cur {
		return 0, fmt.Errorf("%w: currency %q", ErrBadResponse, cur)
	}
	a, err := money.ParseDecimal(s, c)
	if err != nil || a.Minor < 0 {
		return 0, fmt.Errorf("%w: amount %q", ErrBadResponse, s)
	}
	return a.Minor, nil
}

// Status asks the bank about an order (TxnType OrderInquiry). The reply
// describes the order's main transaction with IsVoided, IsRefunded and
// RefundedAmount. A sale or pre-authorisation is mapped directly; once the
// pre-authorisation is captured the reply describes the PostAuth, which
// lacks the authorised amount, so the order history is summed up instead. An
// order the bank does not know is StateNotFound with an Approved outcome:
// the query itself worked.
func (g *Gateway) Status(ctx context.Context, orderID string) *gateway.StatusResult {
	if err := CheckOrderID(orderID); err != nil {
		return &gateway.StatusResult{Result: *gateway.RejectLocal(err, gateway.ReasonInvalidTxn)}
	}
	r := g.request(secureInquiry, typeOrderInquiry)
	r.OrgOrderID = orderID
	data, res := g.post(ctx, r)
	if res != nil {
		return &gateway.StatusResult{Result: *res}
	}
	resp, err := ParseResponse(data)
	if err != nil {
		return &gateway.StatusResult{Result: *unusable(err)}
	}
	switch resp.Get("TxnType") {
	case typeAuth, typePreAuth:
		return statusOf(resp)
	case typePostAuth:
		return g.statusFromHistory(ctx, orderID)
	}
	if resp.ProcReturnCode() == codeNotFound {
		return &gateway.StatusResult{
			Result: gateway.Result{Outcome: gateway.Approved, BankCode: codeNotFound, BankMessage: resp.Get("ErrMsg")},
			State:  gateway.StateNotFound,
		}
	}
	if res := classify(resp); res.Outcome != gateway.Approved {
		return &gateway.StatusResult{Result: *res}
	}
	return &gateway.StatusResult{Result: *unusable(fmt.Errorf("%w: inquiry reply describes no transaction", ErrBadResponse))}
}

// statusOf maps an inquiry reply about a sale or pre-authorisation.
func statusOf(resp *Response) *gateway.StatusResult {
	rec, err := newRecord(resp.Fields)
	var refunded int64
	if err == nil {
		refunded, err = parseAmount(resp.Get("RefundedAmount"), resp.Get("Currency"))
	}
	if err != nil {
		return &gateway.StatusResult{Result: *unusable(err)}
	}
	out := &gateway.StatusResult{Result: gateway.Result{
		Outcome:     gateway.Approved,
		BankCode:    rec.code,
		BankMessage: resp.Get("ErrMsg"),
		AuthCode:    rec.authCode,
		HostRef:     rec.hostRef,
		TransID:     rec.transID,
	}}
	switch {
	case strings.EqualFold(rec.stat, "P"):
		out.State = gateway.StatePending
		return out
	case !rec.approved():
		out.State = gateway.StateDeclined
		out.AuthCode = ""
		return out
	}
	out.AuthorizedAmount = rec.amount
	voided := rec.voided() || strings.EqualFold(resp.Get("IsVoided"), "true")
	if rec.typ == typeAuth {
		out.CapturedAmount = rec.amount
		out.RefundedAmount = refunded
	}
	switch {
	case voided:
		out.State = gateway.StateVoided
	case rec.typ == typePreAuth:
		out.State = gateway.StateAuthorized
	case refunded > 0:
		out.State = gateway.StateRefunded
	default:
		out.State = gateway.StateCaptured
	}
	return out
}

func (g *Gateway) statusFromHistory(ctx context.Context, orderID string) *gateway.StatusResult {
	recs, res := g.history(ctx, orderID)
	if res != nil {
		return &gateway.StatusResult{Result: *res}
	}
	s := summarize(recs)
	out := &gateway.StatusResult{
		Result:           gateway.Result{Outcome: gateway.Approved, BankCode: "00"},
		State:            s.state,
		AuthorizedAmount: s.authorized,
		CapturedAmount:   s.captured,
		RefundedAmount:   s.refunded,
	}
	if m := s.main; m != nil {
		out.AuthCode, out.HostRef, out.TransID = m.authCode, m.hostRef, m.transID
	}
	return out
}

type orderSummary struct {
	state                          gateway.OrderState
	authorized, captured, refunded int64
	main                           *record // the approved sale or pre-auth
}

// summarize derives an order's state from its transactions, oldest first.
// A transaction voided later keeps its record with TxnStatus V and the void
// is a record of its own; failed records (N) count for nothing.
func summarize(recs []record) orderSummary {
	var s orderSummary
	voided, pending := false, false
	for i := range recs {
		r := &recs[i]
		if !r.approved() {
			pending = pending || strings.EqualFold(r.stat, "P")
			continue
		}
		switch r.typ {
		case typeAuth:
			s.main, s.authorized, s.captured = r, r.amount, r.amount
			voided = voided || r.voided()
		case typePreAuth:
			s.main, s.authorized = r, r.amount
			voided = voided || r.voided()
		case typePostAuth:
			s.captured = r.amount
			voided = voided || r.voided()
		case typeVoid:
			voided = true
		case typeRefund:
			if !r.voided() {
				s.refunded += r.amount
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
	case voided:
		s.state = gateway.StateVoided
	case s.refunded > 0:
		s.state = gateway.StateRefunded
	case s.captured > 0:
		s.state = gateway.StateCaptured
	default:
		s.state = gateway.StateAuthorized
	}
	return s
}

// OrderHistory lists an order's bank-side transactions (TxnType TxnHistory),
// oldest first, with PayFor's own TxnType and TxnStatus. An unknown order
// gives no entries and an Approved result.
func (g *Gateway) OrderHistory(ctx context.Context, orderID string) ([]gateway.HistoryEntry, *gateway.Result) {
	if err := CheckOrderID(orderID); err != nil {
		return nil, gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	recs, res := g.history(ctx, orderID)
	if res != nil {
		return nil, res
	}
	out := make([]gateway.HistoryEntry, 0, len(recs))
	for _, r := range recs {
		out = append(out, gateway.HistoryEntry{
			Type:     r.typ,
			Status:   r.stat,
			Amount:   r.amount,
			BankCode: r.code,
			AuthCode: r.authCode,
			HostRef:  r.hostRef,
			Time:     r.time,
		})
	}
	return out, &gateway.Result{Outcome: gateway.Approved, BankCode: "00"}
}

// history fetches the order's transactions. The bank answers an unknown
// order with a single TxnHistory record carrying V013; a refused request
// (bad credentials) may come back as a plain PayforResponse.
func (g *Gateway) history(ctx context.Context, orderID string) ([]record, *gateway.Result) {
	r := g.request(secureReport, typeTxnHistory)
	r.OrderID = orderID
	data, res := g.post(ctx, r)
	if res != nil {
		return nil, res
	}
	fields, err := ParseHistory(data)
	if err != nil {
		if resp, perr := ParseResponse(data); perr == nil {
			if res := classify(resp); res.Outcome != gateway.Approved {
				return nil, res
			}
		}
		return nil, unusable(err)
	}
	recs := make([]record, 0, len(fields))
	for _, f := range fields {
		if f["TxnType"] == typeTxnHistory {
			if f["ProcReturnCode"] == codeNotFound {
				continue
			}
			if res := classifyFields(f["ProcReturnCode"], f["ErrMsg"], "", "", ""); res.Outcome != gateway.Approved {
				return nil, res
			}
			return nil, unusable(fmt.Errorf("%w: history reply describes no transaction", ErrBadResponse))
		}
		rec, err := newRecord(f)
		if err != nil {
			return nil, unusable(err)
		}
		recs = append(recs, rec)
	}
	return recs, nil
}
