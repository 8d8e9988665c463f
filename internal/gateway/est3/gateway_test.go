package est3_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	est3sim "github.com/kasapos/kasa/internal/banksim/est3"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/est3"
	"github.com/kasapos/kasa/internal/gateway/gatewaytest"
	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/money"
)

// Adapter tests run against the EST simulator over real loopback HTTP.

var paytenCreds = map[string]string{
	est3.CredClientID:    "700655000200",
	est3.CredAPIUser:     "ISBANKAPI",
	est3.CredAPIPassword: "ISBANK07",
	est3.CredStoreKey:    "TRPS0200",
}

type env struct {
	t   *testing.T
	sim *est3sim.Server
	g   *est3.Gateway
}

func newEnv(t *testing.T, cfg est3sim.Config) *env {
	t.Helper()
	sim := est3sim.New(cfg)
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return &env{t: t, sim: sim, g: newGateway(t, sim.APIURL(), paytenCreds)}
}

func newGateway(t *testing.T, api string, creds map[string]string) *est3.Gateway {
	t.Helper()
	client := gateway.NewHTTPClient()
	t.Cleanup(client.CloseIdleConnections)
	g, err := est3.New(gateway.Config{Credentials: creds, Endpoints: gateway.Endpoints{API: api}, HTTPClient: client})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func testCard(t testing.TB, pan, holder string) card.Card {
	t.Helper()
	p, err := card.ParsePAN(pan)
	if err != nil {
		t.Fatal(err)
	}
	exp, _ := card.NewExpiry(12, 2030)
	cvv, _ := card.ParseCVV("000")
	return card.Card{PAN: p, Expiry: exp, CVV: cvv, Holder: holder}
}

const goodPAN = "4355084355084358"

func (e *env) sale(o gateway.Order) *gateway.Result {
	e.t.Helper()
	return e.g.Authorize(e.t.Context(), &gateway.AuthorizeRequest{Order: o, Capture: true, Card: testCard(e.t, goodPAN, "Ada Lovelace")})
}

// bench is the env for the scenarios gatewaytest shares between adapters.
func (e *env) bench() gatewaytest.Bench {
	return gatewaytest.Bench{G: e.g, Sim: e.sim.Core, Merchant: "700655000200", GoodPAN: goodPAN, Card: func(t testing.TB, pan string) card.Card { return testCard(t, pan, "Ada Lovelace") }}
}

var (
	want       = gatewaytest.Want
	status     = gatewaytest.Status
	wantStatus = gatewaytest.WantStatus
	newOrder   = gatewaytest.NewOrder
)

func TestRegistered(t *testing.T) {
	d, err := gateway.Lookup("est3")
	if err != nil {
		t.Fatal(err)
	}
	if d.MaxOrderID != 64 || len(d.Currencies) != 4 || len(d.ThreeDModels) != 3 {
		t.Errorf("descriptor: %+v", d)
	}
	if err := d.Validate(map[string]string{"client_id": "1", "api_user": "u", "api_password": "p"}); err != nil {
		t.Errorf("store_key must be optional: %v", err)
	}
	if err := d.Validate(map[string]string{"client_id": "1", "api_user": "u"}); err == nil {
		t.Error("missing api_password accepted")
	}
	for _, p := range d.Presets {
		if !strings.HasPrefix(p.Endpoints.API, "https://") || !strings.HasSuffix(p.Endpoints.API, "/fim/api") ||
			!strings.HasSuffix(p.Endpoints.ThreeDGate, "/fim/est3Dgate") {
			t.Errorf("preset %s: %+v", p.Name, p.Endpoints)
		}
	}
	for _, name := range []string{"payten-test", "isbank-test", "isbank-production", "halkbank-production", "ziraat-production",
		"teb-production", "akbank-legacy-production", "finansbank-legacy-production", "sekerbank-test", "anadolubank-test"} {
		if _, ok := d.Preset(name); !ok {
			t.Errorf("preset %s missing", name)
		}
	}
	g, err := d.New(gateway.Config{Credentials: paytenCreds, Endpoints: gateway.Endpoints{API: "https://example.invalid/fim/api"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range []gateway.Operation{gateway.OpAuthorize, gateway.OpCapture, gateway.OpVoid, gateway.OpRefund, gateway.OpStatus, gateway.OpHistory} {
		if !gateway.Supports(g, op) {
			t.Errorf("does not support %s", op)
		}
	}
	if g, err := d.New(gateway.Config{Credentials: paytenCreds}); err == nil || g != nil {
		t.Errorf("no endpoint: got %v, %v", g, err)
	}
}

func TestAuthorizeApproved(t *testing.T) {
	e := newEnv(t, est3sim.Config{})
	o := newOrder(12550, money.TRY)
	r := e.sale(o)
	want(t, "sale", r, gateway.Approved, gateway.ReasonNone)
	if r.BankCode != "00" || len(r.AuthCode) != 6 || len(r.HostRef) != 12 || r.TransID == "" {
		t.Errorf("result fields: %+v", r)
	}
	got, ok := e.sim.Book().Get("700655000200", o.OrderID)
	if !ok || got.State != banksim.OrderCaptured || got.Captured != 12550 || got.Currency != "TRY" || got.AuthAttempts != 1 {
		t.Errorf("bank book: %+v", got)
	}
	if got.Card != "435508******4358" {
		t.Errorf("bank stored card %q", got.Card)
	}
	if tot := e.sim.Book().ApprovedTotal()["TRY"]; tot != 12550 {
		t.Errorf("approved total %d", tot)
	}
}

func TestDeclineTriggers(t *testing.T) {
	for _, utf8 := range []bool{false, true} {
		e := newEnv(t, est3sim.Config{UTF8Responses: utf8})
		t.Run(fmt.Sprintf("utf8=%v", utf8), func(t *testing.T) { gatewaytest.DeclineTriggers(t, e.bench(), "", "") })
	}
}

func TestExpiredCardDeclined(t *testing.T) {
	e := newEnv(t, est3sim.Config{})
	c := testCard(t, goodPAN, "")
	c.Expiry, _ = card.NewExpiry(1, 2020)
	r := e.g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: newOrder(100, money.TRY), Capture: true, Card: c})
	want(t, "expired", r, gateway.Declined, gateway.ReasonExpiredCard)
	if r.BankCode != "54" {
		t.Errorf("code %q", r.BankCode)
	}
}

func TestRejectedByValidation(t *testing.T) {
	e := newEnv(t, est3sim.Config{})
	auth := func(o gateway.Order, n int) *gateway.Result {
		return e.g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: o, Capture: true, Installments: n, Card: testCard(t, goodPAN, "")})
	}
	r := auth(newOrder(10000, money.USD), 3)
	want(t, "USD installments", r, gateway.Rejected, gateway.ReasonInstallments)
	if r.BankCode != "99" || r.BankErrorCode != "CORE-2603" {
		t.Errorf("codes %q %q", r.BankCode, r.BankErrorCode)
	}
	want(t, "13 installments", auth(newOrder(10000, money.TRY), 13), gateway.Rejected, gateway.ReasonInstallments)

	bad := map[string]string{}
	for k, v := range paytenCreds {
		bad[k] = v
	}
	bad[est3.CredAPIPassword] = "wrong"
	g := newGateway(t, e.sim.APIURL(), bad)
	r = g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: newOrder(100, money.TRY), Capture: true, Card: testCard(t, goodPAN, "")})
	want(t, "bad password", r, gateway.Rejected, gateway.ReasonInvalidTxn)
	if !strings.HasPrefix(r.BankErrorCode, "CORE-") {
		t.Errorf("error code %q", r.BankErrorCode)
	}

	// Refused locally, before any request.
	want(t, "zero amount", auth(newOrder(0, money.TRY), 0), gateway.Rejected, gateway.ReasonInvalidTxn)
	want(t, "JPY", auth(newOrder(100, money.JPY), 0), gateway.Rejected, gateway.ReasonInvalidTxn)
	long := newOrder(100, money.TRY)
	long.OrderID = strings.Repeat("A", 65)
	want(t, "long order id", auth(long, 0), gateway.Rejected, gateway.ReasonInvalidTxn)
	if n := len(e.sim.Book().All()); n != 0 {
		t.Errorf("%d orders reached the bank", n)
	}
}

