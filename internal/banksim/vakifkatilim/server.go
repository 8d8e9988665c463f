// Package vakifkatilimsim simulates Vakıf Katılım's virtual POS (the "BOA"
// bank software, API version 1.0.0), written from the protocol as Kasa's
// research notes and public integrations describe it, not from Kasa's
// adapter:
//
//   - VPosMessageContract XML POSTed to …/VirtualPOS.Gateway/Home/<op>,
//     answered with a VPosTransactionResponseContract: Non3DPayGate (sale),
//     PreAuthorizaten (pre-auth), PreAuthorizatenClose (capture, the whole
//     pre-auth or an Amount up to it), SaleReversal and
//     PreAuthorizationReversal (same day), DrawBack and PartialDrawBack
//     (never beyond what was captured), SelectOrderByMerchantOrderId and
//     SelectOrder (one row per transaction, 90 days at most);
//   - the 3D model: ThreeDModelPayGate takes the card server to server and
//     answers with an HTML page whose form sends the browser to the shared
//     ACS; the result is posted to OkUrl/FailUrl as form fields signed with
//     HashData = base64(SHA1(MerchantOrderId + ResponseCode + OrderId +
//     HashPassword)); ThreeDModelProvisionGate then charges once per MD, for
//     the amount and URLs the enrollment was signed with;
//   - the 3D host: CommonPaymentPage takes the browser's order form
//     (HashPassword and HashData), shows a card page, runs the ACS, charges
//     and posts the signed result back.
//
// Every request is checked like the bank does: the merchant, CustomerId and
// UserName, HashPassword = base64(SHA1(password)) when sent, and HashData =
// base64(SHA1(MerchantId + MerchantOrderId + Amount + OkUrl + FailUrl +
// UserName + HashPassword)) over the fields as sent ("" for absent ones).
// Decline triggers and faults are documented in internal/banksim; fault
// operations are named after the gate operations (OpSale, ...).
package vakifkatilimsim

import (
	"bytes"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/money"
)

// Paths the bank serves.
const (
	PathRoot     = "/VirtualPOS.Gateway"
	PathHome     = PathRoot + "/Home"
	PathHostPage = PathRoot + "/CommonPaymentPage/CommonPaymentPage"
	// PathACS is where the enrollment page sends the browser on its way to
	// the issuer's ACS (this simulator's own step).
	PathACS = PathRoot + "/ThreeDModel/Authenticate"
)

// Operations: the gate's, under PathHome; also the fault operation names.
const (
	OpSale            = "Non3DPayGate"
	OpPreAuth         = "PreAuthorizaten"
	OpClose           = "PreAuthorizatenClose"
	OpSaleReversal    = "SaleReversal"
	OpPreAuthReversal = "PreAuthorizationReversal"
	OpDrawBack        = "DrawBack"
	OpPartialDrawBack = "PartialDrawBack"
	OpStatus          = "SelectOrderByMerchantOrderId"
	OpHistory         = "SelectOrder"
	OpEnrollment      = "ThreeDModelPayGate"
	OpProvision       = "ThreeDModelProvisionGate"
	OpHostPage        = "CommonPaymentPage"
)

// Merchant is a POS configured at the simulated bank; Password is the API
// user's.
type Merchant struct {
	MerchantID, CustomerID, UserName, Password string
	Name                                       string
}

// Sandbox is the merchant the public library's Vakıf Katılım request
// vectors are computed with, so that those vectors line up.
func Sandbox() Merchant {
	return Merchant{MerchantID: "1", CustomerID: "11111", UserName: "APIUSER", Password: "kdsnsksl", Name: "Vakıf Katılım test mağazası"}
}

func (m Merchant) hashPassword() string { return b64SHA1(m.Password) }

// requestHash is HashData over a request's fields as sent.
func (m Merchant) requestHash(orderID, amount, okURL, failURL string) string {
	return b64SHA1(m.MerchantID + orderID + amount + okURL + failURL + m.UserName + m.hashPassword())
}

