package est3

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/gateway"
)

// bankZone is the hosts' local time for AUTH_DTTM etc. Turkey has been on
// fixed UTC+3 since 2016, so no tz database is needed.
var bankZone = time.FixedZone("TRT", 3*60*60)

// trxTimeLayout parses "2024-01-02 21:53:02.486"; Go accepts the fraction
// without it being in the layout.
const trxTimeLayout = "2006-01-02 15:04:05"

// HistoryFields is the order of the tab-separated fields of each
// Extra/TRXn record of an ORDERHISTORY reply, as captured from EST hosts.
// The simulator writes the same order. Amounts are integer minor units.
var HistoryFields = []string{
	"CHARGE_TYPE_CD", // S sale/pre-auth (a captured pre-auth stays one S record), C credit
	"TRANS_STAT",     // A authorised, C/S completed, V voided, D/ERR failed, PN pending
	"ORIG_TRANS_AMT",
	"CAPTURE_AMT",
	"AUTH_DTTM",
	"CAPTURE_DTTM",
	"VOID_DTTM",
	"HOST_REF_NUM",
	"AUTH_CODE",
	"PROC_RET_CD",
	"TRANS_ID",
}

// trxRecord is one bank-side transaction of an order, from ORDERSTATUS
// fields or an ORDERHISTORY TRX record.
type trxRecord struct {
	ChargeType  string
	Stat        string
	Orig        int64
	Capture     int64
	HasCapture  bool
	AuthTime    time.Time
	CaptureTime time.Time
	VoidTime    time.Time
	HostRef     string
	AuthCode    string
	ProcRetCode string
	TransID     string
}

func parseTRX(s string) (trxRecord, error) {
	f := strings.Split(s, "\t")
	if len(f) < len(HistoryFields) {
		return trxRecord{}, fmt.Errorf("%w: TRX record has %d fields, want %d", ErrBadResponse, len(f), len(HistoryFields))
	}
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	rec := trxRecord{
		ChargeType:  f[0],
		Stat:        f[1],
		HostRef:     f[7],
		AuthCode:    f[8],
		ProcRetCode: f[9],
		TransID:     f[10],
	}
	var err error
	if rec.Orig, _, err = parseMinor(f[2]); err != nil {
		return trxRecord{}, err
	}
	if rec.Capture, rec.HasCapture, err = parseMinor(f[3]); err != nil {
		return trxRecord{}, err
	}
	rec.AuthTime = parseBankTime(f[4])
	rec.CaptureTime = parseBankTime(f[5])
	rec.VoidTime = parseBankTime(f[6])
	return rec, nil
}

// parseMinor parses an integer minor-unit amount; "" is absent.
func parseMinor(s string) (int64, bool, error) {
	if s == "" {
		return 0, false, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return 0, false, fmt.Errorf("%w: amount %q", ErrBadResponse, s)
	}
	return v, true, nil
}

func parseBankTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation(trxTimeLayout, s, bankZone)
	if err != nil {
		return time.Time{}
	}
	return t
}

func stateOf(stat string) gateway.OrderState {
	switch strings.ToUpper(stat) {
	case "A":
		return gateway.StateAuthorized
	case "C", "S":
		return gateway.StateCaptured
	case "V", "CNCL":
		return gateway.StateVoided
	case "D", "ERR":
		return gateway.StateDeclined
	default: // PN and anything unrecognised: not final
		return gateway.StatePending
	}
}

