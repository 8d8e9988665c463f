// Package posnetv1sim simulates the POSNET V1 JSON service Albaraka Türk
// runs, written from the bank's documentation as summarised in Kasa's
// research notes (§2.3): JSON requests POSTed to
// /ALBMerchantService/MerchantJSONAPI.svc/{Sale,Auth,Capture,Reverse,Return,
// TransactionInquiry}, each signed with a MAC over its MACParams and the
// ENCKEY; a 3D gate that posts the ACS result back signed over
// ECI:CAVV:MdStatus:MdErrorMessage:MD:SecureTransactionId; provisioning by
// Sale/Auth with ThreeDSecureData.
//
// Decline triggers and faults are documented in internal/banksim.
package posnetv1sim

import (
	"log/slog"
	"sync"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
)

// Paths served, as on the bank's hosts.
const (
	PathAPI        = "/ALBMerchantService/MerchantJSONAPI.svc"
	PathThreeDGate = "/ALBSecurePaymentUI/SecureProcess/SecureVerification.aspx"
)

// Merchant is a terminal configured at the simulated bank.
type Merchant struct {
	MerchantNo string
	TerminalNo string
	PosnetID   string // 16-digit EPOS number, for 3D Secure
	EncKey     string
	Name       string
	// MaxInstallments is the largest installment count (TL only); 0 means
	// 12, -1 means none.
	MaxInstallments int
}

// AlbarakaSandbox is the public Albaraka test terminal from the reference
// library's examples, served by default.
func AlbarakaSandbox() Merchant {
	return Merchant{
		MerchantNo: "6702640212",
		TerminalNo: "67C16990",
		PosnetID:   "1010062861356072",
		EncKey:     "10,10,10,10,10,10,10,10",
		Name:       "Kasa Albaraka Sandbox",
	}
}

func (m Merchant) maxInstallments() int { return banksim.InstallmentLimit(m.MaxInstallments) }

// Config configures a simulator.
type Config struct {
	Addr      string // "" means 127.0.0.1:0
	Merchants []Merchant
	NoSandbox bool
	Faults    map[string]banksim.Fault
	Now       func() time.Time
	Logger    *slog.Logger
}

// Server is a PosNet V1 host simulator.
type Server struct {
	*banksim.Core
	cfg Config

	mu        sync.RWMutex
	merchants banksim.Merchants[Merchant] // by MerchantNo
	refs      map[string]ref              // ReferenceCode (HostLogKey) → transaction
	threeD    map[string]bool             // MerchantNo + "/" + order id → paid with 3D
	secure    map[string]*session         // SecureTransactionId → authenticated attempt
}

type ref struct {
	merchant, orderID string
	typ               string // Sale, Auth, Capture, Return, Reverse
}

// New builds a simulator; call Start to listen or mount Handler yourself.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{
		Core:   banksim.NewCore(cfg.Logger),
		cfg:    cfg,
		refs:   map[string]ref{},
		threeD: map[string]bool{},
		secure: map[string]*session{},
	}
	if !cfg.NoSandbox {
		s.AddMerchant(AlbarakaSandbox())
	}
	for _, m := range cfg.Merchants {
		s.AddMerchant(m)
	}
	for op, f := range cfg.Faults {
		s.Faults().SetDefault(op, f)
	}
	s.Mux().HandleFunc("POST "+PathAPI+"/{op}", s.handleAPI)
	s.Mux().HandleFunc("POST "+PathThreeDGate, s.handleGate)
	return s
}

// Start listens on Config.Addr and returns the base URL.
func (s *Server) Start() (string, error) { return s.Core.Start(s.cfg.Addr) }

// APIURL is the API base (operations are appended) after Start.
func (s *Server) APIURL() string { return s.URL() + PathAPI }

// ThreeDGateURL is the 3D gate after Start.
func (s *Server) ThreeDGateURL() string { return s.URL() + PathThreeDGate }

// AddMerchant adds or replaces a terminal.
func (s *Server) AddMerchant(m Merchant) {
	s.merchants.Add(m.MerchantNo, m)
}

// Merchant looks a terminal up by MerchantNo.
func (s *Server) Merchant(no string) (Merchant, bool) {
	return s.merchants.Get(no)
}

func (s *Server) recordRef(key string, r ref) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refs[key] = r
}

func (s *Server) lookupRef(key string) (ref, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.refs[key]
	return r, ok
}

func (s *Server) markThreeD(merchant, orderID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.threeD[merchant+"/"+orderID] = true
}

func (s *Server) isThreeD(merchant, orderID string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.threeD[merchant+"/"+orderID]
}
