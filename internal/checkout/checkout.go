// Package checkout is Kasa's hosted checkout: checkout sessions (one
// customer's visit to Kasa's card page), payment links (URLs that open a
// fresh session) and paying a session with the card typed on that page. The
// merchant API (internal/api) creates and reads sessions and links; the
// browser pages (internal/web) render them and call Pay. Payments themselves
// go through payment.Service like any API payment.
package checkout

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/money"
	"github.com/kasapos/kasa/internal/payment"
	"github.com/kasapos/kasa/internal/store"
)

// SessionTTL is how long a checkout session takes payments.
const SessionTTL = time.Hour

// Service implements checkout on top of the payment service.
type Service struct {
	Payments *payment.Service
	// Wait bounds how long a duplicate card submission (a double click)
	// waits for the first one's outcome before showing "in progress".
	Wait time.Duration
}

// New returns a checkout service using svc's store, keyring, clock and public URL.
func New(svc *payment.Service) *Service { return &Service{Payments: svc, Wait: 5 * time.Second} }

func (s *Service) store() store.Store { return s.Payments.Store }

func (s *Service) now() time.Time {
	if s.Payments.Now != nil {
		return s.Payments.Now().UTC()
	}
	return time.Now().UTC()
}

// URL is where the customer pays a session.
func (s *Service) URL(sessionID string) string {
	return s.Payments.PublicURL + "/checkout/" + sessionID
}

// LinkURL is a payment link's public address.
func (s *Service) LinkURL(linkID string) string { return s.Payments.PublicURL + "/l/" + linkID }

// SessionInput is POST /v1/checkout_sessions.
type SessionInput struct {
	Amount       int64  `json:"amount"`
	Currency     string `json:"currency"`
	OrderID      string `json:"order_id"`
	Description  string `json:"description"`
	ReturnURL    string `json:"return_url"`
	Capture      *bool  `json:"capture"`
	Installments []int  `json:"installments"`
	POSID        string `json:"pos_id"`
	ThreeD       string `json:"three_d"`
}

// SessionView is a checkout session as the API shows it.
type SessionView struct {
	ID            string     `json:"id"`
	Object        string     `json:"object"`
	Mode          store.Mode `json:"mode"`
	URL           string     `json:"url"`
	Status        string     `json:"status"` // open, complete, expired
	Amount        int64      `json:"amount"`
	Currency      string     `json:"currency"`
	OrderID       string     `json:"order_id,omitempty"`
	Description   string     `json:"description,omitempty"`
	ReturnURL     string     `json:"return_url,omitempty"`
	Capture       bool       `json:"capture"`
	Installments  []int      `json:"installments"`
	POSID         string     `json:"pos_id,omitempty"`
	ThreeD        string     `json:"three_d,omitempty"`
	PaymentLinkID string     `json:"payment_link,omitempty"`
	PaymentID     *string    `json:"payment_id"` // the latest attempt; null before the first
	ExpiresAt     time.Time  `json:"expires_at"`
	CreatedAt     time.Time  `json:"created_at"`
}

// LinkInput is POST /v1/payment_links.
type LinkInput struct {
	Amount       int64      `json:"amount"`
	Currency     string     `json:"currency"`
	Description  string     `json:"description"`
	SingleUse    bool       `json:"single_use"`
	ExpiresAt    *time.Time `json:"expires_at"`
	ReturnURL    string     `json:"return_url"`
	Installments []int      `json:"installments"`
}

// LinkView is a payment link as the API shows it.
type LinkView struct {
	ID           string     `json:"id"`
	Object       string     `json:"object"`
	Mode         store.Mode `json:"mode"`
	URL          string     `json:"url"`
	Active       bool       `json:"active"` // false once disabled, expired or (single use) paid
	Amount       int64      `json:"amount"`
	Currency     string     `json:"currency"`
	Description  string     `json:"description"`
	SingleUse    bool       `json:"single_use"`
	ReturnURL    string     `json:"return_url,omitempty"`
	Installments []int      `json:"installments"`
	ExpiresAt    *time.Time `json:"expires_at"`
	CreatedAt    time.Time  `json:"created_at"`
}

