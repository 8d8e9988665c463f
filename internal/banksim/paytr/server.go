// Package paytrsim simulates PayTR's iFrame API, written from PayTR's
// developer pages as summarised in Kasa's research notes (§2.8) and the
// public documentation Kasa could read, never from Kasa's adapter:
//
//   - POST /odeme/api/get-token (form; paytr_token checked) answers
//     {"status":"success","token":…} or {"status":"failed","reason":…};
//   - GET /odeme/guvenli/{token} is PayTR's hosted card page; the card goes
//     through the shared ACS page (code 123456) and the issuer's decline
//     rules; PayTR then posts the signed result server to server to the
//     merchant's notification URL ("Bildirim URL", set per merchant, not per
//     request), retrying until the answer is the plain text OK, and only
//     then sends the browser (GET) to merchant_ok_url or merchant_fail_url;
//   - POST /odeme/iade (refund, full or partial) and POST
//     /odeme/durum-sorgu (status) with their paytr_tokens.
//
// The notification URL is set with SetNotifyURL (the default merchant),
// SetMerchantNotifyURL, or POST /_sim/notify_url
// {"merchant_id":"…","url":"…"}. Decline triggers, faults and the rest of
// the /_sim control API are documented in internal/banksim.
//
// Simulator choices where PayTR's behaviour is not documented: an ACS
// "attempted" (card ending 0002) fails with failed_reason_code 1, as PayTR
// requires full 3-D Secure; issuer declines are failed_reason_code 0 with
// the issuer's message; the status inquiry's error numbers and the JSON
// shape of its "returns" are this simulator's own.
package paytrsim

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/money"
)

// Paths served, as on PayTR's host.
const (
	PathGetToken = "/odeme/api/get-token"
	PathIframe   = "/odeme/guvenli/" // + token: the card page (GET) and its form (POST)
	PathResult   = "/odeme/sonuc/"   // + token: after the ACS, before the merchant's page
	PathRefund   = "/odeme/iade"
	PathStatus   = "/odeme/durum-sorgu"
	PathNotify   = "/_sim/notify_url"
)

// Operation names for faults and logs. Notification delivery is not a
// request to the bank and takes no faults.
const (
	OpGetToken = "GetToken"
	OpRefund   = "Refund"
	OpStatus   = "Status"
)

// Merchant is a PayTR store.
type Merchant struct {
	ID   string // merchant_id (Mağaza No)
	Key  string // merchant_key
	Salt string // merchant_salt
	Name string // shown on the pages
}

// Sandbox is the simulator's default store. The values are Kasa's own,
// not PayTR's.
func Sandbox() Merchant {
	return Merchant{ID: "100001", Key: "KasaSimPayTRKey1", Salt: "KasaSimPayTRSalt", Name: "Kasa PayTR Sandbox"}
}

// Config configures a simulator.
type Config struct {
	// Addr is where Start listens; "" means 127.0.0.1:0.
	Addr string
	// Merchants are served in addition to the sandbox store.
	Merchants []Merchant
	// Now is PayTR's clock; nil means time.Now.
	Now func() time.Time
	// Logger gets one line per request (never card data); nil discards.
	Logger *slog.Logger
	// NotifyAttempts is how many times a notification is posted before the
	// simulator gives up (PayTR keeps trying for much longer); 0 means 5.
	NotifyAttempts int
	// NotifyBackoff is the wait before the second attempt, doubled for
	// each later one; 0 means 100 ms.
	NotifyBackoff time.Duration
	// HTTPClient posts notifications; nil means a 10-second client that
	// follows no redirects.
	HTTPClient *http.Client
}

// Server is a PayTR simulator. The embedded Core gives Book, Faults,
// Handler, URL, Close, Reset and CloseBatch.
type Server struct {
	*banksim.Core
	cfg       Config
	merchants banksim.Merchants[Merchant]

	mu         sync.Mutex
	notifyURLs map[string]string   // by merchant id
	sessions   map[string]*session // by token
	sent       map[string][]Notification
}

// session is one iFrame token and, once the customer finished, its result.
type session struct {
	merchant      Merchant
	token         string
	oid           string
	amount        money.Amount
	maxInst       int // 1 when no_installment=1
	okURL         string
	failURL       string
	testMode      string
	email, userIP string
	expires       time.Time

	opened bool
	pan    string
	exp    card.Expiry
	holder string
	inst   int

	done       bool
	result     url.Values    // the notification, once the outcome is known
	delivered  chan struct{} // closed when delivery ended (OK or given up)
	deliveryOK bool
}

// Notification is one delivery attempt of a notification.
type Notification struct {
	OrderID string
	Form    url.Values
	Status  int    // HTTP status; 0 if the request failed
	Body    string // the merchant's answer, cut at 200 bytes
	OK      bool   // the answer was exactly "OK"
}

// ttl bounds an iFrame token's life.
const ttl = 30 * time.Minute

// New builds a simulator; call Start to listen or mount Handler yourself.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NotifyAttempts <= 0 {
		cfg.NotifyAttempts = 5
	}
	if cfg.NotifyBackoff <= 0 {
		cfg.NotifyBackoff = 100 * time.Millisecond
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	s := &Server{Core: banksim.NewCore(cfg.Logger), cfg: cfg,
		notifyURLs: map[string]string{}, sessions: map[string]*session{}, sent: map[string][]Notification{}}
	for _, m := range append([]Merchant{Sandbox()}, cfg.Merchants...) {
		s.merchants.Add(m.ID, m)
	}
	s.Mux().HandleFunc("POST "+PathGetToken, s.handleGetToken)
	s.Mux().HandleFunc("GET "+PathIframe+"{token}", s.handlePage)
	s.Mux().HandleFunc("POST "+PathIframe+"{token}", s.handleCard)
	s.Mux().HandleFunc("POST "+PathResult+"{token}", s.handleResult)
	s.Mux().HandleFunc("POST "+PathRefund, s.handleRefund)
	s.Mux().HandleFunc("POST "+PathStatus, s.handleStatus)
	s.Mux().HandleFunc("POST "+PathNotify, s.handleSetNotify)
	s.Mux().HandleFunc("GET "+PathNotify, s.handleGetNotify)
	return s
}

// Start listens on Config.Addr and returns the base URL.
func (s *Server) Start() (string, error) { return s.Core.Start(s.cfg.Addr) }

// AddMerchant adds or replaces a store.
func (s *Server) AddMerchant(m Merchant) { s.merchants.Add(m.ID, m) }

// SetNotifyURL sets the sandbox store's notification URL (banksim.NotifyURLSetter).
func (s *Server) SetNotifyURL(u string) { s.SetMerchantNotifyURL(Sandbox().ID, u) }

// SetMerchantNotifyURL sets a store's notification URL, as the merchant
// does once in PayTR's panel.
func (s *Server) SetMerchantNotifyURL(merchantID, u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notifyURLs[merchantID] = u
}

// Notifications returns every delivery attempt of an order's
// notifications, oldest first.
func (s *Server) Notifications(orderID string) []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Notification(nil), s.sent[orderID]...)
}

// Renotify posts an order's notification once more, as PayTR may send
// duplicates; it reports whether the merchant answered OK. False too if
// the order has no notification yet.
func (s *Server) Renotify(orderID string) bool {
	s.mu.Lock()
	var sess *session
	for _, x := range s.sessions {
		if x.oid == orderID && x.result != nil {
			sess = x
		}
	}
	s.mu.Unlock()
	if sess == nil {
		return false
	}
	return s.post(sess)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
