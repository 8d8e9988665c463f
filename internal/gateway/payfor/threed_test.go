package payfor_test

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kasapos/kasa/internal/banksim"
	payforsim "github.com/kasapos/kasa/internal/banksim/payfor"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/payfor"
	"github.com/kasapos/kasa/internal/money"
)

// 3D tests drive the simulator's gate and the shared ACS page with a plain
// http.Client, as a browser would, and feed the post back to Verify3D.

const (
	okURL   = "https://kasa.example/3d/ok"
	failURL = "https://kasa.example/3d/fail"
)

var (
	reAction = regexp.MustCompile(`<form method="post" action="([^"]*)"`)
	reInput  = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)"`)
)

// postForm posts fields and returns the page body, failing on non-200.
func postForm(t *testing.T, target string, fields url.Values) string {
	t.Helper()
	resp, err := http.PostForm(target, fields)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d %s", target, resp.StatusCode, body)
	}
	return string(body)
}

func action(t *testing.T, base, page string) string {
	t.Helper()
	m := reAction.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form in page:\n%s", page)
	}
	return base + html.UnescapeString(m[1])
}

// run3D starts a 3D payment, walks the gate (and, for 3D Host, the card
// page) and the ACS with the given action ("submit" with code, or
// "cancel"), and returns where the browser was posted back and the fields.
func run3D(t *testing.T, e *env, o gateway.Order, model, pan, acsAction, code string) (string, url.Values) {
	t.Helper()
	req := &gateway.ThreeDRequest{Order: o, Model: model, Capture: true, OkURL: okURL, FailURL: failURL, Lang: "tr"}
	if model != gateway.Model3DHost {
		req.Card = testCard(t, pan)
	}
	form, res := e.g.Start3D(t.Context(), req)
	if res != nil {
		t.Fatalf("Start3D: %+v", res)
	}
	vals := url.Values{}
	for _, f := range form.Fields {
		vals.Set(f.Name, f.Value)
	}
	page := postForm(t, form.URL, vals)
	base := e.sim.URL()
	if model == gateway.Model3DHost {
		if !strings.HasSuffix(form.URL, "/Gateway/3DHost.aspx") {
			t.Fatalf("3D host URL %s", form.URL)
		}
		page = postForm(t, action(t, base, page), url.Values{"Pan": {pan}, "Expiry": {"0130"}, "Cvv2": {"123"}, "CardHolderName": {"John Doe"}})
	}
	if strings.Contains(page, "/_acs/") {
		page = postForm(t, action(t, base, page), url.Values{"action": {acsAction}, "code": {code}})
	}
	m := reAction.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no post back:\n%s", page)
	}
	back := url.Values{}
	for _, in := range reInput.FindAllStringSubmatch(page, -1) {
		back.Add(html.UnescapeString(in[1]), html.UnescapeString(in[2]))
	}
	return html.UnescapeString(m[1]), back
}

func callback(model string, o gateway.Order, form url.Values) *gateway.ThreeDCallback {
	return &gateway.ThreeDCallback{Model: model, Expected: o, Capture: true, Form: form}
}

func clone(v url.Values) url.Values {
	c := url.Values{}
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	return c
}

func wantCallbackError(t *testing.T, what string, e *env, model string, o gateway.Order, form url.Values) {
	t.Helper()
	res, err := e.g.Verify3D(t.Context(), callback(model, o, form))
	if _, ok := err.(*gateway.CallbackError); !ok {
		t.Errorf("%s: got %+v, %v; want a CallbackError", what, res, err)
	}
}

func TestThreeDModelSuccess(t *testing.T) {
	e := newEnv(t, payforsim.Config{})
	o := newOrder(12550, money.TRY)
	target, form := run3D(t, e, o, gateway.Model3D, goodPAN, "submit", banksim.ACSCode)
	if target != okURL || form.Get("ProcReturnCode") != "V033" {
		t.Fatalf("posted to %s with code %s", target, form.Get("ProcReturnCode"))
	}
	res, err := e.g.Verify3D(t.Context(), callback(gateway.Model3D, o, form))
	if err != nil {
		t.Fatal(err)
	}
	if res.Auth != gateway.AuthFull || res.MDStatus != "1" || res.ECI != "05" || res.CAVV == "" || res.Provision != nil || res.Evidence[payfor.EvidenceRequestGUID] == "" {
		t.Fatalf("result %+v", res)
	}
	if n := e.sim.Book().AuthAttempts(o.OrderID); n != 0 {
		t.Fatalf("charged before provisioning: %d", n)
	}
	r := e.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: res})
	want(t, "provision", r, gateway.Approved, gateway.ReasonNone)
	wantStatus(t, status(t, e.g, o.OrderID), gateway.StateCaptured, 12550, 12550, 0)
	// The session is single use: a second provisioning is refused.
	want(t, "second provision", e.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: res}), gateway.Rejected, gateway.ReasonInvalidTxn)
	if n := e.sim.Book().ApprovedAuths(o.OrderID); n != 1 {
		t.Errorf("approved %d times", n)
	}
}

