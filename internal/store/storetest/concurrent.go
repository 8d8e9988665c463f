package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

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
	intent := func(p *store.Payment) *store.Transaction {
		return &store.Transaction{ID: newID("trx"), PaymentID: p.ID, MerchantID: m.ID, Kind: store.KindSale,
			Status: store.TxPending, Amount: p.Amount, Currency: "TRY"}
	}
	must(t, s.InTx(ctx, func(tx store.Tx) error {
		ok, err := tx.InsertIntent(ctx, &rec, p, intent(p))
		if err != nil || !ok {
			return fmt.Errorf("claim: %v %v", ok, err)
		}
		return nil
	}))
	// A second claim of the key in another transaction loses and writes nothing.
	other := newSale(m.ID, store.ModeTest, 100)
	again := rec
	again.Fingerprint = "fp-2"
	err := s.InTx(ctx, func(tx store.Tx) error {
		ok, err := tx.InsertIntent(ctx, &again, other, intent(other))
		if err != nil {
			return err
		}
		if ok {
			t.Error("a held key was claimed twice")
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

// stepper runs a sale's two steps: in InTx, as parts of a transaction, or
// alone (Store.InsertIntent, Store.RecordOutcome: on PostgreSQL a statement
// outside any transaction when the committers are not busy).
type stepper struct {
	intent  func(ctx context.Context, idem *store.Idempotency, p *store.Payment, t *store.Transaction) (bool, error)
	outcome func(ctx context.Context, o *store.Outcome) (bool, bool, error)
}

func inTxSteps(s store.Store) stepper {
	return stepper{
		intent: func(ctx context.Context, idem *store.Idempotency, p *store.Payment, t *store.Transaction) (claimed bool, err error) {
			err = s.InTx(ctx, func(tx store.Tx) (err error) {
				claimed, err = tx.InsertIntent(ctx, idem, p, t)
				return err
			})
			return claimed, err
		},
		outcome: func(ctx context.Context, o *store.Outcome) (written, idemDone bool, err error) {
			err = s.InTx(ctx, func(tx store.Tx) (err error) {
				written, idemDone, err = tx.RecordOutcome(ctx, o)
				return err
			})
			return written, idemDone, err
		},
	}
}

// testSaleSteps checks InsertIntent and RecordOutcome, the two steps of a
// sale (one statement each on PostgreSQL), in a transaction.
func testSaleSteps(t *testing.T, s store.Store) { saleSteps(t, s, inTxSteps(s)) }

// testSaleStepsAlone checks the same steps run alone, and many at once.
func testSaleStepsAlone(t *testing.T, s store.Store) {
	saleSteps(t, s, stepper{s.InsertIntent, s.RecordOutcome})
	ctx := t.Context()
	m := mkMerchant(t, s)
	const n = 24
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			p := newSale(m.ID, store.ModeTest, int64(100+i))
			p.Status = store.StatusProcessing
			tr := &store.Transaction{ID: newID("trx"), PaymentID: p.ID, MerchantID: m.ID, Kind: store.KindSale,
				Status: store.TxPending, Amount: p.Amount, Currency: "TRY", CreatedAt: base}
			rec := &store.Idempotency{MerchantID: m.ID, Key: "test:" + newID("k"), Fingerprint: "fp", ResourceID: p.ID, CreatedAt: base}
			if ok, err := s.InsertIntent(ctx, rec, p, tr); err != nil || !ok {
				t.Errorf("intent %d: %v %v", i, ok, err)
				return
			}
			next, done := *p, *tr
			next.Status, done.Status = store.StatusSucceeded, store.TxApproved
			resp := *rec
			resp.ResponseStatus, resp.ResponseBody = 201, []byte(p.ID)
			o := &store.Outcome{Payment: &next, PrevStatus: p.Status, PrevUpdatedAt: p.UpdatedAt, Transaction: &done,
				Event:       &store.Event{ID: newID("evt"), MerchantID: m.ID, Mode: p.Mode, Type: "payment.succeeded", PaymentID: p.ID, Payload: []byte(`{}`)},
				Idempotency: &resp}
			if w, d, err := s.RecordOutcome(ctx, o); err != nil || !w || !d {
				t.Errorf("outcome %d: %v %v %v", i, w, d, err)
			}
		})
	}
	wg.Wait()
	ps, err := s.ListPayments(ctx, store.PaymentFilter{MerchantID: m.ID, Mode: store.ModeTest, Status: store.StatusSucceeded, Limit: 100})
	must(t, err)
	if len(ps) != n {
		t.Fatalf("%d of %d concurrent sales settled", len(ps), n)
	}
}

