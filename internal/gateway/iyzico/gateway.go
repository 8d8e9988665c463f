// Package iyzico is Kasa's adapter for iyzico, a Turkish payment
// institution (not a bank) serving merchants without a bank POS.
//
// Wire format: JSON over HTTPS POST. Every request carries the IYZWSv2
// Authorization header (HMAC-SHA256 over a random key, the URI path and the
// body) and x-iyzi-rnd. Replies are JSON with status "success" or "failure"
// (errorCode, errorMessage, errorGroup); payment replies carry a hex
// HMAC-SHA256 "signature" over endpoint-specific fields, which the adapter
// verifies. Prices are decimal strings ("125.50") going out and JSON
// numbers coming back; currencies are alphabetic (TRY, USD, EUR, GBP).
//
// Kasa's order id is sent as both conversationId and basketId. iyzico
// identifies a payment by its own paymentId, which capture, cancel and
// refund need: the adapter resolves it from the order id with a payment
// detail query (paymentConversationId) first, so Kasa need not keep it.
package iyzico

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// Name is the registry key.
const Name = "iyzico"

// MaxOrderID bounds conversationId/basketId. iyzico publishes no limit;
// 64 is what Kasa's order ids need and what the simulator enforces.
const MaxOrderID = 64

// Credential keys.
const (
	CredAPIKey    = "api_key"
	CredSecretKey = "secret_key"
)

var descriptor = &gateway.Descriptor{
	Name:  Name,
	Title: "iyzico (payment institution)",
	Credentials: []gateway.CredentialField{
		{Key: CredAPIKey, Label: "API Anahtarı", Help: "API key from the iyzico merchant panel (Ayarlar → Firma Ayarları).", Required: true},
		{Key: CredSecretKey, Label: "Güvenlik Anahtarı", Help: "Secret key from the iyzico merchant panel; signs requests and verifies replies.", Secret: true, Required: true},
	},
	Currencies:   []money.Currency{money.TRY, money.USD, money.EUR, money.GBP},
	ThreeDModels: []string{gateway.Model3D},
	Presets: []gateway.Preset{
		{Name: "iyzico-test", Bank: "iyzico", Environment: "test", Endpoints: gateway.Endpoints{API: "https://sandbox-api.iyzipay.com"}},
		{Name: "iyzico-production", Bank: "iyzico", Environment: "production", Endpoints: gateway.Endpoints{API: "https://api.iyzipay.com"}},
	},
	MaxOrderID: MaxOrderID,
}

func init() {
	// Set here, not in the literal: New itself reads descriptor.
	descriptor.New = gateway.Constructor(New)
	gateway.Register(descriptor)
}

// Descriptor returns the registered descriptor of the protocol.
func Descriptor() *gateway.Descriptor { return descriptor }

// Gateway talks to one iyzico merchant account. It is safe for concurrent use.
type Gateway struct {
	apiKey    string
	secretKey string
	base      *url.URL
	client    *http.Client
}

// The operations iyzico supports.
var (
	_ gateway.Gateway         = (*Gateway)(nil)
	_ gateway.Capturer        = (*Gateway)(nil)
	_ gateway.Voider          = (*Gateway)(nil)
	_ gateway.Refunder        = (*Gateway)(nil)
	_ gateway.StatusQuerier   = (*Gateway)(nil)
	_ gateway.ThreeDStarter   = (*Gateway)(nil)
	_ gateway.ThreeDVerifier  = (*Gateway)(nil)
	_ gateway.ThreeDCompleter = (*Gateway)(nil)
)

// New builds a gateway from credentials and the API base URL.
func New(cfg gateway.Config) (*Gateway, error) {
	if err := descriptor.Validate(cfg.Credentials); err != nil {
		return nil, err
	}
	if !gateway.ValidEndpoint(cfg.Endpoints.API) {
		return nil, fmt.Errorf("iyzico: invalid API endpoint %q", cfg.Endpoints.API)
	}
	base, _ := url.Parse(strings.TrimRight(cfg.Endpoints.API, "/"))
	return &Gateway{
		apiKey:    cfg.Credentials[CredAPIKey],
		secretKey: cfg.Credentials[CredSecretKey],
		base:      base,
		client:    cfg.Client(),
	}, nil
}

