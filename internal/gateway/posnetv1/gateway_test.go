package posnetv1_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	posnetv1sim "github.com/kasapos/kasa/internal/banksim/posnetv1"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/posnetv1"
	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/money"
)

// Adapter tests run against the PosNet V1 simulator over real loopback HTTP.

const (
	mid     = "6702640212"
	goodPAN = "4506347010299085" // the public Albaraka test card
)

var sandboxCreds = map[string]string{
	posnetv1.CredMerchantNo: mid,
	posnetv1.CredTerminalNo: "67C16990",
	posnetv1.CredPosnetID:   "1010062861356072",
	posnetv1.CredEncKey:     "10,10,10,10,10,10,10,10",
}

type env struct {
	t   *testing.T
	sim *posnetv1sim.Server
	g   *posnetv1.Gateway
}

func newEnv(t *testing.T, cfg posnetv1sim.Config) *env {
	t.Helper()
	sim := posnetv1sim.New(cfg)
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return &env{t: t, sim: sim, g: newGateway(t, sim, sandboxCreds)}
}

func newGateway(t *testing.T, sim *posnetv1sim.Server, creds map[string]string) *posnetv1.Gateway {
	t.Helper()
	client := gateway.NewHTTPClient()
	t.Cleanup(client.CloseIdleConnections)
	g, err := posnetv1.New(gateway.Config{Credentials: creds, HTTPClient: client,
		Endpoints: gateway.Endpoints{API: sim.APIURL(), ThreeDGate: sim.ThreeDGateURL()}})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func testCard(t *testing.T, pan string) card.Card {
	t.Helper()
	p, err := card.ParsePAN(pan)
	if err != nil {
		t.Fatal(err)
	}
	exp, _ := card.NewExpiry(9, 2030)
	cvv, _ := card.ParseCVV("000")
	return card.Card{PAN: p, Expiry: exp, CVV: cvv, Holder: "Ada Lovelace"}
}

func newOrder(minor int64, c money.Currency) gateway.Order {
	return gateway.Order{OrderID: id.BankOrder(20), Amount: money.New(minor, c), ClientIP: "203.0.113.7"}
}

func (e *env) sale(o gateway.Order) *gateway.Result {
	e.t.Helper()
	return e.g.Authorize(e.t.Context(), &gateway.AuthorizeRequest{Order: o, Capture: true, Card: testCard(e.t, goodPAN)})
}

func (e *env) preAuth(o gateway.Order) *gateway.Result {
	e.t.Helper()
	return e.g.Authorize(e.t.Context(), &gateway.AuthorizeRequest{Order: o, Card: testCard(e.t, goodPAN)})
}

func want(t *testing.T, what string, r *gateway.Result, outcome gateway.Outcome, reason gateway.DeclineReason) {
	t.Helper()
	if r.Outcome != outcome || r.Reason != reason {
		t.Fatalf("%s: outcome %s/%s, want %s/%s (code %q %q: %s; err %v)",
			what, r.Outcome, r.Reason, outcome, reason, r.BankCode, r.BankErrorCode, r.BankMessage, r.Err)
	}
}

func status(t *testing.T, g *posnetv1.Gateway, orderID string) *gateway.StatusResult {
	t.Helper()
	s := g.Status(t.Context(), orderID)
	if s.Outcome != gateway.Approved {
		t.Fatalf("status query: %s %s %v", s.Outcome, s.BankMessage, s.Err)
	}
	return s
}

func wantStatus(t *testing.T, s *gateway.StatusResult, state gateway.OrderState, auth, capt, ref int64) {
	t.Helper()
	if s.State != state || s.AuthorizedAmount != auth || s.CapturedAmount != capt || s.RefundedAmount != ref {
		t.Errorf("status %s auth %d captured %d refunded %d, want %s %d %d %d",
			s.State, s.AuthorizedAmount, s.CapturedAmount, s.RefundedAmount, state, auth, capt, ref)
	}
}

func TestRegistered(t *testing.T) {
	d, err := gateway.Lookup("posnetv1")
	if err != nil {
		t.Fatal(err)
	}
	if d.MaxOrderID != 20 || len(d.Currencies) != 4 || len(d.ThreeDModels) != 1 || d.ThreeDModels[0] != gateway.Model3D {
		t.Errorf("descriptor: %+v", d)
	}
	if err := d.Validate(map[string]string{"merchant_no": mid, "terminal_no": "67C16990", "enc_key": "k"}); err != nil {
		t.Errorf("posnet_id must be optional: %v", err)
	}
	if err := d.Validate(map[string]string{"merchant_no": mid, "terminal_no": "67C16990"}); err == nil {
		t.Error("missing enc_key accepted: every request is signed with it")
	}
	for _, f := range d.Credentials {
		if f.Secret != (f.Key == posnetv1.CredEncKey) {
			t.Errorf("credential %s secret=%v", f.Key, f.Secret)
		}
	}
	for name, host := range map[string]string{"albaraka-test": "https://epostest.albarakaturk.com.tr/", "albaraka-production": "https://epos.albarakaturk.com.tr/"} {
		p, ok := d.Preset(name)
		if !ok || p.Endpoints.API != host+"ALBMerchantService/MerchantJSONAPI.svc" ||
			p.Endpoints.ThreeDGate != host+"ALBSecurePaymentUI/SecureProcess/SecureVerification.aspx" {
			t.Errorf("preset %s: %+v", name, p)
		}
	}
	g, err := d.New(gateway.Config{Credentials: sandboxCreds, Endpoints: gateway.Endpoints{API: "https://example.invalid/ALBMerchantService/MerchantJSONAPI.svc"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range []gateway.Operation{gateway.OpAuthorize, gateway.OpCapture, gateway.OpVoid, gateway.OpRefund, gateway.OpStatus, gateway.Op3D} {
		if !gateway.Supports(g, op) {
			t.Errorf("does not support %s", op)
		}
	}
	if gateway.Supports(g, gateway.OpHistory) {
		t.Error("PosNet V1 has no order history")
	}
	if g, err := d.New(gateway.Config{Credentials: sandboxCreds}); err == nil || g != nil {
		t.Errorf("no endpoint: got %v, %v", g, err)
	}
}

func TestAuthorizeApproved(t *testing.T) {
	e := newEnv(t, posnetv1sim.Config{})
	o := newOrder(12550, money.TRY)
	r := e.sale(o)
	want(t, "sale", r, gateway.Approved, gateway.ReasonNone)
	if r.BankCode != "00" || len(r.AuthCode) != 6 || len(r.HostRef) != 18 {
		t.Errorf("result fields: %+v", r)
	}
	got, ok := e.sim.Book().Get(mid, o.OrderID)
	if !ok || got.State != banksim.OrderCaptured || got.Captured != 12550 || got.Currency != "TRY" || got.AuthAttempts != 1 {
		t.Errorf("bank book: %+v", got)
	}
	if got.Card != "450634******9085" {
		t.Errorf("bank stored card %q", got.Card)
	}
	s := status(t, e.g, o.OrderID)
	wantStatus(t, s, gateway.StateCaptured, 12550, 12550, 0)
	if s.AuthCode != r.AuthCode || s.HostRef != r.HostRef {
		t.Errorf("status refs %q %q, sale gave %q %q", s.AuthCode, s.HostRef, r.AuthCode, r.HostRef)
	}
}

func TestShortOrderIDIsPadded(t *testing.T) {
	e := newEnv(t, posnetv1sim.Config{})
	o := newOrder(100, money.TRY)
	o.OrderID = "K895"
	want(t, "sale", e.sale(o), gateway.Approved, gateway.ReasonNone)
	if _, ok := e.sim.Book().Get(mid, "0000000000000000K895"); !ok {
		t.Error("bank did not get the zero-padded order id")
	}
	wantStatus(t, status(t, e.g, "K895"), gateway.StateCaptured, 100, 100, 0)
}

func TestDeclineTriggers(t *testing.T) {
	e := newEnv(t, posnetv1sim.Config{})
	for _, d := range banksim.Declines {
		t.Run(d.Code, func(t *testing.T) {
			check := func(how string, r *gateway.Result) {
				t.Helper()
				want(t, how, r, gateway.Declined, gateway.DeclineReason(d.Reason))
				if r.BankCode != "00"+d.Code || r.BankMessage != d.Message {
					t.Errorf("%s: code %q message %q, want %q %q", how, r.BankCode, r.BankMessage, "00"+d.Code, d.Message)
				}
			}
			o := newOrder(5000, money.TRY)
			check("card", e.g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: o, Capture: true, Card: testCard(t, d.ExamplePAN)}))
			o = gateway.Order{OrderID: id.BankOrder(20), Amount: banksim.TriggerAmount(d.Code, money.TRY)}
			check("amount", e.sale(o))
			if n := e.sim.Book().ApprovedAuths(o.OrderID); n != 0 {
				t.Errorf("declined order has %d approved auths", n)
			}
			if s := status(t, e.g, o.OrderID); s.State != gateway.StateNotFound {
				t.Errorf("declined order state %s", s.State)
			}
		})
	}
}

func TestExpiredCardDeclined(t *testing.T) {
	e := newEnv(t, posnetv1sim.Config{})
	c := testCard(t, goodPAN)
	c.Expiry, _ = card.NewExpiry(1, 2020)
	r := e.g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: newOrder(100, money.TRY), Capture: true, Card: c})
	want(t, "expired", r, gateway.Declined, gateway.ReasonExpiredCard)
	if r.BankCode != "0054" {
		t.Errorf("code %q", r.BankCode)
	}
}

