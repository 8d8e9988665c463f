package est3sim

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
)

// These tests drive the gate like a browser: post the merchant's form, answer
// the ACS page, and read the auto-posted callback.

const storeKey = "TRPS0200"

func TestVer3HashKnownAnswer(t *testing.T) {
	// Research notes §2.1 (mewebstudio/pos EstV3PosCryptTest).
	f := map[string]string{
		"clientid": "190100000", "storetype": "3d", "amount": "100.25", "oid": "order222",
		"okUrl": "https://domain.com/success", "failUrl": "https://domain.com/fail_url",
		"rnd": "12345", "hashAlgorithm": "ver3", "lang": "tr", "currency": "949",
		"islemtipi": "Auth", "taksit": "",
	}
	want := "4aUsG5hqlIFLc9s8PKc5rWb2OLhmxDDewNgKa2XrwoYCIxlyVq8Fjl4IVaZzoqL983CfTseicmnTA0PjZr74xg=="
	if got := ver3Hash(f, "123456"); got != want {
		t.Errorf("ver3Hash = %s, want %s", got, want)
	}
	f["HASH"], f["encoding"], f["NationalIdNo"] = "x", "ISO-8859-9", "1"
	if got := ver3Hash(f, "123456"); got != want {
		t.Error("hash, encoding or nationalidno changed the hash")
	}
}

func TestNatCmp(t *testing.T) {
	for _, c := range [][2]string{{"TRX2", "TRX10"}, {"AMOUNT", "AMOUNT2"}, {"A1", "A01"}, {"AZB", "A_B"}, {"ECI", "ECOM_X"}} {
		if natCmp(c[0], c[1]) >= 0 || natCmp(c[1], c[0]) <= 0 {
			t.Errorf("natCmp(%q, %q) does not order them", c[0], c[1])
		}
	}
}

// gateForm is a merchant's signed form for the Payten sandbox store.
func gateForm(store, oid, amount, taksit, cardNo string, more ...string) url.Values {
	f := map[string]string{
		"clientid": "700655000200", "storetype": store, "amount": amount, "oid": oid,
		"okUrl": "https://shop.example/ok", "failUrl": "https://shop.example/fail", "rnd": "r4nd|\\",
		"lang": "tr", "currency": "949", "taksit": taksit, "TranType": "Auth", "hashAlgorithm": "ver3",
	}
	if cardNo != "" {
		f["pan"], f["Ecom_Payment_Card_ExpDate_Month"], f["Ecom_Payment_Card_ExpDate_Year"], f["cv2"] = cardNo, "12", "30", "000"
	}
	for i := 0; i+1 < len(more); i += 2 {
		f[more[i]] = more[i+1]
	}
	v := url.Values{}
	for k, x := range f {
		v.Set(k, x)
	}
	v.Set("hash", ver3Hash(f, storeKey))
	return v
}

var (
	reACS      = regexp.MustCompile(`action="(/_acs/[0-9a-f]+)"`)
	reCardPage = regexp.MustCompile(`action="(/fim/est3Dgate/card/[0-9a-f]+)"`)
	reAction   = regexp.MustCompile(`<form method="post" action="([^"]*)">`)
	reInput    = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
)

func postForm(t *testing.T, u string, v url.Values) (int, string) {
	t.Helper()
	resp, err := http.PostForm(u, v)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// autoPosted reads an auto-submitting page: where it posts and what.
func autoPosted(t *testing.T, page string) (string, map[string]string) {
	t.Helper()
	m := reAction.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("not an auto-post page:\n%s", page)
	}
	fields := map[string]string{}
	for _, in := range reInput.FindAllStringSubmatch(page, -1) {
		fields[html.UnescapeString(in[1])] = html.UnescapeString(in[2])
	}
	return html.UnescapeString(m[1]), fields
}

// answerACS answers the challenge page with code, or cancels when code is "".
func answerACS(t *testing.T, s *Server, page, code string) (string, map[string]string) {
	t.Helper()
	m := reACS.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("not the ACS page:\n%s", page)
	}
	v := url.Values{"action": {"submit"}, "code": {code}}
	if code == "" {
		v = url.Values{"action": {"cancel"}}
	}
	_, cb := postForm(t, s.URL()+m[1], v)
	return autoPosted(t, cb)
}

