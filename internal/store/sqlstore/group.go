package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"sync"
	"time"

	"github.com/kasapos/kasa/internal/store"
)

// Group commit. A sale commits twice (intent before the bank call, outcome
// after), and on SQLite every commit holds the only writer and writes each
// page it dirtied to the WAL: a CPU profile of `kasa bench` showed the writer
// saturated with a core to spare. So concurrent InTx calls are queued to
// committers, and each committer runs whatever is queued when it becomes
// free in ONE database transaction and commits once. Every caller still
// returns only after its own work is committed (or rolled back), so
// durability and the intent/outcome ordering are exactly as before; under no
// load a batch is one call and costs what it did.
//
// A call's error or panic rolls back its own work only (see runBatch).
// Statements in a batch run with the batch's context, not the caller's: a
// client that hangs up must not interrupt a statement and with it its
// neighbours' work (SQLite rolls back the whole transaction on an
// interrupted write).

var errClosed = errors.New("sqlstore: store closed")

// maxBatch bounds a batch, so one commit does not grow without limit under
// a queue that never drains.
const maxBatch = 64

type txCall struct {
	ctx   context.Context
	fn    func(store.Tx) error
	err   error
	panic any
	done  chan struct{}
}

type committers struct {
	s      *Store
	queue  chan *txCall
	mu     sync.RWMutex // held for reading while sending, so close waits
	closed bool
	wg     sync.WaitGroup
}

// startCommitters starts n committer goroutines.
func (s *Store) startCommitters(n int) {
	c := &committers{s: s, queue: make(chan *txCall, 4*maxBatch)}
	c.wg.Add(n)
	for range n {
		go c.loop()
	}
	s.group = c
}

// stop refuses new calls, lets the committers finish what is queued, and
// waits for them.
func (c *committers) stop() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.queue)
	}
	c.mu.Unlock()
	c.wg.Wait()
}

func (c *committers) loop() {
	defer c.wg.Done()
	batch := make([]*txCall, 0, maxBatch)
	for first := range c.queue {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < maxBatch {
			select {
			case call, ok := <-c.queue:
				if !ok {
					break fill
				}
				batch = append(batch, call)
			default:
				break fill
			}
		}
		if len(batch) == 1 {
			first.err, first.panic = c.s.runTxRetrying(first.ctx, first.fn)
			close(first.done)
			continue
		}
		c.s.runBatch(batch)
	}
}

// run queues fn and waits for its batch. It waits even if ctx ends, since fn
// may be running and writes to the caller's variables.
func (c *committers) run(ctx context.Context, fn func(store.Tx) error) error {
	call := &txCall{ctx: ctx, fn: fn, done: make(chan struct{})}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return errClosed
	}
	select {
	case c.queue <- call:
	case <-ctx.Done():
		c.mu.RUnlock()
		return ctx.Err()
	}
	c.mu.RUnlock()
	<-call.done
	if call.panic != nil {
		panic(call.panic)
	}
	return call.err
}

// runTx runs fn alone in its own transaction, the way InTx always did.
// As in a batch, the statements run with a context that does not end: a
// caller that gives up (a client that hangs up) must not interrupt a
// transaction once begun, e.g. roll back the outcome of a bank call already
// made. It also spares the drivers a watcher goroutine per statement for a
// context that can end: at 500 sales/s the execution tracer showed those
// goroutines among the longest waits for a CPU.
func (s *Store) runTx(ctx context.Context, fn func(store.Tx) error) (err error, panicked any) {
	if err := ctx.Err(); err != nil {
		return err, nil
	}
	ctx = context.WithoutCancel(ctx)
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.w.wrap("begin", err), nil
	}
	t := &tx{c: conn{ctxFixed{s.txQuerier(sqlTx), ctx}, s.d}}
	if err, panicked = guarded(fn, t); err != nil || panicked != nil {
		// The error that matters is fn's; a failed rollback ends the
		// transaction all the same when the connection is discarded.
		_ = sqlTx.Rollback()
		return err, panicked
	}
	if err := sqlTx.Commit(); err != nil {
		return s.w.wrap("commit", err), nil
	}
	s.committed(t)
	return nil, nil
}

// transientRetries bounds how often a transaction that ran alone is run
// again after the database aborted it for a reason that was not its own: a
// deadlock with a concurrent transaction, or a serialization failure. Group
// commit makes deadlocks possible between unrelated calls (a batch holds
// the locks of all its calls until its commit, in the order they came), and
// TestIDEM6_ConcurrentRefunds met them on PostgreSQL under load: twenty
// concurrent refunds of one payment, one of which got a 500.
const transientRetries = 5

