package payflexcp_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kasapos/kasa/internal/banksim"
	payflexcpsim "github.com/kasapos/kasa/internal/banksim/payflexcp"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/gatewaytest"
	"github.com/kasapos/kasa/internal/gateway/payflexcp"
	"github.com/kasapos/kasa/internal/money"
)

// Adapter tests against the Common Payment simulator over loopback HTTP:
// register, open the page (typing the card for 3D Host), answer the ACS,
// capture the bank's post-back and feed it to Verify3D.

const (
	merchantID = "000000000111111"
	goodPAN    = "4938410157705591"
	okURL      = "https://kasa.example/3ds/pay_1/callback?r=ok"
	failURL    = "https://kasa.example/3ds/pay_1/callback?r=fail"
)

var creds = map[string]string{
	payflexcp.CredMerchantID: merchantID,
	payflexcp.CredPassword:   "3XTgER89as",
	payflexcp.CredTerminalID: "VP999999",
}

var (
	want       = gatewaytest.Want
	newOrder   = gatewaytest.NewOrder
	postForm   = gatewaytest.PostForm
	autoPosted = gatewaytest.AutoPosted
)

type env struct {
	t   *testing.T
	sim *payflexcpsim.Server
	g   *payflexcp.Gateway
}

func newEnv(t *testing.T) *env {
	t.Helper()
	sim := payflexcpsim.New(payflexcpsim.Config{})
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return &env{t: t, sim: sim, g: newGateway(t, sim.QueryURL(), sim.RegisterURL(), creds)}
}

func newGateway(t *testing.T, query, register string, c map[string]string) *payflexcp.Gateway {
	t.Helper()
	client := gateway.NewHTTPClient()
	t.Cleanup(client.CloseIdleConnections)
	g, err := payflexcp.New(gateway.Config{Credentials: c, HTTPClient: client,
		Endpoints: gateway.Endpoints{API: query, ThreeDGate: register}})
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

type attempt struct {
	model   string
	capture bool
	order   gateway.Order
	form    *gateway.ThreeDForm
}

func (e *env) start(model string, o gateway.Order, capture bool) *attempt {
	e.t.Helper()
	req := &gateway.ThreeDRequest{Order: o, Model: model, Capture: capture, OkURL: okURL, FailURL: failURL, Lang: "tr"}
	if model == gateway.Model3DPay {
		req.Card = testCard(e.t, goodPAN)
	}
	form, res := e.g.Start3D(e.t.Context(), req)
	if !res.OK() || form == nil {
		e.t.Fatalf("Start3D: %+v", res)
	}
	return &attempt{model: model, capture: capture, order: o, form: form}
}

// browse opens the page, types pan on the 3D Host card form, answers the
// ACS with code (or cancels) and returns the bank's post-back.
func (e *env) browse(a *attempt, pan, code string, cancel bool) (string, url.Values) {
	e.t.Helper()
	c := &http.Client{}
	fields := url.Values{}
	for _, f := range a.form.Fields {
		fields.Set(f.Name, f.Value)
	}
	page := postForm(e.t, c, a.form.URL, fields)
	if strings.Contains(page, `name="PAN"`) {
		target, vals := autoPosted(e.t, page)
		vals.Set("PAN", pan)
		vals.Set("ExpireMonth", "12")
		vals.Set("ExpireYear", "29")
		vals.Set("CVV", "453")
		vals.Set("CardHoldersName", "Ada Lovelace")
		page = postForm(e.t, c, e.sim.URL()+target, vals)
	}
	target, vals := autoPosted(e.t, page)
	if strings.HasPrefix(target, "/_acs/") {
		vals = url.Values{"code": {code}, "action": {"submit"}}
		if cancel {
			vals.Set("action", "cancel")
		}
		target, vals = autoPosted(e.t, postForm(e.t, c, e.sim.URL()+target, vals))
	}
	return target, vals
}

func (e *env) verify(a *attempt, cb url.Values) (*gateway.ThreeDResult, error) {
	return e.g.Verify3D(e.t.Context(), &gateway.ThreeDCallback{Model: a.model, Expected: a.order, Capture: a.capture,
		Form: cb, Session: a.form.Session})
}

func wantCallbackError(t *testing.T, what string, r *gateway.ThreeDResult, err error) {
	t.Helper()
	var ce *gateway.CallbackError
	if !errors.As(err, &ce) || r != nil {
		t.Errorf("%s: got %+v, %v; want a CallbackError", what, r, err)
	}
}

func TestDescriptor(t *testing.T) {
	d, err := gateway.Lookup(payflexcp.Name)
	if err != nil {
		t.Fatal(err)
	}
	if !d.ThreeDOnly || len(d.ThreeDModels) != 2 {
		t.Errorf("descriptor %+v", d)
	}
	g := newEnv(t).g
	for _, op := range []gateway.Operation{gateway.OpCapture, gateway.OpVoid, gateway.OpRefund, gateway.OpStatus} {
		if gateway.Supports(g, op) {
			t.Errorf("%s offered, but Common Payment has no such API", op)
		}
	}
	r := g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: newOrder(100, money.TRY), Capture: true, Card: testCard(t, goodPAN)})
	want(t, "non-3D sale", r, gateway.Rejected, gateway.ReasonNotPermitted)
}

