package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/kasapos/kasa/internal/store"
)

// Operational queries: readiness, the metrics' webhook backlog and the
// benchmark's history generator. They are methods of *Store only, not of
// store.Store, because nothing on the payment path needs them; callers
// reach them through small interfaces of their own.

// Ping reports whether the database answers, on the pool the API's writes
// use (on SQLite, the single writer connection is what must be usable).
func (s *Store) Ping(ctx context.Context) error {
	return s.w.wrap("ping", s.db.PingContext(ctx))
}

// PendingWebhookDeliveries counts deliveries not yet delivered, dropped or
// disabled: the webhook backlog. The partial index webhook_deliveries_due
// covers exactly these rows, so the count stays cheap however long the
// delivery history grows.
func (s *Store) PendingWebhookDeliveries(ctx context.Context) (int64, error) {
	var n int64
	err := s.r.q.QueryRowContext(ctx,
		"SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending'").Scan(&n)
	return n, s.r.wrap("count pending webhook deliveries", err)
}

// bulkRows is how many payments one INSERT carries: 42 columns × 500 rows
// stays far below both SQLite's (32,766) and PostgreSQL's (65,535) bound on
// bound parameters, and is large enough that per-statement cost vanishes.
const bulkRows = 500

// BulkInsertPayments inserts ps with multi-row INSERTs in one transaction.
// It writes payment rows only (no timeline, no outbox event): it exists to
// give benchmarks a large history to list, never for real payments.
func (s *Store) BulkInsertPayments(ctx context.Context, ps []*store.Payment) error {
	if len(ps) == 0 {
		return nil
	}
	return s.InTx(ctx, func(t store.Tx) error {
		c := t.(*tx).c
		row := "(" + strings.TrimSuffix(strings.Repeat("?, ", strings.Count(payments.cols, ",")+1), ", ") + ")"
		for len(ps) > 0 {
			n := min(len(ps), bulkRows)
			var q strings.Builder
			q.WriteString("INSERT INTO payments (" + payments.cols + ") VALUES ")
			args := make([]any, 0, n*(strings.Count(payments.cols, ",")+1))
			for i, p := range ps[:n] {
				if i > 0 {
					q.WriteString(", ")
				}
				q.WriteString(row)
				a, err := payments.args(p, false)
				if err != nil {
					return c.wrap("bulk insert payments", err)
				}
				args = append(args, a...)
			}
			if _, err := c.exec(ctx, "bulk insert payments", q.String(), args...); err != nil {
				return fmt.Errorf("%w (%d rows)", err, n)
			}
			ps = ps[n:]
		}
		return nil
	})
}
