package posnet_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/kasapos/kasa/internal/banksim"
	posnetsim "github.com/kasapos/kasa/internal/banksim/posnet"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/gatewaytest"
	"github.com/kasapos/kasa/internal/gateway/posnet"
	"github.com/kasapos/kasa/internal/money"
)

// 3D Secure tests drive the simulator's gate and ACS with a plain
// http.Client, as a browser would, and feed the captured callback to
// Verify3D. Requirement IDs refer to security-reliability.md §2.

const returnURL = "https://kasa.example/v1/3d/callback/att_1"

const attemptedPAN = "4048095010020002" // ends in 0002: issuer not enrolled

// browser is a client that never follows redirects, like the bank calls.
func browser(t *testing.T) *http.Client {
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

var (
	postForm   = gatewaytest.PostForm
	autoPosted = gatewaytest.AutoPosted
)

type acsAction int

const (
	acsCode acsAction = iota
	acsWrongCode
	acsCancel
	acsNone // the card skips the challenge
)

func (e *env) start(o gateway.Order, pan string, capture bool) *gateway.ThreeDForm {
	e.t.Helper()
	form, res := e.g.Start3D(e.t.Context(), &gateway.ThreeDRequest{Order: o, Model: gateway.Model3D, Capture: capture,
		Card: testCard(e.t, pan), OkURL: returnURL, FailURL: returnURL + "/fail", Lang: "tr"})
	if res != nil {
		e.t.Fatalf("Start3D: %s/%s %s %s", res.Outcome, res.Reason, res.BankCode, res.BankMessage)
	}
	return form
}

// browse posts the Start3D form to the gate, answers the ACS and returns the
// fields the gate posted back to the return URL.
func (e *env) browse(form *gateway.ThreeDForm, act acsAction) url.Values {
	e.t.Helper()
	c := browser(e.t)
	vals := url.Values{}
	for _, f := range form.Fields {
		vals.Add(f.Name, f.Value)
	}
	page := postForm(e.t, c, form.URL, vals)
	if act != acsNone {
		target, _ := autoPosted(e.t, page)
		if !strings.HasPrefix(target, "/_acs/") {
			e.t.Fatalf("expected the ACS page, got form to %s", target)
		}
		answer := url.Values{"code": {"123456"}, "action": {"submit"}}
		switch act {
		case acsWrongCode:
			answer.Set("code", "654321")
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

func wantCallbackError(t *testing.T, what string, res *gateway.ThreeDResult, err error) {
	t.Helper()
	var ce *gateway.CallbackError
	if !errors.As(err, &ce) {
		t.Fatalf("%s: got %+v, %v; want a CallbackError", what, res, err)
	}
}

func TestThreeDSuccess(t *testing.T) {
	e := newEnv(t, posnetsim.Config{})
	ctx := t.Context()
	o := newOrder(12550, money.TRY)
	form := e.start(o, goodPAN, true)
	if form.URL != e.sim.ThreeDGateURL() || len(form.Fields) != 8 || form.Fields[0].Name != "mid" || form.Fields[0].Value != mid {
		t.Fatalf("form %+v", form)
	}
	for k, v := range form.Session {
		if strings.Contains(v, goodPAN) {
			t.Errorf("session %s holds the card number", k)
		}
	}
	for _, f := range form.Fields {
		if strings.Contains(f.Value, goodPAN) || strings.Contains(f.Value, "10,10,10") {
			t.Errorf("form field %s leaks card or key", f.Name)
		}
	}
	fields := e.browse(form, acsCode)
	if got := len(fields); got != 3 {
		t.Errorf("callback has %d fields: %v", got, fields)
	}
	res, err := e.g.Verify3D(ctx, callback(o, form, fields))
	if err != nil {
		t.Fatal(err)
	}
	if res.Auth != gateway.AuthFull || res.MDStatus != "1" || res.XID != o.OrderID || res.Provision != nil {
		t.Errorf("result %+v", res)
	}
	if n := len(e.sim.Book().All()); n != 0 {
		t.Fatalf("verification alone booked %d orders", n)
	}
	r := e.g.Complete3D(ctx, &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: res})
	want(t, "provision", r, gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateCaptured, 12550, 12550, 0)

	// A 3D order is refunded and voided like any other (found under TDSC).
	ref := gateway.RefundRequest{Order: o}
	ref.Amount = money.New(550, money.TRY)
	want(t, "refund", e.g.Refund(ctx, &ref), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateRefunded, 12550, 12550, 550)

	// 3DS-5: the same genuine callback provisions once only.
	r = e.g.Complete3D(ctx, &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: res})
	want(t, "second provision", r, gateway.Rejected, gateway.ReasonDuplicateOrder)
	if n := e.sim.Book().ApprovedAuths(o.OrderID); n != 1 {
		t.Errorf("approved %d times", n)
	}
}

func TestThreeDPreAuthThenCapture(t *testing.T) {
	e := newEnv(t, posnetsim.Config{})
	ctx := t.Context()
	o := newOrder(20000, money.USD)
	form := e.start(o, goodPAN, false)
	res, err := e.g.Verify3D(ctx, callback(o, form, e.browse(form, acsCode)))
	if err != nil {
		t.Fatal(err)
	}
	want(t, "provision", e.g.Complete3D(ctx, &gateway.ThreeDCompleteRequest{Order: o, Result: res}), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateAuthorized, 20000, 0, 0)
	c := gateway.CaptureRequest{Order: o}
	c.Amount = money.New(15000, money.USD)
	want(t, "capture", e.g.Capture(ctx, &c), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateCaptured, 20000, 15000, 0)
}

func TestThreeDAttempted(t *testing.T) {
	e := newEnv(t, posnetsim.Config{})
	o := newOrder(1000, money.TRY)
	form := e.start(o, attemptedPAN, true)
	res, err := e.g.Verify3D(t.Context(), callback(o, form, e.browse(form, acsNone)))
	if err != nil {
		t.Fatal(err)
	}
	if res.Auth != gateway.AuthAttempted || res.MDStatus != "4" {
		t.Errorf("result %+v", res)
	}
}

func TestThreeDNotAuthenticated(t *testing.T) {
	for name, act := range map[string]acsAction{"wrong code": acsWrongCode, "cancel": acsCancel} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, posnetsim.Config{})
			o := newOrder(1000, money.TRY)
			form := e.start(o, goodPAN, true)
			res, err := e.g.Verify3D(t.Context(), callback(o, form, e.browse(form, act)))
			if err != nil {
				t.Fatal(err)
			}
			if res.Auth != gateway.AuthFailed || res.MDStatus != "0" {
				t.Errorf("result %+v", res)
			}
			// 3DS-4: no provisioning without authentication, locally...
			want(t, "complete", e.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: res}),
				gateway.Rejected, gateway.ReasonNotPermitted)
			// ...nor at the bank, whatever Kasa claims.
			forged := *res
			forged.Auth = gateway.AuthFull
			r := e.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: &forged})
			want(t, "forced complete", r, gateway.Rejected, gateway.ReasonInvalidTxn)
			if n := e.sim.Book().ApprovedAuths(o.OrderID); n != 0 {
				t.Errorf("unauthenticated order approved %d times", n)
			}
		})
	}
}

