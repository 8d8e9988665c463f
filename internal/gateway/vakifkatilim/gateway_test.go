package vakifkatilim_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	vksim "github.com/kasapos/kasa/internal/banksim/vakifkatilim"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/gatewaytest"
	"github.com/kasapos/kasa/internal/gateway/vakifkatilim"
	"github.com/kasapos/kasa/internal/money"
)

// Adapter tests run against the Vakıf Katılım simulator over real loopback
// HTTP.

const merchantID = "1"

type env struct {
	t   *testing.T
	sim *vksim.Server
	g   *vakifkatilim.Gateway
}

func newEnv(t *testing.T) *env {
	t.Helper()
	sim := vksim.New(vksim.Config{})
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return &env{t: t, sim: sim, g: newGateway(t, sim.POS().Endpoints, sim.POS().Credentials)}
}

func newGateway(t *testing.T, ep gateway.Endpoints, creds map[string]string) *vakifkatilim.Gateway {
	t.Helper()
	client := gateway.NewHTTPClient()
	t.Cleanup(client.CloseIdleConnections)
	g, err := vakifkatilim.New(gateway.Config{Credentials: creds, Endpoints: ep, HTTPClient: client})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func testCard(t testing.TB, pan string) card.Card {
	t.Helper()
	p, err := card.ParsePAN(pan)
	if err != nil {
		t.Fatal(err)
	}
	exp, _ := card.NewExpiry(1, 2030)
	cvv, _ := card.ParseCVV("123")
	return card.Card{PAN: p, Expiry: exp, CVV: cvv, Holder: "Ayşe Yılmaz"}
}

var goodPAN = vksim.TestCard.PAN

func (e *env) bench() gatewaytest.Bench {
	return gatewaytest.Bench{G: e.g, Sim: e.sim.Core, Merchant: merchantID, GoodPAN: goodPAN, Card: testCard}
}

func (e *env) sale(o gateway.Order) *gateway.Result {
	e.t.Helper()
	return e.g.Authorize(e.t.Context(), &gateway.AuthorizeRequest{Order: o, Capture: true, Card: testCard(e.t, goodPAN)})
}

var (
	want       = gatewaytest.Want
	status     = gatewaytest.Status
	wantStatus = gatewaytest.WantStatus
	newOrder   = gatewaytest.NewOrder
)

func TestRegistered(t *testing.T) {
	d, err := gateway.Lookup("vakifkatilim")
	if err != nil {
		t.Fatal(err)
	}
	if d.Title != "Vakıf Katılım (BOA)" || d.MaxOrderID != 50 || len(d.Currencies) != 5 ||
		strings.Join(d.ThreeDModels, ",") != "3d,3d_host" || len(d.Credentials) != 4 {
		t.Errorf("descriptor: %+v", d)
	}
	for _, f := range d.Credentials {
		if !f.Required || f.Secret != (f.Key == vakifkatilim.CredPassword) {
			t.Errorf("credential %+v", f)
		}
	}
	for _, name := range []string{"vakifkatilim-test", "vakifkatilim-production"} {
		p, ok := d.Preset(name)
		if !ok || p.Endpoints.API != "https://boa.vakifkatilim.com.tr/VirtualPOS.Gateway/Home" ||
			p.Endpoints.ThreeDGate != p.Endpoints.API+"/ThreeDModelPayGate" {
			t.Errorf("preset %s: %+v", name, p)
		}
	}
	g, err := d.New(gateway.Config{Credentials: vksim.New(vksim.Config{}).POS().Credentials,
		Endpoints: gateway.Endpoints{API: "https://example.invalid/VirtualPOS.Gateway/Home"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range []gateway.Operation{gateway.OpAuthorize, gateway.OpCapture, gateway.OpVoid, gateway.OpRefund,
		gateway.OpStatus, gateway.OpHistory, gateway.Op3D} {
		if !gateway.Supports(g, op) {
			t.Errorf("does not support %s", op)
		}
	}
	if _, err := d.New(gateway.Config{Credentials: map[string]string{"merchant_id": "1"}, Endpoints: gateway.Endpoints{API: "https://x.invalid/"}}); err == nil {
		t.Error("missing credentials accepted")
	}
	if g, err := d.New(gateway.Config{Credentials: vksim.New(vksim.Config{}).POS().Credentials}); err == nil || g != nil {
		t.Errorf("no endpoint: %v %v", g, err)
	}
}

func TestSaleApproved(t *testing.T) {
	e := newEnv(t)
	o := newOrder(12550, money.TRY)
	r := e.sale(o)
	want(t, "sale", r, gateway.Approved, gateway.ReasonNone)
	if r.BankCode != "00" || len(r.AuthCode) != 6 || len(r.HostRef) != 12 || r.TransID == "" {
		t.Errorf("result fields: %+v", r)
	}
	got, ok := e.sim.Book().Get(merchantID, o.OrderID)
	if !ok || got.State != banksim.OrderCaptured || got.Captured != 12550 || got.Currency != "TRY" || got.Card != "415565******6111" {
		t.Errorf("bank book: %+v", got)
	}
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateCaptured, 12550, 12550, 0)
	want(t, "duplicate", e.sale(o), gateway.Rejected, gateway.ReasonDuplicateOrder)
}

func TestRejectedLocally(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	for name, req := range map[string]*gateway.AuthorizeRequest{
		"long id":      {Order: gateway.Order{OrderID: strings.Repeat("x", 51), Amount: money.New(100, money.TRY)}},
		"bad char":     {Order: gateway.Order{OrderID: "a b", Amount: money.New(100, money.TRY)}},
		"zero":         {Order: gateway.Order{OrderID: "z", Amount: money.New(0, money.TRY)}},
		"JPY":          {Order: gateway.Order{OrderID: "j", Amount: money.New(100, money.JPY)}},
		"USD 3 taksit": {Order: gateway.Order{OrderID: "u", Amount: money.New(100, money.USD)}, Installments: 3},
		"13 taksit":    {Order: gateway.Order{OrderID: "t", Amount: money.New(100, money.TRY)}, Installments: 13},
	} {
		req.Capture, req.Card = true, testCard(t, goodPAN)
		if r := e.g.Authorize(ctx, req); r.Outcome != gateway.Rejected {
			t.Errorf("%s: %+v", name, r)
		}
	}
	if n := len(e.sim.Book().All()); n != 0 {
		t.Errorf("%d orders reached the bank", n)
	}
	r := e.g.Authorize(ctx, &gateway.AuthorizeRequest{Order: newOrder(100, money.TRY), Capture: true})
	want(t, "no card", r, gateway.Rejected, gateway.ReasonInvalidCard)
}

func TestWrongPassword(t *testing.T) {
	e := newEnv(t)
	creds := e.sim.POS().Credentials
	creds[vakifkatilim.CredPassword] = "wrong"
	g := newGateway(t, e.sim.POS().Endpoints, creds)
	r := g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: newOrder(100, money.TRY), Capture: true, Card: testCard(t, goodPAN)})
	if r.Outcome != gateway.Rejected || r.BankErrorCode != "MerchantNotDefined" {
		t.Fatalf("%+v", r)
	}
	creds[vakifkatilim.CredPassword], creds[vakifkatilim.CredUserName] = "kdsnsksl", "OTHER"
	g = newGateway(t, e.sim.POS().Endpoints, creds)
	if st := g.Status(t.Context(), "x"); st.Outcome != gateway.Rejected || st.BankErrorCode != "MerchantNotDefined" {
		t.Fatalf("status with a wrong user: %+v", st)
	}
}

func TestDeclineTriggers(t *testing.T) {
	gatewaytest.DeclineTriggers(t, newEnv(t).bench(), "", gateway.StateDeclined)
}

func TestFaultsLeaveUnknown(t *testing.T) {
	gatewaytest.FaultsLeaveUnknown(t, newEnv(t).bench(), vksim.OpSale)
}

func TestLostReplyThenStatus(t *testing.T) {
	gatewaytest.LostReplyThenStatus(t, newEnv(t).bench(), vksim.OpSale, vksim.OpPartialDrawBack)
}

func TestCurrencies(t *testing.T) {
	e := newEnv(t)
	gatewaytest.Currencies(t, e.bench(), 2500)
	o := newOrder(2500, money.RUB)
	want(t, "RUB", e.sale(o), gateway.Approved, gateway.ReasonNone)
	if got, _ := e.sim.Book().Get(merchantID, o.OrderID); got.Currency != "RUB" {
		t.Errorf("RUB booked as %s", got.Currency)
	}
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateCaptured, 2500, 2500, 0)
}

