package dashboard

import (
	"encoding/csv"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/money"
	"github.com/kasapos/kasa/internal/payment"
	"github.com/kasapos/kasa/internal/store"
)

// Statuses offered in the filter.
var statuses = []string{store.StatusSucceeded, store.StatusAuthorized, store.StatusDeclined, store.StatusFailed,
	store.StatusUnknown, store.StatusProcessing, store.StatusRequiresAction, store.StatusPartiallyRefunded,
	store.StatusRefunded, store.StatusCanceled}

var last4RE = regexp.MustCompile(`^[0-9]{4}$`)

// filterForm is the payments filter as typed (dates are Istanbul days).
type filterForm struct {
	Status, POS, Bank, Last4, OrderID, From, To, Min, Max string
}

func (f filterForm) Query() string {
	v := url.Values{}
	for k, x := range map[string]string{"status": f.Status, "pos": f.POS, "bank": f.Bank, "last4": f.Last4, "order_id": f.OrderID,
		"from": f.From, "to": f.To, "min": f.Min, "max": f.Max} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v.Encode()
}

func parseDay(s string) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01-02", s, payment.Istanbul)
	return t, err == nil
}

// paymentFilter reads the filter; invalid values are dropped, not errors.
func paymentFilter(r *http.Request, rc *reqCtx) (store.PaymentFilter, filterForm) {
	q := r.URL.Query()
	ff := filterForm{Status: q.Get("status"), POS: q.Get("pos"), Bank: q.Get("bank"), Last4: q.Get("last4"), OrderID: q.Get("order_id"),
		From: q.Get("from"), To: q.Get("to"), Min: q.Get("min"), Max: q.Get("max")}
	f := store.PaymentFilter{MerchantID: rc.User.MerchantID, Mode: rc.Session.Mode}
	for _, st := range statuses {
		if ff.Status == st {
			f.Status = st
		}
	}
	if ff.Status != f.Status {
		ff.Status = ""
	}
	if strings.HasPrefix(ff.POS, "pos_") && len(ff.POS) < 64 {
		f.POSID = ff.POS
	} else {
		ff.POS = ""
	}
	if last4RE.MatchString(ff.Last4) {
		f.Last4 = ff.Last4
	} else {
		ff.Last4 = ""
	}
	if ff.OrderID != "" && payment.ValidOrderID(ff.OrderID) {
		f.OrderID = ff.OrderID
	} else {
		ff.OrderID = ""
	}
	if t, ok := parseDay(ff.From); ok {
		f.From = t
	} else {
		ff.From = ""
	}
	if t, ok := parseDay(ff.To); ok {
		f.To = t.AddDate(0, 0, 1) // the "to" day is included
	} else {
		ff.To = ""
	}
	if bankRE.MatchString(ff.Bank) {
		f.Bank = ff.Bank
	} else {
		ff.Bank = ""
	}
	// Amount bounds are typed in major units ("125,50"); the list may mix
	// currencies, so they compare minor units of a two-decimal currency.
	if v, err := ParseAmount(ff.Min, "TRY"); err == nil && v > 0 {
		f.MinAmount = v
	} else {
		ff.Min = ""
	}
	if v, err := ParseAmount(ff.Max, "TRY"); err == nil && v > 0 {
		f.MaxAmount = v
	} else {
		ff.Max = ""
	}
	return f, ff
}

var bankRE = regexp.MustCompile(`^[a-z0-9-]{1,40}$`)

// banks lists the distinct banks of the merchant's POS, for the filter.
func banks(poses []*payment.POSView) []string {
	var out []string
	for _, p := range poses {
		if p.Bank != "" && !slices.Contains(out, p.Bank) {
			out = append(out, p.Bank)
		}
	}
	slices.Sort(out)
	return out
}

type paymentsData struct {
	Filter   filterForm
	Payments []*payment.View
	POS      []*payment.POSView
	Banks    []string
	POSNames map[string]string
	Statuses []string
	Next     string
}

const pageSize = 25

func (s *Server) posNames(r *http.Request, rc *reqCtx) ([]*payment.POSView, map[string]string) {
	poses, err := s.Svc.ListPOS(r.Context(), rc.User.MerchantID, rc.Session.Mode)
	names := map[string]string{}
	if err != nil {
		return nil, names
	}
	for _, p := range poses {
		names[p.ID] = p.Name
	}
	return poses, names
}

