// Package payflexsim simulates PayFlex MPI + VPOS v4 (VakıfBank, Ziraat,
// İşbank), written from the bank's documentation as summarised in Kasa's
// research notes (§2.4): a form POST whose prmstr field holds a
// <VposRequest>, answered by a <VposResponse>; a Search endpoint for order
// queries; and the MPI: a server-to-server enrollment (VERes), the
// issuer's ACS, and the MPI's post of the result to the merchant.
//
// It supports Sale, Auth (pre-authorisation), Capture (at most the
// pre-authorised amount), Cancel (before the batch closes, not after a
// refund), Refund (never beyond what was captured), Search, and 3D-model
// provisioning, which is accepted only with the ECI, CAVV and
// MpiTransactionId of an authentication this MPI produced for the same
// merchant, card and amount. Decline triggers and faults are documented in
// internal/banksim.
package payflexsim

import (
	"log/slog"
	"sync"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/money"
)

// Paths served, as on VakıfBank's hosts.
const (
	PathAPI        = "/VposService/v3/Vposreq.aspx"
	PathSearch     = "/UIService/Search.aspx"
	PathEnrollment = "/MPIAPI/MPI_Enrollment.aspx"
	PathACS        = "/ACS/Challenge.aspx"  // the issuer's ACS (browser)
	PathTerm       = "/MPIAPI/TermUrl.aspx" // the MPI receiving the PARes (browser)
)

// Merchant is a terminal configured at the simulated bank.
type Merchant struct {
	MerchantID string // 15 digits
	Password   string
	TerminalNo string
	Name       string // shown on the ACS page
	// MaxInstallments is the largest installment count (TRY only); 0 means
	// 12, -1 means none.
	MaxInstallments int
}

// VakifSandbox is the public VakıfBank test terminal (research notes §7).
func VakifSandbox() Merchant {
	return Merchant{MerchantID: "000000000111111", Password: "3XTgER89as", TerminalNo: "VP000095", Name: "Kasa VakıfBank Sandbox"}
}

func (m Merchant) maxInstallments() int {
	switch {
	case m.MaxInstallments < 0:
		return 1
	case m.MaxInstallments == 0:
		return 12
	}
	return m.MaxInstallments
}

// Config configures a simulator.
type Config struct {
	// Addr is where Start listens; "" means 127.0.0.1:0.
	Addr string
	// Merchants are served in addition to the sandbox terminal.
	Merchants []Merchant
	// NoSandbox leaves the sandbox terminal out.
	NoSandbox bool
	// Faults are default faults per operation (banksim.AnyOp for all).
	Faults map[string]banksim.Fault
	// Now is the bank's clock; nil means time.Now.
	Now func() time.Time
	// Logger gets one line per request (never card data); nil discards.
	Logger *slog.Logger
}

// Server is a PayFlex host simulator. The embedded Core gives Book,
// Faults, Handler, URL, Close, Reset and CloseBatch.
type Server struct {
	*banksim.Core
	cfg Config

	mu        sync.RWMutex
	merchants banksim.Merchants[Merchant] // by MerchantId
	txns      map[string]txnRef           // TransactionId → transaction
	mpi       map[string]*mpiRecord       // VerifyEnrollmentRequestId → enrollment
	byMD      map[string]string           // MD → VerifyEnrollmentRequestId
	paRes     map[string]string           // PaRes → VerifyEnrollmentRequestId
}

// txnRef locates a transaction by its TransactionId.
type txnRef struct {
	merchant, orderID string
	typ               string // Sale, Auth, Capture, Cancel, Refund
}

// mpiRecord is one enrollment and, once the ACS answered, its result.
type mpiRecord struct {
	merchant     string
	verID        string
	pan          string
	expiry       string // YYMM
	amount       money.Amount
	installments string
	successURL   string
	failURL      string
	md, paReq    string
	status       string // "" until the ACS answered; then Y, A or N
	eci, cavv    string
	xid          string
	used         bool // provisioned
	expires      time.Time
}

// New builds a simulator; call Start to listen or mount Handler yourself.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{
		Core:  banksim.NewCore(cfg.Logger),
		cfg:   cfg,
		txns:  map[string]txnRef{},
		mpi:   map[string]*mpiRecord{},
		byMD:  map[string]string{},
		paRes: map[string]string{},
	}
	if !cfg.NoSandbox {
		s.AddMerchant(VakifSandbox())
	}
	for _, m := range cfg.Merchants {
		s.AddMerchant(m)
	}
	for op, f := range cfg.Faults {
		s.Faults().SetDefault(op, f)
	}
	s.Mux().HandleFunc("POST "+PathAPI, s.handleAPI)
	s.Mux().HandleFunc("POST "+PathSearch, s.handleSearch)
	s.Mux().HandleFunc("POST "+PathEnrollment, s.handleEnrollment)
	s.Mux().HandleFunc("POST "+PathACS, s.handleACS)
	s.Mux().HandleFunc("POST "+PathTerm, s.handleTerm)
	return s
}

// Start listens on Config.Addr and returns the base URL.
func (s *Server) Start() (string, error) { return s.Core.Start(s.cfg.Addr) }

// APIURL is the VPOS endpoint after Start.
func (s *Server) APIURL() string { return s.URL() + PathAPI }

// EnrollmentURL is the MPI enrollment endpoint after Start.
func (s *Server) EnrollmentURL() string { return s.URL() + PathEnrollment }

// AddMerchant adds or replaces a terminal.
func (s *Server) AddMerchant(m Merchant) {
	s.merchants.Add(m.MerchantID, m)
}

// Merchant looks a terminal up by MerchantId.
func (s *Server) Merchant(id string) (Merchant, bool) {
	return s.merchants.Get(id)
}

// authenticate checks the merchant's password (and, for the VPOS, the
// terminal); the real host also checks the caller's IP.
func (s *Server) authenticate(id, password, terminal string, checkTerminal bool) (Merchant, bool) {
	m, ok := s.Merchant(id)
	return m, ok && password == m.Password && (!checkTerminal || terminal == m.TerminalNo)
}

func (s *Server) recordTxn(id string, ref txnRef) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.txns[id] = ref
}

func (s *Server) txn(id string) (txnRef, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.txns[id]
	return r, ok
}
