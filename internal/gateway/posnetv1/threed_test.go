package posnetv1_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	posnetv1sim "github.com/kasapos/kasa/internal/banksim/posnetv1"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/gatewaytest"
	"github.com/kasapos/kasa/internal/gateway/posnetv1"
	"github.com/kasapos/kasa/internal/money"
)

// 3D Secure tests drive the simulator's gate and ACS with a plain
// http.Client and feed the captured callback to Verify3D. Requirement IDs
// refer to security-reliability.md §2.

const returnURL = "https://kasa.example/v1/3d/callback/att_1"

const attemptedPAN = "4506347010020002" // ends in 0002: issuer not enrolled

var (
	postForm   = gatewaytest.PostForm
	autoPosted = gatewaytest.AutoPosted
)

type acsAction int

const (
	acsCode acsAction = iota
	acsWrongCode
	acsCancel
	acsNone
)

func (e *env) start(o gateway.Order, pan string, capture bool) *gateway.ThreeDForm {
	e.t.Helper()
	form, res := e.g.Start3D(e.t.Context(), &gateway.ThreeDRequest{Order: o, Model: gateway.Model3D, Capture: capture,
		Card: testCard(e.t, pan), OkURL: returnURL, FailURL: returnURL, Lang: "en"})
	if res != nil {
		e.t.Fatalf("Start3D: %s/%s %s", res.Outcome, res.Reason, res.BankMessage)
	}
	return form
}

func (e *env) browse(form *gateway.ThreeDForm, act acsAction) url.Values {
	e.t.Helper()
	c := &http.Client{}
	e.t.Cleanup(c.CloseIdleConnections)
	vals := url.Values{}
	for _, f := range form.Fields {
		vals.Add(f.Name, f.Value)
	}
	page := postForm(e.t, c, form.URL, vals)
	if act != acsNone {
		target, _ := autoPosted(e.t, page)
		answer := url.Values{"code": {"123456"}, "action": {"submit"}}
		switch act {
		case acsWrongCode:
			answer.Set("code", "000000")
		case acsCancel:
			answer = url.Values{"action": {"cancel"}}
		}
		page = postForm(e.t, c, e.sim.URL()+target, answer)
	}
	target, fields := autoPosted(e.t, page)
	if target != returnURL {
		e.t.Fatalf("callback posted to %s", target)
	}
	return fields
}

func callback(o gateway.Order, form *gateway.ThreeDForm, fields url.Values) *gateway.ThreeDCallback {
	return &gateway.ThreeDCallback{Model: gateway.Model3D, Expected: o, Capture: true, Form: fields, Session: form.Session}
}

func clone(v url.Values) url.Values {
	out := url.Values{}
	for k, x := range v {
		out[k] = append([]string(nil), x...)
	}
	return out
}

func wantCallbackError(t *testing.T, what string, res *gateway.ThreeDResult, err error) {
	t.Helper()
	var ce *gateway.CallbackError
	if !errors.As(err, &ce) {
		t.Fatalf("%s: got %+v, %v; want a CallbackError", what, res, err)
	}
}

func TestThreeDSuccess(t *testing.T) {
	e := newEnv(t, posnetv1sim.Config{})
	ctx := t.Context()
	o := newOrder(17500, money.TRY)
	form := e.start(o, goodPAN, true)
	if form.URL != e.sim.ThreeDGateURL() || form.Fields[len(form.Fields)-1].Name != "Mac" {
		t.Fatalf("form %+v", form)
	}
	res, err := e.g.Verify3D(ctx, callback(o, form, e.browse(form, acsCode)))
	if err != nil {
		t.Fatal(err)
	}
	if res.Auth != gateway.AuthFull || res.MDStatus != "1" || res.ECI != "05" || res.CAVV == "" || res.Provision != nil {
		t.Errorf("result %+v", res)
	}
	want(t, "provision", e.g.Complete3D(ctx, &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: res}), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateCaptured, 17500, 17500, 0)
	want(t, "void", e.g.Void(ctx, &gateway.VoidRequest{Order: o}), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateVoided, 17500, 17500, 0)
	// 3DS-5: a genuine callback provisions once only.
	r := e.g.Complete3D(ctx, &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: res})
	want(t, "second provision", r, gateway.Rejected, gateway.ReasonDuplicateOrder)
}

func TestThreeDPreAuthThenCapture(t *testing.T) {
	e := newEnv(t, posnetv1sim.Config{})
	ctx := t.Context()
	o := newOrder(20000, money.TRY)
	form := e.start(o, goodPAN, false)
	res, err := e.g.Verify3D(ctx, callback(o, form, e.browse(form, acsCode)))
	if err != nil {
		t.Fatal(err)
	}
	want(t, "provision", e.g.Complete3D(ctx, &gateway.ThreeDCompleteRequest{Order: o, Result: res}), gateway.Approved, gateway.ReasonNone)
	c := gateway.CaptureRequest{Order: o}
	c.Amount = money.New(12000, money.TRY)
	want(t, "capture", e.g.Capture(ctx, &c), gateway.Approved, gateway.ReasonNone)
	ref := gateway.RefundRequest{Order: o}
	ref.Amount = money.New(2000, money.TRY)
	want(t, "refund", e.g.Refund(ctx, &ref), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateRefunded, 20000, 12000, 2000)
}