// 3DS-1: any change to a signed field, or a missing one, is refused.
func TestThreeDS1TamperedCallback(t *testing.T) {
	e := newEnv(t, posnetsim.Config{})
	o := newOrder(1000, money.TRY)
	form := e.start(o, goodPAN, true)
	fields := e.browse(form, acsWrongCode)
	flip := func(s string) string {
		b := []byte(s)
		if b[10] == 'A' {
			b[10] = 'B'
		} else {
			b[10] = 'A'
		}
		return string(b)
	}
	for _, name := range []string{"MerchantPacket", "BankPacket", "Sign"} {
		tampered := url.Values{}
		for k, v := range fields {
			tampered[k] = append([]string(nil), v...)
		}
		tampered.Set(name, flip(fields.Get(name)))
		res, err := e.g.Verify3D(t.Context(), callback(o, form, tampered))
		wantCallbackError(t, "flipped "+name, res, err)
		tampered.Del(name)
		res, err = e.g.Verify3D(t.Context(), callback(o, form, tampered))
		wantCallbackError(t, "missing "+name, res, err)
	}
	// Lower-cased names are not the bank's fields.
	lower := url.Values{}
	for k, v := range fields {
		lower[strings.ToLower(k)] = v
	}
	res, err := e.g.Verify3D(t.Context(), callback(o, form, lower))
	wantCallbackError(t, "renamed fields", res, err)
}

