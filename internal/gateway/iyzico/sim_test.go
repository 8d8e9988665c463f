package iyzico

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	iyzicosim "github.com/kasapos/kasa/internal/banksim/iyzico"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/gatewaytest"
	"github.com/kasapos/kasa/internal/money"
)

// Adapter tests against the simulator over loopback HTTP.

func newSim(t *testing.T) (*iyzicosim.Server, *Gateway) {
	t.Helper()
	sim := iyzicosim.New(iyzicosim.Config{})
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	pos := sim.POS()
	g, err := New(gateway.Config{Credentials: pos.Credentials, Endpoints: pos.Endpoints})
	if err != nil {
		t.Fatal(err)
	}
	return sim, g
}

// bench is the env for the scenarios gatewaytest shares between adapters.
func bench(sim *iyzicosim.Server, g *Gateway) gatewaytest.Bench {
	return gatewaytest.Bench{G: g, Sim: sim.Core, Merchant: sim.POS().Credentials[CredAPIKey], GoodPAN: iyzicosim.TestCard.PAN, Card: testCard}
}

func testCard(t testing.TB, pan string) card.Card {
	t.Helper()
	if pan == "" {
		pan = iyzicosim.TestCard.PAN
	}
	p, err := card.ParsePAN(pan)
	if err != nil {
		t.Fatal(err)
	}
	exp, _ := card.NewExpiry(12, 2030)
	cvv, _ := card.ParseCVV("123")
	return card.Card{PAN: p, Expiry: exp, CVV: cvv, Holder: "Ayşe Yılmaz"}
}

var seq int

func order(minor int64, c money.Currency) gateway.Order {
	seq++
	return gateway.Order{OrderID: "ORD-" + time.Now().Format("150405.000") + "-" + string(rune('a'+seq%26)) + strings.Repeat("x", seq%3), Amount: money.New(minor, c), ClientIP: "10.0.0.1"}
}

func sale(t *testing.T, g *Gateway, o gateway.Order, capture bool, pan string) *gateway.Result {
	t.Helper()
	return g.Authorize(context.Background(), &gateway.AuthorizeRequest{Order: o, Capture: capture, Card: testCard(t, pan), Email: "a@example.com"})
}

func mustOK(t *testing.T, r *gateway.Result) {
	t.Helper()
	if r.Outcome != gateway.Approved {
		t.Fatalf("%s %s %s %q %v", r.Outcome, r.Reason, r.BankCode, r.BankMessage, r.Err)
	}
}

func TestSaleApproved(t *testing.T) {
	sim, g := newSim(t)
	o := order(12550, money.TRY)
	r := sale(t, g, o, true, "")
	mustOK(t, r)
	if r.TransID == "" || r.AuthCode == "" || r.HostRef == "" {
		t.Fatalf("result lacks references: %+v", r)
	}
	bo, _ := sim.Book().Get(sim.POS().Credentials[CredAPIKey], o.OrderID)
	if bo.Captured != 12550 || bo.State != banksim.OrderCaptured {
		t.Fatalf("book: %+v", bo)
	}
}

func TestDeclineTriggers(t *testing.T) {
	_, g := newSim(t)
	for _, d := range banksim.Declines {
		r := sale(t, g, order(1000, money.TRY), true, d.ExamplePAN)
		want := "100" + d.Code
		if d.Code == "82" {
			want = "10084"
		}
		if r.Outcome != gateway.Declined || string(r.Reason) != d.Reason || r.BankCode != want {
			t.Errorf("card %s: %s %s %s, want declined %s %s", d.ExamplePAN, r.Outcome, r.Reason, r.BankCode, d.Reason, want)
		}
		// The amount trigger gives the same answer with the test card.
		r = sale(t, g, gateway.Order{OrderID: order(0, money.TRY).OrderID, Amount: banksim.TriggerAmount(d.Code, money.TRY)}, true, "")
		if r.Outcome != gateway.Declined || string(r.Reason) != d.Reason {
			t.Errorf("amount trigger %s: %s %s", d.Code, r.Outcome, r.Reason)
		}
	}
}

