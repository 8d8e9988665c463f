// Package storetest is the conformance suite every store.Store backend runs.
// Test names carry the requirement IDs of shared/research/security-reliability.md
// where one applies (IDEM-n).
package storetest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/store"
)

// Run runs the suite. open must return a fresh, empty store for one test and
// arrange for it to be closed (t.Cleanup); subtests run in parallel.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Merchants", testMerchants},
		{"APIKeys", testAPIKeys},
		{"POS", testPOS},
		{"TenantIsolation", testTenantIsolation},
		{"PaymentInTx", testPaymentInTx},
		{"TxOutlivesCaller", testTxOutlivesCaller},
		{"RollbackLeavesNothing", testRollback},
		{"ConcurrentTransactions", testConcurrentTx},
		{"IDEM1_IdempotencyInTx", testIdempotencyInTx},
		{"SaleSteps", testSaleSteps},
		{"SaleStepsAlone", testSaleStepsAlone},
		{"TransactionTimeline", testTimeline},
		{"Events", testEvents},
		{"ListPaymentsKeyset", testListKeyset},
		{"ListPaymentsFilters", testListFilters},
		{"ListPaymentsUseIndexes", testListUsesIndexes},
		{"ModeIsolation", testModeIsolation},
		{"IDEM4_PaymentsToResolve", testPaymentsToResolve},
		{"IDEM4_ResolverUsesIndexes", testResolverUsesIndexes},
		{"IDEM6_MoneyInvariants", testMoneyInvariants},
		{"IDEM3_BankOrderIDUnique", testBankOrderUnique},
		{"IDEM1_IdempotencyLifecycle", testIdempotencyLifecycle},
		{"IDEM5_ReaperKeepsPayments", testReaper},
		{"IDEM5_ReaperBatches", testReaperBatches},
		{"IDEM2_ConcurrentClaim", testConcurrentClaim},
		{"IDEM6_ConcurrentRefunds", testConcurrentRefunds},
		{"PCI1_Vault", testVault},
		{"BINs", testBINs},
		{"ListAmountAndBank", testListAmountAndBank},
		{"MerchantUpdateAndPaymentByID", testMerchantUpdateAndPaymentByID},
		{"NotifyLookups", testNotifyLookups},
		{"CheckoutSessions", testCheckoutSessions},
		{"PaymentLinks", testPaymentLinks},
		{"LinkSessionsAndPayments", testLinkSessionsAndPayments},
		{"WebhookEndpoints", testWebhookEndpoints},
		{"WH1_WebhookFanOut", testWebhookFanOut},
		{"WH1_WebhookFanOutBatch", testWebhookFanOutBatch},
		{"WH1_ClaimUsesDueIndex", testClaimUsesDueIndex},
		{"WH1_WebhookClaimLease", testWebhookClaimLease},
		{"WH1_EventsNotifyOnCommit", testEventsNotify},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

// RunReopen checks that concurrent Opens of one database all succeed (the
// migrations are applied once) and that re-opening keeps the data. open must
// open the same database each time.
func RunReopen(t *testing.T, open func() (store.Store, error)) {
	ctx := t.Context()
	stores := make([]store.Store, 4)
	errs := make([]error, len(stores))
	var wg sync.WaitGroup
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = open() })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent open %d: %v", i, err)
		}
	}
	m := &store.Merchant{ID: newID("mer"), Name: "Reopen", CreatedAt: base}
	if err := stores[0].CreateMerchant(ctx, m); err != nil {
		t.Fatal(err)
	}
	for _, s := range stores {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	s, err := open()
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	got, err := s.GetMerchant(ctx, m.ID)
	if err != nil || !reflect.DeepEqual(got, m) {
		t.Fatalf("after reopen: %+v, %v; want %+v", got, err, m)
	}
}

// base is a fixed time at the stored precision (microseconds, UTC).
var base = time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)

var errBoom = errors.New("boom")

// bankOrderID is unique per call, like id.BankOrder.
func bankOrderID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return "K" + hex.EncodeToString(b[:])
}

func newID(prefix string) string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // never fails
	return prefix + "_" + hex.EncodeToString(b[:])
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("err = %v; want %v", err, target)
	}
}