func TestRejected(t *testing.T) {
	e := newEnv(t, posnetv1sim.Config{})
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
	bad[posnetv1.CredTerminalNo] = "67C00000"
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
	e := newEnv(t, posnetv1sim.Config{})
	o := newOrder(2500, money.TRY)
	first := e.sale(o)
	want(t, "first", first, gateway.Approved, gateway.ReasonNone)
	r := e.sale(o)
	want(t, "second", r, gateway.Rejected, gateway.ReasonDuplicateOrder)
	if r.BankErrorCode != "0127" || r.HostRef == first.HostRef {
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
	e := newEnv(t, posnetv1sim.Config{})
	ctx := t.Context()
	o := newOrder(10000, money.TRY)
	r := e.preAuth(o)
	want(t, "preauth", r, gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateAuthorized, 10000, 0, 0)

	capt := gateway.CaptureRequest{Order: o}
	capt.Amount = money.New(6000, money.TRY)
	want(t, "capture", e.g.Capture(ctx, &capt), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateCaptured, 10000, 6000, 0)
	want(t, "second capture", e.g.Capture(ctx, &capt), gateway.Rejected, gateway.ReasonInvalidTxn)
	if got, _ := e.sim.Book().Get(mid, o.OrderID); got.Captured != 6000 || got.State != banksim.OrderCaptured {
		t.Errorf("bank book %+v", got)
	}

	o2 := newOrder(5000, money.TRY)
	want(t, "preauth 2", e.preAuth(o2), gateway.Approved, gateway.ReasonNone)
	over := gateway.CaptureRequest{Order: o2}
	over.Amount = money.New(5001, money.TRY)
	want(t, "over-capture", e.g.Capture(ctx, &over), gateway.Rejected, gateway.ReasonInvalidTxn)
	wantStatus(t, status(t, e.g, o2.OrderID), gateway.StateAuthorized, 5000, 0, 0)
	full := gateway.CaptureRequest{Order: o2, Installments: 1}
	want(t, "full capture", e.g.Capture(ctx, &full), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o2.OrderID), gateway.StateCaptured, 5000, 5000, 0)

	// A sale is not capturable; an unknown order neither.
	s := newOrder(300, money.TRY)
	want(t, "sale", e.sale(s), gateway.Approved, gateway.ReasonNone)
	sc := gateway.CaptureRequest{Order: s}
	want(t, "capture a sale", e.g.Capture(ctx, &sc), gateway.Rejected, gateway.ReasonInvalidTxn)
	nc := gateway.CaptureRequest{Order: newOrder(300, money.TRY)}
	want(t, "capture unknown", e.g.Capture(ctx, &nc), gateway.Rejected, gateway.ReasonInvalidTxn)
}

