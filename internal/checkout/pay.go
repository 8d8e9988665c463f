package checkout

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"time"

	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/payment"
	"github.com/kasapos/kasa/internal/store"
)

// Why a session or link cannot take a payment (Unavailable.Reason).
const (
	ReasonNotFound = "not_found"
	ReasonExpired  = "expired"
	ReasonPaid     = "paid"     // a single-use link that was paid already
	ReasonDisabled = "disabled" // the merchant disabled the link
)

// Unavailable is returned to the browser pages when a session or link cannot
// be paid; the page explains Reason.
type Unavailable struct{ Reason string }

func (u *Unavailable) Error() string { return "checkout unavailable: " + u.Reason }

// State is what the checkout page shows.
type State struct {
	Session  *store.CheckoutSession
	Merchant string
	Last     *store.Payment // the latest attempt, nil before the first
}

// Open loads a session for the customer's browser. A complete session is
// returned as it is (the page shows the receipt or returns to the merchant);
// an open one only while it can still be paid.
func (s *Service) Open(ctx context.Context, sessionID string) (*State, error) {
	cs, err := s.store().CheckoutSessionByID(ctx, sessionID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &Unavailable{ReasonNotFound}
	} else if err != nil {
		return nil, err
	}
	cs, last, err := s.refresh(ctx, cs)
	if err != nil {
		return nil, err
	}
	m, err := s.store().GetMerchant(ctx, cs.MerchantID)
	if err != nil {
		return nil, err
	}
	st := &State{Session: cs, Merchant: m.Name, Last: last}
	if cs.Status == store.CheckoutComplete {
		return st, nil
	}
	if cs.PaymentLinkID != "" {
		l, err := s.store().PaymentLinkByID(ctx, cs.PaymentLinkID)
		if err != nil {
			return nil, err
		}
		if err := s.linkUsable(ctx, l); err != nil {
			return nil, err
		}
	}
	if s.expired(cs) {
		return nil, &Unavailable{ReasonExpired}
	}
	return st, nil
}

// linkUsable says whether a link may take a payment now.
func (s *Service) linkUsable(ctx context.Context, l *store.PaymentLink) error {
	if l.SingleUse {
		ps, err := s.store().ListPayments(ctx, store.PaymentFilter{MerchantID: l.MerchantID, Mode: l.Mode, PaymentLinkID: l.ID})
		if err != nil {
			return err
		}
		if slices.ContainsFunc(ps, func(p *store.Payment) bool { return paid(p.Status) }) {
			return &Unavailable{ReasonPaid}
		}
	}
	switch {
	case !l.Active:
		return &Unavailable{ReasonDisabled}
	case s.linkExpired(l):
		return &Unavailable{ReasonExpired}
	}
	return nil
}