func wantSigned(t *testing.T, cb map[string]string) {
	t.Helper()
	if !ver3Valid(cb, storeKey, cb["HASH"]) {
		t.Errorf("callback HASH does not verify: %v", cb)
	}
	for _, k := range []string{"pan", "cv2", "hash"} {
		if _, ok := cb[k]; ok {
			t.Errorf("callback echoes %s", k)
		}
	}
}

func TestGate3DModelThenProvision(t *testing.T) {
	s := start(t, Config{})
	code, page := postForm(t, s.ThreeDGateURL(), gateForm("3d", "3D-1", "125.50", "3", pan, "Email", "a@b.example"))
	if code != 200 || !strings.Contains(page, "125,50 TRY") || strings.Contains(page, pan) {
		t.Fatalf("ACS page %d:\n%s", code, page)
	}
	dest, cb := answerACS(t, s, page, banksim.ACSCode)
	if dest != "https://shop.example/ok" || cb["mdStatus"] != "1" || cb["txstatus"] != "Y" || cb["eci"] != "05" || cb["cavv"] == "" {
		t.Fatalf("callback to %s: %v", dest, cb)
	}
	wantSigned(t, cb)
	if cb["oid"] != "3D-1" || cb["amount"] != "125.50" || cb["taksit"] != "3" || cb["Email"] != "a@b.example" ||
		cb["maskedCreditCard"] != "4355 08** **** 4358" || cb["rnd"] != `r4nd|\` || cb["Response"] != "" {
		t.Errorf("callback fields: %v", cb)
	}
	if _, ok := s.Book().Get("700655000200", "3D-1"); ok {
		t.Fatal("the 3D model provisioned without the merchant's request")
	}
	evidence := []string{"PayerTxnId", cb["xid"], "PayerSecurityLevel", cb["eci"], "PayerAuthenticationCode", cb["cavv"]}
	r := send(t, s, auth("Auth", "3D-1", "125.50", "949", "3", cb["md"], "", evidence...)...)
	wantCode(t, r, "00", "")
	if o, _ := s.Book().Get("700655000200", "3D-1"); o.Captured != 12550 || o.Installments != 3 || o.Card != "435508******4358" {
		t.Errorf("book: %+v", o)
	}
	// The md is single-use.
	r = send(t, s, auth("Auth", "3D-1", "125.50", "949", "3", cb["md"], "", evidence...)...)
	wantCode(t, r, "99", "CORE-2019")
}

func TestGate3DProvisionMustMatch(t *testing.T) {
	s := start(t, Config{})
	for _, tc := range []struct {
		name, order, total, taksit, xid, errCode string
	}{
		{"other amount", "M-1", "1000.00", "", "", "CORE-2021"},
		{"other installments", "M-2", "10.00", "2", "", "CORE-2021"},
		{"other order", "M-3", "10.00", "", "", "CORE-2020"},
		{"forged xid", "M-4", "10.00", "", "AAAA", "CORE-2020"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, page := postForm(t, s.ThreeDGateURL(), gateForm("3d", tc.order, "10.00", "", pan))
			_, cb := answerACS(t, s, page, banksim.ACSCode)
			oid, xid := tc.order, cb["xid"]
			if tc.name == "other order" {
				oid = "SOMETHING-ELSE"
			}
			if tc.xid != "" {
				xid = tc.xid
			}
			r := send(t, s, auth("Auth", oid, tc.total, "949", tc.taksit, cb["md"], "",
				"PayerTxnId", xid, "PayerSecurityLevel", cb["eci"], "PayerAuthenticationCode", cb["cavv"])...)
			wantCode(t, r, "99", tc.errCode)
		})
	}
}

func TestGateMDExpires(t *testing.T) {
	var offset atomic.Int64
	s := start(t, Config{Now: func() time.Time { return fixedNow.Add(time.Duration(offset.Load())) }})
	_, page := postForm(t, s.ThreeDGateURL(), gateForm("3d", "EXP-1", "10.00", "", pan))
	_, cb := answerACS(t, s, page, banksim.ACSCode)
	offset.Store(int64(MDTTL + time.Second))
	r := send(t, s, auth("Auth", "EXP-1", "10.00", "949", "", cb["md"], "",
		"PayerTxnId", cb["xid"], "PayerSecurityLevel", cb["eci"], "PayerAuthenticationCode", cb["cavv"])...)
	wantCode(t, r, "99", "CORE-2019")
}

func TestGateFailures(t *testing.T) {
	s := start(t, Config{})
	for _, tc := range []struct {
		name, code, errMsg string
	}{
		{"wrong code", "999999", "Not authenticated"},
		{"cancel", "", "Cancelled by cardholder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, page := postForm(t, s.ThreeDGateURL(), gateForm("3d_pay", "F-"+tc.name[:4], "10.00", "", pan))
			dest, cb := answerACS(t, s, page, tc.code)
			if dest != "https://shop.example/fail" || cb["mdStatus"] != "0" || cb["txstatus"] != "N" || cb["mdErrorMsg"] != tc.errMsg ||
				cb["cavv"] != "" || cb["ProcReturnCode"] != "" {
				t.Errorf("callback to %s: %v", dest, cb)
			}
			wantSigned(t, cb)
		})
	}
	if len(s.Book().All()) != 0 {
		t.Error("a failed authentication provisioned")
	}
}

func TestGateAttemptedCard(t *testing.T) {
	s := start(t, Config{})
	for _, c := range []struct{ pan, eci string }{{"4000000000000002", "06"}, {"5400000300000002", "01"}} {
		code, page := postForm(t, s.ThreeDGateURL(), gateForm("3d", "ATT-"+c.eci, "10.00", "", c.pan))
		if code != 200 {
			t.Fatalf("gate %d: %s", code, page)
		}
		dest, cb := autoPosted(t, page) // no challenge for a not-enrolled card
		if dest != "https://shop.example/ok" || cb["mdStatus"] != "4" || cb["txstatus"] != "A" || cb["eci"] != c.eci || cb["cavv"] == "" {
			t.Errorf("attempted callback to %s: %v", dest, cb)
		}
		wantSigned(t, cb)
	}
}

func TestGate3DPayProvisions(t *testing.T) {
	s := start(t, Config{})
	_, page := postForm(t, s.ThreeDGateURL(), gateForm("3d_pay", "PAY-1", "125.50", "", pan))
	dest, cb := answerACS(t, s, page, banksim.ACSCode)
	wantSigned(t, cb)
	if dest != "https://shop.example/ok" || cb["Response"] != "Approved" || cb["ProcReturnCode"] != "00" || len(cb["AuthCode"]) != 6 ||
		len(cb["HostRefNum"]) != 12 || cb["acqStan"] != cb["HostRefNum"][6:] || cb["TransId"] == "" ||
		cb["EXTRA_TRXDATE"] != "20261123 12:30:00" || cb["EXTRA_CARDBRAND"] != "VISA" {
		t.Errorf("callback to %s: %v", dest, cb)
	}
	if o, _ := s.Book().Get("700655000200", "PAY-1"); o.State != banksim.OrderCaptured || o.Captured != 12550 {
		t.Errorf("book: %+v", o)
	}

	// A decline trigger goes to failUrl with the issuer's code.
	_, page = postForm(t, s.ThreeDGateURL(), gateForm("3d_pay", "PAY-2", "10.00", "", "4000000000000051"))
	dest, cb = answerACS(t, s, page, banksim.ACSCode)
	if dest != "https://shop.example/fail" || cb["mdStatus"] != "1" || cb["ProcReturnCode"] != "51" || cb["Response"] != "Declined" {
		t.Errorf("declined callback to %s: %v", dest, cb)
	}
	// The order id is used: a second payment on it is refused.
	_, page = postForm(t, s.ThreeDGateURL(), gateForm("3d_pay", "PAY-1", "125.50", "", pan))
	_, cb = answerACS(t, s, page, banksim.ACSCode)
	if cb["ProcReturnCode"] != "99" || !strings.Contains(cb["ErrMsg"], "duplicate") {
		t.Errorf("duplicate callback: %v", cb)
	}
}

func TestGateHostedCardPage(t *testing.T) {
	s := start(t, Config{})
	code, page := postForm(t, s.ThreeDGateURL(), gateForm("3d_pay_hosting", "HOST-1", "10.00", "", ""))
	m := reCardPage.FindStringSubmatch(page)
	if code != 200 || m == nil {
		t.Fatalf("card page %d:\n%s", code, page)
	}
	card := url.Values{"pan": {"4355084355084350"}, "Ecom_Payment_Card_ExpDate_Month": {"12"}, "Ecom_Payment_Card_ExpDate_Year": {"30"}, "cv2": {"000"}}
	_, again := postForm(t, s.URL()+m[1], card)
	if !strings.Contains(again, `id="problem"`) {
		t.Fatalf("bad card accepted:\n%s", again)
	}
	card.Set("pan", pan)
	_, acs := postForm(t, s.URL()+m[1], card)
	dest, cb := answerACS(t, s, acs, banksim.ACSCode)
	wantSigned(t, cb)
	if dest != "https://shop.example/ok" || cb["storetype"] != "3d_pay_hosting" || cb["ProcReturnCode"] != "00" ||
		cb["Ecom_Payment_Card_ExpDate_Month"] != "12" || cb["MaskedPan"] != "435508***4358" {
		t.Errorf("callback to %s: %v", dest, cb)
	}
	if code, _ := postForm(t, s.URL()+m[1], card); code != http.StatusGone {
		t.Errorf("hosted session reused: %d", code)
	}
}

func TestGateRefusesUntrustedForms(t *testing.T) {
	s := start(t, Config{})
	good := gateForm("3d", "BAD-1", "10.00", "", pan)
	tamper := func(k, v string) url.Values {
		f := url.Values{}
		for x, y := range good {
			f[x] = append([]string(nil), y...)
		}
		f.Set(k, v)
		return f
	}
	dup := tamper("amount", "10.00")
	dup.Add("amount", "1.00")
	for name, v := range map[string]url.Values{
		"altered amount":  tamper("amount", "1.00"),
		"unsigned field":  tamper("okUrl", "https://evil.example/ok"),
		"other store key": gateFormKey("OTHERKEY"),
		"legacy hash":     tamper("hashAlgorithm", ""),
		"unknown store":   tamper("clientid", "1"),
		"duplicate field": dup,
		"no hash":         tamper("hash", ""),
	} {
		if code, page := postForm(t, s.ThreeDGateURL(), v); code != http.StatusBadRequest || reACS.MatchString(page) {
			t.Errorf("%s: %d", name, code)
		}
	}
	for name, v := range map[string]url.Values{
		"bad storetype": gateForm("3d_bogus", "BAD-2", "10.00", "", pan),
		"bad card":      gateForm("3d", "BAD-3", "10.00", "", "4355084355084350"),
		"bad amount":    gateForm("3d", "BAD-4", "10.001", "", pan),
		"installments":  gateForm("3d", "BAD-5", "10.00", "24", pan),
		"bad url":       gateForm("3d", "BAD-6", "10.00", "", pan, "okUrl", "javascript:alert(1)"),
	} {
		if code, _ := postForm(t, s.ThreeDGateURL(), v); code != http.StatusBadRequest {
			t.Errorf("%s: %d", name, code)
		}
	}
	resp, err := http.Get(s.ThreeDGateURL())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET gate: %d", resp.StatusCode)
	}
}

func gateFormKey(key string) url.Values {
	v := gateForm("3d", "BAD-7", "10.00", "", pan)
	f := map[string]string{}
	for k := range v {
		if k != "hash" {
			f[k] = v.Get(k)
		}
	}
	v.Set("hash", ver3Hash(f, key))
	return v
}