// payments lists payments newest first with keyset pagination.
func (s *Server) payments(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	f, ff := paymentFilter(r, rc)
	if c := r.URL.Query().Get("cursor"); c != "" {
		t, pid, err := payment.DecodeCursor(c)
		if err != nil {
			s.message(w, r, rc, http.StatusBadRequest, "error_title", "error_text")
			return
		}
		f.BeforeTime, f.BeforeID = t, pid
	}
	f.Limit = pageSize + 1
	ps, err := s.Store.ListPayments(r.Context(), f)
	if err != nil {
		s.fail(w, r, rc, err)
		return
	}
	d := &paymentsData{Filter: ff, Statuses: statuses}
	d.POS, d.POSNames = s.posNames(r, rc)
	d.Banks = banks(d.POS)
	if len(ps) > pageSize {
		ps = ps[:pageSize]
		last := ps[len(ps)-1]
		q := ff.Query()
		if q != "" {
			q += "&"
		}
		d.Next = "/dashboard/payments?" + q + "cursor=" + url.QueryEscape(payment.EncodeCursor(last.CreatedAt, last.ID))
	}
	for _, p := range ps {
		d.Payments = append(d.Payments, payment.NewView(p, nil))
	}
	s.render(w, r, rc, http.StatusOK, "payments", "nav_payments", d)
}