func TestPreAuthPartialCapture(t *testing.T) {
	sim, g := newSim(t)
	o := order(10000, money.TRY)
	mustOK(t, sale(t, g, o, false, ""))
	st := g.Status(context.Background(), o.OrderID)
	if st.State != gateway.StateAuthorized || st.AuthorizedAmount != 10000 {
		t.Fatalf("status after preauth: %+v", st)
	}
	c := o
	c.Amount = money.New(7000, money.TRY)
	mustOK(t, g.Capture(context.Background(), &gateway.CaptureRequest{Order: c}))
	bo, _ := sim.Book().Get(sim.POS().Credentials[CredAPIKey], o.OrderID)
	if bo.Captured != 7000 {
		t.Fatalf("captured %d", bo.Captured)
	}
	st = g.Status(context.Background(), o.OrderID)
	if st.State != gateway.StateCaptured || st.CapturedAmount != 7000 {
		t.Fatalf("status after capture: %+v", st)
	}
	// A second capture is refused.
	if r := g.Capture(context.Background(), &gateway.CaptureRequest{Order: c}); r.Outcome != gateway.Rejected {
		t.Fatalf("second capture: %+v", r)
	}
}

func TestVoid(t *testing.T) {
	sim, g := newSim(t)
	o := order(3000, money.TRY)
	mustOK(t, sale(t, g, o, true, ""))
	mustOK(t, g.Void(context.Background(), &gateway.VoidRequest{Order: o}))
	if st := g.Status(context.Background(), o.OrderID); st.State != gateway.StateVoided {
		t.Fatalf("status after void: %+v", st)
	}
	// After the batch closes a void is refused.
	o2 := order(3000, money.TRY)
	mustOK(t, sale(t, g, o2, true, ""))
	sim.CloseBatch()
	if r := g.Void(context.Background(), &gateway.VoidRequest{Order: o2}); r.Outcome != gateway.Rejected {
		t.Fatalf("void after batch: %+v", r)
	}
}

func TestRefunds(t *testing.T) {
	sim, g := newSim(t)
	o := order(9000, money.TRY)
	mustOK(t, sale(t, g, o, true, ""))
	part := o
	part.Amount = money.New(4000, money.TRY)
	mustOK(t, g.Refund(context.Background(), &gateway.RefundRequest{Order: part}))
	over := o
	over.Amount = money.New(5001, money.TRY)
	if r := g.Refund(context.Background(), &gateway.RefundRequest{Order: over}); r.Outcome != gateway.Rejected || r.BankCode != ErrCodeRefundExceeds {
		t.Fatalf("refund above captured: %+v", r)
	}
	st := g.Status(context.Background(), o.OrderID)
	if st.State != gateway.StateRefunded || st.RefundedAmount != 4000 {
		t.Fatalf("status after partial refund: %+v", st)
	}
	full := o
	full.Amount = money.Amount{Currency: money.TRY}
	mustOK(t, g.Refund(context.Background(), &gateway.RefundRequest{Order: full, Full: true}))
	bo, _ := sim.Book().Get(sim.POS().Credentials[CredAPIKey], o.OrderID)
	if bo.Refunded != 9000 || bo.State != banksim.OrderRefunded {
		t.Fatalf("book after full refund: %+v", bo)
	}
}

func TestStatusAfterLostReply(t *testing.T) {
	sim, g := newSim(t)
	gatewaytest.LostReplyThenStatus(t, bench(sim, g), sim.FaultOp(gateway.OpAuthorize, true), iyzicosim.OpRefund)
}

func TestGarbledReplyIsUnknown(t *testing.T) {
	for _, f := range []banksim.Fault{{Kind: banksim.KindMalformed}, {Kind: banksim.KindTruncated}} {
		sim, g := newSim(t)
		sim.Faults().Next(iyzicosim.OpAuth, f, 1)
		if r := sale(t, g, order(1000, money.TRY), true, ""); r.Outcome != gateway.Unknown || !errors.Is(r.Err, ErrBadResponse) {
			t.Errorf("%s: %+v", f.Kind, r)
		}
	}
}