func TestThreeDSuccess(t *testing.T) {
	for _, model := range []string{gateway.Model3DPay, gateway.Model3DHost} {
		for _, capture := range []bool{true, false} {
			t.Run(model, func(t *testing.T) {
				e := newEnv(t)
				a := e.start(model, newOrder(15075, money.TRY), capture)
				target, cb := e.browse(a, goodPAN, banksim.ACSCode, false)
				if target != okURL || cb.Get("Rc") != "0000" {
					t.Fatalf("posted to %s: %v", target, cb)
				}
				r, err := e.verify(a, cb)
				if err != nil {
					t.Fatal(err)
				}
				if r.Auth != gateway.AuthFull || r.Provision == nil || r.MDStatus != "0000" {
					t.Fatalf("result %+v", r)
				}
				want(t, "provision", r.Provision, gateway.Approved, gateway.ReasonNone)
				o, _ := e.sim.Book().Get(merchantID, a.order.OrderID)
				if (capture && o.Captured != 15075) || (!capture && (o.Authorized != 15075 || o.Captured != 0)) {
					t.Errorf("bank book %+v", o)
				}
			})
		}
	}
}

func TestThreeDFailures(t *testing.T) {
	for name, c := range map[string]struct {
		pan, code string
		cancel    bool
		auth      gateway.AuthLevel
		outcome   gateway.Outcome
		reason    gateway.DeclineReason
	}{
		"wrong code":   {goodPAN, "000000", false, gateway.AuthFailed, gateway.Rejected, gateway.ReasonNotPermitted},
		"cancel":       {goodPAN, "", true, gateway.AuthFailed, gateway.Rejected, gateway.ReasonNotPermitted},
		"not enrolled": {"4000000000000002", "", false, gateway.AuthFailed, gateway.Rejected, gateway.ReasonNotPermitted},
		"issuer 51":    {"4000000000000051", banksim.ACSCode, false, gateway.AuthFull, gateway.Declined, gateway.ReasonInsufficientFunds},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			a := e.start(gateway.Model3DHost, newOrder(5000, money.TRY), true)
			target, cb := e.browse(a, c.pan, c.code, c.cancel)
			if target != failURL {
				t.Errorf("posted to %s", target)
			}
			r, err := e.verify(a, cb)
			if err != nil {
				t.Fatal(err)
			}
			if r.Auth != c.auth {
				t.Errorf("auth %s", r.Auth)
			}
			want(t, "provision", r.Provision, c.outcome, c.reason)
			if n := e.sim.Book().ApprovedAuths(a.order.OrderID); n != 0 {
				t.Errorf("bank approved %d", n)
			}
		})
	}
}

