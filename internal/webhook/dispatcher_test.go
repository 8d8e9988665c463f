package webhook

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kasapos/kasa/client"
	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/payment"
	"github.com/kasapos/kasa/internal/secret"
	"github.com/kasapos/kasa/internal/store"
	"github.com/kasapos/kasa/internal/store/pgtest"
	"github.com/kasapos/kasa/internal/store/postgres"
	"github.com/kasapos/kasa/internal/store/sqlite"
)

// The dispatcher against a real store, on both backends, with a fake clock
// and httptest receivers.

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// opener returns a function opening the same fresh database each call.
func opener(t *testing.T, backend string) func() store.Store {
	var open func() (store.Store, error)
	if backend == "postgres" {
		dsn := pgtest.DSN(t)
		open = func() (store.Store, error) { return postgres.Open(context.Background(), dsn) }
	} else {
		path := filepath.Join(t.TempDir(), "kasa.db")
		open = func() (store.Store, error) { return sqlite.Open(path) }
	}
	return func() store.Store {
		s, err := open()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
}

type env struct {
	t     *testing.T
	open  func() store.Store
	s     store.Store
	keys  *secret.Keyring
	clock *clock
	m     *Manager
	d     *Dispatcher
	c     payment.Caller
}

func backends(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, b := range []string{"sqlite", "postgres"} {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			open := opener(t, b)
			kr, err := secret.ParseKeyring(secret.NewKeyringSpec(1))
			if err != nil {
				t.Fatal(err)
			}
			e := &env{t: t, open: open, s: open(), keys: kr, clock: &clock{t: time.Now().UTC().Truncate(time.Second)}}
			e.m = &Manager{Store: e.s, Keys: kr, Now: e.clock.Now}
			e.d = e.dispatcher(e.s)
			mer := &store.Merchant{ID: id.New("mer"), Name: "Shop"}
			if err := e.s.CreateMerchant(t.Context(), mer); err != nil {
				t.Fatal(err)
			}
			e.c = payment.Caller{MerchantID: mer.ID, Mode: store.ModeTest}
			fn(t, e)
		})
	}
}

func (e *env) dispatcher(s store.Store) *Dispatcher {
	return &Dispatcher{Store: s, Keys: e.keys, Now: e.clock.Now, Timeout: 2 * time.Second,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func (e *env) endpoint(url string, types ...string) *EndpointView {
	e.t.Helper()
	v, err := e.m.Create(e.t.Context(), e.c, &EndpointInput{URL: &url, EventTypes: types})
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

func (e *env) emit(typ string) *store.Event {
	e.t.Helper()
	ev := &store.Event{ID: id.New("evt"), MerchantID: e.c.MerchantID, Mode: e.c.Mode, Type: typ, PaymentID: "pay_1",
		Payload: []byte(`{"type":"` + typ + `","data":{"id":"pay_1","status":"succeeded"}}`), CreatedAt: e.clock.Now()}
	if err := e.s.InTx(e.t.Context(), func(tx store.Tx) error { return tx.InsertEvent(e.t.Context(), ev) }); err != nil {
		e.t.Fatal(err)
	}
	return ev
}

func (e *env) run() int {
	e.t.Helper()
	n, err := e.d.RunOnce(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) deliveries(epID string) []*DeliveryView {
	e.t.Helper()
	l, err := e.m.Deliveries(e.t.Context(), e.c, epID, 100, "")
	if err != nil {
		e.t.Fatal(err)
	}
	return l.Data
}

type hit struct {
	header http.Header
	body   []byte
}

// receiver answers with statuses in turn, the last one repeating.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	hits     []hit
	statuses []int
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{statuses: statuses}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.hits = append(r.hits, hit{req.Header.Clone(), b})
		st := r.statuses[min(len(r.hits), len(r.statuses))-1]
		r.mu.Unlock()
		w.WriteHeader(st)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) got() []hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hit(nil), r.hits...)
}

// WH-3: a 500 is retried within the first step's jitter bound with the
// same webhook-id; the log shows both attempts.
func TestWH3_RetryThenSuccess(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		r := newReceiver(t, 500, 200)
		ep := e.endpoint(r.URL+"/hooks", "*")
		e.clock.Advance(time.Second)
		ev := e.emit("payment.succeeded")
		if n := e.run(); n != 1 {
			t.Fatalf("first round made %d attempts", n)
		}
		ds := e.deliveries(ep.ID)
		if len(ds) != 1 || ds[0].State != "pending" || ds[0].NextAttemptAt == nil ||
			!ds[0].NextAttemptAt.After(e.clock.Now()) || ds[0].NextAttemptAt.Sub(e.clock.Now()) > 5*time.Second {
			t.Fatalf("after a 500: %+v", ds[0])
		}
		if n := e.run(); n != 0 {
			t.Fatalf("retried before it was due (%d)", n)
		}
		e.clock.Advance(5 * time.Second)
		if n := e.run(); n != 1 {
			t.Fatalf("retry round made %d attempts", n)
		}
		hits := r.got()
		if len(hits) != 2 {
			t.Fatalf("receiver got %d requests", len(hits))
		}
		for _, h := range hits {
			if h.header.Get("webhook-id") != ev.ID || h.header.Get("Content-Type") != "application/json" {
				t.Fatalf("headers %v", h.header)
			}
			if err := client.VerifyWebhook(ep.Secret, h.header, h.body, 0); err != nil {
				t.Fatalf("delivery does not verify: %v", err)
			}
		}
		ds = e.deliveries(ep.ID)
		d := ds[0]
		if d.State != "succeeded" || d.AttemptCount != 2 || len(d.Attempts) != 2 || d.Attempts[0].HTTPStatus != 500 ||
			d.Attempts[0].NextRetryAt == nil || d.Attempts[1].HTTPStatus != 200 || d.Attempts[1].Error != "" {
			t.Fatalf("delivery log: %+v", d)
		}
	})
}

