// Package est3sim simulates an EST (Asseco/Payten "NestPay") virtual POS host,
// written from the bank's documentation as summarised in Kasa's research
// notes: CC5Request XML POSTed to /fim/api, CC5Response back, in ISO-8859-9.
//
// It supports Auth, PreAuth, PostAuth (full or partial), Void (before the
// batch closes, not after a refund), Credit (full or partial, never beyond
// what was captured), and the ORDERSTATUS and ORDERHISTORY queries. Decline
// triggers and faults are documented in internal/banksim.
//
// The 3D gate (/fim/est3Dgate, see threed.go) serves the 3d, 3d_pay,
// 3d_pay_hosting and 3d_host store types with the ver3 hash and the shared
// ACS page of internal/banksim.
package est3sim

import (
	"crypto/subtle"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
)

// Paths served, as on every EST host.
const (
	PathAPI        = "/fim/api"
	PathThreeDGate = "/fim/est3Dgate"
)

// Merchant is a store configured at the simulated bank.
type Merchant struct {
	ClientID string
	User     string // API user (Name)
	Password string
	StoreKey string // for the 3D gate
	Name     string // merchantName
	// MaxInstallments is the largest installment count the store's plan
	// allows (TRY only); 0 means 12, -1 means none.
	MaxInstallments int
	// Currencies are the ISO numeric codes the store accepts; nil means
	// 949, 840, 978, 826.
	Currencies []string
	TerminalID string // Extra/TERMINALID; derived from ClientID when empty
	MerchantID string // Extra/MERCHANTID; ClientID when empty
}

// PaytenSandbox is the public Payten test store (research notes §7), served
// by default so that public test vectors line up.
func PaytenSandbox() Merchant {
	return Merchant{
		ClientID:   "700655000200",
		User:       "ISBANKAPI",
		Password:   "ISBANK07",
		StoreKey:   "TRPS0200",
		Name:       "Kasa Payten Sandbox",
		TerminalID: "00655020",
		MerchantID: "655000200",
	}
}

func (m Merchant) maxInstallments() int { return banksim.InstallmentLimit(m.MaxInstallments) }

func (m Merchant) accepts(numeric string) bool {
	if m.Currencies == nil {
		switch numeric {
		case "949", "840", "978", "826":
			return true
		}
		return false
	}
	for _, c := range m.Currencies {
		if c == numeric {
			return true
		}
	}
	return false
}

func (m Merchant) terminalID() string {
	if m.TerminalID != "" {
		return m.TerminalID
	}
	id := m.ClientID
	if len(id) > 6 {
		id = id[len(id)-6:]
	}
	return "00" + id
}

func (m Merchant) merchantID() string {
	if m.MerchantID != "" {
		return m.MerchantID
	}
	return m.ClientID
}

// Config configures a simulator.
type Config struct {
	// Addr is where Start listens; "" means 127.0.0.1:0.
	Addr string
	// Merchants are served in addition to the Payten sandbox store.
	Merchants []Merchant
	// NoPaytenSandbox leaves the Payten sandbox store out.
	NoPaytenSandbox bool
	// UTF8Responses sends replies in UTF-8 instead of ISO-8859-9.
	UTF8Responses bool
	// RefundRequiresSettlement refuses a Credit before the batch closes
	// (CORE-2508), as some banks do; by default refunds are allowed at once.
	RefundRequiresSettlement bool
	// Faults are default faults per operation (banksim.AnyOp for all).
	Faults map[string]banksim.Fault
	// Now is the bank's clock; nil means time.Now.
	Now func() time.Time
	// Logger gets one line per request (never card data); nil discards.
	Logger *slog.Logger
}

// Server is an EST host simulator. The embedded Core gives Book, Faults,
// Handler, URL, Close, Reset and CloseBatch.
type Server struct {
	*banksim.Core
	cfg Config

	mu        sync.RWMutex
	merchants banksim.Merchants[Merchant]
	gate      http.Handler
	threeD    pending3D
}

// New builds a simulator; call Start to listen or mount Handler yourself.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{
		Core: banksim.NewCore(cfg.Logger),
		cfg:  cfg,
	}
	s.gate = http.HandlerFunc(s.handleGate)
	if !cfg.NoPaytenSandbox {
		s.AddMerchant(PaytenSandbox())
	}
	for _, m := range cfg.Merchants {
		s.AddMerchant(m)
	}
	for op, f := range cfg.Faults {
		s.Faults().SetDefault(op, f)
	}
	s.Mux().HandleFunc("POST "+PathAPI, s.handleAPI)
	s.Mux().HandleFunc(PathThreeDGate, func(w http.ResponseWriter, r *http.Request) {
		s.mu.RLock()
		h := s.gate
		s.mu.RUnlock()
		h.ServeHTTP(w, r)
	})
	s.Mux().HandleFunc("POST "+PathHostedCard+"{id}", s.handleHostedCard)
	return s
}

// Start listens on Config.Addr and returns the base URL.
func (s *Server) Start() (string, error) { return s.Core.Start(s.cfg.Addr) }

// APIURL is the API endpoint after Start.
func (s *Server) APIURL() string { return s.URL() + PathAPI }

// ThreeDGateURL is the 3D gate endpoint after Start.
func (s *Server) ThreeDGateURL() string { return s.URL() + PathThreeDGate }

// AddMerchant adds or replaces a store.
func (s *Server) AddMerchant(m Merchant) {
	s.merchants.Add(m.ClientID, m)
}

// Merchant looks a store up by ClientId.
func (s *Server) Merchant(clientID string) (Merchant, bool) {
	return s.merchants.Get(clientID)
}

// SetThreeDGate replaces the handler of /fim/est3Dgate, e.g. to make a test
// gate misbehave in ways the real one does not.
func (s *Server) SetThreeDGate(h http.Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gate = h
}

// authenticate checks Name/Password/ClientId like the host does.
func (s *Server) authenticate(req *cc5Request) (Merchant, bool) {
	m, ok := s.Merchant(req.ClientID)
	if !ok {
		return Merchant{}, false
	}
	userOK := subtle.ConstantTimeCompare([]byte(req.Name), []byte(m.User)) == 1
	passOK := subtle.ConstantTimeCompare([]byte(req.Password), []byte(m.Password)) == 1
	return m, userOK && passOK
}

func (s *Server) contentType() string {
	if s.cfg.UTF8Responses {
		return "text/xml; charset=UTF-8"
	}
	return "text/xml; charset=ISO-8859-9"
}

func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) {
	body, err := readRequest(r)
	var req *cc5Request
	if err == nil {
		req, err = parseRequest(body)
	}
	op := OpInvalid
	if err == nil {
		op = req.op()
	}
	s.Respond(w, r, op, s.contentType(), func() []byte {
		rep := s.process(op, req, err)
		s.Log().Info("est3sim", "op", op, "order", orderIDOf(req), "code", rep.ProcReturnCode, "error_code", extraOf(rep, "ERRORCODE"))
		return rep.encode(s.cfg.UTF8Responses)
	})
}

func orderIDOf(req *cc5Request) string {
	if req == nil {
		return ""
	}
	return req.OrderID
}

func extraOf(rep reply, k string) string {
	for _, x := range rep.Extra {
		if x.k == k {
			return x.v
		}
	}
	return ""
}
