package akbanksim

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/gateway"
)

// sessionTTL bounds how long an authentication waits for its provisioning
// call, or a hosted card page for its card.
const sessionTTL = 15 * time.Minute

// gateForm is a merchant's verified 3D gate form.
type gateForm struct {
	m                                Merchant
	model, txnCode, orderID, lang    string
	amount, currency, install, okURL string
	failURL                          string
}

// session is an authenticated 3D-model payment awaiting provisioning: the
// bank charges exactly what was authenticated.
type session struct {
	m                   Merchant
	p                   payment
	secureID, eci, cavv string
}

// readGateForm checks the merchant, the form hash and the request time. A
// form that fails here gets no post back: its okUrl/failUrl are not
// trustworthy.
func (s *Server) readGateForm(w http.ResponseWriter, r *http.Request, models ...string) (*gateForm, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRequest)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "form okunamadı", http.StatusBadRequest)
		return nil, false
	}
	v := r.PostForm
	m, ok := s.Merchant(v.Get("merchantSafeId"))
	if !ok || !eq(v.Get("terminalSafeId"), m.TerminalSafeID) {
		http.Error(w, "Üye işyeri bulunamadı", http.StatusBadRequest)
		return nil, false
	}
	for k, vs := range v {
		if len(vs) != 1 {
			http.Error(w, "alan birden fazla gönderildi: "+k, http.StatusBadRequest)
			return nil, false
		}
	}
	if !eq(formHash(v.Get, m.SecretKey), v.Get("hash")) {
		http.Error(w, "Hash doğrulanamadı", http.StatusBadRequest)
		return nil, false
	}
	f := &gateForm{
		m: m, model: v.Get("paymentModel"), txnCode: v.Get("txnCode"), orderID: v.Get("orderId"), lang: v.Get("lang"),
		amount: v.Get("amount"), currency: v.Get("currencyCode"), install: v.Get("installCount"),
		okURL: v.Get("okUrl"), failURL: v.Get("failUrl"),
	}
	okModel := false
	for _, x := range models {
		okModel = okModel || f.model == x
	}
	t, err := time.ParseInLocation(dateTimeLayout, v.Get("requestDateTime"), bankZone)
	switch {
	case !okModel || (f.txnCode != "3000" && f.txnCode != "3004"):
		http.Error(w, "Geçersiz ödeme modeli veya işlem kodu", http.StatusBadRequest)
	case err != nil || t.Sub(s.cfg.Now()).Abs() > requestWindow:
		http.Error(w, errDateTime.Message, http.StatusBadRequest)
	case !reRandom.MatchString(v.Get("randomNumber")):
		http.Error(w, errRandom.Message, http.StatusBadRequest)
	case !gateway.ValidEndpoint(f.okURL) || !gateway.ValidEndpoint(f.failURL) || !reOrderID.MatchString(f.orderID):
		http.Error(w, "Geçersiz form", http.StatusBadRequest)
	default:
		return f, true
	}
	return nil, false
}

// handleGate serves securepay: 3D and 3D_PAY forms carrying the card.
func (s *Server) handleGate(w http.ResponseWriter, r *http.Request) {
	f, ok := s.readGateForm(w, r, "3D", "3D_PAY")
	if !ok {
		return
	}
	v := r.PostForm
	s.startChallenge(w, f, v.Get("creditCard"), v.Get("expiredDate"), v.Get("cvv"), "")
}

// handlePayHosting serves payhosting: first the merchant's 3D_PAY_HOSTING
// form (no card), answered with the bank's card page; then that page's post.
func (s *Server) handlePayHosting(w http.ResponseWriter, r *http.Request) {
	if id := r.URL.Query().Get("session"); id != "" {
		r.Body = http.MaxBytesReader(w, r.Body, maxRequest)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "form okunamadı", http.StatusBadRequest)
			return
		}
		f, ok := s.hosted.Take(id, nil) // one card entry per page
		if !ok {
			http.Error(w, "Oturum bulunamadı veya süresi doldu", http.StatusGone)
			return
		}
		v := r.PostForm
		s.startChallenge(w, f, v.Get("creditCard"), v.Get("expiredDate"), v.Get("cvv"), v.Get("cardHolderName"))
		return
	}
	f, ok := s.readGateForm(w, r, "3D_PAY_HOSTING")
	if !ok {
		return
	}
	id := randomHex(16)
	s.hosted.Put(id, f)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	cardPage.Execute(w, map[string]string{"Action": PathPayHosting + "?session=" + id, "Merchant": f.m.Name, "Amount": f.amount + " " + f.currency})
}