// 3DS-1: a terminal whose ENCKEY differs from the bank's cannot verify.
func TestThreeDS1OtherStoreKey(t *testing.T) {
	e := newEnv(t, posnetsim.Config{})
	o := newOrder(1000, money.TRY)
	form := e.start(o, goodPAN, true)
	fields := e.browse(form, acsCode)
	creds := map[string]string{}
	for k, v := range sandboxCreds {
		creds[k] = v
	}
	creds[posnet.CredEncKey] = "11,11,11,11,11,11,11,11"
	res, err := newGateway(t, e.sim, creds).Verify3D(t.Context(), callback(o, form, fields))
	wantCallbackError(t, "other ENCKEY", res, err)
	// The genuine key still verifies the same callback.
	if _, err := e.g.Verify3D(t.Context(), callback(o, form, fields)); err != nil {
		t.Error(err)
	}
}

// 3DS-2: fields the bank does not sign change nothing.
func TestThreeDS2UnsignedFieldsIgnored(t *testing.T) {
	e := newEnv(t, posnetsim.Config{})
	o := newOrder(1000, money.TRY)
	form := e.start(o, goodPAN, true)
	fields := e.browse(form, acsWrongCode)
	for k, v := range map[string]string{"mdStatus": "1", "MdStatus": "1", "approved": "1", "authCode": "123456",
		"hostlogkey": "000000000000000001", "txStatus": "Y", "amount": "1", "xid": o.OrderID, "HASHPARAMS": "mdStatus"} {
		fields.Set(k, v)
	}
	res, err := e.g.Verify3D(t.Context(), callback(o, form, fields))
	if err != nil {
		t.Fatal(err)
	}
	if res.Auth != gateway.AuthFailed || res.MDStatus != "0" || res.Provision != nil {
		t.Errorf("spliced fields changed the verdict: %+v", res)
	}
}

// 3DS-3: a genuine callback belongs to its own order and amount only.
func TestThreeDS3Binding(t *testing.T) {
	e := newEnv(t, posnetsim.Config{})
	a := newOrder(100000, money.TRY)
	b := newOrder(100, money.TRY)
	formA := e.start(a, goodPAN, true)
	formB := e.start(b, goodPAN, true)
	fieldsB := e.browse(formB, acsCode)

	res, err := e.g.Verify3D(t.Context(), callback(a, formA, fieldsB))
	wantCallbackError(t, "B's callback on A's attempt", res, err)
	noSession := callback(a, formA, fieldsB)
	noSession.Session = nil
	res, err = e.g.Verify3D(t.Context(), noSession)
	wantCallbackError(t, "B's callback on A's order, no session", res, err)

	for name, alter := range map[string]func(*gateway.Order){
		"amount":   func(o *gateway.Order) { o.Amount.Minor++ },
		"currency": func(o *gateway.Order) { o.Amount.Currency = money.EUR },
		"order id": func(o *gateway.Order) { o.OrderID = a.OrderID },
	} {
		exp := b
		alter(&exp)
		cb := callback(exp, formB, fieldsB)
		cb.Session = nil
		res, err := e.g.Verify3D(t.Context(), cb)
		wantCallbackError(t, name, res, err)
	}
	if n := len(e.sim.Book().All()); n != 0 {
		t.Errorf("%d orders booked", n)
	}
	if _, err := e.g.Verify3D(t.Context(), callback(b, formB, fieldsB)); err != nil {
		t.Errorf("genuine callback: %v", err)
	}
}

