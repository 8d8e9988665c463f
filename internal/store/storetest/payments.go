package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/store"
)

func testPaymentInTx(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := mkMerchant(t, s)
	p := newSale(m.ID, store.ModeTest, 1250)
	p.Status, p.CapturedAmount, p.AuthorizedAmount = store.StatusProcessing, 0, 0
	// Times are stored as UTC microseconds; the insert normalises p to match.
	istanbul := time.FixedZone("TRT", 3*60*60)
	p.CreatedAt = time.Date(2026, 3, 14, 18, 9, 26, 535897999, istanbul)
	pending := &store.Transaction{ID: newID("trx"), PaymentID: p.ID, MerchantID: m.ID, Kind: store.KindSale,
		Status: store.TxPending, Amount: 1250, Currency: "TRY", CreatedAt: base}
	must(t, s.InTx(ctx, func(tx store.Tx) error {
		if err := tx.InsertPayment(ctx, p); err != nil {
			return err
		}
		return tx.InsertTransaction(ctx, pending)
	}))
	got, err := s.GetPayment(ctx, m.ID, p.ID)
	must(t, err)
	wantEqual(t, got, p)
	if !p.CreatedAt.Equal(base) {
		t.Fatalf("CreatedAt = %v; want %v", p.CreatedAt, base)
	}

	// The outcome: lock, update, close the pending transaction, add the event.
	var want store.Payment
	must(t, s.InTx(ctx, func(tx store.Tx) error {
		q, err := tx.LockPayment(ctx, m.ID, p.ID)
		if err != nil {
			return err
		}
		wantEqual(t, q, p)
		q.Status, q.AuthorizedAmount, q.CapturedAmount = store.StatusSucceeded, 1250, 1250
		q.AuthCode, q.HostRef, q.UpdatedAt = "654321", "HR9", base.Add(2*time.Second)
		if err := tx.UpdatePayment(ctx, q); err != nil {
			return err
		}
		want = *q
		pending.Status, pending.AuthCode, pending.LatencyMS = store.TxApproved, "654321", 312
		pending.CompletedAt = base.Add(2 * time.Second)
		if err := tx.UpdateTransaction(ctx, pending); err != nil {
			return err
		}
		return tx.InsertEvent(ctx, &store.Event{ID: newID("evt"), MerchantID: m.ID, Mode: p.Mode,
			Type: "payment.succeeded", PaymentID: p.ID, Payload: []byte(`{"id":"x"}`), CreatedAt: base})
	}))
	got, err = s.GetPayment(ctx, m.ID, p.ID)
	must(t, err)
	wantEqual(t, got, &want)
	trs, err := s.ListTransactions(ctx, p.ID)
	must(t, err)
	wantEqual(t, trs, []*store.Transaction{pending})

	err = s.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.LockPayment(ctx, m.ID, "pay_missing")
		return err
	})
	wantErr(t, err, store.ErrNotFound)
	err = s.InTx(ctx, func(tx store.Tx) error {
		return tx.UpdateTransaction(ctx, &store.Transaction{ID: "trx_missing", MerchantID: m.ID})
	})
	wantErr(t, err, store.ErrNotFound)
}

func testRollback(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := mkMerchant(t, s)
	p := newSale(m.ID, store.ModeTest, 100)
	writeAll := func(tx store.Tx) {
		must(t, tx.InsertPayment(ctx, p))
		must(t, tx.InsertTransaction(ctx, &store.Transaction{ID: newID("trx"), PaymentID: p.ID,
			MerchantID: m.ID, Kind: store.KindSale, Status: store.TxPending, Amount: 100, Currency: "TRY"}))
		must(t, tx.InsertEvent(ctx, &store.Event{ID: newID("evt"), MerchantID: m.ID, Mode: p.Mode,
			Type: "payment.created", PaymentID: p.ID, Payload: []byte("{}")}))
	}
	assertEmpty := func(how string) {
		t.Helper()
		if _, err := s.GetPayment(ctx, m.ID, p.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%s: payment survived: %v", how, err)
		}
		trs, err := s.ListTransactions(ctx, p.ID)
		must(t, err)
		evs, err := s.ListEvents(ctx, p.ID)
		must(t, err)
		if len(trs)+len(evs) != 0 {
			t.Fatalf("%s: %d transactions and %d events survived", how, len(trs), len(evs))
		}
	}

	err := s.InTx(ctx, func(tx store.Tx) error {
		writeAll(tx)
		return errBoom
	})
	wantErr(t, err, errBoom)
	assertEmpty("error")

	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("panic was swallowed")
			}
		}()
		_ = s.InTx(ctx, func(tx store.Tx) error {
			writeAll(tx)
			panic(errBoom)
		})
	}()
	assertEmpty("panic")

	// A failing statement fails the whole transaction.
	err = s.InTx(ctx, func(tx store.Tx) error {
		writeAll(tx)
		bad := newSale(m.ID, store.ModeTest, 0)
		return tx.InsertPayment(ctx, bad)
	})
	wantErr(t, err, store.ErrInvariant)
	assertEmpty("constraint")

	// The store is usable afterwards (no leaked lock or connection).
	insertPayments(t, s, p)
}

