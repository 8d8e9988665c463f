package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/store"
)

// Webhook endpoints, fan-out, claims and the delivery log (WH-n of
// security-reliability.md §4).

func mkEndpoint(t testing.TB, s store.Store, merchantID string, mode store.Mode, created time.Time, types ...string) *store.WebhookEndpoint {
	t.Helper()
	e := &store.WebhookEndpoint{ID: newID("we"), MerchantID: merchantID, Mode: mode, URL: "https://hooks.example/kasa?t=1",
		EventTypes: types, Description: "orders", Secret: []byte{1, 2, 3}, Enabled: true, CreatedAt: created, UpdatedAt: created}
	must(t, s.CreateWebhookEndpoint(t.Context(), e))
	return e
}

func mkEvent(t *testing.T, s store.Store, p *store.Payment, typ string, created time.Time) *store.Event {
	t.Helper()
	e := &store.Event{ID: newID("evt"), MerchantID: p.MerchantID, Mode: p.Mode, Type: typ, PaymentID: p.ID,
		Payload: []byte(`{"type":"` + typ + `","data":{}}`), CreatedAt: created}
	must(t, s.InTx(t.Context(), func(tx store.Tx) error { return tx.InsertEvent(t.Context(), e) }))
	return e
}

// mkHooked makes a merchant with a live endpoint for every event and a sale
// for the events to name.
func mkHooked(t *testing.T, s store.Store) (*store.Merchant, *store.WebhookEndpoint, *store.Payment) {
	t.Helper()
	m := mkMerchant(t, s)
	e := mkEndpoint(t, s, m.ID, store.ModeLive, base, "*")
	p := newSale(m.ID, store.ModeLive, 100)
	insertPayments(t, s, p)
	return m, e, p
}

func deliveryIDs() func() string { return func() string { return newID("whd") } }

// fanOutAll fans out until nothing is left and returns the deliveries of ep.
func fanOutAll(t *testing.T, s store.Store) {
	t.Helper()
	for {
		n, err := s.FanOutEvents(t.Context(), 2, deliveryIDs())
		must(t, err)
		if n == 0 {
			return
		}
	}
}

func endpointDeliveries(t *testing.T, s store.Store, e *store.WebhookEndpoint) []*store.WebhookDelivery {
	t.Helper()
	ds, err := s.ListWebhookDeliveries(t.Context(), store.WebhookDeliveryFilter{MerchantID: e.MerchantID, EndpointID: e.ID})
	must(t, err)
	return ds
}