func saleSteps(t *testing.T, s store.Store, st stepper) {
	ctx := t.Context()
	m := mkMerchant(t, s)
	p := newSale(m.ID, store.ModeTest, 4200)
	p.Status, p.AuthorizedAmount, p.CapturedAmount, p.BankCode, p.AuthCode = store.StatusProcessing, 0, 0, "", ""
	tr := &store.Transaction{ID: newID("trx"), PaymentID: p.ID, MerchantID: m.ID, Kind: store.KindSale,
		Status: store.TxPending, Amount: p.Amount, Currency: "TRY", CreatedAt: base}
	rec := &store.Idempotency{MerchantID: m.ID, Key: "test:" + newID("k"), Fingerprint: "fp", ResourceID: p.ID, CreatedAt: base}
	claimed, err := st.intent(ctx, rec, p, tr)
	must(t, err)
	if !claimed {
		t.Fatal("a fresh key was not claimed")
	}
	got, err := s.GetPayment(ctx, m.ID, p.ID)
	must(t, err)
	if !reflect.DeepEqual(got, p) {
		t.Fatalf("intent payment:\n got %+v\nwant %+v", got, p)
	}
	trs, err := s.ListTransactions(ctx, p.ID)
	must(t, err)
	if len(trs) != 1 || !reflect.DeepEqual(trs[0], tr) {
		t.Fatalf("intent timeline: %+v", trs)
	}
	existing, _, err := s.ClaimIdempotency(ctx, &store.Idempotency{MerchantID: m.ID, Key: rec.Key, Fingerprint: "fp"})
	must(t, err)
	if existing == nil || existing.ResourceID != p.ID || existing.State != store.IdemInProgress {
		t.Fatalf("intent claim: %+v", existing)
	}

	// The same key again: not claimed, nothing written.
	other := newSale(m.ID, store.ModeTest, 100)
	otr := &store.Transaction{ID: newID("trx"), PaymentID: other.ID, MerchantID: m.ID, Kind: store.KindSale,
		Status: store.TxPending, Amount: 100, Currency: "TRY"}
	again := &store.Idempotency{MerchantID: m.ID, Key: rec.Key, Fingerprint: "fp-2", ResourceID: other.ID}
	claimed, err = st.intent(ctx, again, other, otr)
	must(t, err)
	if claimed {
		t.Fatal("a held key was claimed again")
	}
	if _, err := s.GetPayment(ctx, m.ID, other.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the losing intent wrote its payment: %v", err)
	}
	if trs, _ := s.ListTransactions(ctx, other.ID); len(trs) != 0 {
		t.Fatalf("the losing intent wrote its timeline: %+v", trs)
	}
	// Without a key.
	claimed, err = st.intent(ctx, nil, other, otr)
	must(t, err)
	if _, err := s.GetPayment(ctx, m.ID, other.ID); !claimed || err != nil {
		t.Fatalf("intent without a key: %v %v", claimed, err)
	}

	// The outcome, guarded by the state it replaces.
	next := *p
	next.Status, next.AuthorizedAmount, next.CapturedAmount = store.StatusSucceeded, p.Amount, p.Amount
	next.BankCode, next.AuthCode, next.UpdatedAt = "00", "654321", base.Add(time.Second)
	done := *tr
	done.Status, done.BankCode, done.AuthCode, done.CompletedAt = store.TxApproved, "00", "654321", base.Add(time.Second)
	ev := &store.Event{ID: newID("evt"), MerchantID: m.ID, Mode: p.Mode, Type: "payment.succeeded", PaymentID: p.ID,
		Payload: []byte(`{"ok":true}`), CreatedAt: base.Add(time.Second)}
	resp := *rec
	resp.State, resp.ResponseStatus, resp.ResponseBody, resp.UpdatedAt = store.IdemDone, 201, []byte(`{"id":"x"}`), base.Add(time.Second)
	outcome := &store.Outcome{Payment: &next, PrevStatus: p.Status, PrevUpdatedAt: p.UpdatedAt,
		Transaction: &done, Event: ev, Idempotency: &resp}
	var written, idemDone bool
	record := func(o *store.Outcome) {
		t.Helper()
		var err error
		written, idemDone, err = st.outcome(ctx, o)
		must(t, err)
	}
	// An outcome naming a timeline row that is not there changes nothing,
	// whether it fails or reports nothing written: a step never half-applies.
	stray := *outcome
	strayTx := done
	strayTx.ID = newID("trx")
	stray.Transaction = &strayTx
	if w, _, err := st.outcome(ctx, &stray); err == nil && w {
		t.Fatal("an outcome without its timeline row was written")
	}
	if got, _ := s.GetPayment(ctx, m.ID, p.ID); got.Status != store.StatusProcessing {
		t.Fatalf("an outcome without its timeline row changed the payment: %s", got.Status)
	}
	if evs, _ := s.ListEvents(ctx, p.ID); len(evs) != 0 {
		t.Fatalf("an outcome without its timeline row left %d events", len(evs))
	}
	record(outcome)
	if !written || !idemDone {
		t.Fatalf("outcome: written %v, response stored %v", written, idemDone)
	}
	got, err = s.GetPayment(ctx, m.ID, p.ID)
	must(t, err)
	if !reflect.DeepEqual(got, &next) {
		t.Fatalf("outcome payment:\n got %+v\nwant %+v", got, &next)
	}
	trs, _ = s.ListTransactions(ctx, p.ID)
	evs, _ := s.ListEvents(ctx, p.ID)
	if len(trs) != 1 || !reflect.DeepEqual(trs[0], &done) || len(evs) != 1 || string(evs[0].Payload) != `{"ok":true}` {
		t.Fatalf("outcome timeline %+v, events %+v", trs, evs)
	}
	existing, _, err = s.ClaimIdempotency(ctx, &store.Idempotency{MerchantID: m.ID, Key: rec.Key, Fingerprint: "fp"})
	must(t, err)
	if existing.State != store.IdemDone || existing.ResponseStatus != 201 || string(existing.ResponseBody) != `{"id":"x"}` {
		t.Fatalf("stored response: %+v", existing)
	}

	// A second outcome for the state that no longer is: nothing written.
	late := *outcome
	late.Event = &store.Event{ID: newID("evt"), MerchantID: m.ID, Mode: p.Mode, Type: "payment.failed", PaymentID: p.ID, Payload: []byte(`{}`)}
	stale := next
	stale.Status = store.StatusFailed
	late.Payment = &stale
	record(&late)
	if written {
		t.Fatal("an outcome for a replaced state was written")
	}
	got, _ = s.GetPayment(ctx, m.ID, p.ID)
	evs, _ = s.ListEvents(ctx, p.ID)
	if got.Status != store.StatusSucceeded || len(evs) != 1 {
		t.Fatalf("the refused outcome changed something: %s, %d events", got.Status, len(evs))
	}

	// A response already stored (a stale take-over answered it) is kept;
	// the outcome itself is still recorded.
	o2 := newSale(m.ID, store.ModeTest, 100)
	o2.Status = store.StatusProcessing
	t2 := &store.Transaction{ID: newID("trx"), PaymentID: o2.ID, MerchantID: m.ID, Kind: store.KindSale, Status: store.TxPending, Amount: 100, Currency: "TRY"}
	_, err = st.intent(ctx, nil, o2, t2)
	must(t, err)
	n2 := *o2
	n2.Status = store.StatusDeclined
	record(&store.Outcome{Payment: &n2, PrevStatus: o2.Status, PrevUpdatedAt: o2.UpdatedAt, Transaction: t2,
		Event:       &store.Event{ID: newID("evt"), MerchantID: m.ID, Mode: o2.Mode, Type: "payment.declined", PaymentID: o2.ID, Payload: []byte(`{}`)},
		Idempotency: &resp})
	if !written || idemDone {
		t.Fatalf("outcome with a completed key: written %v, stored again %v", written, idemDone)
	}
}
