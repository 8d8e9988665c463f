package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/store"
)

// BenchmarkFanOut times FanOutEvents over batches of 200 events for a
// merchant with no webhook endpoint and for one with an endpoint: how long
// a webhook poll holds the writer (SQLite's only one) while sales wait
// behind it. Per op: one batch.
func BenchmarkFanOut(b *testing.B, s store.Store) {
	for _, endpoints := range []int{0, 1} {
		b.Run(fmt.Sprintf("endpoints=%d", endpoints), func(b *testing.B) { benchFanOut(b, s, endpoints) })
	}
}

func benchFanOut(b *testing.B, s store.Store, endpoints int) {
	ctx := b.Context()
	m := mkMerchant(b, s)
	for range endpoints {
		mkEndpoint(b, s, m.ID, store.ModeLive, base, "*")
	}
	p := newSale(m.ID, store.ModeLive, 100)
	insertPayments(b, s, p)
	const batch = 200
	payload := []byte(`{"type":"payment.succeeded","data":{"object":{"id":"` + p.ID + `","amount":100,"currency":"TRY","status":"succeeded"}}}`)
	ids := func() string { return newID("whd") }
	for b.Loop() {
		b.StopTimer()
		if err := s.InTx(ctx, func(tx store.Tx) error {
			for i := range batch {
				e := &store.Event{ID: newID("evt"), MerchantID: m.ID, Mode: store.ModeLive, Type: "payment.succeeded",
					PaymentID: p.ID, Payload: payload, CreatedAt: base.Add(time.Duration(i+1) * time.Second)}
				if err := tx.InsertEvent(ctx, e); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		n, err := s.FanOutEvents(ctx, batch, ids)
		if err != nil || n != batch {
			b.Fatalf("fanned out %d (%v)", n, err)
		}
	}
}
