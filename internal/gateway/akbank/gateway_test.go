package akbank_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	akbanksim "github.com/kasapos/kasa/internal/banksim/akbank"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/akbank"
	"github.com/kasapos/kasa/internal/money"
)

var ctx = context.Background()

// env is an adapter talking to a fresh simulator over loopback HTTP.
type env struct {
	sim *akbanksim.Server
	g   *akbank.Gateway
	pos banksim.SimPOS
	seq int
}

func newEnv(t *testing.T) *env {
	t.Helper()
	sim := akbanksim.New(akbanksim.Config{})
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	pos := sim.POS()
	g, err := akbank.New(gateway.Config{Credentials: pos.Credentials, Endpoints: pos.Endpoints,
		HTTPClient: &http.Client{Timeout: 2 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	return &env{sim: sim, g: g, pos: pos}
}

func (e *env) orderID() string {
	e.seq++
	return "KT" + time.Now().Format("150405") + string(rune('A'+e.seq%26)) + string(rune('A'+e.seq/26%26))
}

func testCard(t *testing.T, pan string) card.Card {
	t.Helper()
	p, err := card.ParsePAN(pan)
	if err != nil {
		t.Fatal(err)
	}
	cvv, _ := card.ParseCVV(akbanksim.TestCard.CVV)
	return card.Card{PAN: p, Expiry: card.Expiry{Month: 11, Year: 2040}, CVV: cvv, Holder: "Ayşe Yılmaz"}
}

func (e *env) sale(t *testing.T, minor int64, cur money.Currency, capture bool, inst int, pan string) (string, *gateway.Result) {
	t.Helper()
	id := e.orderID()
	res := e.g.Authorize(ctx, &gateway.AuthorizeRequest{
		Order:   gateway.Order{OrderID: id, Amount: money.New(minor, cur), ClientIP: "203.0.113.7"},
		Capture: capture, Installments: inst, Card: testCard(t, pan),
	})
	return id, res
}

func wantOutcome(t *testing.T, res *gateway.Result, want gateway.Outcome) {
	t.Helper()
	if res.Outcome != want {
		t.Fatalf("outcome %s, want %s: %+v", res.Outcome, want, res)
	}
}

func (e *env) order(t *testing.T, id string) banksim.Order {
	t.Helper()
	o, ok := e.sim.Book().Get(akbanksim.Sandbox().MerchantSafeID, id)
	if !ok {
		t.Fatalf("simulator has no order %s", id)
	}
	return o
}

func TestSaleApproved(t *testing.T) {
	e := newEnv(t)
	id, res := e.sale(t, 12550, money.TRY, true, 1, akbanksim.TestCard.PAN)
	wantOutcome(t, res, gateway.Approved)
	if res.BankCode != "00" || res.AuthCode == "" || res.HostRef == "" {
		t.Fatalf("result %+v", res)
	}
	if o := e.order(t, id); o.Captured != 12550 || o.State != banksim.OrderCaptured {
		t.Fatalf("bank book %+v", o)
	}
	// The bank refuses the order id a second time.
	res = e.g.Authorize(ctx, &gateway.AuthorizeRequest{Order: gateway.Order{OrderID: id, Amount: money.New(100, money.TRY)},
		Capture: true, Card: testCard(t, akbanksim.TestCard.PAN)})
	if res.Outcome != gateway.Rejected || res.Reason != gateway.ReasonDuplicateOrder || res.BankCode != "VPS-1013" {
		t.Fatalf("duplicate: %+v", res)
	}
}

// TestDeclineTriggers runs every shared decline trigger by card number.
func TestDeclineTriggers(t *testing.T) {
	e := newEnv(t)
	for _, d := range banksim.Declines {
		t.Run(d.Code, func(t *testing.T) {
			_, res := e.sale(t, 1000, money.TRY, true, 1, d.ExamplePAN)
			wantOutcome(t, res, gateway.Declined)
			if string(res.Reason) != d.Reason || res.BankCode != d.Code || res.BankErrorCode != "VPS-1005" {
				t.Fatalf("got %s/%s/%s, want %s/%s", res.Reason, res.BankCode, res.BankErrorCode, d.Reason, d.Code)
			}
		})
	}
	t.Run("amount_trigger", func(t *testing.T) {
		_, res := e.sale(t, banksim.TriggerAmount("51", money.TRY).Minor, money.TRY, true, 1, akbanksim.TestCard.PAN)
		if res.Outcome != gateway.Declined || res.Reason != gateway.ReasonInsufficientFunds {
			t.Fatalf("%+v", res)
		}
	})
}

func TestPreAuthPartialCapture(t *testing.T) {
	e := newEnv(t)
	id, res := e.sale(t, 10000, money.TRY, false, 1, akbanksim.TestCard.PAN)
	wantOutcome(t, res, gateway.Approved)
	st := e.g.Status(ctx, id)
	if st.Outcome != gateway.Approved || st.State != gateway.StateAuthorized || st.AuthorizedAmount != 10000 {
		t.Fatalf("status after pre-auth %+v", st)
	}
	over := e.g.Capture(ctx, &gateway.CaptureRequest{Order: gateway.Order{OrderID: id, Amount: money.New(10001, money.TRY)}})
	wantOutcome(t, over, gateway.Rejected)
	res = e.g.Capture(ctx, &gateway.CaptureRequest{Order: gateway.Order{OrderID: id, Amount: money.New(7000, money.TRY)}})
	wantOutcome(t, res, gateway.Approved)
	if o := e.order(t, id); o.Captured != 7000 {
		t.Fatalf("captured %d", o.Captured)
	}
	st = e.g.Status(ctx, id)
	if st.State != gateway.StateCaptured || st.CapturedAmount != 7000 || st.AuthorizedAmount != 10000 {
		t.Fatalf("status after capture %+v", st)
	}
}

func TestVoid(t *testing.T) {
	e := newEnv(t)
	id, _ := e.sale(t, 3000, money.TRY, true, 1, akbanksim.TestCard.PAN)
	res := e.g.Void(ctx, &gateway.VoidRequest{Order: gateway.Order{OrderID: id}})
	wantOutcome(t, res, gateway.Approved)
	if o := e.order(t, id); o.State != banksim.OrderVoided {
		t.Fatalf("bank order %s", o.State)
	}
	if st := e.g.Status(ctx, id); st.State != gateway.StateVoided {
		t.Fatalf("status %+v", st)
	}
	// Voiding twice, or after the batch closed, is refused.
	wantOutcome(t, e.g.Void(ctx, &gateway.VoidRequest{Order: gateway.Order{OrderID: id}}), gateway.Rejected)
	id2, _ := e.sale(t, 3000, money.TRY, true, 1, akbanksim.TestCard.PAN)
	e.sim.CloseBatch()
	wantOutcome(t, e.g.Void(ctx, &gateway.VoidRequest{Order: gateway.Order{OrderID: id2}}), gateway.Rejected)
}

func TestRefunds(t *testing.T) {
	e := newEnv(t)
	id, _ := e.sale(t, 9000, money.TRY, true, 1, akbanksim.TestCard.PAN)
	refund := func(minor int64, full bool) *gateway.Result {
		return e.g.Refund(ctx, &gateway.RefundRequest{Order: gateway.Order{OrderID: id, Amount: money.New(minor, money.TRY)}, Full: full})
	}
	wantOutcome(t, refund(4000, false), gateway.Approved)
	if st := e.g.Status(ctx, id); st.State != gateway.StateRefunded || st.RefundedAmount != 4000 || st.CapturedAmount != 9000 {
		t.Fatalf("status after partial refund %+v", st)
	}
	above := refund(5001, false)
	if above.Outcome != gateway.Rejected || above.BankCode == "" {
		t.Fatalf("refund above captured: %+v", above)
	}
	wantOutcome(t, refund(5000, true), gateway.Approved)
	if o := e.order(t, id); o.Refunded != 9000 || o.State != banksim.OrderRefunded {
		t.Fatalf("bank book %+v", o)
	}
	hist, hres := e.g.OrderHistory(ctx, id)
	wantOutcome(t, hres, gateway.Approved)
	var types []string
	for _, h := range hist {
		types = append(types, h.Type+"/"+h.BankCode)
	}
	if len(hist) != 4 || hist[0].Type != "Auth" || hist[1].Amount != 4000 || hist[2].Amount != 5001 || hist[2].BankCode == "00" || hist[3].Amount != 5000 {
		t.Fatalf("history %v %+v", types, hist)
	}
}

func TestStatusAfterLostReply(t *testing.T) {
	e := newEnv(t)
	e.sim.Faults().Next(e.sim.FaultOp(gateway.OpAuthorize, true), banksim.TimeoutAfter, 1)
	short := context.Background()
	id := e.orderID()
	cctx, cancel := context.WithTimeout(short, 300*time.Millisecond)
	defer cancel()
	res := e.g.Authorize(cctx, &gateway.AuthorizeRequest{Order: gateway.Order{OrderID: id, Amount: money.New(4400, money.TRY)},
		Capture: true, Card: testCard(t, akbanksim.TestCard.PAN)})
	wantOutcome(t, res, gateway.Unknown)
	st := e.g.Status(ctx, id)
	if st.Outcome != gateway.Approved || st.State != gateway.StateCaptured || st.CapturedAmount != 4400 {
		t.Fatalf("status %+v", st)
	}
	if st := e.g.Status(ctx, "NEVER"+id); st.Outcome != gateway.Approved || st.State != gateway.StateNotFound {
		t.Fatalf("unknown order %+v", st)
	}
}

func TestTransportClassification(t *testing.T) {
	e := newEnv(t)
	// Nothing listens: NotSent.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	g, _ := akbank.New(gateway.Config{Credentials: e.pos.Credentials, Endpoints: gateway.Endpoints{API: "http://" + addr + "/api"}})
	res := g.Authorize(ctx, &gateway.AuthorizeRequest{Order: gateway.Order{OrderID: "NS1", Amount: money.New(100, money.TRY)},
		Capture: true, Card: testCard(t, akbanksim.TestCard.PAN)})
	wantOutcome(t, res, gateway.NotSent)

	// A garbled 2xx reply: Unknown.
	e.sim.Faults().Next(akbanksim.OpSale, banksim.Malformed, 1)
	_, res = e.sale(t, 100, money.TRY, true, 1, akbanksim.TestCard.PAN)
	wantOutcome(t, res, gateway.Unknown)
	if !errors.Is(res.Err, akbank.ErrBadResponse) {
		t.Fatalf("err %v", res.Err)
	}

	// Signed with another key: the bank answers HTTP 400, nothing processed.
	creds := map[string]string{}
	for k, v := range e.pos.Credentials {
		creds[k] = v
	}
	creds[akbank.CredSecretKey] = "wrong"
	bad, _ := akbank.New(gateway.Config{Credentials: creds, Endpoints: e.pos.Endpoints})
	res = bad.Authorize(ctx, &gateway.AuthorizeRequest{Order: gateway.Order{OrderID: "BADKEY1", Amount: money.New(100, money.TRY)},
		Capture: true, Card: testCard(t, akbanksim.TestCard.PAN)})
	wantOutcome(t, res, gateway.Rejected)
	if len(e.sim.Book().Find("BADKEY1")) != 0 {
		t.Fatal("a request with a wrong auth-hash was processed")
	}
}

func TestCurrenciesAndInstallments(t *testing.T) {
	e := newEnv(t)
	for _, c := range akbank.Descriptor().Currencies {
		id, res := e.sale(t, 2500, c, true, 1, akbanksim.TestCard.PAN)
		wantOutcome(t, res, gateway.Approved)
		if o := e.order(t, id); o.Currency != c.Code {
			t.Errorf("%s recorded as %s", c.Code, o.Currency)
		}
	}
	for n := 0; n <= 12; n++ {
		id, res := e.sale(t, 120000, money.TRY, true, n, akbanksim.TestCard.PAN)
		wantOutcome(t, res, gateway.Approved)
		if o := e.order(t, id); o.Installments != max(n, 1) {
			t.Errorf("%d installments recorded as %d", n, o.Installments)
		}
	}
	// Installments are TRY only.
	_, res := e.sale(t, 120000, money.USD, true, 3, akbanksim.TestCard.PAN)
	if res.Outcome != gateway.Rejected || res.Reason != gateway.ReasonInstallments {
		t.Fatalf("USD installments: %+v", res)
	}
}

func TestLocalRejections(t *testing.T) {
	e := newEnv(t)
	long := make([]byte, akbank.MaxOrderID+1)
	for i := range long {
		long[i] = 'A'
	}
	for _, id := range []string{"", string(long), "BAD ID", "ŞİPARİŞ"} {
		res := e.g.Authorize(ctx, &gateway.AuthorizeRequest{Order: gateway.Order{OrderID: id, Amount: money.New(100, money.TRY)},
			Capture: true, Card: testCard(t, akbanksim.TestCard.PAN)})
		wantOutcome(t, res, gateway.Rejected)
	}
	res := e.g.Authorize(ctx, &gateway.AuthorizeRequest{Order: gateway.Order{OrderID: "JPY1", Amount: money.New(100, money.JPY)},
		Capture: true, Card: testCard(t, akbanksim.TestCard.PAN)})
	wantOutcome(t, res, gateway.Rejected)
}

// TestGarbledStatus: a history reply that is not JSON leaves the status Unknown.
func TestGarbledStatus(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(`{"responseCode":`)) }))
	defer srv.Close()
	e := newEnv(t)
	g, _ := akbank.New(gateway.Config{Credentials: e.pos.Credentials, Endpoints: gateway.Endpoints{API: srv.URL}})
	if st := g.Status(ctx, "X1"); st.Outcome != gateway.Unknown {
		t.Fatalf("%+v", st)
	}
}