// csvSafe defuses spreadsheet formulas (CSV injection).
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// exportCSV streams every payment matching the filter, page by page.
func (s *Server) exportCSV(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	f, ff := paymentFilter(r, rc)
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="kasa-payments-`+string(rc.Session.Mode)+`.csv"`)
	s.audit(r.Context(), r, rc.User.MerchantID, rc.Session.Mode, rc.User.ID, "payment.export", "payments", "", "success",
		`{"filter":"`+strings.ReplaceAll(ff.Query(), `"`, "")+`"}`)
	cw := csv.NewWriter(w)
	cw.Write([]string{"id", "created_at", "status", "amount", "currency", "captured", "refunded", "installments",
		"order_id", "card", "brand", "pos_id", "bank_code", "decline_reason", "auth_code", "three_d_model", "md_status"})
	flusher, _ := w.(http.Flusher)
	f.Limit = 500
	for {
		ps, err := s.Store.ListPayments(r.Context(), f)
		if err != nil {
			s.Log.Error("dashboard export", "err", err)
			return
		}
		for _, p := range ps {
			cur, _ := money.ParseCurrency(p.Currency)
			dec := func(v int64) string { return money.New(v, cur).Decimal() }
			card := ""
			if p.CardBIN != "" {
				card = p.CardBIN[:min(6, len(p.CardBIN))] + "******" + p.CardLast4
			}
			cw.Write([]string{p.ID, p.CreatedAt.Format(time.RFC3339), p.Status, dec(p.Amount), p.Currency, dec(p.CapturedAmount),
				dec(p.RefundedAmount), strconv.Itoa(p.Installments), csvSafe(p.OrderID), card, p.CardBrand, p.POSID,
				csvSafe(p.BankCode), p.DeclineReason, csvSafe(p.AuthCode), p.ThreeDModel, p.MDStatus})
		}
		cw.Flush()
		if flusher != nil {
			flusher.Flush()
		}
		if len(ps) < f.Limit {
			return
		}
		last := ps[len(ps)-1]
		f.BeforeTime, f.BeforeID = last.CreatedAt, last.ID
	}
}

type detailData struct {
	P                      *payment.View
	POSName                string
	Refundable, Capturable int64
	CanCancel              bool
	Confirm                *confirmData
	Err                    string
}

func (d *detailData) ErrorText() string { return d.Err }

type confirmData struct {
	Op     string
	Amount string // as typed
	Minor  int64
}

func (s *Server) loadDetail(r *http.Request, rc *reqCtx) (*detailData, error) {
	v, err := s.Svc.Get(r.Context(), rc.caller(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	d := &detailData{P: v}
	if pos, err := s.Svc.GetPOS(r.Context(), rc.User.MerchantID, v.POSID); err == nil {
		d.POSName = pos.Name
	}
	switch v.Status {
	case store.StatusAuthorized:
		d.Capturable = v.AmountAuthorized - v.AmountCaptured
		d.CanCancel = true
	case store.StatusSucceeded:
		d.CanCancel = v.AmountRefunded == 0
	}
	if v.Status == store.StatusSucceeded || v.Status == store.StatusPartiallyRefunded {
		d.Refundable = v.AmountCaptured - v.AmountRefunded
	}
	return d, nil
}

func (s *Server) paymentDetail(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	d, err := s.loadDetail(r, rc)
	if err != nil {
		s.fail(w, r, rc, err)
		return
	}
	s.render(w, r, rc, http.StatusOK, "payment", "payment_title", d)
}

// ParseAmount reads a typed amount in major units, "62,75", "62.75" or
// "1.234,56", into minor units of a two-decimal currency.
func ParseAmount(s string, currency string) (int64, error) {
	cur, err := money.ParseCurrency(currency)
	if err != nil {
		return 0, err
	}
	s = strings.TrimSpace(strings.NewReplacer(" ", "", "\u00a0", "", "₺", "", "$", "", "€", "", "£", "", "TL", "").Replace(s))
	if s == "" {
		return 0, errors.New("empty amount")
	}
	dec := -1
	if i := strings.LastIndexAny(s, ".,"); i >= 0 {
		// A separator followed by 1..exponent digits is the decimal one.
		if n := len(s) - i - 1; n >= 1 && n <= cur.Exponent {
			dec = i
		}
	}
	whole, frac := s, ""
	if dec >= 0 {
		whole, frac = s[:dec], s[dec+1:]
	}
	whole = strings.NewReplacer(".", "", ",", "").Replace(whole)
	for len(frac) < cur.Exponent {
		frac += "0"
	}
	digits := whole + frac
	if digits == "" || len(digits) > 15 {
		return 0, errors.New("amount out of range")
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n <= 0 {
		return 0, errors.New("not an amount")
	}
	return n, nil
}

// paymentOp is Capture / Cancel / Refund: the first POST shows a
// confirmation page, the confirmed POST calls the payment service.
func (s *Server) paymentOp(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	lang := s.lang(w, r)
	op := r.PathValue("op")
	if op != "capture" && op != "cancel" && op != "refund" {
		s.message(w, r, rc, http.StatusNotFound, "not_found_title", "not_found_text")
		return
	}
	d, err := s.loadDetail(r, rc)
	if err != nil {
		s.fail(w, r, rc, err)
		return
	}
	c := &confirmData{Op: op, Amount: strings.TrimSpace(r.PostFormValue("amount"))}
	if op != "cancel" {
		if c.Amount == "" {
			c.Minor = d.Refundable
			if op == "capture" {
				c.Minor = d.Capturable
			}
		} else if c.Minor, err = ParseAmount(c.Amount, d.P.Currency); err != nil {
			d.Err = texts[lang]["amount_invalid"]
			s.render(w, r, rc, http.StatusUnprocessableEntity, "payment", "payment_title", d)
			return
		}
	}
	if r.PostFormValue("confirm") != "yes" {
		d.Confirm = c
		s.render(w, r, rc, http.StatusOK, "payment", "payment_title", d)
		return
	}
	var opErr error
	switch op {
	case "capture":
		_, opErr = s.Svc.Capture(r.Context(), rc.caller(), d.P.ID, payment.AmountRequest{Amount: &c.Minor})
	case "cancel":
		_, opErr = s.Svc.Cancel(r.Context(), rc.caller(), d.P.ID)
	case "refund":
		_, opErr = s.Svc.Refund(r.Context(), rc.caller(), d.P.ID, payment.AmountRequest{Amount: &c.Minor})
	}
	outcome := "success"
	if opErr != nil {
		outcome = "failure"
	}
	s.audit(r.Context(), r, rc.User.MerchantID, rc.Session.Mode, rc.User.ID, "payment."+op, "payment", d.P.ID, outcome,
		`{"amount":`+strconv.FormatInt(c.Minor, 10)+`}`)
	if opErr != nil {
		var pe *payment.Error
		if !errors.As(opErr, &pe) {
			s.fail(w, r, rc, opErr)
			return
		}
		if d, err = s.loadDetail(r, rc); err != nil {
			s.fail(w, r, rc, err)
			return
		}
		d.Err = pe.Message
		s.render(w, r, rc, pe.Status, "payment", "payment_title", d)
		return
	}
	http.Redirect(w, r, "/dashboard/payments/"+url.PathEscape(d.P.ID)+"?flash="+op, http.StatusSeeOther)
}
