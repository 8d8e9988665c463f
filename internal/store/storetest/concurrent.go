package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/kasapos/kasa/internal/store"
)

// testConcurrentTx runs many transactions at once, as group commit batches
// them (sqlstore's committers): each must commit or roll back on its own —
// an error or panic in one never takes its neighbours' work with it, and a
// caller whose context has ended writes nothing.
func testConcurrentTx(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := mkMerchant(t, s)
	const n = 60
	type outcome struct {
		p        *store.Payment
		err      error
		panicked any
	}
	out := make([]outcome, n)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := newSale(m.ID, store.ModeTest, int64(100+i))
			out[i].p = p
			defer func() { out[i].panicked = recover() }()
			c := ctx
			if i%10 == 9 {
				c = cancelled
			}
			out[i].err = s.InTx(c, func(tx store.Tx) error {
				if err := tx.InsertPayment(ctx, p); err != nil {
					return err
				}
				if err := tx.InsertTransaction(ctx, &store.Transaction{ID: newID("trx"), PaymentID: p.ID,
					MerchantID: m.ID, Kind: store.KindSale, Status: store.TxApproved, Amount: p.Amount, Currency: "TRY"}); err != nil {
					return err
				}
				switch i % 10 {
				case 3:
					return fmt.Errorf("call %d: %w", i, errBoom)
				case 6:
					panic(fmt.Sprintf("call %d panics", i))
				case 7:
					// A constraint violation in one call: the same bank order id twice.
					dup := newSale(m.ID, store.ModeTest, 1)
					dup.BankOrderID = p.BankOrderID
					return tx.InsertPayment(ctx, dup)
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i, o := range out {
		_, getErr := s.GetPayment(ctx, m.ID, o.p.ID)
		trs, err := s.ListTransactions(ctx, o.p.ID)
		must(t, err)
		switch i % 10 {
		case 3:
			if !errors.Is(o.err, errBoom) {
				t.Errorf("call %d: err %v, want boom", i, o.err)
			}
		case 6:
			if o.panicked == nil {
				t.Errorf("call %d: panic swallowed", i)
			}
		case 7:
			if !errors.Is(o.err, store.ErrConflict) {
				t.Errorf("call %d: err %v, want ErrConflict", i, o.err)
			}
		case 9:
			if o.err == nil {
				t.Errorf("call %d: a cancelled context committed", i)
			}
		default:
			if o.err != nil || o.panicked != nil {
				t.Errorf("call %d: %v %v", i, o.err, o.panicked)
			}
			if getErr != nil || len(trs) != 1 {
				t.Errorf("call %d: committed work missing: %v, %d transactions", i, getErr, len(trs))
			}
			continue
		}
		if !errors.Is(getErr, store.ErrNotFound) || len(trs) != 0 {
			t.Errorf("call %d failed but left its writes: %v, %d transactions", i, getErr, len(trs))
		}
	}
}

// testIdempotencyInTx claims and completes a key inside the transactions
// that write the resource and its outcome (payment.IdemClaim).
func testIdempotencyInTx(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := mkMerchant(t, s)
	p := newSale(m.ID, store.ModeTest, 100)
	rec := store.Idempotency{MerchantID: m.ID, Key: "test:" + newID("k"), Fingerprint: "fp", ResourceID: p.ID}
	must(t, s.InTx(ctx, func(tx store.Tx) error {
		ok, err := tx.ClaimIdempotency(ctx, &rec)
		if err != nil || !ok {
			return fmt.Errorf("claim: %v %v", ok, err)
		}
		return tx.InsertPayment(ctx, p)
	}))
	// A second claim of the key in another transaction loses and writes nothing.
	other := newSale(m.ID, store.ModeTest, 100)
	again := rec
	again.Fingerprint = "fp-2"
	err := s.InTx(ctx, func(tx store.Tx) error {
		ok, err := tx.ClaimIdempotency(ctx, &again)
		if err != nil {
			return err
		}
		if ok {
			t.Error("a held key was claimed twice")
		}
		if err := tx.InsertPayment(ctx, other); err != nil {
			return err
		}
		return errBoom // what payment.Create does on a lost claim
	})
	wantErr(t, err, errBoom)
	if _, err := s.GetPayment(ctx, m.ID, other.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the losing claim's payment survived: %v", err)
	}
	existing, claimed, err := s.ClaimIdempotency(ctx, &store.Idempotency{MerchantID: m.ID, Key: rec.Key, Fingerprint: "fp"})
	must(t, err)
	if claimed || existing.State != store.IdemInProgress || existing.ResourceID != p.ID {
		t.Fatalf("after the claim in the tx: %+v claimed=%v", existing, claimed)
	}
	done := rec
	done.ResponseStatus, done.ResponseBody = 201, []byte(`{"id":"`+p.ID+`"}`)
	must(t, s.InTx(ctx, func(tx store.Tx) error { return tx.CompleteIdempotency(ctx, &done) }))
	existing, _, err = s.ClaimIdempotency(ctx, &store.Idempotency{MerchantID: m.ID, Key: rec.Key, Fingerprint: "fp"})
	must(t, err)
	if existing.State != store.IdemDone || existing.ResponseStatus != 201 || string(existing.ResponseBody) != string(done.ResponseBody) {
		t.Fatalf("completed in tx: %+v", existing)
	}
	// A stored response is never overwritten.
	wantErr(t, s.InTx(ctx, func(tx store.Tx) error { return tx.CompleteIdempotency(ctx, &done) }), store.ErrNotFound)
}
