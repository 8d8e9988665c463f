package est3

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

const testStoreKey = "TRPS0200"

var creds3D = map[string]string{
	CredClientID: "700655000200", CredAPIUser: "ISBANKAPI", CredAPIPassword: "ISBANK07", CredStoreKey: testStoreKey,
}

func gateway3D(t testing.TB) *Gateway {
	t.Helper()
	g, err := New(gateway.Config{Credentials: creds3D, Endpoints: gateway.Endpoints{
		API: "https://bank.example/fim/api", ThreeDGate: "https://bank.example/fim/est3Dgate"}})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func card3D(t *testing.T) card.Card {
	t.Helper()
	p, _ := card.ParsePAN("4355084355084358")
	e, _ := card.NewExpiry(7, 2031)
	c, _ := card.ParseCVV("012")
	return card.Card{PAN: p, Expiry: e, CVV: c}
}

func threeDRequest(t *testing.T, model string, minor int64, cur money.Currency, inst int, capture bool) *gateway.ThreeDRequest {
	return &gateway.ThreeDRequest{
		Order: gateway.Order{OrderID: "ORDER-1", Amount: money.New(minor, cur)}, Model: model, Capture: capture,
		Installments: inst, Card: card3D(t), OkURL: "https://kasa.example/3d/ok", FailURL: "https://kasa.example/3d/fail", Lang: "en",
	}
}

func formMap(f *gateway.ThreeDForm) map[string]string {
	m := map[string]string{}
	for _, x := range f.Fields {
		m[x.Name] = x.Value
	}
	return m
}

func TestStart3DForm(t *testing.T) {
	g := gateway3D(t)
	wantNames := []string{"clientid", "storetype", "amount", "oid", "okUrl", "failUrl", "rnd", "lang", "currency", "taksit",
		"TranType", "hashAlgorithm", "pan", "Ecom_Payment_Card_ExpDate_Month", "Ecom_Payment_Card_ExpDate_Year", "cv2", "hash"}
	for _, tc := range []struct {
		model, storetype string
		card             bool
	}{{"3d", "3d", true}, {"3d_pay", "3d_pay", true}, {"3d_host", "3d_pay_hosting", false}} {
		f, res := g.Start3D(t.Context(), threeDRequest(t, tc.model, 12550, money.TRY, 0, true))
		if !res.OK() || f == nil {
			t.Fatalf("%s: %+v", tc.model, res)
		}
		var names []string
		for _, x := range f.Fields {
			names = append(names, x.Name)
		}
		want := wantNames
		if !tc.card {
			want = slices.Concat(wantNames[:12], wantNames[16:])
		}
		if !slices.Equal(names, want) {
			t.Errorf("%s fields %q, want %q", tc.model, names, want)
		}
		m := formMap(f)
		if f.URL != "https://bank.example/fim/est3Dgate" || m["storetype"] != tc.storetype || m["clientid"] != "700655000200" ||
			m["oid"] != "ORDER-1" || m["lang"] != "en" || m["hashAlgorithm"] != "ver3" || len(m["rnd"]) != 20 {
			t.Errorf("%s form %v", tc.model, m)
		}
		if tc.card && (m["pan"] != "4355084355084358" || m["Ecom_Payment_Card_ExpDate_Month"] != "07" ||
			m["Ecom_Payment_Card_ExpDate_Year"] != "31" || m["cv2"] != "012") {
			t.Errorf("%s card fields %v", tc.model, m)
		}
		if !VerifyVer3(m, testStoreKey, m["hash"]) {
			t.Errorf("%s: form hash does not cover the posted fields", tc.model)
		}
		if f.Session[sessionTaksit] != "" || len(f.Session) != 1 {
			t.Errorf("%s session %v", tc.model, f.Session)
		}
	}
}

func TestStart3DFormats(t *testing.T) {
	g := gateway3D(t)
	for _, tc := range []struct {
		minor                            int64
		cur                              money.Currency
		inst                             int
		capture                          bool
		amount, currency, taksit, tranTy string
	}{
		{12550, money.TRY, 0, true, "125.50", "949", "", "Auth"},
		{1, money.TRY, 1, true, "0.01", "949", "", "Auth"},
		{10000, money.TRY, 3, false, "100.00", "949", "3", "PreAuth"},
		{10025, money.USD, 0, true, "100.25", "840", "", "Auth"},
		{999999, money.EUR, 0, true, "9999.99", "978", "", "Auth"},
		{123456789012, money.GBP, 0, false, "1234567890.12", "826", "", "PreAuth"},
	} {
		f, res := g.Start3D(t.Context(), threeDRequest(t, "3d", tc.minor, tc.cur, tc.inst, tc.capture))
		if !res.OK() {
			t.Fatalf("%+v", res)
		}
		m := formMap(f)
		if m["amount"] != tc.amount || m["currency"] != tc.currency || m["taksit"] != tc.taksit || m["TranType"] != tc.tranTy ||
			f.Session[sessionTaksit] != tc.taksit {
			t.Errorf("%d %s x%d: form %v", tc.minor, tc.cur.Code, tc.inst, m)
		}
	}
}

func TestStart3DRejects(t *testing.T) {
	g := gateway3D(t)
	noKey, _ := New(gateway.Config{Credentials: map[string]string{CredClientID: "1", CredAPIUser: "u", CredAPIPassword: "p"},
		Endpoints: gateway.Endpoints{API: "https://bank.example/fim/api", ThreeDGate: "https://bank.example/fim/est3Dgate"}})
	noGate, _ := New(gateway.Config{Credentials: creds3D, Endpoints: gateway.Endpoints{API: "https://bank.example/fim/api"}})
	for name, tc := range map[string]struct {
		g   *Gateway
		mod func(*gateway.ThreeDRequest)
	}{
		"no store key":    {noKey, func(*gateway.ThreeDRequest) {}},
		"no gate":         {noGate, func(*gateway.ThreeDRequest) {}},
		"unknown model":   {g, func(r *gateway.ThreeDRequest) { r.Model = "3d_oos" }},
		"no card":         {g, func(r *gateway.ThreeDRequest) { r.Card = card.Card{} }},
		"bad ok url":      {g, func(r *gateway.ThreeDRequest) { r.OkURL = "javascript:alert(1)" }},
		"relative url":    {g, func(r *gateway.ThreeDRequest) { r.FailURL = "/3d/fail" }},
		"JPY":             {g, func(r *gateway.ThreeDRequest) { r.Amount = money.New(100, money.JPY) }},
		"zero amount":     {g, func(r *gateway.ThreeDRequest) { r.Amount = money.New(0, money.TRY) }},
		"long order id":   {g, func(r *gateway.ThreeDRequest) { r.OrderID = strings.Repeat("x", 65) }},
		"negative taksit": {g, func(r *gateway.ThreeDRequest) { r.Installments = -1 }},
	} {
		req := threeDRequest(t, "3d", 100, money.TRY, 0, true)
		tc.mod(req)
		f, res := tc.g.Start3D(t.Context(), req)
		if f != nil || res.Outcome != gateway.Rejected {
			t.Errorf("%s: form %v, result %+v", name, f, res)
		}
	}
	// The hosted model never needs (or posts) card data.
	req := threeDRequest(t, "3d_host", 100, money.TRY, 0, true)
	req.Card = card.Card{}
	if f, res := g.Start3D(t.Context(), req); !res.OK() || formMap(f)["pan"] != "" {
		t.Errorf("3d_host without card: %+v", res)
	}
}

// bankCallback is a callback as the bank would sign it for ORDER-1 (125.50
// TRY, single payment, sale) with mdStatus 1; kv overrides fields, and a
// value of "-" removes one. It is signed after the overrides.
func bankCallback(model string, kv ...string) url.Values {
	f := map[string]string{
		"clientid": "700655000200", "storetype": storeTypes[model], "amount": "125.50", "oid": "ORDER-1", "ReturnOid": "ORDER-1",
		"okUrl": "https://kasa.example/3d/ok", "failUrl": "https://kasa.example/3d/fail", "rnd": "abc", "lang": "tr",
		"currency": "949", "taksit": "", "TranType": "Auth", "hashAlgorithm": "ver3", "mdStatus": "1", "mdErrorMsg": "Authenticated",
		"md": "435508:ABCDEF:1234:##700655000200", "xid": "eGlkeGlkeGlkeGlkeGlkeGk=", "eci": "05", "cavv": "Y2F2dmNhdnZjYXZ2Y2F2dmM=",
		"txstatus": "Y", "version": "2.0", "encoding": "ISO-8859-9",
	}
	if model != gateway.Model3D {
		for k, v := range map[string]string{"Response": "Approved", "ProcReturnCode": "00", "AuthCode": "P12345",
			"TransId": "26327AbCdEfGhI", "HostRefNum": "632700000001", "ErrMsg": "", "EXTRA_TRXDATE": "20261123 12:30:00"} {
			f[k] = v
		}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "-" {
			delete(f, kv[i])
		} else {
			f[kv[i]] = kv[i+1]
		}
	}
	v := url.Values{}
	for k, x := range f {
		v.Set(k, x)
	}
	v.Set("HASH", HashVer3(f, testStoreKey))
	return v
}

func callbackFor(model string, form url.Values) *gateway.ThreeDCallback {
	return &gateway.ThreeDCallback{
		Model: model, Capture: true, Form: form, Session: map[string]string{sessionTaksit: ""},
		Expected: gateway.Order{OrderID: "ORDER-1", Amount: money.New(12550, money.TRY)},
	}
}

// 3DS-4: mdStatus is authentication, not authorisation. The committed table
// of what every mdStatus × ProcReturnCode × model combination means.
func Test3DS4StatusMatrix(t *testing.T) {
	g := gateway3D(t)
	type verdict struct {
		err   bool // CallbackError
		auth  gateway.AuthLevel
		outc  gateway.Outcome // provisioning outcome; "" when none (3D model)
		reasn gateway.DeclineReason
	}
	authOf := map[string]gateway.AuthLevel{"1": gateway.AuthFull, "2": gateway.AuthAttempted, "3": gateway.AuthAttempted, "4": gateway.AuthAttempted}
	for _, model := range []string{gateway.Model3D, gateway.Model3DPay, gateway.Model3DHost} {
		for _, md := range []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "", "x1"} {
			for _, prc := range []string{"00", "05", "99", "-"} {
				auth := authOf[md]
				if auth == "" {
					auth = gateway.AuthFailed
				}
				want := verdict{auth: auth}
				switch {
				case md == "":
					want = verdict{err: true} // a decision field without a value
				case model == gateway.Model3D:
				case prc == "-" && auth == gateway.AuthFailed:
					want.outc, want.reasn = gateway.Declined, gateway.ReasonOther
				case prc == "-":
					want = verdict{err: true} // authenticated, so the bank provisioned: its result must be there
				case prc == "00" && auth == gateway.AuthFailed:
					want.outc, want.reasn = gateway.Unknown, gateway.ReasonSystemError
				case prc == "00":
					want.outc = gateway.Approved
				case prc == "05":
					want.outc, want.reasn = gateway.Declined, gateway.ReasonDoNotHonour
				default:
					want.outc, want.reasn = gateway.Declined, gateway.ReasonOther
				}
				resp := "Approved"
				if prc != "00" {
					resp = "Declined"
				}
				form := bankCallback(model, "mdStatus", md, "ProcReturnCode", prc, "Response", resp)
				if model == gateway.Model3D {
					form = bankCallback(model, "mdStatus", md)
				}
				res, err := g.Verify3D(t.Context(), callbackFor(model, form))
				var got verdict
				var ce *gateway.CallbackError
				switch {
				case errors.As(err, &ce):
					got.err = true
				case err != nil:
					t.Fatalf("%s/%s/%s: %v", model, md, prc, err)
				default:
					got.auth = res.Auth
					if res.Provision != nil {
						got.outc, got.reasn = res.Provision.Outcome, res.Provision.Reason
					}
					if res.MDStatus != md {
						t.Errorf("%s/%s/%s: MDStatus %q", model, md, prc, res.MDStatus)
					}
				}
				if got != want {
					t.Errorf("%s mdStatus=%q ProcReturnCode=%s: got %+v, want %+v", model, md, prc, got, want)
				}
			}
		}
	}
}

