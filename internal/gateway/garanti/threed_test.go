package garanti_test

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kasapos/kasa/internal/banksim"
	garantisim "github.com/kasapos/kasa/internal/banksim/garanti"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/garanti"
	"github.com/kasapos/kasa/internal/gateway/gatewaytest"
	"github.com/kasapos/kasa/internal/money"
)

// 3D tests drive the simulator's gate, hosted page and ACS with a plain
// http.Client, as a browser would, and feed the gate's callback to Verify3D.

const (
	okURL   = "https://kasa.example/3d/ok"
	failURL = "https://kasa.example/3d/fail"
)

// browser posts forms and follows the simulator's pages.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func (b *browser) post(target string, form url.Values) string {
	b.t.Helper()
	if strings.HasPrefix(target, "/") {
		target = b.base + target
	}
	resp, err := b.c.PostForm(target, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("POST %s: %d %s", target, resp.StatusCode, body)
	}
	return string(body)
}

// autoPost reads an auto-submitting page: its target and fields.
var autoPost = gatewaytest.AutoPosted

type acsAction int

const (
	acsCode acsAction = iota
	acsWrongCode
	acsCancel
)

// run posts the Start3D form to the gate, fills the hosted card page when
// there is one, answers the ACS, and returns the callback.
func (b *browser) run(form *gateway.ThreeDForm, c card.Card, act acsAction) (string, url.Values) {
	b.t.Helper()
	v := url.Values{}
	for _, f := range form.Fields {
		v.Add(f.Name, f.Value)
	}
	page := b.post(form.URL, v)
	if strings.Contains(page, "/servlet/gt3dengine/oos/") {
		action, _ := autoPost(b.t, page)
		page = b.post(action, url.Values{"cardnumber": {c.PAN.Reveal()}, "cardexpiredatemonth": {c.Expiry.MM()},
			"cardexpiredateyear": {c.Expiry.YY()}, "cardcvv2": {c.CVV.Reveal()}})
	}
	if strings.Contains(page, `action="/_acs/`) {
		action, _ := autoPost(b.t, page)
		answer := url.Values{"code": {banksim.ACSCode}, "action": {"submit"}}
		switch act {
		case acsWrongCode:
			answer.Set("code", "000000")
		case acsCancel:
			answer.Set("action", "cancel")
		}
		page = b.post(action, answer)
	}
	return autoPost(b.t, page)
}

type tds struct {
	*env
	b *browser
}

func newTDS(t *testing.T, cfg garantisim.Config) *tds {
	e := newEnv(t, cfg)
	client := &http.Client{}
	t.Cleanup(client.CloseIdleConnections)
	return &tds{env: e, b: &browser{t: t, base: e.sim.URL(), c: client}}
}

func (x *tds) start(g *garanti.Gateway, model string, o gateway.Order, c card.Card, capture bool) *gateway.ThreeDForm {
	x.t.Helper()
	req := &gateway.ThreeDRequest{Order: o, Model: model, Capture: capture, Card: c, OkURL: okURL, FailURL: failURL, Lang: "tr"}
	if model == gateway.Model3DHost {
		req.Card = card.Card{}
	}
	form, res := g.Start3D(x.t.Context(), req)
	if !res.OK() || form == nil {
		x.t.Fatalf("Start3D: %+v", res)
	}
	return form
}

// flow runs a 3D payment through the browser and returns the callback.
func (x *tds) flow(model string, o gateway.Order, c card.Card, act acsAction) (string, *gateway.ThreeDCallback) {
	x.t.Helper()
	target, fields := x.b.run(x.start(x.g, model, o, c, true), c, act)
	return target, &gateway.ThreeDCallback{Model: model, Expected: o, Capture: true, Form: fields}
}

func (x *tds) verify(cb *gateway.ThreeDCallback) *gateway.ThreeDResult {
	x.t.Helper()
	res, err := x.g.Verify3D(x.t.Context(), cb)
	if err != nil {
		x.t.Fatalf("Verify3D: %v", err)
	}
	return res
}

