// Package dashboard is the merchant dashboard under /dashboard/ (issue #7):
// server-rendered pages, one embedded stylesheet with an SRI hash, no
// script at all, a strict Content-Security-Policy, server-side sessions,
// CSRF tokens on every form plus http.CrossOriginProtection, and roles
// checked on every route. Every query is scoped by the signed-in user's
// merchant and the session's test/live mode; anything else is a 404.
package dashboard

import (
	"context"
	"crypto/sha512"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/checkout"
	"github.com/kasapos/kasa/internal/payment"
	"github.com/kasapos/kasa/internal/store"
	"github.com/kasapos/kasa/internal/web"
	"github.com/kasapos/kasa/internal/webhook"
)

// Prefix is the URL path the root mux sends here.
const Prefix = "/dashboard/"

// Permissions. Every route declares one; TestRBAC_PermissionMatrix walks
// the route table, so a route without one cannot be added unnoticed.
type Perm string

const (
	PermPublic     Perm = "public"     // sign-in, setup and invitation pages
	PermRead       Perm = "read"       // every role
	PermOperate    Perm = "operate"    // capture, cancel, refund
	PermExport     Perm = "export"     // CSV export
	PermLinks      Perm = "links"      // create and disable payment links
	PermPOS        Perm = "pos"        // bank POS and their credentials
	PermDevelopers Perm = "developers" // API keys, webhooks
	PermUsers      Perm = "users"      // invite users
)

// RolePerms is the role model: owner everything, finance money and
// exports, developer integration, viewer read-only.
var RolePerms = map[string][]Perm{
	store.RoleOwner:     {PermRead, PermOperate, PermExport, PermLinks, PermPOS, PermDevelopers, PermUsers},
	store.RoleFinance:   {PermRead, PermOperate, PermExport, PermLinks},
	store.RoleDeveloper: {PermRead, PermDevelopers},
	store.RoleViewer:    {PermRead},
}

// Roles lists the roles in display order.
var Roles = []string{store.RoleOwner, store.RoleFinance, store.RoleDeveloper, store.RoleViewer}

// Allowed reports whether role has p.
func Allowed(role string, p Perm) bool { return p == PermPublic || slices.Contains(RolePerms[role], p) }

// Route is one entry of the route table.
type Route struct {
	Method, Path string
	Perm         Perm
}

// Server serves the dashboard.
type Server struct {
	Svc      *payment.Service
	Store    store.Store
	Checkout *checkout.Service
	Webhooks *webhook.Manager
	Log      *slog.Logger
	// Now is the clock of sessions, lock-outs and tokens (tests fake it).
	Now func() time.Time

	mux    *http.ServeMux
	routes []Route
	cop    *http.CrossOriginProtection
}

// New builds the dashboard on the payment service.
func New(svc *payment.Service, wh *webhook.Manager, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	s := &Server{Svc: svc, Store: svc.Store, Checkout: checkout.New(svc), Webhooks: wh, Log: log, mux: http.NewServeMux()}
	s.cop = http.NewCrossOriginProtection()
	s.cop.SetDenyHandler(http.HandlerFunc(s.crossOrigin))
	s.register()
	return s
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Routes returns the route table.
func (s *Server) Routes() []Route { return slices.Clone(s.routes) }

func (s *Server) register() {
	s.mux.HandleFunc("GET /dashboard/assets/{name}", s.serveAsset)
	s.mux.HandleFunc("GET /dashboard/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/dashboard/payments", http.StatusSeeOther)
	})
	s.handle("GET /dashboard/login", PermPublic, s.loginPage)
	s.handle("POST /dashboard/login", PermPublic, s.login)
	s.handle("GET /dashboard/setup/{token}", PermPublic, s.setupPage)
	s.handle("POST /dashboard/setup/{token}", PermPublic, s.setup)
	s.handle("POST /dashboard/logout", PermRead, s.logout)
	s.handle("POST /dashboard/mode", PermRead, s.switchMode)

	s.handle("GET /dashboard/payments", PermRead, s.payments)
	s.handle("GET /dashboard/payments/export.csv", PermExport, s.exportCSV)
	s.handle("GET /dashboard/payments/{id}", PermRead, s.paymentDetail)
	s.handle("POST /dashboard/payments/{id}/{op}", PermOperate, s.paymentOp)

	s.handle("GET /dashboard/analytics", PermRead, s.analytics)

	s.handle("GET /dashboard/pos", PermRead, s.posList)
	s.handle("GET /dashboard/pos-new/{protocol}", PermPOS, s.posNew)
	s.handle("POST /dashboard/pos-new/{protocol}", PermPOS, s.posCreate)
	s.handle("GET /dashboard/pos/{id}", PermRead, s.posEdit)
	s.handle("POST /dashboard/pos/{id}", PermPOS, s.posUpdate)
	s.handle("POST /dashboard/pos/{id}/test", PermPOS, s.posTest)

	s.handle("GET /dashboard/links", PermRead, s.links)
	s.handle("POST /dashboard/links", PermLinks, s.linkCreate)
	s.handle("POST /dashboard/links/{id}/disable", PermLinks, s.linkDisable)

	s.handle("GET /dashboard/developers", PermDevelopers, s.developers)
	s.handle("POST /dashboard/developers/keys", PermDevelopers, s.keyCreate)
	s.handle("POST /dashboard/developers/keys/{id}/revoke", PermDevelopers, s.keyRevoke)
	s.handle("POST /dashboard/developers/webhooks", PermDevelopers, s.webhookCreate)
	s.handle("GET /dashboard/developers/webhooks/{id}", PermDevelopers, s.webhookDetail)

	s.handle("GET /dashboard/users", PermUsers, s.users)
	s.handle("POST /dashboard/users/invite", PermUsers, s.invite)
}

