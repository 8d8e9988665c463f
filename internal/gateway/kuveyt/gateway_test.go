package kuveyt_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	kuveytsim "github.com/kasapos/kasa/internal/banksim/kuveyt"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/boa"
	"github.com/kasapos/kasa/internal/gateway/gatewaytest"
	"github.com/kasapos/kasa/internal/gateway/kuveyt"
	"github.com/kasapos/kasa/internal/money"
)

var ctx = context.Background()

func TestHashVector(t *testing.T) {
	// Research notes §2.6, verified against the published test vector.
	if got := boa.RequestHash("80", "ORDER-123", "7256", "", "", "apiuser", "Api123"); got != "Bf+hZf2c1gf1pTXnEaSGxDpGRr0=" {
		t.Fatalf("RequestHash = %s", got)
	}
}

func TestFormats(t *testing.T) {
	for _, c := range []struct {
		minor int64
		cur   money.Currency
		amt   string
		code  string
	}{{101, money.TRY, "101", "0949"}, {12550, money.USD, "12550", "0840"}, {1, money.EUR, "1", "0978"}} {
		a := money.New(c.minor, c.cur)
		if boa.FormatAmount(a) != c.amt || boa.FormatCurrency(c.cur) != c.code {
			t.Errorf("%v: %s %s", a, boa.FormatAmount(a), boa.FormatCurrency(c.cur))
		}
	}
	for n, want := range map[int]string{0: "0", 1: "0", 2: "2", 12: "12"} {
		if got := boa.FormatInstallments(n); got != want {
			t.Errorf("installments %d = %q", n, got)
		}
	}
}

func setup(t *testing.T) (*kuveytsim.Server, *kuveyt.Gateway) {
	sim := kuveytsim.New("")
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	pos := sim.POS()
	g, err := kuveyt.New(gateway.Config{Credentials: pos.Credentials, Endpoints: pos.Endpoints})
	if err != nil {
		t.Fatal(err)
	}
	return sim, g
}

func testCard(t *testing.T, pan string) card.Card {
	p, err := card.ParsePAN(pan)
	if err != nil {
		t.Fatal(err)
	}
	exp, _ := card.NewExpiry(6, 2029)
	cvv, _ := card.ParseCVV("588")
	return card.Card{PAN: p, Expiry: exp, CVV: cvv, Holder: "Ayşe Yılmaz"}
}

func sale(t *testing.T, id string, minor int64, pan string) *gateway.AuthorizeRequest {
	return &gateway.AuthorizeRequest{Order: gateway.Order{OrderID: id, Amount: money.New(minor, money.TRY)}, Capture: true, Card: testCard(t, pan)}
}

func TestSaleVoidRefundStatus(t *testing.T) {
	sim, g := setup(t)
	if r := g.Authorize(ctx, sale(t, "o-1", 12550, kuveytsim.TestCard.PAN)); r.Outcome != gateway.Approved || r.AuthCode == "" {
		t.Fatalf("sale: %+v", r)
	}
	if r := g.Authorize(ctx, sale(t, "o-1", 12550, kuveytsim.TestCard.PAN)); r.Outcome != gateway.Rejected || r.Reason != gateway.ReasonDuplicateOrder {
		t.Fatalf("duplicate: %+v", r)
	}
	o := gateway.Order{OrderID: "o-1", Amount: money.New(4000, money.TRY)}
	if r := g.Refund(ctx, &gateway.RefundRequest{Order: o}); !r.OK() {
		t.Fatalf("partial refund: %+v", r)
	}
	o.Amount = money.New(10000, money.TRY)
	if r := g.Refund(ctx, &gateway.RefundRequest{Order: o}); r.OK() {
		t.Fatalf("refund above captured approved: %+v", r)
	}
	if r := g.Refund(ctx, &gateway.RefundRequest{Order: o, Full: true}); !r.OK() {
		t.Fatalf("full refund: %+v", r)
	}
	st := g.Status(ctx, "o-1")
	if st.State != gateway.StateRefunded || st.RefundedAmount != 12550 || st.CapturedAmount != 12550 {
		t.Fatalf("status: %+v", st)
	}
	if r := g.Authorize(ctx, sale(t, "o-2", 3000, kuveytsim.TestCard.PAN)); !r.OK() {
		t.Fatal(r)
	}
	if r := g.Void(ctx, &gateway.VoidRequest{Order: gateway.Order{OrderID: "o-2", Amount: money.New(3000, money.TRY)}}); !r.OK() {
		t.Fatalf("void: %+v", r)
	}
	if o, _ := sim.Book().Get("496", "o-2"); o.State != banksim.OrderVoided {
		t.Fatalf("book: %s", o.State)
	}
	if st := g.Status(ctx, "nope"); st.Outcome != gateway.Approved || st.State != gateway.StateNotFound {
		t.Fatalf("unknown order: %+v", st)
	}
}

