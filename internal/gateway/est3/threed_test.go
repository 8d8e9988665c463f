package est3_test

import (
	"context"
	"errors"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	est3sim "github.com/kasapos/kasa/internal/banksim/est3"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/est3"
	"github.com/kasapos/kasa/internal/money"
)

// 3D Secure against the simulator over loopback HTTP: Kasa's form is posted
// to the gate with a plain http.Client standing in for the browser, the ACS
// page is answered, and the auto-posted callback is fed to Verify3D.

// otherStore is a second merchant at the same bank, with its own store key.
var otherStore = est3sim.Merchant{ClientID: "700655000300", User: "OTHERAPI", Password: "OTHER07", StoreKey: "OTHERKEY", Name: "Other shop"}

type env3D struct {
	t     *testing.T
	sim   *est3sim.Server
	g     *est3.Gateway // the Payten sandbox store
	other *est3.Gateway // otherStore
	web   *http.Client
}

func newEnv3D(t *testing.T) *env3D {
	t.Helper()
	sim := est3sim.New(est3sim.Config{Merchants: []est3sim.Merchant{otherStore}})
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	mk := func(creds map[string]string) *est3.Gateway {
		g, err := est3.New(gateway.Config{Credentials: creds, Endpoints: gateway.Endpoints{API: sim.APIURL(), ThreeDGate: sim.ThreeDGateURL()}})
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	web := &http.Client{Timeout: 10 * time.Second}
	t.Cleanup(web.CloseIdleConnections)
	return &env3D{t: t, sim: sim, g: mk(paytenCreds), web: web, other: mk(map[string]string{
		est3.CredClientID: otherStore.ClientID, est3.CredAPIUser: otherStore.User,
		est3.CredAPIPassword: otherStore.Password, est3.CredStoreKey: otherStore.StoreKey,
	})}
}

// attempt is one 3D payment as Kasa would store it.
type attempt struct {
	model   string
	order   gateway.Order
	capture bool
	inst    int
	form    *gateway.ThreeDForm
}

func (e *env3D) start(g *est3.Gateway, model string, o gateway.Order, capture bool, inst int, pan string) *attempt {
	e.t.Helper()
	req := &gateway.ThreeDRequest{Order: o, Model: model, Capture: capture, Installments: inst,
		OkURL: "https://kasa.example/3d/ok", FailURL: "https://kasa.example/3d/fail", Lang: "tr"}
	if pan != "" {
		req.Card = testCard(e.t, pan, "")
	}
	f, res := g.Start3D(e.t.Context(), req)
	if !res.OK() {
		e.t.Fatalf("Start3D: %+v", res)
	}
	return &attempt{model: model, order: o, capture: capture, inst: inst, form: f}
}

func (e *env3D) post(u string, v url.Values) string {
	e.t.Helper()
	resp, err := e.web.PostForm(u, v)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("POST %s: %d\n%s", u, resp.StatusCode, b)
	}
	return string(b)
}

// gate posts the attempt's form to the bank like the browser's auto-submit.
func (e *env3D) gate(a *attempt) string {
	e.t.Helper()
	v := url.Values{}
	for _, f := range a.form.Fields {
		v.Add(f.Name, f.Value)
	}
	return e.post(a.form.URL, v)
}

var (
	reACSForm  = regexp.MustCompile(`action="(/_acs/[0-9a-f]+)"`)
	reCardForm = regexp.MustCompile(`action="(/fim/est3Dgate/card/[0-9a-f]+)"`)
	rePostTo   = regexp.MustCompile(`<form method="post" action="([^"]*)">`)
	reHidden   = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
)

// callback reads the auto-posted page the bank sends the browser back with.
func callback(t *testing.T, page string) (string, url.Values) {
	t.Helper()
	m := rePostTo.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("not an auto-post page:\n%s", page)
	}
	v := url.Values{}
	for _, in := range reHidden.FindAllStringSubmatch(page, -1) {
		v.Add(html.UnescapeString(in[1]), html.UnescapeString(in[2]))
	}
	return html.UnescapeString(m[1]), v
}

// acs answers the challenge with code; "" presses cancel.
func (e *env3D) acs(page, code string) (string, url.Values) {
	e.t.Helper()
	m := reACSForm.FindStringSubmatch(page)
	if m == nil {
		e.t.Fatalf("not the ACS page:\n%s", page)
	}
	v := url.Values{"action": {"submit"}, "code": {code}}
	if code == "" {
		v = url.Values{"action": {"cancel"}}
	}
	return callback(e.t, e.post(e.sim.URL()+m[1], v))
}

// run drives a card-on-form attempt through gate and ACS.
func (e *env3D) run(a *attempt, code string) (string, url.Values) {
	e.t.Helper()
	return e.acs(e.gate(a), code)
}

