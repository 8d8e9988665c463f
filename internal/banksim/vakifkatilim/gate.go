package vakifkatilimsim

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"html/template"
	"net/http"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
)

// attempt is a 3D payment between its signed start and its provisioning.
type attempt struct {
	mr              Merchant
	p               payment
	amount          string // as signed
	okURL, failURL  string
	installmentsRaw string
	pan             card.PAN
	expiry          card.Expiry
	holder          string
	bankOrderID     string
}

func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// enrollPage is the gate's answer to an enrollment, as the bank renders it:
// an auto-submitting form, to the ACS or with the refusal to FailUrl.
var enrollPage = template.Must(template.New("enroll").Parse(`<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title></title></head>
<body onload="OnLoadEvent();">
<form name="downloadForm" action="{{.URL}}" method="POST">
{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<noscript><center>Please click the submit button below.<br><input type="submit" name="submit" value="Submit"></center></noscript>
</form>
<script language="Javascript">function OnLoadEvent() { document.downloadForm.submit(); }</script>
</body></html>`))

func renderForm(url string, fields []gateway.Field) []byte {
	var b bytes.Buffer
	enrollPage.Execute(&b, map[string]any{"URL": url, "Fields": fields}) //nolint:errcheck // in-memory
	return b.Bytes()
}

// result is the post back of a 3D result, signed (unless unsigned).
func result(mr Merchant, orderID string, rp *reply, md string, signed bool) []gateway.Field {
	hash := ""
	if signed {
		hash = mr.callbackHash(orderID, rp.ResponseCode, rp.OrderID)
	}
	return []gateway.Field{
		{Name: "ResponseCode", Value: rp.ResponseCode},
		{Name: "ResponseMessage", Value: rp.ResponseMessage},
		{Name: "ProvisionNumber", Value: rp.ProvisionNumber},
		{Name: "MerchantOrderId", Value: orderID},
		{Name: "OrderId", Value: rp.OrderID},
		{Name: "RRN", Value: rp.RRN},
		{Name: "Stan", Value: rp.Stan},
		{Name: "HashData", Value: hash},
		{Name: "MD", Value: md},
	}
}

// handleEnrollment is ThreeDModelPayGate: the merchant's server posts the
// signed message with the card; the answer is a page for the browser.
func (s *Server) handleEnrollment(w http.ResponseWriter, r *http.Request) {
	m := readMessage(w, r)
	s.Respond(w, r, OpEnrollment, "text/html; charset=utf-8", func() []byte {
		if m == nil {
			return []byte("<html><body>Runtime Error</body></html>")
		}
		fail := func(rf refusal) []byte {
			s.Log().Info("vakifkatilimsim", "op", OpEnrollment, "order", m.MerchantOrderID, "code", rf.Code)
			// Refusals before authentication go back unsigned, as the bank's do.
			return renderForm(m.FailURL, result(Merchant{}, m.MerchantOrderID, refuse(m, rf), "", false))
		}
		if !gateway.ValidEndpoint(m.OkURL) || !gateway.ValidEndpoint(m.FailURL) {
			return []byte("<html><body>Runtime Error</body></html>")
		}
		mr, bad := s.authenticate(m)
		if bad != nil {
			return fail(*bad)
		}
		if m.TransactionSecurity != "3" {
			return fail(errSecurity)
		}
		p, bad := checkPayment(m)
		if bad != nil {
			return fail(*bad)
		}
		pan, exp, ok := cardOf(m.CardNumber, m.CardExpireDateMonth, m.CardExpireDateYear)
		if !ok {
			return fail(errCard)
		}
		id := randomID(16)
		s.enrolled.Put(id, &attempt{mr: mr, p: p, amount: m.Amount, okURL: m.OkURL, failURL: m.FailURL,
			installmentsRaw: m.InstallmentCount, pan: pan, expiry: exp, holder: m.CardHolderName})
		s.Log().Info("vakifkatilimsim", "op", OpEnrollment, "order", m.MerchantOrderID, "code", "acs")
		return renderForm(s.URL()+PathACS, []gateway.Field{{Name: "SessionId", Value: id}})
	})
}