func TestDeclines(t *testing.T) {
	_, g := setup(t)
	for i, d := range banksim.Declines {
		r := g.Authorize(ctx, sale(t, "d-"+d.Code, 1000, d.ExamplePAN))
		if r.Outcome != gateway.Declined || r.BankCode != d.Code || string(r.Reason) != d.Reason {
			t.Errorf("%d %s: %+v", i, d.Code, r)
		}
	}
}

func TestLostReplyThenStatus(t *testing.T) {
	sim, g := setup(t)
	sim.Faults().Next(sim.FaultOp(gateway.OpAuthorize, true), banksim.TimeoutAfter, 1)
	c, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if r := g.Authorize(c, sale(t, "lost", 5000, kuveytsim.TestCard.PAN)); r.Outcome != gateway.Unknown {
		t.Fatalf("lost reply: %+v", r)
	}
	if st := g.Status(ctx, "lost"); st.State != gateway.StateCaptured || st.CapturedAmount != 5000 {
		t.Fatalf("status: %+v", st)
	}
}

func TestNotSent(t *testing.T) {
	g, err := kuveyt.New(gateway.Config{Credentials: kuveytsim.New("").POS().Credentials, Endpoints: gateway.Endpoints{API: "http://127.0.0.1:1/Home"}})
	if err != nil {
		t.Fatal(err)
	}
	if r := g.Authorize(ctx, sale(t, "ns", 100, kuveytsim.TestCard.PAN)); r.Outcome != gateway.NotSent {
		t.Fatalf("%+v", r)
	}
}

// post posts v to u like a browser and reads the auto-posted form of the
// reply: its target (made absolute against u) and hidden fields.
func post(t *testing.T, u string, v url.Values) (string, url.Values) {
	t.Helper()
	next, out := gatewaytest.AutoPosted(t, gatewaytest.PostForm(t, http.DefaultClient, u, v))
	if strings.HasPrefix(next, "/") {
		base, _ := url.Parse(u)
		next = base.Scheme + "://" + base.Host + next
	}
	return next, out
}

// drive posts the Start3D form to the gate, answers the ACS and returns the callback.
func drive(t *testing.T, g *kuveyt.Gateway, o gateway.Order, code string, cancel bool) (string, url.Values) {
	form, res := g.Start3D(ctx, &gateway.ThreeDRequest{Order: o, Model: gateway.Model3D, Capture: true,
		Card: testCard(t, kuveytsim.TestCard.PAN), OkURL: "http://127.0.0.1:1/ok", FailURL: "http://127.0.0.1:1/fail"})
	if !res.OK() {
		t.Fatal(res)
	}
	v := url.Values{}
	for _, f := range form.Fields {
		v.Set(f.Name, f.Value)
	}
	acs, _ := post(t, form.URL, v)
	action := "submit"
	if cancel {
		action = "cancel"
	}
	return post(t, acs, url.Values{"code": {code}, "action": {action}})
}

func TestThreeD(t *testing.T) {
	sim, g := setup(t)
	o := gateway.Order{OrderID: "3d-1", Amount: money.New(12550, money.TRY)}
	to, cb := drive(t, g, o, banksim.ACSCode, false)
	if to != "http://127.0.0.1:1/ok" {
		t.Fatalf("posted to %s", to)
	}
	res, err := g.Verify3D(ctx, &gateway.ThreeDCallback{Model: gateway.Model3D, Expected: o, Capture: true, Form: cb})
	if err != nil || res.Auth != gateway.AuthFull {
		t.Fatalf("verify: %+v %v", res, err)
	}
	// 3DS-2: the genuine callback replayed against another order is refused.
	other := gateway.Order{OrderID: "3d-2", Amount: o.Amount}
	if _, err := g.Verify3D(ctx, &gateway.ThreeDCallback{Model: gateway.Model3D, Expected: other, Form: cb}); !isCallbackError(err) {
		t.Fatalf("replay onto another order: %v", err)
	}
	// 3DS-5: the amount is the attempt's, never the callback's.
	cheaper := o
	cheaper.Amount = money.New(100, money.TRY)
	if _, err := g.Verify3D(ctx, &gateway.ThreeDCallback{Model: gateway.Model3D, Expected: cheaper, Form: cb}); !isCallbackError(err) {
		t.Fatalf("altered amount: %v", err)
	}
	if r := g.Complete3D(ctx, &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: res}); !r.OK() {
		t.Fatalf("provision: %+v", r)
	}
	if n := sim.Book().ApprovedAuths("3d-1"); n != 1 {
		t.Fatalf("approved %d", n)
	}
	// The MD provisions once.
	if r := g.Complete3D(ctx, &gateway.ThreeDCompleteRequest{Order: o, Capture: true, Result: res}); r.OK() {
		t.Fatal("second provisioning approved")
	}
}