func TestVoid(t *testing.T) {
	e := newEnv(t, posnetv1sim.Config{})
	ctx := t.Context()
	o := newOrder(4200, money.TRY)
	want(t, "sale", e.sale(o), gateway.Approved, gateway.ReasonNone)
	want(t, "void", e.g.Void(ctx, &gateway.VoidRequest{Order: o}), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateVoided, 4200, 4200, 0)
	want(t, "void again", e.g.Void(ctx, &gateway.VoidRequest{Order: o}), gateway.Rejected, gateway.ReasonInvalidTxn)
	want(t, "refund voided", e.g.Refund(ctx, &gateway.RefundRequest{Order: o, Full: true}), gateway.Rejected, gateway.ReasonInvalidTxn)
	if tot := e.sim.Book().ApprovedTotal()["TRY"]; tot != 0 {
		t.Errorf("voided sale still counts %d", tot)
	}

	p := newOrder(900, money.TRY)
	want(t, "preauth", e.preAuth(p), gateway.Approved, gateway.ReasonNone)
	want(t, "void preauth", e.g.Void(ctx, &gateway.VoidRequest{Order: p}), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, p.OrderID), gateway.StateVoided, 900, 0, 0)

	c := newOrder(800, money.TRY)
	want(t, "preauth", e.preAuth(c), gateway.Approved, gateway.ReasonNone)
	want(t, "capture", e.g.Capture(ctx, &gateway.CaptureRequest{Order: c}), gateway.Approved, gateway.ReasonNone)
	want(t, "void captured", e.g.Void(ctx, &gateway.VoidRequest{Order: c}), gateway.Approved, gateway.ReasonNone)
	if got, _ := e.sim.Book().Get(mid, c.OrderID); got.State != banksim.OrderVoided {
		t.Errorf("bank book %+v", got)
	}

	late := newOrder(700, money.TRY)
	want(t, "sale", e.sale(late), gateway.Approved, gateway.ReasonNone)
	e.sim.CloseBatch()
	r := e.g.Void(ctx, &gateway.VoidRequest{Order: late})
	want(t, "void after batch", r, gateway.Rejected, gateway.ReasonInvalidTxn)
	if r.BankErrorCode != "0110" {
		t.Errorf("error code %q", r.BankErrorCode)
	}
}