func TestDuplicateOrderID(t *testing.T) {
	e := newEnv(t, est3sim.Config{})
	o := newOrder(2500, money.TRY)
	want(t, "first", e.sale(o), gateway.Approved, gateway.ReasonNone)
	r := e.sale(o)
	want(t, "second", r, gateway.Rejected, gateway.ReasonDuplicateOrder)
	if e.sim.Book().ApprovedAuths(o.OrderID) != 1 || e.sim.Book().AuthAttempts(o.OrderID) != 1 {
		t.Errorf("counters: approved %d attempts %d", e.sim.Book().ApprovedAuths(o.OrderID), e.sim.Book().AuthAttempts(o.OrderID))
	}

	// After a decline the same order id may be retried (Kasa reuses it).
	o2 := gateway.Order{OrderID: id.BankOrder(20), Amount: banksim.TriggerAmount("51", money.TRY)}
	want(t, "declined", e.sale(o2), gateway.Declined, gateway.ReasonInsufficientFunds)
	o2.Amount = money.New(1000, money.TRY)
	want(t, "retry", e.sale(o2), gateway.Approved, gateway.ReasonNone)
	if n := e.sim.Book().AuthAttempts(o2.OrderID); n != 2 {
		t.Errorf("attempts %d, want 2", n)
	}
}

