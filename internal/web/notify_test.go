package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kasapos/kasa/client"
	paytrsim "github.com/kasapos/kasa/internal/banksim/paytr"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/kasatest"
	"github.com/kasapos/kasa/internal/payment"
)

func TestMain(m *testing.M) {
	// The browser's return from PayTR waits this long for the notification;
	// the tests below withhold it on purpose.
	payment.ReturnWait = 300 * time.Millisecond
	os.Exit(m.Run())
}

var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// paytrPayment pays a 3d_host payment on the PayTR simulator while its
// notification goes to a stand-in, and returns the payment and the genuine
// notification.
func paytrPayment(t *testing.T) (*kasatest.Env, *client.Payment, url.Values) {
	t.Helper()
	e := kasatest.New(t, "sqlite", "paytr", nil)
	sim := e.Sim.(*paytrsim.Server)
	stand := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "OK") }))
	t.Cleanup(stand.Close)
	sim.SetNotifyURL(stand.URL)
	r := e.Sale(15075)
	r.Card, r.ThreeD, r.ReturnURL = nil, gateway.Model3DHost, kasatest.ReturnURL
	p, _, err := e.C.CreatePayment(ctx, r, client.NewIdempotencyKey())
	if err != nil {
		t.Fatal(err)
	}
	tc := paytrsim.TestCard
	if _, _, _, err := kasatest.Drive3D(p.NextAction.RedirectURL, kasatest.ACS{Code: kasatest.ACSCode,
		Card: &kasatest.HostedCard{PAN: tc.PAN, MM: "12", YY: "30", CVV: tc.CVV}}); err != nil {
		t.Fatal(err)
	}
	ns := sim.Notifications(p.BankOrderID)
	if len(ns) == 0 {
		t.Fatal("no notification")
	}
	return e, p, ns[0].Form
}

func postNotify(t *testing.T, target, body string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Post(target, "application/x-www-form-urlencoded", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestNotifyEndpoint(t *testing.T) {
	e, p, genuine := paytrPayment(t)
	target := e.K.URL + gateway.NotifyPath(e.POS.ID)
	forged := url.Values{}
	for k, vs := range genuine {
		forged[k] = vs
	}
	forged.Set("hash", "AAAA"+genuine.Get("hash"))
	for name, c := range map[string]struct {
		target, body string
		status       int
	}{
		"forged":       {target, forged.Encode(), http.StatusBadRequest},
		"unknown pos":  {e.K.URL + "/notify/pos_nosuchpos", genuine.Encode(), http.StatusNotFound},
		"bad encoding": {target, "merchant_oid=%zz", http.StatusBadRequest},
		"too large":    {target, "x=" + strings.Repeat("a", 64<<10), http.StatusBadRequest},
		"no order":     {target, "status=success", http.StatusBadRequest},
	} {
		resp, body := postNotify(t, c.target, c.body)
		if resp.StatusCode != c.status || body == "OK" {
			t.Errorf("%s: %d %q", name, resp.StatusCode, body)
		}
	}
	if pay, _ := e.C.GetPayment(ctx, p.ID); pay.Status != "requires_action" {
		t.Fatalf("refused notifications moved the payment to %s", pay.Status)
	}
	for range 2 { // the genuine one, then PayTR's duplicate
		resp, body := postNotify(t, target, genuine.Encode())
		if resp.StatusCode != http.StatusOK || body != "OK" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") ||
			resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("genuine: %d %q %v", resp.StatusCode, body, resp.Header)
		}
	}
	if pay, _ := e.C.GetPayment(ctx, p.ID); pay.Status != client.StatusSucceeded {
		t.Fatalf("payment %s", pay.Status)
	}
	if resp, err := http.Get(target); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET /notify: %v %v", resp, err)
	}
}

// The browser's GET return settles nothing: it waits, then reports the
// status as it stands, with the 3-D pages' headers.
func TestReturn3DWaitsForNotification(t *testing.T) {
	e, p, genuine := paytrPayment(t)
	back := e.K.URL + "/3ds/" + p.ID + "/callback"
	start := time.Now()
	resp, err := noFollow.Get(back)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, kasatest.ReturnURL) || !strings.Contains(loc, "status=requires_action") ||
		resp.Header.Get("Cache-Control") != "no-store" || time.Since(start) < payment.ReturnWait {
		t.Fatalf("before the notification: %d %s %v after %v", resp.StatusCode, loc, resp.Header, time.Since(start))
	}
	if r, body := postNotify(t, e.K.URL+gateway.NotifyPath(e.POS.ID), genuine.Encode()); r.StatusCode != http.StatusOK {
		t.Fatalf("notify: %d %s", r.StatusCode, body)
	}
	resp, err = noFollow.Get(back)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "status=succeeded") ||
		!strings.Contains(loc, "payment_id="+p.ID) {
		t.Fatalf("after the notification: %d %s", resp.StatusCode, loc)
	}
	resp, err = noFollow.Get(e.K.URL + "/3ds/pay_nosuchpayment/callback")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Fatalf("unknown payment: %d %v", resp.StatusCode, resp.Header)
	}
}