// handlerFunc is a dashboard handler; rc is nil on public routes.
type handlerFunc func(w http.ResponseWriter, r *http.Request, rc *reqCtx)

// handle registers pattern with its permission: security headers, a
// session (except on public routes), the role check and, on POST, the
// cross-origin check and the CSRF token.
func (s *Server) handle(pattern string, p Perm, h handlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	s.routes = append(s.routes, Route{Method: method, Path: path, Perm: p})
	var hh http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secure(w, r)
		if p == PermPublic {
			h(w, r, s.optionalSession(w, r))
			return
		}
		rc := s.session(w, r)
		if rc == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/dashboard/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			} else {
				s.message(w, r, nil, http.StatusUnauthorized, "session_expired_title", "session_expired_text")
			}
			return
		}
		if r.Method == http.MethodPost && !s.validCSRF(rc, r.PostFormValue("csrf")) {
			s.message(w, r, rc, http.StatusForbidden, "csrf_title", "csrf_text")
			return
		}
		if !Allowed(rc.User.Role, p) {
			s.message(w, r, rc, http.StatusForbidden, "forbidden_title", "forbidden_text")
			return
		}
		h(w, r, rc)
	})
	if method == http.MethodPost {
		r := http.MaxBytesHandler(hh, 64<<10)
		hh = s.cop.Handler(r)
	}
	s.mux.Handle(pattern, hh)
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := s.mux.Handler(r); pattern == "" {
		secure(w, r)
		s.message(w, r, nil, http.StatusNotFound, "not_found_title", "not_found_text")
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) crossOrigin(w http.ResponseWriter, r *http.Request) {
	secure(w, r)
	s.message(w, r, nil, http.StatusForbidden, "csrf_title", "csrf_text")
}

