package payfor_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	payforsim "github.com/kasapos/kasa/internal/banksim/payfor"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/gatewaytest"
	"github.com/kasapos/kasa/internal/gateway/payfor"
	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/money"
)

// Adapter tests run against the PayFor simulator over real loopback HTTP.

const merchantID = "085300000009704"

var qnbCreds = map[string]string{
	payfor.CredMbrID:      "5",
	payfor.CredMerchantID: merchantID,
	payfor.CredUserCode:   "QNB_API_KULLANICI_3DPAY",
	payfor.CredUserPass:   "UcBN0",
	payfor.CredStoreKey:   "12345678",
}

type env struct {
	t   *testing.T
	sim *payforsim.Server
	g   *payfor.Gateway
}

func newEnv(t *testing.T, cfg payforsim.Config) *env {
	t.Helper()
	sim := payforsim.New(cfg)
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return &env{t: t, sim: sim, g: newGateway(t, sim.APIURL(), sim.ThreeDGateURL(), qnbCreds)}
}

func newGateway(t *testing.T, api, gate string, creds map[string]string) *payfor.Gateway {
	t.Helper()
	client := gateway.NewHTTPClient()
	t.Cleanup(client.CloseIdleConnections)
	g, err := payfor.New(gateway.Config{Credentials: creds, Endpoints: gateway.Endpoints{API: api, ThreeDGate: gate}, HTTPClient: client})
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
	return card.Card{PAN: p, Expiry: exp, CVV: cvv, Holder: "John Doe"}
}

const goodPAN = "4155650100416111"

func (e *env) sale(o gateway.Order) *gateway.Result {
	e.t.Helper()
	return e.g.Authorize(e.t.Context(), &gateway.AuthorizeRequest{Order: o, Capture: true, Card: testCard(e.t, goodPAN)})
}

// bench is the env for the scenarios gatewaytest shares between adapters.
func (e *env) bench() gatewaytest.Bench {
	return gatewaytest.Bench{G: e.g, Sim: e.sim.Core, Merchant: merchantID, GoodPAN: goodPAN, Card: testCard}
}

var (
	want       = gatewaytest.Want
	status     = gatewaytest.Status
	wantStatus = gatewaytest.WantStatus
	newOrder   = gatewaytest.NewOrder
)

