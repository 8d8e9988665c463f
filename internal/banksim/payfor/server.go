// Package payforsim simulates a PayFor virtual POS host (QNB Finansbank,
// Enpara, Ziraat Katılım), written from the bank's documentation as
// summarised in Kasa's research notes: PayforRequest XML POSTed to
// /Gateway/XMLGate.aspx, PayforResponse (or TxnHistoryReport) back, UTF-8.
//
// It supports Auth, PreAuth, PostAuth (partial, never above the pre-auth),
// Void (before the batch closes, not after a refund), Refund (partial or
// full, never beyond what was captured), OrderInquiry and TxnHistory, and
// the 3D gate: /Gateway/Default.aspx (3DModel, 3DPay) and
// /Gateway/3DHost.aspx (card entry on the bank's page), followed by the
// shared ACS challenge and a signed post back to the merchant. 3DModel
// sessions are provisioned with SecureType 3DModelPayment. Decline triggers
// and faults are documented in internal/banksim.
package payforsim

import (
	"crypto/subtle"
	"log/slog"
	"net/http"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
)

// Paths served, as on QNB's hosts.
const (
	PathAPI      = "/Gateway/XMLGate.aspx"
	PathGate     = "/Gateway/Default.aspx"
	PathHostGate = "/Gateway/3DHost.aspx"
)

// Merchant is a POS configured at the simulated bank.
type Merchant struct {
	MbrID      string // institution code, "5" for QNB
	MerchantID string
	UserCode   string
	UserPass   string
	StoreKey   string // 3D key ("MerchantPass")
	Name       string
	// MaxInstallments is the largest installment count allowed (TRY only);
	// 0 means 12, -1 means none.
	MaxInstallments int
}

// QNBSandbox is the public QNB PayFor test merchant (the credentials the
// public library's PayFor test vectors are computed with), served by
// default so that those vectors line up.
func QNBSandbox() Merchant {
	return Merchant{
		MbrID:      "5",
		MerchantID: "085300000009704",
		UserCode:   "QNB_API_KULLANICI_3DPAY",
		UserPass:   "UcBN0",
		StoreKey:   "12345678",
		Name:       "3D PAY TEST ISYERI",
	}
}

func (m Merchant) maxInstallments() int { return banksim.InstallmentLimit(m.MaxInstallments) }

// Config configures a simulator.
type Config struct {
	// Addr is where Start listens; "" means 127.0.0.1:0.
	Addr string
	// Merchants are served in addition to the QNB sandbox merchant.
	Merchants []Merchant
	// RefundRequiresSettlement refuses a Refund before the batch closes
	// (V014, "void the original instead"), as QNB's hosts do; by default
	// refunds are allowed at once.
	RefundRequiresSettlement bool
	// Faults are default faults per operation (banksim.AnyOp for all).
	Faults map[string]banksim.Fault
	// Now is the bank's clock; nil means time.Now.
	Now func() time.Time
	// Logger gets one line per request (never card data); nil discards.
	Logger *slog.Logger
}

// Server is a PayFor host simulator. The embedded Core gives Book, Faults,
// Handler, URL, Close, Reset and CloseBatch.
type Server struct {
	*banksim.Core
	cfg Config

	merchants banksim.Merchants[Merchant] // by MerchantID
	sessions  *banksim.Pending[*session]  // 3D sessions by RequestGuid
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
	s.AddMerchant(QNBSandbox())
	for _, m := range cfg.Merchants {
		s.AddMerchant(m)
	}
	for op, f := range cfg.Faults {
		s.Faults().SetDefault(op, f)
	}
	s.Mux().HandleFunc("POST "+PathAPI, s.handleAPI)
	s.Mux().HandleFunc("POST "+PathGate, s.handleGate)
	s.Mux().HandleFunc("POST "+PathHostGate, s.handleHostGate)
	return s
}

// Start listens on Config.Addr and returns the base URL.
func (s *Server) Start() (string, error) { return s.Core.Start(s.cfg.Addr) }

// APIURL is the XMLGate endpoint after Start.
func (s *Server) APIURL() string { return s.URL() + PathAPI }

// ThreeDGateURL is the 3D gate after Start; 3DHost.aspx sits next to it.
func (s *Server) ThreeDGateURL() string { return s.URL() + PathGate }

// AddMerchant adds or replaces a merchant.
func (s *Server) AddMerchant(m Merchant) {
	s.merchants.Add(m.MerchantID, m)
}

// Merchant looks a merchant up by MerchantId.
func (s *Server) Merchant(id string) (Merchant, bool) {
	return s.merchants.Get(id)
}

func eq(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// authenticate checks MbrId/MerchantId/UserCode/UserPass like the host does.
func (s *Server) authenticate(req *payforRequest) (Merchant, bool) {
	m, ok := s.Merchant(req.MerchantID)
	if !ok {
		return Merchant{}, false
	}
	return m, req.MbrID == m.MbrID && eq(req.UserCode, m.UserCode) && eq(req.UserPass, m.UserPass)
}

const contentType = "text/xml; charset=utf-8"

func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) {
	req, err := readRequest(r)
	op := OpInvalid
	if err == nil {
		op = req.op()
	}
	s.Respond(w, r, op, contentType, func() []byte {
		body, code := s.process(op, req, err)
		order := ""
		if req != nil {
			order = req.order()
		}
		s.Log().Info("payforsim", "op", op, "order", order, "code", code)
		return body
	})
}