func TestVerify3DProvisionFields(t *testing.T) {
	g := gateway3D(t)
	res, err := g.Verify3D(t.Context(), callbackFor(gateway.Model3DPay, bankCallback(gateway.Model3DPay)))
	if err != nil {
		t.Fatal(err)
	}
	p := res.Provision
	if !p.OK() || p.BankCode != "00" || p.AuthCode != "P12345" || p.HostRef != "632700000001" || p.TransID != "26327AbCdEfGhI" {
		t.Errorf("provision %+v", p)
	}
	if res.ECI != "05" || res.CAVV == "" || res.XID == "" || res.MD == "" || res.MDText != "full authentication" {
		t.Errorf("result %+v", res)
	}
	res, err = g.Verify3D(t.Context(), callbackFor(gateway.Model3DPay, bankCallback(gateway.Model3DPay,
		"ProcReturnCode", "51", "Response", "Declined", "ErrMsg", "Yetersiz bakiye", "AuthCode", "")))
	if err != nil {
		t.Fatal(err)
	}
	if p := res.Provision; p.Outcome != gateway.Declined || p.Reason != gateway.ReasonInsufficientFunds || p.BankCode != "51" || p.BankMessage != "Yetersiz bakiye" {
		t.Errorf("declined provision %+v", p)
	}
	res, err = g.Verify3D(t.Context(), callbackFor(gateway.Model3D, bankCallback(gateway.Model3D, "mdStatus", "0", "mdErrorMsg", "Not authenticated")))
	if err != nil || res.Auth != gateway.AuthFailed || res.MDText != "Not authenticated" || res.Provision != nil {
		t.Errorf("failed 3D: %+v, %v", res, err)
	}
}