// Authorize sends a sale (/payment/auth) or a pre-authorisation
// (/payment/preauth).
func (g *Gateway) Authorize(ctx context.Context, req *gateway.AuthorizeRequest) *gateway.Result {
	body, err := g.paymentRequest(req.Order, req.Installments, req.Card, req.Email, "")
	if err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	path := PathPreAuth
	if req.Capture {
		path = PathAuth
	}
	resp, res := g.call(ctx, path, body)
	if res != nil {
		return res
	}
	return g.paymentResult(resp, req.Order)
}

// Capture sends /payment/postauth for the amount to capture, which may be
// less than the pre-authorised amount.
func (g *Gateway) Capture(ctx context.Context, req *gateway.CaptureRequest) *gateway.Result {
	if err := checkOrder(req.Order, true); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	paymentID, res := g.paymentID(ctx, req.OrderID)
	if res != nil {
		return res
	}
	resp, res := g.call(ctx, PathPostAuth, &postAuthRequest{
		Locale:         defaultLocale,
		ConversationID: req.OrderID,
		PaymentID:      paymentID,
		PaidPrice:      FormatPrice(req.Amount),
		IP:             req.ClientIP,
		Currency:       req.Amount.Currency.Code,
	})
	if res != nil {
		return res
	}
	return g.paymentResult(resp, req.Order)
}

// Void cancels a payment (/payment/cancel); iyzico's banks accept it on the
// day of the payment only.
func (g *Gateway) Void(ctx context.Context, req *gateway.VoidRequest) *gateway.Result {
	if err := checkOrder(req.Order, false); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	paymentID, res := g.paymentID(ctx, req.OrderID)
	if res != nil {
		return res
	}
	resp, res := g.call(ctx, PathCancel, &cancelRequest{
		Locale: defaultLocale, ConversationID: req.OrderID, PaymentID: paymentID, IP: req.ClientIP,
	})
	if res != nil {
		return res
	}
	return g.unsignedResult(resp, req.OrderID)
}

// Refund returns an amount of a payment (/v2/payment/refund, iyzico's
// amount-based refund on the paymentId, so no per-item transaction id is
// needed). A full refund without an amount refunds what remains.
func (g *Gateway) Refund(ctx context.Context, req *gateway.RefundRequest) *gateway.Result {
	full := req.Full && req.Amount.Minor == 0
	if err := checkOrder(req.Order, !full); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	detail, res := g.detail(ctx, req.OrderID)
	if res != nil {
		return res
	}
	amount := req.Amount
	if full {
		remaining, err := remainingOf(detail)
		if err != nil {
			r := gateway.Unusable(ErrBadResponse, err)
			return &r
		}
		amount = remaining
	}
	resp, res := g.call(ctx, PathRefund, &refundRequest{
		Locale: defaultLocale, ConversationID: req.OrderID, PaymentID: detail.PaymentID,
		Price: FormatPrice(amount), IP: req.ClientIP,
	})
	if res != nil {
		return res
	}
	return g.unsignedResult(resp, req.OrderID)
}

// paymentRequest builds the body shared by auth, preauth and 3DS
// initialize. iyzico requires buyer and address blocks; Kasa has only the
// card holder, e-mail and IP, so the rest are placeholders.
func (g *Gateway) paymentRequest(o gateway.Order, installments int, c card.Card, email, callbackURL string) (*paymentRequest, error) {
	if err := checkOrder(o, true); err != nil {
		return nil, err
	}
	if installments < 0 || installments > 12 {
		return nil, fmt.Errorf("iyzico: installment count %d out of range", installments)
	}
	if c.PAN.IsZero() {
		return nil, errors.New("iyzico: card number missing")
	}
	holder := strings.TrimSpace(c.Holder)
	if holder == "" {
		holder = "Kart Sahibi"
	}
	name, surname := splitName(holder)
	if email == "" {
		email = "noreply@kasa.invalid"
	}
	ip := o.ClientIP
	if ip == "" {
		ip = "127.0.0.1"
	}
	price := FormatPrice(o.Amount)
	addr := address{ContactName: holder, City: defaultCity, Country: defaultCountry, Address: defaultAddressLine}
	return &paymentRequest{
		Locale:         defaultLocale,
		ConversationID: o.OrderID,
		Price:          price,
		PaidPrice:      price,
		Currency:       o.Amount.Currency.Code,
		Installment:    FormatInstallments(installments),
		BasketID:       o.OrderID,
		PaymentChannel: paymentChannelWeb,
		PaymentGroup:   paymentGroupProduct,
		CallbackURL:    callbackURL,
		PaymentCard: paymentCard{
			CardHolderName: holder,
			CardNumber:     c.PAN.Reveal(),
			ExpireMonth:    c.Expiry.MM(),
			ExpireYear:     c.Expiry.YYYY(),
			Cvc:            c.CVV.Reveal(),
		},
		Buyer: buyer{
			ID: o.OrderID, Name: name, Surname: surname, Email: email, IdentityNumber: defaultIdentity,
			RegistrationAddress: defaultAddressLine, IP: ip, City: defaultCity, Country: defaultCountry,
		},
		ShippingAddress: addr,
		BillingAddress:  addr,
		// One basket item carrying the whole amount: iyzico requires the
		// items to sum to price.
		BasketItems: []basketItem{{ID: o.OrderID, Name: "Order " + o.OrderID, Category1: "General", ItemType: itemTypeVirtual, Price: price}},
	}, nil
}

