// Package kuveytsim simulates Kuveyt Türk's virtual POS ("BOA", TDV2.0.0)
// from the bank's documentation: the XML gate (Non3DPayGate,
// ThreeDModelPayGate, ThreeDModelProvisionGate) and the SOAP operation
// service (SaleReversal, Drawback, PartialDrawback, GetMerchantOrderDetail).
package kuveytsim

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// Paths the bank serves.
const (
	PathHome  = "/boa.virtualpos.services/Home"
	PathNon3D = PathHome + "/Non3DPayGate"
	PathGate  = PathHome + "/ThreeDModelPayGate"
	PathProv  = PathHome + "/ThreeDModelProvisionGate"
	PathSOAP  = "/BOA.Integration.WCFService/BOA.Integration.VirtualPos/VirtualPosService.svc/Basic"
)

// Operation names for faults.
const (
	OpSale            = "Sale"
	OpThreeDPay       = "ThreeDModelPay"
	OpThreeDProvision = "ThreeDModelProvision"
	OpSaleReversal    = "SaleReversal"
	OpDrawback        = "Drawback"
	OpPartialDrawback = "PartialDrawback"
	OpOrderDetail     = "GetMerchantOrderDetail"
)

// Merchant is a sandbox merchant; Password is the API user's.
type Merchant struct{ MerchantID, CustomerID, UserName, Password string }

// Sandbox is the bank's public test merchant (research notes §7).
func Sandbox() Merchant {
	return Merchant{MerchantID: "496", CustomerID: "400235", UserName: "apitest", Password: "api123"}
}

// Server is a running simulator.
type Server struct {
	*banksim.Core
	addr     string
	merchant Merchant

	mu       sync.Mutex
	sessions map[string]*session // MD → authenticated 3D attempt
}

type session struct {
	orderID, amount, currency string
	installments              int
	pan                       string
	expiry                    card.Expiry
	masked, holder            string
	authenticated             bool
}

// New builds a simulator listening on addr once started.
func New(addr string) *Server {
	s := &Server{Core: banksim.NewCore(nil), addr: addr, merchant: Sandbox(), sessions: map[string]*session{}}
	mux := s.Mux()
	mux.HandleFunc("POST "+PathNon3D, s.handleNon3D)
	mux.HandleFunc("POST "+PathGate, s.handleGate)
	mux.HandleFunc("POST "+PathProv, s.handleProvision)
	mux.HandleFunc("POST "+PathSOAP, s.handleSOAP)
	return s
}

// Start serves on the configured address.
func (s *Server) Start() (string, error) { return s.Core.Start(s.addr) }

