package garantisim

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// sessionTTL bounds how long a gate session or an authentication may wait.
const sessionTTL = 15 * time.Minute

// authRecord is a successful (full or attempted) authentication of the 3D
// model, kept by md until the merchant provisions it once.
type authRecord struct {
	terminal string
	orderID  string
	amount   money.Amount
	card     cardInput
	cavv     string
	eci      string
	xid      string
	expires  time.Time
}

// oosSession is a hosted-page (OOS_PAY) payment waiting for its card.
type oosSession struct {
	m       Merchant
	form    gateForm
	expires time.Time
}

// gateForm is the merchant's validated gate request.
type gateForm struct {
	level    string // 3D, 3D_PAY, OOS_PAY
	fields   []gateway.Field
	orderID  string
	txnType  string
	amount   money.Amount
	inst     int
	okURL    string
	failURL  string
	clientIP string
	email    string
}

func randB64(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

func randID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// handleGate is gt3dengine: it checks the merchant's secure3dhash and then
// authenticates the cardholder (showing the hosted card page first for
// OOS_PAY). A form that fails the checks is answered like the bank does:
// the browser goes back to errorurl with mdstatus 7.
func (s *Server) handleGate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	f := r.PostForm
	m, ok := s.Merchant(f.Get("terminalid"))
	if !ok || f.Get("terminalmerchantid") != m.MerchantID {
		http.Error(w, "Terminal tanımlı değil", http.StatusBadRequest)
		return
	}
	var fields []gateway.Field
	for k, vs := range f {
		switch k {
		case "cardnumber", "cardexpiredatemonth", "cardexpiredateyear", "cardcvv2":
			continue // never echoed
		}
		fields = append(fields, gateway.Field{Name: k, Value: vs[0]})
	}
	sort.Slice(fields, func(i, j int) bool { return fields[i].Name < fields[j].Name })
	gf := gateForm{
		level: f.Get("secure3dsecuritylevel"), fields: fields, orderID: f.Get("orderid"), txnType: f.Get("txntype"),
		okURL: f.Get("successurl"), failURL: f.Get("errorurl"), clientIP: f.Get("customeripaddress"), email: f.Get("customeremailaddress"),
	}
	user := userAut
	if gf.level == "OOS_PAY" {
		user = userOOS
	}
	pass := m.password(user)
	want := formHash(m.TerminalID, gf.orderID, f.Get("txnamount"), f.Get("txncurrencycode"), gf.okURL, gf.failURL,
		gf.txnType, f.Get("txninstallmentcount"), m.StoreKey, securityData(pass, m.TerminalID))
	if pass == "" || f.Get("terminalprovuserid") != user || f.Get("apiversion") != "512" ||
		subtle.ConstantTimeCompare([]byte(want), []byte(f.Get("secure3dhash"))) != 1 {
		s.gateError(w, m, gf, "7", "Guvenlik Kodu hatali")
		return
	}
	cur, okCur := banksim.ParseCurrency(f.Get("txncurrencycode"))
	minor, err := strconv.ParseInt(f.Get("txnamount"), 10, 64)
	inst, okInst := banksim.ParseInstallments(f.Get("txninstallmentcount"))
	switch {
	case gf.level != "3D" && gf.level != "3D_PAY" && gf.level != "OOS_PAY",
		gf.txnType != OpSales && gf.txnType != OpPreAuth,
		!reOrderID.MatchString(gf.orderID), !okCur, err != nil || minor <= 0 || !reAmount.MatchString(f.Get("txnamount")):
		s.gateError(w, m, gf, "7", "Sistem Hatasi")
		return
	case !okInst || (inst > 1 && (cur.Code != money.TRY.Code || inst > m.maxInstallments())):
		s.gateError(w, m, gf, "7", "Taksit sayisi gecersiz")
		return
	}
	gf.amount, gf.inst = money.New(minor, cur), inst
	if gf.level == "OOS_PAY" {
		id := randID()
		now := time.Now()
		s.mu.Lock()
		for k, o := range s.oos {
			if now.After(o.expires) {
				delete(s.oos, k)
			}
		}
		s.oos[id] = oosSession{m: m, form: gf, expires: now.Add(sessionTTL)}
		s.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		oosPage.Execute(w, map[string]string{"ID": id, "Merchant": m.Name, "Amount": displayAmount(gf.amount)})
		return
	}
	s.challenge(w, m, gf, f.Get("cardnumber"), f.Get("cardexpiredatemonth")+f.Get("cardexpiredateyear"), f.Get("cardcvv2"))
}

