package est3sim

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// The 3D gate (/fim/est3Dgate), as the bank documents it:
//
//   - The browser posts the merchant's form: clientid, storetype, amount, oid,
//     okUrl, failUrl, rnd, lang, currency, taksit, TranType (or islemtipi),
//     hashAlgorithm=ver3, hash, and for 3d / 3d_pay the card fields pan,
//     Ecom_Payment_Card_ExpDate_Month/Year, cv2.
//   - The gate checks the ver3 hash with the store key. A form it cannot
//     trust (unknown store, bad hash, bad fields) gets an error page: the
//     okUrl/failUrl it names are not trusted either.
//   - 3d_pay_hosting and 3d_host first show the bank's card-entry page.
//   - The shared ACS page authenticates the cardholder; the gate then posts
//     back to okUrl (mdStatus 1, or 4 for a half-secure attempt) or failUrl
//     (mdStatus 0), echoing the merchant's fields without card data and
//     signing everything with ver3 in HASH.
//   - 3d_pay and 3d_pay_hosting provision right away and add Response,
//     ProcReturnCode, AuthCode, TransId, HostRefNum, ErrMsg and the EXTRA_
//     fields; a declined provisioning goes to failUrl.
//   - 3d and 3d_host leave provisioning to the merchant: the md they post is
//     good for one CC5Request (Number=md, PayerTxnId=xid,
//     PayerSecurityLevel=eci, PayerAuthenticationCode=cavv) within MDTTL.

// PathHostedCard is where the hosted card-entry page posts, + session id.
const PathHostedCard = "/fim/est3Dgate/card/"

// MDTTL is how long an md (and a hosted card page) stays usable.
const MDTTL = 15 * time.Minute

// maxGateForm bounds the gate's form body.
const maxGateForm = 32 << 10

const (
	storeType3D          = "3d"
	storeType3DPay       = "3d_pay"
	storeType3DPayHosted = "3d_pay_hosting"
	storeType3DHost      = "3d_host"
)

// gateRequest is a merchant form that passed the hash check and validation.
type gateRequest struct {
	m        Merchant
	form     map[string]string // as posted, minus card data
	store    string
	oid      string
	amount   money.Amount
	taksit   string
	typ      banksim.TxnType
	okURL    string
	failURL  string
	clientIP string
	pan      string // cleared card data lives only in memory, never logged
	expiry   card.Expiry
	cvv      string
}

func (g *gateRequest) provisions() bool {
	return g.store == storeType3DPay || g.store == storeType3DPayHosted
}

// pending3D is the gate's short-lived state: hosted card pages waiting for
// the card, and md values waiting for the merchant's provisioning request.
type pending3D struct {
	mu     sync.Mutex
	hosted map[string]hostedEntry
	mds    map[string]mdEntry
}

type hostedEntry struct {
	req     gateRequest
	expires time.Time
}

type mdEntry struct {
	merchant, oid  string
	pan            string
	expiry         card.Expiry
	amount         money.Amount
	taksit         string
	xid, eci, cavv string
	expires        time.Time
}

func (p *pending3D) putHosted(id string, e hostedEntry, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.hosted == nil {
		p.hosted = map[string]hostedEntry{}
	}
	for k, v := range p.hosted {
		if now.After(v.expires) {
			delete(p.hosted, k)
		}
	}
	p.hosted[id] = e
}

func (p *pending3D) hostedEntry(id string, now time.Time) (hostedEntry, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.hosted[id]
	if !ok || now.After(e.expires) {
		return hostedEntry{}, false
	}
	return e, true
}

func (p *pending3D) dropHosted(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.hosted, id)
}

func (p *pending3D) putMD(md string, e mdEntry, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mds == nil {
		p.mds = map[string]mdEntry{}
	}
	for k, v := range p.mds {
		if now.After(v.expires) {
			delete(p.mds, k)
		}
	}
	p.mds[md] = e
}

// takeMD returns and forgets an md: it is good for one request.
func (p *pending3D) takeMD(md string, now time.Time) (mdEntry, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.mds[md]
	delete(p.mds, md)
	if !ok || now.After(e.expires) {
		return mdEntry{}, false
	}
	return e, true
}