func wantCallbackError(t *testing.T, what string, g *garanti.Gateway, cb *gateway.ThreeDCallback) {
	t.Helper()
	res, err := g.Verify3D(t.Context(), cb)
	var ce *gateway.CallbackError
	if !errors.As(err, &ce) || res != nil {
		t.Errorf("%s: got %+v, %v; want a CallbackError", what, res, err)
	}
}

func clone(cb *gateway.ThreeDCallback) *gateway.ThreeDCallback {
	c := *cb
	c.Form = url.Values{}
	for k, v := range cb.Form {
		c.Form[k] = append([]string(nil), v...)
	}
	return &c
}

// attemptedPAN is a Luhn-valid Visa ending in 0002: the simulated issuer
// is not enrolled and the ACS answers "attempted" without a challenge.
func attemptedPAN(t *testing.T) string {
	t.Helper()
	for i := 0; i < 100; i++ {
		pan := "40000000001" + string(rune('0'+i/10)) + string(rune('0'+i%10)) + "0002"
		if card.Luhn(pan) {
			return pan
		}
	}
	t.Fatal("no Luhn-valid PAN")
	return ""
}

func TestThreeDModel(t *testing.T) {
	x := newTDS(t, garantisim.Config{})
	o := newOrder(25000, money.TRY)
	c := testCard(t, goodPAN)
	target, cb := x.flow(gateway.Model3D, o, c, acsCode)
	if target != okURL {
		t.Errorf("posted to %s", target)
	}
	res := x.verify(cb)
	if res.Auth != gateway.AuthFull || res.MDStatus != "1" || res.ECI != "05" || res.CAVV == "" || res.XID == "" || res.MD == "" || res.Provision != nil {
		t.Fatalf("result %+v", res)
	}
	if _, ok := x.sim.Book().Get(terminal, o.OrderID); ok {
		t.Fatal("the 3D model moved money before provisioning")
	}
	// 3DS-3: the provisioning amount is Kasa's; another one is refused.
	other := o
	other.Amount = money.New(1, money.TRY)
	want(t, "complete other amount", x.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{Order: other, Capture: true, Result: res}),
		gateway.Rejected, gateway.ReasonInvalidTxn)
	r := x.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: res})
	want(t, "complete", r, gateway.Approved, gateway.ReasonNone)
	if got, _ := x.sim.Book().Get(terminal, o.OrderID); got.State != banksim.OrderCaptured || got.Captured != 25000 || got.Card != "428220******8015" {
		t.Errorf("bank book %+v", got)
	}
	want(t, "complete twice", x.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: res}),
		gateway.Rejected, gateway.ReasonInvalidTxn)
}

func TestThreeDModelPreAuthAttempted(t *testing.T) {
	x := newTDS(t, garantisim.Config{})
	o := newOrder(5000, money.TRY)
	c := testCard(t, attemptedPAN(t))
	target, fields := x.b.run(x.start(x.g, gateway.Model3D, o, c, false), c, acsCode)
	if target != okURL {
		t.Errorf("posted to %s", target)
	}
	res := x.verify(&gateway.ThreeDCallback{Model: gateway.Model3D, Expected: o, Form: fields})
	if res.Auth != gateway.AuthAttempted || res.MDStatus != "4" {
		t.Fatalf("result %+v", res)
	}
	want(t, "complete", x.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{Order: o, Result: res}), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, x.g, o.OrderID), gateway.StateAuthorized, 5000, 0, 0)
}

