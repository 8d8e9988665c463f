// Package garantisim simulates Garanti BBVA's virtual POS (GVPS), written
// from the bank's documentation as summarised in Kasa's research notes:
// GVPSRequest XML POSTed to /VPServlet, GVPSResponse back, API version 512
// (SHA-512 HashData over a SHA-1 SecurityData of the provisioning user's
// password), and the 3D gate /servlet/gt3dengine for the 3D, 3D_PAY and
// OOS_PAY (hosted page) security levels.
//
// It supports sales, preauth, postauth (full or partial), void (before the
// batch closes, as PROVRFN), refund (full or partial, as PROVRFN, never
// beyond what was captured), orderinq and orderhistoryinq. Decline triggers
// and faults are documented in internal/banksim.
package garantisim

import (
	"crypto/subtle"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
)

// Paths served, as on Garanti's hosts.
const (
	PathAPI  = "/VPServlet"
	PathGate = "/servlet/gt3dengine"
	// pathOOS receives the hosted card page (OOS_PAY) of one session.
	pathOOS = "/servlet/gt3dengine/oos/"
)

// Merchant is a terminal configured at the simulated bank.
type Merchant struct {
	MerchantID  string
	TerminalID  string
	AutPassword string // PROVAUT
	RfnPassword string // PROVRFN
	OOSPassword string // PROVOOS
	StoreKey    string
	Name        string
	// MaxInstallments is the largest installment count allowed (TRY only);
	// 0 means 12, -1 means none.
	MaxInstallments int
}

// Sandbox is Garanti's public test terminal (research notes §7), served by
// default so that public test vectors line up. The sandbox uses one
// password for every provisioning user.
func Sandbox() Merchant {
	return Merchant{
		MerchantID:  "7000679",
		TerminalID:  "30691298",
		AutPassword: "123qweASD/",
		RfnPassword: "123qweASD/",
		OOSPassword: "123qweASD/",
		StoreKey:    "12345678",
		Name:        "Kasa Garanti Sandbox",
	}
}

func (m Merchant) maxInstallments() int { return banksim.InstallmentLimit(m.MaxInstallments) }

// password returns the password of a provisioning user; "" for unknown users.
func (m Merchant) password(user string) string {
	switch user {
	case userAut:
		return m.AutPassword
	case userRfn:
		return m.RfnPassword
	case userOOS:
		return m.OOSPassword
	}
	return ""
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

// Server is a Garanti host simulator. The embedded Core gives Book, Faults,
// Handler, URL, Close, Reset and CloseBatch.
type Server struct {
	*banksim.Core
	cfg Config

	mu        sync.RWMutex
	merchants banksim.Merchants[Merchant] // by terminal id
	auths     map[string]authRecord
	oos       map[string]oosSession
}

// New builds a simulator; call Start to listen or mount Handler yourself.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{
		Core:  banksim.NewCore(cfg.Logger),
		cfg:   cfg,
		auths: map[string]authRecord{},
		oos:   map[string]oosSession{},
	}
	if !cfg.NoSandbox {
		s.AddMerchant(Sandbox())
	}
	for _, m := range cfg.Merchants {
		s.AddMerchant(m)
	}
	for op, f := range cfg.Faults {
		s.Faults().SetDefault(op, f)
	}
	s.Mux().HandleFunc("POST "+PathAPI, s.handleAPI)
	s.Mux().HandleFunc("POST "+PathGate, s.handleGate)
	s.Mux().HandleFunc("POST "+pathOOS+"{id}", s.handleOOS)
	return s
}

// Start listens on Config.Addr and returns the base URL.
func (s *Server) Start() (string, error) { return s.Core.Start(s.cfg.Addr) }

// APIURL is the API endpoint after Start.
func (s *Server) APIURL() string { return s.URL() + PathAPI }

// GateURL is the 3D gate endpoint after Start.
func (s *Server) GateURL() string { return s.URL() + PathGate }

// AddMerchant adds or replaces a terminal.
func (s *Server) AddMerchant(m Merchant) {
	s.merchants.Add(m.TerminalID, m)
}

// Merchant looks a terminal up.
func (s *Server) Merchant(terminalID string) (Merchant, bool) {
	return s.merchants.Get(terminalID)
}

// authenticate checks the terminal, merchant, provisioning user and
// HashData like GVPS does. card is the Card/Number sent ("" without a card).
func (s *Server) authenticate(req *gvpsRequest, wantUser string) (Merchant, bool) {
	m, ok := s.Merchant(req.Terminal.ID)
	if !ok || req.Terminal.MerchantID != m.MerchantID || req.Terminal.ProvUserID != wantUser {
		return Merchant{}, false
	}
	pass := m.password(wantUser)
	if pass == "" {
		return Merchant{}, false
	}
	want := hashData(req.Order.OrderID, m.TerminalID, req.Card.Number, req.Transaction.Amount, req.Transaction.CurrencyCode, securityData(pass, m.TerminalID))
	return m, subtle.ConstantTimeCompare([]byte(want), []byte(req.Terminal.HashData)) == 1
}

func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) {
	req, err := readRequest(r)
	op := OpInvalid
	if err == nil {
		op = req.op()
	}
	s.Respond(w, r, op, "text/xml; charset=UTF-8", func() []byte {
		rep := s.process(op, req, err)
		s.Log().Info("garantisim", "op", op, "order", rep.Order.OrderID, "code", rep.Transaction.Response.Code,
			"reason", rep.Transaction.Response.ReasonCode)
		return rep.encode()
	})
}
