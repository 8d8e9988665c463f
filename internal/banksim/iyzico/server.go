// Package iyzicosim simulates iyzico's payment API, written from iyzico's
// public documentation (docs.iyzico.com) as summarised in Kasa's research
// notes: JSON over POST, IYZWSv2 request authentication, HMAC-SHA256
// response signatures, decimal prices.
//
// It serves /payment/auth and /payment/preauth (non-3DS sale and
// pre-authorisation), /payment/postauth (capture, partial allowed),
// /payment/cancel (before the batch closes), /v2/payment/refund (amount
// based, never beyond what was captured), /payment/detail (by paymentId or
// paymentConversationId), /payment/iyzipos/installment (BIN plans), and the
// 3DS flow: /payment/3dsecure/initialize[/preauth] answers a
// threeDSHtmlContent that auto-posts to the simulator's 3DS page, which runs
// the shared ACS challenge and posts the signed callback to callbackUrl;
// /payment/v2/3dsecure/auth then charges. Decline triggers and faults are
// those of internal/banksim.
package iyzicosim

import (
	"log/slog"
	"sync"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
)

// API paths.
const (
	PathAuth          = "/payment/auth"
	PathPreAuth       = "/payment/preauth"
	PathPostAuth      = "/payment/postauth"
	PathCancel        = "/payment/cancel"
	PathRefund        = "/v2/payment/refund"
	PathDetail        = "/payment/detail"
	Path3DInit        = "/payment/3dsecure/initialize"
	Path3DInitPreAuth = "/payment/3dsecure/initialize/preauth"
	Path3DAuth        = "/payment/v2/3dsecure/auth"
	PathInstallment   = "/payment/iyzipos/installment"
	// Path3DPage is the simulator's 3DS page, the target of the form in
	// threeDSHtmlContent (at iyzico it leads on to the issuer's ACS).
	Path3DPage = "/_iyzico/3ds"
)

// Simulator operation names, for Faults.
const (
	OpAuth        = "Auth"
	OpPreAuth     = "PreAuth"
	OpPostAuth    = "PostAuth"
	OpCancel      = "Cancel"
	OpRefund      = "Refund"
	OpDetail      = "Detail"
	Op3DInit      = "3DSInitialize"
	Op3DAuth      = "3DSAuth"
	OpInstallment = "Installment"
)

// Merchant is an iyzico merchant account.
type Merchant struct {
	APIKey    string
	SecretKey string
	Name      string
}

// Sandbox is the simulator's default merchant. iyzico issues sandbox keys
// per account and publishes none, so these are the simulator's own.
func Sandbox() Merchant {
	return Merchant{
		APIKey:    "sandbox-kasa-iyzico-api-key",
		SecretKey: "sandbox-kasa-iyzico-secret-key",
		Name:      "Kasa iyzico Sandbox",
	}
}

// Config configures a simulator.
type Config struct {
	Addr      string // "" means 127.0.0.1:0
	Merchants []Merchant
	Now       func() time.Time // nil means time.Now
	Logger    *slog.Logger
}

// Server is an iyzico simulator. The embedded Core gives Book, Faults,
// Handler, URL, Close, Reset and CloseBatch.
type Server struct {
	*banksim.Core
	cfg Config

	mu        sync.Mutex
	merchants banksim.Merchants[Merchant] // by API key
	payments  map[string]paymentRef
	byOrder   map[orderKey]string // order → paymentId
	threeDS   map[string]*pending3D
	nextID    int64
}

type orderKey struct{ merchant, order string }

// paymentRef locates a paymentId's order in the book.
type paymentRef struct {
	merchant, order string
}

// New builds a simulator; call Start to listen.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{
		Core:     banksim.NewCore(cfg.Logger),
		cfg:      cfg,
		payments: map[string]paymentRef{},
		byOrder:  map[orderKey]string{},
		threeDS:  map[string]*pending3D{},
		nextID:   25000000,
	}
	s.AddMerchant(Sandbox())
	for _, m := range cfg.Merchants {
		s.AddMerchant(m)
	}
	for path, op := range map[string]string{
		PathAuth: OpAuth, PathPreAuth: OpPreAuth, PathPostAuth: OpPostAuth, PathCancel: OpCancel,
		PathRefund: OpRefund, PathDetail: OpDetail, Path3DInit: Op3DInit, Path3DInitPreAuth: Op3DInit,
		Path3DAuth: Op3DAuth, PathInstallment: OpInstallment,
	} {
		s.Mux().HandleFunc("POST "+path, s.api(op))
	}
	s.Mux().HandleFunc("POST "+Path3DPage, s.handle3DPage)
	return s
}

// Start listens on Config.Addr and returns the base URL.
func (s *Server) Start() (string, error) { return s.Core.Start(s.cfg.Addr) }

// AddMerchant adds or replaces a merchant account.
func (s *Server) AddMerchant(m Merchant) {
	s.merchants.Add(m.APIKey, m)
}

func (s *Server) merchant(apiKey string) (Merchant, bool) {
	return s.merchants.Get(apiKey)
}

// Reset empties the book, faults and the simulator's payment index.
func (s *Server) Reset() {
	s.Core.Reset()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.payments = map[string]paymentRef{}
	s.byOrder = map[orderKey]string{}
	s.threeDS = map[string]*pending3D{}
}
