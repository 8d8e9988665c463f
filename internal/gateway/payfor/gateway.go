// Package payfor is Kasa's adapter for PayFor, the virtual POS platform
// (Cordis) behind QNB Finansbank, Enpara and Ziraat Katılım.
//
// Wire format: a UTF-8 PayforRequest XML document POSTed raw to
// XMLGate.aspx; the reply is a flat PayforResponse, or a TxnHistoryReport for
// history queries. ProcReturnCode "00" is the only approval. Amounts go out as
// dot decimals ("125.50"), the installment count as "0" for a single payment.
// The 3D gate (Default.aspx, 3DHost.aspx) signs its form with base64 SHA-1 and
// the callback with ResponseHash; see hash.go.
package payfor

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// Name is the registry key.
const Name = "payfor"

// MaxOrderID is the longest OrderId Kasa sends. PayFor's published material
// gives no limit; 20 characters is what the bank's own test orders use at most
// and what Kasa generates, so longer ids are refused rather than risked.
const MaxOrderID = 20

// Credential keys.
const (
	CredMbrID      = "mbr_id"
	CredMerchantID = "merchant_id"
	CredUserCode   = "user_code"
	CredUserPass   = "user_pass"
	CredStoreKey   = "store_key"
)

// DefaultMbrID is QNB Finansbank's institution code (also used by Enpara);
// Ziraat Katılım's is 12.
const DefaultMbrID = "5"

