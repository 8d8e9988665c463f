// Package posnetsim simulates Yapı Kredi's POSNET XML service, written from
// the bank's documentation as summarised in Kasa's research notes (§2.3):
// a form POST whose xmldata field holds a <posnetRequest> in ISO-8859-9,
// answered by a <posnetResponse>.
//
// It supports sale, auth (pre-authorisation), capt (by hostLogKey, at most
// the pre-authorised amount), reverse (before the batch closes, not after a
// refund), return (by hostLogKey or order id, never beyond what was
// captured), agreement (the order's transactions) and the 3D Secure model:
// oosRequestData, the browser gate, oosResolveMerchantData and oosTranData.
// Decline triggers and faults are documented in internal/banksim.
package posnetsim

import (
	"crypto/rand"
	"log/slog"
	"sync"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
)

// Paths served, as on the bank's hosts.
const (
	PathAPI        = "/PosnetWebService/XML"
	PathThreeDGate = "/3DSWebService/YKBPaymentService"
)

// Merchant is a terminal configured at the simulated bank.
type Merchant struct {
	MID      string // 10-digit merchant number
	TID      string // 8-digit terminal number
	PosnetID string // 3D Secure id
	EncKey   string // ENCKEY, signs the 3D MACs
	Name     string // shown on the ACS page
	// MaxInstallments is the largest installment count (TL only); 0 means
	// 12, -1 means none.
	MaxInstallments int
}

// YKBSandbox is the public Yapı Kredi test terminal (research notes §7),
// served by default so that public test vectors line up.
func YKBSandbox() Merchant {
	return Merchant{
		MID:      "6706598320",
		TID:      "67005551",
		PosnetID: "27426",
		EncKey:   "10,10,10,10,10,10,10,10",
		Name:     "Kasa YKB Sandbox",
	}
}

func (m Merchant) maxInstallments() int { return banksim.InstallmentLimit(m.MaxInstallments) }

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

// Server is a PosNet host simulator. The embedded Core gives Book, Faults,
// Handler, URL, Close, Reset and CloseBatch.
type Server struct {
	*banksim.Core
	cfg Config

	sealKey []byte // encrypts the 3D packets, as the bank's own key does
	signKey []byte // signs them (data1/data2 digest, callback Sign)

	mu        sync.RWMutex
	merchants banksim.Merchants[Merchant] // by MID
	hostKeys  map[string]hostRef          // hostlogkey → transaction
	threeD    map[string]bool             // MID + "/" + order id → paid with 3D Secure
}

// hostRef locates a transaction by its hostlogkey.
type hostRef struct {
	mid, orderID string
	typ          string // transaction state name: Sale, Auth, Capt, Return, Reverse
}

// New builds a simulator; call Start to listen or mount Handler yourself.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{
		Core:     banksim.NewCore(cfg.Logger),
		cfg:      cfg,
		sealKey:  randomBytes(32),
		signKey:  randomBytes(32),
		hostKeys: map[string]hostRef{},
		threeD:   map[string]bool{},
	}
	if !cfg.NoSandbox {
		s.AddMerchant(YKBSandbox())
	}
	for _, m := range cfg.Merchants {
		s.AddMerchant(m)
	}
	for op, f := range cfg.Faults {
		s.Faults().SetDefault(op, f)
	}
	s.Mux().HandleFunc("POST "+PathAPI, s.handleAPI)
	s.Mux().HandleFunc("POST "+PathThreeDGate, s.handleGate)
	return s
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// Start listens on Config.Addr and returns the base URL.
func (s *Server) Start() (string, error) { return s.Core.Start(s.cfg.Addr) }

// APIURL is the API endpoint after Start.
func (s *Server) APIURL() string { return s.URL() + PathAPI }

// ThreeDGateURL is the 3D gate after Start.
func (s *Server) ThreeDGateURL() string { return s.URL() + PathThreeDGate }

// AddMerchant adds or replaces a terminal.
func (s *Server) AddMerchant(m Merchant) {
	s.merchants.Add(m.MID, m)
}

// Merchant looks a terminal up by MID.
func (s *Server) Merchant(mid string) (Merchant, bool) {
	return s.merchants.Get(mid)
}

// authenticate checks mid and tid (the real host also checks the caller's
// IP against the terminal's whitelist).
func (s *Server) authenticate(mid, tid string) (Merchant, bool) {
	m, ok := s.Merchant(mid)
	return m, ok && tid == m.TID
}

func (s *Server) recordHostKey(key string, ref hostRef) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hostKeys[key] = ref
}

func (s *Server) hostKey(key string) (hostRef, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.hostKeys[key]
	return r, ok
}

func (s *Server) markThreeD(mid, orderID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.threeD[mid+"/"+orderID] = true
}

func (s *Server) isThreeD(mid, orderID string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.threeD[mid+"/"+orderID]
}
