package vakifkatilim_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/boa"
	"github.com/kasapos/kasa/internal/gateway/gatewaytest"
	"github.com/kasapos/kasa/internal/money"
)

const (
	okURL   = "http://127.0.0.1:1/ok"
	failURL = "http://127.0.0.1:1/fail"
)

// post posts v to u like a browser and reads the form of the reply: its
// target (made absolute against u) and hidden fields.
func post(t *testing.T, u string, v url.Values) (string, url.Values) {
	t.Helper()
	next, out := gatewaytest.AutoPosted(t, gatewaytest.PostForm(t, http.DefaultClient, u, v))
	if strings.HasPrefix(next, "/") {
		base, _ := url.Parse(u)
		next = base.Scheme + "://" + base.Host + next
	}
	return next, out
}

func values(f *gateway.ThreeDForm) url.Values {
	v := url.Values{}
	for _, x := range f.Fields {
		v.Set(x.Name, x.Value)
	}
	return v
}

func start(t *testing.T, e *env, o gateway.Order, model, pan string) *gateway.ThreeDForm {
	t.Helper()
	req := &gateway.ThreeDRequest{Order: o, Model: model, Capture: true, OkURL: okURL, FailURL: failURL}
	if model == gateway.Model3D {
		req.Card = testCard(t, pan)
	}
	form, res := e.g.Start3D(t.Context(), req)
	if !res.OK() || form == nil {
		t.Fatalf("start: %+v", res)
	}
	return form
}

// drive runs the browser from the Start3D form to the post back: the
// enrollment page's form (3d) or the bank's card page (3d_host), then the
// ACS with code, or its cancel button.
func drive(t *testing.T, e *env, o gateway.Order, model, code string, cancel bool) (*gateway.ThreeDForm, string, url.Values) {
	t.Helper()
	form := start(t, e, o, model, goodPAN)
	acs, fields := post(t, form.URL, values(form))
	if model == gateway.Model3DHost {
		// acs is the card page; type the card.
		fields.Set("CardNumber", goodPAN)
		fields.Set("CardExpireDateMonth", "01")
		fields.Set("CardExpireDateYear", "30")
		fields.Set("CardCVV2", "123")
		fields.Set("CardHolderName", "Ayşe Yılmaz")
		acs, _ = post(t, acs, fields)
	}
	action := "submit"
	if cancel {
		action = "cancel"
	}
	to, cb := post(t, acs, url.Values{"code": {code}, "action": {action}})
	return form, to, cb
}

func verify(e *env, model string, o gateway.Order, form *gateway.ThreeDForm, cb url.Values) (*gateway.ThreeDResult, error) {
	var session map[string]string
	if form != nil {
		session = form.Session
	}
	return e.g.Verify3D(e.t.Context(), &gateway.ThreeDCallback{Model: model, Expected: o, Capture: true, Form: cb, Session: session})
}

func wantCallbackError(t *testing.T, what string, err error) {
	t.Helper()
	var ce *gateway.CallbackError
	if !errors.As(err, &ce) {
		t.Errorf("%s: %v, want a callback error", what, err)
	}
}

func TestThreeDModel(t *testing.T) {
	e := newEnv(t)
	o := newOrder(12550, money.TRY)
	form, to, cb := drive(t, e, o, gateway.Model3D, banksim.ACSCode, false)
	if to != okURL || form.Session["ok_url"] != okURL || form.Session["fail_url"] != failURL {
		t.Fatalf("posted to %s; session %v", to, form.Session)
	}
	for _, f := range form.Fields {
		if strings.Contains(f.Value, goodPAN) {
			t.Fatal("card number in the browser's form")
		}
	}
	res, err := verify(e, gateway.Model3D, o, form, cb)
	if err != nil || res.Auth != gateway.AuthFull || res.MDStatus != "00" || res.MD == "" || res.Provision != nil {
		t.Fatalf("verify: %+v %v", res, err)
	}
	if n := e.sim.Book().ApprovedAuths(o.OrderID); n != 0 {
		t.Fatal("charged before provisioning")
	}
	r := e.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: res})
	want(t, "provision", r, gateway.Approved, gateway.ReasonNone)
	if r.AuthCode == "" || e.sim.Book().ApprovedAuths(o.OrderID) != 1 {
		t.Fatalf("provision: %+v", r)
	}
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateCaptured, 12550, 12550, 0)
	// The MD provisions once.
	r = e.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: res})
	if r.OK() || r.BankErrorCode != "EmptyMDException" {
		t.Fatalf("second provisioning: %+v", r)
	}
}