// fakeResolve is a bank answering oosResolveMerchantData with a fixed
// reply, to check what Verify3D does with the bank's answer itself.
func fakeResolve(t *testing.T, reply string) *posnet.Gateway {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, reply)
	}))
	t.Cleanup(srv.Close)
	g, err := posnet.New(gateway.Config{Credentials: sandboxCreds, Endpoints: gateway.Endpoints{API: srv.URL, ThreeDGate: srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func resolveReply(md, xid, amount, cur, mac string) string {
	return `<posnetResponse><approved>1</approved><respCode></respCode><respText></respText><oosResolveMerchantDataResponse>` +
		`<xid>` + xid + `</xid><amount>` + amount + `</amount><currency>` + cur + `</currency><installment>00</installment>` +
		`<txStatus>Y</txStatus><mdStatus>` + md + `</mdStatus><mdErrorMessage></mdErrorMessage><mac>` + mac + `</mac>` +
		`</oosResolveMerchantDataResponse></posnetResponse>`
}

func TestThreeDResolveReplyChecked(t *testing.T) {
	const key, tid = "10,10,10,10,10,10,10,10", "67005551"
	o := gateway.Order{OrderID: "K0000000000000000001", Amount: money.New(5696, money.TRY)}
	cb := &gateway.ThreeDCallback{Model: gateway.Model3D, Expected: o, Form: url.Values{
		"MerchantPacket": {"AA"}, "BankPacket": {"BB"}, "Sign": {"CC"}}}
	good := posnet.ResponseMAC("1", o.OrderID, "5696", "TL", mid, key, tid)

	res, err := fakeResolve(t, resolveReply("1", o.OrderID, "5696", "TL", good)).Verify3D(t.Context(), cb)
	if err != nil || res.Auth != gateway.AuthFull {
		t.Fatalf("genuine reply: %+v %v", res, err)
	}
	for name, reply := range map[string]string{
		"mdStatus altered":    resolveReply("2", o.OrderID, "5696", "TL", good),
		"amount altered":      resolveReply("1", o.OrderID, "5697", "TL", good),
		"currency altered":    resolveReply("1", o.OrderID, "5696", "US", good),
		"xid altered":         resolveReply("1", "K0000000000000000002", "5696", "TL", good),
		"other key":           resolveReply("1", o.OrderID, "5696", "TL", posnet.ResponseMAC("1", o.OrderID, "5696", "TL", mid, "1,2,3", tid)),
		"no mac":              resolveReply("1", o.OrderID, "5696", "TL", ""),
		"signed other amount": resolveReply("1", o.OrderID, "100", "TL", posnet.ResponseMAC("1", o.OrderID, "100", "TL", mid, key, tid)),
		"signed other order":  resolveReply("1", "K0000000000000000002", "5696", "TL", posnet.ResponseMAC("1", "K0000000000000000002", "5696", "TL", mid, key, tid)),
		"signed other cur":    resolveReply("1", o.OrderID, "5696", "EU", posnet.ResponseMAC("1", o.OrderID, "5696", "EU", mid, key, tid)),
		"mac error":           `<posnetResponse><approved>0</approved><respCode>E216</respCode><respText>Mac Doğrulama hatalı</respText></posnetResponse>`,
	} {
		res, err := fakeResolve(t, reply).Verify3D(t.Context(), cb)
		wantCallbackError(t, name, res, err)
	}
	// Not the callback's fault: a plain error, nothing to trust either way.
	for name, reply := range map[string]string{
		"terminal refused": `<posnetResponse><approved>0</approved><respCode>0148</respCode></posnetResponse>`,
		"garbled":          `<html>`,
	} {
		res, err := fakeResolve(t, reply).Verify3D(t.Context(), cb)
		var ce *gateway.CallbackError
		if err == nil || errors.As(err, &ce) || res != nil {
			t.Errorf("%s: %+v %v", name, res, err)
		}
	}
}

func TestStart3DRefusals(t *testing.T) {
	e := newEnv(t, posnetsim.Config{})
	start := func(g *posnet.Gateway, o gateway.Order, model string) *gateway.Result {
		_, res := g.Start3D(t.Context(), &gateway.ThreeDRequest{Order: o, Model: model, Capture: true,
			Card: testCard(t, goodPAN), OkURL: returnURL})
		if res == nil {
			t.Fatal("started")
		}
		return res
	}
	want(t, "3d_pay", start(e.g, newOrder(100, money.TRY), gateway.Model3DPay), gateway.Rejected, gateway.ReasonNotPermitted)
	noKey := newGateway(t, e.sim, map[string]string{posnet.CredMerchantID: mid, posnet.CredTerminalID: "67005551"})
	want(t, "no ENCKEY", start(noKey, newOrder(100, money.TRY), gateway.Model3D), gateway.Rejected, gateway.ReasonInvalidTxn)
	wrongID := map[string]string{}
	for k, v := range sandboxCreds {
		wrongID[k] = v
	}
	wrongID[posnet.CredPosnetID] = "1"
	want(t, "wrong posnet id", start(newGateway(t, e.sim, wrongID), newOrder(100, money.TRY), gateway.Model3D), gateway.Rejected, gateway.ReasonInvalidTxn)

	o := newOrder(100, money.TRY)
	want(t, "sale", e.sale(o), gateway.Approved, gateway.ReasonNone)
	want(t, "used order id", start(e.g, o, gateway.Model3D), gateway.Rejected, gateway.ReasonDuplicateOrder)

	e.sim.Faults().Next(posnetsim.OpOOSRequest, banksim.HTTP500, 1)
	want(t, "bank error", start(e.g, newOrder(100, money.TRY), gateway.Model3D), gateway.Unknown, gateway.ReasonSystemError)
}

// The gate refuses forms whose digest does not match the data.
func TestGateRefusesTamperedForm(t *testing.T) {
	e := newEnv(t, posnetsim.Config{})
	form := e.start(newOrder(100, money.TRY), goodPAN, true)
	vals := url.Values{}
	for _, f := range form.Fields {
		vals.Set(f.Name, f.Value)
	}
	vals.Set("digest", strings.Repeat("0", 64))
	resp, err := browser(t).PostForm(form.URL, vals)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d", resp.StatusCode)
	}
}

// roundTripper answers every bank call with a fixed body.
type roundTripper string

func (b roundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(string(b))), Header: http.Header{}, Request: r}, nil
}

