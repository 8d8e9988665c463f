package payforsim

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"html/template"
	"math/big"
	"net/http"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/gateway"
)

// sessionTTL bounds how long a 3D session waits for its provisioning call or
// a hosted card page for its card.
const sessionTTL = 15 * time.Minute

// gateForm is a merchant's verified 3D gate form.
type gateForm struct {
	m                                 Merchant
	secureType, orderID, txnType      string
	amount, currency, inst, lang, rnd string
	okURL, failURL                    string
}

// session is an authenticated 3DModel transaction awaiting 3DModelPayment.
type session struct {
	m Merchant
	p payment
}

func sha1Base64(parts ...string) string {
	h := sha1.New()
	for _, p := range parts {
		h.Write([]byte(p))
	}
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// readGateForm checks the merchant and the form hash: base64(SHA1(MbrId +
// OrderId + PurchAmount + OkUrl + FailUrl + TxnType + InstallmentCount + Rnd
// + storeKey)). A form that fails here is not answered with a post back: its
// OkUrl/FailUrl are not trustworthy.
func (s *Server) readGateForm(w http.ResponseWriter, r *http.Request, secureTypes ...string) (*gateForm, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRequest)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "form okunamadı", http.StatusBadRequest)
		return nil, false
	}
	v := r.PostForm
	m, ok := s.Merchant(v.Get("MerchantID"))
	if !ok || v.Get("MbrId") != m.MbrID || !eq(v.Get("UserCode"), m.UserCode) || m.StoreKey == "" {
		http.Error(w, "Üye işyeri bulunamadı", http.StatusBadRequest)
		return nil, false
	}
	f := &gateForm{
		m: m, secureType: v.Get("SecureType"), orderID: v.Get("OrderId"), txnType: v.Get("TxnType"),
		amount: v.Get("PurchAmount"), currency: v.Get("Currency"), inst: v.Get("InstallmentCount"),
		lang: v.Get("Lang"), rnd: v.Get("Rnd"), okURL: v.Get("OkUrl"), failURL: v.Get("FailUrl"),
	}
	okType := false
	for _, t := range secureTypes {
		okType = okType || f.secureType == t
	}
	want := sha1Base64(m.MbrID, f.orderID, f.amount, f.okURL, f.failURL, f.txnType, f.inst, f.rnd, m.StoreKey)
	if !okType || f.rnd == "" || !eq(want, v.Get("Hash")) {
		http.Error(w, "Hash doğrulanamadı", http.StatusBadRequest)
		return nil, false
	}
	if !gateway.ValidEndpoint(f.okURL) || !gateway.ValidEndpoint(f.failURL) || !reOrderID.MatchString(f.orderID) {
		http.Error(w, "Geçersiz form", http.StatusBadRequest)
		return nil, false
	}
	return f, true
}

// handleGate serves Default.aspx: 3DModel and 3DPay forms carrying the card.
func (s *Server) handleGate(w http.ResponseWriter, r *http.Request) {
	f, ok := s.readGateForm(w, r, "3DModel", "3DPay")
	if !ok {
		return
	}
	v := r.PostForm
	s.startChallenge(w, f, v.Get("Pan"), v.Get("Expiry"), v.Get("Cvv2"), v.Get("CardHolderName"))
}

// handleHostGate serves 3DHost.aspx: first the merchant's form (no card),
// answered with the bank's card page; then that page's post with the card.
func (s *Server) handleHostGate(w http.ResponseWriter, r *http.Request) {
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
		s.startChallenge(w, f, v.Get("Pan"), v.Get("Expiry"), v.Get("Cvv2"), v.Get("CardHolderName"))
		return
	}
	f, ok := s.readGateForm(w, r, "3DHost")
	if !ok {
		return
	}
	id := randomDigits(20)
	s.hosted.Put(id, f)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	cardPage.Execute(w, map[string]string{"Action": PathHostGate + "?session=" + id, "Merchant": f.m.Name, "Amount": f.amount + " " + f.currency})
}

