package interpossim

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"html/template"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/gateway"
)

// sessionTTL bounds how long an authenticated 3DModel payment waits for its
// provisioning call, and a hosted card page for its card.
const sessionTTL = 15 * time.Minute

// hashParams names the callback fields the gate signs, in order, as it
// posts them in HASHPARAMS (captured from Denizbank's hosts).
var hashParams = []string{"Version", "PurchAmount", "Exponent", "Currency", "OkUrl", "FailUrl", "MD", "OrderId", "ProcReturnCode", "Response", "mdStatus"}

// gateForm is a merchant's verified 3D gate form.
type gateForm struct {
	m                                              Merchant
	secureType, orderID, txnType, amount, currency string
	inst, okURL, failURL                           string
}

// session is an authenticated 3DModel payment awaiting its provisioning.
type session struct {
	m Merchant
	p payment
}

func sha1Base64(s string) string {
	sum := sha1.Sum([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// readGateForm checks the shop and the form hash: base64(SHA1(ShopCode +
// OrderId + PurchAmount + OkUrl + FailUrl + TxnType + InstallmentCount + Rnd
// + storeKey)). A form that fails here gets an error page, not a post back:
// its OkUrl/FailUrl are not trustworthy.
func (s *Server) readGateForm(w http.ResponseWriter, v url.Values, secureType string) (*gateForm, bool) {
	m, ok := s.Merchant(v.Get("ShopCode"))
	if !ok || m.StoreKey == "" {
		http.Error(w, errTerminal.Message, http.StatusBadRequest)
		return nil, false
	}
	f := &gateForm{
		m: m, secureType: secureType, orderID: v.Get("OrderId"), txnType: v.Get("TxnType"), amount: v.Get("PurchAmount"),
		currency: v.Get("Currency"), inst: v.Get("InstallmentCount"), okURL: v.Get("OkUrl"), failURL: v.Get("FailUrl"),
	}
	rnd := v.Get("Rnd")
	want := sha1Base64(m.ShopCode + f.orderID + f.amount + f.okURL + f.failURL + f.txnType + f.inst + rnd + m.StoreKey)
	if rnd == "" || !eq(want, v.Get("Hash")) {
		http.Error(w, "Hash dogrulanamadi", http.StatusBadRequest)
		return nil, false
	}
	if !gateway.ValidEndpoint(f.okURL) || !gateway.ValidEndpoint(f.failURL) || !reOrderID.MatchString(f.orderID) {
		http.Error(w, "Gecersiz form", http.StatusBadRequest)
		return nil, false
	}
	return f, true
}

// handleGate serves a 3DModel or 3DPay form posted to Default.aspx with the card.
func (s *Server) handleGate(w http.ResponseWriter, r *http.Request, secureType string) {
	f, ok := s.readGateForm(w, r.PostForm, secureType)
	if !ok {
		return
	}
	v := r.PostForm
	s.startChallenge(w, f, v.Get("Pan"), v.Get("Expiry"), v.Get("Cvv2"), v.Get("CardType"))
}

// handleHostGate serves 3DHost.aspx: first the merchant's form (no card),
// answered with the bank's card page; then that page's post with the card.
func (s *Server) handleHostGate(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRequest)
	if err := r.ParseForm(); err != nil {
		http.Error(w, errRequest.Message, http.StatusBadRequest)
		return
	}
	v := r.PostForm
	if id := r.URL.Query().Get("session"); id != "" {
		f, ok := s.hosted.Take(id, nil) // one card entry per page
		if !ok {
			http.Error(w, "Oturum bulunamadi veya suresi doldu", http.StatusGone)
			return
		}
		s.startChallenge(w, f, v.Get("Pan"), v.Get("Expiry"), v.Get("Cvv2"), "")
		return
	}
	if v.Get("SecureType") != "3DHost" {
		http.Error(w, errTxnType.Message, http.StatusBadRequest)
		return
	}
	f, ok := s.readGateForm(w, v, "3DHost")
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
// A payment the host refuses is posted back to FailUrl at once.
func (s *Server) startChallenge(w http.ResponseWriter, f *gateForm, pan, expiry, cvv, cardType string) {
	p, perr := validate(f.m, f.txnType, f.amount, f.currency, f.inst, pan, expiry, cvv, cardType)
	if perr == nil {
		if o, ok := s.Book().Get(f.m.ShopCode, f.orderID); ok && o.State != banksim.OrderDeclined {
			perr = &errDuplicate
		}
	}
	if perr != nil {
		url, fields := s.callback(f, nil, "0", "", failed(*perr))
		banksim.AutoPost(w, url, fields)
		return
	}
	p.orderID = f.orderID
	s.Challenge(w, p.card.Reveal(), banksim.Challenge{
		Merchant:   f.m.Name,
		Amount:     p.amount.DecimalSep(",") + " " + p.amount.Currency.Code,
		MaskedCard: p.card.Masked(),
		Complete:   func(res banksim.ACSOutcome) (string, []gateway.Field) { return s.complete(f, p, res) },
	})
}

// complete turns the cardholder's ACS outcome into the signed post back.
// 3DModel stops after authentication and keeps a session, named by MD, for
// the provisioning call; 3DPay and 3DHost provision at once.
func (s *Server) complete(f *gateForm, p payment, res banksim.ACSOutcome) (string, []gateway.Field) {
	switch res {
	case banksim.ACSFailed:
		return s.callback(f, &p, "0", "", outcome{msg: msg3DFailed})
	case banksim.ACSCancelled:
		return s.callback(f, &p, "0", "", outcome{msg: msg3DCanceled})
	}
	md := "1"
	if res == banksim.ACSAttempted {
		md = "4"
	}
	if f.secureType == "3DModel" {
		handle := base64.StdEncoding.EncodeToString([]byte(randomDigits(24)))
		s.sessions.Put(handle, &session{m: f.m, p: p})
		return s.callback(f, &p, md, handle, outcome{})
	}
	o := s.charge(f.m, p, s.cfg.Now())
	o.now = s.cfg.Now()
	return s.callback(f, &p, md, "", o)
}

// callback builds the post back: the gate's field set, signed with HASH =
// base64(SHA1(HASHPARAMSVAL + storeKey)), HASHPARAMSVAL being the values of
// the HASHPARAMS fields concatenated. The amount is echoed with a decimal
// comma, as the bank does.
func (s *Server) callback(f *gateForm, p *payment, md, handle string, o outcome) (string, []gateway.Field) {
	target := f.failURL
	if md != "0" && (f.secureType == "3DModel" || o.code == "00") {
		target = f.okURL
	}
	txnStat, eci, cavv, xid, pan := "N", "", "", "", ""
	switch md {
	case "1":
		txnStat, eci = "Y", "05"
	case "4":
		txnStat, eci = "A", "06"
	}
	if md != "0" {
		cavv = base64.StdEncoding.EncodeToString([]byte("KASA-SIM-CAVV-" + randomDigits(6)))
		xid = base64.StdEncoding.EncodeToString([]byte(randomDigits(20)))
	}
	if p != nil {
		pan = p.card.Masked()
	}
	result := ""
	if o.code != "" {
		result = "Failed"
		if o.code == "00" {
			result = "Success"
		}
	}
	date := ""
	if o.code == "00" {
		date = o.now.In(bankZone).Format(dateLayout)
	}
	values := map[string]string{
		"Version": "", "MerchantID": "", "ShopCode": f.m.ShopCode, "TxnStat": txnStat, "MD": handle,
		"Eci": eci, "PayerAuthenticationCode": cavv, "PayerTxnId": xid, "Expiry": "****", "Pan": pan,
		"OrderId": f.orderID, "PurchAmount": strings.Replace(f.amount, ".", ",", 1), "Exponent": "", "Currency": f.currency,
		"OkUrl": f.okURL, "FailUrl": f.failURL, "3DStatus": md, "AuthCode": o.authCode, "HostRefNum": o.hostRef,
		"TransId": o.transID, "TRXDATE": date, "mdStatus": md, "ProcReturnCode": o.code, "TxnResult": result,
		"ErrorMessage": o.msg, "ErrorCode": o.errCode, "Response": "",
	}
	if o.code == "00" {
		values["ErrorMessage"] = ""
	}
	order := []string{"Version", "MerchantID", "ShopCode", "TxnStat", "MD", "Eci", "PayerAuthenticationCode", "PayerTxnId",
		"Expiry", "Pan", "OrderId", "PurchAmount", "Exponent", "Currency", "OkUrl", "FailUrl", "3DStatus", "AuthCode",
		"HostRefNum", "TransId", "TRXDATE", "mdStatus", "ProcReturnCode", "TxnResult", "ErrorMessage", "ErrorCode", "Response"}
	fields := make([]gateway.Field, 0, len(order)+3)
	for _, k := range order {
		fields = append(fields, gateway.Field{Name: k, Value: values[k]})
	}
	var signed strings.Builder
	for _, k := range hashParams {
		signed.WriteString(values[k])
	}
	fields = append(fields,
		gateway.Field{Name: "HASH", Value: sha1Base64(signed.String() + f.m.StoreKey)},
		gateway.Field{Name: "HASHPARAMS", Value: strings.Join(hashParams, ":") + ":"},
		gateway.Field{Name: "HASHPARAMSVAL", Value: signed.String()},
	)
	return target, fields
}

// provision3D answers the provisioning of an authenticated 3DModel payment:
// the session named by MD is charged once, for the order, amount, currency
// and installments it was authenticated for.
func (s *Server) provision3D(m Merchant, req request, now time.Time) outcome {
	refusal := errNoSession
	sess, ok := s.sessions.Take(req.get("MD"), func(sess *session) bool {
		if sess.m.ShopCode != m.ShopCode {
			return false
		}
		p := sess.p
		inst, ok := banksim.ParseInstallments(req.get("InstallmentCount"))
		a, okAmount := parseAmount(req.get("PurchAmount"), p.amount.Currency)
		if req.get("OrderId") != p.orderID || req.get("TxnType") != string(p.typ) || !okAmount || a != p.amount ||
			req.get("Currency") != p.amount.Currency.Numeric || !ok || inst != p.inst {
			refusal = errSession
			return false
		}
		return true
	})
	if !ok {
		return failed(refusal)
	}
	return s.charge(m, sess.p, now)
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
<label>Kart numarası <input name="Pan" inputmode="numeric" autocomplete="cc-number"></label><br>
<label>Son kullanma (AAYY) <input name="Expiry" inputmode="numeric" autocomplete="cc-exp"></label><br>
<label>CVV <input name="Cvv2" inputmode="numeric" autocomplete="cc-csc"></label><br>
<button type="submit">Öde / Pay</button>
</form></body></html>`))
