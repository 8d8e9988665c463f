package web_test

import (
	"context"
	"crypto/sha512"
	"encoding/base64"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasapos/kasa/client"
	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/kasatest"
)

// These tests drive the hosted checkout over real HTTP against a node with
// the EST simulator, as a browser without JavaScript would. The browser
// tests under e2e/ cover the same pages in Chromium.

var ctx = context.Background()

const (
	goodPAN = "4355084355084358"
	goodCVV = "739"
)

// noRedirect is a browser that shows us each redirect instead of following it.
var noRedirect = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       30 * time.Second,
}

type page struct {
	status int
	header http.Header
	body   string
	loc    string
}

func get(t *testing.T, u string) page {
	t.Helper()
	resp, err := noRedirect.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return read(t, resp)
}

func read(t *testing.T, resp *http.Response) page {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return page{resp.StatusCode, resp.Header, string(b), resp.Header.Get("Location")}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// card is a filled-in card form for the page at pageURL, with its CSRF token.
func card(t *testing.T, pageURL, pan string) url.Values {
	t.Helper()
	p := get(t, pageURL)
	m := csrfRE.FindStringSubmatch(p.body)
	if p.status != 200 || m == nil {
		t.Fatalf("GET %s: %d, no form: %.400s", pageURL, p.status, p.body)
	}
	return url.Values{"csrf": {m[1]}, "lang": {"en"}, "number": {pan}, "exp": {"12/30"}, "cvc": {goodCVV},
		"holder": {"Ayşe Yılmaz"}, "installments": {"1"}}
}

// submit posts the form as a same-origin browser would.
func submit(t *testing.T, pageURL string, form url.Values, hdr ...string) page {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, pageURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return read(t, resp)
}

func newEnv(t *testing.T, threeD string) *kasatest.Env {
	return kasatest.New(t, "sqlite", "est3", func(r *client.POSRequest) { r.ThreeDModel = threeD })
}

func session(t *testing.T, e *kasatest.Env, mutate func(*client.CheckoutSessionRequest)) *client.CheckoutSession {
	t.Helper()
	req := &client.CheckoutSessionRequest{Amount: 12550, Currency: "TRY", OrderID: "SO-1", Description: "2 books",
		ReturnURL: kasatest.ReturnURL, Installments: []int{3, 6}}
	if mutate != nil {
		mutate(req)
	}
	cs, err := e.C.CreateCheckoutSession(ctx, req, "")
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func payments(t *testing.T, e *kasatest.Env) []*client.Payment {
	t.Helper()
	l, err := e.C.ListPayments(ctx, client.ListParams{})
	if err != nil {
		t.Fatal(err)
	}
	return l.Data
}

// wantContains checks the page's text (character references decoded).
func wantContains(t *testing.T, body string, subs ...string) {
	t.Helper()
	body = html.UnescapeString(body)
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Fatalf("page lacks %q:\n%.3000s", s, body)
		}
	}
}

var (
	scriptRE = regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script>`)
	linkRE   = regexp.MustCompile(`(?is)<link\b[^>]*\brel="stylesheet"[^>]*>`)
	attrRE   = regexp.MustCompile(`\b(src|href|integrity)="([^"]*)"`)
)

func attrsOf(tag string) map[string]string {
	m := map[string]string{}
	for _, a := range attrRE.FindAllStringSubmatch(tag, -1) {
		m[a[1]] = html.UnescapeString(a[2])
	}
	return m
}

