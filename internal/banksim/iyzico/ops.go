package iyzicosim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/money"
)

// api serves one endpoint: authenticate, decode, process, answer through
// Core.Respond so that faults apply.
func (s *Server) api(op string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(r)
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		s.Respond(w, r, op, "application/json; charset=utf-8", func() []byte {
			m, code, msg := s.authenticate(r, body)
			if code != "" {
				return encode(failure(nil, code, msg))
			}
			req, err := decode(body)
			if err != nil {
				return encode(failure(nil, codeInvalidRequest, "Geçersiz istek"))
			}
			return encode(s.process(r, m, req))
		})
	}
}

func (s *Server) process(r *http.Request, m Merchant, req *request) reply {
	now := s.cfg.Now()
	switch r.URL.Path {
	case PathAuth:
		return s.charge(m, req, banksim.TxnAuth, now)
	case PathPreAuth:
		return s.charge(m, req, banksim.TxnPreAuth, now)
	case PathPostAuth:
		return s.postAuth(m, req, now)
	case PathCancel:
		return s.cancel(m, req, now)
	case PathRefund:
		return s.refund(m, req, now)
	case PathDetail:
		return s.detail(m, req)
	case Path3DInit:
		return s.init3D(m, req, banksim.TxnAuth, now)
	case Path3DInitPreAuth:
		return s.init3D(m, req, banksim.TxnPreAuth, now)
	case Path3DAuth:
		return s.auth3D(m, req, now)
	case PathInstallment:
		return s.installments(req)
	}
	return failure(req, codeInvalidRequest, "Geçersiz istek")
}

// payment is a validated auth/preauth/3DS-initialize request.
type payment struct {
	amount       money.Amount
	installments int
	pan          string
	expiry       card.Expiry
	holder       string
	email, ip    string
}

// validate checks a payment request as iyzico does; a non-nil reply is
// the refusal.
func validate(req *request) (payment, reply) {
	var p payment
	if req.ConversationID == "" || len(req.ConversationID) > 64 || req.BasketID == "" || len(req.BasketID) > 64 {
		return p, failure(req, codeInvalidRequest, "conversationId ve basketId gönderilmesi zorunludur")
	}
	cur, err := money.ParseCurrency(req.Currency)
	if err != nil || !accepted(cur) {
		return p, failure(req, codeInvalidRequest, "Geçersiz para birimi")
	}
	price, err := money.ParseDecimal(req.Price, cur)
	if err != nil || price.Minor <= 0 {
		return p, failure(req, codeInvalidRequest, "price geçersiz")
	}
	paid, err := money.ParseDecimal(req.PaidPrice, cur)
	if err != nil || paid.Minor <= 0 {
		return p, failure(req, codeInvalidRequest, "paidPrice geçersiz")
	}
	var sum int64
	for _, it := range req.BasketItems {
		a, err := money.ParseDecimal(it.Price, cur)
		if err != nil || a.Minor <= 0 {
			return p, failure(req, codeInvalidRequest, "Sepet ürün fiyatı geçersiz")
		}
		sum += a.Minor
	}
	if len(req.BasketItems) == 0 || sum != price.Minor {
		return p, failure(req, codeInvalidRequest, "Gönderilen tutar tüm kırılımların tutarları toplamına eşit olmalıdır")
	}
	if req.Installment < 1 || req.Installment > 12 || (req.Installment > 1 && cur.Code != money.TRY.Code) {
		return p, failure(req, codeInvalidRequest, "Geçersiz taksit")
	}
	if req.Buyer == nil || req.Buyer.IdentityNumber == "" || req.Buyer.Email == "" {
		return p, failure(req, codeInvalidRequest, "Alıcı bilgileri gönderilmesi zorunludur")
	}
	c := req.PaymentCard
	if c == nil {
		return p, failure(req, codeInvalidRequest, "Kart bilgileri gönderilmesi zorunludur")
	}
	pan, err := card.ParsePAN(c.CardNumber)
	if err != nil {
		return p, failure(req, codeInvalidCard, "Kart numarası geçersizdir")
	}
	mm, err1 := strconv.Atoi(c.ExpireMonth)
	yy, err2 := strconv.Atoi(c.ExpireYear)
	if yy < 100 {
		yy += 2000
	}
	exp, err3 := card.NewExpiry(mm, yy)
	if err1 != nil || err2 != nil || err3 != nil {
		return p, failure(req, codeInvalidExpiry, "Son kullanma tarihi geçersizdir")
	}
	if l := len(c.Cvc); l < 3 || l > 4 || strings.Trim(c.Cvc, "0123456789") != "" {
		return p, failure(req, codeInvalidCVC, "CVC geçersizdir")
	}
	return payment{
		amount: paid, installments: req.Installment, pan: pan.Reveal(), expiry: exp,
		holder: c.CardHolderName, email: req.Buyer.Email, ip: req.Buyer.IP,
	}, nil
}

