package sqlstore

import (
	"io/fs"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Dialect is what differs between the SQL backends. Queries are written once
// with "?" placeholders; everything backend-specific is here.
//
// How a write transaction begins is not a field: SQLite's BEGIN IMMEDIATE
// cannot be expressed through database/sql's TxOptions, so the sqlite package
// sets it in its DSN (_txlock=immediate), and PostgreSQL uses the default
// READ COMMITTED plus the row lock of LockSuffix.
type Dialect struct {
	Name string
	// NumberedPlaceholders rewrites "?" as "$1", "$2", ... (PostgreSQL).
	NumberedPlaceholders bool
	// LockSuffix is appended to the SELECT of LockPayment, e.g. " FOR UPDATE".
	// Empty on SQLite, whose IMMEDIATE transactions already hold the write lock.
	LockSuffix string
	// Classify maps a driver error to store.ErrConflict (unique violation),
	// store.ErrInvariant (CHECK, foreign key or NOT NULL violation) or nil.
	Classify func(error) error
	// Transient, if set, reports an error after which the same transaction
	// may succeed when run again (a deadlock between concurrent batches).
	Transient func(error) bool
	// MigrationLock, if not empty, runs first in the migration transaction so
	// that concurrent Opens of one database apply migrations one at a time.
	MigrationLock string
	// RowidOrder: every table has a rowid that follows insertion order
	// (SQLite), which the idempotency reaper walks instead of an index.
	RowidOrder bool
	// Committers, if positive, turns on group commit with that many
	// committer goroutines (group.go): SQLite has one writer, so one.
	Committers int
	// Migrations holds the schema as *.sql files applied in name order.
	Migrations fs.FS
}

// rebind rewrites "?" placeholders for the dialect. Question marks inside
// single-quoted literals are left alone.
func (d *Dialect) rebind(query string) string {
	if !d.NumberedPlaceholders || !strings.Contains(query, "?") {
		return query
	}
	// The queries are a fixed set of shapes (arguments are placeholders), so
	// each is rewritten once: the rewrite was ~5 % of a PostgreSQL node's
	// CPU in `kasa bench --scenario store`.
	if r, ok := rebound.Load(query); ok {
		return r.(string)
	}
	r := renumber(query)
	if reboundN.Add(1) <= maxRebound {
		rebound.Store(query, r)
	}
	return r
}

// The rebind memo, shared by every PostgreSQL store in the process (the
// rewrite depends on the query alone). Bounded in case a caller ever builds
// queries with values in them.
var (
	rebound    sync.Map
	reboundN   atomic.Int64
	maxRebound = int64(4096)
)

func renumber(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 16)
	n, quoted := 0, false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			quoted = !quoted
		case c == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