func TestPreAuthAndPartialCapture(t *testing.T) {
	e := newEnv(t, est3sim.Config{})
	ctx := t.Context()
	o := newOrder(10000, money.TRY)
	r := e.g.Authorize(ctx, &gateway.AuthorizeRequest{Order: o, Card: testCard(t, goodPAN, "")})
	want(t, "preauth", r, gateway.Approved, gateway.ReasonNone)
	s := status(t, e.g, o.OrderID)
	wantStatus(t, s, gateway.StateAuthorized, 10000, 0, 0)
	if s.AuthCode != r.AuthCode || s.HostRef != r.HostRef {
		t.Errorf("status refs %q %q, auth gave %q %q", s.AuthCode, s.HostRef, r.AuthCode, r.HostRef)
	}

	capt := gateway.CaptureRequest{Order: o}
	capt.Amount = money.New(6000, money.TRY)
	want(t, "capture", e.g.Capture(ctx, &capt), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateCaptured, 10000, 6000, 0)
	want(t, "second capture", e.g.Capture(ctx, &capt), gateway.Rejected, gateway.ReasonInvalidTxn)

	hist, hr := e.g.OrderHistory(ctx, o.OrderID)
	want(t, "history", hr, gateway.Approved, gateway.ReasonNone)
	if len(hist) != 1 || hist[0].Type != "Auth" || hist[0].Amount != 6000 || hist[0].Status != "C" || hist[0].Time.IsZero() {
		t.Errorf("history %+v", hist)
	}

	// Capturing more than the pre-auth is refused; the pre-auth stays open.
	o2 := newOrder(5000, money.TRY)
	want(t, "preauth 2", e.g.Authorize(ctx, &gateway.AuthorizeRequest{Order: o2, Card: testCard(t, goodPAN, "")}), gateway.Approved, gateway.ReasonNone)
	over := gateway.CaptureRequest{Order: o2}
	over.Amount = money.New(5001, money.TRY)
	want(t, "over-capture", e.g.Capture(ctx, &over), gateway.Rejected, gateway.ReasonInvalidTxn)
	wantStatus(t, status(t, e.g, o2.OrderID), gateway.StateAuthorized, 5000, 0, 0)
	full := gateway.CaptureRequest{Order: o2}
	want(t, "full capture", e.g.Capture(ctx, &full), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o2.OrderID), gateway.StateCaptured, 5000, 5000, 0)
}

