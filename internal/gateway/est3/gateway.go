// Package est3 is Kasa's adapter for the EST virtual POS (Asseco/Payten
// "NestPay"), used by İşbank, Halkbank, Ziraat, TEB, Şekerbank, Anadolubank and
// the legacy POS of Akbank and Finansbank, with the SHA-512 "ver3" hash.
//
// Wire format: an ISO-8859-9 CC5Request XML document POSTed raw to /fim/api;
// the reply is a CC5Response (UTF-8 or ISO-8859-9). ProcReturnCode "00" is the
// only approval. Amounts go out as "125.50" (see FormatAmount) and come back
// from queries as integer minor units.
package est3

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// Name is the registry key.
const Name = "est3"

// MaxOrderID is the longest OrderId EST accepts.
const MaxOrderID = 64

// Credential keys.
const (
	CredClientID    = "client_id"
	CredAPIUser     = "api_user"
	CredAPIPassword = "api_password"
	CredStoreKey    = "store_key"
)

var descriptor = &gateway.Descriptor{
	Name:  Name,
	Title: "EST v3 (Payten / NestPay)",
	Credentials: []gateway.CredentialField{
		{Key: CredClientID, Label: "ClientId / Mağaza No", Help: "Store number the bank assigned to the POS.", Required: true},
		{Key: CredAPIUser, Label: "Name / API kullanıcı adı", Help: "API user created in the bank's merchant panel.", Required: true},
		{Key: CredAPIPassword, Label: "Password / API şifresi", Help: "Password of the API user.", Secret: true, Required: true},
		{Key: CredStoreKey, Label: "3D Storekey", Help: "Store key from the merchant panel; needed for 3D Secure payments, not for non-3D ones.", Secret: true},
	},
	Currencies:   []money.Currency{money.TRY, money.USD, money.EUR, money.GBP},
	ThreeDModels: []string{"3d", "3d_pay", "3d_host"},
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

// Gateway talks to one EST POS. It is safe for concurrent use.
type Gateway struct {
	clientID string
	user     string
	password string
	storeKey string
	api      string
	gate     string
	client   *http.Client
}

// The operations EST supports.
var (
	_ gateway.Gateway        = (*Gateway)(nil)
	_ gateway.Capturer       = (*Gateway)(nil)
	_ gateway.Voider         = (*Gateway)(nil)
	_ gateway.Refunder       = (*Gateway)(nil)
	_ gateway.StatusQuerier  = (*Gateway)(nil)
	_ gateway.HistoryQuerier = (*Gateway)(nil)
)

// New builds a gateway from credentials and endpoints.
func New(cfg gateway.Config) (*Gateway, error) {
	if err := descriptor.Validate(cfg.Credentials); err != nil {
		return nil, err
	}
	if cfg.Endpoints.API == "" {
		return nil, errors.New("est3: API endpoint is required")
	}
	if !gateway.ValidEndpoint(cfg.Endpoints.API) {
		return nil, fmt.Errorf("est3: invalid API endpoint %q", cfg.Endpoints.API)
	}
	c := cfg.Credentials
	return &Gateway{
		clientID: c[CredClientID],
		user:     c[CredAPIUser],
		password: c[CredAPIPassword],
		storeKey: c[CredStoreKey],
		api:      cfg.Endpoints.API,
		gate:     cfg.Endpoints.ThreeDGate,
		client:   cfg.Client(),
	}, nil
}

// Authorize sends a sale (Type Auth) or a pre-authorisation (Type PreAuth).
func (g *Gateway) Authorize(ctx context.Context, req *gateway.AuthorizeRequest) *gateway.Result {
	if err := checkOrder(req.Order, true); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	if req.Installments < 0 {
		return gateway.RejectLocal(errors.New("est3: negative installment count"), gateway.ReasonInstallments)
	}
	if req.Card.PAN.IsZero() {
		return gateway.RejectLocal(errors.New("est3: card number missing"), gateway.ReasonInvalidCard)
	}
	typ := typePreAuth
	if req.Capture {
		typ = typeAuth
	}
	taksit := FormatInstallments(req.Installments)
	r := g.request(typ, req.OrderID)
	r.IPAddress = req.ClientIP
	r.Email = req.Email
	r.Total = FormatAmount(req.Amount)
	r.Currency = req.Amount.Currency.Numeric
	r.Taksit = &taksit
	r.Number = req.Card.PAN.Reveal()
	r.Expires = FormatExpiry(req.Card.Expiry)
	r.Cvv2Val = req.Card.CVV.Reveal()
	r.Mode = "P"
	if req.Card.Holder != "" {
		r.BillTo = &billTo{Name: req.Card.Holder}
	}
	return g.do(ctx, r)
}

// Capture sends PostAuth for the amount to capture, which may be less than the
// pre-authorised amount (the bank releases the rest). CaptureRequest's
// installment count is not sent: EST keeps the pre-auth's.
func (g *Gateway) Capture(ctx context.Context, req *gateway.CaptureRequest) *gateway.Result {
	if err := checkOrder(req.Order, true); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	r := g.request(typePostAuth, req.OrderID)
	r.IPAddress = req.ClientIP
	r.Total = FormatAmount(req.Amount)
	return g.do(ctx, r)
}

// Void cancels the order's sale or pre-authorisation before the batch closes.
func (g *Gateway) Void(ctx context.Context, req *gateway.VoidRequest) *gateway.Result {
	if err := checkOrder(req.Order, false); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	return g.do(ctx, g.request(typeVoid, req.OrderID))
}

// Refund sends Credit: without Total for a full refund, with it for a partial one.
func (g *Gateway) Refund(ctx context.Context, req *gateway.RefundRequest) *gateway.Result {
	if err := checkOrder(req.Order, !req.Full); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	r := g.request(typeCredit, req.OrderID)
	if cur := req.Amount.Currency; !cur.IsZero() {
		if !descriptor.SupportsCurrency(cur) {
			return gateway.RejectLocal(fmt.Errorf("est3: currency %s not supported", cur.Code), gateway.ReasonInvalidTxn)
		}
		r.Currency = cur.Numeric
	}
	if !req.Full {
		r.Total = FormatAmount(req.Amount)
	}
	return g.do(ctx, r)
}

func (g *Gateway) request(typ, orderID string) *cc5Request {
	return &cc5Request{
		Name:     g.user,
		Password: g.password,
		ClientID: g.clientID,
		Type:     typ,
		OrderID:  orderID,
	}
}

// do sends r and classifies the reply.
func (g *Gateway) do(ctx context.Context, r *cc5Request) *gateway.Result {
	resp, res := g.exchange(ctx, r)
	if res != nil {
		return res
	}
	return classify(resp)
}

// exchange sends r and parses the reply. A non-nil Result means no usable
// reply: NotSent or Unknown as the transport classified it, or Unknown for a
// reply that is not a CC5Response with a ProcReturnCode.
func (g *Gateway) exchange(ctx context.Context, r *cc5Request) (*Response, *gateway.Result) {
	body, err := r.encode()
	if err != nil {
		return nil, gateway.RejectLocal(fmt.Errorf("est3: encoding request: %w", err), gateway.ReasonInvalidTxn)
	}
	data, terr := gateway.Post(ctx, g.client, g.api, contentType, body, nil)
	if terr != nil {
		return nil, terr.Result()
	}
	resp, err := ParseResponse(data)
	if err != nil {
		return nil, &gateway.Result{
			Outcome:     gateway.Unknown,
			Reason:      gateway.ReasonSystemError,
			BankMessage: err.Error(),
			Err:         err,
		}
	}
	return resp, nil
}

// checkOrder refuses, before sending, what the bank would reject.
func checkOrder(o gateway.Order, needAmount bool) error {
	return descriptor.CheckOrder(o, needAmount, nil)
}