// FormatInstallments is iyzico's installment field: 1 for a single payment.
func FormatInstallments(n int) int {
	if n <= 1 {
		return 1
	}
	return n
}

func splitName(full string) (string, string) {
	i := strings.LastIndexByte(full, ' ')
	if i <= 0 {
		return full, full
	}
	return strings.TrimSpace(full[:i]), full[i+1:]
}

// paymentResult classifies a payment reply (auth, preauth, postauth, 3DS
// auth) after checking its signature and that it is about this order and
// amount: a success that fails either check cannot be trusted, and since
// money may have moved it is Unknown.
func (g *Gateway) paymentResult(r *Response, o gateway.Order) *gateway.Result {
	if r.Status == statusSuccess {
		if err := g.verifyPayment(r, o); err != nil {
			res := gateway.Unusable(ErrBadResponse, err)
			res.TransID = r.PaymentID
			return &res
		}
	}
	return classify(r)
}

// verifyPayment checks a payment reply's signature over paymentId,
// currency, basketId, conversationId, paidPrice, price, and that it echoes
// our order.
func (g *Gateway) verifyPayment(r *Response, o gateway.Order) error {
	cur := o.Amount.Currency
	paid, err := signedPrice(r.PaidPrice, cur)
	if err != nil {
		return err
	}
	price, err := signedPrice(r.Price, cur)
	if err != nil {
		return err
	}
	want := Signature(g.secretKey, r.PaymentID, r.Currency, r.BasketID, r.ConversationID, paid, price)
	if !validSignature(r.Signature, want) {
		return errors.New("response signature does not verify")
	}
	if r.ConversationID != o.OrderID || r.Currency != cur.Code {
		return fmt.Errorf("reply is for order %q in %s", r.ConversationID, r.Currency)
	}
	if got, _ := parsePrice(r.PaidPrice, cur); got.Minor != o.Amount.Minor {
		return fmt.Errorf("reply paidPrice %s, sent %s", r.PaidPrice, o.Amount.Decimal())
	}
	return nil
}

// unsignedResult classifies a cancel or refund reply, which iyzico does not
// sign; the conversation id must still be ours.
func (g *Gateway) unsignedResult(r *Response, orderID string) *gateway.Result {
	if r.Status == statusSuccess && r.ConversationID != orderID {
		res := gateway.Unusable(ErrBadResponse, fmt.Errorf("reply is for conversation %q", r.ConversationID))
		return &res
	}
	return classify(r)
}

// call sends one request and parses the reply. A non-nil Result means no
// usable reply: NotSent/Unknown per transport, or Unknown for a garbled 2xx.
func (g *Gateway) call(ctx context.Context, path string, v any) (*Response, *gateway.Result) {
	body, err := marshal(v)
	if err != nil {
		return nil, gateway.RejectLocal(fmt.Errorf("iyzico: encoding request: %w", err), gateway.ReasonInvalidTxn)
	}
	u := *g.base
	u.Path += path
	rnd := newRnd()
	header := http.Header{
		"Authorization": {AuthorizationHeader(g.apiKey, g.secretKey, rnd, u.Path, body)},
		"X-Iyzi-Rnd":    {rnd},
		"Accept":        {contentType},
	}
	data, terr := gateway.Post(ctx, g.client, u.String(), contentType, body, header)
	if terr != nil {
		return nil, terr.Result()
	}
	resp, err := ParseResponse(data)
	if err != nil {
		res := gateway.Unusable(ErrBadResponse, err)
		return nil, &res
	}
	return resp, nil
}

// checkOrder refuses, before sending, what the bank would reject.
func checkOrder(o gateway.Order, needAmount bool) error {
	return descriptor.CheckOrder(o, needAmount, nil)
}