// startChallenge validates the payment and hands the cardholder to the ACS.
func (s *Server) startChallenge(w http.ResponseWriter, f *gateForm, pan, expiry, cvv, holder string) {
	p, perr := validate(f.m, f.txnType, f.amount, f.currency, f.inst, pan, expiry, cvv)
	if perr == nil {
		if o, ok := s.Book().Get(f.m.MerchantID, f.orderID); ok && o.State != banksim.OrderDeclined {
			perr = &errDuplicate
		}
	}
	if perr != nil {
		url, fields := s.callback(f, nil, "-1", outcome{code: perr.Code, msg: perr.Message})
		banksim.AutoPost(w, url, fields)
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

// complete turns the cardholder's ACS outcome into the signed post back.
// 3DModel stops after authentication (V033) and keeps a session for
// 3DModelPayment; 3DPay and 3DHost provision at once.
func (s *Server) complete(f *gateForm, p payment, res banksim.ACSOutcome) (string, []gateway.Field) {
	now := s.cfg.Now()
	status := "1"
	switch res {
	case banksim.ACSAttempted:
		status = "4"
	case banksim.ACSFailed, banksim.ACSCancelled:
		status = "-1"
	}
	if status == "-1" {
		o := outcome{code: code3DFailed, msg: msg3DFailed}
		if f.secureType != "3DModel" {
			o = outcome{code: code3DPayFail, msg: msg3DPayFail}
		}
		if res == banksim.ACSCancelled {
			o.msg = msg3DCancel
		}
		return s.callback(f, &p, status, o)
	}
	if f.secureType == "3DModel" {
		guid := randomDigits(16)
		s.sessions.Put(guid, &session{m: f.m, p: p})
		url, fields := s.callback(f, &p, status, outcome{code: code3DOK, msg: msg3DOK})
		return url, append(fields, gateway.Field{Name: "RequestGuid", Value: guid})
	}
	return s.callback(f, &p, status, s.charge(f.m, p, now))
}

// callback builds the post back. ResponseHash = base64(SHA1(MerchantId +
// storeKey + OrderId + AuthCode + ProcReturnCode + 3DStatus + ResponseRnd +
// UserCode)); the other fields are echoed unsigned, as the bank does.
func (s *Server) callback(f *gateForm, p *payment, status string, o outcome) (string, []gateway.Field) {
	target := f.failURL
	if status != "-1" && (o.code == "00" || o.code == code3DOK) {
		target = f.okURL
	}
	rnd := "PF" + randomDigits(18)
	fields := []gateway.Field{
		{Name: "MbrId", Value: f.m.MbrID},
		{Name: "MerchantID", Value: f.m.MerchantID},
		{Name: "OrderId", Value: f.orderID},
		{Name: "SecureType", Value: f.secureType},
		{Name: "TxnType", Value: f.txnType},
		{Name: "PurchAmount", Value: f.amount},
		{Name: "Currency", Value: f.currency},
		{Name: "InstallmentCount", Value: f.inst},
		{Name: "OkUrl", Value: f.okURL},
		{Name: "FailUrl", Value: f.failURL},
		{Name: "Lang", Value: f.lang},
	}
	if p != nil {
		eci, cavv := "", ""
		switch status {
		case "1":
			eci, cavv = "05", base64.StdEncoding.EncodeToString([]byte("KASA-SIM-CAVV-"+randomDigits(6)))
		case "4":
			eci, cavv = "06", base64.StdEncoding.EncodeToString([]byte("KASA-SIM-ATTM-"+randomDigits(6)))
		}
		fields = append(fields,
			gateway.Field{Name: "CardMask", Value: p.card.Masked()},
			gateway.Field{Name: "PayerTxnId", Value: base64.StdEncoding.EncodeToString([]byte(randomDigits(20)))},
			gateway.Field{Name: "PayerAuthenticationCode", Value: cavv},
			gateway.Field{Name: "Eci", Value: eci},
			gateway.Field{Name: "MD", Value: ""},
		)
	}
	result := "Failed"
	if o.code == "00" {
		result = "Success"
	}
	return target, append(fields,
		gateway.Field{Name: "3DStatus", Value: status},
		gateway.Field{Name: "TxnResult", Value: result},
		gateway.Field{Name: "ErrMsg", Value: o.msg},
		gateway.Field{Name: "AuthCode", Value: o.authCode},
		gateway.Field{Name: "HostRefNum", Value: o.hostRef},
		gateway.Field{Name: "TransId", Value: o.transID},
		gateway.Field{Name: "ProcReturnCode", Value: o.code},
		gateway.Field{Name: "ResponseRnd", Value: rnd},
		gateway.Field{Name: "ResponseHash", Value: sha1Base64(f.m.MerchantID, f.m.StoreKey, f.orderID, o.authCode, o.code, status, rnd, f.m.UserCode)},
		gateway.Field{Name: "HashType", Value: "Sha1"},
	)
}

// provision3D answers 3DModelPayment: the session named by RequestGuid is
// charged once, for the order it was authenticated for, with the amount the
// merchant's signed form carried.
func (s *Server) provision3D(req *payforRequest, now time.Time) outcome {
	refusal := errNoSession
	sess, ok := s.sessions.Take(req.RequestGUID, func(sess *session) bool {
		switch {
		case sess.p.orderID != req.OrderID:
			return false
		case !eq(req.UserCode, sess.m.UserCode) || !eq(req.UserPass, sess.m.UserPass):
			refusal = errCredentials
			return false
		}
		return true
	})
	if !ok {
		return failed(refusal)
	}
	return s.charge(sess.m, sess.p, now)
}

func randomDigits(n int) string {
	b := make([]byte, n)
	for i := range b {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		b[i] = byte('0' + d.Int64())
	}
	return string(b)
}

var cardPage = template.Must(template.New("card").Parse(`<!doctype html>
<html lang="tr"><head><meta charset="utf-8"><title>Kart bilgileri (simülatör)</title></head>
<body><h1>{{.Merchant}}</h1><p>Tutar / Amount: {{.Amount}}</p>
<form method="post" action="{{.Action}}">
<label>Kart sahibi <input name="CardHolderName" autocomplete="cc-name"></label><br>
<label>Kart numarası <input name="Pan" inputmode="numeric" autocomplete="cc-number"></label><br>
<label>Son kullanma (AAYY) <input name="Expiry" inputmode="numeric" autocomplete="cc-exp"></label><br>
<label>CVV <input name="Cvv2" inputmode="numeric" autocomplete="cc-csc"></label><br>
<button type="submit">Öde / Pay</button>
</form></body></html>`))