func testWebhookEndpoints(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := mkMerchant(t, s)
	e := mkEndpoint(t, s, m.ID, store.ModeLive, base, "payment.succeeded", "payment.refunded")
	got, err := s.GetWebhookEndpoint(ctx, m.ID, e.ID)
	must(t, err)
	wantEqual(t, got, e)
	_, err = s.GetWebhookEndpoint(ctx, "mer_other", e.ID)
	wantErr(t, err, store.ErrNotFound)
	mkEndpoint(t, s, m.ID, store.ModeTest, base, "*")
	list, err := s.ListWebhookEndpoints(ctx, m.ID, store.ModeLive)
	must(t, err)
	wantEqual(t, list, []*store.WebhookEndpoint{e})

	// Update writes the merchant's fields and secrets, never the enabled
	// state or failure streak, which the dispatcher owns.
	p := newSale(m.ID, store.ModeLive, 100)
	insertPayments(t, s, p)
	ev := mkEvent(t, s, p, "payment.succeeded", base.Add(time.Second))
	fanOutAll(t, s)
	d := endpointDeliveries(t, s, e)[0]
	_, err = s.RecordWebhookAttempt(ctx, d, &store.WebhookAttempt{ID: newID("wha"), DeliveryID: d.ID, EndpointID: e.ID,
		Attempt: 1, StartedAt: base.Add(time.Minute), Status: 500, Error: "HTTP 500"})
	must(t, err)
	stale := *e
	stale.URL, stale.EventTypes, stale.Secret, stale.PrevSecret = "https://new.example/h", []string{"*"}, []byte{9}, []byte{8}
	stale.PrevSecretUntil, stale.Enabled, stale.UpdatedAt = base.Add(24*time.Hour), false, base.Add(time.Hour)
	must(t, s.UpdateWebhookEndpoint(ctx, &stale))
	got, err = s.GetWebhookEndpoint(ctx, m.ID, e.ID)
	must(t, err)
	if got.URL != stale.URL || got.EventTypes[0] != "*" || got.Secret[0] != 9 || got.PrevSecret[0] != 8 ||
		!got.PrevSecretUntil.Equal(stale.PrevSecretUntil) || !got.Enabled || got.FailureCount != 1 ||
		!got.FailingSince.Equal(base.Add(time.Minute)) {
		t.Fatalf("after update: %+v", got)
	}

	// Disabling marks pending deliveries disabled; enabling clears the streak.
	ev2 := mkEvent(t, s, p, "payment.refunded", base.Add(2*time.Second))
	fanOutAll(t, s)
	must(t, s.SetWebhookEndpointEnabled(ctx, m.ID, e.ID, false, "gone", base.Add(2*time.Hour)))
	for _, d := range endpointDeliveries(t, s, e) {
		if d.State != store.DeliveryDisabled {
			t.Fatalf("delivery of %s is %s after disable", d.EventID, d.State)
		}
	}
	got, _ = s.GetWebhookEndpoint(ctx, m.ID, e.ID)
	if got.Enabled || got.DisabledReason != "gone" {
		t.Fatalf("disabled endpoint: %+v", got)
	}
	must(t, s.SetWebhookEndpointEnabled(ctx, m.ID, e.ID, true, "", base.Add(3*time.Hour)))
	got, _ = s.GetWebhookEndpoint(ctx, m.ID, e.ID)
	if !got.Enabled || got.DisabledReason != "" || got.FailureCount != 0 || !got.FailingSince.IsZero() {
		t.Fatalf("re-enabled endpoint: %+v", got)
	}
	wantErr(t, s.SetWebhookEndpointEnabled(ctx, "mer_other", e.ID, false, "x", base), store.ErrNotFound)

	// GetEvent is per merchant.
	gotEv, err := s.GetEvent(ctx, m.ID, ev2.ID)
	must(t, err)
	if gotEv.Type != "payment.refunded" || string(gotEv.Payload) != string(ev2.Payload) {
		t.Fatalf("event: %+v", gotEv)
	}
	_, err = s.GetEvent(ctx, "mer_other", ev.ID)
	wantErr(t, err, store.ErrNotFound)

	// Delete takes the deliveries and their log along.
	must(t, s.DeleteWebhookEndpoint(ctx, m.ID, e.ID))
	_, err = s.GetWebhookEndpoint(ctx, m.ID, e.ID)
	wantErr(t, err, store.ErrNotFound)
	atts, err := s.ListWebhookAttempts(ctx, []string{d.ID})
	must(t, err)
	if len(atts) != 0 {
		t.Fatalf("attempts survive their endpoint: %d", len(atts))
	}
	wantErr(t, s.DeleteWebhookEndpoint(ctx, m.ID, e.ID), store.ErrNotFound)
}

