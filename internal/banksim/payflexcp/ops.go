package payflexcpsim

import (
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"html/template"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// bankZone is the host's local time (Turkey, UTC+3 all year since 2016).
var bankZone = time.FixedZone("TRT", 3*60*60)

const maxRequest = 64 << 10

var (
	reOrderID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,36}$`)
	reAmount  = regexp.MustCompile(`^[0-9]{1,10}\.[0-9]{2}$`)
	rePAN     = regexp.MustCompile(`^[0-9]{12,19}$`)
	reCVV     = regexp.MustCompile(`^[0-9]{3,4}$`)
)

var currencies = map[string]money.Currency{"949": money.TRY, "840": money.USD, "978": money.EUR, "826": money.GBP}

var brandNumbers = map[card.Brand]string{card.Visa: "100", card.Mastercard: "200", card.Troy: "300", card.Amex: "400"}

// Result and error codes. Rc "0000" and "00NN" (issuer) follow the VPOS;
// the others are this simulator's numbering, the bank's list not being
// public (captured: 2053 "VeRes status is E").
var (
	errMerchant  = [2]string{"5002", "Üye işyeri bilgileri hatalı"}
	errHash      = [2]string{"5003", "HashedData doğrulanamadı"}
	errField     = [2]string{"5004", "Geçersiz alan"}
	errDuplicate = [2]string{"5005", "Sipariş numarası daha önce kullanılmış"}
	errUnknown   = [2]string{"5010", "İşlem bulunamadı"}
	rc3DFailed   = [2]string{"2046", "3D doğrulama başarısız"}
	rcNotEnroll  = [2]string{"2052", "Kart 3D Secure programına dahil değil"}
	rcDuplicate  = [2]string{"1041", "Sipariş numarası daha önce kullanılmış"}
)

// hashedData is the bank's RegisterTransaction hash.
func hashedData(m Merchant, amountCode, amount string) string {
	sum := sha1.Sum([]byte(m.HostMerchantID + amountCode + amount + m.Password + "" + "VBank3DPay2014"))
	return base64.StdEncoding.EncodeToString(sum[:])
}

func readForm(r *http.Request) (url.Values, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
	if err != nil || len(body) > maxRequest {
		return nil, fmt.Errorf("bad body")
	}
	return url.ParseQuery(string(body))
}

type registerResponse struct {
	XMLName          xml.Name `xml:"RegisterResponse"`
	CommonPaymentURL string   `xml:"CommonPaymentUrl,omitempty"`
	PaymentToken     string   `xml:"PaymentToken,omitempty"`
	ErrorCode        string   `xml:"ErrorCode,omitempty"`
	ResponseMessage  string   `xml:"ResponseMessage,omitempty"`
}

func encode(v any) []byte {
	b, err := xml.Marshal(v)
	if err != nil {
		panic(err) // only fixed struct types are encoded
	}
	return b
}

func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	f, err := readForm(r)
	s.Respond(w, r, OpRegister, "text/xml; charset=utf-8", func() []byte {
		if err != nil {
			return encode(&registerResponse{ErrorCode: errField[0], ResponseMessage: errField[1]})
		}
		reg, bad := s.register(f)
		if bad != nil {
			return encode(&registerResponse{ErrorCode: bad[0], ResponseMessage: bad[1]})
		}
		return encode(&registerResponse{CommonPaymentURL: s.URL() + PathPage, PaymentToken: reg.token})
	})
}

// register validates a RegisterTransaction and stores it.
func (s *Server) register(f url.Values) (*registration, *[2]string) {
	m, ok := s.authenticate(f.Get("HostMerchantId"), f.Get("MerchantPassword"))
	if !ok || f.Get("HostTerminalId") != m.HostTerminalID {
		return nil, &errMerchant
	}
	code, amount := f.Get("AmountCode"), f.Get("Amount")
	if subtle.ConstantTimeCompare([]byte(f.Get("HashedData")), []byte(hashedData(m, code, amount))) != 1 {
		return nil, &errHash
	}
	cur, ok := currencies[code]
	a, err := money.ParseDecimal(amount, cur)
	typ := f.Get("TransactionType")
	if !ok || !reAmount.MatchString(amount) || err != nil || a.Minor <= 0 || (typ != "Sale" && typ != "Auth") ||
		!reOrderID.MatchString(f.Get("OrderID")) || f.Get("IsSecure") != "true" ||
		!gateway.ValidEndpoint(f.Get("SuccessUrl")) || !gateway.ValidEndpoint(f.Get("FailUrl")) {
		return nil, &errField
	}
	n := 1
	if v := f.Get("InstallmentCount"); v != "" && v != "0" {
		n, err = strconv.Atoi(v)
		if err != nil || n < 1 || n > 12 || (n > 1 && cur.Code != money.TRY.Code) {
			return nil, &errField
		}
	}
	now := s.cfg.Now()
	reg := &registration{merchant: m, token: randomHex(16), txID: randomHex(16), txType: typ, orderID: f.Get("OrderID"),
		amount: a, installments: n, successURL: f.Get("SuccessUrl"), failURL: f.Get("FailUrl"), expires: now.Add(ttl)}
	if f.Get("PAN") != "" {
		if bad := reg.setCard(f.Get("PAN"), f.Get("ExpireMonth"), f.Get("ExpireYear"), f.Get("CVV"), f.Get("CardHoldersName")); bad != nil {
			return nil, bad
		}
		if brandNumbers[card.BrandOf(reg.pan)] != f.Get("BrandNumber") {
			return nil, &errField
		}
	}
	if o, ok := s.Book().Get(m.HostMerchantID, reg.orderID); ok && o.State != banksim.OrderDeclined {
		return nil, &errDuplicate
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, x := range s.txns {
		if now.After(x.expires) {
			delete(s.txns, k)
		}
	}
	s.txns[reg.token] = reg
	return reg, nil
}

// setCard validates card fields (registered or typed on the page).
func (reg *registration) setCard(pan, month, year, cvv, holder string) *[2]string {
	p, err := card.ParsePAN(pan)
	mm, err1 := strconv.Atoi(month)
	yy, err2 := strconv.Atoi(year)
	exp, err3 := card.NewExpiry(mm, yy)
	if err != nil || !rePAN.MatchString(pan) || err1 != nil || err2 != nil || err3 != nil || !reCVV.MatchString(cvv) {
		return &errField
	}
	reg.pan, reg.exp, reg.holder = p.Reveal(), exp, holder
	return nil
}

// take returns the live registration of a token.
func (s *Server) take(token string) (*registration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	reg, ok := s.txns[token]
	return reg, ok && !reg.done && !s.cfg.Now().After(reg.expires)
}

// handlePage is the Common Payment page: GET ?Ptkn= as the bank
// documents it, or a form POST of Ptkn.
func (s *Server) handlePage(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRequest)
	reg, ok := s.take(r.FormValue("Ptkn"))
	if !ok {
		http.Error(w, "Ortak Ödeme: geçersiz veya süresi dolmuş işlem", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	opened, pan := reg.started, reg.pan
	reg.started = true
	s.mu.Unlock()
	if opened {
		http.Error(w, "Ortak Ödeme: işlem zaten başlatıldı", http.StatusBadRequest)
		return
	}
	if pan != "" {
		s.challenge(w, reg)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	cardPage.Execute(w, map[string]string{"Token": reg.token, "Amount": reg.amount.DecimalSep(",") + " " + reg.amount.Currency.Code})
}

// handleCard takes the card typed on the 3D Host page.
func (s *Server) handleCard(w http.ResponseWriter, r *http.Request) {
	f, err := readForm(r)
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	reg, ok := s.take(f.Get("Ptkn"))
	if !ok {
		http.Error(w, "Ortak Ödeme: geçersiz veya süresi dolmuş işlem", http.StatusBadRequest)
		return
	}
	year := f.Get("ExpireYear")
	if len(year) == 2 {
		year = "20" + year
	}
	s.mu.Lock()
	bad := &errField
	if reg.started && reg.pan == "" {
		bad = reg.setCard(f.Get("PAN"), f.Get("ExpireMonth"), year, f.Get("CVV"), f.Get("CardHoldersName"))
	}
	s.mu.Unlock()
	if bad != nil {
		http.Error(w, "Ortak Ödeme: kart bilgileri hatalı", http.StatusBadRequest)
		return
	}
	s.challenge(w, reg)
}

// challenge runs the shared ACS, then provisions and posts the result.
func (s *Server) challenge(w http.ResponseWriter, reg *registration) {
	pan, _ := card.ParsePAN(reg.pan)
	s.Challenge(w, reg.pan, banksim.Challenge{
		Merchant:   reg.merchant.Name,
		Amount:     reg.amount.DecimalSep(",") + " " + reg.amount.Currency.Code,
		MaskedCard: pan.Masked(),
		Complete: func(out banksim.ACSOutcome) (string, []gateway.Field) {
			s.finish(reg, out)
			s.mu.Lock()
			defer s.mu.Unlock()
			to := reg.failURL
			if reg.rc == "0000" {
				to = reg.successURL
			}
			// Informational only: the merchant reads the result with the
			// query API.
			return to, []gateway.Field{
				{Name: "TransactionId", Value: reg.txID},
				{Name: "PaymentToken", Value: reg.token},
				{Name: "Rc", Value: reg.rc},
				{Name: "Message", Value: reg.message},
				{Name: "MaskedPan", Value: pan.Masked()},
			}
		},
	})
}

// finish provisions an authenticated transaction (the bank's side of 3D
// Pay) and records the result; with AllowNotEnrolledCard false only full
// authentication reaches the issuer.
func (s *Server) finish(reg *registration, out banksim.ACSOutcome) {
	now := s.cfg.Now()
	res := [4]string{rc3DFailed[0], rc3DFailed[1]}
	switch out {
	case banksim.ACSAttempted:
		res = [4]string{rcNotEnroll[0], rcNotEnroll[1]}
	case banksim.ACSAuthenticated:
		typ := banksim.TxnAuth
		if reg.txType == "Auth" {
			typ = banksim.TxnPreAuth
		}
		c := s.Book().Charge(reg.merchant.HostMerchantID, reg.orderID, banksim.Charge{
			Type: typ, Amount: reg.amount, Installments: reg.installments, PAN: reg.pan, Expiry: reg.exp,
			Card: maskedOf(reg.pan), Holder: reg.holder, AuthCode: func() string { return fmt.Sprintf("%06d", rand.IntN(1000000)) },
			DeclinePrefix: "00",
		}, now)
		switch {
		case c.Duplicate:
			res = [4]string{rcDuplicate[0], rcDuplicate[1]}
		case c.Declined:
			res = [4]string{c.Txn.Code, c.Txn.Message, "000000"}
		default:
			res = [4]string{"0000", "İŞLEM BAŞARILI", c.Txn.AuthCode, c.Txn.HostRef}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	reg.done, reg.hostDate = true, now
	reg.rc, reg.message, reg.authCode, reg.rrn = res[0], res[1], res[2], res[3]
}

func maskedOf(pan string) string {
	p, _ := card.ParsePAN(pan)
	return p.Masked()
}

type queryResponse struct {
	XMLName          xml.Name `xml:"VposQueryResponse"`
	Rc               string   `xml:"Rc,omitempty"`
	AuthCode         string   `xml:"AuthCode,omitempty"`
	Rrn              string   `xml:"Rrn,omitempty"`
	Message          string   `xml:"Message,omitempty"`
	TransactionID    string   `xml:"TransactionId,omitempty"`
	PaymentToken     string   `xml:"PaymentToken,omitempty"`
	MaskedPan        string   `xml:"MaskedPan,omitempty"`
	HostMerchantID   string   `xml:"HostMerchantId,omitempty"`
	HostTerminalID   string   `xml:"HostTerminalId,omitempty"`
	AmountCode       string   `xml:"AmountCode,omitempty"`
	Amount           string   `xml:"Amount,omitempty"`
	TransactionType  string   `xml:"TransactionType,omitempty"`
	OrderID          string   `xml:"OrderID,omitempty"`
	InstallmentCount string   `xml:"InstallmentCount"`
	IsSecure         string   `xml:"IsSecure,omitempty"`
	HostDate         string   `xml:"HostDate,omitempty"`
	ErrorCode        string   `xml:"ErrorCode,omitempty"`
	ResponseMessage  string   `xml:"ResponseMessage,omitempty"`
}

func (s *Server) handleQuery(w http.ResponseWriter, r *http.Request) {
	f, err := readForm(r)
	s.Respond(w, r, OpQuery, "text/xml; charset=utf-8", func() []byte {
		if err != nil {
			return encode(&queryResponse{ErrorCode: errField[0], ResponseMessage: errField[1]})
		}
		return encode(s.query(f))
	})
}

// query answers the result of a finished transaction of this merchant, by
// PaymentToken or TransactionId.
func (s *Server) query(f url.Values) *queryResponse {
	m, ok := s.authenticate(f.Get("HostMerchantId"), f.Get("Password"))
	if !ok {
		return &queryResponse{ErrorCode: errMerchant[0], ResponseMessage: errMerchant[1]}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var reg *registration
	for _, x := range s.txns {
		if (f.Get("PaymentToken") == "" || x.token == f.Get("PaymentToken")) &&
			(f.Get("TransactionId") == "" || x.txID == f.Get("TransactionId")) &&
			(f.Get("PaymentToken") != "" || f.Get("TransactionId") != "") {
			reg = x
			break
		}
	}
	if reg == nil || !reg.done || reg.merchant.HostMerchantID != m.HostMerchantID {
		return &queryResponse{ErrorCode: errUnknown[0], ResponseMessage: errUnknown[1]}
	}
	inst := ""
	if reg.installments > 1 {
		inst = strconv.Itoa(reg.installments)
	}
	return &queryResponse{
		Rc: reg.rc, AuthCode: reg.authCode, Rrn: reg.rrn, Message: reg.message, TransactionID: reg.txID,
		PaymentToken: reg.token, MaskedPan: maskedOf(reg.pan), HostMerchantID: m.HostMerchantID,
		HostTerminalID: m.HostTerminalID, AmountCode: reg.amount.Currency.Numeric,
		Amount: strings.Replace(reg.amount.Decimal(), ".", ",", 1), TransactionType: reg.txType, OrderID: reg.orderID,
		InstallmentCount: inst, IsSecure: "True", HostDate: reg.hostDate.In(bankZone).Format("20060102150405"),
	}
}

var cardPage = template.Must(template.New("card").Parse(`<!doctype html>
<html lang="tr"><head><meta charset="utf-8"><title>Ortak Ödeme (simülatör)</title></head>
<body><h1>Ortak Ödeme</h1><p>Tutar / Amount: {{.Amount}}</p>
<form method="post" action="/CommonPayment/SecurePayment/Pay">
<input type="hidden" name="Ptkn" value="{{.Token}}">
<label>Kart No <input name="PAN" autocomplete="cc-number" inputmode="numeric"></label>
<label>Ay <input name="ExpireMonth" autocomplete="cc-exp-month"></label>
<label>Yıl <input name="ExpireYear" autocomplete="cc-exp-year"></label>
<label>CVV <input name="CVV" autocomplete="cc-csc"></label>
<label>Kart Sahibi <input name="CardHoldersName" autocomplete="cc-name"></label>
<button type="submit">Öde</button>
</form></body></html>`))