func TestThreeDFailures(t *testing.T) {
	x := newTDS(t, garantisim.Config{})
	for _, tc := range []struct {
		name string
		act  acsAction
	}{{"wrong code", acsWrongCode}, {"cancel", acsCancel}} {
		for _, model := range []string{gateway.Model3D, gateway.Model3DPay} {
			o := newOrder(1000, money.TRY)
			target, cb := x.flow(model, o, testCard(t, goodPAN), tc.act)
			if target != failURL {
				t.Errorf("%s %s: posted to %s", tc.name, model, target)
			}
			res := x.verify(cb)
			if res.Auth != gateway.AuthFailed || res.MDStatus != "0" {
				t.Errorf("%s %s: %+v", tc.name, model, res)
			}
			if model == gateway.Model3DPay && (res.Provision == nil || res.Provision.Outcome != gateway.Declined) {
				t.Errorf("%s: provision %+v", tc.name, res.Provision)
			}
			if model == gateway.Model3D {
				want(t, tc.name+" complete", x.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: res}),
					gateway.Rejected, gateway.ReasonNotPermitted)
			}
			if _, ok := x.sim.Book().Get(terminal, o.OrderID); ok {
				t.Errorf("%s %s: money moved", tc.name, model)
			}
		}
	}
}

func TestThreeDPay(t *testing.T) {
	x := newTDS(t, garantisim.Config{})
	o := newOrder(7700, money.TRY)
	target, cb := x.flow(gateway.Model3DPay, o, testCard(t, goodPAN), acsCode)
	if target != okURL {
		t.Errorf("posted to %s", target)
	}
	res := x.verify(cb)
	p := res.Provision
	if res.Auth != gateway.AuthFull || p == nil || p.Outcome != gateway.Approved || p.BankCode != "00" || len(p.AuthCode) != 6 || p.HostRef == "" {
		t.Fatalf("result %+v provision %+v", res, p)
	}
	wantStatus(t, status(t, x.g, o.OrderID), gateway.StateCaptured, 7700, 7700, 0)

	// The bank declines after authentication.
	d := gateway.Order{OrderID: newOrder(1, money.TRY).OrderID, Amount: banksim.TriggerAmount("51", money.TRY)}
	target, cb = x.flow(gateway.Model3DPay, d, testCard(t, goodPAN), acsCode)
	res = x.verify(cb)
	if target != failURL || res.Auth != gateway.AuthFull || res.Provision.Outcome != gateway.Declined ||
		res.Provision.Reason != gateway.ReasonInsufficientFunds || res.Provision.BankCode != "51" {
		t.Errorf("decline: %s %+v %+v", target, res, res.Provision)
	}
}

func TestThreeDHost(t *testing.T) {
	x := newTDS(t, garantisim.Config{})
	o := newOrder(4321, money.USD)
	c := testCard(t, goodPAN)
	form := x.start(x.g, gateway.Model3DHost, o, c, true)
	for _, f := range form.Fields {
		if strings.HasPrefix(f.Name, "card") {
			t.Errorf("3D Host form carries %s", f.Name)
		}
		if f.Name == "terminalprovuserid" && f.Value != "PROVOOS" {
			t.Errorf("3D Host user %s", f.Value)
		}
	}
	target, fields := x.b.run(form, c, acsCode)
	res := x.verify(&gateway.ThreeDCallback{Model: gateway.Model3DHost, Expected: o, Capture: true, Form: fields})
	if target != okURL || res.Auth != gateway.AuthFull || res.Provision == nil || res.Provision.Outcome != gateway.Approved {
		t.Fatalf("%s %+v %+v", target, res, res.Provision)
	}
	if got, _ := x.sim.Book().Get(terminal, o.OrderID); got.Captured != 4321 || got.Currency != "USD" {
		t.Errorf("bank book %+v", got)
	}
	g := newGateway(t, x.sim, with(sandboxCreds, garanti.CredProvOOSPass, ""))
	if _, r := g.Start3D(t.Context(), &gateway.ThreeDRequest{Order: o, Model: gateway.Model3DHost, OkURL: okURL, FailURL: failURL}); r == nil || r.Outcome != gateway.Rejected {
		t.Errorf("3D Host without PROVOOS password: %+v", r)
	}
}

