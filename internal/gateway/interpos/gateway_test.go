package interpos_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	interpossim "github.com/kasapos/kasa/internal/banksim/interpos"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/gatewaytest"
	"github.com/kasapos/kasa/internal/gateway/interpos"
	"github.com/kasapos/kasa/internal/money"
)

// Adapter tests run against the InterVPOS simulator over real loopback HTTP.

const shopCode = "3123"

var sandboxCreds = map[string]string{
	interpos.CredShopCode: shopCode,
	interpos.CredUserCode: "InterTestApi",
	interpos.CredUserPass: "3",
	interpos.CredStoreKey: "gDg1N",
}

type env struct {
	t   *testing.T
	sim *interpossim.Server
	g   *interpos.Gateway
}

func newEnv(t *testing.T) *env {
	t.Helper()
	sim := interpossim.New(interpossim.Config{})
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return &env{t: t, sim: sim, g: newGateway(t, sim.APIURL(), sandboxCreds)}
}

func newGateway(t *testing.T, api string, creds map[string]string) *interpos.Gateway {
	t.Helper()
	client := gateway.NewHTTPClient()
	t.Cleanup(client.CloseIdleConnections)
	g, err := interpos.New(gateway.Config{Credentials: creds, Endpoints: gateway.Endpoints{API: api, ThreeDGate: api}, HTTPClient: client})
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
	cvv, _ := card.ParseCVV("592")
	return card.Card{PAN: p, Expiry: exp, CVV: cvv, Holder: "Ayse Yilmaz"}
}

// goodPAN is Denizbank's published sandbox card.
const goodPAN = "4090700090840057"

func (e *env) sale(o gateway.Order) *gateway.Result {
	e.t.Helper()
	return e.g.Authorize(e.t.Context(), &gateway.AuthorizeRequest{Order: o, Capture: true, Card: testCard(e.t, goodPAN)})
}

// bench is the env for the scenarios gatewaytest shares between adapters.
func (e *env) bench() gatewaytest.Bench {
	return gatewaytest.Bench{G: e.g, Sim: e.sim.Core, Merchant: shopCode, GoodPAN: goodPAN, Card: testCard}
}

var (
	want       = gatewaytest.Want
	status     = gatewaytest.Status
	wantStatus = gatewaytest.WantStatus
	newOrder   = gatewaytest.NewOrder
)

func TestRegistered(t *testing.T) {
	d, err := gateway.Lookup(interpos.Name)
	if err != nil {
		t.Fatal(err)
	}
	if d.MaxOrderID != interpos.MaxOrderID || len(d.ThreeDModels) != 3 {
		t.Errorf("descriptor: %+v", d)
	}
	for _, name := range []string{"denizbank-test", "denizbank-production"} {
		p, ok := d.Preset(name)
		if !ok || !strings.HasPrefix(p.Endpoints.API, "https://") || !strings.HasSuffix(p.Endpoints.API, "/mpi/Default.aspx") {
			t.Errorf("preset %s: %+v", name, p)
		}
	}
	if err := d.Validate(map[string]string{interpos.CredShopCode: "1", interpos.CredUserCode: "u"}); err == nil {
		t.Error("missing user_pass accepted")
	}
	for k, secret := range map[string]bool{interpos.CredShopCode: false, interpos.CredUserCode: false, interpos.CredUserPass: true, interpos.CredStoreKey: true} {
		found := false
		for _, f := range d.Credentials {
			if f.Key == k {
				found = true
				if f.Secret != secret {
					t.Errorf("%s secret=%v", k, f.Secret)
				}
			}
		}
		if !found {
			t.Errorf("credential %s missing", k)
		}
	}
	g, err := d.New(gateway.Config{Credentials: sandboxCreds, Endpoints: gateway.Endpoints{API: "https://test.inter-vpos.com.tr/mpi/Default.aspx"}})
	if err != nil || !gateway.Supports(g, gateway.OpStatus) || gateway.Supports(g, gateway.OpHistory) || !gateway.Supports(g, gateway.Op3D) {
		t.Errorf("gateway %T: %v", g, err)
	}
}

func TestAuthorizeApproved(t *testing.T) {
	e := newEnv(t)
	o := newOrder(12550, money.TRY)
	r := e.sale(o)
	want(t, "sale", r, gateway.Approved, gateway.ReasonNone)
	if r.BankCode != "00" || r.AuthCode == "" || r.TransID == "" || r.HostRef == "" {
		t.Errorf("result: %+v", r)
	}
	got, _ := e.sim.Book().Get(shopCode, o.OrderID)
	if got.State != banksim.OrderCaptured || got.Captured != 12550 || got.AuthAttempts != 1 {
		t.Errorf("bank book: %+v", got)
	}
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateCaptured, 12550, 12550, 0)
}

