package payflex_test

import (
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/gatewaytest"
	"github.com/kasapos/kasa/internal/gateway/payflex"
	"github.com/kasapos/kasa/internal/money"
)

// 3D Secure tests drive the simulator's MPI, ACS and TermUrl over HTTP as a
// browser would, then feed the MPI's post to Verify3D.

const (
	okURL   = "https://kasa.example/3ds/pay_1/callback?r=ok"
	failURL = "https://kasa.example/3ds/pay_1/callback?r=fail"
	// attemptedPAN ends in 0002: the simulated issuer is not enrolled.
	attemptedPAN = "4000000000000002"
)

var (
	postForm   = gatewaytest.PostForm
	autoPosted = gatewaytest.AutoPosted
)

type acs struct {
	code   string
	cancel bool
}

type attempt struct {
	order gateway.Order
	card  card.Card
	form  *gateway.ThreeDForm
}

func (e *env) start3D(o gateway.Order, pan string, capture bool) *attempt {
	e.t.Helper()
	c := testCard(e.t, pan)
	form, res := e.g.Start3D(e.t.Context(), &gateway.ThreeDRequest{Order: o, Model: gateway.Model3D, Capture: capture,
		Card: c, OkURL: okURL, FailURL: failURL, Lang: "tr"})
	if !res.OK() || form == nil {
		e.t.Fatalf("Start3D: %+v", res)
	}
	return &attempt{order: o, card: c, form: form}
}

// browse posts the form to the ACS, answers the challenge (unless the
// issuer skips it), follows the post to the MPI's TermUrl and returns
// where and what the MPI posts to the merchant.
func (e *env) browse(a *attempt, answer acs) (string, url.Values) {
	e.t.Helper()
	c := &http.Client{}
	fields := url.Values{}
	for _, f := range a.form.Fields {
		fields.Set(f.Name, f.Value)
	}
	page := postForm(e.t, c, a.form.URL, fields)
	target, vals := autoPosted(e.t, page)
	if strings.HasPrefix(target, "/_acs/") {
		vals = url.Values{"code": {answer.code}, "action": {"submit"}}
		if answer.cancel {
			vals.Set("action", "cancel")
		}
		target, vals = autoPosted(e.t, postForm(e.t, c, e.sim.URL()+target, vals))
	}
	return autoPosted(e.t, postForm(e.t, c, target, vals))
}

func (e *env) verify(a *attempt, form url.Values) (*gateway.ThreeDResult, error) {
	return e.g.Verify3D(e.t.Context(), &gateway.ThreeDCallback{Model: gateway.Model3D, Expected: a.order, Capture: true,
		Form: form, Session: a.form.Session})
}

func (e *env) complete(a *attempt, r *gateway.ThreeDResult, capture bool) *gateway.Result {
	return e.g.Complete3D(e.t.Context(), &gateway.ThreeDCompleteRequest{Order: a.order, Capture: capture, Result: r, Card: a.card})
}

func wantCallbackError(t *testing.T, what string, r *gateway.ThreeDResult, err error) {
	t.Helper()
	var ce *gateway.CallbackError
	if !errors.As(err, &ce) || r != nil {
		t.Errorf("%s: got %+v, %v; want a CallbackError", what, r, err)
	}
}

func TestThreeDSuccess(t *testing.T) {
	e := newEnv(t)
	a := e.start3D(newOrder(15075, money.TRY), goodPAN, true)
	if a.form.URL != e.sim.URL()+"/ACS/Challenge.aspx" || len(a.form.Fields) != 3 || a.form.Session["verify_enrollment_request_id"] == "" {
		t.Fatalf("form %+v", a.form)
	}
	for _, v := range a.form.Session {
		if strings.Contains(v, goodPAN) {
			t.Fatal("card number in the session")
		}
	}
	target, cb := e.browse(a, acs{code: banksim.ACSCode})
	if target != okURL || cb.Get("PurchAmount") != "15075" || cb.Get("PurchCurrency") != "949" {
		t.Fatalf("posted to %s: %v", target, cb)
	}
	if strings.Contains(cb.Encode(), goodPAN) {
		t.Error("full card number posted through the browser")
	}
	r, err := e.verify(a, cb)
	if err != nil {
		t.Fatal(err)
	}
	if r.Auth != gateway.AuthFull || r.MDStatus != "Y" || r.ECI != "05" || r.CAVV == "" {
		t.Fatalf("result %+v", r)
	}
	want(t, "provision", e.complete(a, r, true), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, a.order.OrderID), gateway.StateCaptured, 15075, 15075, 0)
	// 3DS-5: the MPI's evidence provisions once.
	want(t, "second provision", e.complete(a, r, true), gateway.Rejected, gateway.ReasonNotPermitted)
	if n := e.sim.Book().ApprovedAuths(a.order.OrderID); n != 1 {
		t.Errorf("bank approved %d times", n)
	}
}