// callbackHash signs the 3D result posted to the merchant.
func (m Merchant) callbackHash(orderID, code, bankOrderID string) string {
	return b64SHA1(orderID + code + bankOrderID + m.hashPassword())
}

func b64SHA1(s string) string {
	sum := sha1.Sum([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

func eq(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// Config configures a simulator.
type Config struct {
	// Addr is where Start listens; "" means 127.0.0.1:0.
	Addr string
	// Merchants are served in addition to Sandbox.
	Merchants []Merchant
	// Now is the bank's clock; nil means time.Now.
	Now func() time.Time
	// Logger gets one line per request (never card data); nil discards.
	Logger *slog.Logger
}

// sessionTTL bounds how long a 3D session or a hosted card page waits.
const sessionTTL = 15 * time.Minute

// Server is a running simulator. The embedded Core gives Book, Faults,
// Handler, URL, Close, Reset and CloseBatch.
type Server struct {
	*banksim.Core
	cfg       Config
	merchants banksim.Merchants[Merchant]
	enrolled  *banksim.Pending[*attempt] // enrollment → ACS, by session id
	sessions  *banksim.Pending[*attempt] // authenticated 3D model attempts, by MD
	hosted    *banksim.Pending[*attempt] // 3D host card pages, by session id
}

// New builds a simulator; call Start to listen or mount Handler yourself.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{
		Core: banksim.NewCore(cfg.Logger), cfg: cfg,
		enrolled: banksim.NewPending[*attempt](sessionTTL),
		sessions: banksim.NewPending[*attempt](sessionTTL),
		hosted:   banksim.NewPending[*attempt](sessionTTL),
	}
	s.merchants.Add(Sandbox().MerchantID, Sandbox())
	for _, m := range cfg.Merchants {
		s.merchants.Add(m.MerchantID, m)
	}
	mux := s.Mux()
	for op, h := range map[string]handler{
		OpSale: s.pay, OpPreAuth: s.pay, OpClose: s.close,
		OpSaleReversal: s.reverse, OpPreAuthReversal: s.reverse, OpDrawBack: s.drawBack, OpPartialDrawBack: s.drawBack,
		OpStatus: s.status, OpHistory: s.history, OpProvision: s.provision,
	} {
		mux.HandleFunc("POST "+PathHome+"/"+op, s.api(op, h))
	}
	mux.HandleFunc("POST "+PathHome+"/"+OpEnrollment, s.handleEnrollment)
	mux.HandleFunc("POST "+PathACS, s.handleACS)
	mux.HandleFunc("POST "+PathHostPage, s.handleHostPage)
	return s
}

// Start listens on Config.Addr and returns the base URL.
func (s *Server) Start() (string, error) { return s.Core.Start(s.cfg.Addr) }

// AddMerchant adds or replaces a merchant.
func (s *Server) AddMerchant(m Merchant) { s.merchants.Add(m.MerchantID, m) }

// message is a VPosMessageContract as the gate reads it.
type message struct {
	XMLName             xml.Name
	APIVersion          string `xml:"APIVersion"`
	OkURL               string `xml:"OkUrl"`
	FailURL             string `xml:"FailUrl"`
	HashData            string `xml:"HashData"`
	MerchantID          string `xml:"MerchantId"`
	SubMerchantID       string `xml:"SubMerchantId"`
	CustomerID          string `xml:"CustomerId"`
	UserName            string `xml:"UserName"`
	HashPassword        string `xml:"HashPassword"`
	MerchantOrderID     string `xml:"MerchantOrderId"`
	OrderID             string `xml:"OrderId"`
	InstallmentCount    string `xml:"InstallmentCount"`
	Amount              string `xml:"Amount"`
	DisplayAmount       string `xml:"DisplayAmount"`
	FECCurrencyCode     string `xml:"FECCurrencyCode"`
	CurrencyCode        string `xml:"CurrencyCode"`
	TransactionSecurity string `xml:"TransactionSecurity"`
	PaymentType         string `xml:"PaymentType"`
	CardNumber          string `xml:"CardNumber"`
	CardExpireDateYear  string `xml:"CardExpireDateYear"`
	CardExpireDateMonth string `xml:"CardExpireDateMonth"`
	CardCVV2            string `xml:"CardCVV2"`
	CardHolderName      string `xml:"CardHolderName"`
	CustomerIPAddress   string `xml:"CustomerIPAddress"`
	AdditionalData      []struct {
		Key  string `xml:"Key"`
		Data string `xml:"Data"`
	} `xml:"AdditionalData>AdditionalDataList>VPosAdditionalData"`
	StartDate  string `xml:"StartDate"`
	EndDate    string `xml:"EndDate"`
	LowerLimit string `xml:"LowerLimit"`
	UpperLimit string `xml:"UpperLimit"`
	ProvNumber string `xml:"ProvNumber"`
	OrderNo    string `xml:"OrderNo"`
}

// additional is the AdditionalData value under key.
func (m *message) additional(key string) string {
	for _, a := range m.AdditionalData {
		if a.Key == key {
			return a.Data
		}
	}
	return ""
}

// reply is a VPosTransactionResponseContract.
type reply struct {
	XMLName         xml.Name `xml:"VPosTransactionResponseContract"`
	VPosMessage     *echo    `xml:"VPosMessage,omitempty"`
	IsEnrolled      bool     `xml:"IsEnrolled"`
	IsVirtual       bool     `xml:"IsVirtual"`
	ProvisionNumber string   `xml:"ProvisionNumber,omitempty"`
	RRN             string   `xml:"RRN,omitempty"`
	Stan            string   `xml:"Stan,omitempty"`
	ResponseCode    string   `xml:"ResponseCode"`
	ResponseMessage string   `xml:"ResponseMessage"`
	OrderID         string   `xml:"OrderId"`
	TransactionTime string   `xml:"TransactionTime,omitempty"`
	MerchantOrderID string   `xml:"MerchantOrderId,omitempty"`
	HashData        string   `xml:"HashData,omitempty"`
	BusinessKey     string   `xml:"BusinessKey"`
	Orders          *orders  `xml:"VPosOrderData,omitempty"`
}

// echo is the request summary the gate sends back.
type echo struct {
	MerchantID          string `xml:"MerchantId"`
	MerchantOrderID     string `xml:"MerchantOrderId"`
	InstallmentCount    string `xml:"InstallmentCount"`
	Amount              string `xml:"Amount"`
	CurrencyCode        string `xml:"CurrencyCode"`
	TransactionSecurity string `xml:"TransactionSecurity"`
	APIVersion          string `xml:"APIVersion"`
}

type orders struct {
	Contracts []orderContract `xml:"OrderContract"`
}

func refuse(m *message, r refusal) *reply {
	rp := &reply{ResponseCode: r.Code, ResponseMessage: r.Message, OrderID: "0", BusinessKey: "0"}
	if m != nil {
		rp.MerchantOrderID = m.MerchantOrderID
	}
	return rp
}

const (
	maxRequest  = 1 << 16
	contentType = "application/xml; charset=utf-8"
)

// readMessage reads a VPosMessageContract; nil if the body is not one.
func readMessage(w http.ResponseWriter, r *http.Request) *message {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequest))
	if err != nil {
		return nil
	}
	var m message
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil }
	if err := dec.Decode(&m); err != nil || m.XMLName.Local != "VPosMessageContract" {
		return nil
	}
	return &m
}