func TestVoid(t *testing.T) {
	e := newEnv(t, est3sim.Config{})
	ctx := t.Context()
	o := newOrder(4200, money.TRY)
	want(t, "sale", e.sale(o), gateway.Approved, gateway.ReasonNone)
	want(t, "void", e.g.Void(ctx, &gateway.VoidRequest{Order: o}), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateVoided, 4200, 4200, 0)
	r := e.g.Void(ctx, &gateway.VoidRequest{Order: o})
	want(t, "void again", r, gateway.Rejected, gateway.ReasonInvalidTxn)
	if r.BankErrorCode != "CORE-2008" {
		t.Errorf("error code %q", r.BankErrorCode)
	}
	want(t, "refund voided", e.g.Refund(ctx, &gateway.RefundRequest{Order: o, Full: true}), gateway.Rejected, gateway.ReasonInvalidTxn)
	// The refused refund is now the order's latest transaction; still voided.
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateVoided, 4200, 4200, 0)
	if tot := e.sim.Book().ApprovedTotal()["TRY"]; tot != 0 {
		t.Errorf("voided sale still counts %d", tot)
	}

	// A pre-auth can be voided too; after the batch closes nothing can.
	p := newOrder(900, money.TRY)
	want(t, "preauth", e.g.Authorize(ctx, &gateway.AuthorizeRequest{Order: p, Card: testCard(t, goodPAN, "")}), gateway.Approved, gateway.ReasonNone)
	want(t, "void preauth", e.g.Void(ctx, &gateway.VoidRequest{Order: p}), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, p.OrderID), gateway.StateVoided, 900, 0, 0)
	late := newOrder(700, money.TRY)
	want(t, "sale", e.sale(late), gateway.Approved, gateway.ReasonNone)
	e.sim.CloseBatch()
	want(t, "void after batch", e.g.Void(ctx, &gateway.VoidRequest{Order: late}), gateway.Rejected, gateway.ReasonInvalidTxn)
}

func TestRefunds(t *testing.T) {
	e := newEnv(t, est3sim.Config{})
	ctx := t.Context()
	o := newOrder(10000, money.TRY)
	want(t, "sale", e.sale(o), gateway.Approved, gateway.ReasonNone)

	part := gateway.RefundRequest{Order: o}
	part.Amount = money.New(3000, money.TRY)
	want(t, "partial refund", e.g.Refund(ctx, &part), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateRefunded, 10000, 10000, 3000)
	want(t, "void after refund", e.g.Void(ctx, &gateway.VoidRequest{Order: o}), gateway.Rejected, gateway.ReasonInvalidTxn)

	want(t, "full refund", e.g.Refund(ctx, &gateway.RefundRequest{Order: o, Full: true}), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateRefunded, 10000, 10000, 10000)
	if got, _ := e.sim.Book().Get("700655000200", o.OrderID); got.Refunded != 10000 || got.State != banksim.OrderRefunded {
		t.Errorf("bank book %+v", got)
	}

	more := gateway.RefundRequest{Order: o}
	more.Amount = money.New(1, money.TRY)
	want(t, "refund beyond captured", e.g.Refund(ctx, &more), gateway.Rejected, gateway.ReasonInvalidTxn)
	// The failed refund is the latest transaction now; status still sums up.
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateRefunded, 10000, 10000, 10000)

	hist, hr := e.g.OrderHistory(ctx, o.OrderID)
	want(t, "history", hr, gateway.Approved, gateway.ReasonNone)
	var types []string
	for _, h := range hist {
		types = append(types, fmt.Sprintf("%s/%s/%d/%s", h.Type, h.Status, h.Amount, h.BankCode))
	}
	if got, wantT := strings.Join(types, " "), "Auth/C/10000/00 Credit/C/3000/00 Credit/C/7000/00 Credit/D/1/99"; got != wantT {
		t.Errorf("history %s, want %s", got, wantT)
	}

	o2 := newOrder(1000, money.TRY)
	want(t, "sale 2", e.sale(o2), gateway.Approved, gateway.ReasonNone)
	over := gateway.RefundRequest{Order: o2}
	over.Amount = money.New(1001, money.TRY)
	want(t, "refund > captured", e.g.Refund(ctx, &over), gateway.Rejected, gateway.ReasonInvalidTxn)
	wantStatus(t, status(t, e.g, o2.OrderID), gateway.StateCaptured, 1000, 1000, 0)
}

