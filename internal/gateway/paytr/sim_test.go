package paytr_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	paytrsim "github.com/kasapos/kasa/internal/banksim/paytr"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/gatewaytest"
	"github.com/kasapos/kasa/internal/gateway/paytr"
	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/money"
)

// The adapter against the simulator over real HTTP: get-token, PayTR's
// page and the ACS as a browser sees them, the signed notification to a
// merchant endpoint that verifies it with the adapter, then refunds and
// status inquiries.

type bench struct {
	sim  *paytrsim.Server
	g    *paytr.Gateway
	shop string // the merchant's ok/fail page

	mu       sync.Mutex
	orders   map[string]gateway.Order
	results  map[string]*gateway.ThreeDResult
	failNext int // answer this many notifications with an error first
}

func newBench(t *testing.T) *bench {
	t.Helper()
	b := &bench{sim: paytrsim.New(paytrsim.Config{NotifyBackoff: 10 * time.Millisecond}),
		orders: map[string]gateway.Order{}, results: map[string]*gateway.ThreeDResult{}}
	if _, err := b.sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.sim.Close() })
	sp := b.sim.POS()
	g, err := paytr.New(gateway.Config{Credentials: sp.Credentials, Endpoints: sp.Endpoints, Environment: "test"})
	if err != nil {
		t.Fatal(err)
	}
	b.g = g
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("back at the shop")) }))
	t.Cleanup(shop.Close)
	b.shop = shop.URL
	// The merchant's notification endpoint, as Kasa's /notify does it.
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		oid, err := g.NotificationOrder(r.PostForm)
		b.mu.Lock()
		o, known := b.orders[oid]
		fail := b.failNext > 0
		if fail {
			b.failNext--
		}
		b.mu.Unlock()
		var r3 *gateway.ThreeDResult
		if err == nil && known && !fail {
			r3, err = g.Verify3D(r.Context(), &gateway.ThreeDCallback{Model: gateway.Model3DHost, Expected: o, Capture: true, Form: r.PostForm})
		}
		st, ct, body := g.NotificationReply(err == nil && known && !fail)
		if r3 != nil {
			b.mu.Lock()
			b.results[oid] = r3
			b.mu.Unlock()
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(st)
		w.Write([]byte(body))
	}))
	t.Cleanup(recv.Close)
	b.sim.SetNotifyURL(recv.URL)
	return b
}

func (b *bench) order(minor int64, c money.Currency) gateway.Order {
	o := gateway.Order{OrderID: id.BankOrder(20), Amount: money.New(minor, c), ClientIP: "203.0.113.7"}
	b.mu.Lock()
	b.orders[o.OrderID] = o
	b.mu.Unlock()
	return o
}