// 3DS-2: every required decision field, dropped from a callback the bank
// signed without it, makes the callback unusable.
func Test3DS2RequiredFields(t *testing.T) {
	g := gateway3D(t)
	for _, model := range []string{gateway.Model3D, gateway.Model3DPay} {
		required := slices.Concat(requiredNonEmpty, requiredPresent, []string{"TranType"})
		if model == gateway.Model3DPay {
			required = append(required, requiredProvision...)
		}
		for _, k := range required {
			_, err := g.Verify3D(t.Context(), callbackFor(model, bankCallback(model, k, "-")))
			var ce *gateway.CallbackError
			if !errors.As(err, &ce) {
				t.Errorf("%s without %s: %v", model, k, err)
			}
		}
	}
	// islemtipi, older hosts' name, stands in for TranType.
	if _, err := g.Verify3D(t.Context(), callbackFor("3d", bankCallback("3d", "TranType", "-", "islemtipi", "Auth"))); err != nil {
		t.Errorf("islemtipi: %v", err)
	}
}

// 3DS-3: a signed callback must be this attempt's in every binding field.
func Test3DS3Bindings(t *testing.T) {
	g := gateway3D(t)
	for name, mod := range map[string]func(*gateway.ThreeDCallback){
		"order":        func(cb *gateway.ThreeDCallback) { cb.Expected.OrderID = "ORDER-2" },
		"amount":       func(cb *gateway.ThreeDCallback) { cb.Expected.Amount = money.New(100000, money.TRY) },
		"currency":     func(cb *gateway.ThreeDCallback) { cb.Expected.Amount = money.New(12550, money.USD) },
		"installments": func(cb *gateway.ThreeDCallback) { cb.Session = map[string]string{sessionTaksit: "3"} },
		"pre-auth":     func(cb *gateway.ThreeDCallback) { cb.Capture = false },
		"model":        func(cb *gateway.ThreeDCallback) { cb.Model = gateway.Model3DPay },
		"client id":    func(cb *gateway.ThreeDCallback) { cb.Form = bankCallback("3d", "clientid", "700655000300") },
		"hashAlgo":     func(cb *gateway.ThreeDCallback) { cb.Form = bankCallback("3d", "hashAlgorithm", "ver2") },
		"neg amount":   func(cb *gateway.ThreeDCallback) { cb.Form = bankCallback("3d", "amount", "-125.50") },
	} {
		cb := callbackFor("3d", bankCallback("3d"))
		mod(cb)
		_, err := g.Verify3D(t.Context(), cb)
		var ce *gateway.CallbackError
		if !errors.As(err, &ce) {
			t.Errorf("%s mismatch accepted: %v", name, err)
		}
	}
	// The bank may echo the amount in its trimmed form.
	cb := callbackFor("3d", bankCallback("3d", "amount", "125.5"))
	if _, err := g.Verify3D(t.Context(), cb); err != nil {
		t.Errorf("trimmed amount: %v", err)
	}
	cb = callbackFor("3d", bankCallback("3d"))
	cb.Session = nil
	if _, err := g.Verify3D(t.Context(), cb); err == nil {
		t.Error("callback accepted without the attempt's session")
	}
}

