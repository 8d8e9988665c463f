package posnet_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kasapos/kasa/internal/banksim"
	posnetsim "github.com/kasapos/kasa/internal/banksim/posnet"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/gatewaytest"
	"github.com/kasapos/kasa/internal/gateway/posnet"
	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/money"
)

// Adapter tests run against the PosNet simulator over real loopback HTTP.

const (
	mid     = "6706598320"
	goodPAN = "4048095010857528" // the public YKB test card
)

var sandboxCreds = map[string]string{
	posnet.CredMerchantID: mid,
	posnet.CredTerminalID: "67005551",
	posnet.CredPosnetID:   "27426",
	posnet.CredEncKey:     "10,10,10,10,10,10,10,10",
}

type env struct {
	t   *testing.T
	sim *posnetsim.Server
	g   *posnet.Gateway
}

func newEnv(t *testing.T, cfg posnetsim.Config) *env {
	t.Helper()
	sim := posnetsim.New(cfg)
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return &env{t: t, sim: sim, g: newGateway(t, sim, sandboxCreds)}
}

func newGateway(t *testing.T, sim *posnetsim.Server, creds map[string]string) *posnet.Gateway {
	t.Helper()
	client := gateway.NewHTTPClient()
	t.Cleanup(client.CloseIdleConnections)
	g, err := posnet.New(gateway.Config{Credentials: creds, HTTPClient: client,
		Endpoints: gateway.Endpoints{API: sim.APIURL(), ThreeDGate: sim.ThreeDGateURL()}})
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
	exp, _ := card.NewExpiry(5, 2028)
	cvv, _ := card.ParseCVV("454")
	return card.Card{PAN: p, Expiry: exp, CVV: cvv, Holder: "Ada Lovelace"}
}

func (e *env) sale(o gateway.Order) *gateway.Result {
	e.t.Helper()
	return e.g.Authorize(e.t.Context(), &gateway.AuthorizeRequest{Order: o, Capture: true, Card: testCard(e.t, goodPAN)})
}

// bench is the env for the scenarios gatewaytest shares between adapters.
func (e *env) bench() gatewaytest.Bench {
	return gatewaytest.Bench{G: e.g, Sim: e.sim.Core, Merchant: mid, GoodPAN: goodPAN, Card: testCard}
}

var (
	want       = gatewaytest.Want
	status     = gatewaytest.Status
	wantStatus = gatewaytest.WantStatus
	newOrder   = gatewaytest.NewOrder
)

