package akbank_test

import (
	"errors"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kasapos/kasa/internal/banksim"
	akbanksim "github.com/kasapos/kasa/internal/banksim/akbank"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/akbank"
	"github.com/kasapos/kasa/internal/money"
)

const okURL, failURL = "https://shop.example/3ds/ok", "https://shop.example/3ds/fail"

var (
	reForm  = regexp.MustCompile(`(?is)<form\b[^>]*action="([^"]*)"[^>]*>(.*?)</form>`)
	reInput = regexp.MustCompile(`(?is)<input\b([^>]*)>`)
	reAttr  = regexp.MustCompile(`(?is)\b(name|value)\s*=\s*"([^"]*)"`)
)

// post submits fields to u and returns the next page's form action and values.
func post(t *testing.T, u string, fields url.Values) (string, url.Values) {
	t.Helper()
	resp, err := http.PostForm(u, fields)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d %s", u, resp.StatusCode, body)
	}
	m := reForm.FindStringSubmatch(string(body))
	if m == nil {
		t.Fatalf("no form in %.300s", body)
	}
	vals := url.Values{}
	for _, in := range reInput.FindAllStringSubmatch(m[2], -1) {
		attrs := map[string]string{}
		for _, a := range reAttr.FindAllStringSubmatch(in[1], -1) {
			attrs[strings.ToLower(a[1])] = html.UnescapeString(a[2])
		}
		if attrs["name"] != "" {
			vals.Add(attrs["name"], attrs["value"])
		}
	}
	action := html.UnescapeString(m[1])
	if strings.HasPrefix(action, "/") {
		base, _ := url.Parse(u)
		action = base.Scheme + "://" + base.Host + action
	}
	return action, vals
}

type attempt struct {
	req     *gateway.ThreeDRequest
	form    *gateway.ThreeDForm
	target  string     // where the bank sent the browser back
	cb      url.Values // the bank's post back
	session map[string]string
}

// acsAction is what the cardholder does on the ACS page.
type acsAction struct {
	code   string
	cancel bool
}

// drive runs Start3D, the gate, the hosted card page (3d_host) and the ACS
// with a plain http.Client, and returns the bank's post back.
func (e *env) drive(t *testing.T, model string, minor int64, pan string, a acsAction) *attempt {
	t.Helper()
	req := &gateway.ThreeDRequest{
		Order: gateway.Order{OrderID: e.orderID(), Amount: money.New(minor, money.TRY), ClientIP: "203.0.113.7"},
		Model: model, Capture: true, OkURL: okURL, FailURL: failURL, Lang: "tr", Email: "ayse@example.com",
	}
	if model != gateway.Model3DHost {
		req.Card = testCard(t, pan)
	}
	form, res := e.g.Start3D(ctx, req)
	wantOutcome(t, res, gateway.Approved)
	vals := url.Values{}
	for _, f := range form.Fields {
		vals.Set(f.Name, f.Value)
	}
	action, next := post(t, form.URL, vals)
	if model == gateway.Model3DHost {
		next.Set("creditCard", pan)
		next.Set("expiredDate", "1140")
		next.Set("cvv", akbanksim.TestCard.CVV)
		next.Set("cardHolderName", "Ayşe Yılmaz")
		action, next = post(t, action, next)
	}
	if strings.Contains(action, "/_acs/") {
		next.Set("code", a.code)
		next.Set("action", "submit")
		if a.cancel {
			next.Set("action", "cancel")
		}
		action, next = post(t, action, next)
	}
	return &attempt{req: req, form: form, target: action, cb: next, session: form.Session}
}

func (a *attempt) callback(form url.Values) *gateway.ThreeDCallback {
	return &gateway.ThreeDCallback{Model: a.req.Model, Expected: a.req.Order, Capture: a.req.Capture, Form: form, Session: a.session}
}