func TestRegistered(t *testing.T) {
	d, err := gateway.Lookup("payfor")
	if err != nil {
		t.Fatal(err)
	}
	if d.MaxOrderID != 20 || len(d.Currencies) != 4 || len(d.ThreeDModels) != 3 {
		t.Errorf("descriptor: %+v", d)
	}
	if err := d.Validate(map[string]string{"merchant_id": "1", "user_code": "u", "user_pass": "p"}); err != nil {
		t.Errorf("mbr_id and store_key must be optional: %v", err)
	}
	if err := d.Validate(map[string]string{"merchant_id": "1", "user_code": "u"}); err == nil {
		t.Error("missing user_pass accepted")
	}
	for _, name := range []string{"qnb-test", "qnb-production", "enpara-test", "enpara-production", "ziraat-katilim-test", "ziraat-katilim-production"} {
		p, ok := d.Preset(name)
		if !ok || !strings.HasPrefix(p.Endpoints.API, "https://") || !strings.HasSuffix(p.Endpoints.API, "/XMLGate.aspx") ||
			!strings.HasSuffix(p.Endpoints.ThreeDGate, "/Default.aspx") {
			t.Errorf("preset %s: %+v", name, p)
		}
	}
	g, err := d.New(gateway.Config{Credentials: qnbCreds, Endpoints: gateway.Endpoints{API: "https://example.invalid/Gateway/XMLGate.aspx"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range []gateway.Operation{gateway.OpAuthorize, gateway.OpCapture, gateway.OpVoid, gateway.OpRefund, gateway.OpStatus, gateway.OpHistory, gateway.Op3D} {
		if !gateway.Supports(g, op) {
			t.Errorf("does not support %s", op)
		}
	}
	if g, err := d.New(gateway.Config{Credentials: qnbCreds}); err == nil || g != nil {
		t.Errorf("no endpoint: got %v, %v", g, err)
	}
}

func TestAuthorizeApproved(t *testing.T) {
	e := newEnv(t, payforsim.Config{})
	o := newOrder(12550, money.TRY)
	r := e.sale(o)
	want(t, "sale", r, gateway.Approved, gateway.ReasonNone)
	if r.BankCode != "00" || len(r.AuthCode) != 6 || r.HostRef == "" || r.TransID == "" {
		t.Errorf("result fields: %+v", r)
	}
	got, ok := e.sim.Book().Get(merchantID, o.OrderID)
	if !ok || got.State != banksim.OrderCaptured || got.Captured != 12550 || got.Currency != "TRY" || got.Card != "415565******6111" {
		t.Errorf("bank book: %+v", got)
	}
}

func TestDeclineTriggers(t *testing.T) {
	e := newEnv(t, payforsim.Config{})
	gatewaytest.DeclineTriggers(t, e.bench(), "", "")
	c := testCard(t, goodPAN)
	c.Expiry, _ = card.NewExpiry(1, 2020)
	r := e.g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: newOrder(100, money.TRY), Capture: true, Card: c})
	want(t, "expired", r, gateway.Declined, gateway.ReasonExpiredCard)
}

func TestRejected(t *testing.T) {
	e := newEnv(t, payforsim.Config{})
	auth := func(o gateway.Order, n int) *gateway.Result {
		return e.g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: o, Capture: true, Installments: n, Card: testCard(t, goodPAN)})
	}
	want(t, "USD installments", auth(newOrder(10000, money.USD), 3), gateway.Rejected, gateway.ReasonInstallments)
	want(t, "13 installments", auth(newOrder(10000, money.TRY), 13), gateway.Rejected, gateway.ReasonInstallments)

	bad := map[string]string{}
	for k, v := range qnbCreds {
		bad[k] = v
	}
	bad[payfor.CredUserPass] = "wrong"
	g := newGateway(t, e.sim.APIURL(), "", bad)
	r := g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: newOrder(100, money.TRY), Capture: true, Card: testCard(t, goodPAN)})
	want(t, "bad password", r, gateway.Rejected, gateway.ReasonInvalidTxn)
	if r.BankErrorCode != "V004" {
		t.Errorf("error code %q", r.BankErrorCode)
	}
	if s := g.Status(t.Context(), "X1"); s.Outcome != gateway.Rejected {
		t.Errorf("status with bad password: %s", s.Outcome)
	}
	if _, hr := g.OrderHistory(t.Context(), "X1"); hr.Outcome != gateway.Rejected {
		t.Errorf("history with bad password: %s", hr.Outcome)
	}

	// Refused locally, before any request.
	want(t, "zero amount", auth(newOrder(0, money.TRY), 0), gateway.Rejected, gateway.ReasonInvalidTxn)
	want(t, "JPY", auth(newOrder(100, money.JPY), 0), gateway.Rejected, gateway.ReasonInvalidTxn)
	long := newOrder(100, money.TRY)
	long.OrderID = strings.Repeat("A", 21)
	want(t, "long order id", auth(long, 0), gateway.Rejected, gateway.ReasonInvalidTxn)
	if n := len(e.sim.Book().All()); n != 0 {
		t.Errorf("%d orders reached the bank", n)
	}
}

func TestDuplicateOrderID(t *testing.T) {
	e := newEnv(t, payforsim.Config{})
	o := newOrder(2500, money.TRY)
	want(t, "first", e.sale(o), gateway.Approved, gateway.ReasonNone)
	r := e.sale(o)
	want(t, "second", r, gateway.Rejected, gateway.ReasonDuplicateOrder)
	if r.BankCode != "101310" || e.sim.Book().ApprovedAuths(o.OrderID) != 1 {
		t.Errorf("code %q, approved %d", r.BankCode, e.sim.Book().ApprovedAuths(o.OrderID))
	}
	// After a decline the same order id may be retried.
	o2 := gateway.Order{OrderID: id.BankOrder(20), Amount: banksim.TriggerAmount("51", money.TRY)}
	want(t, "declined", e.sale(o2), gateway.Declined, gateway.ReasonInsufficientFunds)
	o2.Amount = money.New(1000, money.TRY)
	want(t, "retry", e.sale(o2), gateway.Approved, gateway.ReasonNone)
}

