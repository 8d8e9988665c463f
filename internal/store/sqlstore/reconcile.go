package sqlstore

import (
	"context"
	"errors"

	"github.com/kasapos/kasa/internal/store"
)

// Reconciliation reports (issue #5).

var reconciliations = newTable("reconciliations", func(r *store.Reconciliation) []field {
	return []field{
		{"id", &r.ID, true},
		{"merchant_id", &r.MerchantID, true},
		{"mode", &r.Mode, true},
		{"day", &r.Date, true},
		{"pos_id", &r.POSID, true},
		{"origin", &r.Trigger, true},
		{"payments", &r.Payments, true},
		{"mismatches", &r.Mismatches, true},
		{"unverified", &r.Unverified, true},
		{"report", blob{&r.Report}, true},
		{"created_at", micros{&r.CreatedAt}, true},
	}
})

func (s *Store) CreateReconciliation(ctx context.Context, r *store.Reconciliation, ev *store.Event) error {
	orNow(&r.CreatedAt)
	return s.InTx(ctx, func(t store.Tx) error {
		if _, err := insertRow(ctx, t.(*tx).c, reconciliations, r, ""); err != nil {
			return err
		}
		if ev == nil {
			return nil
		}
		return t.InsertEvent(ctx, ev)
	})
}

func (s *Store) GetReconciliation(ctx context.Context, merchantID, id string) (*store.Reconciliation, error) {
	return selectOne(ctx, s.r, reconciliations, "WHERE merchant_id = ? AND id = ?", merchantID, id)
}

func (s *Store) ListReconciliations(ctx context.Context, f store.ReconciliationFilter) ([]*store.Reconciliation, error) {
	if f.MerchantID == "" || f.Mode == "" {
		return nil, errors.New("sqlstore: ListReconciliations needs MerchantID and Mode")
	}
	where := "WHERE merchant_id = ? AND mode = ?"
	args := []any{f.MerchantID, string(f.Mode)}
	for _, eq := range []struct{ col, val string }{{"day", f.Date}, {"pos_id", f.POSID}, {"origin", f.Trigger}} {
		if eq.val != "" {
			where += " AND " + eq.col + " = ?"
			args = append(args, eq.val)
		}
	}
	if !f.BeforeTime.IsZero() {
		t := f.BeforeTime.UnixMicro()
		where += " AND created_at <= ? AND (created_at < ? OR id < ?)"
		args = append(args, t, t, f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultListLimit
	}
	return selectAll(ctx, s.r, reconciliations, where+" ORDER BY created_at DESC, id DESC LIMIT ?",
		append(args, min(limit, MaxListLimit))...)
}
