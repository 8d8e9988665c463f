package dashboard_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kasapos/kasa/client"
	"github.com/kasapos/kasa/internal/dashboard"
	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/kasatest"
	"github.com/kasapos/kasa/internal/store"
)

func TestMain(m *testing.M) {
	// Fast hashes in tests; production parameters are checked below.
	dashboard.ArgonMemory, dashboard.ArgonTime = 64, 1
	os.Exit(m.Run())
}

const pw = "correct horse battery"

// env is a node with one merchant (a POS on the EST simulator and one
// payment), one user per role, and a second merchant with its own payment.
type env struct {
	*kasatest.Env
	merchant, otherPayment, otherPOS string
	pay                              *client.Payment
}

func newEnv(t *testing.T) *env {
	e := &env{Env: kasatest.New(t, "sqlite", "est3", nil)}
	e.K.Dashboard.Now = e.Now
	ctx := context.Background()
	e.pay = e.Pay(e.Sale(10000))
	p, err := e.K.Store.PaymentByID(ctx, e.pay.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.merchant = p.MerchantID
	for _, role := range dashboard.Roles {
		if _, _, err := dashboard.CreateUser(ctx, e.K.Store, e.merchant, role+"@shop.example", role, pw); err != nil {
			t.Fatal(err)
		}
	}
	// Another merchant with a POS and a payment.
	oc := e.NewMerchant("Other Shop")
	sp := e.Sim.POS()
	op, err := oc.CreatePOS(ctx, &client.POSRequest{Protocol: sp.Protocol, Bank: sp.Bank, Name: "other",
		Endpoints: &client.Endpoints{API: sp.Endpoints.API, ThreeDGate: sp.Endpoints.ThreeDGate}, Credentials: sp.Credentials})
	if err != nil {
		t.Fatal(err)
	}
	e.otherPOS = op.ID
	req := e.Sale(5000)
	opay, _, err := oc.CreatePayment(ctx, req, client.NewIdempotencyKey())
	if err != nil {
		t.Fatal(err)
	}
	e.otherPayment = opay.ID
	return e
}

// browser is a cookie-keeping client that does not follow redirects.
type browser struct {
	t    *testing.T
	c    *http.Client
	base string
	csrf string
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.T, base: e.K.URL, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if m := csrfRE.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return res, string(body)
}

func (b *browser) get(path string) (*http.Response, string) {
	req, _ := http.NewRequest("GET", b.base+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values, hdr ...string) (*http.Response, string) {
	if form == nil {
		form = url.Values{}
	}
	if !form.Has("csrf") {
		form.Set("csrf", b.csrf)
	}
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return b.do(req)
}

func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.base + "/dashboard/")
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func (b *browser) login(email, password string) *http.Response {
	b.t.Helper()
	b.get("/dashboard/login")
	res, _ := b.post("/dashboard/login", url.Values{"email": {email}, "password": {password}, "csrf": {b.cookie("kasa_login_csrf")}})
	if res.StatusCode == http.StatusSeeOther {
		b.get("/dashboard/payments") // picks up the session's CSRF token
	}
	return res
}

func (e *env) signedIn(role string) *browser {
	e.T.Helper()
	b := e.browser()
	if res := b.login(role+"@shop.example", pw); res.StatusCode != http.StatusSeeOther {
		e.T.Fatalf("login as %s: %d", role, res.StatusCode)
	}
	return b
}

func want(t *testing.T, res *http.Response, code int, what string) {
	t.Helper()
	if res.StatusCode != code {
		t.Fatalf("%s: status %d, want %d", what, res.StatusCode, code)
	}
}

func TestPCI7_PasswordHashing(t *testing.T) {
	h := dashboard.HashPassword(pw)
	if !strings.HasPrefix(h, "$argon2id$v=19$") || !dashboard.CheckPassword(h, pw) || dashboard.CheckPassword(h, pw+"x") {
		t.Fatalf("argon2id hash %q", h)
	}
	if dashboard.CheckPasswordPolicy("12345678901") == nil || dashboard.CheckPasswordPolicy("123456789012") != nil {
		t.Fatal("the 12-character minimum is not enforced")
	}
	if _, _, err := dashboard.CreateUser(t.Context(), nil, "m", "x@y.example", "root", pw); err == nil {
		t.Fatal("unknown role accepted")
	}
}

func TestPCI7_LockoutAfterTenFailures(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	for i := range dashboard.MaxFailures {
		if res := b.login("viewer@shop.example", "wrong password "+id.Random(4)); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d", i+1, res.StatusCode)
		}
	}
	// Locked: even the right password is refused.
	want(t, b.login("viewer@shop.example", pw), http.StatusUnauthorized, "correct password while locked")
	e.Advance(dashboard.LockoutDuration - time.Minute)
	want(t, b.login("viewer@shop.example", pw), http.StatusUnauthorized, "correct password 29 min later")
	e.Advance(2 * time.Minute)
	want(t, b.login("viewer@shop.example", pw), http.StatusSeeOther, "correct password after 30 min")
	// Audit rows were written for the failures.
	evs, err := e.K.Store.ListAuditEvents(t.Context(), store.AuditFilter{MerchantID: e.merchant, Limit: 100})
	if err != nil || len(evs) < dashboard.MaxFailures+1 {
		t.Fatalf("audit rows: %d, %v", len(evs), err)
	}
}