func testTimeline(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := mkMerchant(t, s)
	p := newSale(m.ID, store.ModeTest, 100)
	insertPayments(t, s, p)
	mk := func(kind string, at time.Time) *store.Transaction {
		return &store.Transaction{ID: newID("trx"), PaymentID: p.ID, MerchantID: m.ID, Kind: kind,
			Status: store.TxApproved, Amount: 100, Currency: "TRY", BankCode: "00", BankErrorCode: "",
			BankMessage: "Approved", AuthCode: "1", HostRef: "2", TransID: "3", Error: "", LatencyMS: 5,
			CreatedAt: at, CompletedAt: at.Add(time.Second)}
	}
	// Equal times keep insertion order, whatever the ids; an earlier time
	// inserted later still sorts first.
	three := mk(store.KindThreeD, base.Add(2*time.Second))
	sale := mk(store.KindSale, base.Add(2*time.Second))
	early := mk(store.KindStatus, base)
	three.ID, sale.ID = "trx_zzz"+newID(""), "trx_aaa"+newID("")
	want := []*store.Transaction{early, three, sale}
	must(t, s.InTx(ctx, func(tx store.Tx) error {
		for _, tr := range []*store.Transaction{three, sale, early} {
			if err := tx.InsertTransaction(ctx, tr); err != nil {
				return err
			}
		}
		got, err := tx.ListTransactions(ctx, p.ID) // sees its own writes
		if err != nil {
			return err
		}
		wantEqual(t, got, want)
		return nil
	}))
	got, err := s.ListTransactions(ctx, p.ID)
	must(t, err)
	wantEqual(t, got, want)
	wantErr(t, s.InTx(ctx, func(tx store.Tx) error { return tx.InsertTransaction(ctx, early) }), store.ErrConflict)
}

func testEvents(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := mkMerchant(t, s)
	p, q := newSale(m.ID, store.ModeLive, 100), newSale(m.ID, store.ModeLive, 200)
	insertPayments(t, s, p, q)
	var want []*store.Event
	must(t, s.InTx(ctx, func(tx store.Tx) error {
		for i, typ := range []string{"payment.processing", "payment.succeeded", "payment.refunded"} {
			// Payload bytes are kept exactly: webhooks sign them.
			e := &store.Event{ID: fmt.Sprintf("evt_%d_%s", 9-i, newID("")), MerchantID: m.ID, Mode: store.ModeLive,
				Type: typ, PaymentID: p.ID, Payload: []byte(fmt.Sprintf("{ \"n\": %d,\n\"z\":1 ,\"a\":\"ş\"}", i)),
				CreatedAt: base}
			if err := tx.InsertEvent(ctx, e); err != nil {
				return err
			}
			want = append(want, e)
		}
		return tx.InsertEvent(ctx, &store.Event{ID: newID("evt"), MerchantID: m.ID, Mode: store.ModeLive,
			Type: "payment.succeeded", PaymentID: q.ID, Payload: []byte("{}")})
	}))
	got, err := s.ListEvents(ctx, p.ID)
	must(t, err)
	wantEqual(t, got, want)
	got, err = s.ListEvents(ctx, "pay_none")
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("events of an unknown payment: %d", len(got))
	}
}