func TestRefundRequiresSettlement(t *testing.T) {
	e := newEnv(t, est3sim.Config{RefundRequiresSettlement: true})
	o := newOrder(1000, money.TRY)
	want(t, "sale", e.sale(o), gateway.Approved, gateway.ReasonNone)
	r := e.g.Refund(t.Context(), &gateway.RefundRequest{Order: o, Full: true})
	want(t, "same-day refund", r, gateway.Rejected, gateway.ReasonInvalidTxn)
	if r.BankErrorCode != "CORE-2508" {
		t.Errorf("error code %q", r.BankErrorCode)
	}
	e.sim.CloseBatch()
	want(t, "refund after batch", e.g.Refund(t.Context(), &gateway.RefundRequest{Order: o, Full: true}), gateway.Approved, gateway.ReasonNone)
}

func TestStatusNotFound(t *testing.T) {
	e := newEnv(t, est3sim.Config{})
	s := status(t, e.g, "NOSUCHORDER")
	if s.State != gateway.StateNotFound {
		t.Errorf("state %s", s.State)
	}
	hist, r := e.g.OrderHistory(t.Context(), "NOSUCHORDER")
	want(t, "history", r, gateway.Approved, gateway.ReasonNone)
	if len(hist) != 0 {
		t.Errorf("history %+v", hist)
	}
	o := gateway.Order{OrderID: id.BankOrder(20), Amount: banksim.TriggerAmount("05", money.TRY)}
	want(t, "declined", e.sale(o), gateway.Declined, gateway.ReasonDoNotHonour)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateDeclined, 0, 0, 0)
}

// The bank commits the sale, the reply is lost: Unknown, then the status
// query settles it.
func TestLostResponseThenStatus(t *testing.T) {
	e := newEnv(t, est3sim.Config{})
	o := newOrder(7777, money.TRY)
	e.sim.Faults().Next(est3sim.OpAuth, banksim.TimeoutAfter, 1)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	r := e.g.Authorize(ctx, &gateway.AuthorizeRequest{Order: o, Capture: true, Card: testCard(t, goodPAN, "")})
	want(t, "lost reply", r, gateway.Unknown, gateway.ReasonSystemError)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateCaptured, 7777, 7777, 0)

	// Lost before processing: the bank has nothing.
	o2 := newOrder(100, money.TRY)
	e.sim.Faults().Next(est3sim.OpAuth, banksim.TimeoutBefore, 1)
	ctx2, cancel2 := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel2()
	r = e.g.Authorize(ctx2, &gateway.AuthorizeRequest{Order: o2, Capture: true, Card: testCard(t, goodPAN, "")})
	want(t, "lost request", r, gateway.Unknown, gateway.ReasonSystemError)
	if s := status(t, e.g, o2.OrderID); s.State != gateway.StateNotFound {
		t.Errorf("state %s", s.State)
	}
}

func TestUnknownOnFaults(t *testing.T) {
	e := newEnv(t, est3sim.Config{})
	gatewaytest.FaultsLeaveUnknown(t, e.bench(), est3sim.OpAuth)
	// Status queries are classified the same way.
	e.sim.Faults().Next(est3sim.OpOrderStatus, banksim.Malformed, 1)
	if s := e.g.Status(t.Context(), "X1"); s.Outcome != gateway.Unknown {
		t.Errorf("status on malformed: %s", s.Outcome)
	}
	e.sim.Faults().Next(est3sim.OpOrderHistory, banksim.Truncated, 1)
	if _, r := e.g.OrderHistory(t.Context(), "X1"); r.Outcome != gateway.Unknown {
		t.Errorf("history on truncated: %s", r.Outcome)
	}
}