func TestRefunds(t *testing.T) {
	e := newEnv(t, posnetv1sim.Config{})
	ctx := t.Context()
	o := newOrder(10000, money.TRY)
	want(t, "sale", e.sale(o), gateway.Approved, gateway.ReasonNone)

	part := gateway.RefundRequest{Order: o}
	part.Amount = money.New(3000, money.TRY)
	want(t, "partial refund", e.g.Refund(ctx, &part), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateRefunded, 10000, 10000, 3000)
	want(t, "void after refund", e.g.Void(ctx, &gateway.VoidRequest{Order: o}), gateway.Rejected, gateway.ReasonInvalidTxn)

	rest := gateway.RefundRequest{Order: o, Full: true}
	rest.Amount = money.New(7000, money.TRY)
	want(t, "rest refunded", e.g.Refund(ctx, &rest), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateRefunded, 10000, 10000, 10000)
	if got, _ := e.sim.Book().Get(mid, o.OrderID); got.Refunded != 10000 || got.State != banksim.OrderRefunded {
		t.Errorf("bank book %+v", got)
	}
	more := gateway.RefundRequest{Order: o}
	more.Amount = money.New(1, money.TRY)
	r := e.g.Refund(ctx, &more)
	want(t, "refund beyond captured", r, gateway.Rejected, gateway.ReasonInvalidTxn)
	if r.BankErrorCode != "0109" {
		t.Errorf("error code %q", r.BankErrorCode)
	}

	// A captured pre-auth refunds up to the captured amount only.
	p := newOrder(5000, money.TRY)
	want(t, "preauth", e.preAuth(p), gateway.Approved, gateway.ReasonNone)
	pc := gateway.CaptureRequest{Order: p}
	pc.Amount = money.New(4000, money.TRY)
	want(t, "capture", e.g.Capture(ctx, &pc), gateway.Approved, gateway.ReasonNone)
	over := gateway.RefundRequest{Order: p}
	over.Amount = money.New(4001, money.TRY)
	want(t, "refund > captured", e.g.Refund(ctx, &over), gateway.Rejected, gateway.ReasonInvalidTxn)
	ok := gateway.RefundRequest{Order: p, Full: true}
	ok.Amount = money.New(4000, money.TRY)
	want(t, "refund captured", e.g.Refund(ctx, &ok), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, p.OrderID), gateway.StateRefunded, 5000, 4000, 4000)

	// An open pre-auth has nothing to refund.
	q := newOrder(100, money.TRY)
	want(t, "preauth", e.preAuth(q), gateway.Approved, gateway.ReasonNone)
	want(t, "refund preauth", e.g.Refund(ctx, &gateway.RefundRequest{Order: q}), gateway.Rejected, gateway.ReasonInvalidTxn)
}