func (a *attempt) callback(form url.Values) *gateway.ThreeDCallback {
	return &gateway.ThreeDCallback{Model: a.model, Expected: a.order, Capture: a.capture, Form: form, Session: a.form.Session}
}

func (e *env3D) verify(g *est3.Gateway, a *attempt, form url.Values) *gateway.ThreeDResult {
	e.t.Helper()
	res, err := g.Verify3D(e.t.Context(), a.callback(form))
	if err != nil {
		e.t.Fatalf("Verify3D: %v", err)
	}
	return res
}

func wantCallbackError(t *testing.T, what string, g *est3.Gateway, cb *gateway.ThreeDCallback) {
	t.Helper()
	res, err := g.Verify3D(t.Context(), cb)
	var ce *gateway.CallbackError
	if !errors.As(err, &ce) || res != nil {
		t.Errorf("%s: got %+v, %v; want a CallbackError", what, res, err)
	}
}

func clone(v url.Values) url.Values {
	out := url.Values{}
	for k, x := range v {
		out[k] = slices.Clone(x)
	}
	return out
}

func TestSupports3D(t *testing.T) {
	e := newEnv3D(t)
	if !gateway.Supports(e.g, gateway.Op3D) {
		t.Error("EST does not offer 3D")
	}
	if _, ok := gateway.Gateway(e.g).(gateway.ThreeDCompleter); !ok {
		t.Error("no Complete3D")
	}
}

func Test3DModel(t *testing.T) {
	for _, capture := range []bool{true, false} {
		e := newEnv3D(t)
		o := newOrder(12550, money.TRY)
		a := e.start(e.g, gateway.Model3D, o, capture, 3, goodPAN)
		dest, form := e.run(a, banksim.ACSCode)
		res := e.verify(e.g, a, form)
		if dest != "https://kasa.example/3d/ok" || res.Auth != gateway.AuthFull || res.MDStatus != "1" || res.ECI != "05" ||
			res.CAVV == "" || res.XID == "" || res.MD == "" || res.Provision != nil {
			t.Fatalf("to %s: %+v", dest, res)
		}
		if _, ok := e.sim.Book().Get("700655000200", o.OrderID); ok {
			t.Fatal("bank charged before Complete3D")
		}
		r := e.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{Order: o, Capture: capture, Installments: 3, Result: res})
		want(t, "Complete3D", r, gateway.Approved, gateway.ReasonNone)
		st := status(t, e.g, o.OrderID)
		if capture {
			wantStatus(t, st, gateway.StateCaptured, 12550, 12550, 0)
		} else {
			wantStatus(t, st, gateway.StateAuthorized, 12550, 0, 0)
		}
		if b, _ := e.sim.Book().Get("700655000200", o.OrderID); b.Installments != 3 {
			t.Errorf("installments at the bank: %d", b.Installments)
		}
		// The md is single-use: a second provisioning is refused.
		r = e.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{Order: o, Capture: capture, Installments: 3, Result: res})
		if r.Outcome != gateway.Rejected || r.BankCode != "99" {
			t.Errorf("md reused: %+v", r)
		}
		if n := e.sim.Book().ApprovedAuths(o.OrderID); n != 1 {
			t.Errorf("%d approved authorisations", n)
		}
	}
}

func Test3DAuthenticationFails(t *testing.T) {
	e := newEnv3D(t)
	for name, code := range map[string]string{"wrong code": "000000", "cancel": ""} {
		o := newOrder(5000, money.TRY)
		a := e.start(e.g, gateway.Model3D, o, true, 0, goodPAN)
		dest, form := e.run(a, code)
		res := e.verify(e.g, a, form)
		if dest != "https://kasa.example/3d/fail" || res.Auth != gateway.AuthFailed || res.MDStatus != "0" {
			t.Errorf("%s: to %s %+v", name, dest, res)
		}
		r := e.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: res})
		want(t, name+": Complete3D", r, gateway.Rejected, gateway.ReasonNotPermitted)
		if n := e.sim.Book().AuthAttempts(o.OrderID); n != 0 {
			t.Errorf("%s: %d provisioning requests reached the bank", name, n)
		}
	}
}

func Test3DAttemptedCard(t *testing.T) {
	e := newEnv3D(t)
	o := newOrder(5000, money.TRY)
	a := e.start(e.g, gateway.Model3D, o, true, 0, "4000000000000002")
	_, form := callback(t, e.gate(a)) // not enrolled: no challenge
	res := e.verify(e.g, a, form)
	if res.Auth != gateway.AuthAttempted || res.MDStatus != "4" || res.ECI != "06" {
		t.Fatalf("%+v", res)
	}
	r := e.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: res})
	want(t, "Complete3D", r, gateway.Approved, gateway.ReasonNone)
}