// 3DS-1 / 3DS-2: forms that are ambiguous, downgraded or spliced.
func Test3DS2SplicingAndDowngrade(t *testing.T) {
	g := gateway3D(t)
	failed := bankCallback("3d_pay", "mdStatus", "0", "ProcReturnCode", "-", "Response", "-", "AuthCode", "-")
	cases := map[string]url.Values{}
	add := func(name string, mod func(v url.Values)) {
		v := url.Values{}
		for k, x := range failed {
			v[k] = slices.Clone(x)
		}
		mod(v)
		cases[name] = v
	}
	add("approval spliced in", func(v url.Values) {
		v.Set("ProcReturnCode", "00")
		v.Set("Response", "Approved")
		v.Set("AuthCode", "123456")
	})
	add("mdStatus added twice", func(v url.Values) { v.Add("mdStatus", "1") })
	add("case twin", func(v url.Values) { v.Set("MDSTATUS", "1") })
	add("legacy HASHPARAMS (A-01)", func(v url.Values) {
		// The signed string moved into a field the attacker names in HASHPARAMS.
		v.Set("HASHPARAMS", "x:")
		v.Set("HASHPARAMSVAL", "whatever")
		v.Set("mdStatus", "1")
	})
	add("legacy hashparams only", func(v url.Values) { v.Set("hashparams", "clientid:oid:mdStatus:") })
	add("HASH twice", func(v url.Values) { v.Add("HASH", v.Get("HASH")) })
	add("lower-case hash value", func(v url.Values) { v.Set("HASH", strings.ToLower(v.Get("HASH"))) })
	add("no HASH", func(v url.Values) { v.Del("HASH") })
	for name, v := range cases {
		_, err := g.Verify3D(t.Context(), callbackFor("3d_pay", v))
		var ce *gateway.CallbackError
		if !errors.As(err, &ce) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Fields the bank itself leaves unsigned cannot change the verdict.
	base, err := g.Verify3D(t.Context(), callbackFor("3d_pay", failed))
	if err != nil {
		t.Fatal(err)
	}
	add("unsigned extras", func(v url.Values) {
		v.Set("encoding", "UTF-8")
		v.Set("NATIONALIDNO", "12345678901")
	})
	res, err := g.Verify3D(t.Context(), callbackFor("3d_pay", cases["unsigned extras"]))
	if err != nil || res.Auth != base.Auth || res.Provision.Outcome != gateway.Declined || base.Provision.Outcome != gateway.Declined {
		t.Errorf("unsigned extras changed the verdict: %+v / %+v, %v", res, base, err)
	}
}

func TestVerify3DConfiguration(t *testing.T) {
	noKey, _ := New(gateway.Config{Credentials: map[string]string{CredClientID: "700655000200", CredAPIUser: "u", CredAPIPassword: "p"},
		Endpoints: gateway.Endpoints{API: "https://bank.example/fim/api"}})
	_, err := noKey.Verify3D(t.Context(), callbackFor("3d", bankCallback("3d")))
	var ce *gateway.CallbackError
	if err == nil || errors.As(err, &ce) {
		t.Errorf("no store key: %v", err)
	}
	if _, err := gateway3D(t).Verify3D(t.Context(), callbackFor("3d_oos", bankCallback("3d"))); err == nil {
		t.Error("unknown model accepted")
	}
}

func TestComplete3DRequest(t *testing.T) {
	c := newCapture(t)
	res3D := &gateway.ThreeDResult{Auth: gateway.AuthFull, MDStatus: "1", MD: "435508:ABC:1234:##700655000200",
		XID: "eGlk", ECI: "05", CAVV: "Y2F2dg=="}
	r := c.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{
		Order: gateway.Order{OrderID: "ORDER-1", Amount: money.New(12550, money.TRY), ClientIP: "203.0.113.9"}, Capture: false,
		Installments: 3, Result: res3D,
	})
	if !r.OK() {
		t.Fatalf("%+v", r)
	}
	got := elements(t, c.last())
	want := map[string]string{
		"Name": "ISBANKAPI", "Password": "ISBANK07", "ClientId": "700655000200",
		"Type": "PreAuth", "IPAddress": "203.0.113.9", "OrderId": "ORDER-1",
		"Total": "125.50", "Currency": "949", "Taksit": "3",
		"Number": "435508:ABC:1234:##700655000200", "PayerTxnId": "eGlk",
		"PayerSecurityLevel": "05", "PayerAuthenticationCode": "Y2F2dg==", "Mode": "P",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	for _, k := range []string{"Expires", "Cvv2Val"} {
		if _, ok := got[k]; ok {
			t.Errorf("%s sent: card data has no place in 3D provisioning", k)
		}
	}
	n := len(c.bodies)
	for name, tr := range map[string]*gateway.ThreeDResult{
		"no result":  nil,
		"failed":     {Auth: gateway.AuthFailed, MDStatus: "0", MD: "x"},
		"without md": {Auth: gateway.AuthFull, MDStatus: "1"},
	} {
		r := c.g.Complete3D(t.Context(), &gateway.ThreeDCompleteRequest{
			Order: gateway.Order{OrderID: "ORDER-1", Amount: money.New(12550, money.TRY)}, Capture: true, Result: tr})
		if r.Outcome != gateway.Rejected {
			t.Errorf("%s: %+v", name, r)
		}
	}
	if len(c.bodies) != n {
		t.Error("a refused provisioning reached the bank")
	}
}

// FuzzVerify3D feeds arbitrary callback bodies to Verify3D: it must not
// panic, and whatever it accepts must carry a valid hash over its fields.
func FuzzVerify3D(f *testing.F) {
	f.Add(bankCallback("3d").Encode())
	f.Add(bankCallback("3d_pay", "mdStatus", "0").Encode())
	f.Add("HASH=&mdStatus=1&mdStatus=2")
	f.Add("HASHPARAMS=a%3A&HASH=x&a=1")
	f.Add("%zz=1&HASH=%")
	g := gateway3D(f)
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		for _, model := range []string{gateway.Model3D, gateway.Model3DPay, gateway.Model3DHost} {
			res, err := g.Verify3D(context.Background(), callbackFor(model, form))
			if err != nil {
				continue
			}
			flat, hash := map[string]string{}, ""
			for k, v := range form {
				flat[k] = v[0]
				if strings.EqualFold(k, "hash") {
					hash = v[0]
				}
			}
			if res == nil || !VerifyVer3(flat, testStoreKey, hash) {
				t.Fatalf("accepted an unsigned callback: %q", body)
			}
		}
	})
}