// PCI-6: the page loads exactly the inventoried script and stylesheet, each
// with a matching SRI hash, has no inline script or style, and carries the
// security headers.
func TestPCI6_PageMatchesInventory(t *testing.T) {
	e := newEnv(t, "")
	cs := session(t, e, nil)
	p := get(t, cs.URL)
	if p.status != 200 {
		t.Fatalf("GET %s: %d", cs.URL, p.status)
	}
	csp := p.header.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'",
		"base-uri 'none'", "form-action 'self' http://127.0.0.1:1", "require-trusted-types-for 'script'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("CSP %q lacks %q", csp, d)
		}
	}
	if strings.Contains(csp, "unsafe") || strings.Contains(csp, "nonce-") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	for h, want := range map[string]string{"Cache-Control": "no-store", "X-Frame-Options": "DENY",
		"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"} {
		if got := p.header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if strings.Contains(p.body, "<style") || strings.Contains(p.body, " style=") || regexp.MustCompile(`\son[a-z]+=`).MatchString(p.body) {
		t.Error("page has inline style or an event handler attribute")
	}

	inventory := map[string]string{}
	b, err := os.ReadFile("assets/INVENTORY")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if name, sri, ok := strings.Cut(l, " "); ok && !strings.HasPrefix(l, "#") {
			inventory[name] = sri
		}
	}
	var loaded []map[string]string
	for _, m := range scriptRE.FindAllStringSubmatch(p.body, -1) {
		if strings.TrimSpace(m[2]) != "" {
			t.Fatalf("inline script: %s", m[0])
		}
		a := attrsOf(m[1])
		a["url"] = a["src"]
		loaded = append(loaded, a)
	}
	for _, tag := range linkRE.FindAllString(p.body, -1) {
		a := attrsOf(tag)
		a["url"] = a["href"]
		loaded = append(loaded, a)
	}
	if len(loaded) != len(inventory) {
		t.Fatalf("page loads %d assets, inventory lists %d", len(loaded), len(inventory))
	}
	for _, a := range loaded {
		u, err := url.Parse(a["url"])
		if err != nil || u.Host != "" || !strings.HasPrefix(u.Path, "/assets/") {
			t.Fatalf("asset %q is not on Kasa's origin", a["url"])
		}
		name := strings.TrimPrefix(u.Path, "/assets/")
		if inventory[name] == "" || a["integrity"] != inventory[name] {
			t.Fatalf("asset %s: integrity %q, inventory %q", name, a["integrity"], inventory[name])
		}
		body := get(t, e.K.URL+a["url"])
		sum := sha512.Sum384([]byte(body.body))
		if got := "sha384-" + base64.StdEncoding.EncodeToString(sum[:]); got != a["integrity"] || body.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("served %s hashes to %s, page says %s", name, got, a["integrity"])
		}
	}
	// Installment plans: monthly amount and total, split like the bank (no interest).
	wantContains(t, p.body, "Tek çekim", "3 taksit", "2 × 41,83 ₺ + 41,84 ₺", "5 × 20,91 ₺ + 20,95 ₺", "toplam 125,50 ₺", "125,50 ₺ öde")
	en := get(t, cs.URL+"?lang=en")
	wantContains(t, en.body, "Single payment", "₺125.50", "Pay ₺125.50")
}

// API-4: a cross-site post, or one without the session's token, is refused
// and charges nothing.
func TestCheckoutCSRF(t *testing.T) {
	e := newEnv(t, "")
	cs := session(t, e, nil)
	other := session(t, e, nil)
	form := card(t, cs.URL, goodPAN)

	noToken := url.Values{}
	for k, v := range form {
		noToken[k] = v
	}
	noToken.Del("csrf")
	foreign := card(t, other.URL, goodPAN) // a valid token, but for another session
	for name, c := range map[string]struct {
		form url.Values
		hdr  []string
	}{
		"no token":       {noToken, nil},
		"other session":  {foreign, nil},
		"cross-site":     {form, []string{"Sec-Fetch-Site", "cross-site"}},
		"foreign Origin": {form, []string{"Sec-Fetch-Site", "", "Origin", "https://evil.example"}},
	} {
		p := submit(t, cs.URL, c.form, c.hdr...)
		if p.status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, p.status)
		}
	}
	if n := len(payments(t, e)); n != 0 {
		t.Fatalf("%d payments after refused posts", n)
	}
	if p := submit(t, cs.URL, form); p.status != http.StatusSeeOther {
		t.Fatalf("same-origin post with token: %d %.300s", p.status, p.body)
	}
}

