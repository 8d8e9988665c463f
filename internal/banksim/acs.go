package banksim

import (
	"crypto/rand"
	"encoding/hex"
	"html/template"
	"net/http"
	"sync"
	"time"

	"github.com/kasapos/kasa/internal/gateway"
)

// The ACS (access control server) is the issuer's 3-D Secure challenge page
// every simulator shares. A protocol's 3D gate validates the merchant's form,
// then calls Core.Challenge with a Complete function that, given the
// cardholder's outcome, builds the bank's signed callback. The page posts the
// browser back to the merchant with an auto-submitting form, as real gates do.

// ACSOutcome is what the cardholder did on the challenge page.
type ACSOutcome string

const (
	ACSAuthenticated ACSOutcome = "authenticated" // correct code
	ACSFailed        ACSOutcome = "failed"        // wrong code
	ACSCancelled     ACSOutcome = "cancelled"     // cancel button
	ACSAttempted     ACSOutcome = "attempted"     // issuer not enrolled: no challenge shown (half secure)
)

// ACSCode is the one-time code the simulated issuer accepts.
const ACSCode = "123456"

// AttemptedCardSuffix marks cards whose issuer is "not enrolled": the ACS
// skips the challenge and answers attempted (mdStatus 2-4 style).
const AttemptedCardSuffix = "0002"

// Challenge is one pending 3-D Secure authentication.
type Challenge struct {
	Merchant   string // shown on the page
	Amount     string // shown on the page, e.g. "125,50 TRY"
	MaskedCard string // e.g. "435508******4358"; never the full PAN
	// Complete returns where to send the browser and the callback fields.
	Complete func(ACSOutcome) (url string, fields []gateway.Field)
}

type acsStore struct {
	mu sync.Mutex
	m  map[string]acsEntry
}

type acsEntry struct {
	c       Challenge
	expires time.Time
}

// Challenge stores c and shows the challenge page (or, for a card whose
// number ends in AttemptedCardSuffix, answers attempted at once).
func (c *Core) Challenge(w http.ResponseWriter, pan string, ch Challenge) {
	if len(pan) >= 4 && pan[len(pan)-4:] == AttemptedCardSuffix {
		url, fields := ch.Complete(ACSAttempted)
		AutoPost(w, url, fields)
		return
	}
	id := randomHex(16)
	c.acs.mu.Lock()
	if c.acs.m == nil {
		c.acs.m = map[string]acsEntry{}
	}
	now := time.Now()
	for k, e := range c.acs.m {
		if now.After(e.expires) {
			delete(c.acs.m, k)
		}
	}
	c.acs.m[id] = acsEntry{ch, now.Add(15 * time.Minute)}
	c.acs.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	acsPage.Execute(w, map[string]string{"ID": id, "Merchant": ch.Merchant, "Amount": ch.Amount, "Card": ch.MaskedCard})
}

// handleACS answers the challenge form: POST /_acs/{id}.
func (c *Core) handleACS(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	c.acs.mu.Lock()
	e, ok := c.acs.m[id]
	delete(c.acs.m, id) // one answer per challenge
	c.acs.mu.Unlock()
	if !ok || time.Now().After(e.expires) {
		http.Error(w, "3-D Secure session expired or unknown", http.StatusGone)
		return
	}
	outcome := ACSFailed
	switch {
	case r.PostFormValue("action") == "cancel":
		outcome = ACSCancelled
	case r.PostFormValue("code") == ACSCode:
		outcome = ACSAuthenticated
	}
	url, fields := e.c.Complete(outcome)
	AutoPost(w, url, fields)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// AutoPost renders a page that POSTs fields to url as soon as it loads, with
// a button for browsers without JavaScript. Gates and ACS pages use it.
func AutoPost(w http.ResponseWriter, url string, fields []gateway.Field) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	autoPostPage.Execute(w, map[string]any{"URL": url, "Fields": fields})
}

var acsPage = template.Must(template.New("acs").Parse(`<!doctype html>
<html lang="tr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>3-D Secure doğrulama (simülatör)</title>
<style>body{font-family:system-ui,sans-serif;max-width:26rem;margin:2rem auto;padding:0 1rem;color:#222}
.box{border:1px solid #ccc;border-radius:8px;padding:1.25rem}dt{color:#666;font-size:.85rem}dd{margin:0 0 .6rem}
input{font-size:1.2rem;padding:.4rem;width:9rem;letter-spacing:.2rem}button{font-size:1rem;padding:.5rem 1rem;margin:.5rem .5rem 0 0}
.note{color:#666;font-size:.85rem}</style></head>
<body><div class="box"><h1>3-D Secure</h1>
<p>Bu bir banka simülatörüdür. / This is a bank simulator.</p>
<dl><dt>Üye işyeri / Merchant</dt><dd id="merchant">{{.Merchant}}</dd>
<dt>Tutar / Amount</dt><dd id="amount">{{.Amount}}</dd>
<dt>Kart / Card</dt><dd id="card">{{.Card}}</dd></dl>
<form method="post" action="/_acs/{{.ID}}">
<label for="code">SMS doğrulama kodu / SMS code</label><br>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" autofocus>
<p class="note">Test kodu / test code: 123456</p>
<button type="submit" name="action" value="submit" id="submit">Onayla / Confirm</button>
<button type="submit" name="action" value="cancel" id="cancel">İptal / Cancel</button>
</form></div></body></html>`))

var autoPostPage = template.Must(template.New("autopost").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Yönlendiriliyor…</title></head>
<body onload="document.forms[0].submit()">
<form method="post" action="{{.URL}}">{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}
<noscript><button type="submit">Devam / Continue</button></noscript></form></body></html>`))