// api serves one gate operation: read, authenticate, run h, answer XML.
// handler does one gate operation for an authenticated merchant.
type handler func(op string, mr Merchant, m *message, r *http.Request) *reply

func (s *Server) api(op string, h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m := readMessage(w, r)
		s.Respond(w, r, op, contentType, func() []byte {
			var rp *reply
			if m == nil {
				rp = refuse(nil, errRequest)
			} else if mr, bad := s.authenticate(m); bad != nil {
				rp = refuse(m, *bad)
			} else {
				rp = h(op, mr, m, r)
			}
			order := ""
			if m != nil {
				order = m.MerchantOrderID
			}
			s.Log().Info("vakifkatilimsim", "op", op, "order", order, "code", rp.ResponseCode)
			return encode(rp)
		})
	}
}

func encode(v any) []byte {
	b, _ := xml.Marshal(v)
	return append([]byte(`<?xml version="1.0" encoding="utf-8"?>`), b...)
}

// authenticate checks the merchant, the API user, HashPassword (when sent)
// and HashData over the fields as sent.
func (s *Server) authenticate(m *message) (Merchant, *refusal) {
	mr, ok := s.merchants.Get(m.MerchantID)
	if !ok || !eq(m.CustomerID, mr.CustomerID) || !eq(m.UserName, mr.UserName) {
		return Merchant{}, &errMerchant
	}
	if m.HashPassword != "" && !eq(m.HashPassword, mr.hashPassword()) {
		return Merchant{}, &errMerchant
	}
	if !eq(m.HashData, mr.requestHash(m.MerchantOrderID, m.Amount, m.OkURL, m.FailURL)) {
		return Merchant{}, &errHash
	}
	return mr, nil
}