func TestStatusNotFound(t *testing.T) {
	_, g := newSim(t)
	st := g.Status(context.Background(), "no-such-order")
	if st.Outcome != gateway.Approved || st.State != gateway.StateNotFound {
		t.Fatalf("%+v", st)
	}
	if r := g.Void(context.Background(), &gateway.VoidRequest{Order: gateway.Order{OrderID: "no-such-order"}}); r.Outcome != gateway.Rejected {
		t.Fatalf("void of unknown order: %+v", r)
	}
}

func TestNotSentWhenNothingListens(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	g, err := New(gateway.Config{Credentials: map[string]string{CredAPIKey: "k", CredSecretKey: "s"}, Endpoints: gateway.Endpoints{API: "http://" + addr}})
	if err != nil {
		t.Fatal(err)
	}
	if r := sale(t, g, order(1000, money.TRY), true, ""); r.Outcome != gateway.NotSent {
		t.Fatalf("%+v", r)
	}
}

func TestWrongSecretIsRejected(t *testing.T) {
	sim, _ := newSim(t)
	g, _ := New(gateway.Config{Credentials: map[string]string{CredAPIKey: sim.POS().Credentials[CredAPIKey], CredSecretKey: "wrong"}, Endpoints: sim.POS().Endpoints})
	r := sale(t, g, order(1000, money.TRY), true, "")
	if r.Outcome != gateway.Rejected || r.BankCode != ErrCodeInvalidSignature {
		t.Fatalf("%+v", r)
	}
}

func TestDuplicateOrder(t *testing.T) {
	_, g := newSim(t)
	o := order(1000, money.TRY)
	mustOK(t, sale(t, g, o, true, ""))
	if r := sale(t, g, o, true, ""); r.Outcome != gateway.Rejected || r.Reason != gateway.ReasonDuplicateOrder {
		t.Fatalf("%+v", r)
	}
}

func TestCurrencies(t *testing.T) {
	sim, g := newSim(t)
	for _, c := range descriptor.Currencies {
		o := order(2500, c)
		mustOK(t, sale(t, g, o, true, ""))
		if bo, _ := sim.Book().Get(sim.POS().Credentials[CredAPIKey], o.OrderID); bo.Currency != c.Code || bo.Captured != 2500 {
			t.Errorf("%s: book %+v", c.Code, bo)
		}
	}
	if r := sale(t, g, order(2500, money.JPY), true, ""); r.Outcome != gateway.Rejected {
		t.Fatalf("JPY: %+v", r)
	}
}

func TestInstallments(t *testing.T) {
	sim, g := newSim(t)
	gatewaytest.Installments(t, bench(sim, g))
	// Installments are TRY only at iyzico.
	r := g.Authorize(context.Background(), &gateway.AuthorizeRequest{Order: order(120000, money.USD), Capture: true, Installments: 3, Card: testCard(t, "")})
	if r.Outcome != gateway.Rejected {
		t.Fatalf("USD installments: %+v", r)
	}
}

func TestInstallmentQuery(t *testing.T) {
	_, g := newSim(t)
	infos, err := g.Installments(context.Background(), "552879", money.New(10000, money.TRY))
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 1 || len(infos[0].Options) == 0 || infos[0].Options[0].Count != 1 || infos[0].Options[0].Total.Minor != 10000 {
		t.Fatalf("%+v", infos)
	}
	if _, err := g.Installments(context.Background(), "55a879", money.New(10000, money.TRY)); err == nil {
		t.Fatal("bad BIN accepted")
	}
}

// --- 3D Secure, driving the simulator's 3DS page and ACS like a browser ---