func TestDeclineTriggers(t *testing.T) {
	e := newEnv(t)
	for _, d := range banksim.Declines {
		t.Run(d.Code, func(t *testing.T) {
			r := e.g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: newOrder(1000, money.TRY), Capture: true, Card: testCard(t, d.ExamplePAN)})
			want(t, "card "+d.ExamplePAN, r, gateway.Declined, gateway.DeclineReason(d.Reason))
			if r.BankCode != d.Code || r.AuthCode != "" {
				t.Errorf("bank code %q auth %q, want %s", r.BankCode, r.AuthCode, d.Code)
			}
			o := newOrder(banksim.TriggerAmount(d.Code, money.TRY).Minor, money.TRY)
			r = e.sale(o)
			want(t, "amount", r, gateway.Declined, gateway.DeclineReason(d.Reason))
			if s := status(t, e.g, o.OrderID); s.State != gateway.StateDeclined {
				t.Errorf("status after decline: %s", s.State)
			}
		})
	}
}

func TestRejected(t *testing.T) {
	e := newEnv(t)
	bad := map[string]string{}
	for k, v := range sandboxCreds {
		bad[k] = v
	}
	bad[interpos.CredUserPass] = "wrong"
	r := newGateway(t, e.sim.APIURL(), bad).Authorize(t.Context(), &gateway.AuthorizeRequest{Order: newOrder(100, money.TRY), Capture: true, Card: testCard(t, goodPAN)})
	want(t, "wrong password", r, gateway.Rejected, gateway.ReasonInvalidTxn)
	if r.BankCode != "81" || r.BankErrorCode == "" {
		t.Errorf("codes %q %q", r.BankCode, r.BankErrorCode)
	}
	bad[interpos.CredShopCode] = "9999"
	r = newGateway(t, e.sim.APIURL(), bad).Authorize(t.Context(), &gateway.AuthorizeRequest{Order: newOrder(100, money.TRY), Capture: true, Card: testCard(t, goodPAN)})
	want(t, "unknown shop", r, gateway.Rejected, gateway.ReasonInvalidTxn)
	if r.BankErrorCode != "B810002" {
		t.Errorf("error code %q, want the captured B810002", r.BankErrorCode)
	}

	// Refused before sending: nothing reaches the bank.
	for name, o := range map[string]gateway.Order{
		"long id":  {OrderID: strings.Repeat("A", interpos.MaxOrderID+1), Amount: money.New(100, money.TRY)},
		"bad char": {OrderID: "A;;B", Amount: money.New(100, money.TRY)},
		"zero":     {OrderID: "A1", Amount: money.New(0, money.TRY)},
		"JPY":      {OrderID: "A2", Amount: money.New(100, money.JPY)},
	} {
		want(t, name, e.sale(o), gateway.Rejected, gateway.ReasonInvalidTxn)
	}
	if n := len(e.sim.Book().All()); n != 0 {
		t.Errorf("%d orders reached the bank", n)
	}
}

func TestDuplicateOrderID(t *testing.T) {
	e := newEnv(t)
	o := newOrder(500, money.TRY)
	want(t, "first", e.sale(o), gateway.Approved, gateway.ReasonNone)
	want(t, "second", e.sale(o), gateway.Rejected, gateway.ReasonDuplicateOrder)
	if n := e.sim.Book().ApprovedAuths(o.OrderID); n != 1 {
		t.Errorf("bank approved %d times", n)
	}
	// After a decline the id may be used again.
	d := newOrder(banksim.TriggerAmount("05", money.TRY).Minor, money.TRY)
	want(t, "declined", e.sale(d), gateway.Declined, gateway.ReasonDoNotHonour)
	d.Amount = money.New(700, money.TRY)
	want(t, "retry", e.sale(d), gateway.Approved, gateway.ReasonNone)
}

func TestPreAuthAndPartialCapture(t *testing.T) {
	e := newEnv(t)
	o := newOrder(10000, money.TRY)
	r := e.g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: o, Capture: false, Card: testCard(t, goodPAN)})
	want(t, "pre-auth", r, gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateAuthorized, 10000, 0, 0)

	over := o
	over.Amount = money.New(10001, money.TRY)
	want(t, "capture above", e.g.Capture(t.Context(), &gateway.CaptureRequest{Order: over}), gateway.Rejected, gateway.ReasonInvalidTxn)
	part := o
	part.Amount = money.New(7000, money.TRY)
	want(t, "capture", e.g.Capture(t.Context(), &gateway.CaptureRequest{Order: part}), gateway.Approved, gateway.ReasonNone)
	got, _ := e.sim.Book().Get(shopCode, o.OrderID)
	if got.Captured != 7000 || got.State != banksim.OrderCaptured {
		t.Errorf("bank book: %+v", got)
	}
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateCaptured, 7000, 7000, 0)
	want(t, "second capture", e.g.Capture(t.Context(), &gateway.CaptureRequest{Order: part}), gateway.Rejected, gateway.ReasonInvalidTxn)
}