func TestRegistered(t *testing.T) {
	d, err := gateway.Lookup("posnet")
	if err != nil {
		t.Fatal(err)
	}
	if d.MaxOrderID != 20 || len(d.Currencies) != 4 || len(d.ThreeDModels) != 1 || d.ThreeDModels[0] != gateway.Model3D {
		t.Errorf("descriptor: %+v", d)
	}
	if err := d.Validate(map[string]string{"merchant_id": mid, "terminal_id": "67005551"}); err != nil {
		t.Errorf("3D credentials must be optional: %v", err)
	}
	if err := d.Validate(map[string]string{"merchant_id": mid}); err == nil {
		t.Error("missing terminal_id accepted")
	}
	for _, f := range d.Credentials {
		if f.Secret != (f.Key == posnet.CredEncKey) {
			t.Errorf("credential %s secret=%v", f.Key, f.Secret)
		}
	}
	for name, host := range map[string]string{"yapikredi-test": "https://setmpos.ykb.com/", "yapikredi-production": "https://posnet.yapikredi.com.tr/"} {
		p, ok := d.Preset(name)
		if !ok || p.Endpoints.API != host+"PosnetWebService/XML" || p.Endpoints.ThreeDGate != host+"3DSWebService/YKBPaymentService" {
			t.Errorf("preset %s: %+v", name, p)
		}
	}
	g, err := d.New(gateway.Config{Credentials: sandboxCreds, Endpoints: gateway.Endpoints{API: "https://example.invalid/PosnetWebService/XML"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range []gateway.Operation{gateway.OpAuthorize, gateway.OpCapture, gateway.OpVoid, gateway.OpRefund, gateway.OpStatus, gateway.Op3D} {
		if !gateway.Supports(g, op) {
			t.Errorf("does not support %s", op)
		}
	}
	if gateway.Supports(g, gateway.OpHistory) {
		t.Error("PosNet has no order history")
	}
	if g, err := d.New(gateway.Config{Credentials: sandboxCreds}); err == nil || g != nil {
		t.Errorf("no endpoint: got %v, %v", g, err)
	}
}

func TestAuthorizeApproved(t *testing.T) {
	e := newEnv(t, posnetsim.Config{})
	o := newOrder(12550, money.TRY)
	r := e.sale(o)
	want(t, "sale", r, gateway.Approved, gateway.ReasonNone)
	if r.BankCode != "1" || len(r.AuthCode) != 6 || len(r.HostRef) != 18 {
		t.Errorf("result fields: %+v", r)
	}
	got, ok := e.sim.Book().Get(mid, o.OrderID)
	if !ok || got.State != banksim.OrderCaptured || got.Captured != 12550 || got.Currency != "TRY" || got.AuthAttempts != 1 {
		t.Errorf("bank book: %+v", got)
	}
	if got.Card != "404809******7528" {
		t.Errorf("bank stored card %q", got.Card)
	}
	s := status(t, e.g, o.OrderID)
	wantStatus(t, s, gateway.StateCaptured, 12550, 12550, 0)
	if s.AuthCode != r.AuthCode || s.HostRef != r.HostRef {
		t.Errorf("status refs %q %q, sale gave %q %q", s.AuthCode, s.HostRef, r.AuthCode, r.HostRef)
	}
}

func TestShortOrderIDIsPadded(t *testing.T) {
	e := newEnv(t, posnetsim.Config{})
	o := newOrder(100, money.TRY)
	o.OrderID = "K895"
	want(t, "sale", e.sale(o), gateway.Approved, gateway.ReasonNone)
	if _, ok := e.sim.Book().Get(mid, "0000000000000000K895"); !ok {
		t.Error("bank did not get the zero-padded order id")
	}
	wantStatus(t, status(t, e.g, "K895"), gateway.StateCaptured, 100, 100, 0)
}

func TestDeclineTriggers(t *testing.T) {
	gatewaytest.DeclineTriggers(t, newEnv(t, posnetsim.Config{}).bench(), "00", gateway.StateNotFound)
}

func TestExpiredCardDeclined(t *testing.T) {
	e := newEnv(t, posnetsim.Config{})
	c := testCard(t, goodPAN)
	c.Expiry, _ = card.NewExpiry(1, 2020)
	r := e.g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: newOrder(100, money.TRY), Capture: true, Card: c})
	want(t, "expired", r, gateway.Declined, gateway.ReasonExpiredCard)
	if r.BankCode != "0054" {
		t.Errorf("code %q", r.BankCode)
	}
}

func TestRejected(t *testing.T) {
	e := newEnv(t, posnetsim.Config{})
	auth := func(o gateway.Order, n int) *gateway.Result {
		return e.g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: o, Capture: true, Installments: n, Card: testCard(t, goodPAN)})
	}
	r := auth(newOrder(10000, money.USD), 3)
	want(t, "USD installments", r, gateway.Rejected, gateway.ReasonInstallments)
	if r.BankErrorCode != "0107" {
		t.Errorf("error code %q", r.BankErrorCode)
	}
	want(t, "13 installments", auth(newOrder(10000, money.TRY), 13), gateway.Rejected, gateway.ReasonInstallments)

	bad := map[string]string{}
	for k, v := range sandboxCreds {
		bad[k] = v
	}
	bad[posnet.CredTerminalID] = "67000000"
	r = newGateway(t, e.sim, bad).Authorize(t.Context(), &gateway.AuthorizeRequest{Order: newOrder(100, money.TRY), Capture: true, Card: testCard(t, goodPAN)})
	want(t, "wrong terminal", r, gateway.Rejected, gateway.ReasonInvalidTxn)
	if r.BankErrorCode != "0148" {
		t.Errorf("error code %q", r.BankErrorCode)
	}

	// Refused locally, before any request.
	want(t, "zero amount", auth(newOrder(0, money.TRY), 0), gateway.Rejected, gateway.ReasonInvalidTxn)
	want(t, "JPY", auth(newOrder(100, money.JPY), 0), gateway.Rejected, gateway.ReasonInvalidTxn)
	want(t, "100 installments", auth(newOrder(100, money.TRY), 100), gateway.Rejected, gateway.ReasonInstallments)
	for _, bad := range []string{strings.Repeat("A", 21), "ORDER-1"} {
		o := newOrder(100, money.TRY)
		o.OrderID = bad
		want(t, bad, auth(o, 0), gateway.Rejected, gateway.ReasonInvalidTxn)
	}
	if n := len(e.sim.Book().All()); n != 0 {
		t.Errorf("%d orders reached the bank", n)
	}
}

func TestDuplicateOrderID(t *testing.T) {
	e := newEnv(t, posnetsim.Config{})
	o := newOrder(2500, money.TRY)
	first := e.sale(o)
	want(t, "first", first, gateway.Approved, gateway.ReasonNone)
	r := e.sale(o)
	want(t, "second", r, gateway.Rejected, gateway.ReasonDuplicateOrder)
	if r.HostRef != first.HostRef || r.BankErrorCode != "0127" {
		t.Errorf("duplicate reply %+v", r)
	}
	if e.sim.Book().ApprovedAuths(o.OrderID) != 1 {
		t.Errorf("approved %d", e.sim.Book().ApprovedAuths(o.OrderID))
	}
	// After a decline the same order id may be retried.
	o2 := gateway.Order{OrderID: id.BankOrder(20), Amount: banksim.TriggerAmount("51", money.TRY)}
	want(t, "declined", e.sale(o2), gateway.Declined, gateway.ReasonInsufficientFunds)
	o2.Amount = money.New(1000, money.TRY)
	want(t, "retry", e.sale(o2), gateway.Approved, gateway.ReasonNone)
	if n := e.sim.Book().AuthAttempts(o2.OrderID); n != 2 {
		t.Errorf("attempts %d, want 2", n)
	}
}