// A form signed with the wrong store key is answered by the gate with a
// signed mdstatus 7 on errorurl.
func TestThreeDBadFormHash(t *testing.T) {
	x := newTDS(t, garantisim.Config{})
	o := newOrder(1000, money.TRY)
	c := testCard(t, goodPAN)
	bad := newGateway(t, x.sim, with(sandboxCreds, garanti.CredStoreKey, "87654321"))
	target, fields := x.b.run(x.start(bad, gateway.Model3D, o, c, true), c, acsCode)
	res := x.verify(&gateway.ThreeDCallback{Model: gateway.Model3D, Expected: o, Form: fields})
	if target != failURL || res.Auth != gateway.AuthFailed || res.MDStatus != "7" {
		t.Errorf("%s %+v", target, res)
	}
}

// 3DS-1: any change to a signed field, a missing, re-cased or foreign hash
// fails, and nothing reaches the bank.
func TestCallback3DS1Tampering(t *testing.T) {
	x := newTDS(t, garantisim.Config{})
	o := newOrder(10000, money.TRY)
	_, cb := x.flow(gateway.Model3DPay, o, testCard(t, goodPAN), acsCode)
	x.verify(cb)
	for _, f := range garanti.CallbackFields {
		if cb.Form.Get(f) == "" {
			continue // a missing field hashes as ""; see the decision-field checks below
		}
		c := clone(cb)
		c.Form.Set(f, cb.Form.Get(f)+"0")
		wantCallbackError(t, "altered "+f, x.g, c)
		c = clone(cb)
		c.Form.Del(f)
		wantCallbackError(t, "dropped "+f, x.g, c)
	}
	for name, mutate := range map[string]func(url.Values){
		"altered amount":      func(v url.Values) { v.Set("txnamount", "100") },
		"altered currency":    func(v url.Values) { v.Set("txncurrencycode", "840") },
		"altered mdstatus":    func(v url.Values) { v.Set("mdstatus", "4") },
		"altered order id":    func(v url.Values) { v.Set("orderid", "KOTHER") },
		"amount removed":      func(v url.Values) { v.Del("txnamount") },
		"hash removed":        func(v url.Values) { v.Del("hash") },
		"hash lower case":     func(v url.Values) { v.Set("hash", strings.ToLower(v.Get("hash"))) },
		"hash base64":         func(v url.Values) { v.Set("hash", "K1eaT12s4oPbvQDfA6YIMCfH6HQ=") },
		"mdstatus twice":      func(v url.Values) { v.Add("mdstatus", "1") },
		"security level":      func(v url.Values) { v.Set("secure3dsecuritylevel", "3D") },
		"hash of another key": func(v url.Values) { v.Set("hash", garanti.HashCallback(v.Get, "87654321")) },
	} {
		c := clone(cb)
		mutate(c.Form)
		wantCallbackError(t, name, x.g, c)
	}
	if n := x.sim.Book().ApprovedAuths(o.OrderID); n != 1 {
		t.Errorf("approved auths %d", n)
	}
}

// 3DS-2: the signed set is Kasa's fixed list. Splicing the signed string of
// a failed attempt into a field named by a forged hashparams, with unsigned
// approval fields added, is rejected; unsigned extras never change a verdict.
func TestCallback3DS2Splicing(t *testing.T) {
	x := newTDS(t, garantisim.Config{})
	o := newOrder(100000, money.TRY)
	_, failed := x.flow(gateway.Model3DPay, o, testCard(t, goodPAN), acsWrongCode)
	genuine := x.verify(failed)

	spliced := clone(failed)
	spliced.Form.Set("hashparams", "x:")
	spliced.Form.Set("x", failed.Form.Get("hashparamsval"))
	spliced.Form.Set("mdstatus", "1")
	spliced.Form.Set("procreturncode", "00")
	spliced.Form.Set("response", "Approved")
	wantCallbackError(t, "A-01 splice", x.g, spliced)

	extras := clone(failed)
	extras.Form.Set("hashparams", "clientid:oid:mdstatus:")
	extras.Form.Set("AuthCode", "123456")
	extras.Form.Set("ProcReturnCode", "00")
	extras.Form.Set("Response", "Approved")
	extras.Form.Set("approvalcode", "123456")
	res, err := x.g.Verify3D(t.Context(), extras)
	if err != nil {
		t.Fatalf("unsigned extras: %v", err)
	}
	if res.Auth != genuine.Auth || res.Provision.Outcome != genuine.Provision.Outcome || res.Provision.AuthCode != genuine.Provision.AuthCode {
		t.Errorf("unsigned extras changed the verdict: %+v %+v", res, res.Provision)
	}
	if res.Auth != gateway.AuthFailed || res.Provision.Outcome == gateway.Approved {
		t.Errorf("failed attempt verified as %+v %+v", res, res.Provision)
	}
}