var descriptor = &gateway.Descriptor{
	Name:  Name,
	Title: "PayFor (QNB Finansbank, Enpara, Ziraat Katılım)",
	Credentials: []gateway.CredentialField{
		{Key: CredMbrID, Label: "MbrId / Kurum Kodu", Help: "Institution code: 5 for QNB Finansbank and Enpara, 12 for Ziraat Katılım. Defaults to 5."},
		{Key: CredMerchantID, Label: "MerchantId / Üye İşyeri No", Help: "Merchant number the bank assigned to the POS.", Required: true},
		{Key: CredUserCode, Label: "UserCode / API kullanıcı kodu", Help: "API user created in the bank's merchant panel.", Required: true},
		{Key: CredUserPass, Label: "UserPass / API şifresi", Help: "Password of the API user.", Secret: true, Required: true},
		{Key: CredStoreKey, Label: "MerchantPass / 3D Secure anahtarı", Help: "3D store key from the merchant panel; needed for 3D Secure payments only.", Secret: true},
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

// Gateway talks to one PayFor POS. It is safe for concurrent use.
type Gateway struct {
	mbrID      string
	merchantID string
	userCode   string
	userPass   string
	storeKey   string
	api        string
	gate       string
	client     *http.Client
}

// The operations PayFor supports.
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
	if err := checkURL(cfg.Endpoints.API); err != nil {
		return nil, fmt.Errorf("payfor: API endpoint: %w", err)
	}
	if cfg.Endpoints.ThreeDGate != "" {
		if err := checkURL(cfg.Endpoints.ThreeDGate); err != nil {
			return nil, fmt.Errorf("payfor: 3D gate endpoint: %w", err)
		}
	}
	c := cfg.Credentials
	mbr := c[CredMbrID]
	if mbr == "" {
		mbr = DefaultMbrID
	}
	return &Gateway{
		mbrID:      mbr,
		merchantID: c[CredMerchantID],
		userCode:   c[CredUserCode],
		userPass:   c[CredUserPass],
		storeKey:   c[CredStoreKey],
		api:        cfg.Endpoints.API,
		gate:       cfg.Endpoints.ThreeDGate,
		client:     cfg.Client(),
	}, nil
}

func checkURL(s string) error {
	if s == "" {
		return errors.New("required")
	}
	if !gateway.ValidEndpoint(s) {
		return fmt.Errorf("invalid URL %q", s)
	}
	return nil
}

// Authorize sends a sale (TxnType Auth) or a pre-authorisation (PreAuth).
func (g *Gateway) Authorize(ctx context.Context, req *gateway.AuthorizeRequest) *gateway.Result {
	if err := checkOrder(req.Order, true); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	if req.Installments < 0 {
		return gateway.RejectLocal(errors.New("payfor: negative installment count"), gateway.ReasonInstallments)
	}
	if req.Card.PAN.IsZero() {
		return gateway.RejectLocal(errors.New("payfor: card number missing"), gateway.ReasonInvalidCard)
	}
	r := g.request(secureNonSecure, txnType(req.Capture))
	r.MOTO = "0" // e-commerce, not mail/telephone order
	r.OrderID = req.OrderID
	r.PurchAmount = FormatAmount(req.Amount)
	r.Currency = req.Amount.Currency.Numeric
	r.InstallmentCount = FormatInstallments(req.Installments)
	r.CardHolderName = req.Card.Holder
	r.Pan = req.Card.PAN.Reveal()
	r.Expiry = FormatExpiry(req.Card.Expiry)
	r.Cvv2 = req.Card.CVV.Reveal()
	return g.do(ctx, r)
}

// Capture sends PostAuth for the amount to capture; PayFor keeps the
// pre-authorisation's installment count.
func (g *Gateway) Capture(ctx context.Context, req *gateway.CaptureRequest) *gateway.Result {
	if err := checkOrder(req.Order, true); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	r := g.request(secureNonSecure, typePostAuth)
	r.OrgOrderID = req.OrderID
	r.PurchAmount = FormatAmount(req.Amount)
	r.Currency = req.Amount.Currency.Numeric
	return g.do(ctx, r)
}

// Void cancels the order's sale, pre-authorisation or capture before the
// batch closes.
func (g *Gateway) Void(ctx context.Context, req *gateway.VoidRequest) *gateway.Result {
	if err := checkOrder(req.Order, false); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	r := g.request(secureNonSecure, typeVoid)
	r.OrgOrderID = req.OrderID
	r.Currency = req.Amount.Currency.Numeric
	return g.do(ctx, r)
}

// Refund sends Refund. PayFor always takes the amount, for full refunds too.
func (g *Gateway) Refund(ctx context.Context, req *gateway.RefundRequest) *gateway.Result {
	if err := checkOrder(req.Order, true); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	r := g.request(secureNonSecure, typeRefund)
	r.OrgOrderID = req.OrderID
	r.PurchAmount = FormatAmount(req.Amount)
	r.Currency = req.Amount.Currency.Numeric
	return g.do(ctx, r)
}

func (g *Gateway) request(secureType, typ string) *payforRequest {
	return &payforRequest{
		MbrID:      g.mbrID,
		MerchantID: g.merchantID,
		UserCode:   g.userCode,
		UserPass:   g.userPass,
		SecureType: secureType,
		TxnType:    typ,
		Lang:       "tr",
	}
}

// do sends r and classifies the reply.
func (g *Gateway) do(ctx context.Context, r *payforRequest) *gateway.Result {
	data, res := g.post(ctx, r)
	if res != nil {
		return res
	}
	resp, err := ParseResponse(data)
	if err != nil {
		return unusable(err)
	}
	return classify(resp)
}

// post sends r. A non-nil Result means no reply: NotSent or Unknown as the
// transport classified it.
func (g *Gateway) post(ctx context.Context, r *payforRequest) ([]byte, *gateway.Result) {
	body, err := r.encode()
	if err != nil {
		return nil, gateway.RejectLocal(fmt.Errorf("payfor: encoding request: %w", err), gateway.ReasonInvalidTxn)
	}
	data, terr := gateway.Post(ctx, g.client, g.api, contentType, body, nil)
	if terr != nil {
		return nil, terr.Result()
	}
	return data, nil
}

// checkOrder refuses, before sending, what the bank would reject.
func checkOrder(o gateway.Order, needAmount bool) error {
	return descriptor.CheckOrder(o, needAmount, gateway.OrderIDChars)
}

// CheckOrderID applies the order-id rule: 1 to MaxOrderID letters, digits,
// '-' or '_'; anything else is refused rather than escaped.
func CheckOrderID(id string) error { return descriptor.CheckOrderID(id, gateway.OrderIDChars) }

// unusable is a 2xx reply Kasa cannot read: the bank may have acted, so the
// outcome is Unknown until a status query says otherwise.
func unusable(err error) *gateway.Result {
	res := gateway.Unusable(ErrBadResponse, err)
	return &res
}