func b64SHA1(v string) string {
	sum := sha1.Sum([]byte(v))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// requestHash is the bank's HashData recipe for merchant requests.
func (m Merchant) requestHash(orderID, amount, okURL, failURL string) string {
	return b64SHA1(m.MerchantID + orderID + amount + okURL + failURL + m.UserName + b64SHA1(m.Password))
}

// callbackHash signs the 3D result posted to the merchant.
func (m Merchant) callbackHash(orderID, code, bankOrderID string) string {
	return b64SHA1(orderID + code + bankOrderID + b64SHA1(m.Password))
}

// vposMessage is the merchant's KuveytTurkVPosMessage (or, on the gate, the
// same fields form-posted by the browser).
type vposMessage struct {
	APIVersion          string `xml:"APIVersion"`
	OkURL               string `xml:"OkUrl"`
	FailURL             string `xml:"FailUrl"`
	HashData            string `xml:"HashData"`
	MerchantID          string `xml:"MerchantId"`
	CustomerID          string `xml:"CustomerId"`
	UserName            string `xml:"UserName"`
	CardNumber          string `xml:"CardNumber"`
	CardExpireDateYear  string `xml:"CardExpireDateYear"`
	CardExpireDateMonth string `xml:"CardExpireDateMonth"`
	CardCVV2            string `xml:"CardCVV2"`
	CardHolderName      string `xml:"CardHolderName"`
	TransactionType     string `xml:"TransactionType"`
	InstallmentCount    string `xml:"InstallmentCount"`
	Amount              string `xml:"Amount"`
	DisplayAmount       string `xml:"DisplayAmount"`
	CurrencyCode        string `xml:"CurrencyCode"`
	MerchantOrderID     string `xml:"MerchantOrderId"`
	TransactionSecurity string `xml:"TransactionSecurity"`
	CustomerIPAddress   string `xml:"CustomerIPAddress"`
	MD                  string `xml:"KuveytTurkVPosAdditionalData>AdditionalData>Data"`
}

// reply is a VPosTransactionResponseContract.
type reply struct {
	XMLName         xml.Name `xml:"VPosTransactionResponseContract"`
	IsEnrolled      bool     `xml:"IsEnrolled"`
	IsVirtual       bool     `xml:"IsVirtual"`
	ResponseCode    string   `xml:"ResponseCode"`
	ResponseMessage string   `xml:"ResponseMessage"`
	OrderID         string   `xml:"OrderId"`
	TransactionTime string   `xml:"TransactionTime"`
	MerchantOrderID string   `xml:"MerchantOrderId"`
	HashData        string   `xml:"HashData"`
	MD              string   `xml:"MD,omitempty"`
	ProvisionNumber string   `xml:"ProvisionNumber"`
	RRN             string   `xml:"RRN"`
	Stan            string   `xml:"Stan"`
	VPosMessage     struct {
		MerchantID          string `xml:"MerchantId"`
		InstallmentCount    string `xml:"InstallmentCount"`
		Amount              string `xml:"Amount"`
		CurrencyCode        string `xml:"CurrencyCode"`
		MerchantOrderID     string `xml:"MerchantOrderId"`
		TransactionSecurity string `xml:"TransactionSecurity"`
	} `xml:"VPosMessage"`
}

func encode(v any) []byte {
	b, _ := xml.Marshal(v)
	return append([]byte(`<?xml version="1.0" encoding="utf-8"?>`), b...)
}

func errorReply(m *vposMessage, code, msg string) *reply {
	r := &reply{ResponseCode: code, ResponseMessage: msg, MerchantOrderID: m.MerchantOrderID}
	r.VPosMessage.MerchantOrderID = m.MerchantOrderID
	return r
}

// order is a validated payment message.
type order struct {
	amount       money.Amount
	installments int
}

// validate checks credentials, the hash and the payment fields of m as the
// gate does; okURL/failURL are part of the hash only on the 3D gate.
func (s *Server) validate(m *vposMessage, security string, withURLs bool) (order, *reply) {
	var o order
	mr := s.merchant
	if m.MerchantID != mr.MerchantID || m.CustomerID != mr.CustomerID || m.UserName != mr.UserName {
		return o, errorReply(m, "InvalidUser", "Üye işyeri bilgileri hatalı")
	}
	if m.TransactionSecurity != security {
		return o, errorReply(m, "InvalidTransactionSecurity", "TransactionSecurity hatalı")
	}
	ok, fail := "", ""
	if withURLs {
		ok, fail = m.OkURL, m.FailURL
	}
	if m.HashData != mr.requestHash(m.MerchantOrderID, m.Amount, ok, fail) {
		return o, errorReply(m, "HashDataError", "Şifrelenen veriler (Hashdata) uyuşmamaktadır.")
	}
	if m.MerchantOrderID == "" || len(m.MerchantOrderID) > 50 {
		return o, errorReply(m, "InvalidMerchantOrderId", "Sipariş numarası hatalı")
	}
	cur, err := money.ParseCurrency(strings.TrimLeft(m.CurrencyCode, "0"))
	if err != nil || len(m.CurrencyCode) != 4 || (cur.Code != "TRY" && cur.Code != "USD" && cur.Code != "EUR") {
		return o, errorReply(m, "InvalidCurrencyCode", "Para birimi hatalı")
	}
	minor, err := strconv.ParseInt(m.Amount, 10, 64)
	if err != nil || minor <= 0 || (m.DisplayAmount != "" && m.DisplayAmount != m.Amount) {
		return o, errorReply(m, "InvalidAmount", "Tutar hatalı")
	}
	n, err := strconv.Atoi(m.InstallmentCount)
	if err != nil || n < 0 || n == 1 || n > 12 || (n > 1 && cur.Code != "TRY") {
		return o, errorReply(m, "InvalidInstallmentCount", "Taksit sayısı hatalı")
	}
	return order{amount: money.New(minor, cur), installments: n}, nil
}

func parseCard(m *vposMessage) (string, card.Expiry, bool) {
	pan, err := card.ParsePAN(m.CardNumber)
	if err != nil {
		return "", card.Expiry{}, false
	}
	mm, err1 := strconv.Atoi(m.CardExpireDateMonth)
	yy, err2 := strconv.Atoi(m.CardExpireDateYear)
	if err1 != nil || err2 != nil || len(m.CardExpireDateYear) != 2 {
		return "", card.Expiry{}, false
	}
	exp, err := card.NewExpiry(mm, 2000+yy)
	if err != nil {
		return "", card.Expiry{}, false
	}
	return pan.Reveal(), exp, true
}

func readMessage(r *http.Request) (*vposMessage, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err != nil {
		return nil, false
	}
	var m vposMessage
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil }
	if err := dec.Decode(&m); err != nil {
		return nil, false
	}
	return &m, true
}

