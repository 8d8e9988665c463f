package sqlstore

import (
	"context"
	"errors"
	"time"

	"github.com/kasapos/kasa/internal/store"
)

// Checkout sessions and payment links.

func (s *Store) CreateCheckoutSession(ctx context.Context, c *store.CheckoutSession) error {
	orNow(&c.CreatedAt, &c.UpdatedAt)
	_, err := insertRow(ctx, s.w, checkoutSessions, c, "")
	return err
}

func (s *Store) GetCheckoutSession(ctx context.Context, merchantID, id string) (*store.CheckoutSession, error) {
	return selectOne(ctx, s.r, checkoutSessions, "WHERE merchant_id = ? AND id = ?", merchantID, id)
}

func (s *Store) CheckoutSessionByID(ctx context.Context, id string) (*store.CheckoutSession, error) {
	return selectOne(ctx, s.r, checkoutSessions, "WHERE id = ?", id)
}

func (s *Store) UpdateCheckoutSession(ctx context.Context, c *store.CheckoutSession, prevPaymentID string) error {
	orNow(&c.UpdatedAt)
	return updateRow(ctx, s.w, checkoutSessions, c, "id = ? AND payment_id = ?", c.ID, prevPaymentID)
}

func (s *Store) OpenCheckoutSessionOfLink(ctx context.Context, linkID string, notBefore time.Time) (*store.CheckoutSession, error) {
	return selectOne(ctx, s.r, checkoutSessions,
		"WHERE payment_link_id = ? AND status = ? AND expires_at > ? ORDER BY created_at DESC, id DESC LIMIT 1",
		linkID, store.CheckoutOpen, notBefore.UnixMicro())
}

func (s *Store) CreatePaymentLink(ctx context.Context, l *store.PaymentLink) error {
	orNow(&l.CreatedAt, &l.UpdatedAt)
	_, err := insertRow(ctx, s.w, paymentLinks, l, "")
	return err
}

func (s *Store) GetPaymentLink(ctx context.Context, merchantID, id string) (*store.PaymentLink, error) {
	return selectOne(ctx, s.r, paymentLinks, "WHERE merchant_id = ? AND id = ?", merchantID, id)
}

func (s *Store) PaymentLinkByID(ctx context.Context, id string) (*store.PaymentLink, error) {
	return selectOne(ctx, s.r, paymentLinks, "WHERE id = ?", id)
}

func (s *Store) UpdatePaymentLink(ctx context.Context, l *store.PaymentLink) error {
	orNow(&l.UpdatedAt)
	return updateRow(ctx, s.w, paymentLinks, l, "merchant_id = ? AND id = ?", l.MerchantID, l.ID)
}

// ListPaymentLinks pages newest first like ListPayments.
func (s *Store) ListPaymentLinks(ctx context.Context, f store.PaymentLinkFilter) ([]*store.PaymentLink, error) {
	if f.MerchantID == "" || f.Mode == "" {
		return nil, errors.New("sqlstore: ListPaymentLinks needs MerchantID and Mode")
	}
	where := "WHERE merchant_id = ? AND mode = ?"
	args := []any{f.MerchantID, string(f.Mode)}
	if !f.BeforeTime.IsZero() {
		t := f.BeforeTime.UnixMicro()
		where += " AND created_at <= ? AND (created_at < ? OR id < ?)"
		args = append(args, t, t, f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultListLimit
	}
	return selectAll(ctx, s.r, paymentLinks, where+" ORDER BY created_at DESC, id DESC LIMIT ?",
		append(args, min(limit, MaxListLimit))...)
}
