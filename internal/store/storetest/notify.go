package storetest

import (
	"testing"

	"github.com/kasapos/kasa/internal/store"
)

// testNotifyLookups: a bank notification to /notify/{pos_id} finds its POS
// without a merchant, and its payment only by that POS and bank order id.
func testNotifyLookups(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := mkMerchant(t, s)
	pos := mkPOS(t, s, m.ID, store.ModeTest, base)
	other := mkPOS(t, s, m.ID, store.ModeTest, base)

	got, err := s.POSByID(ctx, pos.ID)
	must(t, err)
	wantEqual(t, got, pos)
	_, err = s.POSByID(ctx, "pos_missing")
	wantErr(t, err, store.ErrNotFound)

	p := newSale(m.ID, store.ModeTest, 100)
	p.POSID = pos.ID
	q := newSale(m.ID, store.ModeTest, 200)
	q.POSID = other.ID
	insertPayments(t, s, p, q)

	gp, err := s.PaymentByBankOrder(ctx, pos.ID, p.BankOrderID)
	must(t, err)
	wantEqual(t, gp, p)
	// Another POS's order, an unknown order and an empty id find nothing.
	_, err = s.PaymentByBankOrder(ctx, pos.ID, q.BankOrderID)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.PaymentByBankOrder(ctx, other.ID, p.BankOrderID)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.PaymentByBankOrder(ctx, pos.ID, "KNOSUCHORDER")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.PaymentByBankOrder(ctx, pos.ID, "")
	wantErr(t, err, store.ErrNotFound)
}