// 3DS-5: the provisioned amount is the attempt's; the bank refuses an MD
// provisioned for another amount or order, and the MD stays good for the
// right one.
func TestThreeDTamperedAmount(t *testing.T) {
	e := newEnv(t)
	o := newOrder(10000, money.TRY)
	form, _, cb := drive(t, e, o, gateway.Model3D, banksim.ACSCode, false)
	// The callback signs no amount; an amount spliced into it changes nothing.
	cb.Set("Amount", "100")
	res, err := verify(e, gateway.Model3D, o, form, cb)
	if err != nil || res.Auth != gateway.AuthFull {
		t.Fatalf("verify: %+v %v", res, err)
	}
	cheaper := o
	cheaper.Amount = money.New(100, money.TRY)
	r := e.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{Order: cheaper, Capture: true, Result: res})
	if r.OK() || r.BankErrorCode != "EmptyMDException" {
		t.Fatalf("cheaper provisioning: %+v", r)
	}
	other := o
	other.OrderID = newOrder(1, money.TRY).OrderID
	if r := e.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{Order: other, Capture: true, Result: res}); r.OK() {
		t.Fatalf("provisioned onto another order: %+v", r)
	}
	evil := *res
	evil.Evidence = map[string]string{"md": res.MD, "ok_url": "https://evil.example/ok", "fail_url": failURL}
	if r := e.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: &evil}); r.OK() {
		t.Fatalf("provisioned with other URLs: %+v", r)
	}
	want(t, "provision", e.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: res}), gateway.Approved, gateway.ReasonNone)
	if got, _ := e.sim.Book().Get(merchantID, o.OrderID); got.Captured != 10000 {
		t.Fatalf("bank captured %d", got.Captured)
	}
}

func TestThreeDFailures(t *testing.T) {
	e := newEnv(t)
	for _, model := range []string{gateway.Model3D, gateway.Model3DHost} {
		for _, c := range []struct {
			name, code string
			cancel     bool
			wantCode   string
		}{{"WrongCode", "000000", false, "MPIAuthenticationStatusN"}, {"Cancel", "", true, "MPIAuthenticationCancel"}} {
			o := newOrder(1000, money.TRY)
			form, to, cb := drive(t, e, o, model, c.code, c.cancel)
			res, err := verify(e, model, o, form, cb)
			if to != failURL || err != nil || res.Auth != gateway.AuthFailed || res.MDStatus != c.wantCode || res.Provision != nil {
				t.Errorf("%s %s: %s %+v %v", model, c.name, to, res, err)
			}
			if e.sim.Book().ApprovedAuths(o.OrderID) != 0 {
				t.Errorf("%s %s: charged", model, c.name)
			}
		}
	}
	// A half-secure card is refused like a failure: BOA has no such level.
	o := newOrder(1000, money.TRY)
	form, res := e.g.Start3D(t.Context(), &gateway.ThreeDRequest{Order: o, Model: gateway.Model3D, Capture: true,
		Card: testCard(t, "4000000000000002"), OkURL: okURL, FailURL: failURL})
	if !res.OK() {
		t.Fatal(res)
	}
	to, cb := post(t, form.URL, values(form))
	if r, err := verify(e, gateway.Model3D, o, form, cb); to != failURL || err != nil || r.Auth != gateway.AuthFailed {
		t.Errorf("attempted: %s %+v %v", to, r, err)
	}
}