// handleACS takes the browser from the enrollment page to the issuer's
// challenge; the result is posted to OkUrl with an MD for provisioning, or
// to FailUrl.
func (s *Server) handleACS(w http.ResponseWriter, r *http.Request) {
	a, ok := s.enrolled.Take(r.PostFormValue("SessionId"), nil)
	if !ok {
		http.Error(w, "3D oturumu bulunamadı veya süresi doldu", http.StatusGone)
		return
	}
	s.Challenge(w, a.pan.Reveal(), banksim.Challenge{
		Merchant: a.mr.Name, Amount: a.p.amount.DecimalSep(",") + " " + a.p.amount.Currency.Code, MaskedCard: a.pan.Masked(),
		Complete: func(out banksim.ACSOutcome) (string, []gateway.Field) {
			if out != banksim.ACSAuthenticated {
				return a.failURL, result(a.mr, a.p.orderID, refuse(nil, acsRefusal(out)), "", true)
			}
			md := base64.StdEncoding.EncodeToString([]byte(randomID(12)))
			a.bankOrderID = banksim.NewTransID(s.cfg.Now())
			s.sessions.Put(md, a)
			rp := &reply{ResponseCode: "00", ResponseMessage: msgAuthenticated, OrderID: a.bankOrderID}
			return a.okURL, result(a.mr, a.p.orderID, rp, md, true)
		},
	})
}

// acsRefusal is the gate's code for a challenge that did not authenticate;
// BOA has no half-secure level, so an attempt is refused like a failure.
func acsRefusal(out banksim.ACSOutcome) refusal {
	if out == banksim.ACSCancelled {
		return errAuthCancelled
	}
	return errAuthFailed
}

// provision is ThreeDModelProvisionGate: the MD of an authenticated attempt
// is charged once, for the order, amount and URLs its enrollment signed.
func (s *Server) provision(_ string, mr Merchant, m *message, r *http.Request) *reply {
	if m.TransactionSecurity != "3" {
		return refuse(m, errSecurity)
	}
	a, ok := s.sessions.Take(m.additional("MD"), func(a *attempt) bool {
		return a.mr.MerchantID == mr.MerchantID && a.p.orderID == m.MerchantOrderID && a.amount == m.Amount &&
			a.okURL == m.OkURL && a.failURL == m.FailURL
	})
	if !ok {
		return refuse(m, errEmptyMD)
	}
	m.InstallmentCount, m.TransactionSecurity = a.installmentsRaw, "3"
	return s.charge(mr, m, banksim.TxnAuth, a.p, a.pan, a.expiry, a.holder, r.RemoteAddr)
}