// handleGate serves POST /fim/est3Dgate.
func (s *Server) handleGate(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		gateError(w, http.StatusMethodNotAllowed, "Yalnızca POST kabul edilir / POST only")
		return
	}
	form, err := readGateForm(w, r)
	if err != nil {
		gateError(w, http.StatusBadRequest, err.Error())
		return
	}
	m, ok := s.Merchant(form["clientid"])
	if !ok {
		gateError(w, http.StatusBadRequest, "Üye işyeri bulunamadı / unknown clientid")
		return
	}
	if form["hashAlgorithm"] != "ver3" {
		gateError(w, http.StatusBadRequest, "Yalnızca hashAlgorithm=ver3 desteklenir / only ver3 is supported")
		return
	}
	if !ver3Valid(form, m.StoreKey, formHash(form)) {
		gateError(w, http.StatusBadRequest, "Hash değeri uyuşmuyor / hash mismatch")
		return
	}
	req, err := parseGateRequest(m, form)
	if err != nil {
		gateError(w, http.StatusBadRequest, err.Error())
		return
	}
	req.clientIP, _, _ = net.SplitHostPort(r.RemoteAddr)
	s.Log().Info("est3sim: 3D gate", "client", m.ClientID, "order", req.oid, "storetype", req.store)
	if req.store == storeType3DPayHosted || req.store == storeType3DHost {
		id := randomHex(16)
		s.threeD.putHosted(id, hostedEntry{req: req, expires: s.cfg.Now().Add(MDTTL)}, s.cfg.Now())
		s.showCardPage(w, id, req, "")
		return
	}
	s.challenge(w, req)
}

// handleHostedCard serves POST /fim/est3Dgate/card/{id}: the hosted page's
// card, after which the flow continues as for 3d / 3d_pay.
func (s *Server) handleHostedCard(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	e, ok := s.threeD.hostedEntry(id, s.cfg.Now())
	if !ok {
		gateError(w, http.StatusGone, "Oturum zaman aşımına uğradı / session expired or unknown")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxGateForm)
	if err := r.ParseForm(); err != nil {
		gateError(w, http.StatusBadRequest, "form okunamadı / unreadable form")
		return
	}
	req := e.req
	month, year := r.PostFormValue("Ecom_Payment_Card_ExpDate_Month"), r.PostFormValue("Ecom_Payment_Card_ExpDate_Year")
	if err := req.setCard(r.PostFormValue("pan"), month, year, r.PostFormValue("cv2")); err != nil {
		s.showCardPage(w, id, req, err.Error())
		return
	}
	s.threeD.dropHosted(id)
	// The hosted page's expiry is echoed like a merchant-posted one.
	req.form = merged(req.form, map[string]string{"Ecom_Payment_Card_ExpDate_Month": month, "Ecom_Payment_Card_ExpDate_Year": year})
	s.challenge(w, req)
}

func merged(base, add map[string]string) map[string]string {
	out := make(map[string]string, len(base)+len(add))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range add {
		out[k] = v
	}
	return out
}

func (s *Server) challenge(w http.ResponseWriter, req gateRequest) {
	s.Challenge(w, req.pan, banksim.Challenge{
		Merchant:   req.m.Name,
		Amount:     strings.Replace(req.amount.Decimal(), ".", ",", 1) + " " + req.amount.Currency.Code,
		MaskedCard: req.pan[:6] + strings.Repeat("*", len(req.pan)-10) + req.pan[len(req.pan)-4:],
		Complete: func(o banksim.ACSOutcome) (string, []gateway.Field) {
			return s.callback(req, o)
		},
	})
}

// readGateForm reads the posted form; a field posted twice is refused, as
// its value would be ambiguous.
func readGateForm(w http.ResponseWriter, r *http.Request) (map[string]string, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxGateForm)
	if err := r.ParseForm(); err != nil {
		return nil, fmt.Errorf("form okunamadı / unreadable form")
	}
	form := make(map[string]string, len(r.PostForm))
	for k, v := range r.PostForm {
		if len(v) != 1 {
			return nil, fmt.Errorf("%s birden çok kez gönderildi / posted more than once", k)
		}
		form[k] = v[0]
	}
	return form, nil
}