func TestThreeDPreAuthWithInstallments(t *testing.T) {
	e := newEnv(t)
	o := newOrder(120000, money.TRY)
	c := testCard(t, goodPAN)
	form, res := e.g.Start3D(t.Context(), &gateway.ThreeDRequest{Order: o, Model: gateway.Model3D, Installments: 6,
		Card: c, OkURL: okURL, FailURL: failURL})
	if !res.OK() || form == nil {
		t.Fatalf("Start3D: %+v", res)
	}
	a := &attempt{order: o, card: c, form: form}
	_, cb := e.browse(a, acs{code: banksim.ACSCode})
	if cb.Get("InstallmentCount") != "6" {
		t.Errorf("InstallmentCount %q", cb.Get("InstallmentCount"))
	}
	r, err := e.verify(a, cb)
	if err != nil {
		t.Fatal(err)
	}
	req := &gateway.ThreeDCompleteRequest{Order: o, Installments: 6, Result: r, Card: c}
	want(t, "provision", e.g.Complete3D(t.Context(), req), gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateAuthorized, 120000, 0, 0)
	if got, _ := e.sim.Book().Get(merchantID, o.OrderID); got.Installments != 6 {
		t.Errorf("bank recorded %d installments", got.Installments)
	}
}

func TestThreeDWrongCodeAndCancelFail(t *testing.T) {
	for name, answer := range map[string]acs{"wrong code": {code: "000000"}, "cancel": {cancel: true}} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			a := e.start3D(newOrder(5000, money.TRY), goodPAN, true)
			target, cb := e.browse(a, answer)
			if target != failURL {
				t.Errorf("posted to %s", target)
			}
			r, err := e.verify(a, cb)
			if err != nil {
				t.Fatal(err)
			}
			if r.Auth != gateway.AuthFailed || r.MDStatus != "N" || r.Evidence != nil {
				t.Fatalf("result %+v", r)
			}
			want(t, "provision", e.complete(a, r, true), gateway.Rejected, gateway.ReasonNotPermitted)
			if n := len(e.sim.Book().All()); n != 0 {
				t.Errorf("%d orders reached the bank", n)
			}
		})
	}
}

// 3DS-4: an issuer that is not enrolled answers A (attempt, half secure).
func TestThreeDAttempted(t *testing.T) {
	e := newEnv(t)
	a := e.start3D(newOrder(5000, money.TRY), attemptedPAN, true)
	target, cb := e.browse(a, acs{})
	r, err := e.verify(a, cb)
	if err != nil || target != okURL {
		t.Fatalf("%s: %v", target, err)
	}
	if r.Auth != gateway.AuthAttempted || r.MDStatus != "A" || r.ECI != "06" {
		t.Fatalf("result %+v", r)
	}
	want(t, "provision", e.complete(a, r, true), gateway.Approved, gateway.ReasonNone)
}

// 3DS-3: the callback must belong to this attempt, merchant, amount and
// currency; anything else is a CallbackError.
func TestThreeDCallbackBinding(t *testing.T) {
	e := newEnv(t)
	a := e.start3D(newOrder(100000, money.TRY), goodPAN, true)
	_, cb := e.browse(a, acs{code: banksim.ACSCode})
	for _, c := range []struct{ field, value string }{
		{"PurchAmount", "100"},
		{"PurchAmount", "100000 "},
		{"PurchCurrency", "840"},
		{"MerchantId", "000000000222222"},
		{"VerifyEnrollmentRequestId", strings.ToUpper(cb.Get("VerifyEnrollmentRequestId"))},
		{"VerifyEnrollmentRequestId", ""},
	} {
		f := url.Values{}
		for k, v := range cb {
			f[k] = append([]string(nil), v...)
		}
		f.Set(c.field, c.value)
		r, err := e.verify(a, f)
		wantCallbackError(t, c.field+"="+c.value, r, err)
	}
	// No session: the callback cannot be tied to an attempt.
	r, err := e.g.Verify3D(t.Context(), &gateway.ThreeDCallback{Model: gateway.Model3D, Expected: a.order, Form: cb})
	wantCallbackError(t, "no session", r, err)
	// The stored attempt's amount differs from what was authenticated.
	other := a.order
	other.Amount = money.New(100, money.TRY)
	r, err = e.g.Verify3D(t.Context(), &gateway.ThreeDCallback{Model: gateway.Model3D, Expected: other, Form: cb, Session: a.form.Session})
	wantCallbackError(t, "stored amount differs", r, err)
	// The genuine callback still verifies.
	if r, err := e.verify(a, cb); err != nil || r.Auth != gateway.AuthFull {
		t.Fatalf("genuine: %+v %v", r, err)
	}
}

// 3DS-3: a genuine callback replayed onto another attempt is refused, even
// one for the same amount.
func TestThreeDReplayOntoAnotherAttempt(t *testing.T) {
	e := newEnv(t)
	a := e.start3D(newOrder(2500, money.TRY), goodPAN, true)
	b := e.start3D(newOrder(2500, money.TRY), goodPAN, true)
	_, cb := e.browse(a, acs{code: banksim.ACSCode})
	r, err := e.verify(b, cb)
	wantCallbackError(t, "replay", r, err)
}