// handleOOS takes the card from the hosted page and continues as 3D_PAY.
func (s *Server) handleOOS(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	sess, ok := s.oos[id]
	delete(s.oos, id)
	s.mu.Unlock()
	if !ok || time.Now().After(sess.expires) {
		http.Error(w, "Oturum süresi doldu", http.StatusGone)
		return
	}
	s.challenge(w, sess.m, sess.form, r.PostFormValue("cardnumber"),
		r.PostFormValue("cardexpiredatemonth")+r.PostFormValue("cardexpiredateyear"), r.PostFormValue("cardcvv2"))
}

func displayAmount(a money.Amount) string { return a.DecimalSep(",") + " " + a.Currency.Code }

func (s *Server) challenge(w http.ResponseWriter, m Merchant, gf gateForm, number, mmyy, cvv string) {
	c, ok := parseCard(number, mmyy, cvv)
	if !ok {
		s.gateError(w, m, gf, "8", "Kart numarasi gecersiz")
		return
	}
	s.Challenge(w, c.pan.Reveal(), banksim.Challenge{
		Merchant:   m.Name,
		Amount:     displayAmount(gf.amount),
		MaskedCard: c.pan.Masked(),
		Complete:   func(out banksim.ACSOutcome) (string, []gateway.Field) { return s.complete(m, gf, c, out) },
	})
}

// result holds the callback's result fields before signing.
type result struct {
	mdStatus, mdText, txnStatus, eci, cavv, xid, md string
	authCode, response, procCode, errMsg, hostRef   string
}

// complete turns the cardholder's outcome into the gate's signed callback;
// for 3D_PAY / OOS_PAY it provisions first, as the bank does.
func (s *Server) complete(m Merchant, gf gateForm, c cardInput, out banksim.ACSOutcome) (string, []gateway.Field) {
	now := s.cfg.Now()
	res := result{xid: randB64(20), md: randB64(96)}
	// ECI values differ by scheme: Visa 05/06, Mastercard 02/01.
	fullECI, attemptECI := "02", "01"
	if card.BrandOf(c.pan.Reveal()) == card.Visa {
		fullECI, attemptECI = "05", "06"
	}
	switch out {
	case banksim.ACSAuthenticated:
		res.mdStatus, res.mdText, res.txnStatus, res.cavv, res.eci = "1", "Authenticated", "Y", randB64(20), fullECI
	case banksim.ACSAttempted:
		res.mdStatus, res.mdText, res.txnStatus, res.cavv, res.eci = "4", "Attempted", "A", randB64(20), attemptECI
	case banksim.ACSCancelled:
		res.mdStatus, res.mdText, res.txnStatus = "0", "Kart sahibi doğrulamayı iptal etti", "N"
	default:
		res.mdStatus, res.mdText, res.txnStatus = "0", "Not authenticated", "N"
	}
	authenticated := res.mdStatus != "0"
	success := authenticated
	switch {
	case gf.level == "3D" && authenticated:
		s.mu.Lock()
		for k, a := range s.auths {
			if now.After(a.expires) {
				delete(s.auths, k)
			}
		}
		s.auths[res.md] = authRecord{terminal: m.TerminalID, orderID: gf.orderID, amount: gf.amount, card: c,
			cavv: res.cavv, eci: res.eci, xid: res.xid, expires: now.Add(sessionTTL)}
		s.mu.Unlock()
	case gf.level != "3D" && authenticated:
		typ := banksim.TxnAuth
		if gf.txnType == OpPreAuth {
			typ = banksim.TxnPreAuth
		}
		br := s.book(m, sale{orderID: gf.orderID, typ: typ, amount: gf.amount, inst: gf.inst, card: c,
			clientIP: gf.clientIP, email: gf.email}, now)
		switch {
		case br.Duplicate:
			res.response, res.procCode, res.errMsg = "Error", "92", errDuplicate.Message
		case br.Txn.Approved:
			res.response, res.procCode, res.authCode, res.hostRef = "Approved", "00", br.Txn.AuthCode, br.Txn.HostRef
		default:
			res.response, res.procCode, res.errMsg, res.hostRef = "Declined", br.Txn.Code, br.Txn.Message, br.Txn.HostRef
		}
		success = br.Txn.Approved && !br.Duplicate
	case gf.level != "3D":
		res.response, res.procCode, res.errMsg = "Error", "99", res.mdText
	}
	return s.callback(m, gf, res, c.pan.Masked(), success)
}