const contentType = "application/xml; charset=utf-8"

func (s *Server) handleNon3D(w http.ResponseWriter, r *http.Request) {
	s.Respond(w, r, OpSale, contentType, func() []byte {
		m, ok := readMessage(r)
		if !ok {
			return encode(&reply{ResponseCode: "InvalidXml", ResponseMessage: "İstek okunamadı"})
		}
		o, rej := s.validate(m, "1", false)
		if rej != nil {
			return encode(rej)
		}
		pan, exp, ok := parseCard(m)
		if !ok {
			return encode(errorReply(m, "InvalidCardNumber", "Kart bilgileri hatalı"))
		}
		return encode(s.charge(m, o, pan, exp, m.CardHolderName, r.RemoteAddr))
	})
}

// charge runs a sale through the issuer rules and the book.
func (s *Server) charge(m *vposMessage, o order, pan string, exp card.Expiry, holder, ip string) *reply {
	now := time.Now()
	masked := pan[:6] + strings.Repeat("*", len(pan)-10) + pan[len(pan)-4:]
	res := s.Book().Charge(s.merchant.MerchantID, m.MerchantOrderID, banksim.Charge{
		Type: banksim.TxnAuth, Amount: o.amount, Installments: o.installments, PAN: pan, Expiry: exp,
		Card: masked, Holder: holder, ClientIP: ip,
		AuthCode: func() string { return banksim.NewAuthCode("0") },
	}, now)
	if res.Duplicate {
		return errorReply(m, "MerchantOrderIdAlreadyExists", "Aynı sipariş numarası ile daha önce işlem yapılmış")
	}
	rp := &reply{
		ResponseCode: res.Txn.Code, ResponseMessage: res.Txn.Message, OrderID: res.Order.TransID,
		TransactionTime: now.Format("2006-01-02T15:04:05"), MerchantOrderID: m.MerchantOrderID,
		ProvisionNumber: res.Txn.AuthCode, RRN: res.Txn.HostRef, Stan: stan(res.Txn.HostRef),
	}
	if res.Declined {
		rp.OrderID = res.Txn.TransID
	} else {
		rp.ResponseMessage = "İşlem gerçekleştirildi."
	}
	rp.VPosMessage.MerchantID, rp.VPosMessage.Amount, rp.VPosMessage.CurrencyCode = m.MerchantID, m.Amount, m.CurrencyCode
	rp.VPosMessage.InstallmentCount, rp.VPosMessage.MerchantOrderID = m.InstallmentCount, m.MerchantOrderID
	rp.VPosMessage.TransactionSecurity = m.TransactionSecurity
	rp.HashData = s.merchant.callbackHash(rp.MerchantOrderID, rp.ResponseCode, rp.OrderID)
	return rp
}

// stan is the system trace number: the RRN's last six digits.
func stan(rrn string) string {
	if len(rrn) < 6 {
		return rrn
	}
	return rrn[len(rrn)-6:]
}