// 3DS-3: a genuine callback binds to its own order, terminal and amount.
func TestCallback3DS3Binding(t *testing.T) {
	other := garantisim.Merchant{MerchantID: "7000680", TerminalID: "30691299", AutPassword: "p2", RfnPassword: "r2",
		OOSPassword: "o2", StoreKey: "12345678", Name: "Other"}
	x := newTDS(t, garantisim.Config{Merchants: []garantisim.Merchant{other}})
	a := newOrder(100000, money.TRY)
	b := newOrder(100, money.TRY)
	_, cbB := x.flow(gateway.Model3DPay, b, testCard(t, goodPAN), acsCode)
	x.verify(cbB)

	replay := clone(cbB)
	replay.Expected = a
	wantCallbackError(t, "B's callback on A", x.g, replay)

	sameID := clone(cbB)
	sameID.Expected.Amount = money.New(100000, money.TRY)
	wantCallbackError(t, "B's callback on a larger amount", x.g, sameID)

	// A terminal sharing the store key signs a callback of its own.
	g2 := newGateway(t, x.sim, with(with(with(with(sandboxCreds, garanti.CredMerchantID, other.MerchantID),
		garanti.CredTerminalID, other.TerminalID), garanti.CredProvAutPass, "p2"), garanti.CredProvRfnPass, "r2"))
	c := testCard(t, goodPAN)
	target, fields := x.b.run(x.start(g2, gateway.Model3DPay, a, c, true), c, acsCode)
	if target != okURL {
		t.Fatalf("other terminal's payment posted to %s", target)
	}
	wantCallbackError(t, "other terminal's callback", x.g, &gateway.ThreeDCallback{Model: gateway.Model3DPay, Expected: a, Form: fields})

	wantCallbackError(t, "model mismatch", x.g, &gateway.ThreeDCallback{Model: gateway.Model3D, Expected: b, Form: cbB.Form})
}

func FuzzVerify3D(f *testing.F) {
	f.Add("mdstatus=1&oid=K1&clientid=30691298&hash=AB&txnamount=100&txncurrencycode=949&secure3dsecuritylevel=3D")
	f.Add("hash=&hash=&oid")
	f.Add("%zz")
	g, err := garanti.New(gateway.Config{Credentials: sandboxCreds, Endpoints: gateway.Endpoints{API: "https://example.invalid/VPServlet"}})
	if err != nil {
		f.Fatal(err)
	}
	o := gateway.Order{OrderID: "K1", Amount: money.New(100, money.TRY)}
	f.Fuzz(func(t *testing.T, raw string) {
		form, _ := url.ParseQuery(raw)
		for _, model := range []string{gateway.Model3D, gateway.Model3DPay, gateway.Model3DHost} {
			res, err := g.Verify3D(t.Context(), &gateway.ThreeDCallback{Model: model, Expected: o, Form: form})
			if err == nil && !garanti.VerifyCallback(form.Get, "12345678", form.Get("hash")) {
				t.Fatalf("verified a callback whose hash does not verify: %+v", res)
			}
		}
	})
}
