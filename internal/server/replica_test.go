package server_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/secret"
	"github.com/kasapos/kasa/internal/server"
	"github.com/kasapos/kasa/internal/store"
	"github.com/kasapos/kasa/internal/store/pgtest"
	"github.com/kasapos/kasa/internal/store/postgres"
)

// TestReadReplica checks the wiring of --database-read-url: the dashboard's
// lists and analytics read the replica, everything else the primary. The
// "replica" here is a second database holding other rows, so each read
// shows which database answered it.
func TestReadReplica(t *testing.T) {
	primaryDSN, replicaDSN := pgtest.DSN(t), pgtest.DSN(t)
	ctx := context.Background()
	rep, err := postgres.Open(ctx, replicaDSN) // applies the schema a real replica would stream
	if err != nil {
		t.Fatal(err)
	}
	defer rep.Close()

	k, err := server.Open(ctx, server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), DatabaseURL: primaryDSN,
		ReadDatabaseURL: replicaDSN, MasterKeys: secret.NewKeyringSpec(1), ResolveEvery: time.Hour,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		k.Close(ctx)
	})

	now := time.Now().UTC()
	m := &store.Merchant{ID: id.New("mer"), Name: "Replica Shop", CreatedAt: now}
	onPrimary := payment(m.ID, 100, now)
	onReplica := payment(m.ID, 200, now)
	for _, w := range []struct {
		s store.Store
		p *store.Payment
	}{{k.Store, onPrimary}, {rep, onReplica}} {
		if err := w.s.CreateMerchant(ctx, m); err != nil {
			t.Fatal(err)
		}
		if err := w.s.InTx(ctx, func(tx store.Tx) error { return tx.InsertPayment(ctx, w.p) }); err != nil {
			t.Fatal(err)
		}
	}

	f := store.PaymentFilter{MerchantID: m.ID, Mode: store.ModeTest}
	dash, _ := k.Dashboard.Store.ListPayments(ctx, f)
	api, _ := k.Store.ListPayments(ctx, f)
	if len(dash) != 1 || dash[0].ID != onReplica.ID {
		t.Fatalf("dashboard list did not come from the replica: %+v", dash)
	}
	if len(api) != 1 || api[0].ID != onPrimary.ID {
		t.Fatalf("API list did not come from the primary: %+v", api)
	}
	// A single payment (e.g. right after a refund) is read from the primary.
	if _, err := k.Dashboard.Store.GetPayment(ctx, m.ID, onPrimary.ID); err != nil {
		t.Fatalf("dashboard detail must read the primary: %v", err)
	}
	rows, err := k.Dashboard.Store.PaymentStats(ctx, store.StatsFilter{MerchantID: m.ID, Mode: store.ModeTest,
		From: now.Add(-time.Hour), To: now.Add(time.Hour)}, store.GroupDay)
	if err != nil || len(rows) != 1 || rows[0].Volume != 200 {
		t.Fatalf("analytics did not come from the replica: %+v %v", rows, err)
	}
}

func payment(merchantID string, amount int64, at time.Time) *store.Payment {
	return &store.Payment{ID: id.New("pay"), MerchantID: merchantID, Mode: store.ModeTest, POSID: "pos_x",
		OrderID: "o-1", BankOrderID: id.New("ord"), Status: store.StatusSucceeded, Amount: amount, Currency: "TRY",
		AuthorizedAmount: amount, CapturedAmount: amount, CreatedAt: at, UpdatedAt: at}
}
