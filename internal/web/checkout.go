package web

import (
	"crypto/hmac"
	"crypto/sha512"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/kasapos/kasa/internal/checkout"
	"github.com/kasapos/kasa/internal/money"
	"github.com/kasapos/kasa/internal/payment"
	"github.com/kasapos/kasa/internal/store"
)

// The hosted checkout page (PCI-6): one committed script and one stylesheet,
// both served from Kasa's own origin with an SRI hash, and no inline script
// or style at all, so the CSP needs neither nonces nor 'unsafe-inline'. The
// script only helps (formatting, Luhn, brand, messages); the server
// validates everything again. Card data arrives only in a POST body, is
// never logged, and is never written back into the page.

//go:embed assets/checkout.js assets/checkout.css
var assetFS embed.FS

//go:embed templates/checkout.html
var checkoutHTML string

var checkoutTmpl = template.Must(template.New("checkout").Parse(checkoutHTML))

// asset is a static file with its versioned URL and SRI hash.
type asset struct {
	URL, SRI, Type string
	body           []byte
}

var assets = map[string]*asset{}

func init() {
	for name, typ := range map[string]string{"checkout.js": "text/javascript; charset=utf-8", "checkout.css": "text/css; charset=utf-8"} {
		b, err := fs.ReadFile(assetFS, "assets/"+name)
		if err != nil {
			panic(err)
		}
		sum := sha512.Sum384(b)
		sri := "sha384-" + base64.StdEncoding.EncodeToString(sum[:])
		// The hash in the URL makes each version its own cache entry.
		v := base64.RawURLEncoding.EncodeToString(sum[:6])
		assets[name] = &asset{URL: "/assets/" + name + "?v=" + v, SRI: sri, Type: typ, body: b}
	}
}

// serveAsset serves an embedded asset; its URL changes with its content, so
// it may be cached for long.
func (s *Server) serveAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := assets[path.Base(r.PathValue("name"))]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.Type)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	w.Write(a.body)
}