func wantEqual(t *testing.T, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

func mkMerchant(t testing.TB, s store.Store) *store.Merchant {
	t.Helper()
	m := &store.Merchant{ID: newID("mer"), Name: "Acme Ltd", CreatedAt: base}
	must(t, s.CreateMerchant(t.Context(), m))
	return m
}

func mkPOS(t *testing.T, s store.Store, merchantID string, mode store.Mode, created time.Time) *store.POS {
	t.Helper()
	p := &store.POS{
		ID: newID("pos"), MerchantID: merchantID, Mode: mode, Protocol: "est3", Bank: "isbank",
		Name: "İşbank main", Environment: "test", APIURL: "https://bank.example/fim/api",
		ThreeDURL: "https://bank.example/fim/est3Dgate", Credentials: []byte{0, 1, 2, 0xff},
		Currencies: []string{"TRY", "USD"}, BatchCutoff: "23:30", ThreeDModel: "3d_pay", AllowAttempted3D: true,
		Enabled: true, Priority: 10, CreatedAt: created, UpdatedAt: created,
	}
	must(t, s.CreatePOS(t.Context(), p))
	return p
}

// newSale returns a succeeded sale of amount (not yet stored).
func newSale(merchantID string, mode store.Mode, amount int64) *store.Payment {
	return &store.Payment{
		ID: newID("pay"), MerchantID: merchantID, Mode: mode, POSID: "pos_x", OrderID: "order-1",
		BankOrderID: bankOrderID(), Status: store.StatusSucceeded, Amount: amount,
		Currency: "TRY", Installments: 1, Capture: true,
		AuthorizedAmount: amount, CapturedAmount: amount,
		CardBIN: "454360", CardLast4: "4242", CardBrand: "visa", CardHolder: "Ayşe Yılmaz",
		Description: "two tickets", CustomerEmail: "ayse@example.com", CustomerIP: "192.0.2.7",
		BankCode: "00", BankMessage: "Approved", AuthCode: "123456", HostRef: "HR1", TransID: "TR1",
		ThreeDModel: "3d", MDStatus: "1", ReturnURL: "https://shop.example/return",
		RoutingReason: "bin:isbank", CreatedAt: base, UpdatedAt: base,
	}
}

func insertPayments(t testing.TB, s store.Store, ps ...*store.Payment) {
	t.Helper()
	must(t, s.InTx(t.Context(), func(tx store.Tx) error {
		for _, p := range ps {
			if err := tx.InsertPayment(t.Context(), p); err != nil {
				return fmt.Errorf("insert %s: %w", p.ID, err)
			}
		}
		return nil
	}))
}

func testMerchants(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := mkMerchant(t, s)
	got, err := s.GetMerchant(ctx, m.ID)
	must(t, err)
	wantEqual(t, got, m)

	_, err = s.GetMerchant(ctx, "mer_missing")
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.CreateMerchant(ctx, &store.Merchant{ID: m.ID, Name: "dup"}), store.ErrConflict)

	// A zero CreatedAt is filled in, at the stored precision.
	m2 := &store.Merchant{ID: newID("mer"), Name: "Now"}
	must(t, s.CreateMerchant(ctx, m2))
	if m2.CreatedAt.IsZero() {
		t.Fatal("CreatedAt not set")
	}
	got, err = s.GetMerchant(ctx, m2.ID)
	must(t, err)
	wantEqual(t, got, m2)
}

func testAPIKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	m, other := mkMerchant(t, s), mkMerchant(t, s)
	k1 := &store.APIKey{ID: newID("key"), MerchantID: m.ID, Mode: store.ModeTest, Prefix: "sk_test_4fQ2",
		Hash: []byte("hash-one-32-bytes..............."), CreatedAt: base}
	k2 := &store.APIKey{ID: newID("key"), MerchantID: m.ID, Mode: store.ModeLive, Prefix: "sk_live_9xYz",
		Hash: []byte("hash-two-32-bytes..............."), CreatedAt: base.Add(time.Second)}
	must(t, s.CreateAPIKey(ctx, k1))
	must(t, s.CreateAPIKey(ctx, k2))

	got, err := s.APIKeyByHash(ctx, k1.Hash)
	must(t, err)
	wantEqual(t, got, k1)
	_, err = s.APIKeyByHash(ctx, []byte("no such hash"))
	wantErr(t, err, store.ErrNotFound)

	dup := *k1
	dup.ID = newID("key")
	wantErr(t, s.CreateAPIKey(ctx, &dup), store.ErrConflict)
	orphan := &store.APIKey{ID: newID("key"), MerchantID: "mer_missing", Mode: store.ModeTest, Hash: []byte("h")}
	wantErr(t, s.CreateAPIKey(ctx, orphan), store.ErrInvariant)

	// Revoked keys no longer authenticate; revoking twice keeps the first time.
	wantErr(t, s.RevokeAPIKey(ctx, other.ID, k1.ID, base), store.ErrNotFound)
	revokedAt := base.Add(time.Hour)
	must(t, s.RevokeAPIKey(ctx, m.ID, k1.ID, revokedAt))
	must(t, s.RevokeAPIKey(ctx, m.ID, k1.ID, revokedAt.Add(time.Hour)))
	_, err = s.APIKeyByHash(ctx, k1.Hash)
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.RevokeAPIKey(ctx, m.ID, "key_missing", base), store.ErrNotFound)

	list, err := s.ListAPIKeys(ctx, m.ID)
	must(t, err)
	k1.RevokedAt = revokedAt
	wantEqual(t, list, []*store.APIKey{k1, k2})
	list, err = s.ListAPIKeys(ctx, other.ID)
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("other merchant sees %d keys", len(list))
	}
}