func TestVoid(t *testing.T) {
	e := newEnv(t)
	o := newOrder(3000, money.TRY)
	want(t, "sale", e.sale(o), gateway.Approved, gateway.ReasonNone)
	want(t, "void", e.g.Void(t.Context(), &gateway.VoidRequest{Order: o}), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateVoided, 3000, 3000, 0)
	want(t, "void again", e.g.Void(t.Context(), &gateway.VoidRequest{Order: o}), gateway.Rejected, gateway.ReasonInvalidTxn)

	pre := newOrder(4000, money.TRY)
	want(t, "pre-auth", e.g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: pre, Card: testCard(t, goodPAN)}), gateway.Approved, gateway.ReasonNone)
	want(t, "void pre-auth", e.g.Void(t.Context(), &gateway.VoidRequest{Order: pre}), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, pre.OrderID), gateway.StateVoided, 4000, 0, 0)

	late := newOrder(5000, money.TRY)
	want(t, "sale", e.sale(late), gateway.Approved, gateway.ReasonNone)
	e.sim.CloseBatch()
	want(t, "void after batch", e.g.Void(t.Context(), &gateway.VoidRequest{Order: late}), gateway.Rejected, gateway.ReasonInvalidTxn)
}

func TestRefunds(t *testing.T) {
	e := newEnv(t)
	o := newOrder(9000, money.TRY)
	want(t, "sale", e.sale(o), gateway.Approved, gateway.ReasonNone)
	refund := func(minor int64, full bool) *gateway.Result {
		r := gateway.RefundRequest{Order: o, Full: full}
		r.Amount = money.New(minor, money.TRY)
		return e.g.Refund(t.Context(), &r)
	}
	want(t, "partial", refund(4000, false), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateRefunded, 9000, 9000, 4000)
	want(t, "above captured", refund(5001, false), gateway.Rejected, gateway.ReasonInvalidTxn)
	want(t, "rest", refund(5000, true), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateRefunded, 9000, 9000, 9000)
	got, _ := e.sim.Book().Get(shopCode, o.OrderID)
	if got.State != banksim.OrderRefunded || got.Refunded != 9000 {
		t.Errorf("bank book: %+v", got)
	}
	want(t, "void after refund", e.g.Void(t.Context(), &gateway.VoidRequest{Order: o}), gateway.Rejected, gateway.ReasonInvalidTxn)
}

func TestStatusNotFound(t *testing.T) {
	e := newEnv(t)
	s := e.g.Status(t.Context(), "NOSUCHORDER1")
	if s.Outcome != gateway.Approved || s.State != gateway.StateNotFound {
		t.Errorf("status: %s %s %s", s.Outcome, s.State, s.BankMessage)
	}
}

// The bank commits the sale, the reply is lost: Unknown, then the status
// query tells the truth.
func TestLostResponseThenStatus(t *testing.T) {
	e := newEnv(t)
	o := newOrder(7777, money.TRY)
	e.sim.Faults().Next(e.sim.FaultOp(gateway.OpAuthorize, true), banksim.TimeoutAfter, 1)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	r := e.g.Authorize(ctx, &gateway.AuthorizeRequest{Order: o, Capture: true, Card: testCard(t, goodPAN)})
	want(t, "lost reply", r, gateway.Unknown, gateway.ReasonSystemError)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateCaptured, 7777, 7777, 0)
	if n := e.sim.Book().ApprovedAuths(o.OrderID); n != 1 {
		t.Errorf("bank approved %d times", n)
	}
}

func TestUnknownOnFaults(t *testing.T) {
	e := newEnv(t)
	gatewaytest.FaultsLeaveUnknown(t, e.bench(), interpossim.OpAuth)
	e.sim.Faults().Next(interpossim.OpStatusHistory, banksim.Malformed, 1)
	if s := e.g.Status(t.Context(), "X1"); s.Outcome != gateway.Unknown {
		t.Errorf("status on malformed: %s", s.Outcome)
	}
}

func TestNotSentWhenNothingListens(t *testing.T) {
	g := newGateway(t, gatewaytest.DeadURL(t, "/mpi/Default.aspx"), sandboxCreds)
	r := g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: newOrder(100, money.TRY), Capture: true, Card: testCard(t, goodPAN)})
	want(t, "dial refused", r, gateway.NotSent, gateway.ReasonSystemError)
	if s := g.Status(t.Context(), "X"); s.Outcome != gateway.NotSent {
		t.Errorf("status: %s", s.Outcome)
	}
}

func TestCurrencies(t *testing.T) {
	gatewaytest.Currencies(t, newEnv(t).bench(), 10025)
}

func TestInstallments(t *testing.T) {
	e := newEnv(t)
	gatewaytest.Installments(t, e.bench())
	for name, o := range map[string]gateway.Order{"13 in TRY": newOrder(120000, money.TRY), "3 in USD": newOrder(120000, money.USD)} {
		n := 13
		if o.Amount.Currency == money.USD {
			n = 3
		}
		r := e.g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: o, Capture: true, Installments: n, Card: testCard(t, goodPAN)})
		want(t, name, r, gateway.Rejected, gateway.ReasonInstallments)
	}
}