// 3DS-2: fields outside the fixed list (an approval spliced in) change
// nothing.
func TestThreeDUnsignedFieldsIgnored(t *testing.T) {
	e := newEnv(t)
	a := e.start3D(newOrder(3000, money.TRY), goodPAN, true)
	_, cb := e.browse(a, acs{code: "000000"})
	genuine, err := e.verify(a, cb)
	if err != nil {
		t.Fatal(err)
	}
	cb.Set("AuthCode", "123456")
	cb.Set("ResultCode", "0000")
	cb.Set("mdStatus", "1")
	cb.Set("HASHPARAMS", "Status")
	cb.Add("Status", "Y") // a second value: only the first is read
	spliced, err := e.verify(a, cb)
	if err != nil || !reflect.DeepEqual(spliced, genuine) || spliced.Auth != gateway.AuthFailed {
		t.Fatalf("spliced %+v (%v), genuine %+v", spliced, err, genuine)
	}
}

// 3DS-1/3DS-4: the MPI signs nothing, so a cardholder can post Status Y
// with invented evidence after failing the challenge. Verify3D cannot tell;
// the bank refuses the provisioning because its MPI never authenticated
// that attempt, and no money moves.
func TestThreeDForgedStatusRefusedAtProvisioning(t *testing.T) {
	e := newEnv(t)
	a := e.start3D(newOrder(7000, money.TRY), goodPAN, true)
	_, cb := e.browse(a, acs{code: "000000"})
	cb.Set("Status", "Y")
	cb.Set("Eci", "05")
	cb.Set("Cavv", "AAABBBBBBBBBBBBBBBIIIIII=")
	r, err := e.verify(a, cb)
	if err != nil || r.Auth != gateway.AuthFull {
		t.Fatalf("%+v %v", r, err)
	}
	res := e.complete(a, r, true)
	want(t, "forged provision", res, gateway.Rejected, gateway.ReasonNotPermitted)
	if res.BankErrorCode != "1020" || e.sim.Book().ApprovedAuths(a.order.OrderID) != 0 {
		t.Errorf("result %+v", res)
	}
}

func TestThreeDEnrollmentFailures(t *testing.T) {
	e := newEnv(t)
	bad := map[string]string{}
	for k, v := range sandboxCreds {
		bad[k] = v
	}
	bad["password"] = "wrong"
	req := &gateway.ThreeDRequest{Order: newOrder(100, money.TRY), Model: gateway.Model3D, Capture: true,
		Card: testCard(t, goodPAN), OkURL: okURL, FailURL: failURL}
	form, res := newGateway(t, e.sim, bad).Start3D(t.Context(), req)
	if form != nil || res.Outcome != gateway.Rejected || res.BankCode != "E" || res.BankErrorCode != "2001" {
		t.Errorf("wrong password: %+v", res)
	}
	e.sim.Faults().Next("Enrollment", banksim.Malformed, 1)
	if _, res := e.g.Start3D(t.Context(), req); res.Outcome != gateway.Unknown {
		t.Errorf("malformed enrollment reply: %+v", res)
	}
	for _, m := range []string{gateway.Model3DPay, gateway.Model3DHost} {
		r := *req
		r.Model = m
		if _, res := e.g.Start3D(t.Context(), &r); res.Outcome != gateway.Rejected {
			t.Errorf("%s: %+v", m, res)
		}
	}
	mpi := gatewaytest.DeadURL(t, "/MPIAPI/MPI_Enrollment.aspx")
	g, err := payflex.New(gateway.Config{Credentials: sandboxCreds, Endpoints: gateway.Endpoints{API: e.sim.APIURL(), ThreeDGate: mpi}})
	if err != nil {
		t.Fatal(err)
	}
	if _, res := g.Start3D(t.Context(), req); res.Outcome != gateway.NotSent {
		t.Errorf("nothing listens: %+v", res)
	}
}

// Verify3D never panics on whatever a browser posts, and only the genuine
// binding can pass.
func FuzzVerify3D(f *testing.F) {
	g, err := payflex.New(gateway.Config{Credentials: sandboxCreds,
		Endpoints: gateway.Endpoints{API: "https://vpos.example/VposService/v3/Vposreq.aspx"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("v1", "000000000111111", "101", "949", "Y", "05", "AAAB")
	f.Add("", "", "", "", "", "", "")
	f.Add("v1", "000000000111111", "101", "949", "A", "", "")
	f.Fuzz(func(t *testing.T, verID, merchant, amount, currency, status, eci, cavv string) {
		form := url.Values{"VerifyEnrollmentRequestId": {verID}, "MerchantId": {merchant}, "PurchAmount": {amount},
			"PurchCurrency": {currency}, "Status": {status}, "Eci": {eci}, "Cavv": {cavv}}
		o := gateway.Order{OrderID: "fuzz1", Amount: money.New(101, money.TRY)}
		r, err := g.Verify3D(t.Context(), &gateway.ThreeDCallback{Model: gateway.Model3D, Expected: o, Form: form,
			Session: map[string]string{"verify_enrollment_request_id": "v1"}})
		if err == nil && (verID != "v1" || amount != "101" || currency != "949" || merchant != "000000000111111" || r == nil) {
			t.Fatalf("accepted %v", form)
		}
	})
}