// A decline re-renders the form with the bank's reason, never the card; a
// corrected retry succeeds and returns the customer to the merchant; the
// session then has exactly one approved payment.
func TestCheckoutDeclineThenSuccess(t *testing.T) {
	e := newEnv(t, "")
	cs := session(t, e, nil)
	var declining string
	for _, d := range banksim.Declines {
		if d.Code == "51" {
			declining = d.ExamplePAN
		}
	}

	bad := card(t, cs.URL, "4355084355084359") // fails Luhn: refused before the bank
	p := submit(t, cs.URL, bad)
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("Luhn failure: %d", p.status)
	}
	wantContains(t, p.body, "The card number is not valid", `value="Ayşe Yılmaz"`, `value="12/30"`)

	p = submit(t, cs.URL, card(t, cs.URL, declining))
	if p.status != 200 {
		t.Fatalf("decline: %d %.300s", p.status, p.body)
	}
	wantContains(t, p.body, "Payment declined", "balance or limit is not enough", "bank code 51")
	for _, leak := range []string{"4355084355084359", declining, "4355 0843", goodCVV} {
		if strings.Contains(p.body, leak) {
			t.Fatalf("re-rendered page contains card data %q", leak)
		}
	}
	got, err := e.C.GetCheckoutSession(ctx, cs.ID)
	if err != nil || got.Status != client.CheckoutOpen || got.PaymentID == "" {
		t.Fatalf("after decline: %+v %v", got, err)
	}
	declined := got.PaymentID

	form := card(t, cs.URL, goodPAN)
	form.Set("installments", "6")
	p = submit(t, cs.URL, form)
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.loc, kasatest.ReturnURL+"?") {
		t.Fatalf("approved: %d → %q", p.status, p.loc)
	}
	q, _ := url.Parse(p.loc)
	if q.Query().Get("status") != "succeeded" || q.Query().Get("checkout_session_id") != cs.ID {
		t.Fatalf("return query: %s", p.loc)
	}
	pay, err := e.C.GetPayment(ctx, q.Query().Get("payment_id"))
	if err != nil || pay.Status != client.StatusSucceeded || pay.Installments != 6 || pay.CheckoutSessionID != cs.ID || pay.ID == declined {
		t.Fatalf("payment: %+v %v", pay, err)
	}
	if got, _ := e.C.GetCheckoutSession(ctx, cs.ID); got.Status != client.CheckoutComplete || got.PaymentID != pay.ID {
		t.Fatalf("session after payment: %+v", got)
	}
	// Once paid, the page sends the customer back; another submission charges nothing.
	if p := get(t, cs.URL); p.status != http.StatusSeeOther || !strings.HasPrefix(p.loc, kasatest.ReturnURL) {
		t.Fatalf("GET paid session: %d %q", p.status, p.loc)
	}
	if p := submit(t, cs.URL, form); p.status != http.StatusSeeOther {
		t.Fatalf("POST paid session: %d", p.status)
	}
	if n := len(payments(t, e)); n != 2 {
		t.Fatalf("%d payments, want the decline and the success", n)
	}
	e.ScanForCardData(goodPAN, goodCVV)
}

// A double click (concurrent identical submissions) makes one payment.
func TestCheckoutDoubleSubmitChargesOnce(t *testing.T) {
	for _, model := range []string{"", "3d_pay"} {
		t.Run("three_d="+model, func(t *testing.T) {
			e := newEnv(t, model)
			cs := session(t, e, nil)
			form := card(t, cs.URL, goodPAN)
			var wg sync.WaitGroup
			locs := make([]string, 4)
			for i := range locs {
				wg.Go(func() {
					p := submit(t, cs.URL, form)
					if p.status != http.StatusSeeOther {
						t.Errorf("submission %d: %d %.200s", i, p.status, p.body)
					}
					locs[i] = p.loc
				})
			}
			wg.Wait()
			if t.Failed() {
				t.Log(e.Logs.String())
			}
			ps := payments(t, e)
			if len(ps) != 1 {
				t.Fatalf("%d payments, want 1", len(ps))
			}
			for _, l := range locs {
				if l != locs[0] || !strings.Contains(l, ps[0].ID) {
					t.Fatalf("submissions went to %v", locs)
				}
			}
		})
	}
}

