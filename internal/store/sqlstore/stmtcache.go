package sqlstore

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// Prepared statements, reused. A CPU profile of `kasa bench` on SQLite showed
// about a sixth of all CPU in SQLite's SQL parser: database/sql prepares,
// runs and finalises a statement for every query that has arguments, and the
// sale path runs a dozen. stmtDB keeps one *sql.Stmt per query text (database/
// sql prepares it once per pooled connection and keeps it there); stmtTx
// runs the same statements inside a transaction through Tx.StmtContext,
// which reuses the statement already prepared on the transaction's connection.
// PostgreSQL gains less (pgx already caches statements per connection) but
// skips pgx's own cache lookups.

// maxStmts bounds the cache: a few queries are built with a variable number
// of placeholders (IN lists); past the bound, new texts run unprepared.
const maxStmts = 512

type stmtCache struct {
	db *sql.DB
	m  sync.Map // query text → *sql.Stmt
	n  atomic.Int32
	mu sync.Mutex // serialises preparing, so one text is prepared once
	// pending marks texts a transaction asked for and a background
	// goroutine is preparing (see inTx).
	pending sync.Map
}

// inTx returns query's statement for use in a transaction, or nil. It never
// prepares in the caller: preparing on the pool needs a connection, and on
// SQLite the transaction holds the only writer connection, so waiting for it
// would deadlock. A miss is prepared in the background, once the connection
// is free, and the next transaction finds it.
func (c *stmtCache) inTx(query string) *sql.Stmt {
	if v, ok := c.m.Load(query); ok {
		return v.(*sql.Stmt)
	}
	if c.n.Load() < maxStmts {
		if _, busy := c.pending.LoadOrStore(query, true); !busy {
			go c.stmt(context.Background(), query)
		}
	}
	return nil
}

// stmt returns the prepared statement for query, or nil to run it unprepared.
func (c *stmtCache) stmt(ctx context.Context, query string) *sql.Stmt {
	if v, ok := c.m.Load(query); ok {
		return v.(*sql.Stmt)
	}
	if c.n.Load() >= maxStmts {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.m.Load(query); ok {
		return v.(*sql.Stmt)
	}
	// Prepared without the caller's deadline: the statement outlives it.
	st, err := c.db.PrepareContext(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil // the unprepared path reports the error with its context
	}
	c.m.Store(query, st)
	c.n.Add(1)
	return st
}

// stmtDB is a querier over a pool that prepares each query text once.
type stmtDB struct {
	*sql.DB
	cache *stmtCache
}

func newStmtDB(db *sql.DB) *stmtDB { return &stmtDB{DB: db, cache: &stmtCache{db: db}} }

func (d *stmtDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := d.cache.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return d.DB.ExecContext(ctx, query, args...)
}

func (d *stmtDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := d.cache.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return d.DB.QueryContext(ctx, query, args...)
}

func (d *stmtDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := d.cache.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return d.DB.QueryRowContext(ctx, query, args...)
}

// stmtTx is a querier over a transaction using its pool's statements.
type stmtTx struct {
	*sql.Tx
	cache *stmtCache
}

func (t stmtTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.cache.inTx(query); st != nil {
		return t.Tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

func (t stmtTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.cache.inTx(query); st != nil {
		return t.Tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, query, args...)
}

func (t stmtTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.cache.inTx(query); st != nil {
		return t.Tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}

// txQuerier wraps a transaction begun on the write pool.
func (s *Store) txQuerier(sqlTx *sql.Tx) querier {
	if d, ok := s.w.q.(*stmtDB); ok {
		return stmtTx{Tx: sqlTx, cache: d.cache}
	}
	return sqlTx
}

// newConns builds the write and read conns over prepared-statement pools.
func newConns(d *Dialect, db, read *sql.DB) (w, r conn) {
	wq := newStmtDB(db)
	rq := wq
	if read != db {
		rq = newStmtDB(read)
	}
	return conn{wq, d}, conn{rq, d}
}