// Status asks the bank for an order (Extra/ORDERSTATUS=QUERY). The reply
// describes the order's latest transaction. When that is a sale or
// pre-auth (CHARGE_TYPE_CD S) it is mapped directly: TRANS_STAT A is
// authorised (hosts also report a fresh sale as A until it is captured in
// their books), C/S captured, V voided, D/ERR declined. Otherwise (a refund,
// or no CHARGE_TYPE_CD at all) the order history is fetched and summed up,
// since refunded amounts are only visible there. An order the bank does not know is StateNotFound with an
// Approved outcome: the query itself worked.
func (g *Gateway) Status(ctx context.Context, orderID string) *gateway.StatusResult {
	if err := checkOrder(gateway.Order{OrderID: orderID}, false); err != nil {
		return &gateway.StatusResult{Result: *gateway.RejectLocal(err, gateway.ReasonInvalidTxn)}
	}
	r := g.request("", orderID)
	r.Extra = &extra{OrderStatus: "QUERY"}
	resp, res := g.exchange(ctx, r)
	if res != nil {
		return &gateway.StatusResult{Result: *res}
	}
	return g.statusFrom(ctx, orderID, resp)
}

func (g *Gateway) statusFrom(ctx context.Context, orderID string, resp *Response) *gateway.StatusResult {
	if notFound(resp) {
		return &gateway.StatusResult{
			Result: gateway.Result{Outcome: gateway.Approved, BankCode: resp.ProcReturnCode, BankMessage: resp.ErrMsg},
			State:  gateway.StateNotFound,
		}
	}
	out := &gateway.StatusResult{Result: *classify(resp)}
	if out.Outcome != gateway.Approved {
		return out
	}
	x := resp.Extra
	rec := trxRecord{
		ChargeType:  x["CHARGE_TYPE_CD"],
		Stat:        x["TRANS_STAT"],
		HostRef:     x["HOST_REF_NUM"],
		AuthCode:    x["AUTH_CODE"],
		ProcRetCode: x["PROC_RET_CD"],
		TransID:     x["TRANS_ID"],
	}
	var err error
	if rec.Orig, _, err = parseMinor(x["ORIG_TRANS_AMT"]); err == nil {
		rec.Capture, rec.HasCapture, err = parseMinor(x["CAPTURE_AMT"])
	}
	if err != nil {
		return &gateway.StatusResult{Result: unusable(err)}
	}
	if out.AuthCode == "" {
		out.AuthCode = rec.AuthCode
	}
	if out.HostRef == "" {
		out.HostRef = rec.HostRef
	}
	if out.TransID == "" {
		out.TransID = rec.TransID
	}
	if strings.EqualFold(rec.ChargeType, "S") {
		out.State = stateOf(rec.Stat)
		if out.State == gateway.StateDeclined {
			return out // nothing was authorised
		}
		out.AuthorizedAmount = rec.Orig
		if out.State == gateway.StateCaptured || (out.State == gateway.StateVoided && rec.HasCapture) {
			out.CapturedAmount = rec.Orig
			if rec.HasCapture {
				out.CapturedAmount = rec.Capture
			}
		}
		return out
	}

	// The latest transaction is a refund: sum the order up from its history.
	recs, hres := g.history(ctx, orderID)
	if hres != nil {
		return &gateway.StatusResult{Result: *hres}
	}
	sum := summarize(recs)
	if m := sum.main; m != nil {
		// Report the sale's references, not the refund's.
		out.AuthCode, out.HostRef, out.TransID = m.AuthCode, m.HostRef, m.TransID
	}
	out.State = sum.state
	out.AuthorizedAmount = sum.authorized
	out.CapturedAmount = sum.captured
	out.RefundedAmount = sum.refunded
	return out
}

// notFound recognises the bank's "No record found for ..." reply: code 99
// with no CORE error code and no order in the reply.
func notFound(resp *Response) bool {
	return resp.ProcReturnCode == "99" && resp.ErrorCode() == "" && resp.Extra["ORD_ID"] == "" && resp.OrderID == ""
}

type orderSummary struct {
	state                          gateway.OrderState
	authorized, captured, refunded int64
	main                           *trxRecord // the approved sale or pre-auth, if any
}