// WH-1: fan-out is idempotent, filtered by merchant, mode, type and the
// endpoint's age, and misses no event whatever order events commit in.
func testWebhookFanOut(t *testing.T, s store.Store) {
	ctx := t.Context()
	m, other := mkMerchant(t, s), mkMerchant(t, s)
	all := mkEndpoint(t, s, m.ID, store.ModeLive, base, "*")
	refunds := mkEndpoint(t, s, m.ID, store.ModeLive, base, "payment.refunded")
	testMode := mkEndpoint(t, s, m.ID, store.ModeTest, base, "*")
	late := mkEndpoint(t, s, m.ID, store.ModeLive, base.Add(time.Hour), "*")
	off := mkEndpoint(t, s, m.ID, store.ModeLive, base, "*")
	must(t, s.SetWebhookEndpointEnabled(ctx, m.ID, off.ID, false, "merchant", base))
	foreign := mkEndpoint(t, s, other.ID, store.ModeLive, base, "*")

	p := newSale(m.ID, store.ModeLive, 100)
	insertPayments(t, s, p)
	e1 := mkEvent(t, s, p, "payment.succeeded", base.Add(time.Second))
	e2 := mkEvent(t, s, p, "payment.refunded", base.Add(2*time.Second))
	fanOutAll(t, s)
	fanOutAll(t, s) // nothing new the second time

	ids := func(e *store.WebhookEndpoint) []string {
		var out []string
		for _, d := range endpointDeliveries(t, s, e) {
			out = append(out, d.EventID+"/"+d.State)
			if d.MerchantID != m.ID || d.Mode != store.ModeLive || !d.NextAttemptAt.Equal(map[string]time.Time{e1.ID: e1.CreatedAt, e2.ID: e2.CreatedAt}[d.EventID]) {
				t.Fatalf("delivery %+v", d)
			}
		}
		return out
	}
	wantEqual(t, ids(all), []string{e2.ID + "/pending", e1.ID + "/pending"})
	wantEqual(t, ids(refunds), []string{e2.ID + "/pending"})
	for _, e := range []*store.WebhookEndpoint{testMode, late, off, foreign} {
		if got := endpointDeliveries(t, s, e); len(got) != 0 {
			t.Fatalf("endpoint %s got %d deliveries", e.ID, len(got))
		}
	}

	// An event committed after a later one was fanned out is still found:
	// fan-out follows a per-event flag, not a high-water mark.
	var early *store.Event
	must(t, s.InTx(ctx, func(tx store.Tx) error {
		early = &store.Event{ID: newID("evt"), MerchantID: m.ID, Mode: store.ModeLive, Type: "payment.canceled",
			PaymentID: p.ID, Payload: []byte(`{}`), CreatedAt: base.Add(1500 * time.Millisecond)}
		return tx.InsertEvent(ctx, early)
	}))
	fanOutAll(t, s)
	if got := endpointDeliveries(t, s, all); len(got) != 3 {
		t.Fatalf("late-committed event missed: %d deliveries", len(got))
	}
}

// WH-1: one fan-out of more events than one marking statement covers (and
// not a multiple of it) makes one delivery per event and marks every event
// it read, and only those: the next call finds exactly the rest. The
// dispatcher's GetEvents reads them back by id, for their merchant only.
func testWebhookFanOutBatch(t *testing.T, s store.Store) {
	ctx := t.Context()
	m, ep, p := mkHooked(t, s)
	const events = 123
	want := map[string]bool{}
	for i := range events {
		want[mkEvent(t, s, p, "payment.succeeded", base.Add(time.Duration(i+1)*time.Millisecond)).ID] = true
	}
	n, err := s.FanOutEvents(ctx, 110, deliveryIDs())
	must(t, err)
	if n != 110 {
		t.Fatalf("first fan-out took %d events, want 110", n)
	}
	if n, err = s.FanOutEvents(ctx, 200, deliveryIDs()); err != nil || n != events-110 {
		t.Fatalf("second fan-out took %d events (%v), want %d", n, err, events-110)
	}
	if n, err = s.FanOutEvents(ctx, 200, deliveryIDs()); err != nil || n != 0 {
		t.Fatalf("third fan-out took %d events (%v), want none", n, err)
	}
	ds, err := s.ListWebhookDeliveries(ctx, store.WebhookDeliveryFilter{MerchantID: m.ID, EndpointID: ep.ID, Limit: 2 * events})
	must(t, err)
	got := map[string]bool{}
	for _, d := range ds {
		if got[d.EventID] || !want[d.EventID] {
			t.Fatalf("unexpected or repeated delivery for %s", d.EventID)
		}
		got[d.EventID] = true
	}
	if len(got) != events {
		t.Fatalf("%d deliveries, want %d", len(got), events)
	}

	// GetEvents reads them back across its query chunks, leaves out an id
	// it does not have, and never another merchant's.
	ids := []string{"evt_missing"}
	for id := range want {
		ids = append(ids, id)
	}
	evs, err := s.GetEvents(ctx, m.ID, ids)
	must(t, err)
	read := map[string]bool{}
	for _, ev := range evs {
		if read[ev.ID] || !want[ev.ID] || ev.MerchantID != m.ID || ev.PaymentID != p.ID {
			t.Fatalf("GetEvents returned %+v", ev)
		}
		read[ev.ID] = true
	}
	if len(read) != events {
		t.Fatalf("GetEvents read %d events, want %d", len(read), events)
	}
	if evs, err := s.GetEvents(ctx, mkMerchant(t, s).ID, ids); err != nil || len(evs) != 0 {
		t.Fatalf("another merchant read %d events (%v)", len(evs), err)
	}
}