// OpenLink returns the session a visit to a payment link pays: a fresh one,
// or for a single-use link its open session, so that two visits cannot pay
// the link twice. An unusable link yields *Unavailable.
func (s *Service) OpenLink(ctx context.Context, linkID string) (*store.CheckoutSession, error) {
	l, err := s.store().PaymentLinkByID(ctx, linkID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &Unavailable{ReasonNotFound}
	} else if err != nil {
		return nil, err
	}
	if err := s.linkUsable(ctx, l); err != nil {
		return nil, err
	}
	now := s.now()
	if l.SingleUse {
		// Reuse only a session with time left to type a card.
		cs, err := s.store().OpenCheckoutSessionOfLink(ctx, l.ID, now.Add(5*time.Minute))
		if err == nil {
			return cs, nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	exp := now.Add(SessionTTL)
	if !l.ExpiresAt.IsZero() && l.ExpiresAt.Before(exp) {
		exp = l.ExpiresAt
	}
	cs := &store.CheckoutSession{
		ID: id.New("cs"), MerchantID: l.MerchantID, Mode: l.Mode, PaymentLinkID: l.ID,
		Status: store.CheckoutOpen, Amount: l.Amount, Currency: l.Currency, Description: l.Description,
		ReturnURL: l.ReturnURL, Capture: true, Installments: l.Installments,
		ExpiresAt: exp, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.store().CreateCheckoutSession(ctx, cs); err != nil {
		return nil, err
	}
	return cs, nil
}

// PayInput is the card form of the checkout page.
type PayInput struct {
	Card         payment.CardInput
	Installments int // 0 or 1: a single payment
	ClientIP     string
}

// Outcome is what the customer's browser does after a card submission.
type Outcome struct {
	// Redirect, when set, is where the browser goes next: the bank's 3D
	// hand-off, the merchant's return_url, or the page's own receipt.
	Redirect string
	// Payment is the attempt; without Redirect it was declined or failed
	// (the page shows why and takes another card), or, with Pending, is
	// still waiting for the bank.
	Payment *store.Payment
	Pending bool
}

// Pay charges the session with the card from the page. A session has at most
// one approved payment: while an attempt is approved, waiting for 3D Secure
// or for the bank, a submission continues it instead of charging again.
func (s *Service) Pay(ctx context.Context, sessionID string, in PayInput) (*Outcome, error) {
	st, err := s.Open(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	if st.Last != nil && st.Last.Status != store.StatusDeclined && st.Last.Status != store.StatusFailed {
		return s.outcome(st.Session, st.Last), nil
	}
	if in.Installments > 1 && !slices.Contains(st.Session.Installments, in.Installments) {
		return nil, invalid("installments_invalid", "installments", "choose one of the installment options offered")
	}
	return s.attempt(ctx, st.Session, in)
}

func (s *Service) outcome(cs *store.CheckoutSession, p *store.Payment) *Outcome {
	switch {
	case p.Status == store.StatusRequiresAction:
		return &Outcome{Redirect: s.Payments.PublicURL + payment.ThreeDPath(p.ID), Payment: p}
	case paid(p.Status):
		return &Outcome{Redirect: s.ReturnTo(cs, p), Payment: p}
	case p.Status == store.StatusProcessing || p.Status == store.StatusUnknown:
		return &Outcome{Payment: p, Pending: true}
	}
	return &Outcome{Payment: p}
}

// ReturnTo is where a paid session sends the customer: the merchant's
// return_url with payment_id, status and checkout_session_id, or the
// session's own page, which shows a receipt.
func (s *Service) ReturnTo(cs *store.CheckoutSession, p *store.Payment) string {
	if cs.ReturnURL == "" {
		return s.URL(cs.ID)
	}
	u, err := url.Parse(cs.ReturnURL)
	if err != nil {
		return s.URL(cs.ID)
	}
	q := u.Query()
	q.Set("payment_id", p.ID)
	q.Set("status", p.Status)
	q.Set("checkout_session_id", cs.ID)
	u.RawQuery = q.Encode()
	return u.String()
}

// staleClaim is how old an attempt's claim without a payment must be before
// it counts as abandoned (its request died before creating the payment).
const staleClaim = time.Minute

// attempt creates one payment for the session under an idempotency key
// derived from the session and its previous attempt. Two submissions of the
// same form (a double click, two tabs) derive the same key: one creates the
// payment, the other waits for it and shows its outcome. After a decline the
// key changes, so the customer can try again.
//
// The key has no mode prefix, unlike API keys ("test:…"), so no API request
// can claim or replay it.
func (s *Service) attempt(ctx context.Context, cs *store.CheckoutSession, in PayInput) (*Outcome, error) {
	prev := cs.PaymentID
	if prev == "" {
		prev = "first"
	}
	key := "checkout:" + cs.ID + ":after:" + prev
	deadline := time.Now().Add(s.Wait)
	for {
		rec := &store.Idempotency{MerchantID: cs.MerchantID, Key: key, Fingerprint: "checkout"}
		existing, claimed, err := s.store().ClaimIdempotency(ctx, rec)
		if err != nil {
			return nil, err
		}
		if claimed {
			return s.create(ctx, cs, key, in)
		}
		if existing.ResourceID != "" {
			// The claim names the payment a moment before the payment row
			// is committed: not found yet means still being created.
			p, err := s.store().PaymentByID(ctx, existing.ResourceID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, err
			}
			if p != nil && (p.Status != store.StatusProcessing || time.Now().After(deadline)) {
				cs, p, err = s.record(ctx, cs, p)
				if err != nil {
					return nil, err
				}
				return s.outcome(cs, p), nil
			}
		} else if existing.State == store.IdemInProgress && time.Since(existing.UpdatedAt) > staleClaim {
			if _, err := s.store().ReleaseStaleIdempotency(ctx, existing); err != nil {
				return nil, err
			}
			continue
		}
		if time.Now().After(deadline) {
			return &Outcome{Pending: true}, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// create runs the claimed attempt through the payment service.
func (s *Service) create(ctx context.Context, cs *store.CheckoutSession, key string, in PayInput) (*Outcome, error) {
	req := &payment.CreateRequest{
		Amount: cs.Amount, Currency: cs.Currency, Capture: &cs.Capture, Installments: in.Installments,
		OrderID: cs.OrderID, Description: cs.Description, Card: in.Card,
		Customer: payment.CustomerInput{IP: in.ClientIP}, POSID: cs.POSID, ThreeD: cs.ThreeD,
		ReturnURL: s.URL(cs.ID), CheckoutSessionID: cs.ID, PaymentLinkID: cs.PaymentLinkID,
	}
	v, err := s.Payments.Create(ctx, payment.Caller{MerchantID: cs.MerchantID, Mode: cs.Mode, IdempotencyKey: key}, req)
	if err != nil {
		// The service refuses bad input (card, POS, model) before it records
		// anything, so the claim can go: the customer corrects the form and
		// submits under the same key. Other errors keep the claim; a payment
		// may exist, and the next submission finds it through the claim.
		var pe *payment.Error
		if errors.As(err, &pe) && pe.Status < 500 {
			if derr := s.store().DeleteIdempotency(ctx, cs.MerchantID, key); derr != nil {
				return nil, errors.Join(err, derr)
			}
		}
		return nil, err
	}
	if err := s.store().CompleteIdempotency(ctx, &store.Idempotency{MerchantID: cs.MerchantID, Key: key,
		ResponseStatus: 201, ResponseBody: []byte(`{"payment_id":"` + v.ID + `"}`), ResourceID: v.ID}); err != nil {
		return nil, err
	}
	p, err := s.store().PaymentByID(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	cs, p, err = s.record(ctx, cs, p)
	if err != nil {
		return nil, err
	}
	return s.outcome(cs, p), nil
}