// handleGate is the browser's post of the 3D form: validate, then run the
// shared ACS and post the signed AuthenticationResponse back.
func (s *Server) handleGate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	f := r.PostForm
	m := &vposMessage{
		APIVersion: f.Get("APIVersion"), OkURL: f.Get("OkUrl"), FailURL: f.Get("FailUrl"), HashData: f.Get("HashData"),
		MerchantID: f.Get("MerchantId"), CustomerID: f.Get("CustomerId"), UserName: f.Get("UserName"),
		CardNumber: f.Get("CardNumber"), CardExpireDateYear: f.Get("CardExpireDateYear"),
		CardExpireDateMonth: f.Get("CardExpireDateMonth"), CardCVV2: f.Get("CardCVV2"), CardHolderName: f.Get("CardHolderName"),
		TransactionType: f.Get("TransactionType"), InstallmentCount: f.Get("InstallmentCount"), Amount: f.Get("Amount"),
		DisplayAmount: f.Get("DisplayAmount"), CurrencyCode: f.Get("CurrencyCode"), MerchantOrderID: f.Get("MerchantOrderId"),
		TransactionSecurity: f.Get("TransactionSecurity"),
	}
	o, rej := s.validate(m, "3", true)
	pan, exp, cardOK := parseCard(m)
	if rej == nil && !cardOK {
		rej = errorReply(m, "InvalidCardNumber", "Kart bilgileri hatalı")
	}
	if rej != nil {
		if m.FailURL == "" {
			http.Error(w, rej.ResponseMessage, http.StatusBadRequest)
			return
		}
		banksim.AutoPost(w, m.FailURL, s.authResponse(rej))
		return
	}
	md := base64.StdEncoding.EncodeToString([]byte(banksim.NewTransID(time.Now()) + banksim.NewTransID(time.Now())))
	masked := pan[:6] + strings.Repeat("*", len(pan)-10) + pan[len(pan)-4:]
	s.Core.Challenge(w, pan, banksim.Challenge{
		Merchant: "Kuveyt Türk test mağazası " + m.MerchantID, Amount: o.amount.DecimalSep(",") + " " + o.amount.Currency.Code,
		MaskedCard: masked,
		Complete: func(out banksim.ACSOutcome) (string, []gateway.Field) {
			rp := &reply{MerchantOrderID: m.MerchantOrderID, OrderID: "0"}
			rp.VPosMessage.MerchantID, rp.VPosMessage.MerchantOrderID = m.MerchantID, m.MerchantOrderID
			rp.VPosMessage.TransactionSecurity = "3"
			if out != banksim.ACSAuthenticated {
				// The gate lets only full authentication through.
				rp.ResponseCode, rp.ResponseMessage = "MPI_3D_FAILED", "3D doğrulama başarısız"
				rp.HashData = s.merchant.callbackHash(rp.MerchantOrderID, rp.ResponseCode, rp.OrderID)
				return m.FailURL, s.authResponse(rp)
			}
			s.mu.Lock()
			s.sessions[md] = &session{orderID: m.MerchantOrderID, amount: m.Amount, currency: m.CurrencyCode,
				installments: o.installments, pan: pan, expiry: exp, masked: masked, holder: m.CardHolderName, authenticated: true}
			s.mu.Unlock()
			rp.ResponseCode, rp.ResponseMessage, rp.MD, rp.IsEnrolled = "00", "Kart doğrulandı.", md, true
			rp.VPosMessage.Amount, rp.VPosMessage.CurrencyCode, rp.VPosMessage.InstallmentCount = m.Amount, m.CurrencyCode, m.InstallmentCount
			rp.HashData = s.merchant.callbackHash(rp.MerchantOrderID, rp.ResponseCode, rp.OrderID)
			return m.OkURL, s.authResponse(rp)
		},
	})
}

// authResponse is the one field the gate posts back: the URL-encoded XML.
func (s *Server) authResponse(rp *reply) []gateway.Field {
	b, _ := xml.Marshal(rp)
	return []gateway.Field{{Name: "AuthenticationResponse", Value: url.QueryEscape(string(b))}}
}

// handleProvision completes an authenticated 3D payment with its MD.
func (s *Server) handleProvision(w http.ResponseWriter, r *http.Request) {
	s.Respond(w, r, OpThreeDProvision, contentType, func() []byte {
		m, ok := readMessage(r)
		if !ok {
			return encode(&reply{ResponseCode: "InvalidXml", ResponseMessage: "İstek okunamadı"})
		}
		o, rej := s.validate(m, "3", false)
		if rej != nil {
			return encode(rej)
		}
		s.mu.Lock()
		sess := s.sessions[m.MD]
		if sess != nil && sess.orderID == m.MerchantOrderID && sess.amount == m.Amount && sess.currency == m.CurrencyCode {
			delete(s.sessions, m.MD) // one provisioning per authentication
		} else {
			sess = nil
		}
		s.mu.Unlock()
		if sess == nil {
			return encode(errorReply(m, "EmptyMDException", "MD bulunamadı veya siparişle uyuşmuyor"))
		}
		o.installments = sess.installments
		return encode(s.charge(m, o, sess.pan, sess.expiry, sess.holder, r.RemoteAddr))
	})
}