func TestPreAuthAndPartialCapture(t *testing.T) {
	e := newEnv(t, payforsim.Config{})
	ctx := t.Context()
	o := newOrder(10000, money.TRY)
	r := e.g.Authorize(ctx, &gateway.AuthorizeRequest{Order: o, Card: testCard(t, goodPAN)})
	want(t, "preauth", r, gateway.Approved, gateway.ReasonNone)
	s := status(t, e.g, o.OrderID)
	wantStatus(t, s, gateway.StateAuthorized, 10000, 0, 0)
	if s.AuthCode != r.AuthCode || s.HostRef != r.HostRef {
		t.Errorf("status refs %q %q, auth gave %q %q", s.AuthCode, s.HostRef, r.AuthCode, r.HostRef)
	}
	capt := gateway.CaptureRequest{Order: o}
	capt.Amount = money.New(6000, money.TRY)
	want(t, "capture", e.g.Capture(ctx, &capt), gateway.Approved, gateway.ReasonNone)
	s = status(t, e.g, o.OrderID)
	wantStatus(t, s, gateway.StateCaptured, 10000, 6000, 0)
	if s.AuthCode != r.AuthCode {
		t.Errorf("status reports auth code %q, pre-auth had %q", s.AuthCode, r.AuthCode)
	}
	want(t, "second capture", e.g.Capture(ctx, &capt), gateway.Rejected, gateway.ReasonInvalidTxn)

	hist, hr := e.g.OrderHistory(ctx, o.OrderID)
	want(t, "history", hr, gateway.Approved, gateway.ReasonNone)
	if len(hist) != 2 || hist[0].Type != "PreAuth" || hist[0].Amount != 10000 || hist[1].Type != "PostAuth" || hist[1].Amount != 6000 || hist[1].Time.IsZero() {
		t.Errorf("history %+v", hist)
	}

	o2 := newOrder(5000, money.TRY)
	want(t, "preauth 2", e.g.Authorize(ctx, &gateway.AuthorizeRequest{Order: o2, Card: testCard(t, goodPAN)}), gateway.Approved, gateway.ReasonNone)
	over := gateway.CaptureRequest{Order: o2}
	over.Amount = money.New(5001, money.TRY)
	want(t, "over-capture", e.g.Capture(ctx, &over), gateway.Rejected, gateway.ReasonInvalidTxn)
	wantStatus(t, status(t, e.g, o2.OrderID), gateway.StateAuthorized, 5000, 0, 0)
}

func TestVoid(t *testing.T) {
	e := newEnv(t, payforsim.Config{})
	ctx := t.Context()
	o := newOrder(4200, money.TRY)
	want(t, "sale", e.sale(o), gateway.Approved, gateway.ReasonNone)
	want(t, "void", e.g.Void(ctx, &gateway.VoidRequest{Order: o}), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateVoided, 4200, 4200, 0)
	r := e.g.Void(ctx, &gateway.VoidRequest{Order: o})
	want(t, "void again", r, gateway.Rejected, gateway.ReasonInvalidTxn)
	if r.BankCode != "V013" {
		t.Errorf("code %q", r.BankCode)
	}
	if tot := e.sim.Book().ApprovedTotal()["TRY"]; tot != 0 {
		t.Errorf("voided sale still counts %d", tot)
	}

	// A pre-auth and a captured pre-auth can be voided; after the batch closes nothing can.
	p := newOrder(900, money.TRY)
	want(t, "preauth", e.g.Authorize(ctx, &gateway.AuthorizeRequest{Order: p, Card: testCard(t, goodPAN)}), gateway.Approved, gateway.ReasonNone)
	want(t, "void preauth", e.g.Void(ctx, &gateway.VoidRequest{Order: p}), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, p.OrderID), gateway.StateVoided, 900, 0, 0)
	c := newOrder(800, money.TRY)
	want(t, "preauth 2", e.g.Authorize(ctx, &gateway.AuthorizeRequest{Order: c, Card: testCard(t, goodPAN)}), gateway.Approved, gateway.ReasonNone)
	want(t, "capture", e.g.Capture(ctx, &gateway.CaptureRequest{Order: c}), gateway.Approved, gateway.ReasonNone)
	want(t, "void capture", e.g.Void(ctx, &gateway.VoidRequest{Order: c}), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, c.OrderID), gateway.StateVoided, 800, 800, 0)

	late := newOrder(700, money.TRY)
	want(t, "sale", e.sale(late), gateway.Approved, gateway.ReasonNone)
	e.sim.CloseBatch()
	want(t, "void after batch", e.g.Void(ctx, &gateway.VoidRequest{Order: late}), gateway.Rejected, gateway.ReasonInvalidTxn)
}