// startChallenge validates the payment and hands the cardholder to the ACS.
func (s *Server) startChallenge(w http.ResponseWriter, f *gateForm, pan, expiry, cvv, holder string) {
	p, verr := validate(f.m, txnType(f.txnCode), f.amount, f.currency, f.install, pan, expiry, cvv)
	if verr == nil {
		if o, ok := s.Book().Get(f.m.MerchantSafeID, f.orderID); ok && o.State != banksim.OrderDeclined {
			verr = &errDuplicate
		}
	}
	if verr != nil {
		banksim.AutoPost(w, f.failURL, s.failure(f, *verr))
		return
	}
	p.orderID, p.holder = f.orderID, holder
	s.Challenge(w, p.card.Reveal(), banksim.Challenge{
		Merchant:   f.m.Name,
		Amount:     p.amount.DecimalSep(",") + " " + p.amount.Currency.Code,
		MaskedCard: p.card.Masked(),
		Complete:   func(res banksim.ACSOutcome) (string, []gateway.Field) { return s.complete(f, p, res) },
	})
}

// failure is the gate's short callback when nothing went past
// authentication: only responseCode, responseMessage and orderId are filled
// (and signed); the other fields are posted empty.
func (s *Server) failure(f *gateForm, e vpsError) []gateway.Field {
	return sign([]gateway.Field{
		{Name: "txnCode", Value: ""},
		{Name: "responseCode", Value: e.Code},
		{Name: "responseMessage", Value: e.Message},
		{Name: "hostResponseCode", Value: ""},
		{Name: "hostMessage", Value: ""},
		{Name: "merchantSafeId", Value: ""},
		{Name: "terminalSafeId", Value: ""},
		{Name: "orderId", Value: f.orderID},
	}, f.m.SecretKey)
}

// complete turns the cardholder's ACS outcome into the signed post back.
// The 3D model stops after authentication and keeps a session for the
// provisioning call; 3D_PAY and 3D_PAY_HOSTING provision at once.
func (s *Server) complete(f *gateForm, p payment, res banksim.ACSOutcome) (string, []gateway.Field) {
	now := s.cfg.Now()
	eci := "02" // Akbank reports Mastercard-style ECIs for every brand
	switch res {
	case banksim.ACSAttempted:
		eci = "01"
	case banksim.ACSFailed:
		return f.failURL, s.failure(f, err3DFailed)
	case banksim.ACSCancelled:
		return f.failURL, s.failure(f, vpsError{err3DFailed.Code, msg3DCancelled})
	}
	if f.model == "3D" {
		sess := &session{m: f.m, p: p, eci: eci,
			secureID: base64.StdEncoding.EncodeToString(randomBytes(20)),
			cavv:     base64.StdEncoding.EncodeToString(randomBytes(21))}
		md := strings.ToUpper(randomHex(32))
		s.sessions.Put(md, sess)
		return f.okURL, sign([]gateway.Field{
			{Name: "txnCode", Value: "3001"}, // the only value seen in the bank's 3D-model callbacks
			{Name: "responseCode", Value: codeApproved},
			{Name: "responseMessage", Value: msgApproved},
			{Name: "txnDateTime", Value: bankTime(now)},
			{Name: "merchantSafeId", Value: f.m.MerchantSafeID},
			{Name: "terminalSafeId", Value: f.m.TerminalSafeID},
			{Name: "orderId", Value: f.orderID},
			{Name: "secureId", Value: sess.secureID},
			{Name: "secureEcomInd", Value: eci},
			{Name: "secureData", Value: sess.cavv},
			{Name: "secureMd", Value: md},
		}, f.m.SecretKey)
	}
	o := s.charge(f.m, p, now)
	target := f.failURL
	if o.code == codeApproved {
		target = f.okURL
	}
	txnCode := "1000"
	if p.typ == banksim.TxnPreAuth {
		txnCode = "1004"
	}
	holder := ""
	if p.holder != "" {
		holder = maskName(p.holder)
	}
	fields := []gateway.Field{
		{Name: "txnCode", Value: txnCode},
		{Name: "responseCode", Value: o.code},
		{Name: "responseMessage", Value: o.msg},
		{Name: "hostResponseCode", Value: o.hostCode},
		{Name: "hostMessage", Value: o.hostMsg},
		{Name: "txnDateTime", Value: bankTime(now)},
		{Name: "merchantSafeId", Value: f.m.MerchantSafeID},
		{Name: "terminalSafeId", Value: f.m.TerminalSafeID},
		{Name: "orderId", Value: f.orderID},
		{Name: "cardHolderName", Value: holder},
	}
	if o.rrn != "" {
		fields = append(fields,
			gateway.Field{Name: "authCode", Value: o.authCode},
			gateway.Field{Name: "rrn", Value: o.rrn},
			gateway.Field{Name: "batchNumber", Value: itoa(batchNumber(now))},
			gateway.Field{Name: "stan", Value: itoa(o.stan)},
			gateway.Field{Name: "additionalInstallCount", Value: "0"},
			gateway.Field{Name: "deferingMonth", Value: "0"},
		)
	}
	return target, sign(fields, f.m.SecretKey)
}