func TestThreeDPayAndHost(t *testing.T) {
	for _, model := range []string{gateway.Model3DPay, gateway.Model3DHost} {
		t.Run(model, func(t *testing.T) {
			e := newEnv(t, payforsim.Config{})
			o := newOrder(5000, money.TRY)
			target, form := run3D(t, e, o, model, goodPAN, "submit", banksim.ACSCode)
			res, err := e.g.Verify3D(t.Context(), callback(model, o, form))
			if err != nil || target != okURL {
				t.Fatalf("%s: %v", target, err)
			}
			if res.Auth != gateway.AuthFull || res.Provision == nil || !res.Provision.OK() || res.Provision.AuthCode == "" {
				t.Fatalf("result %+v provision %+v", res, res.Provision)
			}
			wantStatus(t, status(t, e.g, o.OrderID), gateway.StateCaptured, 5000, 5000, 0)

			// An issuer decline comes back signed, to the fail URL.
			d := newOrder(5000, money.TRY)
			target, form = run3D(t, e, d, model, "4000000000000051", "submit", banksim.ACSCode)
			res, err = e.g.Verify3D(t.Context(), callback(model, d, form))
			if err != nil || target != failURL {
				t.Fatalf("%s: %v", target, err)
			}
			want(t, "declined provision", res.Provision, gateway.Declined, gateway.ReasonInsufficientFunds)
		})
	}
}

// Wrong code, cancel, and an attempted (half-secure) card.
func TestThreeDAuthOutcomes(t *testing.T) {
	e := newEnv(t, payforsim.Config{})
	for _, tc := range []struct {
		model, pan, act, code string
		auth                  gateway.AuthLevel
	}{
		{gateway.Model3D, goodPAN, "submit", "000000", gateway.AuthFailed},
		{gateway.Model3D, goodPAN, "cancel", "", gateway.AuthFailed},
		{gateway.Model3DPay, goodPAN, "submit", "111111", gateway.AuthFailed},
		{gateway.Model3DHost, goodPAN, "cancel", "", gateway.AuthFailed},
		{gateway.Model3D, "4000000000000002", "", "", gateway.AuthAttempted},
		{gateway.Model3DPay, "4000000000000002", "", "", gateway.AuthAttempted},
	} {
		o := newOrder(3000, money.TRY)
		target, form := run3D(t, e, o, tc.model, tc.pan, tc.act, tc.code)
		res, err := e.g.Verify3D(t.Context(), callback(tc.model, o, form))
		if err != nil {
			t.Fatalf("%+v: %v", tc, err)
		}
		if res.Auth != tc.auth {
			t.Errorf("%+v: auth %s (3DStatus %s)", tc, res.Auth, res.MDStatus)
		}
		if tc.auth == gateway.AuthFailed {
			if target != failURL {
				t.Errorf("%+v: posted to %s", tc, target)
			}
			if res.Provision != nil && res.Provision.OK() {
				t.Errorf("%+v: failed authentication provisioned", tc)
			}
			if tc.model == gateway.Model3D {
				r := e.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: res})
				want(t, "provision failed auth", r, gateway.Rejected, gateway.ReasonInvalidTxn)
			}
			if n := e.sim.Book().ApprovedAuths(o.OrderID); n != 0 {
				t.Errorf("%+v: charged", tc)
			}
		}
	}
}