var browser = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// postForm posts fields to u and returns the form of the page it answers.
func postForm(t *testing.T, u string, fields url.Values) (string, url.Values) {
	t.Helper()
	resp, err := browser.PostForm(u, fields)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d %s", u, resp.StatusCode, body)
	}
	f, err := formFromHTML(b64(string(body)))
	if err != nil {
		// The ACS page's form action is relative.
		page := string(body)
		loc := formTag.FindStringIndex(page)
		if loc == nil {
			t.Fatalf("no form in %s", body)
		}
		base, _ := url.Parse(u)
		act, _ := base.Parse(attributes(page[loc[0]:loc[1]])["action"])
		out := url.Values{}
		for _, tag := range inputTag.FindAllString(page[loc[1]:], -1) {
			if a := attributes(tag); a["name"] != "" {
				out.Set(a["name"], a["value"])
			}
		}
		return act.String(), out
	}
	out := url.Values{}
	for _, fl := range f.Fields {
		out.Add(fl.Name, fl.Value)
	}
	return f.URL, out
}

type acsAction struct {
	code   string
	cancel bool
}

const callbackURL = "http://127.0.0.1:1/kasa/3ds/pay_1/callback"

// run3D starts a 3D payment and drives it to the callback Kasa would get.
func run3D(t *testing.T, g *Gateway, o gateway.Order, pan string, a acsAction) (*gateway.ThreeDForm, url.Values) {
	t.Helper()
	form, res := g.Start3D(context.Background(), &gateway.ThreeDRequest{
		Order: o, Model: gateway.Model3D, Capture: true, Card: testCard(t, pan), OkURL: callbackURL, FailURL: callbackURL,
	})
	if res == nil || res.Outcome != gateway.Approved || form == nil {
		t.Fatalf("Start3D: %+v", res)
	}
	fields := url.Values{}
	for _, f := range form.Fields {
		fields.Add(f.Name, f.Value)
	}
	next, vals := postForm(t, form.URL, fields)
	if strings.Contains(next, "/_acs/") {
		vals.Set("code", a.code)
		vals.Set("action", "submit")
		if a.cancel {
			vals.Set("action", "cancel")
		}
		next, vals = postForm(t, next, vals)
	}
	if next != callbackURL {
		t.Fatalf("browser sent to %s", next)
	}
	return form, vals
}

func callback(o gateway.Order, form *gateway.ThreeDForm, vals url.Values) *gateway.ThreeDCallback {
	return &gateway.ThreeDCallback{Model: gateway.Model3D, Expected: o, Capture: true, Form: vals, Session: form.Session}
}

func TestThreeDSuccess(t *testing.T) {
	sim, g := newSim(t)
	o := order(15075, money.TRY)
	form, vals := run3D(t, g, o, "", acsAction{code: banksim.ACSCode})
	res, err := g.Verify3D(context.Background(), callback(o, form, vals))
	if err != nil || res.Auth != gateway.AuthFull || res.MDStatus != "1" {
		t.Fatalf("Verify3D: %+v %v", res, err)
	}
	r := g.Complete3D(context.Background(), &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: res})
	mustOK(t, r)
	if n := sim.Book().ApprovedAuths(o.OrderID); n != 1 {
		t.Fatalf("approved %d times", n)
	}
	// A second completion of the same authentication is refused.
	if r := g.Complete3D(context.Background(), &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: res}); r.OK() {
		t.Fatal("completed twice")
	}
}

func TestThreeDDeclinedAtCompletion(t *testing.T) {
	_, g := newSim(t)
	d, _ := banksim.DeclineByCode("51")
	o := order(1000, money.TRY)
	form, vals := run3D(t, g, o, d.ExamplePAN, acsAction{code: banksim.ACSCode})
	res, err := g.Verify3D(context.Background(), callback(o, form, vals))
	if err != nil {
		t.Fatal(err)
	}
	r := g.Complete3D(context.Background(), &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: res})
	if r.Outcome != gateway.Declined || r.Reason != gateway.ReasonInsufficientFunds {
		t.Fatalf("%+v", r)
	}
}

func TestThreeDWrongCodeAndCancel(t *testing.T) {
	_, g := newSim(t)
	for _, a := range []acsAction{{code: "000000"}, {cancel: true}} {
		o := order(1000, money.TRY)
		form, vals := run3D(t, g, o, "", a)
		res, err := g.Verify3D(context.Background(), callback(o, form, vals))
		if err != nil || res.Auth != gateway.AuthFailed {
			t.Errorf("%+v: %+v %v", a, res, err)
		}
	}
}