func TestAPI4_SessionLifecycle(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.get("/dashboard/login")
	// A session id planted before sign-in (fixation) is not kept.
	planted := "planted-session-id"
	u, _ := url.Parse(e.K.URL + "/dashboard/")
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: dashboard.DevSessionCookie, Value: planted, Path: "/dashboard"}})
	want(t, b.login("owner@shop.example", pw), http.StatusSeeOther, "login")
	first := b.cookie(dashboard.DevSessionCookie)
	if first == "" || first == planted || len(first) < 22 {
		t.Fatalf("session cookie %q", first)
	}
	// Signing in again issues a new id and destroys the old session.
	want(t, b.login("owner@shop.example", pw), http.StatusSeeOther, "second login")
	second := b.cookie(dashboard.DevSessionCookie)
	if second == first {
		t.Fatal("session id did not change at login")
	}
	old := e.browser()
	old.c.Jar.SetCookies(u, []*http.Cookie{{Name: dashboard.DevSessionCookie, Value: first, Path: "/dashboard"}})
	want(t, first303(old.get("/dashboard/payments")), http.StatusSeeOther, "old session after re-login")

	// Idle expiry: 14 minutes are fine, then 16 idle minutes end it.
	e.Advance(14 * time.Minute)
	res, _ := b.get("/dashboard/payments")
	want(t, res, http.StatusOK, "after 14 idle minutes")
	e.Advance(16 * time.Minute)
	res, _ = b.get("/dashboard/payments")
	want(t, res, http.StatusSeeOther, "after 16 idle minutes")
	if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/dashboard/login") {
		t.Fatalf("redirect to %q", loc)
	}

	// Absolute expiry: active every 10 minutes, still out after 12 h.
	want(t, b.login("owner@shop.example", pw), http.StatusSeeOther, "login")
	for range 12 * 6 {
		e.Advance(10 * time.Minute)
		if res, _ := b.get("/dashboard/payments"); res.StatusCode != http.StatusOK {
			break
		}
	}
	res, _ = b.get("/dashboard/payments")
	want(t, res, http.StatusSeeOther, "after 12 hours")

	// Logout destroys the session on the server.
	want(t, b.login("owner@shop.example", pw), http.StatusSeeOther, "login")
	sid := b.cookie(dashboard.DevSessionCookie)
	res, _ = b.post("/dashboard/logout", nil)
	want(t, res, http.StatusSeeOther, "logout")
	replay := e.browser()
	replay.c.Jar.SetCookies(u, []*http.Cookie{{Name: dashboard.DevSessionCookie, Value: sid, Path: "/dashboard"}})
	want(t, first303(replay.get("/dashboard/payments")), http.StatusSeeOther, "session after logout")
}

func first303(res *http.Response, _ string) *http.Response { return res }

