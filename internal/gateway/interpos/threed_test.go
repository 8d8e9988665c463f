package interpos_test

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/interpos"
	"github.com/kasapos/kasa/internal/money"
)

// 3D tests drive the simulator's gate and ACS with a plain http.Client, as a
// browser would, and feed the post back to Verify3D.

const (
	okURL   = "https://kasa.example/3ds/pay_1/callback?r=ok"
	failURL = "https://kasa.example/3ds/pay_1/callback?r=fail"
)

var (
	reForm  = regexp.MustCompile(`(?is)<form\b[^>]*action="([^"]*)"[^>]*>(.*?)</form>`)
	reInput = regexp.MustCompile(`(?is)<input\b[^>]*name="([^"]*)"[^>]*value="([^"]*)"`)
)

// post submits a form and returns the page's first form: action and fields.
func post(t *testing.T, target string, v url.Values) (string, url.Values) {
	t.Helper()
	resp, err := http.PostForm(target, v)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d %s", target, resp.StatusCode, body)
	}
	m := reForm.FindStringSubmatch(string(body))
	if m == nil {
		t.Fatalf("no form on %s: %.300s", target, body)
	}
	out := url.Values{}
	for _, in := range reInput.FindAllStringSubmatch(m[2], -1) {
		out.Add(html.UnescapeString(in[1]), html.UnescapeString(in[2]))
	}
	act, _ := url.Parse(target)
	next, _ := act.Parse(html.UnescapeString(m[1]))
	return next.String(), out
}

// run3D starts a 3D payment and plays the browser; acs is "submit" with
// code, or "cancel". It returns where the bank sent the browser and the
// callback fields.
func run3D(t *testing.T, e *env, o gateway.Order, model, pan, acs, code string) (*gateway.ThreeDForm, string, url.Values) {
	t.Helper()
	req := &gateway.ThreeDRequest{Order: o, Model: model, Capture: true, OkURL: okURL, FailURL: failURL, Lang: "tr"}
	if model != gateway.Model3DHost {
		req.Card = testCard(t, pan)
	}
	form, res := e.g.Start3D(t.Context(), req)
	want(t, "start", res, gateway.Approved, gateway.ReasonNone)
	v := url.Values{}
	for _, f := range form.Fields {
		v.Set(f.Name, f.Value)
	}
	action, fields := post(t, form.URL, v)
	if model == gateway.Model3DHost { // the bank's card page
		c := testCard(t, pan)
		fields = url.Values{"Pan": {c.PAN.Reveal()}, "Expiry": {interpos.FormatExpiry(c.Expiry)}, "Cvv2": {c.CVV.Reveal()}}
		action, fields = post(t, action, fields)
	}
	if strings.Contains(action, "/_acs/") {
		action, fields = post(t, action, url.Values{"code": {code}, "action": {acs}})
	}
	return form, action, fields
}

func callback(model string, o gateway.Order, form *gateway.ThreeDForm, fields url.Values) *gateway.ThreeDCallback {
	return &gateway.ThreeDCallback{Model: model, Expected: o, Capture: true, Form: fields, Session: form.Session}
}

func clone(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func wantCallbackError(t *testing.T, what string, e *env, cb *gateway.ThreeDCallback) {
	t.Helper()
	_, err := e.g.Verify3D(t.Context(), cb)
	if _, ok := err.(*gateway.CallbackError); !ok {
		t.Errorf("%s: err %v, want a CallbackError", what, err)
	}
}

func TestThreeDModelSuccess(t *testing.T) {
	e := newEnv(t)
	o := newOrder(15075, money.TRY)
	form, target, fields := run3D(t, e, o, gateway.Model3D, goodPAN, "submit", banksim.ACSCode)
	if target != okURL || fields.Get("PurchAmount") != "150,75" {
		t.Fatalf("posted to %s with amount %q", target, fields.Get("PurchAmount"))
	}
	tr, err := e.g.Verify3D(t.Context(), callback(gateway.Model3D, o, form, fields))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Auth != gateway.AuthFull || tr.MDStatus != "1" || tr.MD == "" || tr.ECI == "" || tr.Provision != nil {
		t.Fatalf("3D result: %+v", tr)
	}
	if n := e.sim.Book().AuthAttempts(o.OrderID); n != 0 {
		t.Fatalf("3D model charged before Complete3D (%d)", n)
	}
	r := e.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: tr})
	want(t, "complete", r, gateway.Approved, gateway.ReasonNone)
	want(t, "complete again", e.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: tr}),
		gateway.Rejected, gateway.ReasonInvalidTxn)
	if n := e.sim.Book().ApprovedAuths(o.OrderID); n != 1 {
		t.Fatalf("bank approved %d times", n)
	}
	// The bank charges what it authenticated, not what a provisioning call says.
	o2 := newOrder(2000, money.TRY)
	form, _, fields = run3D(t, e, o2, gateway.Model3D, goodPAN, "submit", banksim.ACSCode)
	tr, err = e.g.Verify3D(t.Context(), callback(gateway.Model3D, o2, form, fields))
	if err != nil {
		t.Fatal(err)
	}
	more := o2
	more.Amount = money.New(200000, money.TRY)
	want(t, "complete other amount", e.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{Order: more, Capture: true, Result: tr}),
		gateway.Rejected, gateway.ReasonInvalidTxn)
}