// checkoutHeaders sets the page's security headers. form-action must also
// allow the merchant's return origin: browsers apply it to the redirects
// that follow a form submission, and an approved non-3D payment answers the
// POST with a redirect there.
func checkoutHeaders(w http.ResponseWriter, r *http.Request, returnURL string) {
	formAction := "'self'"
	if returnURL != "" {
		formAction += " " + origin(returnURL)
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"connect-src 'self'; form-action "+formAction+"; frame-ancestors 'none'; base-uri 'none'; "+
		"require-trusted-types-for 'script'")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	if r.TLS != nil {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
}

// csrfToken binds the form to its session: an HMAC under a keyring-derived
// key, so it needs no server state and cannot be forged for another session.
func (s *Server) csrfToken(sessionID string) string {
	return base64.RawURLEncoding.EncodeToString(s.svc.Keys.MAC("csrf", []byte("checkout:"+sessionID)))
}

// pageData is everything the checkout templates use.
type pageData struct {
	T               map[string]string
	Title, Merchant string
	Test            bool
	LangURL         string
	JS, CSS         asset
	Refresh         string // reload this URL every few seconds (a GET, never a re-POST)
	Description     string
	Amount          string
	Action, CSRF    string
	OptionsURL      string // the live installment table for the typed BIN
	Exp, Holder     string
	Errors          map[string]string
	Declined        string
	BankCode        string
	Error           string
	Options         []option
	PayLabel        string
	Heading, Text   string
	Continue        string
	Receipt         *receipt
}

type option struct {
	N                    int
	Name, Monthly, Total string
	Selected             bool
}

type receipt struct {
	PaymentID, Card, Plan string
}

func (s *Server) page(r *http.Request, lang string, st *checkout.State) *pageData {
	t := texts[lang]
	d := &pageData{T: t, Title: t["title"], CSS: *assets["checkout.css"], Errors: map[string]string{}}
	q := url.Values{"lang": {t["other_lang"]}}
	d.LangURL = r.URL.Path + "?" + q.Encode()
	if st != nil {
		cs := st.Session
		d.Merchant, d.Test, d.Description = st.Merchant, cs.Mode == store.ModeTest, cs.Description
		d.Amount = formatAmount(cs.Amount, cs.Currency, lang)
		d.Title = st.Merchant + " · " + t["title"]
	}
	return d
}

// form fills the card form for a session; chosen is the selected installment count.
func (s *Server) form(d *pageData, st *checkout.State, lang string, chosen int) {
	cs := st.Session
	d.JS = *assets["checkout.js"]
	d.Action, d.CSRF = "/checkout/"+cs.ID, s.csrfToken(cs.ID)
	d.PayLabel = fmt.Sprintf(d.T["pay"], d.Amount)
	d.OptionsURL = "/checkout/" + cs.ID + "/options?lang=" + lang
	d.Options = []option{{N: 1, Name: d.T["single"], Monthly: d.Amount, Selected: chosen <= 1}}
	// Until the card's BIN is known the table shows the plain split; the
	// page then asks for the routed options (commission, plus instalments).
	for _, n := range cs.Installments {
		monthly := monthlyText(money.Split(cs.Amount, n), cs.Currency, lang)
		d.Options = append(d.Options, option{N: n, Name: fmt.Sprintf(d.T["n_installments"], n), Monthly: monthly,
			Total: d.Amount, Selected: n == chosen})
	}
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, returnURL, tmpl string, d *pageData) {
	checkoutHeaders(w, r, returnURL)
	w.WriteHeader(status)
	if err := checkoutTmpl.ExecuteTemplate(w, tmpl, d); err != nil {
		s.log.Error("checkout template", "template", tmpl, "err", err)
	}
}

// message renders an information page (no form, no script).
func (s *Server) message(w http.ResponseWriter, r *http.Request, status int, d *pageData, heading, text string) {
	d.Heading, d.Text = heading, text
	s.render(w, r, status, "", "message", d)
}

// unavailable explains why a session or link cannot be paid.
func (s *Server) unavailable(w http.ResponseWriter, r *http.Request, lang string, u *checkout.Unavailable) {
	d := s.page(r, lang, nil)
	status, key := http.StatusGone, u.Reason
	switch u.Reason {
	case checkout.ReasonNotFound:
		status, key = http.StatusNotFound, "not_found"
	case checkout.ReasonPaid:
		key = "paid_link"
	}
	s.message(w, r, status, d, d.T[key+"_title"], d.T[key+"_text"])
}

// pageError renders an error from the checkout service.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, lang string, err error) {
	var u *checkout.Unavailable
	if errors.As(err, &u) {
		s.unavailable(w, r, lang, u)
		return
	}
	s.fail(w, r, err)
}

// openLink starts a checkout session for a payment link.
func (s *Server) openLink(w http.ResponseWriter, r *http.Request) {
	lang := pickLang(r)
	cs, err := s.co.OpenLink(r.Context(), r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, lang, err)
		return
	}
	to := "/checkout/" + cs.ID
	if l := r.URL.Query().Get("lang"); l != "" {
		to += "?lang=" + url.QueryEscape(l)
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// showCheckout renders a session by its state: the card form, a receipt, a
// wait page, or the way back to the merchant.
func (s *Server) showCheckout(w http.ResponseWriter, r *http.Request) {
	rememberLang(w, r)
	lang := pickLang(r)
	st, err := s.co.Open(r.Context(), r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, lang, err)
		return
	}
	d := s.page(r, lang, st)
	cs, last := st.Session, st.Last
	switch {
	case cs.Status == store.CheckoutComplete && cs.ReturnURL != "":
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, s.co.ReturnTo(cs, last), http.StatusSeeOther)
	case cs.Status == store.CheckoutComplete:
		s.showReceipt(w, r, d, st, lang)
	case last != nil && last.Status == store.StatusRequiresAction:
		d.Continue = s.svc.PublicURL + payment.ThreeDPath(last.ID)
		s.message(w, r, http.StatusOK, d, d.T["threeds_title"], d.T["threeds_text"])
	case last != nil && (last.Status == store.StatusProcessing || last.Status == store.StatusUnknown):
		d.Refresh = "/checkout/" + cs.ID
		s.message(w, r, http.StatusOK, d, d.T["pending_title"], d.T["pending_text"])
	default:
		s.form(d, st, lang, 1)
		if last != nil {
			// The previous attempt was declined (e.g. 3D Secure failed): say why.
			d.Declined, d.BankCode = declineText(last, lang), bankCode(last)
		}
		s.render(w, r, http.StatusOK, cs.ReturnURL, "form", d)
	}
}