// payment is a validated payment request.
type payment struct {
	orderID      string
	amount       money.Amount
	installments int
}

var reOrderID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,50}$`)

// Currency codes the gate takes: 4 digits, RUB as the old 0810.
var currencies = map[string]money.Currency{
	"0949": money.TRY, "0840": money.USD, "0978": money.EUR, "0826": money.GBP, "0810": money.RUB,
}

func currencyCode(c money.Currency) string {
	for code, x := range currencies {
		if x.Code == c.Code {
			return code
		}
	}
	return ""
}

// checkPayment validates the payment fields of m.
func checkPayment(m *message) (payment, *refusal) {
	var p payment
	if !reOrderID.MatchString(m.MerchantOrderID) {
		return p, &errOrderID
	}
	code := m.FECCurrencyCode
	if code == "" {
		code = m.CurrencyCode
	}
	cur, ok := currencies[code]
	if !ok || (m.CurrencyCode != "" && m.CurrencyCode != code) {
		return p, &errCurrency
	}
	minor, err := strconv.ParseInt(m.Amount, 10, 64)
	if err != nil || minor <= 0 || strings.HasPrefix(m.Amount, "+") || (m.DisplayAmount != "" && m.DisplayAmount != m.Amount) {
		return p, &errAmount
	}
	n, ok := banksim.ParseInstallments(m.InstallmentCount)
	if !ok || n > 12 || (n > 1 && cur.Code != money.TRY.Code) {
		return p, &errInstallments
	}
	return payment{orderID: m.MerchantOrderID, amount: money.New(minor, cur), installments: n}, nil
}

// cardOf reads the card fields (year and month as two digits).
func cardOf(number, month, year string) (card.PAN, card.Expiry, bool) {
	pan, err := card.ParsePAN(number)
	if err != nil || len(month) != 2 || len(year) != 2 {
		return card.PAN{}, card.Expiry{}, false
	}
	mm, err1 := strconv.Atoi(month)
	yy, err2 := strconv.Atoi(year)
	if err1 != nil || err2 != nil {
		return card.PAN{}, card.Expiry{}, false
	}
	exp, err := card.NewExpiry(mm, 2000+yy)
	return pan, exp, err == nil
}

// stan is the system trace number: the RRN's last six digits.
func stan(rrn string) string {
	if len(rrn) < 6 {
		return rrn
	}
	return rrn[len(rrn)-6:]
}

var turkey = time.FixedZone("TRT", 3*3600)

func stamp(t time.Time) string { return t.In(turkey).Format("2006-01-02T15:04:05.000") }
