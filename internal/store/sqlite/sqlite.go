// Package sqlite is Kasa's embedded store: store.Store on a SQLite file via
// modernc.org/sqlite (pure Go, no cgo).
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/kasapos/kasa/internal/store"
	"github.com/kasapos/kasa/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Pragmas every connection gets (the _pragma form runs them on each new
// pooled connection, not just the first). WAL lets readers run beside the
// writer; synchronous=NORMAL is durable across process crashes in WAL mode
// (only an OS crash can lose the last commits).
const pragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
	"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"

// Open opens (creating if needed) the database file at path and migrates it.
//
// Writes go through one connection whose transactions begin IMMEDIATE, so
// InTx holds the write lock from its first statement and writers queue in Go
// instead of spinning in SQLite's busy handler. Reads outside transactions
// use a separate read-only pool.
func Open(path string) (store.Store, error) {
	// The driver cuts the DSN at the first '?', and ":memory:" would give each
	// pooled connection its own database.
	if path == "" || path == ":memory:" || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("sqlite: unusable database path %q", path)
	}
	w, err := sql.Open("sqlite", path+"?"+pragmas+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)

	r, err := sql.Open("sqlite", path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		return nil, errors.Join(fmt.Errorf("sqlite: %w", err), w.Close())
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)

	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, errors.Join(err, w.Close(), r.Close())
	}
	// Migrations run on w, so the file is in WAL mode with the schema in
	// place before the first read connection opens.
	return sqlstore.Open(context.Background(), sqlstore.Dialect{
		Name:       "sqlite",
		Classify:   classify,
		Migrations: sub,
	}, w, r)
}

func classify(err error) error {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return nil
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return store.ErrConflict
	case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
		return store.ErrInvariant
	}
	return nil
}