// 3D Secure: the page hands off to the bank, the bank returns to the page,
// the page returns to the merchant. A failed authentication lets the
// customer try again on the same session.
func TestCheckout3DSecure(t *testing.T) {
	e := newEnv(t, "3d_pay")
	cs := session(t, e, nil)

	p := submit(t, cs.URL, card(t, cs.URL, goodPAN))
	if p.status != http.StatusSeeOther || !strings.Contains(p.loc, "/3ds/") {
		t.Fatalf("hand-off: %d %q", p.status, p.loc)
	}
	// Cancel on the ACS page. Drive3D then meets the checkout form again and
	// stops there (with an error, since it cannot fill a card in).
	kasatest.Drive3D(p.loc, kasatest.ACS{Cancel: true})
	got, _ := e.C.GetCheckoutSession(ctx, cs.ID)
	first, _ := e.C.GetPayment(ctx, got.PaymentID)
	if got.Status != client.CheckoutOpen || first.Status != client.StatusDeclined || first.Bank.DeclineReason != "authentication_failed" {
		t.Fatalf("after cancel: session %+v payment %+v", got, first)
	}
	wantContains(t, get(t, cs.URL+"?lang=en").body, "3-D Secure verification was not completed", `name="number"`)

	// A customer who chose English keeps it after the bank's pages, whose
	// way back carries no ?lang=: the choice is a cookie of the checkout path.
	en := get(t, cs.URL+"?lang=en")
	var c *http.Cookie
	for _, k := range (&http.Response{Header: en.header}).Cookies() {
		if k.Name == "kasa_checkout_lang" {
			c = k
		}
	}
	if c == nil || c.Value != "en" || c.Path != "/checkout/" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
		t.Fatalf("language cookie: %+v", c)
	}
	req, _ := http.NewRequest(http.MethodGet, cs.URL, nil)
	req.Header.Set("Accept-Language", "tr-TR")
	req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	wantContains(t, read(t, resp).body, "3-D Secure verification was not completed")

	p = submit(t, cs.URL, card(t, cs.URL, goodPAN))
	if p.status != http.StatusSeeOther || !strings.Contains(p.loc, "/3ds/") || strings.Contains(p.loc, first.ID) {
		t.Fatalf("second attempt: %d %q", p.status, p.loc)
	}
	final, _, _, err := kasatest.Drive3D(p.loc, kasatest.ACS{Code: kasatest.ACSCode})
	if err != nil {
		t.Fatal(err)
	}
	q, _ := url.Parse(final)
	if q.Query().Get("status") != "succeeded" || q.Query().Get("checkout_session_id") != cs.ID {
		t.Fatalf("returned to %s", final)
	}
	if got, _ := e.C.GetCheckoutSession(ctx, cs.ID); got.Status != client.CheckoutComplete || got.PaymentID != q.Query().Get("payment_id") {
		t.Fatalf("session: %+v", got)
	}
	e.ScanForCardData(goodPAN, goodCVV)
}

func TestCheckoutExpired(t *testing.T) {
	e := newEnv(t, "")
	cs := session(t, e, nil)
	form := card(t, cs.URL, goodPAN)
	e.Advance(61 * time.Minute)
	if p := get(t, cs.URL+"?lang=en"); p.status != http.StatusGone || !strings.Contains(p.body, "This payment page has expired") {
		t.Fatalf("GET expired: %d %.300s", p.status, p.body)
	}
	if p := submit(t, cs.URL, form); p.status != http.StatusGone {
		t.Fatalf("POST expired: %d", p.status)
	}
	if got, _ := e.C.GetCheckoutSession(ctx, cs.ID); got.Status != client.CheckoutExpired {
		t.Fatalf("API status %q", got.Status)
	}
	if n := len(payments(t, e)); n != 0 {
		t.Fatalf("%d payments on an expired session", n)
	}
	if p := get(t, e.K.URL+"/checkout/cs_nosuchsession"); p.status != http.StatusNotFound {
		t.Fatalf("unknown session: %d", p.status)
	}
}