func TestRefunds(t *testing.T) {
	e := newEnv(t, payforsim.Config{})
	ctx := t.Context()
	o := newOrder(10000, money.TRY)
	want(t, "sale", e.sale(o), gateway.Approved, gateway.ReasonNone)
	refund := func(minor int64, full bool) *gateway.Result {
		req := gateway.RefundRequest{Order: o, Full: full}
		req.Amount = money.New(minor, money.TRY)
		return e.g.Refund(ctx, &req)
	}
	want(t, "partial refund", refund(3000, false), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateRefunded, 10000, 10000, 3000)
	want(t, "void after refund", e.g.Void(ctx, &gateway.VoidRequest{Order: o}), gateway.Rejected, gateway.ReasonInvalidTxn)
	r := refund(7001, false)
	want(t, "refund above captured", r, gateway.Rejected, gateway.ReasonInvalidTxn)
	want(t, "full refund", refund(7000, true), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateRefunded, 10000, 10000, 10000)
	want(t, "refund beyond", refund(1, false), gateway.Rejected, gateway.ReasonInvalidTxn)

	hist, hr := e.g.OrderHistory(ctx, o.OrderID)
	want(t, "history", hr, gateway.Approved, gateway.ReasonNone)
	var got []string
	for _, h := range hist {
		got = append(got, fmt.Sprintf("%s/%s/%d/%s", h.Type, h.Status, h.Amount, h.BankCode))
	}
	if s, w := strings.Join(got, " "), "Auth/Y/10000/00 Refund/Y/3000/00 Refund/N/7001/V209 Refund/Y/7000/00 Refund/N/1/V209"; s != w {
		t.Errorf("history %s, want %s", s, w)
	}
}

func TestRefundRequiresSettlement(t *testing.T) {
	e := newEnv(t, payforsim.Config{RefundRequiresSettlement: true})
	o := newOrder(1000, money.TRY)
	want(t, "sale", e.sale(o), gateway.Approved, gateway.ReasonNone)
	req := gateway.RefundRequest{Order: o, Full: true}
	r := e.g.Refund(t.Context(), &req)
	want(t, "same-day refund", r, gateway.Rejected, gateway.ReasonInvalidTxn)
	if r.BankCode != "V014" {
		t.Errorf("code %q", r.BankCode)
	}
	e.sim.CloseBatch()
	want(t, "refund after batch", e.g.Refund(t.Context(), &req), gateway.Approved, gateway.ReasonNone)
}

func TestStatusNotFoundAndDeclined(t *testing.T) {
	e := newEnv(t, payforsim.Config{})
	s := status(t, e.g, "NOSUCHORDER")
	if s.State != gateway.StateNotFound || s.BankCode != "V013" {
		t.Errorf("state %s code %s", s.State, s.BankCode)
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
	e := newEnv(t, payforsim.Config{})
	o := newOrder(7777, money.TRY)
	e.sim.Faults().Next(payforsim.OpAuth, banksim.TimeoutAfter, 1)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	r := e.g.Authorize(ctx, &gateway.AuthorizeRequest{Order: o, Capture: true, Card: testCard(t, goodPAN)})
	want(t, "lost reply", r, gateway.Unknown, gateway.ReasonSystemError)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateCaptured, 7777, 7777, 0)
}

func TestUnknownOnFaults(t *testing.T) {
	e := newEnv(t, payforsim.Config{})
	gatewaytest.FaultsLeaveUnknown(t, e.bench(), payforsim.OpAuth)
	e.sim.Faults().Next(payforsim.OpOrderInquiry, banksim.Malformed, 1)
	if s := e.g.Status(t.Context(), "X1"); s.Outcome != gateway.Unknown {
		t.Errorf("status on malformed: %s", s.Outcome)
	}
	e.sim.Faults().Next(payforsim.OpTxnHistory, banksim.Truncated, 1)
	if _, r := e.g.OrderHistory(t.Context(), "X1"); r.Outcome != gateway.Unknown {
		t.Errorf("history on truncated: %s", r.Outcome)
	}
}

func TestNotSentWhenNothingListens(t *testing.T) {
	g := newGateway(t, gatewaytest.DeadURL(t, "/Gateway/XMLGate.aspx"), "", qnbCreds)
	r := g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: newOrder(100, money.TRY), Capture: true, Card: testCard(t, goodPAN)})
	want(t, "dial refused", r, gateway.NotSent, gateway.ReasonSystemError)
	if s := g.Status(t.Context(), "X"); s.Outcome != gateway.NotSent {
		t.Errorf("status: %s", s.Outcome)
	}
}

func TestCurrencies(t *testing.T) {
	gatewaytest.Currencies(t, newEnv(t, payforsim.Config{}).bench(), 10025)
}

func TestInstallments(t *testing.T) {
	e := newEnv(t, payforsim.Config{})
	gatewaytest.Installments(t, e.bench())
}