func TestAPI4_CSRF(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn("finance")
	path := "/dashboard/payments/" + e.pay.ID + "/refund"
	confirm := url.Values{"amount": {"10"}, "confirm": {"yes"}}
	res, _ := b.post(path, url.Values{"csrf": {"forged"}, "amount": {"10"}, "confirm": {"yes"}})
	want(t, res, http.StatusForbidden, "wrong CSRF token")
	res, _ = b.post(path, confirm, "Sec-Fetch-Site", "cross-site")
	want(t, res, http.StatusForbidden, "cross-site POST")
	res, _ = b.post(path, confirm, "Origin", "https://evil.example")
	want(t, res, http.StatusForbidden, "foreign Origin")
	// Another session's token does not work either.
	other := e.signedIn("owner")
	res, _ = b.post(path, url.Values{"csrf": {other.csrf}, "amount": {"10"}, "confirm": {"yes"}})
	want(t, res, http.StatusForbidden, "another session's token")
	// Login form: no pre-session token, refused.
	anon := e.browser()
	res, _ = anon.post("/dashboard/login", url.Values{"email": {"owner@shop.example"}, "password": {pw}})
	want(t, res, http.StatusForbidden, "login without token")
	if p, _ := e.K.Store.PaymentByID(t.Context(), e.pay.ID); p.RefundedAmount != 0 {
		t.Fatal("a refused request refunded")
	}
	res, _ = b.post(path, confirm, "Sec-Fetch-Site", "same-origin")
	want(t, res, http.StatusSeeOther, "same-origin POST with token")
}

func TestAPI5_RefundRolesAndConfirmation(t *testing.T) {
	e := newEnv(t)
	path := "/dashboard/payments/" + e.pay.ID
	viewer := e.signedIn("viewer")
	_, body := viewer.get(path)
	if strings.Contains(body, `/refund"`) {
		t.Fatal("viewer sees the refund button")
	}
	res, _ := viewer.post(path+"/refund", url.Values{"amount": {"50"}, "confirm": {"yes"}})
	want(t, res, http.StatusForbidden, "viewer refund")
	dev := e.signedIn("developer")
	res, _ = dev.post(path+"/refund", url.Values{"amount": {"50"}, "confirm": {"yes"}})
	want(t, res, http.StatusForbidden, "developer refund")

	fin := e.signedIn("finance")
	res, body = fin.post(path+"/refund", url.Values{"amount": {"50,00"}})
	want(t, res, http.StatusOK, "refund step 1")
	if !strings.Contains(body, `id="confirm"`) || !strings.Contains(body, "50,00 ₺") {
		t.Fatalf("no confirmation step:\n%s", body)
	}
	if p, _ := e.K.Store.PaymentByID(t.Context(), e.pay.ID); p.RefundedAmount != 0 {
		t.Fatal("refunded before confirmation")
	}
	res, _ = fin.post(path+"/refund", url.Values{"amount": {"50,00"}, "confirm": {"yes"}})
	want(t, res, http.StatusSeeOther, "refund confirmed")
	p, _ := e.K.Store.PaymentByID(t.Context(), e.pay.ID)
	if p.RefundedAmount != 5000 || p.Status != store.StatusPartiallyRefunded {
		t.Fatalf("after refund: %d %s", p.RefundedAmount, p.Status)
	}
	_, body = fin.get(path + "?flash=refund")
	if !strings.Contains(body, "refund") || !strings.Contains(body, `id="timeline"`) {
		t.Fatal("timeline missing")
	}
}

func TestAPI5_TenantIsolation(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn("owner")
	for _, path := range []string{"/dashboard/payments/" + e.otherPayment, "/dashboard/pos/" + e.otherPOS} {
		res, _ := b.get(path)
		want(t, res, http.StatusNotFound, path)
	}
	res, _ := b.post("/dashboard/payments/"+e.otherPayment+"/refund", url.Values{"confirm": {"yes"}})
	want(t, res, http.StatusNotFound, "refund of another merchant's payment")
	res, _ = b.post("/dashboard/pos/"+e.otherPOS+"/test", nil)
	want(t, res, http.StatusNotFound, "test of another merchant's POS")
	_, body := b.get("/dashboard/payments")
	if strings.Contains(body, e.otherPayment) || !strings.Contains(body, e.pay.ID) {
		t.Fatal("list not scoped by merchant")
	}
	res, body = b.get("/dashboard/payments/export.csv")
	want(t, res, http.StatusOK, "export")
	if strings.Contains(body, e.otherPayment) || !strings.Contains(body, e.pay.ID) {
		t.Fatal("export not scoped by merchant")
	}
	// Live mode shows none of the test data.
	b.post("/dashboard/mode", url.Values{"mode": {"live"}})
	res, _ = b.get("/dashboard/payments/" + e.pay.ID)
	want(t, res, http.StatusNotFound, "test payment in live mode")
}