// testClaimUsesDueIndex holds the delivery claim to the due index read in
// order: every node claims every second, and a plan that starts from an
// endpoint's deliveries (all it ever had) and sorts them costs more with
// every delivery made.
func testClaimUsesDueIndex(t *testing.T, s store.Store) {
	plan := explained(t, s, "ExplainClaimWebhookDeliveries", func(ex interface {
		ExplainClaimWebhookDeliveries(ctx context.Context) (string, error)
	}) (string, error) {
		return ex.ExplainClaimWebhookDeliveries(t.Context())
	})
	if !strings.Contains(plan, "webhook_deliveries_due") {
		t.Errorf("plan does not use webhook_deliveries_due:\n%s", plan)
	}
	for _, bad := range []string{"TEMP B-TREE", "Sort", "webhook_deliveries_endpoint", "Seq Scan on webhook_deliveries"} {
		if strings.Contains(plan, bad) {
			t.Errorf("plan has %q:\n%s", bad, plan)
		}
	}
}

// WH-1 / WH-3: claims lease deliveries; a lapsed lease is claimed again;
// only the lease holder records the outcome; resend re-queues.
func testWebhookClaimLease(t *testing.T, s store.Store) {
	ctx := t.Context()
	m, e, p := mkHooked(t, s)
	ev := mkEvent(t, s, p, "payment.succeeded", base.Add(time.Second))
	fanOutAll(t, s)

	now := base.Add(2 * time.Second)
	got, err := s.ClaimWebhookDeliveries(ctx, base, base.Add(time.Minute), "early", 10)
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("claimed a delivery before it was due: %+v", got)
	}
	got, err = s.ClaimWebhookDeliveries(ctx, now, now.Add(time.Minute), "tok1", 10)
	must(t, err)
	if len(got) != 1 || got[0].ClaimToken != "tok1" || !got[0].ClaimedUntil.Equal(now.Add(time.Minute)) || got[0].EventID != ev.ID {
		t.Fatalf("claim: %+v", got)
	}
	d := got[0]
	again, err := s.ClaimWebhookDeliveries(ctx, now.Add(30*time.Second), now.Add(2*time.Minute), "tok2", 10)
	must(t, err)
	if len(again) != 0 {
		t.Fatal("a leased delivery was claimed twice")
	}
	// The first claimer crashed: after its lease lapses another claims it.
	later := now.Add(61 * time.Second)
	again, err = s.ClaimWebhookDeliveries(ctx, later, later.Add(time.Minute), "tok2", 10)
	must(t, err)
	if len(again) != 1 || again[0].ID != d.ID {
		t.Fatalf("lapsed lease not reclaimed: %+v", again)
	}

	// The stale claimer's record lands in the log, not in the delivery.
	d.Attempts, d.State, d.LastStatus = 1, store.DeliverySucceeded, 200
	_, err = s.RecordWebhookAttempt(ctx, d, &store.WebhookAttempt{ID: newID("wha"), DeliveryID: d.ID, EndpointID: e.ID,
		Attempt: 1, StartedAt: now, Status: 200})
	must(t, err)
	if cur := endpointDeliveries(t, s, e)[0]; cur.State != store.DeliveryPending || cur.ClaimToken != "tok2" {
		t.Fatalf("stale claim overwrote the delivery: %+v", cur)
	}
	// The holder's record does land, and releases the lease.
	d2 := again[0]
	d2.Attempts, d2.State, d2.NextAttemptAt, d2.LastStatus, d2.LastError, d2.LastAttemptAt =
		1, store.DeliveryPending, later.Add(5*time.Second), 500, "HTTP 500", later
	ep, err := s.RecordWebhookAttempt(ctx, d2, &store.WebhookAttempt{ID: newID("wha"), DeliveryID: d2.ID, EndpointID: e.ID,
		Attempt: 1, StartedAt: later, Status: 500, Error: "HTTP 500", LatencyMS: 12, NextAttemptAt: later.Add(5 * time.Second)})
	must(t, err)
	if ep.FailureCount != 1 || !ep.FailingSince.Equal(later) {
		t.Fatalf("streak after a failure: %+v", ep)
	}
	cur := endpointDeliveries(t, s, e)[0]
	if cur.State != store.DeliveryPending || cur.ClaimToken != "" || !cur.ClaimedUntil.IsZero() || cur.Attempts != 1 ||
		!cur.NextAttemptAt.Equal(later.Add(5*time.Second)) || cur.LastStatus != 500 || cur.LastError != "HTTP 500" {
		t.Fatalf("recorded delivery: %+v", cur)
	}
	atts, err := s.ListWebhookAttempts(ctx, []string{d.ID})
	must(t, err)
	if len(atts) != 2 || atts[0].Status != 200 || atts[1].Status != 500 || atts[1].LatencyMS != 12 {
		t.Fatalf("attempt log: %+v", atts)
	}

	// Resend of a finished delivery: pending again, manual, due now.
	d3, err := s.ClaimWebhookDeliveries(ctx, later.Add(time.Minute), later.Add(2*time.Minute), "tok3", 10)
	must(t, err)
	d3[0].Attempts, d3[0].State = 2, store.DeliveryFailed
	ep, err = s.RecordWebhookAttempt(ctx, d3[0], &store.WebhookAttempt{ID: newID("wha"), DeliveryID: d.ID, EndpointID: e.ID,
		Attempt: 2, StartedAt: later.Add(time.Minute), Status: 503})
	must(t, err)
	if ep.FailureCount != 2 || !ep.FailingSince.Equal(later) {
		t.Fatalf("streak after a second failure: %+v", ep)
	}
	// A success ends the streak; one on a clean endpoint leaves it clean
	// (and writes nothing). No lease is held, so neither record lands in
	// the delivery itself.
	for range 2 {
		ep, err = s.RecordWebhookAttempt(ctx, &store.WebhookDelivery{ID: d.ID, State: store.DeliverySucceeded, ClaimToken: "not-held"},
			&store.WebhookAttempt{ID: newID("wha"), DeliveryID: d.ID, EndpointID: e.ID, Attempt: 3, StartedAt: later.Add(2 * time.Minute), Status: 204})
		must(t, err)
		if ep.FailureCount != 0 || !ep.FailingSince.IsZero() {
			t.Fatalf("streak after a success: %+v", ep)
		}
	}
	r, err := s.ResendWebhookEvent(ctx, ev, e.ID, newID("whd"), later.Add(time.Hour))
	must(t, err)
	if r.ID != d.ID || r.State != store.DeliveryPending || !r.Manual || !r.NextAttemptAt.Equal(later.Add(time.Hour)) {
		t.Fatalf("resent delivery: %+v", r)
	}
	// Resend to an endpoint the event never went to creates the delivery.
	e2 := mkEndpoint(t, s, m.ID, store.ModeLive, base.Add(time.Hour), "payment.succeeded")
	r2, err := s.ResendWebhookEvent(ctx, ev, e2.ID, newID("whd"), later.Add(time.Hour))
	must(t, err)
	if r2.EndpointID != e2.ID || r2.State != store.DeliveryPending || !r2.Manual {
		t.Fatalf("new resent delivery: %+v", r2)
	}
	// Deliveries of a disabled endpoint are not claimed.
	must(t, s.SetWebhookEndpointEnabled(ctx, m.ID, e2.ID, false, "x", later.Add(time.Hour)))
	must(t, s.SetWebhookEndpointEnabled(ctx, m.ID, e2.ID, true, "", later.Add(time.Hour)))
	_, err = s.ResendWebhookEvent(ctx, ev, e2.ID, newID("whd"), later.Add(time.Hour))
	must(t, err)
	must(t, s.SetWebhookEndpointEnabled(ctx, m.ID, e.ID, false, "x", later.Add(time.Hour)))
	claimed, err := s.ClaimWebhookDeliveries(ctx, later.Add(2*time.Hour), later.Add(3*time.Hour), "tok4", 10)
	must(t, err)
	if len(claimed) != 1 || claimed[0].EndpointID != e2.ID {
		t.Fatalf("claimed with one endpoint disabled: %+v", claimed)
	}
}