func TestStart3DRefused(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	o := newOrder(1000, money.TRY)
	// The gate refuses at once (here: an expired card it cannot enroll)
	// with a form posting to FailUrl: a failed start, nothing to browse.
	c := testCard(t, goodPAN)
	c.Expiry.Month = 13
	form, res := e.g.Start3D(ctx, &gateway.ThreeDRequest{Order: o, Model: gateway.Model3D, Capture: true, Card: c, OkURL: okURL, FailURL: failURL})
	if form != nil || res.Outcome != gateway.Rejected || res.BankErrorCode != "InvalidCardNumber" {
		t.Fatalf("refused enrollment: %+v %+v", form, res)
	}
	for name, req := range map[string]*gateway.ThreeDRequest{
		"3d_pay":   {Order: o, Model: gateway.Model3DPay, Capture: true, OkURL: okURL, FailURL: failURL},
		"pre-auth": {Order: o, Model: gateway.Model3D, Card: testCard(t, goodPAN), OkURL: okURL, FailURL: failURL},
		"no card":  {Order: o, Model: gateway.Model3D, Capture: true, OkURL: okURL, FailURL: failURL},
		"no urls":  {Order: o, Model: gateway.Model3DHost, Capture: true},
	} {
		if f, r := e.g.Start3D(ctx, req); f != nil || r.Outcome != gateway.Rejected {
			t.Errorf("%s: %+v %+v", name, f, r)
		}
	}
	// A gate answer that is neither a form nor a reply: unusable.
	e.sim.Faults().Next("ThreeDModelPayGate", banksim.Malformed, 1)
	if f, r := e.g.Start3D(ctx, &gateway.ThreeDRequest{Order: newOrder(1000, money.TRY), Model: gateway.Model3D, Capture: true,
		Card: testCard(t, goodPAN), OkURL: okURL, FailURL: failURL}); f != nil || r.Outcome != gateway.Unknown {
		t.Errorf("malformed gate page: %+v %+v", f, r)
	}
}

// 3DS-1: a callback whose signed fields were altered, or that is signed
// with another key, is refused; so is a repeated field.
func TestThreeDForged(t *testing.T) {
	e := newEnv(t)
	o := newOrder(1000, money.TRY)
	form, _, cb := drive(t, e, o, gateway.Model3D, banksim.ACSCode, false)
	edit := func(k, v string) url.Values {
		c := url.Values{}
		for key, vals := range cb {
			c[key] = append([]string(nil), vals...)
		}
		c.Set(k, v)
		return c
	}
	for name, f := range map[string]url.Values{
		"code":      edit("ResponseCode", "05"),
		"order":     edit("MerchantOrderId", "other"),
		"bank id":   edit("OrderId", "123"),
		"hash":      edit("HashData", "AAAA"+cb.Get("HashData")),
		"no hash":   edit("HashData", ""),
		"other key": edit("HashData", boa.CallbackHash(o.OrderID, "00", cb.Get("OrderId"), "another-password")),
		"repeated":  func() url.Values { c := edit("x", ""); c["ResponseCode"] = []string{"00", "00"}; return c }(),
	} {
		_, err := verify(e, gateway.Model3D, o, form, f)
		wantCallbackError(t, name, err)
	}
	_, err := verify(e, gateway.Model3D, o, form, url.Values{})
	wantCallbackError(t, "empty", err)
	_, err = verify(e, gateway.Model3DPay, o, form, cb)
	wantCallbackError(t, "3d_pay", err)
	// Fields outside the signature change nothing.
	if res, err := verify(e, gateway.Model3D, o, form, edit("ProvisionNumber", "999999")); err != nil || res.Auth != gateway.AuthFull {
		t.Fatalf("spliced field: %+v %v", res, err)
	}
	// Without the attempt's session there is nothing to provision with.
	_, err = verify(e, gateway.Model3D, o, nil, cb)
	wantCallbackError(t, "no session", err)
}

// 3DS-2: a genuine callback is bound to its attempt's order.
func TestThreeDCallbackOrderMismatch(t *testing.T) {
	e := newEnv(t)
	for _, model := range []string{gateway.Model3D, gateway.Model3DHost} {
		o := newOrder(1000, money.TRY)
		form, _, cb := drive(t, e, o, model, banksim.ACSCode, false)
		other := newOrder(1000, money.TRY)
		_, err := verify(e, model, other, form, cb)
		wantCallbackError(t, model+" onto another order", err)
	}
}

