// Package reconcile is Kasa's end-of-day reconciliation (issue #5): for one
// Istanbul day it compares every payment's ledger (authorized, captured,
// refunded, status) with the bank's own view of the order and lists what
// differs, with a kind and a suggested action. It is read-only towards
// payments: it never changes one, it only asks the banks and stores a report.
package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/payment"
	"github.com/kasapos/kasa/internal/store"
)

// Mismatch kinds.
const (
	// MissingAtBank: Kasa holds money for the payment (captured or
	// authorised) and the bank has no record of the order.
	MissingAtBank = "missing_at_bank"
	// MissingInKasa: the bank has an order Kasa has no payment for. Only a
	// protocol with a date-range transaction list can reveal one; none of
	// Kasa's protocols has one yet, so it is reported as not checked.
	MissingInKasa = "missing_in_kasa"
	// AmountMismatch: both sides agree on the state but not on the captured,
	// authorised or refunded amount.
	AmountMismatch = "amount_mismatch"
	// StatusMismatch: the states differ. Kasa declined/failed/canceled while
	// the bank approved is the double-charge alarm: money taken without a record.
	StatusMismatch = "status_mismatch"
	// UnknownOpen: Kasa itself has no verdict yet (payment processing or
	// unknown, or a capture/void/refund with no known outcome).
	UnknownOpen = "unknown_open"
	// Unverified is not a mismatch: the bank did not answer in time.
	Unverified = "unverified"
)

// Report statuses.
const (
	StatusClean      = "clean"      // every payment verified and matched
	StatusMismatches = "mismatches" // at least one mismatch
	StatusIncomplete = "incomplete" // no mismatch, but some payments unverified
)

// Origins of a report.
const (
	OriginAPI       = "api"
	OriginScheduled = "scheduled"
	OriginCLI       = "cli"
)

// EventCompleted is the outbox event written with every stored report.
const EventCompleted = "reconciliation.completed"

// Report is one reconciliation as the API returns it and the store keeps it.
type Report struct {
	ID          string     `json:"id"`
	Object      string     `json:"object"`
	MerchantID  string     `json:"merchant_id"`
	Mode        store.Mode `json:"mode"`
	Date        string     `json:"date"`
	POSID       string     `json:"pos_id,omitempty"`
	Origin      string     `json:"origin"`
	Status      string     `json:"status"`
	PeriodStart time.Time  `json:"period_start"`
	PeriodEnd   time.Time  `json:"period_end"`
	Summary     Summary    `json:"summary"`
	POS         []POSPart  `json:"pos"`
	Mismatches  []Item     `json:"mismatches"`
	Unverified  []Item     `json:"unverified"`
	CreatedAt   time.Time  `json:"created_at"`
	CompletedAt time.Time  `json:"completed_at"`
}

// Summary counts a report's rows.
type Summary struct {
	Payments   int            `json:"payments"` // examined
	Skipped    int            `json:"skipped"`  // requires_action without any bank call
	Matched    int            `json:"matched"`
	Mismatches int            `json:"mismatches"`
	Unverified int            `json:"unverified"`
	ByKind     map[string]int `json:"by_kind"`
}

// POSPart is one POS's share of a report.
type POSPart struct {
	POSID      string `json:"pos_id"`
	Protocol   string `json:"protocol"`
	Bank       string `json:"bank"`
	Method     string `json:"method"` // "status+history", "status" or "none"
	Payments   int    `json:"payments"`
	Matched    int    `json:"matched"`
	Mismatches int    `json:"mismatches"`
	Unverified int    `json:"unverified"`
	Truncated  bool   `json:"truncated,omitempty"` // more than MaxPayments payments: the rest were not examined
	// MissingInKasa says whether orders unknown to Kasa could be looked
	// for, and why not.
	MissingInKasa string `json:"missing_in_kasa"`
}

// Item is one payment that did not reconcile.
type Item struct {
	PaymentID       string    `json:"payment_id"`
	POSID           string    `json:"pos_id"`
	OrderID         string    `json:"order_id,omitempty"`
	BankOrderID     string    `json:"bank_order_id"`
	Kind            string    `json:"kind"`
	Message         string    `json:"message"`
	SuggestedAction string    `json:"suggested_action,omitempty"`
	Kasa            KasaView  `json:"kasa"`
	Bank            *BankView `json:"bank,omitempty"`
}