func TestStatusNotFound(t *testing.T) {
	e := newEnv(t, posnetv1sim.Config{})
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
	e := newEnv(t, posnetv1sim.Config{})
	o := newOrder(7777, money.TRY)
	e.sim.Faults().Next(posnetv1sim.OpSale, banksim.TimeoutAfter, 1)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	r := e.g.Authorize(ctx, &gateway.AuthorizeRequest{Order: o, Capture: true, Card: testCard(t, goodPAN)})
	want(t, "lost reply", r, gateway.Unknown, gateway.ReasonSystemError)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateCaptured, 7777, 7777, 0)

	o2 := newOrder(100, money.TRY)
	e.sim.Faults().Next(posnetv1sim.OpSale, banksim.TimeoutBefore, 1)
	ctx2, cancel2 := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel2()
	r = e.g.Authorize(ctx2, &gateway.AuthorizeRequest{Order: o2, Capture: true, Card: testCard(t, goodPAN)})
	want(t, "lost request", r, gateway.Unknown, gateway.ReasonSystemError)
	if s := status(t, e.g, o2.OrderID); s.State != gateway.StateNotFound {
		t.Errorf("state %s", s.State)
	}

	// A lost refund reply: Unknown, and the status shows it happened.
	e.sim.Faults().Next(posnetv1sim.OpReturn, banksim.TimeoutAfter, 1)
	ctx3, cancel3 := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel3()
	ref := gateway.RefundRequest{Order: o}
	ref.Amount = money.New(777, money.TRY)
	want(t, "lost refund reply", e.g.Refund(ctx3, &ref), gateway.Unknown, gateway.ReasonSystemError)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateRefunded, 7777, 7777, 777)
}

func TestUnknownOnFaults(t *testing.T) {
	e := newEnv(t, posnetv1sim.Config{})
	for _, tc := range []struct {
		fault     banksim.Fault
		committed bool
	}{
		{banksim.HTTP500, false},
		{banksim.HTTP500After, true},
		{banksim.Malformed, true},
		{banksim.Truncated, true},
		{banksim.Reset, true},
	} {
		t.Run(string(tc.fault.Kind), func(t *testing.T) {
			o := newOrder(1234, money.TRY)
			e.sim.Faults().Next(posnetv1sim.OpSale, tc.fault, 1)
			r := e.sale(o)
			want(t, "sale", r, gateway.Unknown, gateway.ReasonSystemError)
			if r.Err == nil {
				t.Error("no error kept")
			}
			if strings.Contains(r.BankMessage, goodPAN) || strings.Contains(fmt.Sprint(r.Err), goodPAN) {
				t.Error("card number in the result")
			}
			if got := status(t, e.g, o.OrderID).State == gateway.StateCaptured; got != tc.committed {
				t.Errorf("committed %v", got)
			}
		})
	}
	e.sim.Faults().Next(posnetv1sim.OpInquiry, banksim.Malformed, 1)
	if s := e.g.Status(t.Context(), "X1"); s.Outcome != gateway.Unknown {
		t.Errorf("status on malformed: %s", s.Outcome)
	}
	// The order lookup before a refund fails: the refund was never sent.
	o := newOrder(500, money.TRY)
	want(t, "sale", e.sale(o), gateway.Approved, gateway.ReasonNone)
	e.sim.Faults().Next(posnetv1sim.OpInquiry, banksim.HTTP500, 1)
	ref := gateway.RefundRequest{Order: o}
	ref.Amount = money.New(100, money.TRY)
	want(t, "refund lookup failed", e.g.Refund(t.Context(), &ref), gateway.NotSent, gateway.ReasonSystemError)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateCaptured, 500, 500, 0)
}

