package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"time"
)

// migrateWait bounds how long migrate retries after a transient failure.
const migrateWait = 10 * time.Second

// migrate applies the migrations, again after a transient failure (the
// dialect's Transient): processes opening one new SQLite file at once can
// get SQLITE_BUSY without SQLite waiting out its busy timeout, while the
// first of them puts the file in WAL mode (TestReopen met it about once in
// twenty runs).
func (s *Store) migrate(ctx context.Context) error {
	deadline := time.Now().Add(migrateWait)
	for {
		err := s.migrateOnce(ctx)
		if err == nil || s.d.Transient == nil || !s.d.Transient(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(time.Duration(5+rand.IntN(20)) * time.Millisecond):
		}
	}
}

// migrateOnce applies the dialect's *.sql files not yet recorded in
// schema_migrations, in name order, all in one transaction: a failed
// migration leaves the schema as it was, and re-opening is a no-op.
func (s *Store) migrateOnce(ctx context.Context) error {
	names, err := fs.Glob(s.d.Migrations, "*.sql") // sorted
	if err != nil {
		return fmt.Errorf("sqlstore: migrations: %w", err)
	}
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	defer func() { _ = sqlTx.Rollback() }() // a no-op after Commit
	c := conn{sqlTx, s.d}
	if s.d.MigrationLock != "" {
		if _, err := c.exec(ctx, "migration lock", s.d.MigrationLock); err != nil {
			return err
		}
	}
	if _, err := c.exec(ctx, "migrate", "CREATE TABLE IF NOT EXISTS schema_migrations "+
		"(version TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)"); err != nil {
		return err
	}
	applied := map[string]bool{}
	rows, err := sqlTx.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return c.wrap("migrate", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return c.wrap("migrate", err)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return c.wrap("migrate", err)
	}
	for _, name := range names {
		if applied[name] {
			continue
		}
		body, err := fs.ReadFile(s.d.Migrations, name)
		if err != nil {
			return fmt.Errorf("sqlstore: migration %s: %w", name, err)
		}
		// Not through c.exec: a schema file is run verbatim, never rebound.
		if _, err := sqlTx.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("sqlstore: migration %s: %w", name, err)
		}
		if _, err := c.exec(ctx, "migrate", "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
			name, now().UnixMicro()); err != nil {
			return err
		}
	}
	return c.wrap("migrate commit", sqlTx.Commit())
}
