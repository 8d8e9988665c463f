// Package akbank is Kasa's adapter for Akbank's virtual POS JSON API, which
// replaced Akbank's EST (NestPay) POS in November 2024.
//
// Wire format: a UTF-8 JSON document POSTed to {api}/transaction/process
// with an auth-hash header, base64(HMAC-SHA512(secret key, raw body)). Every
// request carries version "1.00", a txnCode naming the operation, the
// requestDateTime (Istanbul time, "2006-01-02T15:04:05.000") and a 128-hex
// randomNumber. responseCode "VPS-0000" is the only approval; an issuer's
// decline comes as VPS-1005 with the ISO 8583 code in hostResponseCode.
// Amounts go out as strings with a dot and two decimals ("1.01"), the
// currency as an ISO 4217 number (949), installCount as a number, 1 for a
// single payment. The 3D gates (securepay, payhosting) sign their form and
// their callback with the same HMAC; see hash.go.
package akbank

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// Name is the registry key.
const Name = "akbank"

// MaxOrderID is the longest orderId Kasa sends. Akbank's replies show order
// ids of up to 36 characters (UUIDs among them); no longer one is known to
// work, so longer ids are refused rather than risked.
const MaxOrderID = 36

// Credential keys.
const (
	CredMerchantSafeID = "merchant_safe_id"
	CredTerminalSafeID = "terminal_safe_id"
	CredSecretKey      = "secret_key"
	CredSubMerchantID  = "sub_merchant_id"
)

// processPath is where every operation is POSTed, under the API endpoint.
const processPath = "/transaction/process"

var descriptor = &gateway.Descriptor{
	Name:  Name,
	Title: "Akbank Sanal POS (JSON API)",
	Credentials: []gateway.CredentialField{
		{Key: CredMerchantSafeID, Label: "merchantSafeId / Üye İşyeri Güvenlik Numarası", Help: "32-character merchant id from Akbank's merchant panel.", Required: true},
		{Key: CredTerminalSafeID, Label: "terminalSafeId / Terminal Güvenlik Numarası", Help: "32-character terminal id from Akbank's merchant panel.", Required: true},
		{Key: CredSecretKey, Label: "secretKey / Güvenlik Anahtarı", Help: "Signs every API request (auth-hash) and the 3D forms and callbacks.", Secret: true, Required: true},
		{Key: CredSubMerchantID, Label: "subMerchantId / Alt Üye İşyeri No", Help: "Only for payment facilitators with sub-merchants."},
	},
	Currencies:   []money.Currency{money.TRY, money.USD, money.EUR, money.GBP},
	ThreeDModels: []string{gateway.Model3D, gateway.Model3DPay, gateway.Model3DHost},
	Presets:      Presets(),
	MaxOrderID:   MaxOrderID,
}

func init() {
	// Set here, not in the literal: New itself reads descriptor.
	descriptor.New = gateway.Constructor(New)
	gateway.Register(descriptor)
}

// Descriptor returns the registered descriptor of the protocol.
func Descriptor() *gateway.Descriptor { return descriptor }

// Gateway talks to one Akbank POS. It is safe for concurrent use.
type Gateway struct {
	merchantSafeID string
	terminalSafeID string
	secretKey      string
	subMerchantID  string
	process        string // {api}/transaction/process
	gate           string
	client         *http.Client
}

// The operations Akbank supports. Akbank has no status query; Status is
// answered from the order history (txnCode 1010), see status.go.
var (
	_ gateway.Gateway        = (*Gateway)(nil)
	_ gateway.Capturer       = (*Gateway)(nil)
	_ gateway.Voider         = (*Gateway)(nil)
	_ gateway.Refunder       = (*Gateway)(nil)
	_ gateway.StatusQuerier  = (*Gateway)(nil)
	_ gateway.HistoryQuerier = (*Gateway)(nil)
)

// New builds a gateway from credentials and endpoints. Endpoints.API is the
// API base ("…/api/v1/payment/virtualpos"); ThreeDGate is the securepay gate.
func New(cfg gateway.Config) (*Gateway, error) {
	if err := descriptor.Validate(cfg.Credentials); err != nil {
		return nil, err
	}
	if !gateway.ValidEndpoint(cfg.Endpoints.API) {
		return nil, fmt.Errorf("akbank: invalid API endpoint %q", cfg.Endpoints.API)
	}
	c := cfg.Credentials
	return &Gateway{
		merchantSafeID: c[CredMerchantSafeID],
		terminalSafeID: c[CredTerminalSafeID],
		secretKey:      c[CredSecretKey],
		subMerchantID:  c[CredSubMerchantID],
		process:        strings.TrimRight(cfg.Endpoints.API, "/") + processPath,
		gate:           cfg.Endpoints.ThreeDGate,
		client:         cfg.Client(),
	}, nil
}