func formHash(form map[string]string) string {
	for k, v := range form {
		if strings.EqualFold(k, "hash") {
			return v
		}
	}
	return ""
}

// cardFields are never echoed in a callback.
var cardFields = []string{"pan", "cv2", "hash"}

func parseGateRequest(m Merchant, form map[string]string) (gateRequest, error) {
	req := gateRequest{m: m, store: form["storetype"], oid: form["oid"], okURL: form["okUrl"], failURL: form["failUrl"]}
	switch req.store {
	case storeType3D, storeType3DPay, storeType3DPayHosted, storeType3DHost:
	default:
		return req, fmt.Errorf("geçersiz storetype / invalid storetype %q", req.store)
	}
	if !reOrderID.MatchString(req.oid) {
		return req, fmt.Errorf("%s", errOrderID.Message)
	}
	for _, u := range []string{req.okURL, req.failURL} {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return req, fmt.Errorf("geçersiz okUrl/failUrl / invalid callback URL")
		}
	}
	cur, ok := parseCurrency(m, form["currency"])
	if !ok {
		return req, fmt.Errorf("%s", errCurrency.Message)
	}
	if req.amount, ok = parseAmount(form["amount"], cur); !ok {
		return req, fmt.Errorf("%s", errAmount.Message)
	}
	inst, ok := parseInstallments(form["taksit"])
	if !ok || (inst > 1 && (cur.Code != money.TRY.Code || inst > m.maxInstallments())) {
		return req, fmt.Errorf("%s", errInstallments.Message)
	}
	req.taksit = form["taksit"]
	typ := form["TranType"]
	if typ == "" {
		typ = form["islemtipi"]
	}
	switch typ {
	case OpAuth, OpPreAuth:
		req.typ = banksim.TxnType(typ)
	default:
		return req, fmt.Errorf("%s", errType.Message)
	}
	req.form = make(map[string]string, len(form))
	for k, v := range form {
		if !slices.Contains(cardFields, strings.ToLower(k)) {
			req.form[k] = v
		}
	}
	if req.store == storeType3D || req.store == storeType3DPay {
		err := req.setCard(form["pan"], form["Ecom_Payment_Card_ExpDate_Month"], form["Ecom_Payment_Card_ExpDate_Year"], form["cv2"])
		if err != nil {
			return req, err
		}
	}
	return req, nil
}

func (g *gateRequest) setCard(pan, month, year, cvv string) error {
	if !reDigits.MatchString(pan) {
		return fmt.Errorf("%s", errPANFormat.Message)
	}
	if _, err := card.ParsePAN(pan); err != nil {
		return fmt.Errorf("%s", errPANFormat.Message)
	}
	exp, ok := parseExpiry(month + "/" + year)
	if !ok {
		return fmt.Errorf("%s", errExpiry.Message)
	}
	if cvv != "" && !reCVV.MatchString(cvv) {
		return fmt.Errorf("%s", errCVV.Message)
	}
	g.pan, g.expiry, g.cvv = pan, exp, cvv
	return nil
}

// acsResult is what the ACS outcome means in the callback.
type acsResult struct {
	mdStatus, txstatus, mdErrorMsg string
	authenticated                  bool
}

func resultOf(o banksim.ACSOutcome) acsResult {
	switch o {
	case banksim.ACSAuthenticated:
		return acsResult{"1", "Y", "Authenticated", true}
	case banksim.ACSAttempted:
		return acsResult{"4", "A", "Attempted", true}
	case banksim.ACSCancelled:
		return acsResult{"0", "N", "Cancelled by cardholder", false}
	}
	return acsResult{"0", "N", "Not authenticated", false}
}

// eciFor is the e-commerce indicator the schemes assign: full / attempted.
func eciFor(pan string, full bool) string {
	if card.BrandOf(pan) == card.Mastercard {
		if full {
			return "02"
		}
		return "01"
	}
	if full {
		return "05"
	}
	return "06"
}