// RunWebhookConcurrentClaim checks WH-1 across processes: several stores
// opened on one database (as several Kasa nodes would) claim deliveries
// concurrently, and no delivery is ever handed to two of them.
func RunWebhookConcurrentClaim(t *testing.T, open func() (store.Store, error)) {
	ctx := t.Context()
	stores := make([]store.Store, 2)
	for i := range stores {
		s, err := open()
		must(t, err)
		t.Cleanup(func() { _ = s.Close() })
		stores[i] = s
	}
	s := stores[0]
	m := mkMerchant(t, s)
	mkEndpoint(t, s, m.ID, store.ModeLive, base, "*")
	mkEndpoint(t, s, m.ID, store.ModeLive, base, "payment.succeeded")
	p := newSale(m.ID, store.ModeLive, 100)
	insertPayments(t, s, p)
	const events = 60
	must(t, s.InTx(ctx, func(tx store.Tx) error {
		for i := range events {
			if err := tx.InsertEvent(ctx, &store.Event{ID: newID("evt"), MerchantID: m.ID, Mode: store.ModeLive,
				Type: "payment.succeeded", PaymentID: p.ID, Payload: []byte(`{}`), CreatedAt: base.Add(time.Duration(i) * time.Millisecond)}); err != nil {
				return err
			}
		}
		return nil
	}))
	now := base.Add(time.Minute)
	var mu sync.Mutex
	claimedBy := map[string]string{}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		st := stores[w%len(stores)]
		wg.Go(func() {
			for round := 0; ; round++ {
				// Fan-out races too: both nodes fan out the same events.
				if _, err := st.FanOutEvents(ctx, 7, deliveryIDs()); err != nil {
					errs <- err
					return
				}
				token := fmt.Sprintf("w%d-%d", w, round)
				ds, err := st.ClaimWebhookDeliveries(ctx, now, now.Add(time.Hour), token, 3)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				for _, d := range ds {
					if prev, dup := claimedBy[d.ID]; dup {
						errs <- fmt.Errorf("delivery %s claimed by %s and %s", d.ID, prev, token)
					}
					claimedBy[d.ID] = token
				}
				done := len(claimedBy) == 2*events
				mu.Unlock()
				if done || round > 500 {
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(claimedBy) != 2*events {
		t.Fatalf("claimed %d deliveries, want %d", len(claimedBy), 2*events)
	}
}

// testEventsNotify: every commit that added outbox events is followed by
// the EventNotifier's call before InTx returns (the dispatcher's cue to
// deliver at once); a commit without events, a rolled-back one and an
// outcome refused for a replaced state make none.
func testEventsNotify(t *testing.T, s store.Store) {
	n, ok := s.(store.EventNotifier)
	if !ok {
		t.Fatalf("%T does not notify of committed events", s)
	}
	var calls atomic.Int32
	n.OnEvents(func() { calls.Add(1) })
	ctx := t.Context()
	expect := func(want int32, after string) {
		t.Helper()
		if got := calls.Load(); got != want {
			t.Fatalf("after %s: %d notifications, want %d", after, got, want)
		}
	}
	m, _, p := mkHooked(t, s)
	expect(0, "commits without events")
	mkEvent(t, s, p, "payment.succeeded", base)
	expect(1, "an event's commit")
	err := s.InTx(ctx, func(tx store.Tx) error {
		must(t, tx.InsertEvent(ctx, &store.Event{ID: newID("evt"), MerchantID: m.ID, Mode: p.Mode, Type: "payment.failed",
			PaymentID: p.ID, Payload: []byte(`{}`), CreatedAt: base}))
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("rolled-back transaction: %v", err)
	}
	expect(1, "a rolled-back event")

	o := newSale(m.ID, store.ModeLive, 100)
	o.Status = store.StatusProcessing
	tr := &store.Transaction{ID: newID("trx"), PaymentID: o.ID, MerchantID: m.ID, Kind: store.KindSale, Status: store.TxPending, Amount: 100, Currency: "TRY"}
	must(t, s.InTx(ctx, func(tx store.Tx) error { _, err := tx.InsertIntent(ctx, nil, o, tr); return err }))
	expect(1, "an intent")
	next := *o
	next.Status = store.StatusDeclined
	outcome := &store.Outcome{Payment: &next, PrevStatus: o.Status, PrevUpdatedAt: o.UpdatedAt, Transaction: tr,
		Event: &store.Event{ID: newID("evt"), MerchantID: m.ID, Mode: o.Mode, Type: "payment.declined", PaymentID: o.ID, Payload: []byte(`{}`)}}
	record := func() (written bool) {
		must(t, s.InTx(ctx, func(tx store.Tx) (err error) {
			written, _, err = tx.RecordOutcome(ctx, outcome)
			return err
		}))
		return written
	}
	if !record() {
		t.Fatal("outcome not written")
	}
	expect(2, "an outcome")
	outcome.Event.ID = newID("evt")
	if record() {
		t.Fatal("an outcome for a replaced state was written")
	}
	expect(2, "a refused outcome")
	// The same steps alone (Store.InsertIntent, Store.RecordOutcome).
	o2 := newSale(m.ID, store.ModeLive, 200)
	o2.Status = store.StatusProcessing
	tr2 := &store.Transaction{ID: newID("trx"), PaymentID: o2.ID, MerchantID: m.ID, Kind: store.KindSale, Status: store.TxPending, Amount: 200, Currency: "TRY"}
	_, err = s.InsertIntent(ctx, nil, o2, tr2)
	must(t, err)
	expect(2, "an intent alone")
	next2 := *o2
	next2.Status = store.StatusSucceeded
	written, _, err := s.RecordOutcome(ctx, &store.Outcome{Payment: &next2, PrevStatus: o2.Status, PrevUpdatedAt: o2.UpdatedAt, Transaction: tr2,
		Event: &store.Event{ID: newID("evt"), MerchantID: m.ID, Mode: o2.Mode, Type: "payment.succeeded", PaymentID: o2.ID, Payload: []byte(`{}`)}})
	must(t, err)
	if !written {
		t.Fatal("outcome alone not written")
	}
	expect(3, "an outcome alone")

	// Concurrent commits (group commit may batch them): at least one
	// notification, at most one each.
	const k = 16
	var wg sync.WaitGroup
	for range k {
		wg.Go(func() { mkEvent(t, s, p, "payment.succeeded", base) })
	}
	wg.Wait()
	if got := calls.Load() - 3; got < 1 || got > k {
		t.Fatalf("%d concurrent event commits made %d notifications", k, got)
	}
}