func accepted(c money.Currency) bool {
	switch c.Code {
	case "TRY", "USD", "EUR", "GBP":
		return true
	}
	return false
}

// declineCodes turns the shared decline table's ISO codes into iyzico's
// "100NN" errorCode and errorGroup.
var declineGroups = map[string]string{
	"01": "CALL_ISSUER", "05": "DO_NOT_HONOUR", "12": "INVALID_TRANSACTION", "14": "INVALID_CARD_NUMBER",
	"41": "LOST_CARD", "43": "STOLEN_CARD", "51": "NOT_SUFFICIENT_FUNDS", "54": "EXPIRED_CARD",
	"57": "NOT_PERMITTED_TO_CARDHOLDER", "59": "FRAUD_SUSPECT", "61": "LIMIT_EXCEEDED", "62": "RESTRICTED_BY_LAW",
	"65": "LIMIT_EXCEEDED", "82": "INVALID_CVC2", "91": "BANK_NOT_AVAILABLE",
}

func declineCode(iso string) string {
	if iso == "82" {
		return "10084" // iyzico's "CVC2 bilgisi hatalı"
	}
	return "100" + iso
}

func (s *Server) newPaymentID(merchant, order string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	id := itoa(s.nextID)
	s.payments[id] = paymentRef{merchant, order}
	s.byOrder[orderKey{merchant, order}] = id
	return id
}

func (s *Server) lookup(merchant string, req *request) (string, banksim.Order, bool) {
	s.mu.Lock()
	id := req.PaymentID
	if id == "" && req.PaymentConversationID != "" {
		id = s.byOrder[orderKey{merchant, req.PaymentConversationID}]
	}
	ref, ok := s.payments[id]
	s.mu.Unlock()
	if !ok || ref.merchant != merchant {
		return "", banksim.Order{}, false
	}
	o, ok := s.Book().Get(merchant, ref.order)
	return id, o, ok
}

// charge runs a non-3DS auth or preauth.
func (s *Server) charge(m Merchant, req *request, typ banksim.TxnType, now time.Time) reply {
	p, bad := validate(req)
	if bad != nil {
		return bad
	}
	return s.book(m, req.ConversationID, p, typ, now)
}

// book runs the charge through the decline rules and the order book.
func (s *Server) book(m Merchant, orderID string, p payment, typ banksim.TxnType, now time.Time) reply {
	res := s.Book().Charge(m.APIKey, orderID, banksim.Charge{
		Type: typ, Amount: p.amount, Installments: p.installments, PAN: p.pan, Expiry: p.expiry,
		Card: maskPAN(p.pan), Holder: p.holder, Email: p.email, ClientIP: p.ip,
		AuthCode: func() string { return banksim.NewAuthCode("") },
	}, now)
	r := &request{ConversationID: orderID}
	if res.Duplicate {
		return failure(r, codeDuplicate, "Bu sipariş numarası ile daha önce ödeme yapılmış")
	}
	paymentID := s.newPaymentID(m.APIKey, orderID)
	if res.Declined {
		out := failure(r, declineCode(res.Decline.Code), res.Decline.Message)
		out["errorGroup"] = declineGroups[res.Decline.Code]
		out["paymentId"] = paymentID
		return out
	}
	o := res.Order
	o.ID = orderID // a new order's copy is taken before the book names it
	return s.paymentReply(m, paymentID, o)
}