func Test3DPay(t *testing.T) {
	e := newEnv3D(t)
	o := newOrder(12550, money.TRY)
	a := e.start(e.g, gateway.Model3DPay, o, true, 2, goodPAN)
	dest, form := e.run(a, banksim.ACSCode)
	res := e.verify(e.g, a, form)
	p := res.Provision
	if dest != "https://kasa.example/3d/ok" || res.Auth != gateway.AuthFull || p == nil || !p.OK() || p.BankCode != "00" ||
		len(p.AuthCode) != 6 || len(p.HostRef) != 12 || p.TransID == "" {
		t.Fatalf("to %s: %+v / %+v", dest, res, p)
	}
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateCaptured, 12550, 12550, 0)

	// Each decline trigger arrives as the provisioning result, raw code kept.
	for _, d := range []banksim.Decline{banksim.Declines[6], banksim.Declines[13]} {
		o := newOrder(3000, money.TRY)
		a := e.start(e.g, gateway.Model3DPay, o, true, 0, d.ExamplePAN)
		dest, form := e.run(a, banksim.ACSCode)
		res := e.verify(e.g, a, form)
		if p := res.Provision; dest != "https://kasa.example/3d/fail" || res.Auth != gateway.AuthFull ||
			p.Outcome != gateway.Declined || string(p.Reason) != d.Reason || p.BankCode != d.Code {
			t.Errorf("%s: to %s %+v", d.Code, dest, p)
		}
	}

	// A failed authentication: nothing provisioned, a decline without code.
	o = newOrder(3000, money.TRY)
	a = e.start(e.g, gateway.Model3DPay, o, false, 0, goodPAN)
	_, form = e.run(a, "")
	res = e.verify(e.g, a, form)
	if res.Auth != gateway.AuthFailed || res.Provision.Outcome != gateway.Declined || res.Provision.BankCode != "" {
		t.Errorf("cancelled 3d_pay: %+v / %+v", res, res.Provision)
	}
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateNotFound, 0, 0, 0)
}

func Test3DHost(t *testing.T) {
	e := newEnv3D(t)
	o := newOrder(7500, money.USD)
	a := e.start(e.g, gateway.Model3DHost, o, false, 0, "")
	for _, f := range a.form.Fields {
		if f.Name == "pan" || f.Name == "cv2" {
			t.Fatalf("hosted form carries %s", f.Name)
		}
	}
	page := e.gate(a)
	m := reCardForm.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no hosted card page:\n%s", page)
	}
	acs := e.post(e.sim.URL()+m[1], url.Values{"pan": {goodPAN}, "Ecom_Payment_Card_ExpDate_Month": {"12"},
		"Ecom_Payment_Card_ExpDate_Year": {"30"}, "cv2": {"000"}})
	dest, form := e.acs(acs, banksim.ACSCode)
	res := e.verify(e.g, a, form)
	if dest != "https://kasa.example/3d/ok" || res.Auth != gateway.AuthFull || !res.Provision.OK() {
		t.Fatalf("to %s: %+v / %+v", dest, res, res.Provision)
	}
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateAuthorized, 7500, 0, 0)
}

// A lost provisioning reply is Unknown; the status query tells the truth.
func Test3DCompleteLostReply(t *testing.T) {
	e := newEnv3D(t)
	o := newOrder(4200, money.TRY)
	a := e.start(e.g, gateway.Model3D, o, true, 0, goodPAN)
	_, form := e.run(a, banksim.ACSCode)
	res := e.verify(e.g, a, form)
	e.sim.Faults().Next(e.sim.FaultOp(gateway.Op3D, true), banksim.TimeoutAfter, 1)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	r := e.g.Complete3D(ctx, &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: res})
	want(t, "Complete3D", r, gateway.Unknown, gateway.ReasonSystemError)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateCaptured, 4200, 4200, 0)
}