func TestSlowReply(t *testing.T) {
	e := newEnv(t, est3sim.Config{})
	e.sim.Faults().Next(banksim.AnyOp, banksim.Slow(150*time.Millisecond), 1)
	start := time.Now()
	want(t, "slow", e.sale(newOrder(100, money.TRY)), gateway.Approved, gateway.ReasonNone)
	if time.Since(start) < 150*time.Millisecond {
		t.Error("reply was not delayed")
	}
	e.sim.Faults().Next(banksim.AnyOp, banksim.Slow(5*time.Second), 1)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	r := e.g.Authorize(ctx, &gateway.AuthorizeRequest{Order: newOrder(100, money.TRY), Capture: true, Card: testCard(t, goodPAN, "")})
	want(t, "too slow", r, gateway.Unknown, gateway.ReasonSystemError)
}

func TestNotSentWhenNothingListens(t *testing.T) {
	g := newGateway(t, gatewaytest.DeadURL(t, "/fim/api"), paytenCreds)
	r := g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: newOrder(100, money.TRY), Capture: true, Card: testCard(t, goodPAN, "")})
	want(t, "dial refused", r, gateway.NotSent, gateway.ReasonSystemError)
	var te *gateway.TransportError
	if !errors.As(r.Err, &te) {
		t.Errorf("err %T", r.Err)
	}
	if s := g.Status(t.Context(), "X"); s.Outcome != gateway.NotSent {
		t.Errorf("status: %s", s.Outcome)
	}
}

func TestCurrencies(t *testing.T) {
	gatewaytest.Currencies(t, newEnv(t, est3sim.Config{}).bench(), 10025)
}

func TestInstallments(t *testing.T) {
	e := newEnv(t, est3sim.Config{})
	gatewaytest.Installments(t, e.bench())
	e.sim.AddMerchant(est3sim.Merchant{ClientID: "190100000", User: "api", Password: "pw", MaxInstallments: 6})
	g := newGateway(t, e.sim.APIURL(), map[string]string{est3.CredClientID: "190100000", est3.CredAPIUser: "api", est3.CredAPIPassword: "pw"})
	r := g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: newOrder(100, money.TRY), Capture: true, Installments: 9, Card: testCard(t, goodPAN, "")})
	want(t, "beyond plan", r, gateway.Rejected, gateway.ReasonInstallments)
}

func TestTurkishHolderRoundTrip(t *testing.T) {
	for _, utf8 := range []bool{false, true} {
		e := newEnv(t, est3sim.Config{UTF8Responses: utf8})
		holder := "Şükrü Öğütçü İĞDIR ığdır Çağla"
		o := newOrder(100, money.TRY)
		r := e.g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: o, Capture: true, Card: testCard(t, goodPAN, holder)})
		want(t, "sale", r, gateway.Approved, gateway.ReasonNone)
		got, _ := e.sim.Book().Get("700655000200", o.OrderID)
		if got.Holder != holder {
			t.Errorf("utf8=%v: bank got holder %q, want %q", utf8, got.Holder, holder)
		}
		// And back: Turkish bank messages decode in both charsets.
		r = e.g.Void(t.Context(), &gateway.VoidRequest{Order: newOrder(0, money.TRY)})
		if r.BankMessage != "İptal edilmeye uygun satış işlemi bulunamadı." {
			t.Errorf("utf8=%v: message %q", utf8, r.BankMessage)
		}
	}
}

func TestDefaultFaultsFromConfig(t *testing.T) {
	e := newEnv(t, est3sim.Config{Faults: map[string]banksim.Fault{est3sim.OpAuth: banksim.HTTP500}})
	want(t, "sale", e.sale(newOrder(100, money.TRY)), gateway.Unknown, gateway.ReasonSystemError)
	if s := status(t, e.g, "ANY1"); s.State != gateway.StateNotFound {
		t.Errorf("status unaffected by the Auth fault: %s", s.State)
	}
	e.sim.Faults().SetDefault(est3sim.OpAuth, banksim.Fault{})
	want(t, "after clearing", e.sale(newOrder(100, money.TRY)), gateway.Approved, gateway.ReasonNone)
}

// Concurrent retries of one order id charge at most once.
func TestConcurrentSameOrderChargesOnce(t *testing.T) {
	gatewaytest.ChargesOnce(t, newEnv(t, est3sim.Config{}).bench())
}