func TestNotSentWhenNothingListens(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	g, err := posnetv1.New(gateway.Config{Credentials: sandboxCreds, Endpoints: gateway.Endpoints{API: "http://" + addr + "/ALBMerchantService/MerchantJSONAPI.svc"}})
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
	e := newEnv(t, posnetv1sim.Config{})
	for _, c := range []money.Currency{money.TRY, money.USD, money.EUR, money.GBP} {
		o := newOrder(123456, c)
		want(t, c.Code, e.sale(o), gateway.Approved, gateway.ReasonNone)
		got, _ := e.sim.Book().Get(mid, o.OrderID)
		if got.Currency != c.Code || got.Captured != 123456 {
			t.Errorf("%s: bank has %s %d", c.Code, got.Currency, got.Captured)
		}
		ref := gateway.RefundRequest{Order: o}
		ref.Amount = money.New(25, c)
		want(t, c.Code+" refund", e.g.Refund(t.Context(), &ref), gateway.Approved, gateway.ReasonNone)
		wantStatus(t, status(t, e.g, o.OrderID), gateway.StateRefunded, 123456, 123456, 25)
	}
	o := newOrder(500, money.TRY)
	want(t, "sale", e.sale(o), gateway.Approved, gateway.ReasonNone)
	ref := gateway.RefundRequest{Order: o}
	ref.Amount = money.New(100, money.EUR)
	want(t, "currency mismatch", e.g.Refund(t.Context(), &ref), gateway.Rejected, gateway.ReasonInvalidTxn)
}

func TestInstallments(t *testing.T) {
	e := newEnv(t, posnetv1sim.Config{})
	for n := 0; n <= 12; n++ {
		o := newOrder(120000, money.TRY)
		r := e.g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: o, Capture: true, Installments: n, Card: testCard(t, goodPAN)})
		want(t, fmt.Sprint(n, " installments"), r, gateway.Approved, gateway.ReasonNone)
		if got, _ := e.sim.Book().Get(mid, o.OrderID); got.Installments != max(n, 1) {
			t.Errorf("%d: bank recorded %d installments", n, got.Installments)
		}
	}
	e.sim.AddMerchant(posnetv1sim.Merchant{MerchantNo: "6700000001", TerminalNo: "67000001", EncKey: "k", MaxInstallments: 6})
	g := newGateway(t, e.sim, map[string]string{posnetv1.CredMerchantNo: "6700000001", posnetv1.CredTerminalNo: "67000001", posnetv1.CredEncKey: "k"})
	r := g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: newOrder(100, money.TRY), Capture: true, Installments: 9, Card: testCard(t, goodPAN)})
	want(t, "beyond plan", r, gateway.Rejected, gateway.ReasonInstallments)
}

// Concurrent retries of one order id charge at most once.
func TestConcurrentSameOrderChargesOnce(t *testing.T) {
	e := newEnv(t, posnetv1sim.Config{})
	o := newOrder(5000, money.TRY)
	results := make(chan *gateway.Result, 8)
	for range 8 {
		go func() { results <- e.sale(o) }()
	}
	approved := 0
	for range 8 {
		r := <-results
		switch {
		case r.OK():
			approved++
		case r.Reason != gateway.ReasonDuplicateOrder:
			t.Errorf("unexpected %s/%s", r.Outcome, r.Reason)
		}
	}
	if approved != 1 || e.sim.Book().ApprovedAuths(o.OrderID) != 1 {
		t.Errorf("approved %d, bank approved %d", approved, e.sim.Book().ApprovedAuths(o.OrderID))
	}
}