// runTxRetrying is runTx, run again after a transient abort (again).
func (s *Store) runTxRetrying(ctx context.Context, fn func(store.Tx) error) (err error, panicked any) {
	for attempt := 0; ; attempt++ {
		err, panicked = s.runTx(ctx, fn)
		if err == nil || panicked != nil || !s.again(ctx, err, attempt) {
			return err, panicked
		}
	}
}

// again reports whether work that failed with err on its attempt-th try
// (from 0), and wrote nothing, should run again: the database aborted it for
// a reason not its own (a deadlock, a serialization failure), and the tries
// are not used up. It first waits a short random pause, so that the other
// transaction finishes first.
func (s *Store) again(ctx context.Context, err error, attempt int) bool {
	if s.d.Transient == nil || !s.d.Transient(err) || attempt == transientRetries || ctx.Err() != nil {
		return false
	}
	time.Sleep(time.Duration(1+rand.IntN(2<<attempt)) * time.Millisecond)
	return true
}

// guarded runs fn, turning a panic into a value the caller re-raises.
func guarded(fn func(store.Tx) error, t store.Tx) (err error, panicked any) {
	defer func() {
		if p := recover(); p != nil {
			panicked = fmt.Sprintf("%v\n%s", p, debug.Stack())
		}
	}()
	return fn(t), nil
}

// runBatch runs calls in one transaction and commits once. Savepoints
// would isolate a failing call, but cost two statements per call (two round
// trips on PostgreSQL), and calls rarely fail: so on the first call that
// returns an error or panics, the whole transaction is rolled back, that
// call gets its result (its writes are gone, as they must be), and the
// others run again in a fresh transaction without it. A second failure in
// one batch, a transient one (a deadlock between batches), or a failed
// begin or commit, sends the rest to runAlone.
func (s *Store) runBatch(calls []*txCall) {
	ctx := context.Background()
	pending := calls
	for failures := 0; len(pending) > 0; failures++ {
		if failures == 2 {
			s.runAlone(pending)
			return
		}
		sqlTx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			s.runAlone(pending)
			return
		}
		t := &tx{c: conn{ctxFixed{s.txQuerier(sqlTx), ctx}, s.d}}
		failed := -1
		for i, c := range pending {
			if c.ctx.Err() != nil {
				c.err, c.panic = c.ctx.Err(), nil // gave up before its turn
				continue
			}
			if c.err, c.panic = guarded(c.fn, t); c.err != nil || c.panic != nil {
				failed = i
				break
			}
		}
		if failed >= 0 && s.d.Transient != nil && s.d.Transient(pending[failed].err) {
			// Not the call's own failure (e.g. a deadlock with another
			// batch, whose victim is the whole transaction): every call,
			// that one included, runs again alone.
			_ = sqlTx.Rollback()
			s.runAlone(pending)
			return
		}
		if failed >= 0 {
			_ = sqlTx.Rollback()
			close(pending[failed].done)
			pending = append(pending[:failed:failed], pending[failed+1:]...)
			continue
		}
		if err := sqlTx.Commit(); err != nil {
			s.runAlone(pending)
			return
		}
		s.committed(t)
		for _, c := range pending {
			close(c.done)
		}
		return
	}
}

// runAlone runs each call in its own transaction after its batch failed.
// The batch's work was rolled back in full, so each fn runs as if for the
// first time.
func (s *Store) runAlone(calls []*txCall) {
	for _, c := range calls {
		if c.ctx.Err() != nil {
			c.err, c.panic = c.ctx.Err(), nil
		} else {
			c.err, c.panic = s.runTxRetrying(context.WithoutCancel(c.ctx), c.fn)
		}
		close(c.done)
	}
}

// ctxFixed runs every statement with one context, whatever the caller passes.
type ctxFixed struct {
	q   querier
	ctx context.Context
}

func (f ctxFixed) ExecContext(_ context.Context, query string, args ...any) (sql.Result, error) {
	return f.q.ExecContext(f.ctx, query, args...)
}

func (f ctxFixed) QueryContext(_ context.Context, query string, args ...any) (*sql.Rows, error) {
	return f.q.QueryContext(f.ctx, query, args...)
}

func (f ctxFixed) QueryRowContext(_ context.Context, query string, args ...any) *sql.Row {
	return f.q.QueryRowContext(f.ctx, query, args...)
}
