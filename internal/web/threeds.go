package web

import (
	"html/template"
	"net/http"
	"net/url"

	"github.com/kasapos/kasa/internal/gateway"
)

var handOff = template.Must(template.New("handoff").Parse(`<!doctype html>
<html lang="tr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bankanıza yönlendiriliyorsunuz / Redirecting to your bank</title>
<style nonce="{{.Nonce}}">body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#222}</style></head>
<body><p>Bankanızın 3-D Secure sayfasına yönlendiriliyorsunuz… / Taking you to your bank's 3-D Secure page…</p>
<form id="bank" method="{{.Method}}" action="{{.URL}}">{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}
<noscript><button type="submit">Devam / Continue</button></noscript></form>
<script nonce="{{.Nonce}}">document.getElementById("bank").submit()</script></body></html>`))

// start3D sends the browser to the bank's 3D gate with an auto-submitting
// form. The form carries card data for 3d/3d_pay (the banks require it in the
// browser post), so the page is no-store and never logged.
func (s *Server) start3D(w http.ResponseWriter, r *http.Request) {
	form, done, err := s.svc.Begin3D(r.Context(), s.svc.PublicURL, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if done != "" {
		http.Redirect(w, r, done, http.StatusSeeOther)
		return
	}
	method, action, fields := "post", form.URL, form.Fields
	if len(fields) == 0 {
		// A GET form drops the action's query string on submit: carry its
		// parameters (e.g. PayFlex's Ptkn token) as hidden fields instead.
		method = "get"
		if u, err := url.Parse(form.URL); err == nil && u.RawQuery != "" {
			for k, vs := range u.Query() {
				for _, v := range vs {
					fields = append(fields, gateway.Field{Name: k, Value: v})
				}
			}
			u.RawQuery = ""
			action = u.String()
		}
	}
	n := nonce()
	secure(w, n, origin(form.URL))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	handOff.Execute(w, map[string]any{"Nonce": n, "URL": action, "Fields": fields, "Method": method})
}

// callback3D receives the bank's post-back and sends the browser on to the
// merchant's return URL once the payment is settled.
func (s *Server) callback3D(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	to, err := s.svc.Callback3D(r.Context(), r.PathValue("id"), r.PostForm)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