// secure sets the headers of every dashboard response.
func secure(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; "+
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	if r.TLS != nil {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
}

// The stylesheet: embedded, served with its hash in the URL and pinned by SRI.

//go:embed assets/dashboard.css
var assetFS embed.FS

//go:embed templates/*.html
var templateFS embed.FS

type asset struct {
	URL, SRI string
	body     []byte
}

var css = func() asset {
	b, err := fs.ReadFile(assetFS, "assets/dashboard.css")
	if err != nil {
		panic(err)
	}
	sum := sha512.Sum384(b)
	return asset{URL: "/dashboard/assets/dashboard.css?v=" + base64.RawURLEncoding.EncodeToString(sum[:6]),
		SRI: "sha384-" + base64.StdEncoding.EncodeToString(sum[:]), body: b}
}()

func (s *Server) serveAsset(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("name") != "dashboard.css" {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	w.Write(css.body)
}

// Templates: a layout plus one file per page, each defining "content".
var pages = map[string]*template.Template{}

func init() {
	layout := template.Must(template.New("layout.html").ParseFS(templateFS, "templates/layout.html"))
	entries, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		name := strings.TrimSuffix(strings.TrimPrefix(e, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		pages[name] = template.Must(template.Must(layout.Clone()).ParseFS(templateFS, e))
	}
}

// view is what every template gets.
type view struct {
	T        map[string]string
	Lang     string
	CSS      asset
	Title    string
	Nav      string
	User     *store.DashboardUser
	Merchant string
	Mode     store.Mode
	CSRF     string
	Flash    string
	Error    string
	URL      string // this page's path and query, for the language links
	D        any
}

// Can reports whether the signed-in user has permission p.
func (v *view) Can(p string) bool { return v.User != nil && Allowed(v.User.Role, Perm(p)) }

// Tr translates a key.
func (v *view) Tr(key string) string {
	if t, ok := v.T[key]; ok {
		return t
	}
	return key
}

// Amt formats minor units the locale's way: "1.234,56 ₺" or "₺1,234.56".
func (v *view) Amt(minor int64, currency string) string {
	return web.FormatAmount(minor, currency, v.Lang)
}

// Time shows a time in Istanbul.
func (v *view) Time(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(payment.Istanbul).Format("02.01.2006 15:04:05")
}

// LangURL is this page in the other language.
func (v *view) LangURL() string {
	u := v.URL
	if i := strings.Index(u, "lang="); i >= 0 {
		u = u[:i] + "x" + u[i+4:] // neutralise the old parameter
	}
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + "lang=" + v.T["other_lang"]
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, name, title string, d any) {
	t, ok := pages[name]
	if !ok {
		panic("dashboard: no template " + name)
	}
	lang := s.lang(w, r)
	v := &view{T: texts[lang], Lang: lang, CSS: css, Title: title, Nav: name, D: d, URL: r.URL.RequestURI()}
	if rc != nil {
		v.User, v.Mode, v.CSRF, v.Merchant = rc.User, rc.Session.Mode, rc.CSRF, rc.MerchantName
	}
	if t, ok := texts[lang][title]; ok {
		v.Title = t
	}
	if f := r.URL.Query().Get("flash"); f != "" {
		if msg, ok := texts[lang]["flash_"+f]; ok {
			v.Flash = msg
		}
	}
	if e, ok := d.(interface{ ErrorText() string }); ok {
		v.Error = e.ErrorText()
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := t.ExecuteTemplate(w, "layout.html", v); err != nil {
		s.Log.Error("dashboard template", "page", name, "err", err)
	}
}

// message renders a page with a title and a text (keys of texts).
func (s *Server) message(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, title, text string) {
	lang := s.lang(w, r)
	s.render(w, r, rc, status, "message", title, map[string]string{"Text": texts[lang][text]})
}

// fail shows an error: a payment.Error's status and message, else a 500.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, rc *reqCtx, err error) {
	var pe *payment.Error
	switch {
	case errors.As(err, &pe) && pe.Status == http.StatusNotFound, errors.Is(err, store.ErrNotFound):
		s.message(w, r, rc, http.StatusNotFound, "not_found_title", "not_found_text")
	case errors.As(err, &pe):
		s.render(w, r, rc, pe.Status, "message", "error_title", map[string]string{"Text": pe.Message})
	default:
		s.Log.Error("dashboard", "path", r.URL.Path, "err", err)
		s.message(w, r, rc, http.StatusInternalServerError, "error_title", "error_text")
	}
}

// lang picks the language: ?lang= (remembered in a cookie), the cookie,
// else Accept-Language.
func (s *Server) lang(w http.ResponseWriter, r *http.Request) string {
	if l := r.URL.Query().Get("lang"); texts[l] != nil {
		http.SetCookie(w, &http.Cookie{Name: "kasa_lang", Value: l, Path: "/dashboard", MaxAge: 365 * 86400,
			HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
		return l
	}
	if c, err := r.Cookie("kasa_lang"); err == nil && texts[c.Value] != nil {
		return c.Value
	}
	return web.PickLang(r)
}

func constantEq(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// caller is the payment service's view of the signed-in user.
func (rc *reqCtx) caller() payment.Caller {
	return payment.Caller{MerchantID: rc.User.MerchantID, Mode: rc.Session.Mode}
}

// audit appends a row to the audit log; a failure is logged, not fatal.
func (s *Server) audit(ctx context.Context, r *http.Request, merchantID string, mode store.Mode, actorID, action, resType, resID, outcome, summary string) {
	if summary == "" {
		summary = "{}"
	}
	e := &store.AuditEvent{ID: "aud_" + randomToken(12), MerchantID: merchantID, Mode: mode, ActorType: store.ActorDashboardUser,
		ActorID: actorID, Action: action, ResourceType: resType, ResourceID: resID, Summary: []byte(summary),
		Outcome: outcome, ClientIP: clientIP(r), CreatedAt: s.now()}
	if err := s.Store.AppendAudit(ctx, e); err != nil {
		s.Log.Warn("dashboard audit", "action", action, "err", err)
	}
}

func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}