func TestThreeDHost(t *testing.T) {
	e := newEnv(t)
	o := newOrder(15075, money.TRY)
	form, to, cb := drive(t, e, o, gateway.Model3DHost, banksim.ACSCode, false)
	if !strings.HasSuffix(form.URL, "/VirtualPOS.Gateway/CommonPaymentPage/CommonPaymentPage") || to != okURL {
		t.Fatalf("form %s, posted to %s", form.URL, to)
	}
	res, err := verify(e, gateway.Model3DHost, o, form, cb)
	if err != nil || res.Auth != gateway.AuthFull || res.Provision == nil {
		t.Fatalf("verify: %+v %v", res, err)
	}
	want(t, "hosted payment", res.Provision, gateway.Approved, gateway.ReasonNone)
	if res.Provision.AuthCode == "" || res.Provision.HostRef == "" || e.sim.Book().ApprovedAuths(o.OrderID) != 1 {
		t.Fatalf("provision: %+v", res.Provision)
	}
	// An issuer decline after authentication is the bank's provisioning result.
	d := gatewaytest.TriggerOrder("51")
	form, to, cb = drive(t, e, d, gateway.Model3DHost, banksim.ACSCode, false)
	res, err = verify(e, gateway.Model3DHost, d, form, cb)
	if to != failURL || err != nil || res.Provision == nil {
		t.Fatalf("declined: %s %+v %v", to, res, err)
	}
	want(t, "declined hosted payment", res.Provision, gateway.Declined, gateway.ReasonInsufficientFunds)
}

// The hosted form carries HashPassword, so a customer can sign what they
// like: an "approval" the bank never gave, or the form with another amount.
// Neither is trusted.
func TestThreeDHostTampered(t *testing.T) {
	e := newEnv(t)
	o := newOrder(10000, money.TRY)
	form := start(t, e, o, gateway.Model3DHost, "")
	v := values(form)
	hashPassword := v.Get("HashPassword")
	sign := func(parts ...string) string { return b64sha1(strings.Join(parts, "") + hashPassword) }

	// A forged approval: valid HashData, no order at the bank.
	forged := url.Values{"ResponseCode": {"00"}, "MerchantOrderId": {o.OrderID}, "OrderId": {"1"}}
	forged.Set("HashData", sign(o.OrderID, "00", "1"))
	_, err := verify(e, gateway.Model3DHost, o, form, forged)
	wantCallbackError(t, "forged approval", err)

	// The form re-signed for 1.00 TRY: the bank charges 1.00, Kasa sees it.
	v.Set("Amount", "100")
	v.Set("HashData", sign(v.Get("MerchantId"), o.OrderID, "100", okURL, failURL, v.Get("UserName")))
	page, fields := post(t, form.URL, v)
	fields.Set("CardNumber", goodPAN)
	fields.Set("CardExpireDateMonth", "01")
	fields.Set("CardExpireDateYear", "30")
	fields.Set("CardCVV2", "123")
	acs, _ := post(t, page, fields)
	_, cb := post(t, acs, url.Values{"code": {banksim.ACSCode}, "action": {"submit"}})
	res, err := verify(e, gateway.Model3DHost, o, form, cb)
	if err != nil || res.Provision == nil {
		t.Fatalf("verify: %+v %v", res, err)
	}
	want(t, "tampered amount", res.Provision, gateway.Declined, gateway.ReasonFraudSuspected)
	if !strings.Contains(res.Provision.BankMessage, "1.00 TRY") {
		t.Errorf("message %q", res.Provision.BankMessage)
	}

	// A form whose HashData does not verify never reaches the card page.
	v.Set("Amount", "50")
	resp, err := http.PostForm(form.URL, v)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unsigned amount: HTTP %d", resp.StatusCode)
	}
}

// A 3D host approval whose confirmation query fails stays Unknown.
func TestThreeDHostUnconfirmed(t *testing.T) {
	e := newEnv(t)
	o := newOrder(2000, money.TRY)
	form, _, cb := drive(t, e, o, gateway.Model3DHost, banksim.ACSCode, false)
	e.sim.Faults().Next("SelectOrderByMerchantOrderId", banksim.HTTP500, 1)
	res, err := verify(e, gateway.Model3DHost, o, form, cb)
	if err != nil || res.Provision == nil {
		t.Fatalf("verify: %+v %v", res, err)
	}
	want(t, "unconfirmed", res.Provision, gateway.Unknown, gateway.ReasonSystemError)
}

func b64sha1(s string) string { return boa.HashPassword(s) }