func TestInstallments(t *testing.T) { gatewaytest.Installments(t, newEnv(t).bench()) }

func TestChargesOnce(t *testing.T) { gatewaytest.ChargesOnce(t, newEnv(t).bench()) }

func TestPreAuthPartialCapture(t *testing.T) { gatewaytest.PreAuthPartialCapture(t, newEnv(t).bench()) }

func TestVoidRules(t *testing.T) { gatewaytest.VoidRules(t, newEnv(t).bench(), "EndOfDayClosed") }

func TestRefundRules(t *testing.T) { gatewaytest.RefundRules(t, newEnv(t).bench(), "AmountExceeded") }

func TestRefundAfterBatch(t *testing.T) {
	e := newEnv(t)
	o := newOrder(5000, money.TRY)
	want(t, "sale", e.sale(o), gateway.Approved, gateway.ReasonNone)
	e.sim.CloseBatch()
	want(t, "full refund after the end of day", e.g.Refund(t.Context(), &gateway.RefundRequest{Order: o, Full: true}), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateRefunded, 5000, 5000, 5000)
}

func TestUnknownOrder(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	o := newOrder(100, money.TRY)
	if st := status(t, e.g, o.OrderID); st.State != gateway.StateNotFound {
		t.Errorf("state %s", st.State)
	}
	want(t, "void", e.g.Void(ctx, &gateway.VoidRequest{Order: o}), gateway.Rejected, gateway.ReasonInvalidTxn)
	want(t, "refund", e.g.Refund(ctx, &gateway.RefundRequest{Order: o, Full: true}), gateway.Rejected, gateway.ReasonInvalidTxn)
	if h, r := e.g.OrderHistory(ctx, o.OrderID); !r.OK() || len(h) != 0 {
		t.Errorf("history: %v %+v", h, r)
	}
}

