package iyzicosim

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// pending3D is a 3DS payment between initialize and auth. The card number
// lives here, in memory only, until the charge.
type pending3D struct {
	merchant    Merchant
	paymentID   string
	orderID     string
	typ         banksim.TxnType
	payment     payment
	callbackURL string
	token       string // the 3DS page's one-time reference
	expires     time.Time

	// Set by the callback.
	status, mdStatus, conversationData string
	done                               bool
}

const pendingTTL = 15 * time.Minute

// init3D answers /payment/3dsecure/initialize[/preauth]: it validates the
// payment like an auth, keeps it pending and returns threeDSHtmlContent.
func (s *Server) init3D(m Merchant, req *request, typ banksim.TxnType, now time.Time) reply {
	p, bad := validate(req)
	if bad != nil {
		return bad
	}
	if u, err := url.Parse(req.CallbackURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return failure(req, codeInvalidRequest, "callbackUrl geçersiz")
	}
	if o, ok := s.Book().Get(m.APIKey, req.ConversationID); ok && o.State != banksim.OrderDeclined {
		return failure(req, codeDuplicate, "Bu sipariş numarası ile daha önce ödeme yapılmış")
	}
	paymentID := s.newPending(&pending3D{
		merchant: m, orderID: req.ConversationID, typ: typ, payment: p,
		callbackURL: req.CallbackURL, token: randomHex(16), expires: now.Add(pendingTTL),
	})
	s.mu.Lock()
	token := s.threeDS[paymentID].token
	s.mu.Unlock()
	var page bytes.Buffer
	htmlContent.Execute(&page, map[string]string{"URL": s.URL() + Path3DPage, "Token": token}) //nolint:errcheck // fixed template
	return reply{
		"status": "success", "locale": "tr", "systemTime": now.UnixMilli(), "conversationId": req.ConversationID,
		"paymentId": paymentID, "threeDSHtmlContent": base64.StdEncoding.EncodeToString(page.Bytes()),
		"signature": sign(m.SecretKey, paymentID, req.ConversationID),
	}
}

func (s *Server) newPending(p *pending3D) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, q := range s.threeDS {
		if time.Now().After(q.expires) {
			delete(s.threeDS, id)
		}
	}
	s.nextID++
	p.paymentID = itoa(s.nextID)
	s.threeDS[p.paymentID] = p
	return p.paymentID
}

