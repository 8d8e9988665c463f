package sqlstore

import (
	"bytes"
	"context"
	"database/sql/driver"
	"fmt"
	"slices"

	"github.com/kasapos/kasa/internal/store"
)

// Key rotation: generic access to sealed columns (issue #5).

func sealedColumn(col store.SealedColumn) error {
	if !slices.Contains(store.SealedColumns, col) {
		// Table and column names are spliced into SQL: only the known list.
		return fmt.Errorf("sqlstore: %s is not a sealed column", col)
	}
	return nil
}

func (s *Store) ListSealed(ctx context.Context, col store.SealedColumn, after string, limit int) ([]store.SealedValue, error) {
	if err := sealedColumn(col); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = DefaultListLimit
	}
	op := "list sealed " + col.String()
	// The write pool: a rotation must see what was just written.
	rows, err := s.w.q.QueryContext(ctx, s.d.rebind("SELECT "+col.Key+", "+col.Column+" FROM "+col.Table+
		" WHERE "+col.Key+" > ? AND length("+col.Column+") > 0 ORDER BY "+col.Key+" LIMIT ?"), after, limit)
	if err != nil {
		return nil, s.w.wrap(op, err)
	}
	defer rows.Close()
	var out []store.SealedValue
	for rows.Next() {
		var v store.SealedValue
		if err := rows.Scan(&v.Key, &v.Sealed); err != nil {
			return nil, s.w.wrap(op, err)
		}
		out = append(out, v)
	}
	return out, s.w.wrap(op, rows.Err())
}

func (s *Store) GetSealed(ctx context.Context, col store.SealedColumn, key string) ([]byte, error) {
	if err := sealedColumn(col); err != nil {
		return nil, err
	}
	var b []byte
	err := s.w.q.QueryRowContext(ctx, s.d.rebind("SELECT "+col.Column+" FROM "+col.Table+" WHERE "+col.Key+" = ?"), key).Scan(&b)
	return b, s.w.wrap("get sealed "+col.String(), err)
}

func (s *Store) SwapSealed(ctx context.Context, col store.SealedColumn, key string, old, val []byte) (bool, error) {
	if err := sealedColumn(col); err != nil {
		return false, err
	}
	if len(old) == 0 || len(val) == 0 {
		return false, fmt.Errorf("sqlstore: swap sealed %s: empty value", col)
	}
	n, err := s.w.exec(ctx, "swap sealed "+col.String(),
		"UPDATE "+col.Table+" SET "+col.Column+" = ? WHERE "+col.Key+" = ? AND "+col.Column+" = ?", val, key, old)
	return n == 1, err
}

func (s *Store) PutKeyringMeta(ctx context.Context, name string, sealed []byte) ([]byte, error) {
	if _, err := s.w.exec(ctx, "put keyring meta",
		"INSERT INTO keyring_meta (name, sealed, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
		name, sealed, now().UnixMicro()); err != nil {
		return nil, err
	}
	return s.GetSealed(ctx, store.SealedKeyringMeta, name)
}

// Audit log (issue #5).

// textBytes stores a []byte in a TEXT column.
type textBytes struct{ b *[]byte }

func (t textBytes) Value() (driver.Value, error) { return string(*t.b), nil }

func (t textBytes) Scan(src any) error {
	switch v := src.(type) {
	case string:
		*t.b = []byte(v)
	case []byte:
		*t.b = bytes.Clone(v)
	case nil:
		*t.b = nil
	default:
		return fmt.Errorf("sqlstore: cannot scan %T into text", src)
	}
	return nil
}

var auditEvents = newTable("audit_events", func(e *store.AuditEvent) []field {
	return []field{
		{"pos", &e.Pos, true},
		{"id", &e.ID, true},
		{"merchant_id", &e.MerchantID, true},
		{"mode", &e.Mode, true},
		{"actor_type", &e.ActorType, true},
		{"actor_id", &e.ActorID, true},
		{"action", &e.Action, true},
		{"resource_type", &e.ResourceType, true},
		{"resource_id", &e.ResourceID, true},
		{"summary", textBytes{&e.Summary}, true},
		{"outcome", &e.Outcome, true},
		{"client_ip", &e.ClientIP, true},
		{"request_id", &e.RequestID, true},
		{"created_at", micros{&e.CreatedAt}, true},
		{"prev_hash", blob{&e.PrevHash}, true},
		{"hash", blob{&e.Hash}, true},
	}
})

// AppendAudit runs in its own transaction: IMMEDIATE on SQLite, and on
// PostgreSQL the chain head's row lock (FOR UPDATE) held to commit, so
// concurrent writers on any node append one at a time.
func (s *Store) AppendAudit(ctx context.Context, e *store.AuditEvent) error {
	return s.InTx(ctx, func(t store.Tx) error { return t.(*tx).AppendAudit(ctx, e) })
}

// AppendAudit appends e within the transaction (store.AuditTx).
func (t *tx) AppendAudit(ctx context.Context, e *store.AuditEvent) error {
	orNow(&e.CreatedAt)
	e.CreatedAt = e.CreatedAt.UTC().Truncate(1000) // stored in microseconds
	var pos int64
	var prev []byte
	if err := t.c.q.QueryRowContext(ctx, t.c.d.rebind("SELECT pos, hash FROM audit_chain_head WHERE id = 1"+t.c.d.LockSuffix)).
		Scan(&pos, &prev); err != nil {
		return t.c.wrap("lock audit chain head", err)
	}
	e.Pos, e.PrevHash = pos+1, nonNil(prev)
	e.Hash = e.ChainHash(e.PrevHash)
	if _, err := insertRow(ctx, t.c, auditEvents, e, ""); err != nil {
		return err
	}
	return t.c.execOne(ctx, "advance audit chain head",
		"UPDATE audit_chain_head SET pos = ?, hash = ? WHERE id = 1 AND pos = ?", e.Pos, e.Hash, pos)
}

func (s *Store) ListAuditEvents(ctx context.Context, f store.AuditFilter) ([]*store.AuditEvent, error) {
	if f.MerchantID == "" {
		return nil, fmt.Errorf("sqlstore: ListAuditEvents needs MerchantID")
	}
	where, args := "WHERE merchant_id = ?", []any{f.MerchantID}
	if f.BeforePos > 0 {
		where += " AND pos < ?"
		args = append(args, f.BeforePos)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultListLimit
	}
	return selectAll(ctx, s.r, auditEvents, where+" ORDER BY pos DESC LIMIT ?", append(args, min(limit, MaxListLimit))...)
}

func (s *Store) AuditChain(ctx context.Context, after int64, limit int) ([]*store.AuditEvent, error) {
	if limit <= 0 {
		limit = MaxListLimit
	}
	return selectAll(ctx, s.r, auditEvents, "WHERE pos > ? ORDER BY pos LIMIT ?", after, limit)
}

func (s *Store) AuditHead(ctx context.Context) (int64, []byte, error) {
	var pos int64
	var hash []byte
	err := s.r.q.QueryRowContext(ctx, "SELECT pos, hash FROM audit_chain_head WHERE id = 1").Scan(&pos, &hash)
	return pos, hash, s.r.wrap("read audit chain head", err)
}