func TestThreeDPayAndHost(t *testing.T) {
	e := newEnv(t)
	for _, model := range []string{gateway.Model3DPay, gateway.Model3DHost} {
		t.Run(model, func(t *testing.T) {
			o := newOrder(4999, money.TRY)
			form, target, fields := run3D(t, e, o, model, goodPAN, "submit", banksim.ACSCode)
			if model == gateway.Model3DHost && !strings.HasSuffix(form.URL, "/mpi/3DHost.aspx") {
				t.Errorf("3D Host form goes to %s", form.URL)
			}
			tr, err := e.g.Verify3D(t.Context(), callback(model, o, form, fields))
			if err != nil {
				t.Fatal(err)
			}
			if target != okURL || tr.Auth != gateway.AuthFull || tr.Provision == nil {
				t.Fatalf("%s: %+v", target, tr)
			}
			want(t, "provision", tr.Provision, gateway.Approved, gateway.ReasonNone)
			// A decline by the issuer after authentication.
			d := newOrder(banksim.TriggerAmount("51", money.TRY).Minor, money.TRY)
			form, target, fields = run3D(t, e, d, model, goodPAN, "submit", banksim.ACSCode)
			tr, err = e.g.Verify3D(t.Context(), callback(model, d, form, fields))
			if err != nil {
				t.Fatal(err)
			}
			if target != failURL {
				t.Errorf("declined payment posted to %s", target)
			}
			want(t, "declined provision", tr.Provision, gateway.Declined, gateway.ReasonInsufficientFunds)
		})
	}
}

func TestThreeDAuthOutcomes(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, pan, acs, code string
		auth                 gateway.AuthLevel
	}{
		{"wrong code", goodPAN, "submit", "000000", gateway.AuthFailed},
		{"cancel", goodPAN, "cancel", "", gateway.AuthFailed},
		{"attempted", "4000000000000002", "submit", banksim.ACSCode, gateway.AuthAttempted},
	} {
		for _, model := range []string{gateway.Model3D, gateway.Model3DPay} {
			t.Run(tc.name+"/"+model, func(t *testing.T) {
				o := newOrder(1500, money.TRY)
				form, _, fields := run3D(t, e, o, model, tc.pan, tc.acs, tc.code)
				tr, err := e.g.Verify3D(t.Context(), callback(model, o, form, fields))
				if err != nil {
					t.Fatal(err)
				}
				if tr.Auth != tc.auth {
					t.Fatalf("auth %s (mdStatus %s), want %s", tr.Auth, tr.MDStatus, tc.auth)
				}
				if tc.auth == gateway.AuthFailed {
					if model == gateway.Model3DPay {
						want(t, "provision", tr.Provision, gateway.Declined, gateway.ReasonOther)
					}
					want(t, "complete", e.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: tr}),
						gateway.Rejected, gateway.ReasonNotPermitted)
					if n := e.sim.Book().ApprovedAuths(o.OrderID); n != 0 {
						t.Fatal("failed authentication was charged")
					}
				}
			})
		}
	}
}