// handleHostPage serves CommonPaymentPage: first the browser's order form
// (no card; HashPassword and HashData checked), answered with the card
// page; then that page's post with the card, which runs the ACS, charges
// and posts the signed result back.
func (s *Server) handleHostPage(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRequest)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "form okunamadı", http.StatusBadRequest)
		return
	}
	v := r.PostForm
	if id := r.URL.Query().Get("session"); id != "" {
		a, ok := s.hosted.Take(id, nil) // one card entry per page
		if !ok {
			http.Error(w, "Oturum bulunamadı veya süresi doldu", http.StatusGone)
			return
		}
		s.hostedCard(w, a, v.Get("CardNumber"), v.Get("CardExpireDateMonth"), v.Get("CardExpireDateYear"), v.Get("CardHolderName"))
		return
	}
	m := &message{MerchantID: v.Get("MerchantId"), CustomerID: v.Get("CustomerId"), UserName: v.Get("UserName"),
		HashPassword: v.Get("HashPassword"), HashData: v.Get("HashData"), MerchantOrderID: v.Get("MerchantOrderId"),
		Amount: v.Get("Amount"), FECCurrencyCode: v.Get("FECCurrencyCode"), InstallmentCount: v.Get("InstallmentCount"),
		OkURL: v.Get("OkUrl"), FailURL: v.Get("FailUrl")}
	mr, ok := s.merchants.Get(m.MerchantID)
	if m.CustomerID == "" {
		m.CustomerID = mr.CustomerID // the library's form names no CustomerId
	}
	// A form that does not verify gets no post back: its URLs are not
	// trustworthy.
	if _, bad := s.authenticate(m); !ok || bad != nil || m.HashPassword == "" {
		http.Error(w, "Üye işyeri bilgileri veya HashData hatalı", http.StatusBadRequest)
		return
	}
	p, bad := checkPayment(m)
	if bad != nil || !gateway.ValidEndpoint(m.OkURL) || !gateway.ValidEndpoint(m.FailURL) {
		http.Error(w, "Geçersiz sipariş bilgileri", http.StatusBadRequest)
		return
	}
	id := randomID(16)
	s.hosted.Put(id, &attempt{mr: mr, p: p, amount: m.Amount, okURL: m.OkURL, failURL: m.FailURL, installmentsRaw: m.InstallmentCount})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	cardPage.Execute(w, map[string]string{"Action": PathHostPage + "?session=" + id, "Merchant": mr.Name, //nolint:errcheck // client may be gone
		"Amount": p.amount.DecimalSep(",") + " " + p.amount.Currency.Code})
}

// hostedCard validates the typed card and hands the cardholder to the ACS;
// the bank itself charges after authentication.
func (s *Server) hostedCard(w http.ResponseWriter, a *attempt, number, month, year, holder string) {
	pan, exp, ok := cardOf(number, month, year)
	if !ok {
		banksim.AutoPost(w, a.failURL, result(a.mr, a.p.orderID, refuse(nil, errCard), "", true))
		return
	}
	s.Challenge(w, pan.Reveal(), banksim.Challenge{
		Merchant: a.mr.Name, Amount: a.p.amount.DecimalSep(",") + " " + a.p.amount.Currency.Code, MaskedCard: pan.Masked(),
		Complete: func(out banksim.ACSOutcome) (string, []gateway.Field) {
			if out != banksim.ACSAuthenticated {
				return a.failURL, result(a.mr, a.p.orderID, refuse(nil, acsRefusal(out)), "", true)
			}
			m := &message{MerchantOrderID: a.p.orderID, Amount: a.amount, InstallmentCount: a.installmentsRaw, TransactionSecurity: "3"}
			rp := s.charge(a.mr, m, banksim.TxnAuth, a.p, pan, exp, holder, "")
			s.Log().Info("vakifkatilimsim", "op", OpHostPage, "order", a.p.orderID, "code", rp.ResponseCode)
			target := a.failURL
			if rp.ResponseCode == "00" {
				target = a.okURL
			}
			return target, result(a.mr, a.p.orderID, rp, "", true)
		},
	})
}

var cardPage = template.Must(template.New("card").Parse(`<!doctype html>
<html lang="tr"><head><meta charset="utf-8"><title>Vakıf Katılım ortak ödeme sayfası (simülatör)</title></head>
<body><h1>{{.Merchant}}</h1><p>Tutar / Amount: {{.Amount}}</p>
<form method="post" action="{{.Action}}">
<label>Kart sahibi <input name="CardHolderName" autocomplete="cc-name"></label><br>
<label>Kart numarası <input name="CardNumber" inputmode="numeric" autocomplete="cc-number"></label><br>
<label>Ay (AA) <input name="CardExpireDateMonth" inputmode="numeric" autocomplete="cc-exp-month"></label>
<label>Yıl (YY) <input name="CardExpireDateYear" inputmode="numeric" autocomplete="cc-exp-year"></label><br>
<label>CVV <input name="CardCVV2" inputmode="numeric" autocomplete="cc-csc"></label><br>
<button type="submit">Öde / Pay</button>
</form></body></html>`))