func (s *Server) showReceipt(w http.ResponseWriter, r *http.Request, d *pageData, st *checkout.State, lang string) {
	p := st.Last
	heading := d.T["paid_title"]
	if p.Status == store.StatusAuthorized {
		heading = d.T["authorized_title"]
	}
	d.Receipt = &receipt{PaymentID: p.ID, Card: strings.ToUpper(p.CardBrand) + " •••• " + p.CardLast4}
	if p.Installments > 1 {
		d.Receipt.Plan = fmt.Sprintf(d.T["n_installments"], p.Installments)
	}
	s.message(w, r, http.StatusOK, d, heading, d.T["close_page"])
}

// fieldOf maps the payment service's error fields to the form's inputs.
var fieldOf = map[string]string{
	"card.number": "number", "card.expiry_month": "exp", "card.expiry_year": "exp",
	"card.cvv": "cvc", "card.holder": "holder", "installments": "installments",
}

// messageOf picks the form message for an error code.
func messageOf(code, field string) string {
	switch code {
	case "card_number_invalid":
		return "err_number_invalid"
	case "card_expired":
		return "err_exp_past"
	case "card_expiry_invalid":
		return "err_exp_invalid"
	case "card_cvv_invalid":
		return "err_cvc_invalid"
	case "installments_invalid", "installments_not_allowed":
		return "err_installments"
	}
	return map[string]string{"number": "err_number_missing", "exp": "err_exp_invalid", "cvc": "err_cvc_invalid",
		"holder": "err_holder_missing", "installments": "err_installments"}[field]
}

// pay handles the card form. CrossOriginProtection (on the route) refuses
// cross-site posts; the session-bound token refuses forged ones that slip
// past it (old browsers without Sec-Fetch-Site or Origin).
func (s *Server) pay(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	lang := pickLang(r)
	sessionID := r.PathValue("id")
	if !hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(s.csrfToken(sessionID))) {
		d := s.page(r, lang, nil)
		s.message(w, r, http.StatusForbidden, d, d.T["csrf_title"], d.T["csrf_text"])
		return
	}
	f := r.PostForm
	month, year := parseExpiry(f.Get("exp"))
	chosen, _ := strconv.Atoi(f.Get("installments"))
	in := checkout.PayInput{
		Card: payment.CardInput{Number: f.Get("number"), ExpiryMonth: month, ExpiryYear: year,
			CVV: strings.TrimSpace(f.Get("cvc")), Holder: strings.TrimSpace(f.Get("holder"))},
		Installments: chosen, ClientIP: clientIP(r),
	}
	var out *checkout.Outcome
	var err error
	if in.Card.Holder == "" {
		err = &payment.Error{Status: http.StatusBadRequest, Code: "parameter_missing", Field: "card.holder"}
	} else {
		out, err = s.co.Pay(r.Context(), sessionID, in)
	}
	var pe *payment.Error
	switch {
	case err == nil:
	case errors.As(err, &pe) && pe.Status < 500:
		// Re-render for correction. The PAN and CVV are never written back.
		st, oerr := s.co.Open(r.Context(), sessionID)
		if oerr != nil {
			s.pageError(w, r, lang, oerr)
			return
		}
		d := s.page(r, lang, st)
		s.form(d, st, lang, chosen)
		d.Exp, d.Holder = f.Get("exp"), in.Card.Holder
		if field, ok := fieldOf[pe.Field]; ok {
			d.Errors[field] = d.T[messageOf(pe.Code, field)]
		} else {
			s.log.Warn("checkout refused", "checkout_session_id", sessionID, "code", pe.Code)
			d.Error = d.T["err_generic"]
		}
		s.render(w, r, http.StatusUnprocessableEntity, st.Session.ReturnURL, "form", d)
		return
	default:
		s.pageError(w, r, lang, err)
		return
	}
	switch {
	case out.Redirect != "":
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, out.Redirect, http.StatusSeeOther)
	case out.Pending:
		d := s.page(r, lang, nil)
		d.Refresh = "/checkout/" + sessionID
		s.message(w, r, http.StatusAccepted, d, d.T["pending_title"], d.T["pending_text"])
	default:
		st, err := s.co.Open(r.Context(), sessionID)
		if err != nil {
			s.pageError(w, r, lang, err)
			return
		}
		d := s.page(r, lang, st)
		s.form(d, st, lang, chosen)
		d.Exp, d.Holder = f.Get("exp"), in.Card.Holder
		d.Declined, d.BankCode = declineText(out.Payment, lang), bankCode(out.Payment)
		s.render(w, r, http.StatusOK, st.Session.ReturnURL, "form", d)
	}
}

