package garanti_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	garantisim "github.com/kasapos/kasa/internal/banksim/garanti"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/garanti"
	"github.com/kasapos/kasa/internal/gateway/gatewaytest"
	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/money"
)

// Adapter tests run against the Garanti simulator over real loopback HTTP.

var sandboxCreds = map[string]string{
	garanti.CredMerchantID:  "7000679",
	garanti.CredTerminalID:  "30691298",
	garanti.CredProvAutPass: "123qweASD/",
	garanti.CredProvRfnPass: "123qweASD/",
	garanti.CredProvOOSPass: "123qweASD/",
	garanti.CredStoreKey:    "12345678",
	garanti.CredMode:        "TEST",
}

const terminal = "30691298"

type env struct {
	t   *testing.T
	sim *garantisim.Server
	g   *garanti.Gateway
}

func newEnv(t *testing.T, cfg garantisim.Config) *env {
	t.Helper()
	sim := garantisim.New(cfg)
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return &env{t: t, sim: sim, g: newGateway(t, sim, sandboxCreds)}
}

func newGateway(t *testing.T, sim *garantisim.Server, creds map[string]string) *garanti.Gateway {
	t.Helper()
	client := gateway.NewHTTPClient()
	t.Cleanup(client.CloseIdleConnections)
	g, err := garanti.New(gateway.Config{Credentials: creds, Endpoints: gateway.Endpoints{API: sim.APIURL(), ThreeDGate: sim.GateURL()}, HTTPClient: client})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func with(creds map[string]string, k, v string) map[string]string {
	out := map[string]string{}
	for a, b := range creds {
		out[a] = b
	}
	out[k] = v
	return out
}

const goodPAN = "4282209004348015"

func testCard(t testing.TB, pan string) card.Card {
	t.Helper()
	p, err := card.ParsePAN(pan)
	if err != nil {
		t.Fatal(err)
	}
	exp, _ := card.NewExpiry(8, 2030)
	cvv, _ := card.ParseCVV("123")
	return card.Card{PAN: p, Expiry: exp, CVV: cvv}
}

func (e *env) auth(o gateway.Order, capture bool, inst int) *gateway.Result {
	e.t.Helper()
	return e.g.Authorize(e.t.Context(), &gateway.AuthorizeRequest{Order: o, Capture: capture, Installments: inst, Card: testCard(e.t, goodPAN)})
}

// bench is the env for the scenarios gatewaytest shares between adapters.
func (e *env) bench() gatewaytest.Bench {
	return gatewaytest.Bench{G: e.g, Sim: e.sim.Core, Merchant: terminal, GoodPAN: goodPAN, Card: testCard}
}

var (
	want       = gatewaytest.Want
	status     = gatewaytest.Status
	wantStatus = gatewaytest.WantStatus
	newOrder   = gatewaytest.NewOrder
)

func TestRegistered(t *testing.T) {
	d, err := gateway.Lookup("garanti")
	if err != nil {
		t.Fatal(err)
	}
	if d.MaxOrderID != 36 || len(d.Currencies) != 4 || len(d.ThreeDModels) != 3 {
		t.Errorf("descriptor: %+v", d)
	}
	secret := map[string]bool{}
	for _, f := range d.Credentials {
		secret[f.Key] = f.Secret
	}
	for _, k := range []string{"provaut_password", "provrfn_password", "provoos_password", "store_key"} {
		if !secret[k] {
			t.Errorf("%s must be secret", k)
		}
	}
	base := map[string]string{"merchant_id": "1", "terminal_id": "2", "provaut_password": "a", "provrfn_password": "r"}
	if err := d.Validate(base); err != nil {
		t.Errorf("store key and PROVOOS must be optional: %v", err)
	}
	delete(base, "provrfn_password")
	if err := d.Validate(base); err == nil {
		t.Error("missing PROVRFN password accepted")
	}
	for name, ep := range map[string]gateway.Endpoints{
		"garanti-test":       {API: "https://sanalposprovtest.garantibbva.com.tr/VPServlet", ThreeDGate: "https://sanalposprovtest.garantibbva.com.tr/servlet/gt3dengine"},
		"garanti-production": {API: "https://sanalposprov.garanti.com.tr/VPServlet", ThreeDGate: "https://sanalposprov.garanti.com.tr/servlet/gt3dengine"},
	} {
		if p, ok := d.Preset(name); !ok || p.Endpoints != ep {
			t.Errorf("preset %s: %+v", name, p)
		}
	}
	g, err := d.New(gateway.Config{Credentials: sandboxCreds, Endpoints: gateway.Endpoints{API: "https://example.invalid/VPServlet"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range []gateway.Operation{gateway.OpAuthorize, gateway.OpCapture, gateway.OpVoid, gateway.OpRefund, gateway.OpStatus, gateway.OpHistory, gateway.Op3D} {
		if !gateway.Supports(g, op) {
			t.Errorf("does not support %s", op)
		}
	}
	if g, err := d.New(gateway.Config{Credentials: sandboxCreds}); err == nil || g != nil {
		t.Errorf("no endpoint: got %v, %v", g, err)
	}
	if _, err := d.New(gateway.Config{Credentials: with(sandboxCreds, "mode", "LIVE"), Endpoints: gateway.Endpoints{API: "https://x/VPServlet"}}); err == nil {
		t.Error("mode LIVE accepted")
	}
}

func TestAuthorizeApproved(t *testing.T) {
	e := newEnv(t, garantisim.Config{})
	o := newOrder(12550, money.TRY)
	r := e.auth(o, true, 0)
	want(t, "sale", r, gateway.Approved, gateway.ReasonNone)
	if r.BankCode != "00" || len(r.AuthCode) != 6 || len(r.HostRef) != 12 {
		t.Errorf("result fields: %+v", r)
	}
	got, ok := e.sim.Book().Get(terminal, o.OrderID)
	if !ok || got.State != banksim.OrderCaptured || got.Captured != 12550 || got.Currency != "TRY" || got.AuthAttempts != 1 {
		t.Errorf("bank book: %+v", got)
	}
	if got.Card != "428220******8015" {
		t.Errorf("bank stored card %q", got.Card)
	}
}

func TestCurrencies(t *testing.T) {
	e := newEnv(t, garantisim.Config{})
	for _, c := range []money.Currency{money.TRY, money.USD, money.EUR, money.GBP} {
		o := newOrder(101, c)
		want(t, c.Code, e.auth(o, true, 0), gateway.Approved, gateway.ReasonNone)
		if got, _ := e.sim.Book().Get(terminal, o.OrderID); got.Currency != c.Code || got.Captured != 101 {
			t.Errorf("%s: bank book %+v", c.Code, got)
		}
	}
	want(t, "JPY", e.auth(newOrder(100, money.JPY), true, 0), gateway.Rejected, gateway.ReasonInvalidTxn)
}

func TestInstallments(t *testing.T) {
	e := newEnv(t, garantisim.Config{})
	o := newOrder(60000, money.TRY)
	want(t, "6 installments", e.auth(o, true, 6), gateway.Approved, gateway.ReasonNone)
	if got, _ := e.sim.Book().Get(terminal, o.OrderID); got.Installments != 6 {
		t.Errorf("installments at the bank: %d", got.Installments)
	}
	o = newOrder(100, money.TRY)
	want(t, "single as 1", e.auth(o, true, 1), gateway.Approved, gateway.ReasonNone)
	if got, _ := e.sim.Book().Get(terminal, o.OrderID); got.Installments != 1 {
		t.Errorf("single payment booked with %d installments", got.Installments)
	}
	r := e.auth(newOrder(60000, money.USD), true, 3)
	want(t, "USD installments", r, gateway.Rejected, gateway.ReasonInstallments)
	if r.BankCode != "92" || r.BankErrorCode != garanti.ReasonCodeInstallments {
		t.Errorf("codes %q %q", r.BankCode, r.BankErrorCode)
	}
	want(t, "13 installments", e.auth(newOrder(60000, money.TRY), true, 13), gateway.Rejected, gateway.ReasonInstallments)
}

func TestDeclineTriggers(t *testing.T) {
	gatewaytest.DeclineTriggers(t, newEnv(t, garantisim.Config{}).bench(), "", "")
}

func TestRejected(t *testing.T) {
	e := newEnv(t, garantisim.Config{})
	for name, creds := range map[string]map[string]string{
		"PROVAUT password": with(sandboxCreds, garanti.CredProvAutPass, "wrong"),
		"terminal":         with(sandboxCreds, garanti.CredTerminalID, "30691299"),
		"merchant":         with(sandboxCreds, garanti.CredMerchantID, "7000670"),
	} {
		g := newGateway(t, e.sim, creds)
		r := g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: newOrder(100, money.TRY), Capture: true, Card: testCard(t, goodPAN)})
		want(t, name, r, gateway.Rejected, gateway.ReasonInvalidTxn)
		if r.BankCode != "92" || r.BankErrorCode == "" {
			t.Errorf("%s: codes %q %q", name, r.BankCode, r.BankErrorCode)
		}
	}
	// Refused locally, before any request.
	want(t, "zero amount", e.auth(newOrder(0, money.TRY), true, 0), gateway.Rejected, gateway.ReasonInvalidTxn)
	long := newOrder(100, money.TRY)
	long.OrderID = strings.Repeat("A", 37)
	want(t, "long order id", e.auth(long, true, 0), gateway.Rejected, gateway.ReasonInvalidTxn)
	bad := newOrder(100, money.TRY)
	bad.OrderID = "ORDER/1"
	want(t, "order id charset", e.auth(bad, true, 0), gateway.Rejected, gateway.ReasonInvalidTxn)
	if n := len(e.sim.Book().All()); n != 0 {
		t.Errorf("%d orders reached the bank", n)
	}
}

func TestDuplicateOrderID(t *testing.T) {
	e := newEnv(t, garantisim.Config{})
	o := newOrder(2500, money.TRY)
	want(t, "first", e.auth(o, true, 0), gateway.Approved, gateway.ReasonNone)
	want(t, "second", e.auth(o, true, 0), gateway.Rejected, gateway.ReasonDuplicateOrder)
	if e.sim.Book().ApprovedAuths(o.OrderID) != 1 {
		t.Errorf("approved auths %d", e.sim.Book().ApprovedAuths(o.OrderID))
	}
	// After a decline the same order id may be retried (Kasa reuses it).
	o2 := gateway.Order{OrderID: id.BankOrder(20), Amount: banksim.TriggerAmount("51", money.TRY)}
	want(t, "declined", e.auth(o2, true, 0), gateway.Declined, gateway.ReasonInsufficientFunds)
	o2.Amount = money.New(1000, money.TRY)
	want(t, "retry", e.auth(o2, true, 0), gateway.Approved, gateway.ReasonNone)
}

func TestPreAuthPartialCapture(t *testing.T) {
	e := newEnv(t, garantisim.Config{})
	o := newOrder(10000, money.TRY)
	want(t, "preauth", e.auth(o, false, 0), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateAuthorized, 10000, 0, 0)

	over := o
	over.Amount = money.New(10001, money.TRY)
	want(t, "capture above pre-auth", e.g.Capture(t.Context(), &gateway.CaptureRequest{Order: over}), gateway.Rejected, gateway.ReasonInvalidTxn)

	part := o
	part.Amount = money.New(7500, money.TRY)
	want(t, "partial capture", e.g.Capture(t.Context(), &gateway.CaptureRequest{Order: part}), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateCaptured, 10000, 7500, 0)
	want(t, "second capture", e.g.Capture(t.Context(), &gateway.CaptureRequest{Order: part}), gateway.Rejected, gateway.ReasonInvalidTxn)
}

func TestVoid(t *testing.T) {
	e := newEnv(t, garantisim.Config{})
	o := newOrder(4200, money.TRY)
	want(t, "sale", e.auth(o, true, 0), gateway.Approved, gateway.ReasonNone)
	want(t, "void", e.g.Void(t.Context(), &gateway.VoidRequest{Order: o}), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateVoided, 4200, 4200, 0)
	if tot := e.sim.Book().ApprovedTotal()["TRY"]; tot != 0 {
		t.Errorf("approved total after void %d", tot)
	}
	want(t, "second void", e.g.Void(t.Context(), &gateway.VoidRequest{Order: o}), gateway.Rejected, gateway.ReasonInvalidTxn)

	// Voiding a pre-auth, with only the order id known.
	p := newOrder(900, money.TRY)
	want(t, "preauth", e.auth(p, false, 0), gateway.Approved, gateway.ReasonNone)
	want(t, "void preauth", e.g.Void(t.Context(), &gateway.VoidRequest{Order: gateway.Order{OrderID: p.OrderID}}), gateway.Approved, gateway.ReasonNone)

	// After the end of day only a refund is possible.
	s := newOrder(500, money.TRY)
	want(t, "sale", e.auth(s, true, 0), gateway.Approved, gateway.ReasonNone)
	e.sim.CloseBatch()
	want(t, "void after batch", e.g.Void(t.Context(), &gateway.VoidRequest{Order: s}), gateway.Rejected, gateway.ReasonInvalidTxn)

	// Void needs the PROVRFN password: PROVAUT's is refused.
	g := newGateway(t, e.sim, with(sandboxCreds, garanti.CredProvRfnPass, "wrong"))
	v := newOrder(700, money.TRY)
	want(t, "sale", e.auth(v, true, 0), gateway.Approved, gateway.ReasonNone)
	want(t, "void wrong PROVRFN", g.Void(t.Context(), &gateway.VoidRequest{Order: v}), gateway.Rejected, gateway.ReasonInvalidTxn)
}

func TestRefunds(t *testing.T) {
	e := newEnv(t, garantisim.Config{})
	o := newOrder(10000, money.TRY)
	want(t, "sale", e.auth(o, true, 0), gateway.Approved, gateway.ReasonNone)
	refund := func(minor int64, full bool) *gateway.Result {
		r := o
		r.Amount = money.New(minor, money.TRY)
		return e.g.Refund(t.Context(), &gateway.RefundRequest{Order: r, Full: full})
	}
	want(t, "partial", refund(2500, false), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateRefunded, 10000, 10000, 2500)
	r := refund(7501, false)
	want(t, "above captured", r, gateway.Rejected, gateway.ReasonInvalidTxn)
	if r.BankCode != "92" {
		t.Errorf("code %q", r.BankCode)
	}
	want(t, "rest (full)", refund(7500, true), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateRefunded, 10000, 10000, 10000)
	want(t, "nothing left", refund(1, false), gateway.Rejected, gateway.ReasonInvalidTxn)
	if tot := e.sim.Book().ApprovedTotal()["TRY"]; tot != 0 {
		t.Errorf("approved total %d", tot)
	}
	want(t, "void after refund", e.g.Void(t.Context(), &gateway.VoidRequest{Order: o}), gateway.Rejected, gateway.ReasonInvalidTxn)

	h, res := e.g.OrderHistory(t.Context(), o.OrderID)
	want(t, "history", res, gateway.Approved, gateway.ReasonNone)
	var types []string
	var refunded int64
	for _, x := range h {
		types = append(types, x.Type+"/"+x.Status)
		if x.Type == "refund" && x.Status == "00" {
			refunded += x.Amount
		}
	}
	if got := strings.Join(types, ","); got != "sales/00,refund/00,refund/01,refund/00,refund/01" || refunded != 10000 {
		t.Errorf("history %s, refunded %d", got, refunded)
	}
	if h[0].Amount != 10000 || h[0].AuthCode == "" || h[0].HostRef == "" || h[0].Time.IsZero() {
		t.Errorf("sale entry %+v", h[0])
	}
}

func TestRefundPreAuthRefused(t *testing.T) {
	e := newEnv(t, garantisim.Config{})
	o := newOrder(1000, money.TRY)
	want(t, "preauth", e.auth(o, false, 0), gateway.Approved, gateway.ReasonNone)
	r := e.g.Refund(t.Context(), &gateway.RefundRequest{Order: o})
	want(t, "refund of open pre-auth", r, gateway.Rejected, gateway.ReasonInvalidTxn)
	if r.BankErrorCode != garanti.ReasonCodeRefundInvalid {
		t.Errorf("reason code %q", r.BankErrorCode)
	}
}

func TestStatusNotFound(t *testing.T) {
	e := newEnv(t, garantisim.Config{})
	s := status(t, e.g, "KNOTKNOWN1")
	if s.State != gateway.StateNotFound {
		t.Errorf("state %s", s.State)
	}
	h, res := e.g.OrderHistory(t.Context(), "KNOTKNOWN1")
	want(t, "history", res, gateway.Approved, gateway.ReasonNone)
	if len(h) != 0 {
		t.Errorf("history %+v", h)
	}
	o := gateway.Order{OrderID: id.BankOrder(20), Amount: banksim.TriggerAmount("05", money.TRY)}
	want(t, "declined", e.auth(o, true, 0), gateway.Declined, gateway.ReasonDoNotHonour)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateDeclined, 0, 0, 0)
}

// A reply lost after the bank committed is Unknown; the status query then
// tells the truth, and the retry with the same order id cannot double charge.
func TestLostReplyThenStatus(t *testing.T) {
	e := newEnv(t, garantisim.Config{})
	o := newOrder(3300, money.TRY)
	e.sim.Faults().Next(e.sim.FaultOp(gateway.OpAuthorize, true), banksim.TimeoutAfter, 1)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	r := e.g.Authorize(ctx, &gateway.AuthorizeRequest{Order: o, Capture: true, Card: testCard(t, goodPAN)})
	want(t, "lost reply", r, gateway.Unknown, gateway.ReasonSystemError)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateCaptured, 3300, 3300, 0)
	want(t, "retry", e.auth(o, true, 0), gateway.Rejected, gateway.ReasonDuplicateOrder)
	if n := e.sim.Book().ApprovedAuths(o.OrderID); n != 1 {
		t.Errorf("approved auths %d", n)
	}
}