// TestAPI5_PermissionMatrix walks the route table: every route declares a
// permission, and each (route × role) gets 403 exactly when the role lacks it.
func TestAPI5_PermissionMatrix(t *testing.T) {
	e := newEnv(t)
	ids := map[string]string{"{id}": e.pay.ID, "{op}": "refund", "{protocol}": "est3", "{token}": "x"}
	browsers := map[string]*browser{}
	for _, role := range dashboard.Roles {
		browsers[role] = e.signedIn(role)
	}
	for _, rt := range e.K.Dashboard.Routes() {
		if rt.Perm == "" {
			t.Fatalf("%s %s has no permission", rt.Method, rt.Path)
		}
		path := rt.Path
		for k, v := range ids {
			path = strings.ReplaceAll(path, k, v)
		}
		if strings.HasPrefix(rt.Path, "/dashboard/pos/{id}") {
			path = strings.Replace(path, e.pay.ID, e.POS.ID, 1)
		}
		if rt.Path == "/dashboard/logout" || rt.Perm == dashboard.PermPublic {
			continue
		}
		for _, role := range dashboard.Roles {
			b := browsers[role]
			var res *http.Response
			if rt.Method == "GET" {
				res, _ = b.get(path)
			} else {
				// No confirm: state-changing routes stop at their form or confirmation.
				res, _ = b.post(path, url.Values{"url": {"ftp://x"}, "amount": {"abc"}})
			}
			allowed := dashboard.Allowed(role, rt.Perm)
			if got := res.StatusCode == http.StatusForbidden; got == allowed {
				t.Errorf("%s %s as %s: status %d (allowed %v)", rt.Method, path, role, res.StatusCode, allowed)
			}
		}
	}
}

func TestPagesRenderWithSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn("owner")
	for _, path := range []string{"/dashboard/login", "/dashboard/payments", "/dashboard/payments?status=succeeded&last4=4358&from=2020-01-01",
		"/dashboard/payments/" + e.pay.ID, "/dashboard/analytics", "/dashboard/analytics?lang=en", "/dashboard/pos", "/dashboard/pos/" + e.POS.ID,
		"/dashboard/pos-new/garanti", "/dashboard/links", "/dashboard/developers", "/dashboard/users", "/dashboard/nope"} {
		res, body := b.get(path)
		if res.StatusCode != http.StatusOK && !(path == "/dashboard/login" && res.StatusCode == http.StatusSeeOther) && path != "/dashboard/nope" {
			t.Errorf("%s: %d\n%s", path, res.StatusCode, body)
		}
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if h.Get("Cache-Control") != "no-store" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: headers %v", path, h)
		}
		if strings.Contains(body, "<script") || strings.Contains(body, "style=") {
			t.Errorf("%s: inline script or style", path)
		}
	}
	// Amounts per locale.
	_, body := b.get("/dashboard/payments?lang=tr")
	if !strings.Contains(body, "100,00 ₺") {
		t.Error("Turkish amount format missing")
	}
	_, body = b.get("/dashboard/payments?lang=en")
	if !strings.Contains(body, "₺100.00") {
		t.Error("English amount format missing")
	}
	// The POS page shows secrets only as set, never their values.
	_, body = b.get("/dashboard/pos/" + e.POS.ID)
	for k, v := range e.Sim.POS().Credentials {
		if strings.Contains(strings.ToLower(k), "key") || strings.Contains(strings.ToLower(k), "pass") {
			if len(v) > 3 && strings.Contains(body, v) {
				t.Errorf("secret %s shown on the POS page", k)
			}
		}
	}
}

func TestPOSTestConnectionAndEdit(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn("owner")
	res, body := b.post("/dashboard/pos/"+e.POS.ID+"/test", nil)
	want(t, res, http.StatusOK, "test connection")
	if !strings.Contains(body, `id="test-result"`) || !strings.Contains(body, "approved / not_found") {
		t.Fatalf("test result:\n%s", body)
	}
	// Edit: a blank secret keeps the stored one; the POS still works.
	form := url.Values{"name": {"Renamed"}, "bank": {e.Sim.POS().Bank}, "batch_cutoff": {"22:00"}, "enabled": {"on"},
		"api_url": {e.Sim.POS().Endpoints.API}, "three_d_url": {e.Sim.POS().Endpoints.ThreeDGate}}
	for _, k := range []string{"client_id", "api_user"} { // the non-secret fields the form shows filled in
		form.Set("cred_"+k, e.Sim.POS().Credentials[k])
	}
	res, _ = b.post("/dashboard/pos/"+e.POS.ID, form)
	if res.StatusCode != http.StatusSeeOther {
		_, body = b.post("/dashboard/pos/"+e.POS.ID, url.Values{"name": {"Renamed"}})
		t.Fatalf("update: %d\n%s", res.StatusCode, body)
	}
	_, body = b.post("/dashboard/pos/"+e.POS.ID+"/test", nil)
	if !strings.Contains(body, "approved / not_found") {
		t.Fatal("test after edit failed")
	}
}