// sortNewestFirst orders like ListPayments: created_at DESC, id DESC. The
// tests' ids compare the same bytewise and under any database collation.
func sortNewestFirst(ps []*store.Payment) {
	slices.SortFunc(ps, func(a, b *store.Payment) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
}

func ids(ps []*store.Payment) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

// pageAll lists f page by page and checks each page's size.
func pageAll(t *testing.T, s store.Store, f store.PaymentFilter) []*store.Payment {
	t.Helper()
	var all []*store.Payment
	for range 100 {
		page, err := s.ListPayments(t.Context(), f)
		must(t, err)
		all = append(all, page...)
		if len(page) < f.Limit {
			return all
		}
		last := page[len(page)-1]
		f.BeforeTime, f.BeforeID = last.CreatedAt, last.ID
	}
	t.Fatal("pagination does not end")
	return nil
}

func testListKeyset(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := mkMerchant(t, s)
	// 25 payments in 5 groups of equal created_at, inserted in random order:
	// ties are broken by id alone.
	var ps []*store.Payment
	for i := range 25 {
		p := newSale(m.ID, store.ModeTest, int64(100+i))
		p.ID = fmt.Sprintf("pay_%03d", i)
		p.CreatedAt = base.Add(time.Duration(i%5) * time.Second)
		ps = append(ps, p)
	}
	rand.Shuffle(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
	insertPayments(t, s, ps...)
	sortNewestFirst(ps)

	f := store.PaymentFilter{MerchantID: m.ID, Mode: store.ModeTest, Limit: 10}
	first, err := s.ListPayments(ctx, f)
	must(t, err)
	wantEqual(t, first, ps[:10])
	wantEqual(t, ids(pageAll(t, s, f)), ids(ps))

	// A page size that divides the total ends with an empty page.
	f.Limit = 5
	wantEqual(t, ids(pageAll(t, s, f)), ids(ps))

	// The cursor excludes its own row and everything newer.
	f.Limit, f.BeforeTime, f.BeforeID = 100, ps[7].CreatedAt, ps[7].ID
	got, err := s.ListPayments(ctx, f)
	must(t, err)
	wantEqual(t, ids(got), ids(ps[8:]))

	// Limit defaults to a sane page, not "everything" or "nothing".
	got, err = s.ListPayments(ctx, store.PaymentFilter{MerchantID: m.ID, Mode: store.ModeTest})
	must(t, err)
	if len(got) != 25 {
		t.Fatalf("default limit returned %d of 25", len(got))
	}
}

func testListFilters(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := mkMerchant(t, s)
	var ps []*store.Payment
	for i := range 12 {
		p := newSale(m.ID, store.ModeTest, 100)
		p.ID = fmt.Sprintf("pay_%03d", i)
		p.CreatedAt = base.Add(time.Duration(i) * time.Minute)
		p.Status = []string{store.StatusSucceeded, store.StatusDeclined, store.StatusRefunded}[i%3]
		p.OrderID = fmt.Sprintf("order-%d", i%4) // retries of one order id are allowed
		p.CardLast4 = []string{"4242", "0005"}[i%2]
		p.POSID = []string{"pos_a", "pos_b", "pos_c"}[i%3]
		if p.Status == store.StatusDeclined {
			p.AuthorizedAmount, p.CapturedAmount = 0, 0
		}
		if p.Status == store.StatusRefunded {
			p.RefundedAmount = p.CapturedAmount
		}
		ps = append(ps, p)
	}
	insertPayments(t, s, ps...)
	sortNewestFirst(ps)
	pick := func(keep func(p *store.Payment) bool) []string {
		var out []string
		for _, p := range ps {
			if keep(p) {
				out = append(out, p.ID)
			}
		}
		return out
	}
	from, to := base.Add(3*time.Minute), base.Add(9*time.Minute)
	cases := []struct {
		name string
		f    store.PaymentFilter
		want []string
	}{
		{"status", store.PaymentFilter{Status: store.StatusDeclined},
			pick(func(p *store.Payment) bool { return p.Status == store.StatusDeclined })},
		{"order", store.PaymentFilter{OrderID: "order-1"},
			pick(func(p *store.Payment) bool { return p.OrderID == "order-1" })},
		{"last4", store.PaymentFilter{Last4: "0005"},
			pick(func(p *store.Payment) bool { return p.CardLast4 == "0005" })},
		{"pos", store.PaymentFilter{POSID: "pos_c"},
			pick(func(p *store.Payment) bool { return p.POSID == "pos_c" })},
		{"from-to half open", store.PaymentFilter{From: from, To: to},
			pick(func(p *store.Payment) bool { return !p.CreatedAt.Before(from) && p.CreatedAt.Before(to) })},
		{"combined", store.PaymentFilter{Status: store.StatusSucceeded, Last4: "4242", From: from},
			pick(func(p *store.Payment) bool {
				return p.Status == store.StatusSucceeded && p.CardLast4 == "4242" && !p.CreatedAt.Before(from)
			})},
		{"no match", store.PaymentFilter{OrderID: "order-404"}, nil},
	}
	for _, c := range cases {
		c.f.MerchantID, c.f.Mode = m.ID, store.ModeTest
		c.f.Limit = 100
		got, err := s.ListPayments(ctx, c.f)
		must(t, err)
		if !slices.Equal(ids(got), c.want) {
			t.Errorf("%s: got %v, want %v", c.name, ids(got), c.want)
		}
		// Filters and the cursor compose.
		c.f.Limit = 2
		if paged := ids(pageAll(t, s, c.f)); !slices.Equal(paged, c.want) {
			t.Errorf("%s paged: got %v, want %v", c.name, paged, c.want)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	if _, err := s.ListPayments(ctx, store.PaymentFilter{MerchantID: m.ID}); err == nil {
		t.Fatal("ListPayments without a mode must fail: test and live never mix")
	}
	if _, err := s.ListPayments(ctx, store.PaymentFilter{Mode: store.ModeTest}); err == nil {
		t.Fatal("ListPayments without a merchant must fail")
	}
}

func testModeIsolation(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := mkMerchant(t, s)
	test, live := newSale(m.ID, store.ModeTest, 100), newSale(m.ID, store.ModeLive, 100)
	live.OrderID = test.OrderID
	insertPayments(t, s, test, live)
	for _, c := range []struct {
		mode store.Mode
		want string
	}{{store.ModeTest, test.ID}, {store.ModeLive, live.ID}} {
		got, err := s.ListPayments(ctx, store.PaymentFilter{MerchantID: m.ID, Mode: c.mode, OrderID: test.OrderID})
		must(t, err)
		wantEqual(t, ids(got), []string{c.want})
	}
	bad := newSale(m.ID, "", 100)
	err := s.InTx(ctx, func(tx store.Tx) error { return tx.InsertPayment(ctx, bad) })
	wantErr(t, err, store.ErrInvariant)
}

func testPaymentsToResolve(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := mkMerchant(t, s), mkMerchant(t, s)
	mk := func(merchant string, mode store.Mode, status string, updated time.Duration) *store.Payment {
		p := newSale(merchant, mode, 100)
		p.Status, p.UpdatedAt = status, base.Add(updated)
		return p
	}
	p1 := mk(a.ID, store.ModeTest, store.StatusProcessing, 0)
	p2 := mk(a.ID, store.ModeLive, store.StatusUnknown, time.Minute)
	p3 := mk(a.ID, store.ModeTest, store.StatusSucceeded, 0)
	p4 := mk(a.ID, store.ModeTest, store.StatusProcessing, 10*time.Minute)
	p5 := mk(b.ID, store.ModeLive, store.StatusUnknown, 2*time.Minute)
	p6 := mk(b.ID, store.ModeLive, store.StatusRequiresAction, 0)
	insertPayments(t, s, p4, p3, p5, p2, p1, p6)

	got, err := s.PaymentsToResolve(ctx, base.Add(5*time.Minute), 10)
	must(t, err)
	wantEqual(t, got, []*store.Payment{p1, p2, p5})
	got, err = s.PaymentsToResolve(ctx, base.Add(5*time.Minute), 2)
	must(t, err)
	wantEqual(t, ids(got), []string{p1.ID, p2.ID})
	got, err = s.PaymentsToResolve(ctx, base.Add(time.Minute), 10) // strictly older
	must(t, err)
	wantEqual(t, ids(got), []string{p1.ID})

	// Settling a payment takes it off the list.
	must(t, s.InTx(ctx, func(tx store.Tx) error {
		p, err := tx.LockPayment(ctx, a.ID, p1.ID)
		if err != nil {
			return err
		}
		p.Status, p.UpdatedAt = store.StatusSucceeded, base.Add(time.Second)
		return tx.UpdatePayment(ctx, p)
	}))
	got, err = s.PaymentsToResolve(ctx, base.Add(5*time.Minute), 10)
	must(t, err)
	wantEqual(t, ids(got), []string{p2.ID, p5.ID})
}

func testMoneyInvariants(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := mkMerchant(t, s)
	insert := func(p *store.Payment) error {
		return s.InTx(ctx, func(tx store.Tx) error { return tx.InsertPayment(ctx, p) })
	}
	bad := map[string]func(p *store.Payment){
		"zero amount":           func(p *store.Payment) { p.Amount = 0 },
		"negative amount":       func(p *store.Payment) { p.Amount = -1 },
		"negative authorized":   func(p *store.Payment) { p.AuthorizedAmount, p.CapturedAmount = -1, -1 },
		"captured > authorized": func(p *store.Payment) { p.AuthorizedAmount = 50 },
		"refunded > captured":   func(p *store.Payment) { p.RefundedAmount = 101 },
		"negative refunded":     func(p *store.Payment) { p.RefundedAmount = -1 },
		"unknown merchant":      func(p *store.Payment) { p.MerchantID = "mer_missing" },
	}
	for name, mutate := range bad {
		p := newSale(m.ID, store.ModeTest, 100)
		mutate(p)
		if err := insert(p); !errors.Is(err, store.ErrInvariant) {
			t.Errorf("%s: err = %v; want ErrInvariant", name, err)
		}
	}
	// A sale sets authorized = captured = amount; a pre-authorisation captures nothing yet.
	sale := newSale(m.ID, store.ModeTest, 100)
	pre := newSale(m.ID, store.ModeTest, 100)
	pre.Capture, pre.CapturedAmount, pre.Status = false, 0, store.StatusAuthorized
	must(t, insert(sale))
	must(t, insert(pre))

	// A refund beyond the capture is rejected on update too, and changes nothing.
	err := s.InTx(ctx, func(tx store.Tx) error {
		p, err := tx.LockPayment(ctx, m.ID, sale.ID)
		if err != nil {
			return err
		}
		p.RefundedAmount, p.Status = 101, store.StatusRefunded
		return tx.UpdatePayment(ctx, p)
	})
	wantErr(t, err, store.ErrInvariant)
	got, err := s.GetPayment(ctx, m.ID, sale.ID)
	must(t, err)
	wantEqual(t, got, sale)
}

func testBankOrderUnique(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := mkMerchant(t, s)
	first := newSale(m.ID, store.ModeTest, 100)
	retry := newSale(m.ID, store.ModeTest, 100) // same merchant order id, new bank order id
	insertPayments(t, s, first, retry)

	dupBank := newSale(m.ID, store.ModeTest, 100)
	dupBank.BankOrderID = first.BankOrderID
	err := s.InTx(ctx, func(tx store.Tx) error { return tx.InsertPayment(ctx, dupBank) })
	wantErr(t, err, store.ErrConflict)
	dupID := newSale(m.ID, store.ModeTest, 100)
	dupID.ID = first.ID
	err = s.InTx(ctx, func(tx store.Tx) error { return tx.InsertPayment(ctx, dupID) })
	wantErr(t, err, store.ErrConflict)
}

// testConcurrentRefunds: 20 concurrent partial refunds of 10 against a capture
// of 100; the row lock lets exactly the 10 that fit succeed.
func testConcurrentRefunds(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := mkMerchant(t, s)
	p := newSale(m.ID, store.ModeTest, 100)
	insertPayments(t, s, p)
	errFull := errors.New("refund exceeds capture")

	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 20 {
		wg.Go(func() {
			err := s.InTx(ctx, func(tx store.Tx) error {
				q, err := tx.LockPayment(ctx, m.ID, p.ID)
				if err != nil {
					return err
				}
				if q.RefundedAmount+10 > q.CapturedAmount {
					return errFull
				}
				q.RefundedAmount += 10
				q.Status = store.StatusPartiallyRefunded
				if q.RefundedAmount == q.CapturedAmount {
					q.Status = store.StatusRefunded
				}
				if err := tx.UpdatePayment(ctx, q); err != nil {
					return err
				}
				return tx.InsertTransaction(ctx, &store.Transaction{ID: newID("trx"), PaymentID: p.ID,
					MerchantID: m.ID, Kind: store.KindRefund, Status: store.TxApproved, Amount: 10, Currency: "TRY"})
			})
			switch {
			case err == nil:
				mu.Lock()
				ok++
				mu.Unlock()
			case !errors.Is(err, errFull):
				t.Errorf("refund: %v", err)
			}
		})
	}
	wg.Wait()
	got, err := s.GetPayment(ctx, m.ID, p.ID)
	must(t, err)
	trs, err := s.ListTransactions(ctx, p.ID)
	must(t, err)
	if ok != 10 || got.RefundedAmount != 100 || got.Status != store.StatusRefunded || len(trs) != 10 {
		t.Fatalf("%d refunds succeeded, refunded %d, status %s, %d transactions; want 10, 100, refunded, 10",
			ok, got.RefundedAmount, got.Status, len(trs))
	}
}

// The dashboard's amount range and bank filters.
func testListAmountAndBank(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := mkMerchant(t, s)
	isbank := mkPOS(t, s, m.ID, store.ModeTest, base)
	garanti := mkPOS(t, s, m.ID, store.ModeTest, base)
	garanti.Bank = "garanti"
	must(t, s.UpdatePOS(ctx, garanti))
	var ps []*store.Payment
	for i := range 6 {
		p := newSale(m.ID, store.ModeTest, int64(1000*(i+1)))
		p.CreatedAt = base.Add(time.Duration(i) * time.Minute)
		p.POSID = []string{isbank.ID, garanti.ID}[i%2]
		ps = append(ps, p)
	}
	insertPayments(t, s, ps...)
	list := func(f store.PaymentFilter) []int64 {
		f.MerchantID, f.Mode, f.Limit = m.ID, store.ModeTest, 100
		got, err := s.ListPayments(ctx, f)
		must(t, err)
		var out []int64
		for _, p := range got {
			out = append(out, p.Amount)
		}
		return out
	}
	if got := list(store.PaymentFilter{MinAmount: 2000, MaxAmount: 4000}); !slices.Equal(got, []int64{4000, 3000, 2000}) {
		t.Errorf("amount range: %v", got)
	}
	if got := list(store.PaymentFilter{Bank: "garanti"}); !slices.Equal(got, []int64{6000, 4000, 2000}) {
		t.Errorf("bank: %v", got)
	}
	if got := list(store.PaymentFilter{Bank: "garanti", MinAmount: 5000}); !slices.Equal(got, []int64{6000}) {
		t.Errorf("bank and amount: %v", got)
	}
}

// testListUsesIndexes holds every list filter to an index and the default
// list to index order (no sort): the list must stay fast at 10M payments
// (issue #8), and a filter that drifts to a full scan would pass every
// functional test on a small table.
func testListUsesIndexes(t *testing.T, s store.Store) {
	ex, ok := s.(interface {
		ExplainListPayments(ctx context.Context, f store.PaymentFilter) (string, error)
	})
	if !ok {
		t.Skipf("%T cannot explain its queries", s)
	}
	m := mkMerchant(t, s)
	f := func(mod func(*store.PaymentFilter)) store.PaymentFilter {
		pf := store.PaymentFilter{MerchantID: m.ID, Mode: store.ModeLive, Limit: 20}
		mod(&pf)
		return pf
	}
	for _, tc := range []struct {
		name   string
		filter store.PaymentFilter
		index  string
		sorted bool // newest first straight from the index
	}{
		{"default", f(func(*store.PaymentFilter) {}), "payments_list", true},
		{"next page", f(func(p *store.PaymentFilter) { p.BeforeTime, p.BeforeID = base, "pay_x" }), "payments_list", true},
		{"created before", f(func(p *store.PaymentFilter) { p.To = base }), "payments_list", true},
		{"settled status", f(func(p *store.PaymentFilter) { p.Status = store.StatusDeclined }), "payments_list_status", true},
		{"open status", f(func(p *store.PaymentFilter) { p.Status = store.StatusUnknown }), "payments_list_status", true},
		{"order id", f(func(p *store.PaymentFilter) { p.OrderID = "SO-1" }), "payments_list_order", true},
		{"last four", f(func(p *store.PaymentFilter) { p.Last4 = "0012" }), "payments_list_last4", true},
		{"checkout session", f(func(p *store.PaymentFilter) { p.CheckoutSessionID = "cs_x" }), "payments_checkout_session", true},
		{"payment link", f(func(p *store.PaymentFilter) { p.PaymentLinkID = "plink_x" }), "payments_link", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := ex.ExplainListPayments(t.Context(), tc.filter)
			must(t, err)
			if !strings.Contains(plan, tc.index) {
				t.Fatalf("plan does not use %s:\n%s", tc.index, plan)
			}
			for _, bad := range []string{"Seq Scan on payments", "SCAN payments\n"} {
				if strings.Contains(plan, bad) {
					t.Fatalf("plan scans the table:\n%s", plan)
				}
			}
			if tc.sorted && (strings.Contains(plan, "TEMP B-TREE") || strings.Contains(plan, "Sort")) {
				t.Fatalf("plan sorts instead of reading the index in order:\n%s", plan)
			}
		})
	}
}

// explained is the plan that explain gets from s as E (a store's Explain…
// method), logged; a store without the method skips the test.
func explained[E any](t *testing.T, s store.Store, method string, explain func(E) (string, error)) string {
	t.Helper()
	ex, ok := s.(E)
	if !ok {
		t.Skipf("%T has no %s", s, method)
	}
	plan, err := explain(ex)
	must(t, err)
	t.Logf("plan:\n%s", plan)
	return plan
}

// testResolverUsesIndexes holds the resolver's query to indexes: it runs on
// every node every few seconds over the whole history, and its work list has
// no index of its own (migration 0007), so a plan that drifts to a scan of
// payments or transactions would cost a full read of each, each time.
func testResolverUsesIndexes(t *testing.T, s store.Store) {
	plan := explained(t, s, "ExplainPaymentsToResolve", func(ex interface {
		ExplainPaymentsToResolve(ctx context.Context) (string, error)
	}) (string, error) {
		return ex.ExplainPaymentsToResolve(t.Context())
	})
	for _, index := range []string{"payments_list_status", "transactions_unresolved"} {
		if !strings.Contains(plan, index) {
			t.Errorf("plan does not use %s:\n%s", index, plan)
		}
	}
	// Each merchant's own range: the index's leading column is bound.
	if !strings.Contains(plan, "(merchant_id=? AND mode=? AND status=?)") && !strings.Contains(plan, "((merchant_id = m.id) AND (mode = \"*VALUES*\".column1) AND (status = \"*VALUES*\".column2))") {
		t.Errorf("plan does not look up open payments merchant by merchant:\n%s", plan)
	}
	for _, bad := range []string{"Seq Scan on payments", "Seq Scan on transactions", "SCAN payments\n", "SCAN p\n", "SCAN transactions\n"} {
		if strings.Contains(plan, bad) {
			t.Errorf("plan scans a table (%q):\n%s", bad, plan)
		}
	}
}

// testTxOutlivesCaller: a transaction, once begun, runs to its end though its
// caller's context ends inside it (a client that hangs up while a bank
// outcome is being recorded must not roll that outcome back); a caller whose
// context ended before the transaction began gets its error and no work.
func testTxOutlivesCaller(t *testing.T, s store.Store) {
	m := mkMerchant(t, s)
	ctx, cancel := context.WithCancel(t.Context())
	p := newSale(m.ID, store.ModeTest, 1250)
	must(t, s.InTx(ctx, func(tx store.Tx) error {
		cancel() // the client hangs up mid-transaction
		return tx.InsertPayment(ctx, p)
	}))
	got, err := s.GetPayment(t.Context(), m.ID, p.ID)
	must(t, err)
	wantEqual(t, got, p)

	late := newSale(m.ID, store.ModeTest, 1250)
	err = s.InTx(ctx, func(tx store.Tx) error { return tx.InsertPayment(ctx, late) })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("InTx after the caller gave up: %v; want context.Canceled", err)
	}
	if _, err := s.GetPayment(t.Context(), m.ID, late.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a transaction ran for a caller that had given up: %v", err)
	}
}