// gateError posts a signed failure back to errorurl without authenticating.
func (s *Server) gateError(w http.ResponseWriter, m Merchant, gf gateForm, mdStatus, msg string) {
	res := result{mdStatus: mdStatus, mdText: msg, response: "Error", procCode: "99", errMsg: msg}
	url, fields := s.callback(m, gf, res, "", false)
	banksim.AutoPost(w, url, fields)
}

// callback echoes the merchant's form (without card data) and adds the
// result fields, signed over callbackHashParams with the store key.
func (s *Server) callback(m Merchant, gf gateForm, res result, masked string, success bool) (string, []gateway.Field) {
	vals := map[string]string{
		"mdstatus": res.mdStatus, "mderrormessage": res.mdText, "txnstatus": res.txnStatus, "eci": res.eci, "cavv": res.cavv,
		"paressyntaxok": "true", "paresverified": "true", "version": "2.0", "md": res.md, "xid": res.xid,
		"terminalid": m.TerminalID, "clientid": m.TerminalID, "oid": gf.orderID, "transid": gf.orderID,
		"authcode": res.authCode, "response": res.response, "procreturncode": res.procCode, "errmsg": res.errMsg,
		"hostmsg": res.errMsg, "hostrefnum": res.hostRef, "rnd": randB64(15), "MaskedPan": masked,
		"hashparams": callbackHashParams,
	}
	val, hash := signCallback(func(k string) string { return vals[k] }, m.StoreKey)
	vals["hashparamsval"], vals["hash"] = val, hash
	fields := make([]gateway.Field, 0, len(gf.fields)+len(vals))
	for _, name := range []string{"xid", "mdstatus", "mderrormessage", "txnstatus", "eci", "cavv", "paressyntaxok", "paresverified",
		"version", "md", "terminalid", "oid", "authcode", "response", "errmsg", "hostmsg", "procreturncode", "transid",
		"hostrefnum", "rnd", "hash", "hashparams", "hashparamsval", "clientid", "MaskedPan"} {
		fields = append(fields, gateway.Field{Name: name, Value: vals[name]})
	}
	for _, f := range gf.fields {
		if _, dup := vals[f.Name]; !dup {
			fields = append(fields, f)
		}
	}
	if success {
		return gf.okURL, fields
	}
	return gf.failURL, fields
}

// takeAuth consumes the 3D authentication a 3D-model provisioning request
// refers to: same terminal, order, amount and currency, same cavv/eci/xid,
// and not used before.
func (s *Server) takeAuth(m Merchant, req *gvpsRequest, amount money.Amount) (authRecord, bool) {
	sd := req.Transaction.Secure3D
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.auths[sd.Md]
	if !ok || a.terminal != m.TerminalID || a.orderID != req.Order.OrderID || a.amount != amount ||
		a.cavv != sd.AuthenticationCode || a.eci != sd.SecurityLevel || a.xid != sd.TxnID || s.cfg.Now().After(a.expires) {
		return authRecord{}, false
	}
	delete(s.auths, sd.Md)
	return a, true
}

var oosPage = template.Must(template.New("oos").Parse(`<!doctype html>
<html lang="tr"><head><meta charset="utf-8"><title>Garanti BBVA Ortak Ödeme (simülatör)</title></head>
<body><h1>{{.Merchant}}</h1><p>Tutar / Amount: <span id="amount">{{.Amount}}</span></p>
<form method="post" action="/servlet/gt3dengine/oos/{{.ID}}">
<label>Kart numarası <input name="cardnumber" inputmode="numeric" autocomplete="cc-number"></label>
<label>Ay <input name="cardexpiredatemonth" size="2"></label>
<label>Yıl <input name="cardexpiredateyear" size="2"></label>
<label>CVV <input name="cardcvv2" size="4"></label>
<button type="submit">Öde / Pay</button></form></body></html>`))