func TestHistory(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	o := newOrder(10000, money.TRY)
	want(t, "preauth", e.g.Authorize(ctx, &gateway.AuthorizeRequest{Order: o, Card: testCard(t, goodPAN)}), gateway.Approved, gateway.ReasonNone)
	capt := gateway.CaptureRequest{Order: o}
	capt.Amount = money.New(8000, money.TRY)
	want(t, "capture", e.g.Capture(ctx, &capt), gateway.Approved, gateway.ReasonNone)
	ref := gateway.RefundRequest{Order: o}
	ref.Amount = money.New(3000, money.TRY)
	want(t, "refund", e.g.Refund(ctx, &ref), gateway.Approved, gateway.ReasonNone)
	// Another order of the same merchant stays out of this one's history.
	want(t, "other sale", e.sale(newOrder(500, money.TRY)), gateway.Approved, gateway.ReasonNone)

	h, r := e.g.OrderHistory(ctx, o.OrderID)
	if !r.OK() {
		t.Fatalf("history: %+v", r)
	}
	var got []string
	for _, x := range h {
		got = append(got, x.Type+":"+money.New(x.Amount, money.TRY).Decimal()+":"+x.BankCode)
		if x.AuthCode == "" || x.HostRef == "" || x.Time.IsZero() {
			t.Errorf("entry %+v", x)
		}
	}
	if strings.Join(got, " ") != "PreAuth:100.00:00 PreAuthClose:80.00:00 PartialDrawBack:30.00:00" {
		t.Errorf("history %v", got)
	}
	// A declined attempt is listed too.
	d := gatewaytest.TriggerOrder("51")
	want(t, "declined", e.sale(d), gateway.Declined, gateway.ReasonInsufficientFunds)
	if h, r := e.g.OrderHistory(ctx, d.OrderID); !r.OK() || len(h) != 1 || h[0].BankCode != "51" || h[0].Status != "Basarisiz" {
		t.Errorf("declined history: %+v %+v", h, r)
	}
}

func TestNotSent(t *testing.T) {
	e := newEnv(t)
	g := newGateway(t, gateway.Endpoints{API: gatewaytest.DeadURL(t, "/VirtualPOS.Gateway/Home")}, e.sim.POS().Credentials)
	ctx := t.Context()
	o := newOrder(100, money.TRY)
	want(t, "sale", g.Authorize(ctx, &gateway.AuthorizeRequest{Order: o, Capture: true, Card: testCard(t, goodPAN)}), gateway.NotSent, gateway.ReasonSystemError)
	// Operations that look the order up first were never sent either.
	want(t, "void", g.Void(ctx, &gateway.VoidRequest{Order: o}), gateway.NotSent, gateway.ReasonSystemError)
	want(t, "capture", g.Capture(ctx, &gateway.CaptureRequest{Order: o}), gateway.NotSent, gateway.ReasonSystemError)
}

func TestLookupUnknownIsNotSent(t *testing.T) {
	e := newEnv(t)
	o := newOrder(4000, money.TRY)
	want(t, "sale", e.sale(o), gateway.Approved, gateway.ReasonNone)
	e.sim.Faults().Next(vksim.OpStatus, banksim.TimeoutBefore, 1)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	want(t, "void", e.g.Void(ctx, &gateway.VoidRequest{Order: o}), gateway.NotSent, gateway.ReasonSystemError)
	if got, _ := e.sim.Book().Get(merchantID, o.OrderID); got.State != banksim.OrderCaptured {
		t.Errorf("bank book %s", got.State)
	}
}
