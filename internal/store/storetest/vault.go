package storetest

import (
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/store"
)

// PCI-1: the 3D vault entry expires, is replaced, and dies with the state
// change that ends its need (in the same transaction).
func testVault(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := mkMerchant(t, s)
	p := newSale(m.ID, store.ModeTest, 1000)
	insertPayments(t, s, p)
	e := &store.VaultEntry{PaymentID: p.ID, Sealed: []byte("sealed-1"), ExpiresAt: base.Add(30 * time.Minute)}
	must(t, s.PutVault(ctx, e))
	got, err := s.GetVault(ctx, p.ID, base)
	must(t, err)
	wantEqual(t, got, e)
	_, err = s.GetVault(ctx, p.ID, base.Add(31*time.Minute))
	wantErr(t, err, store.ErrNotFound)

	e.Sealed = []byte("sealed-2")
	must(t, s.PutVault(ctx, e))
	got, err = s.GetVault(ctx, p.ID, base)
	must(t, err)
	wantEqual(t, got, e)

	must(t, s.InTx(ctx, func(tx store.Tx) error { return tx.DeleteVault(ctx, p.ID) }))
	_, err = s.GetVault(ctx, p.ID, base)
	wantErr(t, err, store.ErrNotFound)

	must(t, s.PutVault(ctx, e))
	n, err := s.PurgeVault(ctx, base.Add(time.Hour))
	must(t, err)
	if n != 1 {
		t.Fatalf("PurgeVault removed %d, want 1", n)
	}
}

func testMerchantUpdateAndPaymentByID(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := mkMerchant(t, s)
	m.Name, m.ReturnDomains = "Renamed", []string{"shop.example", "*.shop.example"}
	must(t, s.UpdateMerchant(ctx, m))
	got, err := s.GetMerchant(ctx, m.ID)
	must(t, err)
	wantEqual(t, got, m)

	p := newSale(m.ID, store.ModeTest, 1000)
	insertPayments(t, s, p)
	gp, err := s.PaymentByID(ctx, p.ID)
	must(t, err)
	if gp.MerchantID != m.ID {
		t.Fatalf("PaymentByID merchant %s", gp.MerchantID)
	}
	_, err = s.PaymentByID(ctx, "pay_missing")
	wantErr(t, err, store.ErrNotFound)
}

func testBINs(t *testing.T, s store.Store) {
	ctx := t.Context()
	rows := []store.BINRow{
		{Prefix: "43550843", BankCode: "0046", BankName: "Akbank", Brand: "visa", Type: "credit", Program: "Axess"},
		{Prefix: "979200", BankCode: "0010", BankName: "Ziraat", Brand: "troy", Type: "debit", Commercial: true},
	}
	must(t, s.ReplaceBINs(ctx, rows))
	got, err := s.ListBINs(ctx)
	must(t, err)
	wantEqual(t, got, rows)
	must(t, s.ReplaceBINs(ctx, rows[1:]))
	got, err = s.ListBINs(ctx)
	must(t, err)
	wantEqual(t, got, rows[1:])
	if err := s.ReplaceBINs(ctx, []store.BINRow{rows[0], {Prefix: "12"}}); err == nil {
		t.Fatal("a bad row was accepted")
	}
	got, _ = s.ListBINs(ctx)
	wantEqual(t, got, rows[1:]) // a failed import leaves the old table
}