func TestSetupAndInvite(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	// A merchant without users gets a first-owner link.
	e.NewMerchant("Fresh Shop")
	links, err := dashboard.SetupLinks(ctx, e.K.Store, e.K.URL)
	if err != nil || len(links) != 2 { // "Other Shop" and "Fresh Shop"
		t.Fatalf("setup links: %v %v", links, err)
	}
	path := strings.TrimPrefix(links[0].URL, e.K.URL)
	b := e.browser()
	res, _ := b.get(path)
	want(t, res, http.StatusOK, "setup page")
	res, body := b.post(path, url.Values{"email": {"first@fresh.example"}, "password": {"12345678901"}, "password2": {"12345678901"}})
	want(t, res, http.StatusUnprocessableEntity, "11-character password")
	if !strings.Contains(body, "12") {
		t.Fatal("no password length message")
	}
	res, _ = b.post(path, url.Values{"email": {"first@fresh.example"}, "password": {pw}, "password2": {pw}})
	want(t, res, http.StatusSeeOther, "setup")
	res, _ = b.get("/dashboard/payments")
	want(t, res, http.StatusOK, "signed in after setup")
	// One time only.
	res, _ = e.browser().get(path)
	want(t, res, http.StatusNotFound, "used setup link")

	// An owner invites a viewer.
	owner := e.signedIn("owner")
	_, body = owner.post("/dashboard/users/invite", url.Values{"email": {"new@shop.example"}, "role": {"viewer"}})
	m := regexp.MustCompile(`id="invite-url">[^<]*(/dashboard/setup/[A-Za-z0-9_-]+)<`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no invite link:\n%s", body)
	}
	nb := e.browser()
	nb.get(m[1])
	res, _ = nb.post(m[1], url.Values{"password": {pw}, "password2": {pw}})
	want(t, res, http.StatusSeeOther, "accept invitation")
	u, err := e.K.Store.DashboardUserByEmail(ctx, "new@shop.example")
	if err != nil || u.Role != store.RoleViewer || u.MerchantID != e.merchant {
		t.Fatalf("invited user %+v %v", u, err)
	}
	// The invitation expires.
	_, body = owner.post("/dashboard/users/invite", url.Values{"email": {"late@shop.example"}, "role": {"finance"}})
	m = regexp.MustCompile(`(/dashboard/setup/[A-Za-z0-9_-]+)<`).FindStringSubmatch(body)
	e.Advance(dashboard.InviteTTL + time.Minute)
	res, _ = e.browser().get(m[1])
	want(t, res, http.StatusNotFound, "expired invitation")
}

func TestAnalyticsLinksDevelopers(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn("owner")
	_, body := b.get("/dashboard/analytics")
	if !strings.Contains(body, "<svg") || !strings.Contains(body, "100,00 ₺") {
		t.Fatalf("analytics:\n%s", body)
	}
	// Fees by POS: the test POS charges 1.75 % for a single payment.
	if i := strings.Index(body, `id="fees"`); i < 0 || !strings.Contains(body[i:], "1,75 ₺") {
		t.Fatalf("fees by POS missing or wrong:\n%s", body[max(i, 0):])
	}
	res, _ := b.post("/dashboard/links", url.Values{"amount": {"99,90"}, "currency": {"TRY"}, "description": {"Yoga"}})
	want(t, res, http.StatusSeeOther, "create link")
	_, body = b.get("/dashboard/links")
	if !strings.Contains(body, "99,90 ₺") {
		t.Fatal("link not listed")
	}
	_, body = b.post("/dashboard/developers/keys", nil)
	if !regexp.MustCompile(`id="new-key">sk_test_[A-Za-z0-9]+<`).MatchString(body) {
		t.Fatal("new key not shown")
	}
}

func TestParseAmount(t *testing.T) {
	for in, want := range map[string]int64{"62,75": 6275, "62.75": 6275, "1.234,56": 123456, "1,234.56": 123456, "50": 5000, "1.000": 100000, "0,5": 50} {
		if got, err := dashboard.ParseAmount(in, "TRY"); err != nil || got != want {
			t.Errorf("%q: %d %v, want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "abc", "-5", "0"} {
		if _, err := dashboard.ParseAmount(in, "TRY"); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}
