// Package interpos is Kasa's adapter for InterVPOS ("InterPos"), Denizbank's
// virtual POS platform.
//
// Wire format: every API request is an application/x-www-form-urlencoded POST
// to mpi/Default.aspx; the reply is plain text, key=value pairs separated by
// ";;" (sometimes ";;;"). ProcReturnCode "00" is the only approval. Amounts
// go out as dot decimals ("125.50") and come back with a decimal comma
// ("125,50"); the installment count is empty for a single payment. The 3D
// gate (the same Default.aspx, or 3DHost.aspx) takes a base64 SHA-1 form
// hash and signs its callback with the legacy HASHPARAMS scheme; see hash.go.
package interpos

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// Name is the registry key.
const Name = "interpos"

// MaxOrderID is the longest OrderId Kasa sends. Denizbank publishes no limit;
// the ids in captured traffic are 8 to 15 characters, and Kasa generates 20,
// so longer ids are refused rather than risked.
const MaxOrderID = 20

// Credential keys.
const (
	CredShopCode = "shop_code"
	CredUserCode = "user_code"
	CredUserPass = "user_pass"
	CredStoreKey = "store_key"
)

var descriptor = &gateway.Descriptor{
	Name:  Name,
	Title: "InterVPOS (Denizbank)",
	Credentials: []gateway.CredentialField{
		{Key: CredShopCode, Label: "ShopCode / Üye İşyeri No", Help: "Merchant number the bank assigned to the POS.", Required: true},
		{Key: CredUserCode, Label: "UserCode / API kullanıcı adı", Help: "API user created in the InterVPOS merchant panel.", Required: true},
		{Key: CredUserPass, Label: "UserPass / API şifresi", Help: "Password of the API user.", Secret: true, Required: true},
		{Key: CredStoreKey, Label: "MerchantPass / 3D anahtarı", Help: "3D Secure key from the merchant panel; needed for 3D Secure payments only.", Secret: true},
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

// Gateway talks to one InterVPOS POS. It is safe for concurrent use.
type Gateway struct {
	shopCode string
	userCode string
	userPass string
	storeKey string
	api      string
	gate     string
	client   *http.Client
}

// The operations InterVPOS supports. It has no order-history query.
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

// New builds a gateway from credentials and endpoints.
func New(cfg gateway.Config) (*Gateway, error) {
	if err := descriptor.Validate(cfg.Credentials); err != nil {
		return nil, err
	}
	if err := checkURL(cfg.Endpoints.API); err != nil {
		return nil, fmt.Errorf("interpos: API endpoint: %w", err)
	}
	if cfg.Endpoints.ThreeDGate != "" {
		if err := checkURL(cfg.Endpoints.ThreeDGate); err != nil {
			return nil, fmt.Errorf("interpos: 3D gate endpoint: %w", err)
		}
	}
	c := cfg.Credentials
	return &Gateway{
		shopCode: c[CredShopCode],
		userCode: c[CredUserCode],
		userPass: c[CredUserPass],
		storeKey: c[CredStoreKey],
		api:      cfg.Endpoints.API,
		gate:     cfg.Endpoints.ThreeDGate,
		client:   cfg.Client(),
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
		return gateway.RejectLocal(errors.New("interpos: negative installment count"), gateway.ReasonInstallments)
	}
	if req.Card.PAN.IsZero() {
		return gateway.RejectLocal(errors.New("interpos: card number missing"), gateway.ReasonInvalidCard)
	}
	f := g.form(txnType(req.Capture))
	f.add("OrderId", req.OrderID)
	f.add("PurchAmount", FormatAmount(req.Amount))
	f.add("Currency", req.Amount.Currency.Numeric)
	f.add("InstallmentCount", FormatInstallments(req.Installments))
	f.add("MOTO", motoECommerce)
	f.add("Lang", "tr")
	f.addCard(req.Card)
	return g.do(ctx, f)
}

// Capture sends PostAuth for the amount to capture, which may be less than
// the pre-authorisation; the bank keeps the pre-auth's installment count.
func (g *Gateway) Capture(ctx context.Context, req *gateway.CaptureRequest) *gateway.Result {
	if err := checkOrder(req.Order, true); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	f := g.form(typePostAuth)
	f.add("orgOrderId", req.OrderID)
	f.add("PurchAmount", FormatAmount(req.Amount))
	f.add("Currency", req.Amount.Currency.Numeric)
	f.add("MOTO", motoECommerce)
	return g.do(ctx, f)
}

// Void cancels the order's sale, pre-authorisation or capture before the
// batch closes.
func (g *Gateway) Void(ctx context.Context, req *gateway.VoidRequest) *gateway.Result {
	if err := checkOrder(req.Order, false); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	f := g.form(typeVoid)
	f.add("orgOrderId", req.OrderID)
	f.add("Lang", "tr")
	return g.do(ctx, f)
}

// Refund sends Refund. InterVPOS always takes the amount, for a full refund
// too.
func (g *Gateway) Refund(ctx context.Context, req *gateway.RefundRequest) *gateway.Result {
	if err := checkOrder(req.Order, true); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	f := g.form(typeRefund)
	f.add("orgOrderId", req.OrderID)
	f.add("PurchAmount", FormatAmount(req.Amount))
	f.add("Currency", req.Amount.Currency.Numeric)
	f.add("MOTO", motoECommerce)
	f.add("Lang", "tr")
	return g.do(ctx, f)
}

// do sends f and classifies the reply.
func (g *Gateway) do(ctx context.Context, f *form) *gateway.Result {
	resp, res := g.exchange(ctx, f, paymentFields)
	if res != nil {
		return res
	}
	return classify(resp)
}

// exchange sends f and parses the reply. A non-nil Result means no usable
// reply: NotSent or Unknown as the transport classified it, or Unknown for a
// 2xx body that is not a complete InterVPOS reply with the required fields.
func (g *Gateway) exchange(ctx context.Context, f *form, required []string) (*Response, *gateway.Result) {
	data, terr := gateway.Post(ctx, g.client, g.api, contentType, f.encode(), nil)
	if terr != nil {
		return nil, terr.Result()
	}
	resp, err := ParseResponse(data)
	if err == nil {
		err = resp.complete(required)
	}
	if err != nil {
		return nil, unusable(err)
	}
	return resp, nil
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