// WH-3: an endpoint that fails every attempt gets retries for three days;
// then the delivery fails and the endpoint is disabled with a reason.
func TestWH3_GiveUpAfterThreeDaysAndDisable(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		r := newReceiver(t, 503)
		ep := e.endpoint(r.URL, "payment.succeeded")
		e.clock.Advance(time.Second)
		start := e.clock.Now()
		e.emit("payment.succeeded")
		for e.run(); e.deliveries(ep.ID)[0].State == "pending"; e.run() {
			if e.clock.Now().Sub(start) > 5*24*time.Hour {
				t.Fatal("still pending after 5 days")
			}
			e.clock.Advance(25 * time.Hour) // beyond the largest step
		}
		d := e.deliveries(ep.ID)[0]
		last := d.Attempts[len(d.Attempts)-1].At
		if d.State != "failed" || last.Sub(start) < 72*time.Hour || len(r.got()) != d.AttemptCount {
			t.Fatalf("final delivery: %+v (last attempt %v after start)", d, last.Sub(start))
		}
		got, err := e.m.Get(t.Context(), e.c, ep.ID)
		if err != nil || got.Enabled || !strings.Contains(got.DisabledReason, "failed") {
			t.Fatalf("endpoint after 3 days of failures: %+v %v", got, err)
		}
		// A disabled endpoint gets no new deliveries.
		e.emit("payment.succeeded")
		e.run()
		if len(e.deliveries(ep.ID)) != 1 {
			t.Fatal("a disabled endpoint got a new delivery")
		}
	})
}

