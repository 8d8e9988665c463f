package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kasapos/kasa/internal/store"
	"github.com/kasapos/kasa/internal/store/pgtest"
)

// TestGroupCommitDeadlock makes two batches deadlock on PostgreSQL: each
// has a call locking row 1 then 2 or 2 then 1, beside an innocent call.
// PostgreSQL aborts one batch's transaction; every call of it must then run
// again alone and succeed, so no caller sees the other batch's conflict.
// Then two calls alone deadlock the same way: the victim runs again.
func TestGroupCommitDeadlock(t *testing.T) {
	dsn := pgtest.DSN(t)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.Exec("CREATE TABLE rows (id int PRIMARY KEY, v int NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO rows VALUES (1, 0), (2, 0), (3, 0)"); err != nil {
		t.Fatal(err)
	}
	d := &Dialect{Name: "postgres", NumberedPlaceholders: true, Classify: func(error) error { return nil },
		Transient: func(err error) bool {
			var e *pgconn.PgError
			return errors.As(err, &e) && strings.HasPrefix(e.Code, "40")
		}}
	s := &Store{d: d, db: db, read: db}
	s.w, s.r = newConns(d, db, db)

	bump := func(ids ...int) func(store.Tx) error {
		return func(t store.Tx) error {
			c := t.(*tx).c
			for i, id := range ids {
				if i > 0 {
					if _, err := c.exec(ctx, "sleep", "SELECT pg_sleep(0.2)"); err != nil {
						return err
					}
				}
				if _, err := c.exec(ctx, "bump", "UPDATE rows SET v = v + 1 WHERE id = ?", id); err != nil {
					return err
				}
			}
			return nil
		}
	}
	batch := func(fns ...func(store.Tx) error) []*txCall {
		var calls []*txCall
		for _, fn := range fns {
			calls = append(calls, &txCall{ctx: ctx, fn: fn, done: make(chan struct{})})
		}
		return calls
	}
	a := batch(bump(1, 2), bump(3))
	b := batch(bump(2, 1), bump(3))
	var wg sync.WaitGroup
	for _, calls := range [][]*txCall{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.runBatch(calls)
		}()
	}
	wg.Wait()
	// Two calls alone (a batch of one, or after their batch failed) that
	// deadlock: the victim runs again and both succeed.
	alone := []*txCall{{ctx: ctx, fn: bump(1, 2)}, {ctx: ctx, fn: bump(2, 1)}}
	for _, c := range alone {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.err, c.panic = s.runTxRetrying(ctx, c.fn)
		}()
	}
	wg.Wait()
	for i, c := range alone {
		if c.err != nil || c.panic != nil {
			t.Errorf("call alone %d: %v %v", i, c.err, c.panic)
		}
	}
	for i, c := range append(a, b...) {
		<-c.done
		if c.err != nil || c.panic != nil {
			t.Errorf("call %d: %v %v", i, c.err, c.panic)
		}
	}
	var v1, v2, v3 int
	if err := db.QueryRow("SELECT (SELECT v FROM rows WHERE id = 1), (SELECT v FROM rows WHERE id = 2), (SELECT v FROM rows WHERE id = 3)").Scan(&v1, &v2, &v3); err != nil {
		t.Fatal(err)
	}
	if v1 != 4 || v2 != 4 || v3 != 2 {
		t.Fatalf("rows after both batches and both calls alone: %d %d %d, want 4 4 2", v1, v2, v3)
	}
}