// 3DS-1: a genuine callback verifies; changing any byte of any signed field,
// or signing with another store key, does not — and nothing is provisioned.
func Test3DS1TamperedCallback(t *testing.T) {
	e := newEnv3D(t)
	o := newOrder(100000, money.TRY)
	a := e.start(e.g, gateway.Model3D, o, true, 0, goodPAN)
	_, genuine := e.run(a, banksim.ACSCode)
	e.verify(e.g, a, genuine)
	for k := range genuine {
		if strings.EqualFold(k, "encoding") {
			continue // the bank leaves it unsigned
		}
		v := clone(genuine)
		s := []byte(v.Get(k))
		if len(s) == 0 {
			s = []byte("0")
		} else {
			s[len(s)-1] ^= 1
		}
		v.Set(k, string(s))
		wantCallbackError(t, "flipped "+k, e.g, a.callback(v))
	}
	for _, k := range []string{"amount", "oid", "mdStatus", "currency"} {
		v := clone(genuine)
		v.Set(k, map[string]string{"amount": "1.00", "oid": "ANOTHER", "mdStatus": "0", "currency": "840"}[k])
		wantCallbackError(t, "altered "+k, e.g, a.callback(v))
	}
	// Re-signed with another store's key.
	v := clone(genuine)
	flat := map[string]string{}
	for k := range v {
		flat[k] = v.Get(k)
	}
	v.Set("HASH", est3.HashVer3(flat, otherStore.StoreKey))
	wantCallbackError(t, "other store key", e.g, a.callback(v))
	if n := e.sim.Book().AuthAttempts(o.OrderID); n != 0 {
		t.Errorf("%d provisioning requests", n)
	}
}

// 3DS-2: an approval spliced into a genuine failure callback is refused;
// fields the bank itself does not sign change nothing.
func Test3DS2SplicedFields(t *testing.T) {
	e := newEnv3D(t)
	o := newOrder(100000, money.TRY)
	a := e.start(e.g, gateway.Model3DPay, o, true, 0, goodPAN)
	_, failed := e.run(a, "999999")
	base := e.verify(e.g, a, failed)
	if base.Auth != gateway.AuthFailed || base.Provision.OK() {
		t.Fatalf("base %+v", base)
	}
	spliced := clone(failed)
	spliced.Set("AuthCode", "123456")
	spliced.Set("ProcReturnCode", "00")
	spliced.Set("Response", "Approved")
	wantCallbackError(t, "approval spliced in", e.g, a.callback(spliced))
	legacy := clone(failed)
	legacy.Set("HASHPARAMS", "clientid:oid:")
	legacy.Set("HASHPARAMSVAL", failed.Get("clientid")+failed.Get("oid"))
	wantCallbackError(t, "legacy HASHPARAMS", e.g, a.callback(legacy))

	extras := clone(failed)
	extras.Set("NATIONALIDNO", "12345678901")
	extras.Set("encoding", "ISO-8859-9")
	res := e.verify(e.g, a, extras)
	if res.Auth != base.Auth || res.Provision.Outcome != base.Provision.Outcome {
		t.Errorf("unsigned fields changed the verdict: %+v", res)
	}
}

// 3DS-3: order B's genuine callback replayed on order A, and another
// merchant's genuine callback on this merchant's attempt, are refused.
func Test3DS3Replay(t *testing.T) {
	e := newEnv3D(t)
	orderA := newOrder(100000, money.TRY)
	orderB := newOrder(100, money.TRY)
	attemptA := e.start(e.g, gateway.Model3DPay, orderA, true, 0, goodPAN)
	attemptB := e.start(e.g, gateway.Model3DPay, orderB, true, 0, goodPAN)
	_, cbB := e.run(attemptB, banksim.ACSCode)
	e.verify(e.g, attemptB, cbB)
	wantCallbackError(t, "B's callback on A", e.g, attemptA.callback(cbB))

	// The same order id at another store, signed with that store's key.
	otherAttempt := e.start(e.other, gateway.Model3DPay, orderA, true, 0, goodPAN)
	_, cbOther := e.run(otherAttempt, banksim.ACSCode)
	e.verify(e.other, otherAttempt, cbOther)
	wantCallbackError(t, "other merchant's callback", e.g, attemptA.callback(cbOther))

	// A genuine callback whose amount is not the stored one.
	short := *attemptB
	short.order.Amount = money.New(100000, money.TRY)
	wantCallbackError(t, "stored amount differs", e.g, short.callback(cbB))
}

// Complete3D takes amount and card from Kasa's attempt and the md; a
// provisioning for another amount than the authenticated one is refused.
func Test3DCompleteAmountMismatch(t *testing.T) {
	e := newEnv3D(t)
	o := newOrder(1000, money.TRY)
	a := e.start(e.g, gateway.Model3D, o, true, 0, goodPAN)
	_, form := e.run(a, banksim.ACSCode)
	res := e.verify(e.g, a, form)
	bigger := o
	bigger.Amount = money.New(100000, money.TRY)
	r := e.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{Order: bigger, Capture: true, Result: res})
	if r.Outcome != gateway.Rejected || r.BankErrorCode == "" {
		t.Errorf("%+v", r)
	}
	if n := e.sim.Book().ApprovedAuths(o.OrderID); n != 0 {
		t.Errorf("%d approvals", n)
	}
}