// callback builds the gate's post back to the merchant.
func (s *Server) callback(req gateRequest, o banksim.ACSOutcome) (string, []gateway.Field) {
	now := s.cfg.Now()
	res := resultOf(o)
	bank := map[string]string{
		"mdStatus":         res.mdStatus,
		"mdErrorMsg":       res.mdErrorMsg,
		"txstatus":         res.txstatus,
		"md":               req.pan[:6] + ":" + strings.ToUpper(randomHex(32)) + ":" + randomDigits(4) + ":##" + req.m.ClientID,
		"xid":              randomB64(20),
		"eci":              "",
		"cavv":             "",
		"ReturnOid":        req.oid,
		"maskedCreditCard": estMask(req.pan),
		"MaskedPan":        req.pan[:6] + "***" + req.pan[len(req.pan)-4:],
		"PAResSyntaxOK":    "true",
		"PAResVerified":    fmt.Sprint(res.authenticated),
		"version":          "2.0",
		"dsId":             "1",
		"merchantID":       req.m.merchantID(),
		"merchantName":     req.m.Name,
		// The callback page is UTF-8, so that is what the browser posts.
		"encoding": "UTF-8",
	}
	ok := res.authenticated
	if res.authenticated {
		bank["eci"] = eciFor(req.pan, o == banksim.ACSAuthenticated)
		bank["cavv"] = randomB64(20)
		if req.provisions() {
			ok = s.provision(req, bank, now)
		} else {
			s.threeD.putMD(bank["md"], mdEntry{
				merchant: req.m.ClientID, oid: req.oid, pan: req.pan, expiry: req.expiry, amount: req.amount,
				taksit: req.taksit, xid: bank["xid"], eci: bank["eci"], cavv: bank["cavv"], expires: now.Add(MDTTL),
			}, now)
		}
	}
	// Bank fields win over anything the merchant posted under the same name.
	out := make(map[string]string, len(req.form)+len(bank)+1)
	for k, v := range req.form {
		if !hasFold(bank, k) {
			out[k] = v
		}
	}
	for k, v := range bank {
		out[k] = v
	}
	out["HASH"] = ver3Hash(out, req.m.StoreKey)
	dest := req.failURL
	if ok {
		dest = req.okURL
	}
	names := make([]string, 0, len(out))
	for k := range out {
		names = append(names, k)
	}
	slices.Sort(names)
	fields := make([]gateway.Field, len(names))
	for i, k := range names {
		fields[i] = gateway.Field{Name: k, Value: out[k]}
	}
	return dest, fields
}

// provision runs the sale or pre-auth of a 3d_pay / 3d_pay_hosting payment
// through the API's own logic (declines, duplicates, the order book) and adds
// its result to the callback. It reports whether the bank approved.
func (s *Server) provision(req gateRequest, bank map[string]string, now time.Time) bool {
	total := req.amount.Decimal()
	api := &cc5Request{
		ClientID: req.m.ClientID, OrderID: req.oid, Total: &total, Currency: req.amount.Currency.Numeric,
		Taksit: req.taksit, Number: req.pan, Expires: req.expiry.MM() + "/" + req.expiry.YY(), Cvv2Val: req.cvv,
		Email: req.form["Email"], IPAddress: req.clientIP,
	}
	rep := s.authorize(req.m, api, req.typ, now)
	s.Log().Info("est3sim: 3D provisioning", "order", req.oid, "code", rep.ProcReturnCode)
	bank["Response"] = rep.Response
	bank["ProcReturnCode"] = rep.ProcReturnCode
	bank["AuthCode"] = rep.AuthCode
	bank["TransId"] = rep.TransID
	bank["HostRefNum"] = rep.HostRefNum
	bank["ErrMsg"] = rep.ErrMsg
	bank["EXTRA_TRXDATE"] = extraOf(rep, "TRXDATE")
	bank["SettleId"] = extraOf(rep, "SETTLEID")
	bank["EXTRA_CARDBRAND"] = extraOf(rep, "CARDBRAND")
	bank["EXTRA_CARDISSUER"] = extraOf(rep, "CARDISSUER")
	bank["ACQBIN"] = "454672"
	bank["acqStan"] = ""
	if n := len(rep.HostRefNum); n >= 6 {
		bank["acqStan"] = rep.HostRefNum[n-6:]
	}
	return rep.ProcReturnCode == "00"
}

