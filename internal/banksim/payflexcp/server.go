// Package payflexcpsim simulates VakıfBank's PayFlex Common Payment v4
// ("Ortak Ödeme"), written from the bank's guide as summarised in Kasa's
// research notes (§1.1, §2.4): RegisterTransaction (form POST, signed with
// HashedData) returns a PaymentToken and the CommonPaymentUrl; the browser
// opens the page, types the card (3D Host) or brings it registered (3D
// Pay), passes the shared ACS, and the bank provisions and posts
// TransactionId, PaymentToken and an informational Rc to the merchant's
// SuccessUrl or FailUrl; VposTransaction answers the authoritative result.
// Decline triggers and faults are documented in internal/banksim.
package payflexcpsim

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/money"
)

// Paths served, as on the bank's hosts.
const (
	PathRegister = "/CommonPayment/api/RegisterTransaction"
	PathQuery    = "/CommonPayment/api/VposTransaction"
	PathPage     = "/CommonPayment/SecurePayment"
	PathPay      = "/CommonPayment/SecurePayment/Pay" // the page's card form
)

// Operation names for faults and logs.
const (
	OpRegister = "Register"
	OpQuery    = "Query"
)

// Merchant is a Common Payment merchant at the simulated bank.
type Merchant struct {
	HostMerchantID string
	Password       string
	HostTerminalID string
	Name           string // shown on the ACS page
}

// VakifSandbox is the public VakıfBank test merchant (research notes §7)
// with the terminal of the public Common Payment examples.
func VakifSandbox() Merchant {
	return Merchant{HostMerchantID: "000000000111111", Password: "3XTgER89as", HostTerminalID: "VP999999", Name: "Kasa VakıfBank CP Sandbox"}
}

// Config configures a simulator.
type Config struct {
	// Addr is where Start listens; "" means 127.0.0.1:0.
	Addr string
	// Merchants are served in addition to the sandbox merchant.
	Merchants []Merchant
	// Now is the bank's clock; nil means time.Now.
	Now func() time.Time
	// Logger gets one line per request (never card data); nil discards.
	Logger *slog.Logger
}

// Server is a Common Payment simulator. The embedded Core gives Book,
// Faults, Handler, URL, Close, Reset and CloseBatch.
type Server struct {
	*banksim.Core
	cfg Config

	mu        sync.Mutex
	merchants banksim.Merchants[Merchant] // by HostMerchantID
	txns      map[string]*registration    // by PaymentToken
}

// registration is one registered transaction and, once done, its result.
type registration struct {
	merchant      Merchant
	token, txID   string
	txType        string // Sale or Auth
	orderID       string
	amount        money.Amount
	installments  int
	successURL    string
	failURL       string
	pan           string // registered card (3D Pay); "" until typed (3D Host)
	exp           card.Expiry
	holder        string
	started       bool // the page was opened
	done          bool
	rc, message   string
	authCode, rrn string
	hostDate      time.Time
	expires       time.Time
}

// ttl bounds a registration's life, like the bank's token expiry.
const ttl = 30 * time.Minute

// New builds a simulator; call Start to listen or mount Handler yourself.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{Core: banksim.NewCore(cfg.Logger), cfg: cfg, txns: map[string]*registration{}}
	for _, m := range append([]Merchant{VakifSandbox()}, cfg.Merchants...) {
		s.merchants.Add(m.HostMerchantID, m)
	}
	s.Mux().HandleFunc("POST "+PathRegister, s.handleRegister)
	s.Mux().HandleFunc("POST "+PathQuery, s.handleQuery)
	s.Mux().HandleFunc("GET "+PathPage, s.handlePage)
	s.Mux().HandleFunc("POST "+PathPage, s.handlePage)
	s.Mux().HandleFunc("POST "+PathPay, s.handleCard)
	return s
}

// Start listens on Config.Addr and returns the base URL.
func (s *Server) Start() (string, error) { return s.Core.Start(s.cfg.Addr) }

// QueryURL and RegisterURL are the API endpoints after Start.
func (s *Server) QueryURL() string    { return s.URL() + PathQuery }
func (s *Server) RegisterURL() string { return s.URL() + PathRegister }

func (s *Server) authenticate(id, password string) (Merchant, bool) {
	m, ok := s.merchants.Get(id)
	return m, ok && m.Password == password
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