// KasaView is Kasa's ledger of a payment.
type KasaView struct {
	Status     string    `json:"status"`
	Currency   string    `json:"currency"`
	Amount     int64     `json:"amount"`
	Authorized int64     `json:"authorized"`
	Captured   int64     `json:"captured"`
	Refunded   int64     `json:"refunded"`
	CreatedAt  time.Time `json:"created_at"`
}

// BankView is the bank's answer for an order.
type BankView struct {
	State      gateway.OrderState `json:"state"`
	Authorized int64              `json:"authorized"`
	Captured   int64              `json:"captured"`
	Refunded   int64              `json:"refunded"`
	BankCode   string             `json:"bank_code,omitempty"`
	// History is the bank's transaction list where the protocol has one
	// (raw bank types and statuses, as evidence).
	History      []HistoryLine `json:"history,omitempty"`
	HistoryError string        `json:"history_error,omitempty"`
}

// HistoryLine is one bank-side transaction of the order.
type HistoryLine struct {
	Type     string    `json:"type"`
	Status   string    `json:"status"`
	Amount   int64     `json:"amount"`
	BankCode string    `json:"bank_code,omitempty"`
	Time     time.Time `json:"time,omitzero"`
}

// Service computes and stores reports.
type Service struct {
	Payments *payment.Service
	Store    store.Store
	Log      *slog.Logger
	Now      func() time.Time
	// Concurrency bounds the bank calls in flight (default 4).
	Concurrency int
	// CallTimeout bounds one bank call (default the payment service's bank timeout).
	CallTimeout time.Duration
	// Budget bounds a whole run; payments not reached by then are
	// reported unverified (default 90 s, under the API's write timeout).
	Budget time.Duration
	// MaxPayments caps the payments examined per POS and day (default 5000).
	MaxPayments int
}