// paymentReply is the signed success body of auth, preauth, postauth,
// 3DS auth and detail.
func (s *Server) paymentReply(m Merchant, paymentID string, o banksim.Order) reply {
	cur := money.MustCurrency(o.Currency)
	price := money.New(o.Authorized, cur)
	paid := price
	phase := "AUTH"
	status := "SUCCESS"
	switch {
	case o.Type == banksim.TxnPreAuth && o.State == banksim.OrderAuthorized:
		phase = "PRE_AUTH"
	case o.Type == banksim.TxnPreAuth:
		phase, paid = "POST_AUTH", money.New(o.Captured, cur)
	}
	switch o.State {
	case banksim.OrderVoided:
		status = "CANCELLED"
	case banksim.OrderDeclined:
		status = "FAILURE"
		if n := len(o.Txns); n > 0 {
			price = money.New(o.Txns[n-1].Amount, cur)
			paid = price
		}
	}
	refundStatus := "NOT_REFUNDED"
	switch {
	case o.Refunded > 0 && o.Refunded >= o.Captured:
		refundStatus = "TOTALLY_REFUNDED"
	case o.Refunded > 0:
		refundStatus = "PARTIALLY_REFUNDED"
	}
	return reply{
		"status": "success", "locale": "tr", "systemTime": time.Now().UnixMilli(),
		"conversationId": o.ID, "basketId": o.ID, "paymentId": paymentID,
		"price": number(price), "paidPrice": number(paid), "currency": o.Currency,
		"installment": max(o.Installments, 1), "fraudStatus": 1, "paymentStatus": status, "phase": phase,
		"authCode": o.AuthCode, "hostReference": o.HostRef, "lastFourDigits": last4(o.Card),
		"paymentRefundStatus": refundStatus, "refundPrice": number(money.New(o.Refunded, cur)),
		"itemTransactions": []reply{{
			"itemId": o.ID, "paymentTransactionId": paymentID + "1", "transactionStatus": 2,
			"price": number(price), "paidPrice": number(paid),
		}},
		"signature": sign(m.SecretKey, paymentID, o.Currency, o.ID, o.ID, signed(paid), signed(price)),
	}
}

func maskPAN(pan string) string {
	if len(pan) < 10 {
		return strings.Repeat("*", len(pan))
	}
	return pan[:6] + strings.Repeat("*", len(pan)-10) + pan[len(pan)-4:]
}

func last4(masked string) string {
	if len(masked) < 4 {
		return masked
	}
	return masked[len(masked)-4:]
}

// postAuth captures an open pre-authorisation, fully or partly.
func (s *Server) postAuth(m Merchant, req *request, now time.Time) reply {
	id, o, ok := s.lookup(m.APIKey, req)
	if !ok {
		return failure(req, codeNotFound, "Ödeme bulunamadı")
	}
	cur, err := money.ParseCurrency(req.Currency)
	if err != nil || cur.Code != o.Currency {
		return failure(req, codeInvalidRequest, "Geçersiz para birimi")
	}
	amt, err := money.ParseDecimal(req.PaidPrice, cur)
	if err != nil || amt.Minor <= 0 {
		return failure(req, codeInvalidRequest, "paidPrice geçersiz")
	}
	var refusal reply
	s.Book().Update(m.APIKey, o.ID, func(cur *banksim.Order) *banksim.Order {
		if cur.State != banksim.OrderAuthorized || amt.Minor > cur.Authorized {
			refusal = failure(req, codeCaptureInvalid, "Ön provizyon kapatılamaz")
			return nil
		}
		cur.State, cur.Captured, cur.CapturedAt = banksim.OrderCaptured, amt.Minor, now
		cur.Txns = append(cur.Txns, banksim.Txn{Type: banksim.TxnPostAuth, Amount: amt.Minor, Approved: true, Code: "00",
			AuthCode: cur.AuthCode, HostRef: banksim.NewHostRef(now), TransID: banksim.NewTransID(now), Time: now})
		return nil
	})
	if refusal != nil {
		return refusal
	}
	o, _ = s.Book().Get(m.APIKey, o.ID)
	return s.paymentReply(m, id, o)
}