func TestThreeDAttempted(t *testing.T) {
	e := newEnv(t, posnetv1sim.Config{})
	o := newOrder(1000, money.TRY)
	form := e.start(o, attemptedPAN, true)
	res, err := e.g.Verify3D(t.Context(), callback(o, form, e.browse(form, acsNone)))
	if err != nil || res.Auth != gateway.AuthAttempted || res.MDStatus != "4" {
		t.Fatalf("result %+v %v", res, err)
	}
	want(t, "provision", e.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: res}), gateway.Approved, gateway.ReasonNone)
}

func TestThreeDNotAuthenticated(t *testing.T) {
	for name, act := range map[string]acsAction{"wrong code": acsWrongCode, "cancel": acsCancel} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, posnetv1sim.Config{})
			o := newOrder(1000, money.TRY)
			form := e.start(o, goodPAN, true)
			res, err := e.g.Verify3D(t.Context(), callback(o, form, e.browse(form, act)))
			if err != nil {
				t.Fatal(err)
			}
			if res.Auth != gateway.AuthFailed || res.MDStatus != "0" {
				t.Errorf("result %+v", res)
			}
			want(t, "complete", e.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: res}),
				gateway.Rejected, gateway.ReasonNotPermitted)
			forged := *res
			forged.Auth = gateway.AuthFull
			want(t, "forced complete", e.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: &forged}),
				gateway.Rejected, gateway.ReasonInvalidTxn)
			if n := e.sim.Book().ApprovedAuths(o.OrderID); n != 0 {
				t.Errorf("approved %d", n)
			}
		})
	}
}

// 3DS-1: every signed field is covered; a missing Mac or another key fails.
func TestThreeDS1TamperedCallback(t *testing.T) {
	e := newEnv(t, posnetv1sim.Config{})
	o := newOrder(1000, money.TRY)
	form := e.start(o, goodPAN, true)
	fields := e.browse(form, acsCode)
	for _, name := range strings.Split(posnetv1.CallbackMACParams, ":") {
		f := clone(fields)
		f.Set(name, f.Get(name)+"0")
		res, err := e.g.Verify3D(t.Context(), callback(o, form, f))
		wantCallbackError(t, "altered "+name, res, err)
	}
	f := clone(fields)
	f.Set("MdStatus", "1 ")
	res, err := e.g.Verify3D(t.Context(), callback(o, form, f))
	wantCallbackError(t, "padded MdStatus", res, err)
	f = clone(fields)
	f.Del("Mac")
	res, err = e.g.Verify3D(t.Context(), callback(o, form, f))
	wantCallbackError(t, "no Mac", res, err)
	f = clone(fields)
	f.Set("Mac", strings.ToLower(f.Get("Mac")))
	res, err = e.g.Verify3D(t.Context(), callback(o, form, f))
	wantCallbackError(t, "Mac case", res, err)

	creds := map[string]string{}
	for k, v := range sandboxCreds {
		creds[k] = v
	}
	creds[posnetv1.CredEncKey] = "11,11,11,11,11,11,11,11"
	res, err = newGateway(t, e.sim, creds).Verify3D(t.Context(), callback(o, form, fields))
	wantCallbackError(t, "other ENCKEY", res, err)
	if _, err := e.g.Verify3D(t.Context(), callback(o, form, fields)); err != nil {
		t.Errorf("genuine: %v", err)
	}
}

// 3DS-2: the posted MacParams is ignored and unsigned fields change nothing.
func TestThreeDS2FixedSignedList(t *testing.T) {
	e := newEnv(t, posnetv1sim.Config{})
	o := newOrder(1000, money.TRY)
	form := e.start(o, goodPAN, true)
	fields := e.browse(form, acsWrongCode)
	for k, v := range map[string]string{"MacParams": "OrderId", "ProcReturnCode": "00", "Response": "Approved",
		"AuthCode": "123456", "mdStatus": "1", "TranType": "Sale", "CAVVAlgorithm": "9"} {
		fields.Set(k, v)
	}
	res, err := e.g.Verify3D(t.Context(), callback(o, form, fields))
	if err != nil {
		t.Fatal(err)
	}
	if res.Auth != gateway.AuthFailed || res.Provision != nil {
		t.Errorf("verdict changed: %+v", res)
	}
	// A-01 splicing: a Mac that is valid over an attacker-chosen list is
	// worthless, since only the fixed list is hashed.
	spliced := clone(fields)
	spliced.Set("MdStatus", "1")
	spliced.Set("MacParams", "MdErrorMessage")
	res, err = e.g.Verify3D(t.Context(), callback(o, form, spliced))
	wantCallbackError(t, "spliced", res, err)
}