// New returns a service on a payment service's store and clock.
func New(svc *payment.Service) *Service {
	return &Service{Payments: svc, Store: svc.Store, Log: svc.Log, Now: svc.Now}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func badRequest(code, field, msg string) *payment.Error {
	return &payment.Error{Status: http.StatusBadRequest, Code: code, Field: field, Message: msg}
}

// ParseDate reads "2006-01-02" as an Istanbul day and returns its bounds.
func ParseDate(date string) (from, to time.Time, err error) {
	d, err := time.ParseInLocation(time.DateOnly, date, payment.Istanbul)
	if err != nil {
		return time.Time{}, time.Time{}, badRequest("date_invalid", "date", "date must be an Istanbul day as YYYY-MM-DD")
	}
	return d.UTC(), d.AddDate(0, 0, 1).UTC(), nil
}

// Request asks for one report.
type Request struct {
	MerchantID string
	Mode       store.Mode
	Date       string
	POSID      string // "" for every POS of the merchant and mode
	Origin     string
}

// Run computes a report and stores it with its reconciliation.completed event.
func (s *Service) Run(ctx context.Context, req Request) (*Report, error) {
	from, _, err := ParseDate(req.Date)
	if err != nil {
		return nil, err
	}
	if from.After(s.now()) {
		return nil, badRequest("date_invalid", "date", "date is in the future")
	}
	var poses []*store.POS
	if req.POSID != "" {
		p, err := s.Store.GetPOS(ctx, req.MerchantID, req.POSID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && p.Mode != req.Mode) {
			return nil, &payment.Error{Status: http.StatusNotFound, Code: "resource_not_found", Field: "pos_id", Message: "no such pos"}
		} else if err != nil {
			return nil, err
		}
		poses = []*store.POS{p}
	} else {
		all, err := s.Store.ListPOS(ctx, req.MerchantID)
		if err != nil {
			return nil, err
		}
		for _, p := range all {
			if p.Mode == req.Mode {
				poses = append(poses, p)
			}
		}
	}
	rep, err := s.Compute(ctx, req, poses)
	if err != nil {
		return nil, err
	}
	return rep, s.save(ctx, rep)
}

// Compute builds a report over poses without storing it.
func (s *Service) Compute(ctx context.Context, req Request, poses []*store.POS) (*Report, error) {
	from, to, err := ParseDate(req.Date)
	if err != nil {
		return nil, err
	}
	rep := &Report{ID: id.New("rec"), Object: "reconciliation", MerchantID: req.MerchantID, Mode: req.Mode,
		Date: req.Date, POSID: req.POSID, Origin: req.Origin, PeriodStart: from, PeriodEnd: to, CreatedAt: s.now(),
		Mismatches: []Item{}, Unverified: []Item{}, POS: []POSPart{}, Summary: Summary{ByKind: map[string]int{}}}
	budget := s.Budget
	if budget <= 0 {
		budget = 90 * time.Second
	}
	runCtx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	for _, pos := range poses {
		part, err := s.reconcilePOS(runCtx, ctx, rep, pos, from, to)
		if err != nil {
			return nil, err
		}
		rep.POS = append(rep.POS, part)
	}
	byTime := func(a, b Item) int {
		if c := a.Kasa.CreatedAt.Compare(b.Kasa.CreatedAt); c != 0 {
			return c
		}
		return compareStrings(a.PaymentID, b.PaymentID)
	}
	slices.SortFunc(rep.Mismatches, byTime)
	slices.SortFunc(rep.Unverified, byTime)
	rep.Summary.Mismatches, rep.Summary.Unverified = len(rep.Mismatches), len(rep.Unverified)
	switch {
	case rep.Summary.Mismatches > 0:
		rep.Status = StatusMismatches
	case rep.Summary.Unverified > 0:
		rep.Status = StatusIncomplete
	default:
		rep.Status = StatusClean
	}
	rep.CompletedAt = s.now()
	return rep, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

const noRangeListing = "not checked: the protocol offers no date-range transaction list, so orders unknown to Kasa cannot be found (per-order queries only)"

// reconcilePOS examines one POS's payments of the day. runCtx bounds the
// bank calls; ctx (unbounded by the budget) the database reads.
func (s *Service) reconcilePOS(runCtx, ctx context.Context, rep *Report, pos *store.POS, from, to time.Time) (POSPart, error) {
	part := POSPart{POSID: pos.ID, Protocol: pos.Protocol, Bank: pos.Bank, Method: "none", MissingInKasa: noRangeListing}
	max := s.MaxPayments
	if max <= 0 {
		max = 5000
	}
	var ps []*store.Payment
	f := store.PaymentFilter{MerchantID: pos.MerchantID, Mode: pos.Mode, POSID: pos.ID, From: from, To: to, Limit: 100}
	for {
		page, err := s.Store.ListPayments(ctx, f)
		if err != nil {
			return part, err
		}
		ps = append(ps, page...)
		if len(page) < f.Limit || len(ps) >= max {
			break
		}
		last := page[len(page)-1]
		f.BeforeTime, f.BeforeID = last.CreatedAt, last.ID
	}
	if len(ps) > max {
		ps, part.Truncated = ps[:max], true
	}
	gw, gwErr := s.Payments.GatewayForPOS(pos)
	sq, hasStatus := gw.(gateway.StatusQuerier)
	hq, hasHistory := gw.(gateway.HistoryQuerier)
	switch {
	case gwErr != nil:
	case hasStatus && hasHistory:
		part.Method = "status+history"
	case hasStatus:
		part.Method = "status"
	}
	conc := s.Concurrency
	if conc <= 0 {
		conc = 4
	}
	timeout := s.CallTimeout
	if timeout <= 0 {
		timeout = s.Payments.BankCallTimeout()
	}
	type row struct {
		item    *Item
		matched bool
		skipped bool
	}
	rows := make([]row, len(ps))
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for i, p := range ps {
		txs, err := s.Store.ListTransactions(ctx, p.ID)
		if err != nil {
			return part, err
		}
		if p.Status == store.StatusRequiresAction && !bankCalled(txs) {
			rows[i].skipped = true
			continue
		}
		item := &Item{PaymentID: p.ID, POSID: p.POSID, OrderID: p.OrderID, BankOrderID: p.BankOrderID, Kasa: KasaView{
			Status: p.Status, Currency: p.Currency, Amount: p.Amount, Authorized: p.AuthorizedAmount,
			Captured: p.CapturedAmount, Refunded: p.RefundedAmount, CreatedAt: p.CreatedAt}}
		rows[i].item = item
		switch {
		case gwErr != nil:
			item.Kind, item.Message = Unverified, "the POS's gateway could not be built: "+gwErr.Error()
			continue
		case !hasStatus:
			item.Kind, item.Message = Unverified, "the POS's protocol has no status query"
			continue
		}
		wg.Add(1)
		go func(i int, p *store.Payment, txs []*store.Transaction) {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-runCtx.Done():
				item.Kind, item.Message = Unverified, "the reconciliation's time budget ran out before this order was queried"
				return
			}
			defer func() { <-sem }()
			bv, why := query(runCtx, sq, hq, p.BankOrderID, timeout)
			if bv == nil {
				item.Kind, item.Message = Unverified, why
				item.SuggestedAction = "run the reconciliation again later"
				return
			}
			item.Bank = bv
			item.Kind, item.Message, item.SuggestedAction = compare(p, txs, bv)
			rows[i].matched = item.Kind == ""
		}(i, p, txs)
	}
	wg.Wait()
	for _, r := range rows {
		switch {
		case r.skipped:
			rep.Summary.Skipped++
			continue
		case r.matched:
			part.Matched++
		case r.item.Kind == Unverified:
			part.Unverified++
			rep.Unverified = append(rep.Unverified, *r.item)
		default:
			part.Mismatches++
			rep.Summary.ByKind[r.item.Kind]++
			rep.Mismatches = append(rep.Mismatches, *r.item)
		}
		part.Payments++
	}
	rep.Summary.Payments += part.Payments
	rep.Summary.Matched += part.Matched
	return part, nil
}

// bankCalled reports whether a payment's timeline has any call that may have
// moved money at the bank (anything but the 3D hand-off).
func bankCalled(txs []*store.Transaction) bool {
	for _, t := range txs {
		if t.Kind != store.KindThreeD && t.Kind != store.KindStatus {
			return true
		}
	}
	return false
}

// query asks the bank for an order: the status query decides (every adapter
// normalises its bank's answer into state and amounts); the history, where
// the protocol has one, is attached as evidence. A nil view means the bank
// did not answer, with the reason.
func query(ctx context.Context, sq gateway.StatusQuerier, hq gateway.HistoryQuerier, orderID string, timeout time.Duration) (*BankView, string) {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	st := sq.Status(cctx, orderID)
	cancel()
	if st == nil {
		return nil, "the bank's status query returned nothing"
	}
	if st.Outcome != gateway.Approved {
		msg := fmt.Sprintf("the bank's status query did not answer (%s", st.Outcome)
		if st.BankCode != "" {
			msg += ", code " + st.BankCode
		}
		if st.Err != nil {
			msg += ": " + st.Err.Error()
		} else if st.BankMessage != "" {
			msg += ": " + st.BankMessage
		}
		return nil, msg + ")"
	}
	if st.State == gateway.StatePending {
		return nil, "the bank reports the order still pending"
	}
	bv := &BankView{State: st.State, Authorized: st.AuthorizedAmount, Captured: st.CapturedAmount,
		Refunded: st.RefundedAmount, BankCode: st.BankCode}
	if hq != nil && ctx.Err() == nil {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		entries, res := hq.OrderHistory(cctx, orderID)
		cancel()
		if res.OK() {
			for _, e := range entries {
				bv.History = append(bv.History, HistoryLine{Type: e.Type, Status: e.Status, Amount: e.Amount, BankCode: e.BankCode, Time: e.Time})
			}
		} else if res != nil {
			bv.HistoryError = fmt.Sprintf("order history did not answer (%s %s)", res.Outcome, res.BankCode)
		}
	}
	return bv, ""
}

func syncAction(p *store.Payment) string { return "POST /v1/payments/" + p.ID + "/sync" }

// compare returns the mismatch kind of p against the bank's view, a message
// and a suggested action; kind "" means they agree.
func compare(p *store.Payment, txs []*store.Transaction, b *BankView) (kind, msg, action string) {
	bankHolds := b.State == gateway.StateAuthorized || b.State == gateway.StateCaptured ||
		(b.State == gateway.StateRefunded && (b.Captured == 0 || b.Refunded < b.Captured))
	bankTook := bankHolds || b.State == gateway.StateRefunded
	switch p.Status {
	case store.StatusProcessing, store.StatusUnknown:
		return UnknownOpen, fmt.Sprintf("Kasa has no verdict (status %s); the bank reports %s", p.Status, b.State), syncAction(p)
	}
	for _, t := range txs {
		if t.Status == store.TxPending || t.Status == store.TxUnknown {
			return UnknownOpen, fmt.Sprintf("the %s of %d has no known outcome; the bank reports %s", t.Kind, t.Amount, b.State), syncAction(p)
		}
	}
	switch p.Status {
	case store.StatusDeclined, store.StatusFailed, store.StatusRequiresAction:
		if bankTook {
			return StatusMismatch, fmt.Sprintf("DOUBLE-CHARGE ALARM: Kasa says %s but the bank approved the order (%s, captured %d, refunded %d): money may have been taken without a record",
					p.Status, b.State, b.Captured, b.Refunded),
				syncAction(p) + " to adopt the bank's state, then refund or cancel it if the order was not fulfilled"
		}
		return "", "", ""
	case store.StatusCanceled:
		if bankHolds {
			return StatusMismatch, fmt.Sprintf("Kasa canceled the payment but the bank still holds it (%s, captured %d)", b.State, b.Captured),
				"check the void at the bank; " + syncAction(p) + " adopts the bank's state"
		}
		return "", "", ""
	case store.StatusAuthorized:
		switch b.State {
		case gateway.StateNotFound:
			return MissingAtBank, "Kasa holds a pre-authorisation the bank has no record of", "contact the bank; " + syncAction(p) + " would mark it failed"
		case gateway.StateAuthorized:
			if b.Authorized != 0 && b.Authorized != p.AuthorizedAmount {
				return AmountMismatch, fmt.Sprintf("authorised amount: Kasa %d, bank %d", p.AuthorizedAmount, b.Authorized), syncAction(p)
			}
			return "", "", ""
		}
		return StatusMismatch, fmt.Sprintf("Kasa has an open pre-authorisation; the bank reports %s (captured %d)", b.State, b.Captured), syncAction(p)
	case store.StatusSucceeded, store.StatusPartiallyRefunded, store.StatusRefunded:
		switch b.State {
		case gateway.StateNotFound:
			return MissingAtBank, fmt.Sprintf("Kasa recorded %d captured but the bank has no record of the order", p.CapturedAmount),
				"contact the bank with the bank order id; do not refund before it is found"
		case gateway.StateVoided:
			if p.RefundedAmount >= p.CapturedAmount {
				return "", "", "" // a full refund the bank received as a void
			}
			return StatusMismatch, fmt.Sprintf("Kasa says %s (captured %d, refunded %d) but the bank voided the order", p.Status, p.CapturedAmount, p.RefundedAmount), syncAction(p)
		case gateway.StateDeclined:
			return StatusMismatch, fmt.Sprintf("Kasa says %s but the bank only has declined attempts", p.Status), syncAction(p)
		case gateway.StateAuthorized:
			// Some hosts report a sale as authorised until the batch closes.
			if p.Capture && p.RefundedAmount == 0 && (b.Authorized == 0 || b.Authorized == p.CapturedAmount) {
				return "", "", ""
			}
			return StatusMismatch, fmt.Sprintf("Kasa says %s but the bank has only a pre-authorisation", p.Status), syncAction(p)
		}
		if b.Captured != 0 && b.Captured != p.CapturedAmount {
			return AmountMismatch, fmt.Sprintf("captured amount: Kasa %d, bank %d", p.CapturedAmount, b.Captured), syncAction(p)
		}
		if b.State == gateway.StateRefunded && b.Refunded == 0 {
			if p.RefundedAmount == 0 {
				return StatusMismatch, "the bank reports a refund Kasa has no record of", syncAction(p)
			}
			return "", "", ""
		}
		if b.Refunded != p.RefundedAmount {
			return AmountMismatch, fmt.Sprintf("refunded amount: Kasa %d, bank %d", p.RefundedAmount, b.Refunded), syncAction(p)
		}
		return "", "", ""
	}
	return StatusMismatch, fmt.Sprintf("Kasa status %s, bank state %s", p.Status, b.State), syncAction(p)
}

// save stores a report and its reconciliation.completed event.
func (s *Service) save(ctx context.Context, rep *Report) error {
	body, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	ev, err := completedEvent(rep, s.now())
	if err != nil {
		return err
	}
	return s.Store.CreateReconciliation(ctx, &store.Reconciliation{ID: rep.ID, MerchantID: rep.MerchantID, Mode: rep.Mode,
		Date: rep.Date, POSID: rep.POSID, Trigger: rep.Origin, Payments: rep.Summary.Payments,
		Mismatches: rep.Summary.Mismatches, Unverified: rep.Summary.Unverified, Report: body, CreatedAt: rep.CreatedAt}, ev)
}

func completedEvent(rep *Report, now time.Time) (*store.Event, error) {
	data := map[string]any{"id": rep.ID, "object": "reconciliation", "date": rep.Date, "pos_id": rep.POSID,
		"origin": rep.Origin, "status": rep.Status, "payments": rep.Summary.Payments, "matched": rep.Summary.Matched,
		"mismatches": rep.Summary.Mismatches, "unverified": rep.Summary.Unverified, "by_kind": rep.Summary.ByKind}
	body, err := json.Marshal(map[string]any{"type": EventCompleted, "data": data})
	if err != nil {
		return nil, err
	}
	return &store.Event{ID: id.New("evt"), MerchantID: rep.MerchantID, Mode: rep.Mode, Type: EventCompleted,
		Payload: body, CreatedAt: now}, nil
}

// Get returns a stored report of the caller.
func (s *Service) Get(ctx context.Context, c payment.Caller, reportID string) (*Report, error) {
	r, err := s.Store.GetReconciliation(ctx, c.MerchantID, reportID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && r.Mode != c.Mode) {
		return nil, &payment.Error{Status: http.StatusNotFound, Code: "resource_not_found", Message: "no such reconciliation"}
	} else if err != nil {
		return nil, err
	}
	return decodeReport(r)
}

func decodeReport(r *store.Reconciliation) (*Report, error) {
	var rep Report
	if err := json.Unmarshal(r.Report, &rep); err != nil {
		return nil, fmt.Errorf("reconciliation %s: %w", r.ID, err)
	}
	return &rep, nil
}

// ListRequest filters GET /v1/reconciliations.
type ListRequest struct {
	Date, POSID string
	Limit       int
	Cursor      string
}

// ListResult is one page of reports, newest first.
type ListResult struct {
	Object     string    `json:"object"`
	Data       []*Report `json:"data"`
	HasMore    bool      `json:"has_more"`
	NextCursor string    `json:"next_cursor,omitempty"`
}

// List pages through the caller's stored reports.
func (s *Service) List(ctx context.Context, c payment.Caller, r ListRequest) (*ListResult, error) {
	if r.Limit <= 0 {
		r.Limit = 20
	}
	if r.Limit > 100 {
		return nil, badRequest("parameter_invalid", "limit", "limit must be between 1 and 100")
	}
	f := store.ReconciliationFilter{MerchantID: c.MerchantID, Mode: c.Mode, Date: r.Date, POSID: r.POSID, Limit: r.Limit + 1}
	if r.Cursor != "" {
		t, rid, err := payment.DecodeCursor(r.Cursor)
		if err != nil {
			return nil, badRequest("parameter_invalid", "cursor", "cursor is not one this API returned")
		}
		f.BeforeTime, f.BeforeID = t, rid
	}
	rows, err := s.Store.ListReconciliations(ctx, f)
	if err != nil {
		return nil, err
	}
	out := &ListResult{Object: "list", Data: []*Report{}}
	if len(rows) > r.Limit {
		out.HasMore, rows = true, rows[:r.Limit]
	}
	for _, row := range rows {
		rep, err := decodeReport(row)
		if err != nil {
			return nil, err
		}
		out.Data = append(out.Data, rep)
	}
	if out.HasMore {
		last := rows[len(rows)-1]
		out.NextCursor = payment.EncodeCursor(last.CreatedAt, last.ID)
	}
	return out, nil
}
