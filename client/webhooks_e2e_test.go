package client_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasapos/kasa/client"
	"github.com/kasapos/kasa/internal/api"
	"github.com/kasapos/kasa/internal/kasatest"
	"github.com/kasapos/kasa/internal/store"
)

// Webhooks end to end: a real node, the EST simulator, the Go client and
// httptest receivers (WH-n of security-reliability.md §4).

type hookHit struct {
	header http.Header
	body   []byte
}

// hookReceiver answers with statuses in turn, the last one repeating.
type hookReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	hits     []hookHit
	statuses []int
}

func newHookReceiver(t *testing.T, statuses ...int) *hookReceiver {
	r := &hookReceiver{statuses: statuses}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.hits = append(r.hits, hookHit{req.Header.Clone(), b})
		st := r.statuses[min(len(r.hits), len(r.statuses))-1]
		r.mu.Unlock()
		w.WriteHeader(st)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *hookReceiver) got() []hookHit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hookHit(nil), r.hits...)
}

// waitHooks runs the node's dispatcher until cond holds (the node's own
// loop runs too; claims keep them from sending anything twice).
func waitHooks(t *testing.T, e *kasatest.Env, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		if _, err := e.K.Webhooks.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func createHook(t *testing.T, c *client.Client, url string, types ...string) *client.WebhookEndpoint {
	t.Helper()
	ep, err := c.CreateWebhookEndpoint(ctx, &client.WebhookEndpointRequest{URL: &url, EventTypes: types})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ep.Secret, "whsec_") || !ep.Enabled {
		t.Fatalf("created endpoint: %+v", ep)
	}
	return ep
}

// A sale reaches the subscribed endpoint signed and verifiable; an endpoint
// filtered to refunds and another merchant's endpoint get nothing.
func TestWebhookSaleDeliveredSignedAndFiltered(t *testing.T) {
	backends(t, func(t *testing.T, e *kasatest.Env) {
		sales, refunds, foreign := newHookReceiver(t, 200), newHookReceiver(t, 200), newHookReceiver(t, 200)
		ep := createHook(t, e.C, sales.URL+"/kasa", "payment.succeeded")
		createHook(t, e.C, refunds.URL, "payment.refunded")
		createHook(t, e.NewMerchant("Other Shop"), foreign.URL, "*")

		p := e.Pay(e.Sale(12550))
		wantStatus(t, p, client.StatusSucceeded)
		waitHooks(t, e, "the sale's webhook", func() bool { return len(sales.got()) == 1 })
		h := sales.got()[0]
		ev, err := client.ParseWebhook(ep.Secret, h.header, h.body, 0)
		if err != nil {
			t.Fatalf("webhook does not verify: %v", err)
		}
		got, err := ev.Payment()
		if err != nil || ev.Type != "payment.succeeded" || ev.Mode != "test" || ev.ID != h.header.Get("webhook-id") ||
			got.ID != p.ID || got.AmountCaptured != 12550 || got.Card.Masked != "435508******4358" {
			t.Fatalf("event %+v payment %+v (%v)", ev, got, err)
		}
		// WH-6: card data only as BIN and last 4.
		if strings.Contains(string(h.body), testPAN) || len(h.body) > 20<<10 {
			t.Fatalf("payload holds the PAN or is too large (%d bytes)", len(h.body))
		}
		if _, err := e.K.Webhooks.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if n, m := len(refunds.got()), len(foreign.got()); n != 0 || m != 0 {
			t.Fatalf("refund-only endpoint got %d, another merchant's got %d", n, m)
		}
		if n := len(sales.got()); n != 1 {
			t.Fatalf("subscribed endpoint got %d deliveries", n)
		}

		// Secrets are shown once: never in GET or list.
		one, err := e.C.GetWebhookEndpoint(ctx, ep.ID)
		if err != nil || one.Secret != "" || one.URL != sales.URL+"/kasa" {
			t.Fatalf("get: %+v %v", one, err)
		}
		list, err := e.C.ListWebhookEndpoints(ctx)
		if err != nil || len(list) != 2 || list[0].Secret != "" || list[1].Secret != "" {
			t.Fatalf("list: %+v %v", list, err)
		}
		e.ScanForCardData(testPAN, "000")
		if strings.Contains(e.Logs.String(), ep.Secret) || strings.Contains(e.Logs.String(), strings.TrimPrefix(ep.Secret, "whsec_")) {
			t.Fatal("a webhook secret is in the logs")
		}
	})
}