// authorize3D is a 3D-model provisioning request: Number carries the md and
// the Payer* fields the 3D evidence, which must be the ones the gate issued
// for this store, order and amount. The md is used up either way.
func (s *Server) authorize3D(m Merchant, req *cc5Request, typ banksim.TxnType, now time.Time) reply {
	e, ok := s.threeD.takeMD(req.Number, now)
	if !ok || e.merchant != m.ClientID {
		return errorReply(req, now, errMD)
	}
	total, _ := req.total()
	amt, amtOK := parseAmount(total, e.amount.Currency)
	inst, _ := parseInstallments(req.Taksit)
	authInst, _ := parseInstallments(e.taksit)
	switch {
	case e.oid != req.OrderID, req.PayerTxnID != e.xid, req.PayerSecurityLevel != e.eci, req.PayerAuthenticationCode != e.cavv:
		return errorReply(req, now, err3DData)
	case req.Currency != e.amount.Currency.Numeric || !amtOK || amt.Minor != e.amount.Minor || inst != authInst:
		return errorReply(req, now, err3DAmount)
	}
	withCard := *req
	withCard.Number, withCard.Expires, withCard.Cvv2Val = e.pan, e.expiry.MM()+"/"+e.expiry.YY(), ""
	return s.authorize(m, &withCard, typ, now)
}

// is3D reports whether an Auth/PreAuth is a 3D-model provisioning request.
func (r *cc5Request) is3D() bool {
	return r.PayerTxnID != "" || r.PayerAuthenticationCode != "" || strings.Contains(r.Number, ":")
}

func hasFold(m map[string]string, k string) bool {
	for x := range m {
		if strings.EqualFold(x, k) {
			return true
		}
	}
	return false
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func randomB64(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

func randomDigits(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b)
}

func (s *Server) showCardPage(w http.ResponseWriter, id string, req gateRequest, problem string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	cardPage.Execute(w, map[string]string{ //nolint:errcheck // client may be gone
		"Action":   PathHostedCard + id,
		"Merchant": req.m.Name,
		"Amount":   strings.Replace(req.amount.Decimal(), ".", ",", 1) + " " + req.amount.Currency.Code,
		"Problem":  problem,
	})
}

func gateError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	errorPage.Execute(w, msg) //nolint:errcheck // client may be gone
}

var cardPage = template.Must(template.New("card").Parse(`<!doctype html>
<html lang="tr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Güvenli ödeme (simülatör)</title>
<style>body{font-family:system-ui,sans-serif;max-width:26rem;margin:2rem auto;padding:0 1rem;color:#222}
label{display:block;margin-top:.6rem}input{font-size:1.1rem;padding:.3rem}.err{color:#b00}</style></head>
<body><h1>Güvenli ödeme / Secure payment</h1>
<p>Bu bir banka simülatörüdür. / This is a bank simulator.</p>
<p>{{.Merchant}} — <strong id="amount">{{.Amount}}</strong></p>
{{if .Problem}}<p class="err" id="problem">{{.Problem}}</p>{{end}}
<form method="post" action="{{.Action}}">
<label>Kart numarası / Card number <input name="pan" inputmode="numeric" autocomplete="cc-number"></label>
<label>Ay / Month (MM) <input name="Ecom_Payment_Card_ExpDate_Month" size="2" autocomplete="cc-exp-month"></label>
<label>Yıl / Year (YY) <input name="Ecom_Payment_Card_ExpDate_Year" size="2" autocomplete="cc-exp-year"></label>
<label>CVV <input name="cv2" size="4" inputmode="numeric" autocomplete="cc-csc"></label>
<p><button type="submit">Öde / Pay</button></p>
</form></body></html>`))

var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="tr"><head><meta charset="utf-8"><title>3D Secure hata / error</title></head>
<body><h1>İşlem yapılamadı / Request refused</h1><p id="error">{{.}}</p></body></html>`))