func FuzzVerify3D(f *testing.F) {
	f.Add("AA", "BB", "CC", resolveReply("1", "K1", "100", "TL", "x"))
	f.Add("", "", "", `<posnetResponse><approved>0</approved><respCode>E216</respCode></posnetResponse>`)
	f.Add("\x00", "%", "<", "<html>")
	f.Fuzz(func(t *testing.T, mp, bp, sign, reply string) {
		g, err := posnet.New(gateway.Config{Credentials: sandboxCreds, HTTPClient: &http.Client{Transport: roundTripper(reply)},
			Endpoints: gateway.Endpoints{API: "http://bank.invalid/x"}})
		if err != nil {
			t.Fatal(err)
		}
		o := gateway.Order{OrderID: "K1", Amount: money.New(100, money.TRY)}
		res, err := g.Verify3D(context.Background(), &gateway.ThreeDCallback{Model: gateway.Model3D, Expected: o,
			Form: url.Values{"MerchantPacket": {mp}, "BankPacket": {bp}, "Sign": {sign}}})
		if err == nil && (res == nil || res.Auth == "") {
			t.Fatalf("accepted without a verdict: %+v", res)
		}
		if err == nil && res.Auth != gateway.AuthFailed && !strings.Contains(reply, "<mac>") {
			t.Fatalf("authenticated without a MAC: %+v", res)
		}
	})
}
