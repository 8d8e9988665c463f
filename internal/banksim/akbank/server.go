// Package akbanksim simulates Akbank's virtual POS JSON API, written from
// the bank's documentation as summarised in Kasa's research notes: JSON
// POSTed to /api/v1/payment/virtualpos/transaction/process, signed with an
// auth-hash header (base64 HMAC-SHA512 of the body with the secret key),
// answered in JSON with responseCode VPS-0000 for an approval.
//
// It supports sale (1000), pre-auth (1004), post-auth (1005, partial, never
// above the pre-auth), cancel (1003, before the batch closes, not after a
// refund), refund (1002, partial or full, never beyond what was captured),
// order history (1010), and the 3D gates: /securepay (3D, 3D_PAY) and
// /payhosting (3D_PAY_HOSTING, card entry on the bank's page), followed by
// the shared ACS challenge and a signed post back to the merchant. 3D-model
// authentications are provisioned with a 1000/1004 carrying
// secureTransaction. Decline triggers and faults are documented in
// internal/banksim.
package akbanksim

import (
	"crypto/subtle"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
)

// Paths served, as on Akbank's hosts.
const (
	PathAPIBase    = "/api/v1/payment/virtualpos"
	PathProcess    = PathAPIBase + "/transaction/process"
	PathGate       = "/securepay"
	PathPayHosting = "/payhosting"
)

// Merchant is a POS (one terminal) configured at the simulated bank.
type Merchant struct {
	MerchantSafeID string
	TerminalSafeID string
	SecretKey      string
	Name           string
	// MaxInstallments is the largest installment count allowed (TRY only);
	// 0 means 12, -1 means none.
	MaxInstallments int
}

// Sandbox is Akbank's public test merchant (the credentials the public
// library's Akbank test vectors are computed with), served by default so
// that those vectors line up.
func Sandbox() Merchant {
	return Merchant{
		MerchantSafeID: "2023090417500272654BD9A49CF07574",
		TerminalSafeID: "2023090417500284633D137A249DBBEB",
		SecretKey:      "3230323330393034313735303032363031353172675f357637355f3273387373745f7233725f73323333383737335f323272383774767276327672323531355f",
		Name:           "AKBANK TEST ISYERI",
	}
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

// Server is an Akbank host simulator. The embedded Core gives Book, Faults,
// Handler, URL, Close, Reset and CloseBatch.
type Server struct {
	*banksim.Core
	cfg Config

	merchants banksim.Merchants[Merchant] // by MerchantSafeID
	sessions  *banksim.Pending[*session]  // authenticated 3D-model payments by secureMd
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
	s.Mux().HandleFunc("POST "+PathProcess, s.handleAPI)
	s.Mux().HandleFunc("POST "+PathGate, s.handleGate)
	s.Mux().HandleFunc("POST "+PathPayHosting, s.handlePayHosting)
	return s
}

// Start listens on Config.Addr and returns the base URL.
func (s *Server) Start() (string, error) { return s.Core.Start(s.cfg.Addr) }

// APIURL is the API base after Start (operations go to PathProcess under it).
func (s *Server) APIURL() string { return s.URL() + PathAPIBase }

// ThreeDGateURL is the securepay gate after Start; payhosting sits next to it.
func (s *Server) ThreeDGateURL() string { return s.URL() + PathGate }

// AddMerchant adds or replaces a merchant.
func (s *Server) AddMerchant(m Merchant) {
	s.merchants.Add(m.MerchantSafeID, m)
}

// Merchant looks a merchant up by merchantSafeId.
func (s *Server) Merchant(id string) (Merchant, bool) {
	return s.merchants.Get(id)
}

func eq(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

const contentType = "application/json; charset=utf-8"

// maxRequest bounds a request body; real ones are under 2 KB.
const maxRequest = 64 << 10

// handleAPI authenticates the request like the bank's gateway does: an
// unreadable body, an unknown terminal or a wrong auth-hash is refused with
// HTTP 400 and {code, message}, before any processing (and before faults,
// which model the processing host). Everything else is answered in JSON
// through Respond.
func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
	if err != nil || len(body) > maxRequest {
		badRequest(w, "İstek okunamadı")
		return
	}
	var req apiRequest
	if err := json.Unmarshal(body, &req); err != nil {
		badRequest(w, "İstek okunamadı")
		return
	}
	m, ok := s.Merchant(req.Terminal.MerchantSafeID)
	if !ok || !eq(req.Terminal.TerminalSafeID, m.TerminalSafeID) {
		badRequest(w, "Üye işyeri veya terminal bulunamadı")
		return
	}
	if !eq(r.Header.Get("auth-hash"), hmacBase64(m.SecretKey, body)) {
		badRequest(w, "auth-hash doğrulanamadı")
		return
	}
	op := req.op()
	s.Respond(w, r, op, contentType, func() []byte {
		rep := s.process(m, op, &req)
		s.Log().Info("akbanksim", "op", op, "order", req.Order.OrderID, "code", rep.ResponseCode)
		return rep.encode()
	})
}

func badRequest(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]any{"code": http.StatusBadRequest, "message": msg}) //nolint:errcheck // client may be gone
}