// 3DS-3: a genuine callback is bound to its own order, amount and currency.
func TestThreeDS3Binding(t *testing.T) {
	e := newEnv(t, posnetv1sim.Config{})
	a := newOrder(100000, money.TRY)
	b := newOrder(100, money.TRY)
	formA := e.start(a, goodPAN, true)
	formB := e.start(b, goodPAN, true)
	fieldsB := e.browse(formB, acsCode)

	res, err := e.g.Verify3D(t.Context(), callback(a, formA, fieldsB))
	wantCallbackError(t, "B's callback on A's attempt", res, err)
	for name, alter := range map[string]func(url.Values){
		"order id": func(f url.Values) { f.Set("OrderId", "0"+f.Get("OrderId")[1:]) },
		"amount":   func(f url.Values) { f.Set("Amount", "101") },
		"currency": func(f url.Values) { f.Set("CurrencyCode", "978") },
		"merchant": func(f url.Values) { f.Set("MerchantId", "6700000000") },
	} {
		f := clone(fieldsB)
		alter(f)
		res, err := e.g.Verify3D(t.Context(), callback(b, formB, f))
		wantCallbackError(t, name, res, err)
	}

	// The order fields are unsigned: rewritten to A's they pass Verify3D,
	// but the bank binds the authentication to B and refuses A's provision.
	f := clone(fieldsB)
	padded, _ := posnetv1.FormatOrderID(a.OrderID)
	f.Set("OrderId", padded)
	f.Set("Amount", "100000")
	res, err = e.g.Verify3D(t.Context(), &gateway.ThreeDCallback{Model: gateway.Model3D, Expected: a, Form: f})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "A provisioned with B's authentication", e.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{Order: a, Capture: true, Result: res}),
		gateway.Rejected, gateway.ReasonInvalidTxn)
	if n := len(e.sim.Book().All()); n != 0 {
		t.Errorf("%d orders booked", n)
	}
}

func TestStart3DRefusals(t *testing.T) {
	e := newEnv(t, posnetv1sim.Config{})
	_, res := e.g.Start3D(t.Context(), &gateway.ThreeDRequest{Order: newOrder(100, money.TRY), Model: gateway.Model3DHost, OkURL: returnURL})
	want(t, "3d_host", res, gateway.Rejected, gateway.ReasonNotPermitted)
	noID := map[string]string{posnetv1.CredMerchantNo: mid, posnetv1.CredTerminalNo: "67C16990", posnetv1.CredEncKey: "k"}
	_, res = newGateway(t, e.sim, noID).Start3D(t.Context(), &gateway.ThreeDRequest{Order: newOrder(100, money.TRY), Model: gateway.Model3D,
		Card: testCard(t, goodPAN), OkURL: returnURL})
	want(t, "no posnet id", res, gateway.Rejected, gateway.ReasonInvalidTxn)

	// The gate refuses a form whose Mac does not match.
	form := e.start(newOrder(100, money.TRY), goodPAN, true)
	vals := url.Values{}
	for _, f := range form.Fields {
		vals.Set(f.Name, f.Value)
	}
	vals.Set("Amount", "1")
	resp, err := http.PostForm(form.URL, vals)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("tampered form: %d", resp.StatusCode)
	}
}

func FuzzVerify3D(f *testing.F) {
	f.Add("1", "05", "AAAA", "Authenticated", "0161", "1010028947569644", "x", "00000000000000000001", "100")
	f.Add("", "", "", "", "", "", "", "", "")
	f.Fuzz(func(t *testing.T, md, eci, cavv, text, mdv, secure, mac, orderID, amount string) {
		g, err := posnetv1.New(gateway.Config{Credentials: sandboxCreds, Endpoints: gateway.Endpoints{API: "http://bank.invalid/x"}})
		if err != nil {
			t.Fatal(err)
		}
		form := url.Values{"MdStatus": {md}, "ECI": {eci}, "CAVV": {cavv}, "MdErrorMessage": {text}, "MD": {mdv},
			"SecureTransactionId": {secure}, "Mac": {mac}, "OrderId": {orderID}, "Amount": {amount}}
		o := gateway.Order{OrderID: "1", Amount: money.New(100, money.TRY)}
		res, err := g.Verify3D(t.Context(), &gateway.ThreeDCallback{Model: gateway.Model3D, Expected: o, Form: form})
		if err == nil && posnetv1.MAC("10,10,10,10,10,10,10,10", eci, cavv, md, text, mdv, secure) != mac {
			t.Fatalf("accepted a callback without a valid Mac: %+v", res)
		}
	})
}