// 3DS-1: the callback is verified with the store key; any edit of a signed
// field, a missing or altered HASH, or another key's signature is refused.
func Test3DS1_HashVerification(t *testing.T) {
	e := newEnv(t)
	o := newOrder(15075, money.TRY)
	form, _, genuine := run3D(t, e, o, gateway.Model3DPay, goodPAN, "submit", banksim.ACSCode)
	if _, err := e.g.Verify3D(t.Context(), callback(gateway.Model3DPay, o, form, genuine)); err != nil {
		t.Fatal(err)
	}
	edits := map[string]func(url.Values){
		"no HASH":           func(v url.Values) { v.Del("HASH") },
		"HASH prefixed":     func(v url.Values) { v.Set("HASH", "AAAA"+v.Get("HASH")) },
		"HASH lower-cased":  func(v url.Values) { v.Set("HASH", strings.ToLower(v.Get("HASH"))) },
		"mdStatus":          func(v url.Values) { v.Set("mdStatus", "0") },
		"ProcReturnCode":    func(v url.Values) { v.Set("ProcReturnCode", "51") },
		"MD":                func(v url.Values) { v.Set("MD", "x") },
		"HASH posted twice": func(v url.Values) { v.Add("HASH", v.Get("HASH")) },
	}
	for name, edit := range edits {
		v := clone(genuine)
		edit(v)
		wantCallbackError(t, name, e, callback(gateway.Model3DPay, o, form, v))
	}
	// Signed with another merchant's store key: the values are right, the
	// key is not.
	v := clone(genuine)
	v.Set("HASH", interpos.HashCallback(v.Get("HASHPARAMSVAL"), "otherKey"))
	wantCallbackError(t, "another store key", e, callback(gateway.Model3DPay, o, form, v))
}

// 3DS-2: what is signed comes from Kasa's fixed list, never from HASHPARAMS
// ("HASHPARAMS splicing"), and unsigned fields never decide.
func Test3DS2_HashParamsSplicing(t *testing.T) {
	e := newEnv(t)
	o := newOrder(15075, money.TRY)
	form, _, failed := run3D(t, e, o, gateway.Model3DPay, goodPAN, "submit", "000000")

	// the genuine signed string of a failed callback moved into a new
	// field x that HASHPARAMS now names alone; the decision fields set to
	// success, unsigned. A verifier trusting HASHPARAMS would accept it.
	v := clone(failed)
	v.Set("x", v.Get("HASHPARAMSVAL"))
	v.Set("HASHPARAMS", "x:")
	v.Set("mdStatus", "1")
	v.Set("ProcReturnCode", "00")
	v.Set("AuthCode", "123456")
	wantCallbackError(t, "A-01 splice", e, callback(gateway.Model3DPay, o, form, v))

	// HASHPARAMS naming a subset, a reordering, or dropping mdStatus.
	for _, hp := range []string{
		"", "Version:PurchAmount:Exponent:Currency:OkUrl:FailUrl:MD:OrderId:ProcReturnCode:Response:",
		"PurchAmount:Version:Exponent:Currency:OkUrl:FailUrl:MD:OrderId:ProcReturnCode:Response:mdStatus:",
		"Version:PurchAmount:Exponent:Currency:OkUrl:FailUrl:MD:OrderId:ProcReturnCode:Response:mdStatus",
	} {
		v := clone(failed)
		v.Set("HASHPARAMS", hp)
		wantCallbackError(t, "HASHPARAMS "+hp, e, callback(gateway.Model3DPay, o, form, v))
	}
	// The signed string re-cut without changing it ("...0" read as mdStatus
	// "0" moved): refused by the field shapes or HASHPARAMSVAL.
	v = clone(failed)
	v.Set("Response", v.Get("mdStatus"))
	v.Set("mdStatus", "")
	wantCallbackError(t, "re-cut", e, callback(gateway.Model3DPay, o, form, v))

	// Unsigned fields spliced into a genuine failure change nothing.
	v = clone(failed)
	for k, val := range map[string]string{"AuthCode": "654321", "3DStatus": "1", "TxnStat": "Y", "TxnResult": "Success", "ErrorCode": "", "ApprovalCode": "1"} {
		v.Set(k, val)
	}
	tr, err := e.g.Verify3D(t.Context(), callback(gateway.Model3DPay, o, form, v))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Auth != gateway.AuthFailed || tr.Provision.Outcome == gateway.Approved {
		t.Fatalf("spliced unsigned fields changed the verdict: %s %s", tr.Auth, tr.Provision.Outcome)
	}
}