// WH-3: a 410 disables the endpoint at once; a hanging receiver is cut off
// at the timeout; a redirect is a failure and is not followed.
func TestWH3_GoneTimeoutRedirect(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		gone := newReceiver(t, 410)
		release := make(chan struct{})
		hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		t.Cleanup(hang.Close)
		t.Cleanup(func() { close(release) })
		target := newReceiver(t, 200)
		redirect := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusFound))
		t.Cleanup(redirect.Close)
		epGone, epHang, epRedirect := e.endpoint(gone.URL, "*"), e.endpoint(hang.URL, "*"), e.endpoint(redirect.URL, "*")
		e.d.Timeout = 300 * time.Millisecond
		e.clock.Advance(time.Second)
		e.emit("payment.refunded")
		start := time.Now()
		if n := e.run(); n != 3 {
			t.Fatalf("%d attempts", n)
		}
		if el := time.Since(start); el > 5*time.Second {
			t.Fatalf("round took %v: the hanging receiver was not cut off", el)
		}
		if d := e.deliveries(epHang.ID)[0]; d.State != "pending" || !strings.Contains(d.LastError, "timeout") {
			t.Fatalf("hanging receiver: %+v", d)
		}
		if d := e.deliveries(epRedirect.ID)[0]; d.LastStatus != 302 || !strings.Contains(d.LastError, "redirect") {
			t.Fatalf("redirect: %+v", d)
		}
		if len(target.got()) != 0 {
			t.Fatal("redirect followed")
		}
		if d := e.deliveries(epGone.ID)[0]; d.State != "disabled" {
			t.Fatalf("410 delivery: %+v", d)
		}
		if got, _ := e.m.Get(t.Context(), e.c, epGone.ID); got.Enabled || !strings.Contains(got.DisabledReason, "410") {
			t.Fatalf("410 endpoint: %+v", got)
		}
	})
}

// WH-5: the guard runs at dial time on the address actually dialled, so a
// live endpoint whose name resolves to loopback (DNS rebinding after the
// save-time check) or a literal loopback address is never connected to.
func TestWH5_DialTimeGuard(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		var conns atomic.Int32
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				conns.Add(1)
			}
		}
		srv.StartTLS()
		t.Cleanup(srv.Close)
		_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
		live := payment.Caller{MerchantID: e.c.MerchantID, Mode: store.ModeLive}
		var ids []string
		for _, u := range []string{"https://127.0.0.1:" + port + "/h", "https://localhost:" + port + "/h"} {
			// Inserted as if the save-time check had passed.
			ep := &store.WebhookEndpoint{ID: id.New("we"), MerchantID: live.MerchantID, Mode: store.ModeLive, URL: u,
				EventTypes: []string{"*"}, Enabled: true, CreatedAt: e.clock.Now()}
			ep.Secret = e.keys.Seal(NewSecret(), SecretAAD(ep.ID))
			if err := e.s.CreateWebhookEndpoint(t.Context(), ep); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, ep.ID)
		}
		e.clock.Advance(time.Second)
		e.c = live
		e.emit("payment.succeeded")
		if n := e.run(); n != 2 {
			t.Fatalf("%d attempts", n)
		}
		for _, epID := range ids {
			d := e.deliveries(epID)[0]
			if !strings.Contains(d.LastError, "refused") || !strings.Contains(d.LastError, "loopback") {
				t.Fatalf("delivery to loopback in live mode: %+v", d)
			}
		}
		if n := conns.Load(); n != 0 {
			t.Fatalf("%d connections reached the loopback receiver", n)
		}
	})
}

// WH-1: a node that claimed a delivery and died before sending it delays
// it by the lease only; it is then delivered exactly once.
func TestWH1_CrashedClaimDeliveredOnce(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		r := newReceiver(t, 200)
		e.endpoint(r.URL, "*")
		e.clock.Advance(time.Second)
		ev := e.emit("payment.succeeded")
		if _, err := e.s.FanOutEvents(t.Context(), 10, func() string { return id.New("whd") }); err != nil {
			t.Fatal(err)
		}
		now := e.clock.Now()
		ds, err := e.s.ClaimWebhookDeliveries(t.Context(), now, now.Add(75*time.Second), "crashed-node", 10)
		if err != nil || len(ds) != 1 {
			t.Fatalf("claim: %v %d", err, len(ds))
		}
		if n := e.run(); n != 0 || len(r.got()) != 0 {
			t.Fatalf("a leased delivery was sent (%d)", n)
		}
		e.clock.Advance(76 * time.Second)
		e.run()
		e.run()
		hits := r.got()
		if len(hits) != 1 || hits[0].header.Get("webhook-id") != ev.ID {
			t.Fatalf("after the lease: %d deliveries", len(hits))
		}
	})
}