func TestThreeDFailures(t *testing.T) {
	_, g := setup(t)
	for _, c := range []struct {
		name   string
		code   string
		cancel bool
	}{{"WrongCode", "000000", false}, {"Cancel", "", true}} {
		o := gateway.Order{OrderID: "3f-" + c.name, Amount: money.New(1000, money.TRY)}
		to, cb := drive(t, g, o, c.code, c.cancel)
		res, err := g.Verify3D(ctx, &gateway.ThreeDCallback{Model: gateway.Model3D, Expected: o, Form: cb})
		if to != "http://127.0.0.1:1/fail" || err != nil || res.Auth != gateway.AuthFailed {
			t.Errorf("%s: %s %+v %v", c.name, to, res, err)
		}
	}
}

// 3DS-1: a callback whose signed fields were altered, or signed with another key, is refused.
func TestThreeDForged(t *testing.T) {
	_, g := setup(t)
	o := gateway.Order{OrderID: "3x-1", Amount: money.New(1000, money.TRY)}
	_, cb := drive(t, g, o, banksim.ACSCode, false)
	xmlText, _ := url.QueryUnescape(cb.Get("AuthenticationResponse"))
	for name, edit := range map[string]func(string) string{
		"order":    func(s string) string { return strings.Replace(s, "3x-1", "3x-2", -1) },
		"code":     func(s string) string { return strings.Replace(s, "<ResponseCode>00<", "<ResponseCode>01<", 1) },
		"currency": func(s string) string { return strings.Replace(s, "0949", "0840", -1) },
		"hash": func(s string) string {
			i, j := strings.Index(s, "<HashData>"), strings.Index(s, "</HashData>")
			return s[:i] + "<HashData>" + boa.CallbackHash("3x-1", "00", "0", "another-key") + s[j:]
		},
	} {
		f := url.Values{"AuthenticationResponse": {url.QueryEscape(edit(xmlText))}}
		if _, err := g.Verify3D(ctx, &gateway.ThreeDCallback{Model: gateway.Model3D, Expected: o, Form: f}); !isCallbackError(err) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Fields outside the signed message change nothing.
	cb.Set("ProvisionNumber", "999999")
	if res, err := g.Verify3D(ctx, &gateway.ThreeDCallback{Model: gateway.Model3D, Expected: o, Form: cb}); err != nil || res.Auth != gateway.AuthFull || res.Provision != nil {
		t.Fatalf("spliced field: %+v %v", res, err)
	}
	if _, err := g.Verify3D(ctx, &gateway.ThreeDCallback{Model: gateway.Model3D, Expected: o, Form: url.Values{}}); !isCallbackError(err) {
		t.Fatalf("empty callback: %v", err)
	}
}

func isCallbackError(err error) bool {
	_, ok := err.(*gateway.CallbackError)
	return ok
}

func FuzzVerify3D(f *testing.F) {
	f.Add("%3CVPosTransactionResponseContract%3E%3CResponseCode%3E00%3C%2FResponseCode%3E")
	f.Add("<VPosTransactionResponseContract><ResponseCode>00</ResponseCode></VPosTransactionResponseContract>")
	g, _ := kuveyt.New(gateway.Config{Credentials: kuveytsim.New("").POS().Credentials, Endpoints: gateway.Endpoints{API: "http://127.0.0.1:1/Home"}})
	o := gateway.Order{OrderID: "x", Amount: money.New(1, money.TRY)}
	f.Fuzz(func(t *testing.T, s string) {
		g.Verify3D(ctx, &gateway.ThreeDCallback{Expected: o, Form: url.Values{"AuthenticationResponse": {s}}}) //nolint:errcheck // no panic is the property
	})
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("<VPosTransactionResponseContract><ResponseCode>00</ResponseCode></VPosTransactionResponseContract>"))
	f.Add([]byte(`<s:Envelope xmlns:s="x"><s:Body><SaleReversalResponse><SaleReversalResult><Success>true</Success></SaleReversalResult></SaleReversalResponse></s:Body></s:Envelope>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		boa.ParseResponse(b)             //nolint:errcheck // no panic is the property
		boa.ParseSOAP("SaleReversal", b) //nolint:errcheck // no panic is the property
	})
}