// The endpoint API: validation, the SSRF guard in live mode, PATCH, delete.
func TestWebhookEndpointAPI(t *testing.T) {
	kasatest.Backends(t, func(t *testing.T, b string) {
		e := kasatest.New(t, b, "est3", nil)
		m, err := e.C.UpdateMerchant(ctx, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		liveKey, _, err := api.CreateAPIKey(ctx, e.K.Store, e.K.Keys, m.ID, store.ModeLive)
		if err != nil {
			t.Fatal(err)
		}
		live := client.New(e.K.URL, liveKey)
		for _, c := range []struct{ url, code string }{
			{"http://hooks.example.com/h", "webhook_url_invalid"},
			{"https://127.0.0.1/h", "webhook_url_forbidden"},
			{"https://[::1]/h", "webhook_url_forbidden"},
			{"https://10.0.0.5/h", "webhook_url_forbidden"},
			{"https://169.254.169.254/latest", "webhook_url_forbidden"},
			{"https://localhost/h", "webhook_url_forbidden"},
			{"not a url", "webhook_url_invalid"},
		} {
			_, err := live.CreateWebhookEndpoint(ctx, &client.WebhookEndpointRequest{URL: &c.url, EventTypes: []string{"*"}})
			wantCode(t, err, 400, c.code)
		}
		u := "http://127.0.0.1:9/h"
		_, err = e.C.CreateWebhookEndpoint(ctx, &client.WebhookEndpointRequest{URL: &u, EventTypes: []string{"payment.captured"}})
		wantCode(t, err, 400, "event_type_unknown")
		_, err = e.C.CreateWebhookEndpoint(ctx, &client.WebhookEndpointRequest{URL: &u})
		wantCode(t, err, 400, "parameter_missing")

		ep := createHook(t, e.C, u, "*")
		// Modes never mix: the live key does not see the test endpoint.
		_, err = live.GetWebhookEndpoint(ctx, ep.ID)
		wantCode(t, err, 404, "resource_not_found")
		off, u2 := false, "http://localhost:9/other"
		up, err := e.C.UpdateWebhookEndpoint(ctx, ep.ID, &client.WebhookEndpointRequest{URL: &u2,
			EventTypes: []string{"payment.refunded", "payment_link.paid"}, Enabled: &off})
		if err != nil || up.URL != u2 || up.Enabled || up.DisabledReason == "" || len(up.EventTypes) != 2 || up.Secret != "" {
			t.Fatalf("patch: %+v %v", up, err)
		}
		on := true
		if up, err = e.C.UpdateWebhookEndpoint(ctx, ep.ID, &client.WebhookEndpointRequest{Enabled: &on}); err != nil || !up.Enabled {
			t.Fatalf("re-enable: %+v %v", up, err)
		}
		bad := "https://10.1.2.3/"
		_, err = live.UpdateWebhookEndpoint(ctx, ep.ID, &client.WebhookEndpointRequest{URL: &bad})
		wantCode(t, err, 404, "resource_not_found")
		if err := e.C.DeleteWebhookEndpoint(ctx, ep.ID); err != nil {
			t.Fatal(err)
		}
		_, err = e.C.GetWebhookEndpoint(ctx, ep.ID)
		wantCode(t, err, 404, "resource_not_found")
		_, err = e.C.ResendEvent(ctx, "evt_missing")
		wantCode(t, err, 404, "resource_not_found")
	})
}

// A 500 is retried (same webhook-id); rotation signs with both secrets;
// a manual resend re-delivers; an endpoint failing for three days is
// disabled.
func TestWebhookRetryRotateResendDisable(t *testing.T) {
	backends(t, func(t *testing.T, e *kasatest.Env) {
		r := newHookReceiver(t, 500, 200)
		ep := createHook(t, e.C, r.URL, "*")
		p := e.Pay(e.Sale(5000))
		waitHooks(t, e, "the first attempt", func() bool { return len(r.got()) == 1 })
		e.Advance(6 * time.Second) // past the first retry step (5 s, jittered below it)
		waitHooks(t, e, "the retry", func() bool { return len(r.got()) == 2 })
		hits := r.got()
		evID := hits[0].header.Get("webhook-id")
		if hits[1].header.Get("webhook-id") != evID || evID == "" {
			t.Fatalf("retry changed webhook-id: %q, %q", evID, hits[1].header.Get("webhook-id"))
		}
		if err := client.VerifyWebhook(ep.Secret, hits[1].header, hits[1].body, 0); err != nil {
			t.Fatal(err)
		}
		log, err := e.C.ListWebhookDeliveries(ctx, ep.ID, 0, "")
		if err != nil || len(log.Data) != 1 {
			t.Fatalf("deliveries: %+v %v", log, err)
		}
		d := log.Data[0]
		if d.State != "succeeded" || d.EventID != evID || d.EventType != "payment.succeeded" || len(d.Attempts) != 2 ||
			d.Attempts[0].HTTPStatus != 500 || d.Attempts[0].NextRetryAt == nil || d.Attempts[1].HTTPStatus != 200 {
			t.Fatalf("delivery log: %+v", d)
		}

		// Rotation: two signatures, each secret verifies.
		rot, err := e.C.RotateWebhookSecret(ctx, ep.ID)
		if err != nil || rot.Secret == "" || rot.Secret == ep.Secret || rot.PreviousSecretExpiresAt == nil {
			t.Fatalf("rotate: %+v %v", rot, err)
		}
		amt := int64(1000)
		if _, _, err := e.C.Refund(ctx, p.ID, &amt, client.NewIdempotencyKey()); err != nil {
			t.Fatal(err)
		}
		waitHooks(t, e, "the refund's webhook", func() bool { return len(r.got()) == 3 })
		h := r.got()[2]
		if sigs := strings.Fields(h.header.Get("webhook-signature")); len(sigs) != 2 {
			t.Fatalf("signatures during rotation: %q", h.header.Get("webhook-signature"))
		}
		for _, s := range []string{ep.Secret, rot.Secret} {
			ev, err := client.ParseWebhook(s, h.header, h.body, 0)
			if err != nil || ev.Type != "payment.partially_refunded" {
				t.Fatalf("rotation: %+v %v", ev, err)
			}
		}

		// Manual resend of the first event.
		ds, err := e.C.ResendEvent(ctx, evID)
		if err != nil || len(ds) != 1 || ds[0].EndpointID != ep.ID || ds[0].State != "pending" {
			t.Fatalf("resend: %+v %v", ds, err)
		}
		waitHooks(t, e, "the resend", func() bool { return len(r.got()) == 4 })
		if got := r.got()[3].header.Get("webhook-id"); got != evID {
			t.Fatalf("resend webhook-id %q, want %q", got, evID)
		}

		// An endpoint whose every attempt fails for three days is disabled.
		dead := newHookReceiver(t, 500)
		dep := createHook(t, e.C, dead.URL, "payment.succeeded")
		e.Pay(e.Sale(7000))
		waitHooks(t, e, "the first failing attempt", func() bool { return len(dead.got()) == 1 })
		for i := 0; ; i++ {
			got, err := e.C.GetWebhookEndpoint(ctx, dep.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Enabled {
				if !strings.Contains(got.DisabledReason, "failed") {
					t.Fatalf("disabled reason %q", got.DisabledReason)
				}
				break
			}
			if i > 6 {
				t.Fatalf("endpoint still enabled after %d days of failures", i)
			}
			e.Advance(25 * time.Hour)
			n := len(dead.got())
			waitHooks(t, e, "a retry", func() bool { return len(dead.got()) > n })
		}
		log, err = e.C.ListWebhookDeliveries(ctx, dep.ID, 0, "")
		if err != nil || len(log.Data) != 1 || log.Data[0].State != "failed" {
			t.Fatalf("dead endpoint's delivery: %+v %v", log, err)
		}
	})
}

func TestVerifyWebhookErrors(t *testing.T) {
	h := http.Header{}
	if err := client.VerifyWebhook("whsec_AAAA", h, nil, 0); !errors.Is(err, client.ErrWebhookHeaders) {
		t.Fatalf("missing headers: %v", err)
	}
	if err := client.VerifyWebhook("sk_test_x", h, nil, 0); !errors.Is(err, client.ErrWebhookSecret) {
		t.Fatalf("bad secret: %v", err)
	}
}