// WH-1: two dispatchers on two connections to one database, running side
// by side, never send the same delivery twice.
func TestWH1_TwoDispatchersNeverDuplicate(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		var mu sync.Mutex
		seen := map[string]int{}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(2 * time.Millisecond)
			mu.Lock()
			seen[r.Header.Get("webhook-id")]++
			mu.Unlock()
		}))
		t.Cleanup(srv.Close)
		e.endpoint(srv.URL, "*")
		e.clock.Advance(time.Second)
		const events = 40
		for range events {
			e.emit("payment.succeeded")
		}
		ds := []*Dispatcher{e.dispatcher(e.s), e.dispatcher(e.open())}
		var wg sync.WaitGroup
		for _, d := range ds {
			d.Batch, d.Workers = 3, 2
			wg.Go(func() {
				for range 200 {
					if _, err := d.RunOnce(t.Context()); err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					done := len(seen) == events
					mu.Unlock()
					if done {
						return
					}
				}
			})
		}
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		if len(seen) != events {
			t.Fatalf("%d of %d events delivered", len(seen), events)
		}
		for id, n := range seen {
			if n != 1 {
				t.Fatalf("event %s delivered %d times", id, n)
			}
		}
	})
}

// WH-2: after a rotation both secrets sign for 24 hours, then only the new.
// A manual resend is one attempt with the same webhook-id.
func TestWH2_RotationOverlapAndResend(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		r := newReceiver(t, 200, 200, 200, 500)
		ep := e.endpoint(r.URL, "*")
		rot, err := e.m.RotateSecret(t.Context(), e.c, ep.ID)
		if err != nil || rot.Secret == "" || rot.Secret == ep.Secret || rot.PrevSecretExpiresAt == nil {
			t.Fatalf("rotate: %+v %v", rot, err)
		}
		if got, _ := e.m.Get(t.Context(), e.c, ep.ID); got.Secret != "" {
			t.Fatal("GET shows the secret")
		}
		e.clock.Advance(time.Second)
		ev := e.emit("payment.succeeded")
		e.run()
		h := r.got()[0]
		if n := len(strings.Fields(h.header.Get("webhook-signature"))); n != 2 {
			t.Fatalf("%d signatures during the overlap", n)
		}
		for _, s := range []string{ep.Secret, rot.Secret} {
			if err := client.VerifyWebhook(s, h.header, h.body, 0); err != nil {
				t.Fatalf("overlap: %v", err)
			}
		}
		e.clock.Advance(RotationOverlap + time.Second)
		list, err := e.m.Resend(t.Context(), e.c, ev.ID)
		if err != nil || len(list.Data) != 1 || list.Data[0].State != "pending" {
			t.Fatalf("resend: %+v %v", list, err)
		}
		e.run()
		h = r.got()[1]
		if h.header.Get("webhook-id") != ev.ID || len(strings.Fields(h.header.Get("webhook-signature"))) != 1 {
			t.Fatalf("after the overlap: %v", h.header)
		}
		// The fake clock is a day ahead: the tolerance covers it.
		if client.VerifyWebhook(rot.Secret, h.header, h.body, 48*time.Hour) != nil ||
			client.VerifyWebhook(ep.Secret, h.header, h.body, 48*time.Hour) == nil {
			t.Fatal("after the overlap only the new secret may verify")
		}
		// A failed manual resend is not retried.
		e.run()
		if _, err := e.m.Resend(t.Context(), e.c, ev.ID); err != nil {
			t.Fatal(err)
		}
		e.run() // 200
		if _, err := e.m.Resend(t.Context(), e.c, ev.ID); err != nil {
			t.Fatal(err)
		}
		e.run() // 500
		e.clock.Advance(48 * time.Hour)
		e.run()
		d := e.deliveries(ep.ID)[0]
		if len(r.got()) != 4 || d.State != "failed" || !d.Attempts[3].Manual {
			t.Fatalf("failed manual resend: %d requests, %+v", len(r.got()), d)
		}
	})
}