// LinkList is one page of links.
type LinkList struct {
	Object     string      `json:"object"`
	Data       []*LinkView `json:"data"`
	HasMore    bool        `json:"has_more"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

func invalid(code, field, msg string) *payment.Error {
	return &payment.Error{Status: http.StatusBadRequest, Code: code, Field: field, Message: msg}
}

func notFound(what string) *payment.Error {
	return &payment.Error{Status: http.StatusNotFound, Code: "resource_not_found", Message: "no such " + what}
}

// terms checks what is being paid for, shared by sessions and links, and
// returns the allowed installment counts sorted, without 1 and duplicates.
func terms(amount int64, currency, description string, installments []int) ([]int, error) {
	cur, err := money.ParseCurrency(currency)
	switch {
	case currency == "":
		return nil, invalid("parameter_missing", "currency", "currency is required (TRY, USD, EUR or GBP)")
	case err != nil:
		return nil, invalid("currency_unknown", "currency", fmt.Sprintf("unknown currency %q", currency))
	case amount <= 0:
		return nil, invalid("amount_invalid", "amount", "amount must be a positive integer in minor units (kuruş, cents)")
	case amount > payment.MaxAmount:
		return nil, invalid("amount_too_large", "amount", "amount exceeds the maximum of one payment")
	case utf8.RuneCountInString(description) > 255:
		return nil, invalid("parameter_invalid", "description", "description must be at most 255 characters")
	}
	var out []int
	for _, n := range installments {
		switch {
		case n < 1 || n > 36:
			return nil, invalid("installments_invalid", "installments", "each installment count must be between 2 and 36")
		case n > 1 && cur.Code != money.TRY.Code:
			return nil, invalid("installments_not_allowed", "installments", "installments are only offered in TRY")
		case n > 1 && !slices.Contains(out, n):
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, nil
}

// CreateSession opens a checkout session for the merchant's customer.
func (s *Service) CreateSession(ctx context.Context, c payment.Caller, in *SessionInput) (*SessionView, error) {
	inst, err := terms(in.Amount, in.Currency, in.Description, in.Installments)
	if err != nil {
		return nil, err
	}
	switch {
	case in.OrderID != "" && !payment.ValidOrderID(in.OrderID):
		return nil, invalid("order_id_invalid", "order_id", "order_id must be 1-64 characters of letters, digits and ._-/:")
	case !slices.Contains([]string{"", "none", gateway.Model3D, gateway.Model3DPay}, in.ThreeD):
		return nil, invalid("parameter_invalid", "three_d",
			`three_d must be "3d", "3d_pay" or "none" (with 3d_host the bank's page collects the card, not Kasa's)`)
	}
	if err := s.Payments.CheckReturnURL(ctx, c.MerchantID, in.ReturnURL); err != nil {
		return nil, err
	}
	if in.POSID != "" {
		p, err := s.store().GetPOS(ctx, c.MerchantID, in.POSID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && p.Mode != c.Mode) {
			return nil, &payment.Error{Status: http.StatusNotFound, Code: "resource_not_found", Field: "pos_id", Message: "no such POS"}
		} else if err != nil {
			return nil, err
		}
	}
	now := s.now()
	cs := &store.CheckoutSession{
		ID: id.New("cs"), MerchantID: c.MerchantID, Mode: c.Mode, Status: store.CheckoutOpen,
		Amount: in.Amount, Currency: money.MustCurrency(in.Currency).Code, OrderID: in.OrderID,
		Description: in.Description, ReturnURL: in.ReturnURL, Capture: in.Capture == nil || *in.Capture,
		Installments: inst, POSID: in.POSID, ThreeD: in.ThreeD,
		ExpiresAt: now.Add(SessionTTL), CreatedAt: now, UpdatedAt: now,
	}
	if err := s.store().CreateCheckoutSession(ctx, cs); err != nil {
		return nil, err
	}
	return s.sessionView(cs), nil
}

// GetSession returns a session of the caller's merchant and mode.
func (s *Service) GetSession(ctx context.Context, c payment.Caller, sessionID string) (*SessionView, error) {
	cs, err := s.store().GetCheckoutSession(ctx, c.MerchantID, sessionID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && cs.Mode != c.Mode) {
		return nil, notFound("checkout session")
	} else if err != nil {
		return nil, err
	}
	// The customer may have paid (3D callback) and never come back to the
	// page: the payment, not the page visit, completes the session.
	if cs, _, err = s.refresh(ctx, cs); err != nil {
		return nil, err
	}
	return s.sessionView(cs), nil
}

func (s *Service) sessionView(cs *store.CheckoutSession) *SessionView {
	v := &SessionView{
		ID: cs.ID, Object: "checkout_session", Mode: cs.Mode, URL: s.URL(cs.ID), Status: cs.Status,
		Amount: cs.Amount, Currency: cs.Currency, OrderID: cs.OrderID, Description: cs.Description,
		ReturnURL: cs.ReturnURL, Capture: cs.Capture, Installments: orEmpty(cs.Installments),
		POSID: cs.POSID, ThreeD: cs.ThreeD, PaymentLinkID: cs.PaymentLinkID,
		ExpiresAt: cs.ExpiresAt, CreatedAt: cs.CreatedAt,
	}
	if s.expired(cs) {
		v.Status = "expired"
	}
	if cs.PaymentID != "" {
		v.PaymentID = &cs.PaymentID
	}
	return v
}

func orEmpty(v []int) []int {
	if v == nil {
		return []int{}
	}
	return v
}

func (s *Service) expired(cs *store.CheckoutSession) bool {
	return cs.Status == store.CheckoutOpen && !s.now().Before(cs.ExpiresAt)
}

// paid reports whether the bank approved a payment (later refunds or a void
// do not make it unpaid for the session that took it).
func paid(status string) bool {
	switch status {
	case store.StatusSucceeded, store.StatusAuthorized, store.StatusPartiallyRefunded, store.StatusRefunded, store.StatusCanceled:
		return true
	}
	return false
}

// refresh loads the session's latest attempt and, if the bank approved it,
// marks the session complete (and a single-use link used up).
func (s *Service) refresh(ctx context.Context, cs *store.CheckoutSession) (*store.CheckoutSession, *store.Payment, error) {
	if cs.PaymentID == "" {
		return cs, nil, nil
	}
	p, err := s.store().PaymentByID(ctx, cs.PaymentID)
	if err != nil {
		return nil, nil, err
	}
	if cs.Status == store.CheckoutComplete || !paid(p.Status) {
		return cs, p, nil
	}
	return s.record(ctx, cs, p)
}

// record makes p the session's latest attempt, completing the session if p
// was approved. Losing the compare-and-swap means another request recorded
// a newer attempt; the session is then re-read.
func (s *Service) record(ctx context.Context, cs *store.CheckoutSession, p *store.Payment) (*store.CheckoutSession, *store.Payment, error) {
	upd := *cs
	upd.PaymentID, upd.UpdatedAt = p.ID, s.now()
	if paid(p.Status) {
		upd.Status = store.CheckoutComplete
	}
	if upd.PaymentID == cs.PaymentID && upd.Status == cs.Status {
		return cs, p, nil
	}
	err := s.store().UpdateCheckoutSession(ctx, &upd, cs.PaymentID)
	if errors.Is(err, store.ErrNotFound) {
		cur, err := s.store().CheckoutSessionByID(ctx, cs.ID)
		if err != nil {
			return nil, nil, err
		}
		return s.refresh(ctx, cur)
	} else if err != nil {
		return nil, nil, err
	}
	if upd.Status == store.CheckoutComplete && upd.PaymentLinkID != "" {
		if err := s.useUpLink(ctx, upd.PaymentLinkID); err != nil {
			return nil, nil, err
		}
	}
	return &upd, p, nil
}

// useUpLink deactivates a single-use link once it has been paid.
func (s *Service) useUpLink(ctx context.Context, linkID string) error {
	l, err := s.store().PaymentLinkByID(ctx, linkID)
	if err != nil || !l.SingleUse || !l.Active {
		return err
	}
	l.Active, l.UpdatedAt = false, s.now()
	return s.store().UpdatePaymentLink(ctx, l)
}

// CreateLink makes a payment link.
func (s *Service) CreateLink(ctx context.Context, c payment.Caller, in *LinkInput) (*LinkView, error) {
	inst, err := terms(in.Amount, in.Currency, in.Description, in.Installments)
	if err != nil {
		return nil, err
	}
	if in.Description == "" {
		return nil, invalid("parameter_missing", "description", "description is required: the customer sees it on the payment page")
	}
	now := s.now()
	l := &store.PaymentLink{
		ID: id.New("plink"), MerchantID: c.MerchantID, Mode: c.Mode, Amount: in.Amount,
		Currency: money.MustCurrency(in.Currency).Code, Description: in.Description, SingleUse: in.SingleUse,
		Active: true, ReturnURL: in.ReturnURL, Installments: inst, CreatedAt: now, UpdatedAt: now,
	}
	if in.ExpiresAt != nil {
		if !in.ExpiresAt.After(now) {
			return nil, invalid("parameter_invalid", "expires_at", "expires_at must be in the future")
		}
		l.ExpiresAt = in.ExpiresAt.UTC()
	}
	if in.ReturnURL != "" {
		if err := s.Payments.CheckReturnURL(ctx, c.MerchantID, in.ReturnURL); err != nil {
			return nil, err
		}
	}
	if err := s.store().CreatePaymentLink(ctx, l); err != nil {
		return nil, err
	}
	return s.linkView(l), nil
}

func (s *Service) linkView(l *store.PaymentLink) *LinkView {
	v := &LinkView{
		ID: l.ID, Object: "payment_link", Mode: l.Mode, URL: s.LinkURL(l.ID), Active: l.Active && !s.linkExpired(l),
		Amount: l.Amount, Currency: l.Currency, Description: l.Description, SingleUse: l.SingleUse,
		ReturnURL: l.ReturnURL, Installments: orEmpty(l.Installments), CreatedAt: l.CreatedAt,
	}
	if !l.ExpiresAt.IsZero() {
		t := l.ExpiresAt
		v.ExpiresAt = &t
	}
	return v
}

func (s *Service) linkExpired(l *store.PaymentLink) bool {
	return !l.ExpiresAt.IsZero() && !s.now().Before(l.ExpiresAt)
}

func (s *Service) link(ctx context.Context, c payment.Caller, linkID string) (*store.PaymentLink, error) {
	l, err := s.store().GetPaymentLink(ctx, c.MerchantID, linkID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && l.Mode != c.Mode) {
		return nil, notFound("payment link")
	}
	return l, err
}

// GetLink returns one link.
func (s *Service) GetLink(ctx context.Context, c payment.Caller, linkID string) (*LinkView, error) {
	l, err := s.link(ctx, c, linkID)
	if err != nil {
		return nil, err
	}
	return s.linkView(l), nil
}

// DisableLink stops a link from opening new sessions. Disabling twice is
// not an error. Sessions already open may still be paid until they expire.
func (s *Service) DisableLink(ctx context.Context, c payment.Caller, linkID string) (*LinkView, error) {
	l, err := s.link(ctx, c, linkID)
	if err != nil {
		return nil, err
	}
	if l.Active {
		l.Active, l.UpdatedAt = false, s.now()
		if err := s.store().UpdatePaymentLink(ctx, l); err != nil {
			return nil, err
		}
	}
	return s.linkView(l), nil
}

// ListLinks pages through the caller's links, newest first.
func (s *Service) ListLinks(ctx context.Context, c payment.Caller, limit int, cursor string) (*LinkList, error) {
	if limit == 0 {
		limit = 20
	}
	if limit < 1 || limit > 100 {
		return nil, invalid("parameter_invalid", "limit", "limit must be between 1 and 100")
	}
	f := store.PaymentLinkFilter{MerchantID: c.MerchantID, Mode: c.Mode, Limit: limit + 1}
	if cursor != "" {
		t, lid, err := payment.DecodeCursor(cursor)
		if err != nil {
			return nil, invalid("parameter_invalid", "cursor", "cursor is not one this API returned")
		}
		f.BeforeTime, f.BeforeID = t, lid
	}
	ls, err := s.store().ListPaymentLinks(ctx, f)
	if err != nil {
		return nil, err
	}
	out := &LinkList{Object: "list", Data: []*LinkView{}}
	if len(ls) > limit {
		out.HasMore, ls = true, ls[:limit]
		last := ls[limit-1]
		out.NextCursor = payment.EncodeCursor(last.CreatedAt, last.ID)
	}
	for _, l := range ls {
		out.Data = append(out.Data, s.linkView(l))
	}
	return out, nil
}

// LinkPayments lists the payments made through a link (every attempt).
func (s *Service) LinkPayments(ctx context.Context, c payment.Caller, linkID string, r payment.ListRequest) (*payment.ListResult, error) {
	if _, err := s.link(ctx, c, linkID); err != nil {
		return nil, err
	}
	r.PaymentLinkID = linkID
	return s.Payments.List(ctx, c, r)
}
