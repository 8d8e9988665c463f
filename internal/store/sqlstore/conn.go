package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/kasapos/kasa/internal/store"
)

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn runs queries written with "?" placeholders on a pool or a transaction
// and maps errors to the store's sentinels.
type conn struct {
	q querier
	d *Dialect
}

func (c conn) wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("sqlstore: %s: %w", op, store.ErrNotFound)
	}
	if kind := c.d.Classify(err); kind != nil {
		return fmt.Errorf("sqlstore: %s: %w: %w", op, kind, err)
	}
	return fmt.Errorf("sqlstore: %s: %w", op, err)
}

// exec runs a statement and returns the number of rows it affected.
func (c conn) exec(ctx context.Context, op, query string, args ...any) (int64, error) {
	res, err := c.q.ExecContext(ctx, c.d.rebind(query), args...)
	if err != nil {
		return 0, c.wrap(op, err)
	}
	n, err := res.RowsAffected()
	return n, c.wrap(op, err)
}

// execOne is exec for statements addressing one row: no match is ErrNotFound.
func (c conn) execOne(ctx context.Context, op, query string, args ...any) error {
	n, err := c.exec(ctx, op, query, args...)
	if err == nil && n == 0 {
		err = fmt.Errorf("sqlstore: %s: %w", op, store.ErrNotFound)
	}
	return err
}

// selectOne reads one record; rest is the SQL after "FROM table".
func selectOne[T any](ctx context.Context, c conn, t *table[T], rest string, args ...any) (*T, error) {
	v, dests := t.dests()
	err := c.q.QueryRowContext(ctx, c.d.rebind("SELECT "+t.cols+" FROM "+t.name+" "+rest), args...).Scan(dests...)
	if err != nil {
		return nil, c.wrap("get "+t.name, err)
	}
	return v, nil
}

// selectAll reads records; rest is the SQL after "FROM table".
func selectAll[T any](ctx context.Context, c conn, t *table[T], rest string, args ...any) ([]*T, error) {
	op := "list " + t.name
	rows, err := c.q.QueryContext(ctx, c.d.rebind("SELECT "+t.cols+" FROM "+t.name+" "+rest), args...)
	if err != nil {
		return nil, c.wrap(op, err)
	}
	defer rows.Close()
	var out []*T
	for rows.Next() {
		v, dests := t.dests()
		if err := rows.Scan(dests...); err != nil {
			return nil, c.wrap(op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, c.wrap(op, err)
	}
	return out, nil
}

// insertRow inserts v; suffix may add e.g. an ON CONFLICT clause.
func insertRow[T any](ctx context.Context, c conn, t *table[T], v *T, suffix string) (int64, error) {
	op := "insert " + t.name
	args, err := t.args(v, false)
	if err != nil {
		return 0, c.wrap(op, err)
	}
	return c.exec(ctx, op, t.insert+suffix, args...)
}

// updateRow writes v's mutable columns to the one row matched by where.
func updateRow[T any](ctx context.Context, c conn, t *table[T], v *T, where string, whereArgs ...any) error {
	op := "update " + t.name
	args, err := t.args(v, true)
	if err != nil {
		return c.wrap(op, err)
	}
	return c.execOne(ctx, op, "UPDATE "+t.name+" SET "+t.set+" WHERE "+where, append(args, whereArgs...)...)
}