// 3DS-1/3DS-2: the post-back is informational; a browser that rewrites Rc
// or splices fields in changes nothing, since the result comes from the
// query API.
func TestThreeDPostBackFieldsIgnored(t *testing.T) {
	e := newEnv(t)
	a := e.start(gateway.Model3DPay, newOrder(3000, money.TRY), true)
	_, cb := e.browse(a, goodPAN, "000000", false)
	cb.Set("Rc", "0000")
	cb.Set("Message", "İŞLEM BAŞARILI")
	cb.Set("AuthCode", "123456")
	cb.Set("HashedData", "AAAA")
	r, err := e.verify(a, cb)
	if err != nil || r.Auth != gateway.AuthFailed || r.Provision.OK() {
		t.Fatalf("%+v %v", r, err)
	}
}

// 3DS-3: a post-back must name this attempt's token, and the bank's record
// must match the stored order, amount, currency and transaction type.
func TestThreeDBinding(t *testing.T) {
	e := newEnv(t)
	a := e.start(gateway.Model3DPay, newOrder(100000, money.TRY), true)
	b := e.start(gateway.Model3DPay, newOrder(100000, money.TRY), true)
	_, cb := e.browse(a, goodPAN, banksim.ACSCode, false)

	r, err := e.verify(b, cb)
	wantCallbackError(t, "replay onto another attempt", r, err)
	forged := url.Values{"PaymentToken": {b.form.Session["payment_token"]}, "TransactionId": {cb.Get("TransactionId")}}
	r, err = e.verify(b, forged)
	wantCallbackError(t, "another transaction under this token", r, err)
	r, err = e.g.Verify3D(t.Context(), &gateway.ThreeDCallback{Model: gateway.Model3DPay, Expected: a.order, Capture: true, Form: cb})
	wantCallbackError(t, "no session", r, err)

	for name, edit := range map[string]func(c *gateway.ThreeDCallback){
		"amount":   func(c *gateway.ThreeDCallback) { c.Expected.Amount = money.New(100, money.TRY) },
		"currency": func(c *gateway.ThreeDCallback) { c.Expected.Amount = money.New(100000, money.USD) },
		"order":    func(c *gateway.ThreeDCallback) { c.Expected.OrderID = "OTHER1" },
		"type":     func(c *gateway.ThreeDCallback) { c.Capture = false },
	} {
		c := &gateway.ThreeDCallback{Model: gateway.Model3DPay, Expected: a.order, Capture: true, Form: cb, Session: a.form.Session}
		edit(c)
		r, err := e.g.Verify3D(t.Context(), c)
		wantCallbackError(t, name, r, err)
	}
	other := newGateway(t, e.sim.QueryURL(), e.sim.RegisterURL(), map[string]string{
		payflexcp.CredMerchantID: "000000000222222", payflexcp.CredPassword: "x", payflexcp.CredTerminalID: "VP000001"})
	r, err = other.Verify3D(t.Context(), &gateway.ThreeDCallback{Model: gateway.Model3DPay, Expected: a.order, Capture: true,
		Form: cb, Session: a.form.Session})
	wantCallbackError(t, "another merchant", r, err)

	if r, err := e.verify(a, cb); err != nil || !r.Provision.OK() {
		t.Fatalf("genuine: %+v %v", r, err)
	}
}