// A single-use link: visits share one session, the payment lands on Kasa's
// receipt (no return_url), and the link then says it was paid.
func TestPaymentLinkSingleUse(t *testing.T) {
	e := newEnv(t, "")
	l, err := e.C.CreatePaymentLink(ctx, &client.PaymentLinkRequest{Amount: 9900, Currency: "TRY",
		Description: "Yoga class", SingleUse: true}, "")
	if err != nil {
		t.Fatal(err)
	}
	first, second := get(t, l.URL), get(t, l.URL)
	if first.status != http.StatusSeeOther || first.loc != second.loc || !strings.HasPrefix(first.loc, "/checkout/cs_") {
		t.Fatalf("link visits: %d %q, %q", first.status, first.loc, second.loc)
	}
	pageURL := e.K.URL + first.loc
	wantContains(t, get(t, pageURL).body, "Yoga class", "Test Shop", "99,00 ₺")
	p := submit(t, pageURL, card(t, pageURL, goodPAN))
	if p.status != http.StatusSeeOther || p.loc != pageURL {
		t.Fatalf("paid link: %d %q (want the receipt at %s)", p.status, p.loc, pageURL)
	}
	receipt := get(t, pageURL+"?lang=en")
	wantContains(t, receipt.body, "Payment received", "VISA •••• 4358", "₺99.00")
	if strings.Contains(receipt.body, goodPAN) {
		t.Fatal("receipt shows the PAN")
	}
	if p := get(t, l.URL+"?lang=en"); p.status != http.StatusGone || !strings.Contains(p.body, "already been paid") {
		t.Fatalf("paid link visit: %d %.300s", p.status, p.body)
	}
	got, _ := e.C.GetPaymentLink(ctx, l.ID)
	list, err := e.C.ListPaymentLinkPayments(ctx, l.ID, client.ListParams{})
	if err != nil || got.Active || len(list.Data) != 1 || list.Data[0].Status != client.StatusSucceeded || list.Data[0].Amount != 9900 {
		t.Fatalf("link after payment: %+v, payments %+v %v", got, list, err)
	}
}

func TestPaymentLinkDisabled(t *testing.T) {
	e := newEnv(t, "")
	l, err := e.C.CreatePaymentLink(ctx, &client.PaymentLinkRequest{Amount: 5000, Currency: "TRY", Description: "Gift card",
		ReturnURL: kasatest.ReturnURL, Installments: []int{2}}, "")
	if err != nil {
		t.Fatal(err)
	}
	open := get(t, l.URL) // a session opened before the link is disabled
	d, err := e.C.DisablePaymentLink(ctx, l.ID)
	if err != nil || d.Active {
		t.Fatalf("disable: %+v %v", d, err)
	}
	if d, err := e.C.DisablePaymentLink(ctx, l.ID); err != nil || d.Active {
		t.Fatalf("disable again: %+v %v", d, err)
	}
	for _, u := range []string{l.URL, e.K.URL + open.loc} {
		if p := get(t, u+"?lang=en"); p.status != http.StatusGone || !strings.Contains(p.body, "no longer active") {
			t.Fatalf("GET %s: %d %.300s", u, p.status, p.body)
		}
	}
	if p := get(t, e.K.URL+"/l/plink_nosuchlink"); p.status != http.StatusNotFound {
		t.Fatalf("unknown link: %d", p.status)
	}
}

