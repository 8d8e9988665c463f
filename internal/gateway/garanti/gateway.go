// Package garanti is Kasa's adapter for Garanti BBVA's virtual POS (GVP,
// "GVPS"), API version 512 (SHA-512 HashData).
//
// Wire format: a UTF-8 GVPSRequest XML document POSTed raw to /VPServlet;
// the reply is a GVPSResponse whose Transaction/Response/Code "00" is the
// only approval. Amounts are integer kuruş. Every request is signed with
// HashData, derived from the password of the provisioning user it names:
// PROVAUT for sales, pre-auth, capture and queries, PROVRFN for void and
// refund — so both passwords are required.
package garanti

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// Name is the registry key.
const Name = "garanti"

// MaxOrderID is the longest OrderID Kasa sends to Garanti. GVPS accepts
// letters, digits, '-' and '_'.
const MaxOrderID = 36

// Credential keys.
const (
	CredMerchantID  = "merchant_id"
	CredTerminalID  = "terminal_id"
	CredProvAutPass = "provaut_password"
	CredProvRfnPass = "provrfn_password"
	CredProvOOSPass = "provoos_password"
	CredStoreKey    = "store_key"
	CredMode        = "mode"
)

var descriptor = &gateway.Descriptor{
	Name:  Name,
	Title: "Garanti BBVA Sanal POS (GVP)",
	Credentials: []gateway.CredentialField{
		{Key: CredMerchantID, Label: "Üye İşyeri No (MerchantID)", Help: "Merchant number Garanti BBVA assigned.", Required: true},
		{Key: CredTerminalID, Label: "Terminal No (TerminalID)", Help: "Eight-digit terminal number of the POS.", Required: true},
		{Key: CredProvAutPass, Label: "PROVAUT şifresi", Help: "Password of the PROVAUT user (sales, pre-auth, capture, queries, 3D).", Secret: true, Required: true},
		{Key: CredProvRfnPass, Label: "PROVRFN şifresi", Help: "Password of the PROVRFN user (void and refund).", Secret: true, Required: true},
		{Key: CredProvOOSPass, Label: "PROVOOS şifresi", Help: "Password of the PROVOOS user; needed only for the hosted payment page (3D Host).", Secret: true},
		{Key: CredStoreKey, Label: "3D Secure anahtarı (Store Key)", Help: "3D Secure key from the merchant panel; needed for 3D payments.", Secret: true},
		{Key: CredMode, Label: "Mode (TEST / PROD)", Help: "Sent in every request. Empty: TEST on the Garanti test host, PROD elsewhere."},
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

// Gateway talks to one Garanti POS. It is safe for concurrent use.
type Gateway struct {
	merchantID string
	terminalID string
	autPass    string
	rfnPass    string
	oosPass    string
	storeKey   string
	mode       string
	api        string
	gate       string
	client     *http.Client
}

// The operations Garanti supports.
var (
	_ gateway.Gateway         = (*Gateway)(nil)
	_ gateway.Capturer        = (*Gateway)(nil)
	_ gateway.Voider          = (*Gateway)(nil)
	_ gateway.Refunder        = (*Gateway)(nil)
	_ gateway.StatusQuerier   = (*Gateway)(nil)
	_ gateway.HistoryQuerier  = (*Gateway)(nil)
	_ gateway.ThreeDStarter   = (*Gateway)(nil)
	_ gateway.ThreeDVerifier  = (*Gateway)(nil)
	_ gateway.ThreeDCompleter = (*Gateway)(nil)
)

// New builds a gateway from credentials and endpoints.
func New(cfg gateway.Config) (*Gateway, error) {
	if err := descriptor.Validate(cfg.Credentials); err != nil {
		return nil, err
	}
	u, err := url.Parse(cfg.Endpoints.API)
	if err != nil || !gateway.ValidEndpoint(cfg.Endpoints.API) {
		return nil, fmt.Errorf("garanti: invalid API endpoint %q", cfg.Endpoints.API)
	}
	c := cfg.Credentials
	mode := strings.ToUpper(c[CredMode])
	switch mode {
	case "TEST", "PROD":
	case "":
		mode = "PROD"
		if u.Hostname() == hostTest {
			mode = "TEST"
		}
	default:
		return nil, fmt.Errorf("garanti: mode must be TEST or PROD, not %q", c[CredMode])
	}
	return &Gateway{
		merchantID: c[CredMerchantID],
		terminalID: c[CredTerminalID],
		autPass:    c[CredProvAutPass],
		rfnPass:    c[CredProvRfnPass],
		oosPass:    c[CredProvOOSPass],
		storeKey:   c[CredStoreKey],
		mode:       mode,
		api:        cfg.Endpoints.API,
		gate:       cfg.Endpoints.ThreeDGate,
		client:     cfg.Client(),
	}, nil
}

// Authorize sends a sale (sales) or a pre-authorisation (preauth).
func (g *Gateway) Authorize(ctx context.Context, req *gateway.AuthorizeRequest) *gateway.Result {
	if err := checkOrder(req.Order, true); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	if req.Installments < 0 {
		return gateway.RejectLocal(errors.New("garanti: negative installment count"), gateway.ReasonInstallments)
	}
	if req.Card.PAN.IsZero() {
		return gateway.RejectLocal(errors.New("garanti: card number missing"), gateway.ReasonInvalidCard)
	}
	typ := typePreAuth
	if req.Capture {
		typ = typeSales
	}
	r := g.request(typ, userAut, req.Order, FormatAmount(req.Amount), req.Amount.Currency.Numeric)
	r.Customer.EmailAddress = req.Email
	r.Order.Description = req.Description
	r.Transaction.InstallmentCnt = FormatInstallments(req.Installments)
	r.Card = &cardData{Number: req.Card.PAN.Reveal(), ExpireDate: FormatExpiry(req.Card.Expiry), CVV2: req.Card.CVV.Reveal()}
	return g.do(ctx, r)
}

// Capture sends postauth for the amount to capture, which may be less than
// the pre-authorised amount.
func (g *Gateway) Capture(ctx context.Context, req *gateway.CaptureRequest) *gateway.Result {
	if err := checkOrder(req.Order, true); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	r := g.request(typePostAuth, userAut, req.Order, FormatAmount(req.Amount), req.Amount.Currency.Numeric)
	r.Transaction.InstallmentCnt = FormatInstallments(req.Installments)
	return g.do(ctx, r)
}

// Void cancels the order's sale or pre-authorisation before the batch
// closes. It runs as PROVRFN and carries the fixed amount 100, as Garanti
// requires; the currency is the order's when known.
func (g *Gateway) Void(ctx context.Context, req *gateway.VoidRequest) *gateway.Result {
	if err := checkOrder(req.Order, false); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	return g.do(ctx, g.request(typeVoid, userRfn, req.Order, fixedAmount, currencyOr949(req.Amount.Currency)))
}

// Refund returns money as PROVRFN. Garanti always takes the real amount, for
// a full refund too, so Amount is required either way.
func (g *Gateway) Refund(ctx context.Context, req *gateway.RefundRequest) *gateway.Result {
	if err := checkOrder(req.Order, true); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	return g.do(ctx, g.request(typeRefund, userRfn, req.Order, FormatAmount(req.Amount), req.Amount.Currency.Numeric))
}

func currencyOr949(c money.Currency) string {
	if c.IsZero() {
		return money.TRY.Numeric
	}
	return c.Numeric
}

// request builds an unsigned request; exchange signs it once final.
func (g *Gateway) request(typ, user string, o gateway.Order, amount, currency string) *gvpsRequest {
	return &gvpsRequest{
		Mode:     g.mode,
		Version:  apiVersion,
		Terminal: terminal{ProvUserID: user, UserID: user, ID: g.terminalID, MerchantID: g.merchantID},
		Customer: customer{IPAddress: o.ClientIP},
		Order:    order{OrderID: o.OrderID},
		Transaction: transaction{
			Type:                  typ,
			Amount:                amount,
			CurrencyCode:          currency,
			CardholderPresentCode: presentECommerce,
			MotoInd:               "N",
		},
	}
}

func (g *Gateway) password(user string) string {
	if user == userRfn {
		return g.rfnPass
	}
	return g.autPass
}

// sign fills Terminal/HashData from the request's final fields.
func (g *Gateway) sign(r *gvpsRequest) {
	number := ""
	if r.Card != nil {
		number = r.Card.Number
	}
	sd := SecurityData(g.password(r.Terminal.ProvUserID), g.terminalID)
	r.Terminal.HashData = HashData(r.Order.OrderID, g.terminalID, number, r.Transaction.Amount, r.Transaction.CurrencyCode, sd)
}

// do signs and sends r and classifies the reply.
func (g *Gateway) do(ctx context.Context, r *gvpsRequest) *gateway.Result {
	resp, res := g.exchange(ctx, r)
	if res != nil {
		return res
	}
	return classify(resp)
}

// exchange signs and sends r and parses the reply. A non-nil Result means
// no usable reply: NotSent or Unknown as the transport classified it, or
// Unknown for a reply that is not a GVPSResponse with a Code.
func (g *Gateway) exchange(ctx context.Context, r *gvpsRequest) (*Response, *gateway.Result) {
	g.sign(r)
	body, err := r.encode()
	if err != nil {
		return nil, gateway.RejectLocal(fmt.Errorf("garanti: encoding request: %w", err), gateway.ReasonInvalidTxn)
	}
	data, terr := gateway.Post(ctx, g.client, g.api, contentType, body, nil)
	if terr != nil {
		return nil, terr.Result()
	}
	resp, err := ParseResponse(data)
	if err != nil {
		res := unusable(err)
		return nil, &res
	}
	return resp, nil
}

// checkOrder refuses, before sending, what the bank would reject.
func checkOrder(o gateway.Order, needAmount bool) error {
	return descriptor.CheckOrder(o, needAmount, gateway.OrderIDChars)
}

func checkOrderID(id string) error { return descriptor.CheckOrderID(id, gateway.OrderIDChars) }

func unusable(err error) gateway.Result { return gateway.Unusable(ErrBadResponse, err) }