func testPOS(t *testing.T, s store.Store) {
	ctx := t.Context()
	m, other := mkMerchant(t, s), mkMerchant(t, s)
	p := mkPOS(t, s, m.ID, store.ModeTest, base)
	got, err := s.GetPOS(ctx, m.ID, p.ID)
	must(t, err)
	wantEqual(t, got, p)

	wantErr(t, s.CreatePOS(ctx, p), store.ErrConflict)
	_, err = s.GetPOS(ctx, other.ID, p.ID)
	wantErr(t, err, store.ErrNotFound)

	upd := *p
	upd.Name, upd.Bank, upd.APIURL = "Renamed", "halkbank", "https://other.example/api"
	upd.Credentials = []byte("resealed")
	upd.Currencies = nil
	upd.Enabled, upd.Priority, upd.ThreeDModel = false, -3, ""
	upd.UpdatedAt = base.Add(time.Minute)
	upd.Mode = store.ModeLive // ignored: a POS never changes mode
	must(t, s.UpdatePOS(ctx, &upd))
	got, err = s.GetPOS(ctx, m.ID, p.ID)
	must(t, err)
	upd.Mode = store.ModeTest
	wantEqual(t, got, &upd)

	cross := upd
	cross.MerchantID = other.ID
	wantErr(t, s.UpdatePOS(ctx, &cross), store.ErrNotFound)
	bad := upd
	bad.Currencies = []string{"TRY,USD"}
	wantErr(t, s.UpdatePOS(ctx, &bad), store.ErrInvariant)

	p2 := mkPOS(t, s, m.ID, store.ModeLive, base.Add(time.Second))
	p3 := mkPOS(t, s, other.ID, store.ModeTest, base)

	list, err := s.ListPOS(ctx, m.ID)
	must(t, err)
	wantEqual(t, list, []*store.POS{&upd, p2}) // oldest first
	all, err := s.AllPOS(ctx)
	must(t, err)
	if len(all) != 3 {
		t.Fatalf("AllPOS = %d rows; want 3", len(all))
	}
	ids := map[string]bool{}
	for _, x := range all {
		ids[x.ID] = true
	}
	if !ids[p.ID] || !ids[p2.ID] || !ids[p3.ID] {
		t.Fatalf("AllPOS misses a POS: %v", ids)
	}
}

func testTenantIsolation(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := mkMerchant(t, s), mkMerchant(t, s)
	posA := mkPOS(t, s, a.ID, store.ModeTest, base)
	p := newSale(a.ID, store.ModeTest, 500)
	insertPayments(t, s, p)

	_, err := s.GetPayment(ctx, b.ID, p.ID)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetPOS(ctx, b.ID, posA.ID)
	wantErr(t, err, store.ErrNotFound)
	err = s.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.LockPayment(ctx, b.ID, p.ID)
		return err
	})
	wantErr(t, err, store.ErrNotFound)
	err = s.InTx(ctx, func(tx store.Tx) error {
		q := *p
		q.MerchantID, q.Status = b.ID, store.StatusRefunded
		return tx.UpdatePayment(ctx, &q)
	})
	wantErr(t, err, store.ErrNotFound)
	list, err := s.ListPayments(ctx, store.PaymentFilter{MerchantID: b.ID, Mode: store.ModeTest})
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("merchant b lists %d payments of a", len(list))
	}
	got, err := s.GetPayment(ctx, a.ID, p.ID)
	must(t, err)
	wantEqual(t, got, p)
}