// maskName keeps the first two letters of each name, as the bank echoes
// cardholder names ("TD**").
func maskName(name string) string {
	var b strings.Builder
	for i, w := range strings.Fields(name) {
		r := []rune(w)
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(string(r[:min(2, len(r))]) + strings.Repeat("*", max(len(r)-2, 0)))
	}
	return b.String()
}

// provision3D answers a sale or pre-auth carrying secureTransaction: the
// session named by secureMd is charged once, for the order, amount,
// currency and installments it was authenticated for, with the evidence the
// callback carried.
func (s *Server) provision3D(m Merchant, req *apiRequest, now time.Time) outcome {
	st, t := req.SecureTransaction, req.Transaction
	refusal := errNoSession
	sess, ok := s.sessions.Take(st.SecureMd, func(sess *session) bool {
		if sess.m.MerchantSafeID != m.MerchantSafeID ||
			sess.p.orderID != req.Order.OrderID || sess.p.typ != txnType(req.TxnCode) ||
			!eq(st.SecureData, sess.cavv) || st.SecureID != sess.secureID || st.SecureEcomInd != sess.eci {
			return false
		}
		p := sess.p
		if t == nil || t.Amount != p.amount.Decimal() || t.CurrencyCode.String() != p.amount.Currency.Numeric ||
			t.InstallCount.String() != itoa(p.inst) {
			refusal = errAmount
			return false
		}
		return true
	})
	if !ok {
		return failed(refusal)
	}
	return s.charge(m, sess.p, now)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }

var cardPage = template.Must(template.New("card").Parse(`<!doctype html>
<html lang="tr"><head><meta charset="utf-8"><title>Akbank ödeme sayfası (simülatör)</title></head>
<body><h1>{{.Merchant}}</h1><p>Tutar / Amount: {{.Amount}}</p>
<form method="post" action="{{.Action}}">
<label>Kart sahibi <input name="cardHolderName" autocomplete="cc-name"></label><br>
<label>Kart numarası <input name="creditCard" inputmode="numeric" autocomplete="cc-number"></label><br>
<label>Son kullanma (AAYY) <input name="expiredDate" inputmode="numeric" autocomplete="cc-exp"></label><br>
<label>CVV <input name="cvv" inputmode="numeric" autocomplete="cc-csc"></label><br>
<button type="submit">Öde / Pay</button>
</form></body></html>`))
