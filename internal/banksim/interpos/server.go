// Package interpossim simulates Denizbank's InterVPOS host, written from the
// bank's documentation as summarised in Kasa's research notes: form-encoded
// requests POSTed to /mpi/Default.aspx, answered with key=value pairs
// separated by ";;".
//
// Default.aspx serves both the API (SecureType NonSecure: Auth, PreAuth,
// PostAuth, Void, Refund, StatusHistory, and the provisioning of a 3DModel
// payment, told apart by its MD) and the 3D gate (SecureType 3DModel or
// 3DPay, posted by the browser with a form hash); /mpi/3DHost.aspx shows the
// bank's card page. The gate hands the cardholder to the shared ACS and
// posts the result back to the merchant signed with the HASHPARAMS scheme.
// Decline triggers and faults are documented in internal/banksim.
package interpossim

import (
	"crypto/subtle"
	"log/slog"
	"net/http"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
)

// Paths served, as on Denizbank's hosts.
const (
	PathDefault  = "/mpi/Default.aspx"
	PathHostGate = "/mpi/3DHost.aspx"
)

// Merchant is a POS configured at the simulated bank.
type Merchant struct {
	ShopCode string
	UserCode string
	UserPass string
	StoreKey string // "MerchantPass", the 3D key
	Name     string
	// MaxInstallments is the largest installment count allowed (TRY only);
	// 0 means 12, -1 means none.
	MaxInstallments int
}

// Sandbox is the InterPos test merchant of the public library's test
// vectors (shop 3123, store key gDg1N), served by default so that those
// vectors line up.
func Sandbox() Merchant {
	return Merchant{ShopCode: "3123", UserCode: "InterTestApi", UserPass: "3", StoreKey: "gDg1N", Name: "INTERVPOS TEST ISYERI"}
}

func (m Merchant) maxInstallments() int { return banksim.InstallmentLimit(m.MaxInstallments) }

// Config configures a simulator.
type Config struct {
	// Addr is where Start listens; "" means 127.0.0.1:0.
	Addr string
	// Merchants are served in addition to the sandbox merchant.
	Merchants []Merchant
	// Faults are default faults per operation (banksim.AnyOp for all).
	Faults map[string]banksim.Fault
	// Now is the bank's clock; nil means time.Now.
	Now func() time.Time
	// Logger gets one line per request (never card data); nil discards.
	Logger *slog.Logger
}

// Server is an InterVPOS host simulator. The embedded Core gives Book,
// Faults, Handler, URL, Close, Reset and CloseBatch.
type Server struct {
	*banksim.Core
	cfg Config

	merchants banksim.Merchants[Merchant] // by ShopCode
	sessions  *banksim.Pending[*session]  // authenticated 3DModel payments by MD
	hosted    *banksim.Pending[*gateForm]
}

// New builds a simulator; call Start to listen or mount Handler yourself.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{
		Core:     banksim.NewCore(cfg.Logger),
		cfg:      cfg,
		sessions: banksim.NewPending[*session](sessionTTL),
		hosted:   banksim.NewPending[*gateForm](sessionTTL),
	}
	s.AddMerchant(Sandbox())
	for _, m := range cfg.Merchants {
		s.AddMerchant(m)
	}
	for op, f := range cfg.Faults {
		s.Faults().SetDefault(op, f)
	}
	s.Mux().HandleFunc("POST "+PathDefault, s.handleDefault)
	s.Mux().HandleFunc("POST "+PathHostGate, s.handleHostGate)
	return s
}

// Start listens on Config.Addr and returns the base URL.
func (s *Server) Start() (string, error) { return s.Core.Start(s.cfg.Addr) }

// APIURL is Default.aspx after Start; the 3D gate is the same URL.
func (s *Server) APIURL() string { return s.URL() + PathDefault }

// AddMerchant adds or replaces a merchant.
func (s *Server) AddMerchant(m Merchant) {
	s.merchants.Add(m.ShopCode, m)
}

// Merchant looks a merchant up by ShopCode.
func (s *Server) Merchant(shopCode string) (Merchant, bool) {
	return s.merchants.Get(shopCode)
}

func eq(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// handleDefault tells browser gate forms (3DModel, 3DPay) from API calls.
func (s *Server) handleDefault(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRequest)
	if err := r.ParseForm(); err != nil {
		s.Respond(w, r, OpInvalid, contentType, func() []byte { return failed(errRequest).reply("").encode() })
		return
	}
	switch st := r.PostForm.Get("SecureType"); st {
	case "3DModel", "3DPay":
		s.handleGate(w, r, st)
	default:
		s.handleAPI(w, r)
	}
}
