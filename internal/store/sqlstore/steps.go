package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/kasapos/kasa/internal/store"
)

// A sale's two steps (intent before the bank call, outcome after) as few
// statements as the dialect allows. On PostgreSQL each statement is a round
// trip, so each step is one statement with data-modifying CTEs; SQLite has
// no DML in CTEs and no round trips, so it runs the statements in turn.
// Both produce the same rows (the store suite runs on both).

// InsertIntent is Tx.InsertIntent alone (store.Store).
func (s *Store) InsertIntent(ctx context.Context, idem *store.Idempotency, p *store.Payment, tr *store.Transaction) (claimed bool, err error) {
	err = s.step(ctx, func(t *tx) (err error) {
		claimed, err = t.InsertIntent(ctx, idem, p, tr)
		return err
	})
	return claimed, err
}

// RecordOutcome is Tx.RecordOutcome alone (store.Store).
func (s *Store) RecordOutcome(ctx context.Context, o *store.Outcome) (written, idemDone bool, err error) {
	err = s.step(ctx, func(t *tx) (err error) {
		written, idemDone, err = t.RecordOutcome(ctx, o)
		return err
	})
	return written, idemDone, err
}

// step runs fn, which makes one statement on PostgreSQL, outside a
// transaction there: a statement is atomic by itself, and a transaction
// around it costs a round trip for BEGIN and one for COMMIT, which at 500
// sales/s were most of a PostgreSQL sale's storage time. Like runTx it runs
// with a context that does not end once begun, and runs again after a
// transient abort (a deadlock), which wrote nothing. SQLite, whose steps are
// several statements, goes through InTx.
func (s *Store) step(ctx context.Context, fn func(*tx) error) error {
	inTx := func() error { return s.InTx(ctx, func(t store.Tx) error { return fn(t.(*tx)) }) }
	if !s.d.NumberedPlaceholders {
		return inTx()
	}
	// Under load, steps join the committers' batches instead: one commit
	// for many steps is what PostgreSQL's throughput needs (a closed loop
	// of 32 clients fell from ~1,400 to ~700 sales/s with every step on
	// its own). Up to as many steps at once as there are committers run
	// on their own, like extra committers with batches of one.
	if s.group != nil {
		n := s.steps.Add(1)
		defer s.steps.Add(-1)
		if int(n) > s.d.Committers {
			return inTx()
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ctx = context.WithoutCancel(ctx)
	for attempt := 0; ; attempt++ {
		t := &tx{c: conn{ctxFixed{s.w.q, ctx}, s.d}}
		err := fn(t)
		if err == nil {
			s.committed(t)
			return nil
		}
		if !s.again(ctx, err, attempt) {
			return err
		}
	}
}

func (t *tx) InsertIntent(ctx context.Context, idem *store.Idempotency, p *store.Payment, tr *store.Transaction) (bool, error) {
	orNow(&p.CreatedAt, &p.UpdatedAt)
	orNow(&tr.CreatedAt)
	if idem != nil {
		idem.State = store.IdemInProgress
		orNow(&idem.CreatedAt, &idem.UpdatedAt)
	}
	if !t.c.d.NumberedPlaceholders {
		if idem != nil {
			if ok, err := claimIdempotency(ctx, t.c, idem); err != nil || !ok {
				return false, err
			}
		}
		if err := t.InsertPayment(ctx, p); err != nil {
			return false, err
		}
		return true, t.InsertTransaction(ctx, tr)
	}
	pa, err := payments.args(p, false)
	if err != nil {
		return false, t.c.wrap("insert intent", err)
	}
	ta, err := transactions.args(tr, false)
	if err != nil {
		return false, t.c.wrap("insert intent", err)
	}
	var q strings.Builder
	var args []any
	cond := ""
	if idem != nil {
		ia, err := idempotency.args(idem, false)
		if err != nil {
			return false, t.c.wrap("insert intent", err)
		}
		q.WriteString("WITH claim AS (" + idempotency.insert + " ON CONFLICT (merchant_id, idem_key) DO NOTHING RETURNING 1), ")
		args = append(args, ia...)
		cond = " WHERE EXISTS (SELECT 1 FROM claim)"
	} else {
		q.WriteString("WITH ")
	}
	q.WriteString("pay AS (INSERT INTO payments (" + payments.cols + ") SELECT " + casts(pa) + cond + " RETURNING 1) ")
	q.WriteString("INSERT INTO transactions (" + transactions.cols + ") SELECT " + casts(ta) + " WHERE EXISTS (SELECT 1 FROM pay)")
	args = append(append(args, pa...), ta...)
	n, err := t.c.exec(ctx, "insert intent", q.String(), args...)
	return n == 1, err
}

func (t *tx) RecordOutcome(ctx context.Context, o *store.Outcome) (written, idemDone bool, err error) {
	p := o.Payment
	orNow(&p.UpdatedAt)
	orNow(&o.Event.CreatedAt)
	pa, err := payments.args(p, true)
	if err != nil {
		return false, false, t.c.wrap("record outcome", err)
	}
	pa = append(pa, p.MerchantID, p.ID, o.PrevStatus, micros{&o.PrevUpdatedAt})
	ta, err := transactions.args(o.Transaction, true)
	if err != nil {
		return false, false, t.c.wrap("record outcome", err)
	}
	ta = append(ta, o.Transaction.MerchantID, o.Transaction.ID)
	ea, err := events.args(o.Event, false)
	if err != nil {
		return false, false, t.c.wrap("record outcome", err)
	}
	var ia []any
	if r := o.Idempotency; r != nil {
		orNow(&r.UpdatedAt)
		ia = []any{store.IdemDone, int64(r.ResponseStatus), nonNil(r.ResponseBody), r.UpdatedAt.UnixMicro(),
			r.MerchantID, r.Key, store.IdemInProgress}
	}
	const (
		payWhere  = " WHERE merchant_id = ? AND id = ? AND status = ? AND updated_at = ?"
		txWhere   = " WHERE merchant_id = ? AND id = ?"
		idemSet   = "UPDATE idempotency_keys SET state = ?, response_status = ?, response_body = ?, updated_at = ?"
		idemWhere = " WHERE merchant_id = ? AND idem_key = ? AND state = ?"
	)
	if !t.c.d.NumberedPlaceholders {
		n, err := t.c.exec(ctx, "record outcome", "UPDATE payments SET "+payments.set+payWhere, pa...)
		if err != nil || n == 0 {
			return false, false, err
		}
		if err := t.c.execOne(ctx, "record outcome", "UPDATE transactions SET "+transactions.set+txWhere, ta...); err != nil {
			return false, false, err
		}
		if _, err := t.c.exec(ctx, "record outcome", events.insert, ea...); err != nil {
			return false, false, err
		}
		t.events = true
		if ia == nil {
			return true, false, nil
		}
		n, err = t.c.exec(ctx, "record outcome", idemSet+idemWhere, ia...)
		return true, n == 1, err
	}
	// p also requires the timeline row: the statement may run outside a
	// transaction (Store.RecordOutcome), where nothing could roll back a
	// payment updated beside a timeline row that did not match.
	q := "WITH p AS (UPDATE payments SET " + payments.set + payWhere +
		" AND EXISTS (SELECT 1 FROM transactions WHERE merchant_id = ? AND id = ?) RETURNING 1), " +
		"t AS (UPDATE transactions SET " + transactions.set + txWhere + " AND EXISTS (SELECT 1 FROM p) RETURNING 1), " +
		"e AS (INSERT INTO events (" + events.cols + ") SELECT " + casts(ea) + " WHERE EXISTS (SELECT 1 FROM p) RETURNING 1)"
	args := append(append(append(pa, o.Transaction.MerchantID, o.Transaction.ID), ta...), ea...)
	if ia != nil {
		q += ", i AS (" + idemSet + idemWhere + " AND EXISTS (SELECT 1 FROM p) RETURNING 1)" +
			" SELECT (SELECT count(*) FROM p), (SELECT count(*) FROM t), (SELECT count(*) FROM i)"
		args = append(args, ia...)
	} else {
		q += " SELECT (SELECT count(*) FROM p), (SELECT count(*) FROM t), 0"
	}
	var np, nt, ni int64
	if err := t.c.q.QueryRowContext(ctx, t.c.d.rebind(q), args...).Scan(&np, &nt, &ni); err != nil {
		return false, false, t.c.wrap("record outcome", err)
	}
	if np == 1 && nt != 1 {
		// The payment matched but its timeline row was not updated (p
		// requires the row, so this would take a row changing under the
		// statement): report it rather than a clean write.
		return false, false, fmt.Errorf("sqlstore: record outcome: %w: transaction %s", store.ErrNotFound, o.Transaction.ID)
	}
	t.events = t.events || np == 1
	return np == 1, ni == 1, nil
}

// casts is a SELECT list of placeholders typed from the values that will be
// bound to them: PostgreSQL cannot infer the types of parameters in an
// INSERT … SELECT, as it does in VALUES.
func casts(args []any) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("?::" + sqlType(a))
	}
	return b.String()
}

// sqlType names the PostgreSQL type of a value table.args produced (plain
// driver values).
func sqlType(a any) string {
	switch a.(type) {
	case int64, int:
		return "bigint"
	case bool:
		return "boolean"
	case []byte:
		return "bytea"
	}
	return "text"
}