func TestPreAuthAndPartialCapture(t *testing.T) {
	gatewaytest.PreAuthPartialCapture(t, newEnv(t, posnetsim.Config{}).bench())
}

func TestVoid(t *testing.T) {
	gatewaytest.VoidRules(t, newEnv(t, posnetsim.Config{}).bench(), "0110")
}

func TestRefunds(t *testing.T) {
	gatewaytest.RefundRules(t, newEnv(t, posnetsim.Config{}).bench(), "0109")
}

func TestStatusNotFound(t *testing.T) {
	e := newEnv(t, posnetsim.Config{})
	s := status(t, e.g, "NOSUCHORDER")
	if s.State != gateway.StateNotFound {
		t.Errorf("state %s", s.State)
	}
	if s := e.g.Status(t.Context(), "BAD-ID"); s.Outcome != gateway.Rejected {
		t.Errorf("bad id: %s", s.Outcome)
	}
}

// The bank commits the sale, the reply is lost: Unknown, then the status
// query settles it.
func TestLostResponseThenStatus(t *testing.T) {
	gatewaytest.LostReplyThenStatus(t, newEnv(t, posnetsim.Config{}).bench(), posnetsim.OpSale, posnetsim.OpReturn)
}

func TestUnknownOnFaults(t *testing.T) {
	e := newEnv(t, posnetsim.Config{})
	gatewaytest.FaultsLeaveUnknown(t, e.bench(), posnetsim.OpSale)
	e.sim.Faults().Next(posnetsim.OpAgreement, banksim.Malformed, 1)
	if s := e.g.Status(t.Context(), "X1"); s.Outcome != gateway.Unknown {
		t.Errorf("status on malformed: %s", s.Outcome)
	}
	// The order lookup before a refund fails: the refund was never sent.
	o := newOrder(500, money.TRY)
	want(t, "sale", e.sale(o), gateway.Approved, gateway.ReasonNone)
	e.sim.Faults().Next(posnetsim.OpAgreement, banksim.HTTP500, 1)
	ref := gateway.RefundRequest{Order: o}
	ref.Amount = money.New(100, money.TRY)
	want(t, "refund lookup failed", e.g.Refund(t.Context(), &ref), gateway.NotSent, gateway.ReasonSystemError)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateCaptured, 500, 500, 0)
}

func TestNotSentWhenNothingListens(t *testing.T) {
	g, err := posnet.New(gateway.Config{Credentials: sandboxCreds, Endpoints: gateway.Endpoints{API: gatewaytest.DeadURL(t, "/PosnetWebService/XML")}})
	if err != nil {
		t.Fatal(err)
	}
	r := g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: newOrder(100, money.TRY), Capture: true, Card: testCard(t, goodPAN)})
	want(t, "dial refused", r, gateway.NotSent, gateway.ReasonSystemError)
	var te *gateway.TransportError
	if !errors.As(r.Err, &te) {
		t.Errorf("err %T", r.Err)
	}
	if s := g.Status(t.Context(), "X"); s.Outcome != gateway.NotSent {
		t.Errorf("status: %s", s.Outcome)
	}
	if r := g.Void(t.Context(), &gateway.VoidRequest{Order: newOrder(100, money.TRY)}); r.Outcome != gateway.NotSent {
		t.Errorf("void: %s", r.Outcome)
	}
}

func TestCurrencies(t *testing.T) {
	gatewaytest.Currencies(t, newEnv(t, posnetsim.Config{}).bench(), 123456)
}

func TestInstallments(t *testing.T) {
	e := newEnv(t, posnetsim.Config{})
	gatewaytest.Installments(t, e.bench())
	e.sim.AddMerchant(posnetsim.Merchant{MID: "6700000001", TID: "67000001", MaxInstallments: 6})
	g := newGateway(t, e.sim, map[string]string{posnet.CredMerchantID: "6700000001", posnet.CredTerminalID: "67000001"})
	r := g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: newOrder(100, money.TRY), Capture: true, Installments: 9, Card: testCard(t, goodPAN)})
	want(t, "beyond plan", r, gateway.Rejected, gateway.ReasonInstallments)
}

// Concurrent retries of one order id charge at most once.
func TestConcurrentSameOrderChargesOnce(t *testing.T) {
	gatewaytest.ChargesOnce(t, newEnv(t, posnetsim.Config{}).bench())
}