// WH-1: Run keeps delivering to every other endpoint while one hangs until
// the attempt timeout: the hung attempt holds one worker, not a round.
func TestWH1_HungEndpointHoldsOneWorker(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		hung, _ := newHungReceiver(t)
		fine := newReceiver(t, http.StatusOK)
		e.endpoint(hung.URL, "payment.failed")
		e.endpoint(fine.URL, "payment.succeeded")
		e.emit("payment.failed")     // due first, so it is in the first claim
		e.clock.Advance(time.Second) // (not only by its id's random part)
		const n = 6
		for range n {
			e.emit("payment.succeeded")
		}
		e.d.Workers, e.d.Batch, e.d.Interval, e.d.Timeout = 2, 4, 20*time.Millisecond, 5*time.Second
		defer e.runInBackground()()
		// Rounds that each waited for their slowest attempt would deliver
		// at most 3 before the hung one timed out (5 s).
		deadline := time.Now().Add(3 * time.Second)
		for len(fine.got()) < n {
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d deliveries made while one endpoint hung", len(fine.got()), n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// newHungReceiver answers nothing until the returned release is called (or
// the test ends); it reports each request's arrival on hit.
func newHungReceiver(t *testing.T) (srv *httptest.Server, hit chan struct{}) {
	release, hit := make(chan struct{}), make(chan struct{}, 16)
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hit <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first: the handler returns, Close can finish
	return srv, hit
}

// runInBackground starts e.d.Run and returns its stop.
func (e *env) runInBackground() (stop func()) {
	ctx, cancel := context.WithCancel(e.t.Context())
	done := make(chan struct{})
	go func() { defer close(done); e.d.Run(ctx) }()
	return func() { cancel(); <-done }
}

// WH-1: a delivery that waited in Run's queue longer than its round's reads
// stay fresh reads its endpoint again: one deleted meanwhile gets nothing.
func TestWH1_QueuedDeliveryRereadsItsEndpoint(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		hung, hit := newHungReceiver(t)
		gone := newReceiver(t, http.StatusOK)
		e.endpoint(hung.URL, "payment.failed")
		ep := e.endpoint(gone.URL, "payment.succeeded")
		e.emit("payment.failed") // first in the claim: holds the one worker
		// Due a second later, so the claim's order (due time, then id) is
		// fixed: two deliveries due at once and made in one millisecond
		// are ordered by the random part of their ids.
		e.clock.Advance(time.Second)
		e.emit("payment.succeeded")
		e.d.Workers, e.d.Batch, e.d.Interval, e.d.Timeout = 1, 4, 20*time.Millisecond, 5*time.Second
		defer e.runInBackground()()
		<-hit // the worker is held; the other delivery waits in the queue
		if err := e.m.Delete(t.Context(), e.c, ep.ID); err != nil {
			t.Fatal(err)
		}
		time.Sleep(roundFresh + 200*time.Millisecond)
		hung.CloseClientConnections() // the held attempt ends; the worker takes the queued one
		time.Sleep(300 * time.Millisecond)
		if n := len(gone.got()); n != 0 {
			t.Fatalf("a deleted endpoint got %d requests", n)
		}
	})
}

// WH-1: an event committed on this node is delivered at once (within the
// wake gap), not at the next poll: the store's notification wakes Run.
func TestWH1_CommittedEventWakesRun(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		n, ok := e.s.(store.EventNotifier)
		if !ok {
			t.Fatalf("%T does not notify of committed events", e.s)
		}
		n.OnEvents(e.d.Wake)
		rcv := newReceiver(t, http.StatusOK)
		e.endpoint(rcv.URL, "payment.succeeded")
		e.d.Interval = time.Hour // the poll never comes
		defer e.runInBackground()()
		waitFor := func(want int) {
			t.Helper()
			deadline := time.Now().Add(5 * time.Second)
			for len(rcv.got()) < want {
				if time.Now().After(deadline) {
					t.Fatalf("%d of %d deliveries made without a poll", len(rcv.got()), want)
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
		e.emit("payment.succeeded") // after Run's first refill: only a wake brings it
		waitFor(1)
		for range 3 { // and the wakes after that one
			e.emit("payment.succeeded")
		}
		waitFor(4)
	})
}
