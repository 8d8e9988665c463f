// Package postgres is Kasa's PostgreSQL store: store.Store via pgx's
// database/sql adapter, so it shares sqlstore's queries with SQLite.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/kasapos/kasa/internal/store"
	"github.com/kasapos/kasa/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLockID is an arbitrary constant naming Kasa's advisory lock; the
// lock is per database, so concurrent Opens of one database migrate in turn.
const migrationLockID = 4_675_727_372

// Open connects to dsn (a postgres:// URL or key=value string) and migrates
// the schema. Transactions run at the server's default isolation (READ
// COMMITTED); LockPayment serialises writers of a payment with FOR UPDATE.
func Open(ctx context.Context, dsn string) (store.Store, error) {
	return OpenWith(ctx, dsn, Options{})
}

// Options tune a PostgreSQL store.
type Options struct {
	// Committers, if positive, turns on group commit with that many
	// committer goroutines (see sqlstore's group.go): concurrent
	// transactions share commits, and so WAL flushes.
	Committers int
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, dsn string, o Options) (store.Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	// Bounded so that several Kasa processes fit under max_connections.
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(16)
	db.SetConnMaxIdleTime(5 * time.Minute)

	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, errors.Join(err, db.Close())
	}
	d := dialect(sub)
	d.Committers = o.Committers
	return sqlstore.Open(ctx, d, db, nil)
}

func dialect(migrations fs.FS) sqlstore.Dialect {
	return sqlstore.Dialect{
		Name:                 "postgres",
		NumberedPlaceholders: true,
		LockSuffix:           " FOR UPDATE",
		Classify:             classify,
		Transient:            transient,
		MigrationLock:        fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", migrationLockID),
		Migrations:           migrations,
	}
}

// OpenReplica connects to a read replica of the database Open migrates,
// for store.Reporting.
func OpenReplica(ctx context.Context, dsn string) (store.Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(4)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return sqlstore.OpenReplica(ctx, dialect(nil), db)
}

// SQLSTATE classes: https://www.postgresql.org/docs/current/errcodes-appendix.html
// transient reports a transaction rollback (SQLSTATE class 40: deadlock,
// serialization failure): the same work may succeed when run again.
func transient(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && strings.HasPrefix(e.Code, "40")
}

func classify(err error) error {
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return nil
	}
	switch e.Code {
	case "23505": // unique_violation
		return store.ErrConflict
	case "23514", "23503", "23502": // check, foreign key, not null
		return store.ErrInvariant
	}
	return nil
}