func TestGarbledReplies(t *testing.T) {
	e := newEnv(t, garantisim.Config{})
	for _, f := range []banksim.Fault{banksim.Malformed, banksim.Truncated, banksim.HTTP500After} {
		e.sim.Faults().Next(garantisim.OpSales, f, 1)
		r := e.auth(newOrder(100, money.TRY), true, 0)
		want(t, string(f.Kind), r, gateway.Unknown, gateway.ReasonSystemError)
	}
	e.sim.Faults().Next(garantisim.OpOrderInq, banksim.Malformed, 1)
	if s := e.g.Status(t.Context(), "KANY"); s.Outcome != gateway.Unknown {
		t.Errorf("garbled status: %s", s.Outcome)
	}
}

func TestNotSentWhenNothingListens(t *testing.T) {
	g, err := garanti.New(gateway.Config{Credentials: sandboxCreds, Endpoints: gateway.Endpoints{API: gatewaytest.DeadURL(t, "/VPServlet")}})
	if err != nil {
		t.Fatal(err)
	}
	r := g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: newOrder(100, money.TRY), Capture: true, Card: testCard(t, goodPAN)})
	want(t, "nothing listens", r, gateway.NotSent, gateway.ReasonSystemError)
	var te *gateway.TransportError
	if !errors.As(r.Err, &te) {
		t.Errorf("err %v", r.Err)
	}
}

func TestSimulatorRegistry(t *testing.T) {
	sim, err := banksim.New("garanti", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	pos := sim.POS()
	d, _ := gateway.Lookup(pos.Protocol)
	gw, err := d.New(gateway.Config{Credentials: pos.Credentials, Endpoints: pos.Endpoints})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := card.ParsePAN(pos.TestCard.PAN)
	exp, _ := card.NewExpiry(8, 2030)
	cvv, _ := card.ParseCVV(pos.TestCard.CVV)
	o := newOrder(101, money.TRY)
	r := gw.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: o, Capture: true, Card: card.Card{PAN: p, Expiry: exp, CVV: cvv}})
	want(t, "sale via registry", r, gateway.Approved, gateway.ReasonNone)
	ops := map[string]bool{}
	for _, op := range []gateway.Operation{gateway.OpAuthorize, gateway.OpCapture, gateway.OpVoid, gateway.OpRefund, gateway.OpStatus, gateway.OpHistory} {
		ops[sim.FaultOp(op, true)] = true
	}
	if len(ops) != 6 {
		t.Errorf("fault ops %v", ops)
	}
}