// htmlContent is the page iyzico's threeDSHtmlContent decodes to: a form
// posting the browser on to the 3DS page.
var htmlContent = template.Must(template.New("3ds").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>3D Secure</title></head>
<body onload="document.getElementById('iyzico-3ds-form').submit()">
<form id="iyzico-3ds-form" action="{{.URL}}" method="post"><input type="hidden" name="token" value="{{.Token}}">
<noscript><button type="submit">Devam</button></noscript></form></body></html>`))

// handle3DPage runs the shared ACS challenge for a pending payment and
// posts the signed callback to the merchant's callbackUrl.
func (s *Server) handle3DPage(w http.ResponseWriter, r *http.Request) {
	token := r.PostFormValue("token")
	s.mu.Lock()
	var p *pending3D
	for _, q := range s.threeDS {
		if q.token != "" && q.token == token {
			p = q
		}
	}
	if p != nil {
		p.token = "" // one visit per initialize
	}
	s.mu.Unlock()
	if p == nil || time.Now().After(p.expires) {
		http.Error(w, "3-D Secure oturumu bulunamadı veya süresi doldu", http.StatusGone)
		return
	}
	s.Challenge(w, p.payment.pan, banksim.Challenge{
		Merchant:   p.merchant.Name,
		Amount:     p.payment.amount.DecimalSep(",") + " " + p.payment.amount.Currency.Code,
		MaskedCard: maskPAN(p.payment.pan),
		Complete:   func(out banksim.ACSOutcome) (string, []gateway.Field) { return s.callback(p, out) },
	})
}

// callback records the authentication and builds iyzico's callback:
// status, paymentId, conversationData, conversationId, mdStatus and
// signature = hex(HMAC-SHA256(secretKey, conversationData:conversationId:mdStatus:paymentId:status)).
func (s *Server) callback(p *pending3D, out banksim.ACSOutcome) (string, []gateway.Field) {
	status, md, data := "failure", "0", ""
	switch out {
	case banksim.ACSAuthenticated:
		status, md, data = "success", "1", randomHex(24)
	case banksim.ACSAttempted:
		// Half secure: iyzico lets the merchant complete it; whether to is
		// the merchant's policy.
		status, md, data = "success", "4", randomHex(24)
	}
	s.mu.Lock()
	p.status, p.mdStatus, p.conversationData = status, md, data
	s.mu.Unlock()
	return p.callbackURL, []gateway.Field{
		{Name: "status", Value: status},
		{Name: "paymentId", Value: p.paymentID},
		{Name: "conversationData", Value: data},
		{Name: "conversationId", Value: p.orderID},
		{Name: "mdStatus", Value: md},
		{Name: "signature", Value: sign(p.merchant.SecretKey, data, p.orderID, md, p.paymentID, status)},
	}
}

// auth3D answers /payment/v2/3dsecure/auth: it charges an authenticated
// pending payment once, checking paidPrice, basketId and currency against
// the initialize call.
func (s *Server) auth3D(m Merchant, req *request, now time.Time) reply {
	s.mu.Lock()
	p, ok := s.threeDS[req.PaymentID]
	var refusal reply
	switch {
	case !ok || p.merchant.APIKey != m.APIKey:
		refusal = failure(req, codeNotFound, "Ödeme bulunamadı")
	case p.done:
		refusal = failure(req, codeDuplicate, "Bu ödeme daha önce tamamlanmış")
	case p.status != "success" || p.conversationData == "" || req.ConversationData != p.conversationData:
		refusal = failure(req, code3DSNotVerified, "3D Secure doğrulaması başarısız")
	}
	if refusal == nil {
		cur, err := money.ParseCurrency(req.Currency)
		paid, perr := money.ParseDecimal(req.PaidPrice, cur)
		if err != nil || perr != nil || cur.Code != p.payment.amount.Currency.Code || paid.Minor != p.payment.amount.Minor || req.BasketID != p.orderID {
			refusal = failure(req, codeInvalidRequest, "paidPrice, basketId ve currency 3DS başlatma isteğiyle aynı olmalıdır")
		}
	}
	if refusal != nil {
		s.mu.Unlock()
		return refusal
	}
	p.done = true
	s.mu.Unlock()

	res := s.Book().Charge(m.APIKey, p.orderID, banksim.Charge{
		Type: p.typ, Amount: p.payment.amount, Installments: p.payment.installments, PAN: p.payment.pan, Expiry: p.payment.expiry,
		Card: maskPAN(p.payment.pan), Holder: p.payment.holder, Email: p.payment.email, ClientIP: p.payment.ip,
		AuthCode: func() string { return banksim.NewAuthCode("") },
	}, now)
	s.mu.Lock()
	delete(s.threeDS, p.paymentID)
	if !res.Duplicate {
		s.payments[p.paymentID] = paymentRef{m.APIKey, p.orderID}
		s.byOrder[orderKey{m.APIKey, p.orderID}] = p.paymentID
	}
	s.mu.Unlock()
	r := &request{ConversationID: p.orderID}
	switch {
	case res.Duplicate:
		return failure(r, codeDuplicate, "Bu sipariş numarası ile daha önce ödeme yapılmış")
	case res.Declined:
		out := failure(r, declineCode(res.Decline.Code), res.Decline.Message)
		out["errorGroup"] = declineGroups[res.Decline.Code]
		out["paymentId"] = p.paymentID
		return out
	}
	o := res.Order
	o.ID = p.orderID // a new order's copy is taken before the book names it
	return s.paymentReply(m, p.paymentID, o)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