func TestCheckoutSessionAndLinkAPI(t *testing.T) {
	e := newEnv(t, "")
	cs := session(t, e, nil)
	if cs.Status != client.CheckoutOpen || cs.PaymentID != "" || cs.URL != e.K.URL+"/checkout/"+cs.ID ||
		cs.ExpiresAt.Sub(cs.CreatedAt) != time.Hour || len(cs.Installments) != 2 || !cs.Capture {
		t.Fatalf("session: %+v", cs)
	}
	for name, c := range map[string]struct {
		mutate func(*client.CheckoutSessionRequest)
		status int
		code   string
	}{
		"foreign return":   {func(r *client.CheckoutSessionRequest) { r.ReturnURL = "https://evil.example/x" }, 400, "return_url_not_allowed"},
		"no return":        {func(r *client.CheckoutSessionRequest) { r.ReturnURL = "" }, 400, "parameter_missing"},
		"installments USD": {func(r *client.CheckoutSessionRequest) { r.Currency = "USD" }, 400, "installments_not_allowed"},
		"installments 40":  {func(r *client.CheckoutSessionRequest) { r.Installments = []int{40} }, 400, "installments_invalid"},
		"3d_host":          {func(r *client.CheckoutSessionRequest) { r.ThreeD = "3d_host" }, 400, "parameter_invalid"},
		"unknown POS":      {func(r *client.CheckoutSessionRequest) { r.POSID = "pos_missing" }, 404, "resource_not_found"},
		"zero amount":      {func(r *client.CheckoutSessionRequest) { r.Amount = 0 }, 400, "amount_invalid"},
	} {
		req := &client.CheckoutSessionRequest{Amount: 100, Currency: "TRY", ReturnURL: kasatest.ReturnURL, Installments: []int{2}}
		c.mutate(req)
		_, err := e.C.CreateCheckoutSession(ctx, req, "")
		if ce, ok := err.(*client.Error); !ok || ce.Status != c.status || ce.Code != c.code {
			t.Errorf("%s: %v, want %d %s", name, err, c.status, c.code)
		}
	}
	// Tenants never see each other's sessions or links.
	other := e.NewMerchant("Other Shop")
	if _, err := other.GetCheckoutSession(ctx, cs.ID); err == nil {
		t.Fatal("another merchant read the session")
	}

	past := time.Now().Add(-time.Minute)
	if _, err := e.C.CreatePaymentLink(ctx, &client.PaymentLinkRequest{Amount: 100, Currency: "TRY", Description: "x", ExpiresAt: &past}, ""); err == nil {
		t.Fatal("a link expiring in the past was accepted")
	}
	if _, err := e.C.CreatePaymentLink(ctx, &client.PaymentLinkRequest{Amount: 100, Currency: "TRY"}, ""); err == nil {
		t.Fatal("a link without description was accepted")
	}
	var ids []string
	for i := range 3 {
		l, err := e.C.CreatePaymentLink(ctx, &client.PaymentLinkRequest{Amount: int64(100 + i), Currency: "TRY", Description: "item"}, "")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, l.ID)
	}
	page1, err := e.C.ListPaymentLinks(ctx, 2, "")
	if err != nil || len(page1.Data) != 2 || !page1.HasMore {
		t.Fatalf("page 1: %+v %v", page1, err)
	}
	page2, err := e.C.ListPaymentLinks(ctx, 2, page1.NextCursor)
	if err != nil || len(page2.Data) != 1 || page2.HasMore {
		t.Fatalf("page 2: %+v %v", page2, err)
	}
	seen := map[string]bool{page1.Data[0].ID: true, page1.Data[1].ID: true, page2.Data[0].ID: true}
	for _, id := range ids {
		if !seen[id] {
			t.Fatalf("link %s not listed", id)
		}
	}
	if _, err := other.GetPaymentLink(ctx, ids[0]); err == nil {
		t.Fatal("another merchant read the link")
	}
	if l, _ := other.ListPaymentLinks(ctx, 0, ""); len(l.Data) != 0 {
		t.Fatal("another merchant lists the links")
	}
}

// Issue #6: the page's installment table follows the typed card: the options
// the router gives that BIN, with the customer-paid commission in the total,
// and paying one charges exactly the total shown.
func TestCheckoutInstallmentsFollowTheCard(t *testing.T) {
	e := newEnv(t, "")
	if _, err := e.C.UpdatePOS(ctx, e.POS.ID, &client.POSRequest{Routing: &client.Routing{Weight: 1,
		InstallmentPlans: []client.Plan{{Name: "vade farkı", CountsBPS: map[string]int64{"2": 200, "3": 300, "6": 600}, CustomerPays: true, Programs: []string{"*"}}}}}); err != nil {
		t.Fatal(err)
	}
	cs := session(t, e, func(r *client.CheckoutSessionRequest) { r.Amount = 10000; r.Installments = []int{3, 6} })
	p := get(t, cs.URL+"/options?lang=en&bin=43550843")
	if p.status != 200 || p.header.Get("Content-Type") != "application/json" {
		t.Fatalf("options: %d %s", p.status, p.body)
	}
	// 3 instalments: 10000 + 3 % = 10300, the last absorbing the remainder.
	wantContains(t, p.body, `"n":1`, `"n":3`, `"n":6`, `₺103.00`, `₺106.00`, `2 × ₺34.33 + ₺34.34`)
	if strings.Contains(p.body, `"n":2`) {
		t.Fatal("a count the session does not allow was offered")
	}
	f := card(t, cs.URL, goodPAN)
	f.Set("installments", "3")
	if r := submit(t, cs.URL, f); r.status != http.StatusSeeOther {
		t.Fatalf("pay: %d %.300s", r.status, r.body)
	}
	ps := payments(t, e)
	if len(ps) != 1 || ps[0].Amount != 10300 || e.Order(ps[0].BankOrderID).Captured != 10300 || e.Order(ps[0].BankOrderID).Installments != 3 {
		t.Fatalf("charged %+v", ps)
	}
	// An unknown card gets a single payment only.
	if p := get(t, cs.URL+"/options?bin=11112222"); strings.Contains(p.body, `"n":3`) {
		t.Fatalf("an unknown card was offered installments: %s", p.body)
	}
}