func TestStartFailures(t *testing.T) {
	e := newEnv(t)
	req := &gateway.ThreeDRequest{Order: newOrder(100, money.TRY), Model: gateway.Model3DHost, Capture: true, OkURL: okURL, FailURL: failURL}
	bad := map[string]string{}
	for k, v := range creds {
		bad[k] = v
	}
	bad[payflexcp.CredPassword] = "wrong"
	_, res := newGateway(t, e.sim.QueryURL(), e.sim.RegisterURL(), bad).Start3D(t.Context(), req)
	if res.Outcome != gateway.Rejected || res.BankErrorCode != "5002" {
		t.Errorf("wrong password: %+v", res)
	}
	e.sim.Faults().Next(payflexcpsim.OpRegister, banksim.Malformed, 1)
	if _, res := e.g.Start3D(t.Context(), req); res.Outcome != gateway.Unknown {
		t.Errorf("malformed: %+v", res)
	}
	dead := newGateway(t, e.sim.QueryURL(), gatewaytest.DeadURL(t, payflexcpsim.PathRegister), creds)
	if _, res := dead.Start3D(t.Context(), req); res.Outcome != gateway.NotSent {
		t.Errorf("nothing listens: %+v", res)
	}
	r3d := *req
	r3d.Model = gateway.Model3D
	if _, res := e.g.Start3D(t.Context(), &r3d); res.Outcome != gateway.Rejected {
		t.Errorf("3d model: %+v", res)
	}
	usd := *req
	usd.Amount, usd.Installments = money.New(100, money.USD), 3
	if _, res := e.g.Start3D(t.Context(), &usd); res.Outcome != gateway.Rejected || res.BankErrorCode != "5004" {
		t.Errorf("USD installments: %+v", res)
	}
	// A transport failure of the query is not a verdict on the callback.
	a := e.start(gateway.Model3DPay, newOrder(700, money.TRY), true)
	_, cb := e.browse(a, goodPAN, banksim.ACSCode, false)
	e.sim.Faults().Next(payflexcpsim.OpQuery, banksim.HTTP500, 1)
	var ce *gateway.CallbackError
	if _, err := e.verify(a, cb); err == nil || errors.As(err, &ce) {
		t.Errorf("query failure: %v", err)
	}
	if r, err := e.verify(a, cb); err != nil || !r.Provision.OK() {
		t.Errorf("retry: %+v %v", r, err)
	}
}

func TestInstallmentsAndCurrencies(t *testing.T) {
	e := newEnv(t)
	for n := 1; n <= 12; n++ {
		o := newOrder(120000, money.TRY)
		form, res := e.g.Start3D(t.Context(), &gateway.ThreeDRequest{Order: o, Model: gateway.Model3DPay, Capture: true,
			Installments: n, Card: testCard(t, goodPAN), OkURL: okURL, FailURL: failURL})
		if !res.OK() {
			t.Fatalf("%d: %+v", n, res)
		}
		e.browse(&attempt{form: form}, goodPAN, banksim.ACSCode, false)
		if got, _ := e.sim.Book().Get(merchantID, o.OrderID); got.Installments != n {
			t.Errorf("%d installments: bank recorded %d", n, got.Installments)
		}
	}
	for _, c := range []money.Currency{money.USD, money.EUR, money.GBP} {
		a := e.start(gateway.Model3DPay, newOrder(2500, c), true)
		_, cb := e.browse(a, goodPAN, banksim.ACSCode, false)
		if r, err := e.verify(a, cb); err != nil || !r.Provision.OK() {
			t.Errorf("%s: %+v %v", c.Code, r, err)
		}
	}
}

// Verify3D never panics on what a browser posts, and nothing but this
// attempt's token gets as far as the bank.
func FuzzVerify3D(f *testing.F) {
	g, err := payflexcp.New(gateway.Config{Credentials: creds, Endpoints: gateway.Endpoints{
		API: gatewaytest.DeadURL(f, payflexcpsim.PathQuery), ThreeDGate: gatewaytest.DeadURL(f, payflexcpsim.PathRegister)}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("tok1", "tx1", "0000")
	f.Add("", "", "")
	f.Fuzz(func(t *testing.T, token, txID, rc string) {
		cb := &gateway.ThreeDCallback{Model: gateway.Model3DPay, Expected: gateway.Order{OrderID: "fuzz1", Amount: money.New(101, money.TRY)},
			Form: url.Values{"PaymentToken": {token}, "TransactionId": {txID}, "Rc": {rc}}, Session: map[string]string{"payment_token": "tok1"}}
		r, err := g.Verify3D(t.Context(), cb)
		var ce *gateway.CallbackError
		if r != nil || err == nil || (token != "tok1" && !errors.As(err, &ce)) {
			t.Fatalf("%q: %+v %v", token, r, err)
		}
	})
}