func clone(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func wantCallbackError(t *testing.T, err error) {
	t.Helper()
	var ce *gateway.CallbackError
	if !errors.As(err, &ce) {
		t.Fatalf("want CallbackError, got %v", err)
	}
}

func Test3DModelSuccessAndComplete(t *testing.T) {
	e := newEnv(t)
	a := e.drive(t, gateway.Model3D, 15075, akbanksim.TestCard.PAN, acsAction{code: banksim.ACSCode})
	if a.target != okURL {
		t.Fatalf("sent back to %s", a.target)
	}
	tr, err := e.g.Verify3D(ctx, a.callback(a.cb))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Auth != gateway.AuthFull || tr.MDStatus != "VPS-0000" || tr.MD == "" || tr.CAVV == "" || tr.Provision != nil {
		t.Fatalf("result %+v", tr)
	}
	if n := e.sim.Book().ApprovedAuths(a.req.OrderID); n != 0 {
		t.Fatal("the 3D model charged before provisioning")
	}
	res := e.g.Complete3D(ctx, &gateway.ThreeDCompleteRequest{Order: a.req.Order, Capture: true, Result: tr})
	wantOutcome(t, res, gateway.Approved)
	// The authentication provisions once.
	again := e.g.Complete3D(ctx, &gateway.ThreeDCompleteRequest{Order: a.req.Order, Capture: true, Result: tr})
	wantOutcome(t, again, gateway.Rejected)
	if n := e.sim.Book().ApprovedAuths(a.req.OrderID); n != 1 {
		t.Fatalf("approved %d times", n)
	}
}

// 3DS-3: the provisioning amount is Kasa's; the bank charges only what was authenticated.
func Test3DSCompleteAmountFromAttempt(t *testing.T) {
	e := newEnv(t)
	a := e.drive(t, gateway.Model3D, 15075, akbanksim.TestCard.PAN, acsAction{code: banksim.ACSCode})
	tr, err := e.g.Verify3D(ctx, a.callback(a.cb))
	if err != nil {
		t.Fatal(err)
	}
	other := a.req.Order
	other.Amount = money.New(1, money.TRY)
	wantOutcome(t, e.g.Complete3D(ctx, &gateway.ThreeDCompleteRequest{Order: other, Capture: true, Result: tr}), gateway.Rejected)
}

func Test3DAttempted(t *testing.T) {
	e := newEnv(t)
	a := e.drive(t, gateway.Model3D, 15075, "4000000000000002", acsAction{code: banksim.ACSCode})
	tr, err := e.g.Verify3D(ctx, a.callback(a.cb))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Auth != gateway.AuthAttempted {
		t.Fatalf("auth %s", tr.Auth)
	}
}

func Test3DFailures(t *testing.T) {
	for _, model := range []string{gateway.Model3D, gateway.Model3DPay, gateway.Model3DHost} {
		for name, act := range map[string]acsAction{"wrong_code": {code: "000000"}, "cancel": {cancel: true}} {
			t.Run(model+"/"+name, func(t *testing.T) {
				e := newEnv(t)
				a := e.drive(t, model, 15075, akbanksim.TestCard.PAN, act)
				if a.target != failURL {
					t.Fatalf("sent back to %s", a.target)
				}
				tr, err := e.g.Verify3D(ctx, a.callback(a.cb))
				if err != nil {
					t.Fatal(err)
				}
				if tr.Auth != gateway.AuthFailed || tr.MDStatus != "VPS-1279" {
					t.Fatalf("result %+v", tr)
				}
				if model != gateway.Model3D && (tr.Provision == nil || tr.Provision.Outcome != gateway.Declined) {
					t.Fatalf("provision %+v", tr.Provision)
				}
				if e.sim.Book().ApprovedAuths(a.req.OrderID) != 0 {
					t.Fatal("charged")
				}
			})
		}
	}
}

func Test3DPayAndHostProvision(t *testing.T) {
	for _, model := range []string{gateway.Model3DPay, gateway.Model3DHost} {
		t.Run(model, func(t *testing.T) {
			e := newEnv(t)
			a := e.drive(t, model, 15075, akbanksim.TestCard.PAN, acsAction{code: banksim.ACSCode})
			tr, err := e.g.Verify3D(ctx, a.callback(a.cb))
			if err != nil {
				t.Fatal(err)
			}
			if tr.Auth != gateway.AuthFull || tr.Provision == nil || tr.Provision.Outcome != gateway.Approved || tr.Provision.AuthCode == "" {
				t.Fatalf("result %+v / %+v", tr, tr.Provision)
			}
			if o := e.order(t, a.req.OrderID); o.Captured != 15075 {
				t.Fatalf("bank book %+v", o)
			}
		})
	}
	t.Run("issuer_decline", func(t *testing.T) {
		e := newEnv(t)
		a := e.drive(t, gateway.Model3DPay, 15075, "4000000000000051", acsAction{code: banksim.ACSCode})
		tr, err := e.g.Verify3D(ctx, a.callback(a.cb))
		if err != nil {
			t.Fatal(err)
		}
		if p := tr.Provision; p.Outcome != gateway.Declined || p.Reason != gateway.ReasonInsufficientFunds || p.BankCode != "51" {
			t.Fatalf("provision %+v", p)
		}
	})
}

// Test3DSCallbackTampering covers 3DS-1 (hash first, fail closed), 3DS-2
// (decision fields only from the fixed signed list) and 3DS-3 (binding to
// the attempt).
func Test3DSCallbackTampering(t *testing.T) {
	e := newEnv(t)
	for _, model := range []string{gateway.Model3D, gateway.Model3DPay} {
		a := e.drive(t, model, 15075, akbanksim.TestCard.PAN, acsAction{code: banksim.ACSCode})
		for name, tamper := range map[string]func(url.Values){
			"3DS-1/order_altered":     func(v url.Values) { v.Set("orderId", v.Get("orderId")+"X") },
			"3DS-1/status_altered":    func(v url.Values) { v.Set("responseMessage", "ONAY") },
			"3DS-1/eci_altered":       func(v url.Values) { v.Set("secureEcomInd", "05"); v.Set("hostResponseCode", "01") },
			"3DS-1/hash_removed":      func(v url.Values) { v.Del("hash") },
			"3DS-1/hash_case":         func(v url.Values) { v.Set("hash", strings.ToLower(v.Get("hash"))) },
			"3DS-1/other_key":         func(v url.Values) { resign(v, "another-store-key") },
			"3DS-1/field_twice":       func(v url.Values) { v.Add("responseCode", "VPS-0000") },
			"3DS-3/amount_echo":       func(v url.Values) { v.Set("amount", "1.00") },
			"3DS-3/currency_echo":     func(v url.Values) { v.Set("currencyCode", "840") },
			"3DS-2/hashparams_splice": func(v url.Values) { v.Set("hashParams", "orderId"); v.Set("orderId", "OTHER1") },
			"3DS-3/other_terminal":    func(v url.Values) { v.Set("terminalSafeId", "X"); resign(v, akbanksim.Sandbox().SecretKey) },
		} {
			t.Run(model+"/"+name, func(t *testing.T) {
				f := clone(a.cb)
				tamper(f)
				_, err := e.g.Verify3D(ctx, a.callback(f))
				wantCallbackError(t, err)
			})
		}
		t.Run(model+"/3DS-2/unsigned_fields_ignored", func(t *testing.T) {
			f := clone(a.cb)
			f.Set("approvalCode", "999999")
			f.Set("mdStatus", "1")
			f.Set("hashParams", "responseCode")
			tr, err := e.g.Verify3D(ctx, a.callback(f))
			if err != nil {
				t.Fatal(err)
			}
			want, _ := e.g.Verify3D(ctx, a.callback(a.cb))
			if tr.Auth != want.Auth || tr.MDStatus != want.MDStatus || (tr.Provision != nil && tr.Provision.AuthCode != want.Provision.AuthCode) {
				t.Fatalf("unsigned fields changed the verdict: %+v", tr)
			}
		})
		t.Run(model+"/3DS-3/replay_onto_other_order", func(t *testing.T) {
			other := e.drive(t, model, 15075, akbanksim.TestCard.PAN, acsAction{cancel: true})
			_, err := e.g.Verify3D(ctx, other.callback(clone(a.cb)))
			wantCallbackError(t, err)
		})
		t.Run(model+"/no_session", func(t *testing.T) {
			cb := a.callback(clone(a.cb))
			cb.Session = nil
			_, err := e.g.Verify3D(ctx, cb)
			wantCallbackError(t, err)
		})
	}
}

// resign signs v's fields with key the way the bank does (every filled
// field of the model's list), for tests that need a validly signed variant.
func resign(v url.Values, key string) {
	fields := map[string]string{}
	for k := range v {
		fields[k] = v.Get(k)
	}
	list := akbank.CallbackFields(gateway.Model3DPay)
	if v.Get("secureMd") != "" {
		list = akbank.CallbackFields(gateway.Model3D)
	}
	v.Set("hash", akbank.HashCallback(fields, list, key))
}

func FuzzVerify3D(f *testing.F) {
	f.Add("VPS-0000", "ORDER1", "02", "abc", "x")
	f.Add("VPS-1279", "ORDER1", "", "", "")
	f.Add("", "", "", "", "")
	g, err := akbank.New(gateway.Config{
		Credentials: akbanksim.New(akbanksim.Config{}).POS().Credentials,
		Endpoints:   gateway.Endpoints{API: "http://127.0.0.1:1/api", ThreeDGate: "http://127.0.0.1:1/securepay"},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, code, order, eci, md, hash string) {
		form := url.Values{"responseCode": {code}, "orderId": {order}, "secureEcomInd": {eci}, "secureMd": {md}, "hash": {hash},
			"txnCode": {"3001"}, "merchantSafeId": {akbanksim.Sandbox().MerchantSafeID}}
		for _, model := range []string{gateway.Model3D, gateway.Model3DPay, gateway.Model3DHost} {
			cb := &gateway.ThreeDCallback{Model: model, Expected: gateway.Order{OrderID: "ORDER1", Amount: money.New(100, money.TRY)},
				Form: form, Session: map[string]string{"paymentModel": "x"}}
			if tr, err := g.Verify3D(ctx, cb); err == nil && tr == nil {
				t.Fatal("nil result without error")
			}
		}
	})
}