// 3DS-1: the hash is verified first, with the POS's own key, over a fixed
// list; any edit of a signed field or another key's signature is refused.
func Test3DS1_HashVerification(t *testing.T) {
	e := newEnv(t, payforsim.Config{})
	o := newOrder(12550, money.TRY)
	_, form := run3D(t, e, o, gateway.Model3DPay, goodPAN, "submit", banksim.ACSCode)
	if _, err := e.g.Verify3D(t.Context(), callback(gateway.Model3DPay, o, form)); err != nil {
		t.Fatalf("genuine callback refused: %v", err)
	}
	for _, f := range []string{"OrderId", "AuthCode", "ProcReturnCode", "3DStatus", "ResponseRnd", "ResponseHash"} {
		bad := clone(form)
		bad.Set(f, bad.Get(f)+"1")
		wantCallbackError(t, "altered "+f, e, gateway.Model3DPay, o, bad)
		bad.Del(f)
		wantCallbackError(t, "deleted "+f, e, gateway.Model3DPay, o, bad)
	}
	bad := clone(form)
	bad.Set("ResponseHash", strings.ToLower(form.Get("ResponseHash")))
	wantCallbackError(t, "hash case changed", e, gateway.Model3DPay, o, bad)

	// The same callback re-signed with another store key.
	bad = clone(form)
	bad.Set("ResponseHash", payfor.HashCallback(merchantID, "87654321", form.Get("OrderId"), form.Get("AuthCode"),
		form.Get("ProcReturnCode"), form.Get("3DStatus"), form.Get("ResponseRnd"), "QNB_API_KULLANICI_3DPAY"))
	wantCallbackError(t, "other store key", e, gateway.Model3DPay, o, bad)

	// A signed field posted twice is ambiguous and refused.
	bad = clone(form)
	bad.Add("ProcReturnCode", "00")
	wantCallbackError(t, "duplicate field", e, gateway.Model3DPay, o, bad)
}

// 3DS-2: decision fields come only from the signed set; altering an
// unsigned echo or splicing in unsigned fields cannot change the verdict.
func Test3DS2_UnsignedFieldsDoNotDecide(t *testing.T) {
	e := newEnv(t, payforsim.Config{})
	o := newOrder(12550, money.TRY)
	_, form := run3D(t, e, o, gateway.Model3DPay, goodPAN, "submit", "000000") // wrong code: failed
	base, err := e.g.Verify3D(t.Context(), callback(gateway.Model3DPay, o, form))
	if err != nil || base.Auth != gateway.AuthFailed {
		t.Fatalf("%+v %v", base, err)
	}
	spliced := clone(form)
	for k, v := range map[string]string{"mdStatus": "1", "Response": "Approved", "TxnResult": "Success", "ApprovalCode": "S12345",
		"HASHPARAMS": "OrderId:3DStatus:", "HASHPARAMSVAL": form.Get("OrderId") + "1", "HASH": form.Get("ResponseHash"), "ErrMsg": "Onaylandı"} {
		spliced.Set(k, v)
	}
	got, err := e.g.Verify3D(t.Context(), callback(gateway.Model3DPay, o, spliced))
	if err != nil {
		t.Fatal(err)
	}
	if got.Auth != base.Auth || got.Provision.Outcome != base.Provision.Outcome || got.Provision.BankCode != base.Provision.BankCode {
		t.Errorf("spliced fields changed the verdict: %+v / %+v", got.Provision, base.Provision)
	}
}

// 3DS-3: the callback must belong to the attempt: same order, amount,
// currency, model and transaction type; a genuine callback of another order
// is refused.
func Test3DS3_BindToAttempt(t *testing.T) {
	e := newEnv(t, payforsim.Config{})
	big := newOrder(100000, money.TRY)
	small := newOrder(100, money.TRY)
	_, smallForm := run3D(t, e, small, gateway.Model3DPay, goodPAN, "submit", banksim.ACSCode)
	if _, err := e.g.Verify3D(t.Context(), callback(gateway.Model3DPay, small, smallForm)); err != nil {
		t.Fatal(err)
	}
	wantCallbackError(t, "replay onto another order", e, gateway.Model3DPay, big, smallForm)
	sameID := big
	sameID.OrderID = small.OrderID
	wantCallbackError(t, "amount differs from the attempt", e, gateway.Model3DPay, sameID, smallForm)

	for k, v := range map[string]string{"PurchAmount": "1000.00", "Currency": "978", "SecureType": "3DHost", "TxnType": "PreAuth", "MerchantID": "000000000000001"} {
		bad := clone(smallForm)
		bad.Set(k, v)
		wantCallbackError(t, "altered "+k, e, gateway.Model3DPay, small, bad)
	}
	bad := clone(smallForm)
	bad.Del("PurchAmount")
	wantCallbackError(t, "amount missing", e, gateway.Model3DPay, small, bad)
	wantCallbackError(t, "3D Pay callback as 3D Host", e, gateway.Model3DHost, small, smallForm)

	// A merchant with its own key: its genuine callback never verifies for another POS.
	other := payforsim.Merchant{MbrID: "5", MerchantID: "085300000009999", UserCode: "OTHER_API", UserPass: "pw", StoreKey: "OTHERKEY"}
	e.sim.AddMerchant(other)
	og := newGateway(t, e.sim.APIURL(), e.sim.ThreeDGateURL(), map[string]string{
		payfor.CredMerchantID: other.MerchantID, payfor.CredUserCode: other.UserCode, payfor.CredUserPass: other.UserPass, payfor.CredStoreKey: other.StoreKey,
	})
	oo := newOrder(100, money.TRY)
	oe := &env{t: t, sim: e.sim, g: og}
	_, otherForm := run3D(t, oe, oo, gateway.Model3DPay, goodPAN, "submit", banksim.ACSCode)
	wantCallbackError(t, "another merchant's callback", e, gateway.Model3DPay, oo, otherForm)
}