// cancel voids a payment before the batch closes and before any refund.
func (s *Server) cancel(m Merchant, req *request, now time.Time) reply {
	id, o, ok := s.lookup(m.APIKey, req)
	if !ok {
		return failure(req, codeNotFound, "Ödeme bulunamadı")
	}
	var refusal reply
	var amount int64
	s.Book().Update(m.APIKey, o.ID, func(cur *banksim.Order) *banksim.Order {
		ok := (cur.State == banksim.OrderAuthorized || cur.State == banksim.OrderCaptured) && !cur.Settled && cur.Refunded == 0
		if !ok {
			refusal = failure(req, codeNotCancellable, "İptal işlemi yapılamaz, ödeme gün sonuna girmiş veya iade edilmiş")
			return nil
		}
		amount = cur.Outstanding()
		cur.State, cur.VoidedAt = banksim.OrderVoided, now
		cur.Txns = append(cur.Txns, banksim.Txn{Type: banksim.TxnVoid, Amount: amount, Approved: true, Code: "00",
			HostRef: banksim.NewHostRef(now), TransID: banksim.NewTransID(now), Time: now})
		return nil
	})
	if refusal != nil {
		return refusal
	}
	return reply{
		"status": "success", "locale": "tr", "systemTime": now.UnixMilli(), "conversationId": req.ConversationID,
		"paymentId": id, "price": number(money.New(amount, money.MustCurrency(o.Currency))), "currency": o.Currency,
		"authCode": o.AuthCode, "hostReference": o.HostRef,
	}
}

// refund returns part or all of what was captured, never more.
func (s *Server) refund(m Merchant, req *request, now time.Time) reply {
	id, o, ok := s.lookup(m.APIKey, req)
	if !ok {
		return failure(req, codeNotFound, "Ödeme bulunamadı")
	}
	cur := money.MustCurrency(o.Currency)
	amt, err := money.ParseDecimal(req.Price, cur)
	if err != nil || amt.Minor <= 0 {
		return failure(req, codeInvalidRequest, "price geçersiz")
	}
	var refusal reply
	s.Book().Update(m.APIKey, o.ID, func(o *banksim.Order) *banksim.Order {
		refundable := o.State == banksim.OrderCaptured || o.State == banksim.OrderPartiallyRefunded
		if !refundable || amt.Minor > o.Captured-o.Refunded {
			refusal = failure(req, codeRefundExceeds, fmt.Sprintf("İade tutarı iade edilebilir tutardan (%s) büyük olamaz", money.New(o.Captured-o.Refunded, cur).Decimal()))
			return nil
		}
		o.AddRefund(amt.Minor)
		o.Txns = append(o.Txns, banksim.Txn{Type: banksim.TxnCredit, Amount: amt.Minor, Approved: true, Code: "00",
			HostRef: banksim.NewHostRef(now), TransID: banksim.NewTransID(now), Time: now})
		return nil
	})
	if refusal != nil {
		return refusal
	}
	return reply{
		"status": "success", "locale": "tr", "systemTime": now.UnixMilli(), "conversationId": req.ConversationID,
		"paymentId": id, "price": number(amt), "currency": o.Currency, "hostReference": banksim.NewHostRef(now),
	}
}

// detail retrieves a payment by paymentId or paymentConversationId.
func (s *Server) detail(m Merchant, req *request) reply {
	id, o, ok := s.lookup(m.APIKey, req)
	if !ok {
		return failure(req, codeNotFound, "Ödeme bulunamadı")
	}
	return s.paymentReply(m, id, o)
}

// installments answers the plans of a BIN: 1, 2, 3, 6, 9 and 12
// installments at no extra cost.
func (s *Server) installments(req *request) reply {
	if l := len(req.BinNumber); (l != 6 && l != 8) || strings.Trim(req.BinNumber, "0123456789") != "" {
		return failure(req, codeInvalidRequest, "binNumber geçersiz")
	}
	price, err := money.ParseDecimal(req.Price, money.TRY)
	if err != nil || price.Minor <= 0 {
		return failure(req, codeInvalidRequest, "price geçersiz")
	}
	var plans []reply
	for _, n := range []int{1, 2, 3, 6, 9, 12} {
		plans = append(plans, reply{
			"installmentNumber": n, "totalPrice": number(price),
			"installmentPrice": number(money.New(money.Split(price.Minor, n)[0], money.TRY)),
		})
	}
	brand := "MASTER_CARD"
	if req.BinNumber[0] == '4' {
		brand = "VISA"
	}
	return reply{
		"status": "success", "locale": "tr", "conversationId": req.ConversationID,
		"installmentDetails": []reply{{
			"binNumber": req.BinNumber, "price": number(price), "cardType": "CREDIT_CARD", "cardAssociation": brand,
			"cardFamilyName": "Simülatör", "force3ds": 0, "bankCode": 62, "bankName": "Kasa Simülatör Bankası",
			"forceCvc": 0, "commercial": 0, "installmentPrices": plans,
		}},
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