// 3DS-3: a callback binds to the attempt: order, amount, currency and
// callback URLs, and an attempt must exist.
func Test3DS3_BindToAttempt(t *testing.T) {
	e := newEnv(t)
	a := newOrder(100000, money.TRY)
	b := newOrder(100, money.TRY)
	formA, _, _ := run3D(t, e, a, gateway.Model3DPay, goodPAN, "submit", banksim.ACSCode)
	formB, _, cbB := run3D(t, e, b, gateway.Model3DPay, goodPAN, "submit", banksim.ACSCode)

	wantCallbackError(t, "B's callback replayed onto A", e, callback(gateway.Model3DPay, a, formA, cbB))
	other := b
	other.Amount = money.New(101, money.TRY)
	wantCallbackError(t, "other amount", e, callback(gateway.Model3DPay, other, formB, cbB))
	other.Amount = money.New(100, money.USD)
	wantCallbackError(t, "other currency", e, callback(gateway.Model3DPay, other, formB, cbB))
	wantCallbackError(t, "no session", e, &gateway.ThreeDCallback{Model: gateway.Model3DPay, Expected: b, Capture: true, Form: cbB})
	moved := &gateway.ThreeDForm{Session: map[string]string{"ok_url": "https://kasa.example/3ds/pay_2/callback?r=ok", "fail_url": failURL}}
	wantCallbackError(t, "other callback URL", e, callback(gateway.Model3DPay, b, moved, cbB))
	// The comma amount is the bank's; the dot form is accepted too.
	v := clone(cbB)
	if v.Get("PurchAmount") != "1,00" {
		t.Fatalf("echoed amount %q", v.Get("PurchAmount"))
	}
	if _, err := e.g.Verify3D(t.Context(), callback(gateway.Model3DPay, b, formB, cbB)); err != nil {
		t.Fatal(err)
	}
}

func TestStart3DForm(t *testing.T) {
	e := newEnv(t)
	o := newOrder(10025, money.TRY)
	form, res := e.g.Start3D(t.Context(), &gateway.ThreeDRequest{Order: o, Model: gateway.Model3DPay, Capture: true, Installments: 3,
		Card: testCard(t, goodPAN), OkURL: okURL, FailURL: failURL})
	want(t, "start", res, gateway.Approved, gateway.ReasonNone)
	f := map[string]string{}
	for _, x := range form.Fields {
		f[x.Name] = x.Value
	}
	if f["SecureType"] != "3DPay" || f["PurchAmount"] != "100.25" || f["InstallmentCount"] != "3" || f["Currency"] != "949" || f["CardType"] != "0" || f["Expiry"] != "0130" {
		t.Errorf("form: %v", f)
	}
	if got := interpos.Hash3DForm(shopCode, o.OrderID, "100.25", okURL, failURL, "Auth", "3", f["Rnd"], "gDg1N"); f["Hash"] != got {
		t.Errorf("Hash %s, want %s", f["Hash"], got)
	}
	for name, req := range map[string]*gateway.ThreeDRequest{
		"model":    {Order: o, Model: "3d_bogus", OkURL: okURL, FailURL: failURL},
		"bad URL":  {Order: o, Model: gateway.Model3DHost, OkURL: "javascript:alert(1)", FailURL: failURL},
		"no card":  {Order: o, Model: gateway.Model3D, OkURL: okURL, FailURL: failURL},
		"order id": {Order: gateway.Order{OrderID: "a b", Amount: o.Amount}, Model: gateway.Model3DHost, OkURL: okURL, FailURL: failURL},
	} {
		if _, res := e.g.Start3D(t.Context(), req); res.Outcome != gateway.Rejected {
			t.Errorf("%s: %s", name, res.Outcome)
		}
	}
}

func FuzzVerify3D(f *testing.F) {
	g, err := interpos.New(gateway.Config{Credentials: sandboxCreds, Endpoints: gateway.Endpoints{API: "http://127.0.0.1:1/mpi/Default.aspx"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("Version=&PurchAmount=1%2C01&Currency=949&OrderId=X1&mdStatus=1&ProcReturnCode=00&HASH=abc&HASHPARAMS=Version%3A&HASHPARAMSVAL=")
	f.Add("HASHPARAMS=Version:PurchAmount:Exponent:Currency:OkUrl:FailUrl:MD:OrderId:ProcReturnCode:Response:mdStatus:&HASH=x&mdStatus=1&mdStatus=2")
	f.Add("")
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		cb := &gateway.ThreeDCallback{Model: gateway.Model3DPay, Expected: gateway.Order{OrderID: "X1", Amount: money.New(101, money.TRY)},
			Form: v, Session: map[string]string{"ok_url": okURL, "fail_url": failURL}}
		tr, err := g.Verify3D(t.Context(), cb)
		if err == nil && tr == nil {
			t.Fatal("nil result without error")
		}
	})
}