// 3DS-6: the gate refuses a form whose signed URLs were changed, so the
// bank never posts back to an address Kasa did not sign.
func Test3DS6_GateRefusesEditedURLs(t *testing.T) {
	e := newEnv(t, payforsim.Config{})
	form, res := e.g.Start3D(t.Context(), &gateway.ThreeDRequest{Order: newOrder(100, money.TRY), Model: gateway.Model3DPay, Capture: true,
		Card: testCard(t, goodPAN), OkURL: okURL, FailURL: failURL})
	if res != nil {
		t.Fatal(res)
	}
	for _, f := range []string{"OkUrl", "FailUrl", "PurchAmount", "OrderId"} {
		vals := url.Values{}
		for _, x := range form.Fields {
			vals.Set(x.Name, x.Value)
		}
		vals.Set(f, vals.Get(f)+"0")
		resp, err := http.PostForm(form.URL, vals)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("edited %s: gate answered %d", f, resp.StatusCode)
		}
	}
}

func TestStart3DForm(t *testing.T) {
	e := newEnv(t, payforsim.Config{})
	o := newOrder(10001, money.TRY)
	form, res := e.g.Start3D(t.Context(), &gateway.ThreeDRequest{Order: o, Model: gateway.Model3D, Installments: 3, Card: testCard(t, goodPAN), OkURL: okURL, FailURL: failURL})
	if res != nil {
		t.Fatal(res)
	}
	got := map[string]string{}
	for _, f := range form.Fields {
		got[f.Name] = f.Value
	}
	if got["SecureType"] != "3DModel" || got["TxnType"] != "PreAuth" || got["PurchAmount"] != "100.01" || got["InstallmentCount"] != "3" ||
		got["Currency"] != "949" || got["Expiry"] != "0130" || got["MbrId"] != "5" || len(got["Rnd"]) != 32 {
		t.Errorf("form %v", got)
	}
	if want := payfor.Hash3DForm("5", o.OrderID, "100.01", okURL, failURL, "PreAuth", "3", got["Rnd"], "12345678"); got["Hash"] != want {
		t.Errorf("hash %s, want %s", got["Hash"], want)
	}
	host, _ := e.g.Start3D(t.Context(), &gateway.ThreeDRequest{Order: o, Model: gateway.Model3DHost, OkURL: okURL, FailURL: failURL})
	for _, f := range host.Fields {
		if f.Name == "Pan" || f.Name == "Cvv2" {
			t.Errorf("3D Host form carries %s", f.Name)
		}
	}
	noKey := map[string]string{}
	for k, v := range qnbCreds {
		noKey[k] = v
	}
	delete(noKey, payfor.CredStoreKey)
	g := newGateway(t, e.sim.APIURL(), e.sim.ThreeDGateURL(), noKey)
	if _, res := g.Start3D(t.Context(), &gateway.ThreeDRequest{Order: o, Model: gateway.Model3DPay, Card: testCard(t, goodPAN), OkURL: okURL, FailURL: failURL}); res == nil || res.Outcome != gateway.Rejected {
		t.Errorf("no store key: %+v", res)
	}
}

func FuzzVerify3D(f *testing.F) {
	f.Add("OrderId=K1&AuthCode=&ProcReturnCode=V033&3DStatus=1&ResponseRnd=PF1&ResponseHash=abc&PurchAmount=1.00&Currency=949")
	f.Add("OrderId=K1&OrderId=K2&ResponseHash=&3DStatus=%ff")
	g, err := payfor.New(gateway.Config{Credentials: qnbCreds, Endpoints: gateway.Endpoints{API: "http://127.0.0.1:1/x", ThreeDGate: "http://127.0.0.1:1/g"}})
	if err != nil {
		f.Fatal(err)
	}
	o := gateway.Order{OrderID: "K1", Amount: money.New(100, money.TRY)}
	f.Fuzz(func(t *testing.T, raw string) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		for _, model := range []string{gateway.Model3D, gateway.Model3DPay, gateway.Model3DHost} {
			if res, err := g.Verify3D(t.Context(), &gateway.ThreeDCallback{Model: model, Expected: o, Form: form}); err == nil && res == nil {
				t.Fatal("nil result without error")
			}
		}
	})
}