// bankCode is the code shown with a decline, for the customer's bank or
// support; a failed 3D authentication carries an mdStatus, not a bank
// response code, and the text already says what happened.
func bankCode(p *store.Payment) string {
	if p.DeclineReason == payment.ReasonAuthenticationFailed {
		return ""
	}
	return p.BankCode
}

// parseExpiry reads "MM/YY", "MM / YY" or "MM/YYYY"; anything else yields
// zeros, which the payment service refuses as card_expiry_invalid.
func parseExpiry(v string) (month, year int) {
	m, y, ok := strings.Cut(strings.ReplaceAll(v, " ", ""), "/")
	if !ok {
		return 0, 0
	}
	month, err1 := strconv.Atoi(m)
	year, err2 := strconv.Atoi(y)
	if err1 != nil || err2 != nil || (len(y) != 2 && len(y) != 4) {
		return 0, 0
	}
	return month, year
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// monthlyText renders instalments the way the bank splits them: "3 × 33,33 ₺"
// or "2 × 33,33 ₺ + 33,34 ₺" when the last absorbs the remainder.
func monthlyText(parts []int64, currency, lang string) string {
	n := len(parts)
	if n == 0 {
		return ""
	}
	if parts[n-1] == parts[0] {
		return fmt.Sprintf("%d × %s", n, formatAmount(parts[0], currency, lang))
	}
	return fmt.Sprintf("%d × %s + %s", n-1, formatAmount(parts[0], currency, lang), formatAmount(parts[n-1], currency, lang))
}

type optionJSON struct {
	N       int    `json:"n"`
	Name    string `json:"name"`
	Monthly string `json:"monthly"`
	Total   string `json:"total,omitempty"`
}

// checkoutOptions answers the page's request for the installment table of
// the typed card (its first 6-8 digits only): every allowed count the
// router would give that card, with the total it would charge.
func (s *Server) checkoutOptions(w http.ResponseWriter, r *http.Request) {
	lang := pickLang(r)
	w.Header().Set("Cache-Control", "no-store")
	st, err := s.co.Open(r.Context(), r.PathValue("id"))
	if err != nil || st.Session.Status != store.CheckoutOpen {
		http.Error(w, `{"error":"no open checkout session"}`, http.StatusNotFound)
		return
	}
	cs := st.Session
	t := texts[lang]
	out := []optionJSON{{N: 1, Name: t["single"], Monthly: formatAmount(cs.Amount, cs.Currency, lang)}}
	res, err := s.svc.Installments(r.Context(), payment.Caller{MerchantID: cs.MerchantID, Mode: cs.Mode},
		r.URL.Query().Get("bin"), cs.Amount, cs.Currency)
	if err == nil {
		for _, o := range res.Options {
			if o.Count < 2 || !slices.Contains(cs.Installments, o.Count) {
				continue
			}
			name := fmt.Sprintf(t["n_installments"], o.Count)
			if o.Plus > 0 {
				name = fmt.Sprintf(t["n_installments"], o.Count) + fmt.Sprintf(" + %d", o.Plus)
			}
			out = append(out, optionJSON{N: o.Count, Name: name, Monthly: monthlyText(o.Instalments, cs.Currency, lang),
				Total: formatAmount(o.Total, cs.Currency, lang)})
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}