func TestThreeDAttempted(t *testing.T) {
	_, g := newSim(t)
	o := order(1000, money.TRY)
	form, vals := run3D(t, g, o, "4000000000000002", acsAction{})
	res, err := g.Verify3D(context.Background(), callback(o, form, vals))
	if err != nil || res.Auth != gateway.AuthAttempted {
		t.Fatalf("%+v %v", res, err)
	}
}

func wantCallbackError(t *testing.T, name string, g *Gateway, cb *gateway.ThreeDCallback) {
	t.Helper()
	_, err := g.Verify3D(context.Background(), cb)
	var ce *gateway.CallbackError
	if !errors.As(err, &ce) {
		t.Errorf("%s: %v, want a CallbackError", name, err)
	}
}

// 3DS-1: a forged or altered callback is refused and nothing in it is
// trusted.
func Test3DS1_AlteredCallbackRefused(t *testing.T) {
	_, g := newSim(t)
	o := order(15075, money.TRY)
	form, vals := run3D(t, g, o, "", acsAction{code: banksim.ACSCode})
	for _, field := range []string{"mdStatus", "status", "paymentId", "conversationId", "conversationData", "signature"} {
		v := cloneValues(vals)
		v.Set(field, v.Get(field)+"9")
		wantCallbackError(t, "altered "+field, g, callback(o, form, v))
	}
	v := cloneValues(vals)
	v.Set("mdStatus", "1")
	v.Set("status", "success")
	v.Set("signature", Signature("another-store-key", v.Get("conversationData"), v.Get("conversationId"), "1", v.Get("paymentId"), "success"))
	wantCallbackError(t, "signed with another key", g, callback(o, form, v))
	v = cloneValues(vals)
	v.Del("signature")
	wantCallbackError(t, "unsigned", g, callback(o, form, v))
	v = cloneValues(vals)
	v.Add("mdStatus", "1")
	wantCallbackError(t, "repeated mdStatus", g, callback(o, form, v))
}

// 3DS-2: a genuine callback replayed against another order or attempt is
// refused; the amount and currency come from the attempt, never the
// callback.
func Test3DS2_ReplayOntoAnotherOrderRefused(t *testing.T) {
	_, g := newSim(t)
	o := order(15075, money.TRY)
	form, vals := run3D(t, g, o, "", acsAction{code: banksim.ACSCode})
	other := order(15075, money.TRY)
	wantCallbackError(t, "other order", g, callback(other, form, vals))
	otherForm, _ := g.Start3D(context.Background(), &gateway.ThreeDRequest{Order: other, Model: gateway.Model3D, Capture: true, Card: testCard(t, ""), OkURL: callbackURL})
	wantCallbackError(t, "other attempt's session", g, callback(o, otherForm, vals))
	wantCallbackError(t, "no session", g, &gateway.ThreeDCallback{Model: gateway.Model3D, Expected: o, Form: vals})
	// A different expected amount cannot be completed: iyzico's v2 auth
	// checks paidPrice against the initialize call.
	res, err := g.Verify3D(context.Background(), callback(o, form, vals))
	if err != nil {
		t.Fatal(err)
	}
	more := o
	more.Amount = money.New(99999, money.TRY)
	if r := g.Complete3D(context.Background(), &gateway.ThreeDCompleteRequest{Order: more, Capture: true, Result: res}); r.OK() {
		t.Fatal("completed with another amount")
	}
}

// 3DS-5 style: fields the signature does not cover do not change the verdict.
func TestThreeDUnsignedFieldsIgnored(t *testing.T) {
	_, g := newSim(t)
	o := order(1000, money.TRY)
	form, vals := run3D(t, g, o, "", acsAction{code: "000000"})
	v := cloneValues(vals)
	v.Set("authCode", "123456")
	v.Set("procReturnCode", "00")
	v.Set("paidPrice", "0.01")
	res, err := g.Verify3D(context.Background(), callback(o, form, v))
	if err != nil || res.Auth != gateway.AuthFailed {
		t.Fatalf("%+v %v", res, err)
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