// Authorize sends a sale (txnCode 1000) or a pre-authorisation (1004).
func (g *Gateway) Authorize(ctx context.Context, req *gateway.AuthorizeRequest) *gateway.Result {
	if err := checkOrder(req.Order, true); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	if req.Installments < 0 {
		return gateway.RejectLocal(errors.New("akbank: negative installment count"), gateway.ReasonInstallments)
	}
	if req.Card.PAN.IsZero() {
		return gateway.RejectLocal(errors.New("akbank: card number missing"), gateway.ReasonInvalidCard)
	}
	code := txnPreAuth
	if req.Capture {
		code = txnSale
	}
	r := g.request(code, req.OrderID)
	r.Card = &cardData{
		CardNumber: req.Card.PAN.Reveal(),
		CVV2:       req.Card.CVV.Reveal(),
		ExpireDate: FormatExpiry(req.Card.Expiry),
	}
	r.Transaction = payment(req.Amount, req.Installments)
	r.Customer = customer(req.ClientIP)
	return g.do(ctx, r)
}

// Capture sends a post-authorisation (1005) for the amount to capture, which
// may be less than the pre-authorised amount. The installment count is not
// sent: the bank keeps the pre-auth's.
func (g *Gateway) Capture(ctx context.Context, req *gateway.CaptureRequest) *gateway.Result {
	if err := checkOrder(req.Order, true); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	r := g.request(txnPostAuth, req.OrderID)
	r.Transaction = &transaction{Amount: FormatAmount(req.Amount), CurrencyCode: currencyCode(req.Amount.Currency)}
	r.Customer = customer(req.ClientIP)
	return g.do(ctx, r)
}

// Void cancels (1003) the order's sale, pre-authorisation or capture before
// the batch closes. The bank finds the transaction by order id alone.
func (g *Gateway) Void(ctx context.Context, req *gateway.VoidRequest) *gateway.Result {
	if err := checkOrder(req.Order, false); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	return g.do(ctx, g.request(txnCancel, req.OrderID))
}

// Refund sends 1002. Akbank refunds the whole remaining amount when the
// transaction block is left out; Kasa sends the amount whenever it has one,
// full refunds included, so that the bank refuses rather than refunds a
// different amount than Kasa recorded.
func (g *Gateway) Refund(ctx context.Context, req *gateway.RefundRequest) *gateway.Result {
	needAmount := !req.Full || req.Amount.Minor > 0
	if err := checkOrder(req.Order, needAmount); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	r := g.request(txnRefund, req.OrderID)
	if needAmount {
		r.Transaction = &transaction{Amount: FormatAmount(req.Amount), CurrencyCode: currencyCode(req.Amount.Currency)}
	}
	return g.do(ctx, r)
}

// do sends r and classifies the reply.
func (g *Gateway) do(ctx context.Context, r *request) *gateway.Result {
	resp, res := g.exchange(ctx, r)
	if res != nil {
		return res
	}
	return classify(resp)
}

// exchange signs and sends r and parses the reply. A non-nil Result means no
// usable reply: NotSent or Unknown as the transport classified it, Rejected
// for HTTP 400 (Akbank's answer to a request failing its validation, before
// any processing), or Unknown for a 2xx reply without a responseCode.
func (g *Gateway) exchange(ctx context.Context, r *request) (*Response, *gateway.Result) {
	body, err := r.encode()
	if err != nil {
		return nil, gateway.RejectLocal(fmt.Errorf("akbank: encoding request: %w", err), gateway.ReasonInvalidTxn)
	}
	hdr := http.Header{"auth-hash": {HashBody(body, g.secretKey)}}
	data, terr := gateway.Post(ctx, g.client, g.process, contentType, body, hdr)
	if terr != nil {
		if terr.Status == http.StatusBadRequest {
			// gateway.Post does not hand the body ({code, message}) back.
			return nil, &gateway.Result{Outcome: gateway.Rejected, Reason: gateway.ReasonInvalidTxn,
				BankCode: "HTTP-400", BankMessage: terr.Error(), Err: terr}
		}
		return nil, terr.Result()
	}
	resp, err := ParseResponse(data)
	if err != nil {
		res := unusable(err)
		return nil, &res
	}
	return resp, nil
}

func (g *Gateway) request(txnCode, orderID string) *request {
	r := newRequest(txnCode, g.merchantSafeID, g.terminalSafeID, orderID)
	if g.subMerchantID != "" {
		r.SubMerchant = &subMerchant{SubMerchantID: g.subMerchantID}
	}
	return r
}

// checkOrder refuses, before sending, what the bank would reject. Order ids
// take the characters of the ids seen in the bank's replies: letters,
// digits and the hyphens of UUIDs.
func checkOrder(o gateway.Order, needAmount bool) error {
	return descriptor.CheckOrder(o, needAmount, func(c byte) bool { return c != '_' && gateway.OrderIDChars(c) })
}

// unusable is a reply that carries no verdict: the bank may have acted.
func unusable(err error) gateway.Result { return gateway.Unusable(ErrBadResponse, err) }
