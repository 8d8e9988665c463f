package payflex_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kasapos/kasa/internal/banksim"
	payflexsim "github.com/kasapos/kasa/internal/banksim/payflex"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/gatewaytest"
	"github.com/kasapos/kasa/internal/gateway/payflex"
	"github.com/kasapos/kasa/internal/money"
)

// Adapter tests run against the PayFlex simulator over real loopback HTTP.

const (
	merchantID = "000000000111111"
	goodPAN    = "4938410157705591" // the public VakıfBank test card
)

var sandboxCreds = map[string]string{
	payflex.CredMerchantID: merchantID,
	payflex.CredPassword:   "3XTgER89as",
	payflex.CredTerminalNo: "VP000095",
}

var (
	want       = gatewaytest.Want
	status     = gatewaytest.Status
	wantStatus = gatewaytest.WantStatus
	newOrder   = gatewaytest.NewOrder
)

type env struct {
	t   *testing.T
	sim *payflexsim.Server
	g   *payflex.Gateway
}

func newEnv(t *testing.T) *env {
	t.Helper()
	sim := payflexsim.New(payflexsim.Config{})
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return &env{t: t, sim: sim, g: newGateway(t, sim, sandboxCreds)}
}

func newGateway(t *testing.T, sim *payflexsim.Server, creds map[string]string) *payflex.Gateway {
	t.Helper()
	client := gateway.NewHTTPClient()
	t.Cleanup(client.CloseIdleConnections)
	g, err := payflex.New(gateway.Config{Credentials: creds, HTTPClient: client,
		Endpoints: gateway.Endpoints{API: sim.APIURL(), ThreeDGate: sim.EnrollmentURL()}})
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
	exp, _ := card.NewExpiry(12, 2029)
	cvv, _ := card.ParseCVV("453")
	return card.Card{PAN: p, Expiry: exp, CVV: cvv, Holder: "Ada Lovelace"}
}

func (e *env) sale(o gateway.Order) *gateway.Result {
	e.t.Helper()
	return e.g.Authorize(e.t.Context(), &gateway.AuthorizeRequest{Order: o, Capture: true, Card: testCard(e.t, goodPAN)})
}

func (e *env) bench() gatewaytest.Bench {
	return gatewaytest.Bench{G: e.g, Sim: e.sim.Core, Merchant: merchantID, GoodPAN: goodPAN, Card: testCard}
}

func TestRegistered(t *testing.T) {
	d, err := gateway.Lookup(payflex.Name)
	if err != nil {
		t.Fatal(err)
	}
	if d.MaxOrderID != 24 || len(d.ThreeDModels) != 1 || d.ThreeDModels[0] != gateway.Model3D || d.ThreeDOnly {
		t.Errorf("descriptor %+v", d)
	}
	for _, f := range d.Credentials {
		if f.Secret != (f.Key == payflex.CredPassword) {
			t.Errorf("%s secret=%v", f.Key, f.Secret)
		}
	}
	if _, ok := d.Preset("vakifbank-test"); !ok {
		t.Error("vakifbank-test preset missing")
	}
	if _, err := d.New(gateway.Config{Credentials: sandboxCreds, Endpoints: gateway.Endpoints{API: "https://example.com/api"}}); err == nil {
		t.Error("an API endpoint without a Search sibling was accepted")
	}
}

func TestSaleApproved(t *testing.T) {
	e := newEnv(t)
	o := newOrder(12550, money.TRY)
	r := e.sale(o)
	want(t, "sale", r, gateway.Approved, gateway.ReasonNone)
	if r.BankCode != "0000" || r.AuthCode == "" || r.HostRef == "" || r.TransID == "" {
		t.Errorf("result %+v", r)
	}
	got, _ := e.sim.Book().Get(merchantID, o.OrderID)
	if got.Captured != 12550 || got.ClientIP != o.ClientIP {
		t.Errorf("bank book %+v", got)
	}
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateCaptured, 12550, 12550, 0)
}

func TestDeclineTriggers(t *testing.T) {
	gatewaytest.DeclineTriggers(t, newEnv(t).bench(), "00", gateway.StateDeclined)
}

func TestExpiredCardDeclined(t *testing.T) {
	e := newEnv(t)
	c := testCard(t, goodPAN)
	c.Expiry, _ = card.NewExpiry(1, 2020)
	r := e.g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: newOrder(100, money.TRY), Capture: true, Card: c})
	want(t, "expired", r, gateway.Declined, gateway.ReasonExpiredCard)
	if r.BankCode != "0054" || r.AuthCode != "" {
		t.Errorf("result %+v", r)
	}
}