func (b *bench) start(t *testing.T, o gateway.Order) *gateway.ThreeDForm {
	t.Helper()
	f, res := b.g.Start3D(t.Context(), &gateway.ThreeDRequest{Order: o, Model: gateway.Model3DHost, Capture: true,
		OkURL: b.shop + "/ok", FailURL: b.shop + "/fail", Email: "ayse@example.com", Lang: "tr"})
	if !res.OK() || f == nil {
		t.Fatalf("Start3D: %+v", res)
	}
	if len(f.Fields) != 0 || !strings.HasPrefix(f.URL, b.sim.URL()+paytr.PathIframe) {
		t.Fatalf("form %+v", f)
	}
	return f
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// pay plays the customer on PayTR's page and the ACS (code), and returns
// where PayTR sent the browser in the end.
func (b *bench) pay(t *testing.T, f *gateway.ThreeDForm, pan, code string) string {
	t.Helper()
	resp, err := noRedirect.Get(f.URL)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("card page: %v %v", resp, err)
	}
	resp.Body.Close()
	acs := gatewaytest.PostForm(t, noRedirect, f.URL, url.Values{"cc_owner": {"Ayşe Yılmaz"}, "card_number": {pan},
		"expiry_month": {"12"}, "expiry_year": {"30"}, "cvv": {"000"}, "installment_count": {"1"}})
	next, fields := gatewaytest.AutoPosted(t, acs)
	if strings.HasPrefix(next, "/_acs/") { // a challenge; a card not enrolled has none
		page := gatewaytest.PostForm(t, noRedirect, b.sim.URL()+next, url.Values{"code": {code}, "action": {"submit"}})
		next, fields = gatewaytest.AutoPosted(t, page)
	}
	resp, err = noRedirect.PostForm(next, fields)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("result page: %d", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

func (b *bench) result(t *testing.T, oid string) *gateway.ThreeDResult {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	r3 := b.results[oid]
	if r3 == nil || r3.Provision == nil {
		t.Fatalf("no verified notification for %s", oid)
	}
	return r3
}

func TestSimulatorSaleRefundStatus(t *testing.T) {
	b := newBench(t)
	o := b.order(15075, money.TRY)
	if to := b.pay(t, b.start(t, o), paytrsim.TestCard.PAN, banksim.ACSCode); to != b.shop+"/ok" {
		t.Fatalf("sent to %s", to)
	}
	if r3 := b.result(t, o.OrderID); !r3.Provision.OK() || r3.MDStatus != "success" {
		t.Fatalf("notification: %+v", r3)
	}
	if ord, _ := b.sim.Book().Get(paytrsim.Sandbox().ID, o.OrderID); ord.Captured != 15075 || ord.ApprovedAuths() != 1 {
		t.Fatalf("book: %+v", ord)
	}
	gatewaytest.WantStatus(t, gatewaytest.Status(t, b.g, o.OrderID), gateway.StateCaptured, 15075, 15075, 0)

	part := o
	part.Amount = money.New(5000, money.TRY)
	gatewaytest.Want(t, "partial refund", b.g.Refund(t.Context(), &gateway.RefundRequest{Order: part}), gateway.Approved, "")
	gatewaytest.WantStatus(t, gatewaytest.Status(t, b.g, o.OrderID), gateway.StateRefunded, 15075, 15075, 5000)
	beyond := o
	beyond.Amount = money.New(10076, money.TRY)
	gatewaytest.Want(t, "refund beyond", b.g.Refund(t.Context(), &gateway.RefundRequest{Order: beyond}), gateway.Declined, gateway.ReasonInvalidTxn)
	rest := o
	rest.Amount = money.Amount{Currency: money.TRY}
	gatewaytest.Want(t, "full refund of the rest", b.g.Refund(t.Context(), &gateway.RefundRequest{Order: rest, Full: true}), gateway.Approved, "")
	gatewaytest.WantStatus(t, gatewaytest.Status(t, b.g, o.OrderID), gateway.StateRefunded, 15075, 15075, 15075)
	gatewaytest.Want(t, "refund of nothing", b.g.Refund(t.Context(), &gateway.RefundRequest{Order: rest, Full: true}), gateway.Rejected, gateway.ReasonInvalidTxn)

	// An order PayTR never took: the query fails, no state is inferred.
	if st := b.g.Status(t.Context(), "KNOSUCHORDER"); st.Outcome != gateway.Rejected || st.State != "" {
		t.Fatalf("unknown order: %+v", st)
	}
	unpaid := b.order(100, money.TRY)
	gatewaytest.Want(t, "refund of an unpaid order", b.g.Refund(t.Context(), &gateway.RefundRequest{Order: unpaid}), gateway.Rejected, gateway.ReasonInvalidTxn)
}

func TestSimulatorFailures(t *testing.T) {
	b := newBench(t)
	for _, tt := range []struct {
		name, pan, code string
		bankCode        string
		reason          gateway.DeclineReason
	}{
		{"wrong code", paytrsim.TestCard.PAN, "000000", "2", "authentication_failed"},
		{"insufficient funds", "4000000000000051", banksim.ACSCode, "0", gateway.ReasonInsufficientFunds},
		{"lost card", "4000000000030041", banksim.ACSCode, "0", gateway.ReasonLostOrStolen},
		{"not enrolled", "4000000000000002", banksim.ACSCode, "1", "authentication_failed"},
	} {
		o := b.order(2500, money.TRY)
		if to := b.pay(t, b.start(t, o), tt.pan, tt.code); to != b.shop+"/fail" {
			t.Fatalf("%s: sent to %s", tt.name, to)
		}
		p := b.result(t, o.OrderID).Provision
		if p.Outcome != gateway.Declined || p.BankCode != tt.bankCode || p.Reason != tt.reason {
			t.Errorf("%s: %+v", tt.name, p)
		}
		if b.sim.Book().ApprovedAuths(o.OrderID) != 0 {
			t.Errorf("%s: charged", tt.name)
		}
	}
}

func TestSimulatorCurrencies(t *testing.T) {
	b := newBench(t)
	for _, c := range paytr.Descriptor().Currencies {
		o := b.order(2500, c)
		b.pay(t, b.start(t, o), paytrsim.TestCard.PAN, banksim.ACSCode)
		if !b.result(t, o.OrderID).Provision.OK() {
			t.Errorf("%s: not approved", c.Code)
		}
		if ord, _ := b.sim.Book().Get(paytrsim.Sandbox().ID, o.OrderID); ord.Currency != c.Code {
			t.Errorf("%s: book has %s", c.Code, ord.Currency)
		}
	}
}

// PayTR retries until it gets OK; the browser waits for that.
func TestSimulatorRetriesNotification(t *testing.T) {
	b := newBench(t)
	b.failNext = 2
	o := b.order(1000, money.TRY)
	b.pay(t, b.start(t, o), paytrsim.TestCard.PAN, banksim.ACSCode)
	ns := b.sim.Notifications(o.OrderID)
	if len(ns) != 3 || ns[0].OK || ns[1].OK || !ns[2].OK {
		t.Fatalf("attempts: %+v", ns)
	}
	if !b.result(t, o.OrderID).Provision.OK() {
		t.Fatal("not approved")
	}
	if !b.sim.Renotify(o.OrderID) || len(b.sim.Notifications(o.OrderID)) != 4 {
		t.Fatal("duplicate not delivered")
	}
}

func TestSimulatorRefusesBadRequests(t *testing.T) {
	b := newBench(t)
	sp := b.sim.POS()
	creds := map[string]string{}
	for k, v := range sp.Credentials {
		creds[k] = v
	}
	creds[paytr.CredMerchantKey] = "wrong-key"
	g, err := paytr.New(gateway.Config{Credentials: creds, Endpoints: sp.Endpoints})
	if err != nil {
		t.Fatal(err)
	}
	o := b.order(1000, money.TRY)
	_, res := g.Start3D(t.Context(), &gateway.ThreeDRequest{Order: o, Model: gateway.Model3DHost, Capture: true,
		OkURL: b.shop + "/ok", FailURL: b.shop + "/fail"})
	if res.Outcome != gateway.Rejected || !strings.Contains(res.BankMessage, "paytr_token") {
		t.Fatalf("wrong key: %+v", res)
	}
	gatewaytest.Want(t, "refund with a wrong key", g.Refund(t.Context(), &gateway.RefundRequest{Order: o}), gateway.Rejected, gateway.ReasonInvalidTxn)
	// An order id used by a paid order cannot get a second token.
	b.pay(t, b.start(t, o), paytrsim.TestCard.PAN, banksim.ACSCode)
	if _, res := b.g.Start3D(t.Context(), &gateway.ThreeDRequest{Order: o, Model: gateway.Model3DHost, Capture: true,
		OkURL: b.shop + "/ok", FailURL: b.shop + "/fail"}); res.Outcome != gateway.Rejected {
		t.Fatalf("second token for a paid order: %+v", res)
	}
}

// Faults: a lost or garbled reply is Unknown, never a verdict.
func TestSimulatorFaults(t *testing.T) {
	b := newBench(t)
	o := b.order(1000, money.TRY)
	for _, f := range []banksim.Fault{{Kind: banksim.KindHTTP500}, {Kind: banksim.KindMalformed}, {Kind: banksim.KindTruncated}} {
		b.sim.Faults().Next(paytrsim.OpGetToken, f, 1)
		if _, res := b.g.Start3D(t.Context(), &gateway.ThreeDRequest{Order: o, Model: gateway.Model3DHost, Capture: true,
			OkURL: b.shop + "/ok", FailURL: b.shop + "/fail"}); res.Outcome != gateway.Unknown {
			t.Errorf("get-token %s: %+v", f.Kind, res)
		}
	}
	b.pay(t, b.start(t, o), paytrsim.TestCard.PAN, banksim.ACSCode)
	part := o
	part.Amount = money.New(100, money.TRY)
	b.sim.Faults().Next(paytrsim.OpRefund, banksim.Fault{Kind: banksim.KindHTTP500After}, 1)
	if res := b.g.Refund(t.Context(), &gateway.RefundRequest{Order: part}); res.Outcome != gateway.Unknown {
		t.Errorf("refund lost after commit: %+v", res)
	}
	// The status inquiry tells what happened.
	gatewaytest.WantStatus(t, gatewaytest.Status(t, b.g, o.OrderID), gateway.StateRefunded, 1000, 1000, 100)
	b.sim.Faults().Next(paytrsim.OpStatus, banksim.Fault{Kind: banksim.KindTimeoutBefore}, 1)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if st := b.g.Status(ctx, o.OrderID); st.Outcome != gateway.Unknown && st.Outcome != gateway.NotSent {
		t.Errorf("status timeout: %+v", st)
	}
}