// summarize derives an order's state from its transactions: the approved
// sale/pre-auth record gives the base state and amounts, approved credits add
// up to the refunded amount.
func summarize(recs []trxRecord) orderSummary {
	var s orderSummary
	var main *trxRecord
	pending := false
	for i := range recs {
		r := &recs[i]
		st := stateOf(r.Stat)
		if !strings.EqualFold(r.ChargeType, "S") {
			if st == gateway.StateCaptured || st == gateway.StateAuthorized {
				amt := r.Orig
				if r.HasCapture {
					amt = r.Capture
				}
				s.refunded += amt
			}
			continue
		}
		switch st {
		case gateway.StateDeclined:
		case gateway.StatePending:
			pending = true
		default:
			main = r
		}
	}
	s.main = main
	switch {
	case main != nil:
		s.state = stateOf(main.Stat)
		s.authorized = main.Orig
		if s.state == gateway.StateCaptured || (s.state == gateway.StateVoided && main.HasCapture) {
			s.captured = main.Orig
			if main.HasCapture {
				s.captured = main.Capture
			}
		}
		if s.refunded > 0 && s.state != gateway.StateVoided {
			s.state = gateway.StateRefunded
		}
	case pending:
		s.state = gateway.StatePending
	case len(recs) > 0:
		s.state = gateway.StateDeclined
	default:
		s.state = gateway.StateNotFound
	}
	return s
}

// OrderHistory lists an order's bank-side transactions (Extra/ORDERHISTORY
// =QUERY), oldest first. Each entry's Type is derived from the record:
// "PreAuth" for an uncaptured pre-authorisation, "Auth" for a sale or a
// captured pre-auth (EST keeps both as one record), "Credit" for a refund;
// Status is the raw TRANS_STAT; Amount is the captured amount when the bank
// reports one, else the original amount. An unknown order gives no entries
// and an Approved result.
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
		e := gateway.HistoryEntry{
			Status:   r.Stat,
			Amount:   r.Orig,
			BankCode: r.ProcRetCode,
			AuthCode: r.AuthCode,
			HostRef:  r.HostRef,
			Time:     r.AuthTime,
		}
		if r.HasCapture && r.Capture > 0 {
			e.Amount = r.Capture
		}
		switch {
		case !strings.EqualFold(r.ChargeType, "S"):
			e.Type = typeCredit
		case strings.EqualFold(r.Stat, "A"):
			e.Type = typePreAuth
		default:
			e.Type = typeAuth
		}
		out = append(out, e)
	}
	return out, &gateway.Result{Outcome: gateway.Approved, BankCode: "00"}
}

// history fetches and parses TRX1..TRXn, oldest first (hosts list newest first).
func (g *Gateway) history(ctx context.Context, orderID string) ([]trxRecord, *gateway.Result) {
	r := g.request("", orderID)
	r.Extra = &extra{OrderHistory: "QUERY"}
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
	recs, err := parseHistory(resp.Extra)
	if err != nil {
		res := unusable(err)
		return nil, &res
	}
	return recs, nil
}

func parseHistory(x map[string]string) ([]trxRecord, error) {
	n := 0
	if c := x["TRXCOUNT"]; c != "" {
		v, err := strconv.Atoi(c)
		if err != nil || v < 0 || v > 10000 {
			return nil, fmt.Errorf("%w: TRXCOUNT %q", ErrBadResponse, c)
		}
		n = v
	}
	recs := make([]trxRecord, 0, n)
	for i := 1; i <= n; i++ {
		raw, ok := x["TRX"+strconv.Itoa(i)]
		if !ok {
			return nil, fmt.Errorf("%w: TRX%d missing", ErrBadResponse, i)
		}
		rec, err := parseTRX(raw)
		if err != nil {
			return nil, err
		}
		recs = append(recs, rec)
	}
	// Hosts list the newest first.
	for i, j := 0, len(recs)-1; i < j; i, j = i+1, j-1 {
		recs[i], recs[j] = recs[j], recs[i]
	}
	return recs, nil
}

func unusable(err error) gateway.Result { return gateway.Unusable(ErrBadResponse, err) }