func TestRejected(t *testing.T) {
	e := newEnv(t)
	auth := func(o gateway.Order, n int) *gateway.Result {
		return e.g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: o, Capture: true, Installments: n, Card: testCard(t, goodPAN)})
	}
	r := auth(newOrder(10000, money.USD), 3)
	want(t, "USD installments", r, gateway.Rejected, gateway.ReasonInstallments)
	if r.BankErrorCode != "1019" {
		t.Errorf("error code %q", r.BankErrorCode)
	}
	want(t, "13 installments", auth(newOrder(10000, money.TRY), 13), gateway.Rejected, gateway.ReasonInstallments)

	bad := map[string]string{}
	for k, v := range sandboxCreds {
		bad[k] = v
	}
	bad[payflex.CredPassword] = "wrong"
	r = newGateway(t, e.sim, bad).Authorize(t.Context(), &gateway.AuthorizeRequest{Order: newOrder(100, money.TRY), Capture: true, Card: testCard(t, goodPAN)})
	want(t, "wrong password", r, gateway.Rejected, gateway.ReasonInvalidTxn)
	if r.BankErrorCode != "9039" {
		t.Errorf("error code %q", r.BankErrorCode)
	}
	if s := newGateway(t, e.sim, bad).Status(t.Context(), "X1"); s.Outcome != gateway.Rejected || s.BankErrorCode != "9065" {
		t.Errorf("status with a wrong password: %+v", s.Result)
	}

	// Refused locally, before any request.
	want(t, "zero amount", auth(newOrder(0, money.TRY), 0), gateway.Rejected, gateway.ReasonInvalidTxn)
	want(t, "JPY", auth(newOrder(100, money.JPY), 0), gateway.Rejected, gateway.ReasonInvalidTxn)
	want(t, "100 installments", auth(newOrder(100, money.TRY), 100), gateway.Rejected, gateway.ReasonInstallments)
	for _, bad := range []string{strings.Repeat("A", 25), "ORDER 1", ""} {
		o := newOrder(100, money.TRY)
		o.OrderID = bad
		want(t, bad, auth(o, 0), gateway.Rejected, gateway.ReasonInvalidTxn)
	}
	if n := len(e.sim.Book().All()); n != 0 {
		t.Errorf("%d orders reached the bank", n)
	}
}

func TestDuplicateOrderID(t *testing.T) {
	e := newEnv(t)
	o := newOrder(2500, money.TRY)
	want(t, "first", e.sale(o), gateway.Approved, gateway.ReasonNone)
	r := e.sale(o)
	want(t, "second", r, gateway.Rejected, gateway.ReasonDuplicateOrder)
	if r.BankErrorCode != "1041" || e.sim.Book().ApprovedAuths(o.OrderID) != 1 {
		t.Errorf("duplicate reply %+v, approved %d", r, e.sim.Book().ApprovedAuths(o.OrderID))
	}
	// After a decline the same order id may be retried.
	o2 := gatewaytest.TriggerOrder("51")
	want(t, "declined", e.sale(o2), gateway.Declined, gateway.ReasonInsufficientFunds)
	o2.Amount = money.New(1000, money.TRY)
	want(t, "retry", e.sale(o2), gateway.Approved, gateway.ReasonNone)
	if n := e.sim.Book().AuthAttempts(o2.OrderID); n != 2 {
		t.Errorf("attempts %d, want 2", n)
	}
}

func TestPreAuthAndPartialCapture(t *testing.T) {
	gatewaytest.PreAuthPartialCapture(t, newEnv(t).bench())
}

func TestVoid(t *testing.T) {
	gatewaytest.VoidRules(t, newEnv(t).bench(), "1084")
}

func TestRefunds(t *testing.T) {
	gatewaytest.RefundRules(t, newEnv(t).bench(), "1059")
}

func TestStatusNotFound(t *testing.T) {
	e := newEnv(t)
	s := status(t, e.g, "NOSUCHORDER")
	if s.State != gateway.StateNotFound {
		t.Errorf("state %s", s.State)
	}
	if s := e.g.Status(t.Context(), "BAD ID"); s.Outcome != gateway.Rejected {
		t.Errorf("bad id: %s", s.Outcome)
	}
}

// The bank commits the sale, the reply is lost: Unknown, then the status
// query settles it.
func TestLostResponseThenStatus(t *testing.T) {
	gatewaytest.LostReplyThenStatus(t, newEnv(t).bench(), payflexsim.OpSale, payflexsim.OpRefund)
}

func TestUnknownOnFaults(t *testing.T) {
	e := newEnv(t)
	gatewaytest.FaultsLeaveUnknown(t, e.bench(), payflexsim.OpSale)
	e.sim.Faults().Next(payflexsim.OpSearch, banksim.Malformed, 1)
	if s := e.g.Status(t.Context(), "X1"); s.Outcome != gateway.Unknown {
		t.Errorf("status on malformed: %s", s.Outcome)
	}
	// The order lookup before a refund fails: the refund was never sent.
	o := newOrder(500, money.TRY)
	want(t, "sale", e.sale(o), gateway.Approved, gateway.ReasonNone)
	e.sim.Faults().Next(payflexsim.OpSearch, banksim.HTTP500, 1)
	ref := gateway.RefundRequest{Order: o}
	ref.Amount = money.New(100, money.TRY)
	want(t, "refund lookup failed", e.g.Refund(t.Context(), &ref), gateway.NotSent, gateway.ReasonSystemError)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateCaptured, 500, 500, 0)
}

func TestNotSentWhenNothingListens(t *testing.T) {
	g, err := payflex.New(gateway.Config{Credentials: sandboxCreds,
		Endpoints: gateway.Endpoints{API: gatewaytest.DeadURL(t, "/VposService/v3/Vposreq.aspx")}})
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
	gatewaytest.Currencies(t, newEnv(t).bench(), 123456)
}

func TestInstallments(t *testing.T) {
	e := newEnv(t)
	gatewaytest.Installments(t, e.bench())
	e.sim.AddMerchant(payflexsim.Merchant{MerchantID: "000000000222222", Password: "p", TerminalNo: "VP000001", MaxInstallments: 6})
	g := newGateway(t, e.sim, map[string]string{payflex.CredMerchantID: "000000000222222", payflex.CredPassword: "p", payflex.CredTerminalNo: "VP000001"})
	r := g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: newOrder(100, money.TRY), Capture: true, Installments: 9, Card: testCard(t, goodPAN)})
	want(t, "beyond plan", r, gateway.Rejected, gateway.ReasonInstallments)
}

// Concurrent retries of one order id charge at most once.
func TestConcurrentSameOrderChargesOnce(t *testing.T) {
	gatewaytest.ChargesOnce(t, newEnv(t).bench())
}
