// Package web serves Kasa's browser pages: the 3D Secure hand-off to the
// bank and the bank's return, the hosted checkout page and payment links
// (and, later, the merchant dashboard). Pages are server-rendered, use no
// third-party assets, and carry a strict Content-Security-Policy: the 3D
// pages use a per-response nonce for their auto-submit script, the checkout
// page a committed script file with an SRI hash and no inline code at all.
package web

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/kasapos/kasa/internal/checkout"
	"github.com/kasapos/kasa/internal/payment"
)

// Server serves the browser pages.
type Server struct {
	svc *payment.Service
	co  *checkout.Service
	log *slog.Logger
	mux *http.ServeMux
}

// New builds the page server.
func New(svc *payment.Service, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	s := &Server{svc: svc, co: checkout.New(svc), log: log, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /3ds/{id}/start", s.start3D)
	// Banks post the browser back cross-site: no session, no CSRF token;
	// the adapter's hash verification is the authentication (API-4).
	s.mux.HandleFunc("POST /3ds/{id}/callback", s.callback3D)
	s.mux.HandleFunc("GET /3ds/{id}/callback", s.return3D) // notification protocols: the browser only waits
	s.mux.HandleFunc("POST /notify/{pos_id}", s.notify)    // bank notifications, server to server (notify.go)

	s.mux.HandleFunc("GET /checkout/{id}", s.showCheckout)
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(s.crossOrigin))
	s.mux.Handle("POST /checkout/{id}", cop.Handler(http.HandlerFunc(s.pay)))
	s.mux.HandleFunc("GET /checkout/{id}/options", s.checkoutOptions)
	s.mux.HandleFunc("GET /l/{id}", s.openLink)
	s.mux.HandleFunc("GET /assets/{name}", s.serveAsset)
	return s
}

// Prefixes are the URL paths this server answers under; the root mux sends
// them here and everything else to the API.
var Prefixes = []string{"/3ds/", "/checkout/", "/l/", "/assets/", "/notify/"}

// crossOrigin refuses a card form posted from another site.
func (s *Server) crossOrigin(w http.ResponseWriter, r *http.Request) {
	d := s.page(r, pickLang(r), nil)
	s.message(w, r, http.StatusForbidden, d, d.T["csrf_title"], d.T["csrf_text"])
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func nonce() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// secure sets the headers every page gets. formAction limits where the
// page's forms may post ("'self'" or a bank's origin).
func secure(w http.ResponseWriter, n, formAction string) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+n+"'; style-src 'nonce-"+n+"'; img-src 'self' data:; "+
		"connect-src 'self'; form-action "+formAction+"; frame-ancestors 'none'; base-uri 'none'")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
}

func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "'none'"
	}
	return u.Scheme + "://" + u.Host
}

var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="tr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title><style nonce="{{.Nonce}}">body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#222}</style></head>
<body><h1>{{.Title}}</h1><p>{{.Message}}</p></body></html>`))

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, title, msg := http.StatusInternalServerError, "Bir hata oluştu / Something went wrong", "Please try again later."
	var pe *payment.Error
	if errors.As(err, &pe) {
		status, msg = pe.Status, pe.Message
		if pe.Status == http.StatusNotFound {
			title = "Ödeme bulunamadı / Payment not found"
		} else {
			title = "Ödeme doğrulanamadı / Payment could not be verified"
		}
	} else {
		s.log.Error("page error", "path", r.URL.Path, "err", err)
	}
	n := nonce()
	secure(w, n, "'none'")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	errorPage.Execute(w, map[string]string{"Title": title, "Message": msg, "Nonce": n})
}
