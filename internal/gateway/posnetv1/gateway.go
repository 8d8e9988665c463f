// Package posnetv1 is Kasa's adapter for the POSNET V1 JSON service, which
// Albaraka Türk runs.
//
// Wire format: a JSON object POSTed to the API URL plus the operation
// (…/MerchantJSONAPI.svc/Sale, /Auth, /Capture, /Reverse, /Return,
// /TransactionInquiry). Every request carries MerchantNo, TerminalNo and a
// MAC: base64(SHA-256) over the values its MACParams list names, followed by
// the ENCKEY. The reply's ServiceResponseData/ResponseCode is "00" (or
// "0000" for inquiries) on success. Amounts are integer kuruş, currencies
// two-letter codes, order ids 20 characters zero-padded.
package posnetv1

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// Name is the registry key.
const Name = "posnetv1"

// MaxOrderID is the longest order id the host accepts (it pads shorter ones).
const MaxOrderID = orderIDLen

// Credential keys.
const (
	CredMerchantNo = "merchant_no"
	CredTerminalNo = "terminal_no"
	CredPosnetID   = "posnet_id"
	CredEncKey     = "enc_key"
)

var descriptor = &gateway.Descriptor{
	Name:  Name,
	Title: "POSNET V1 (JSON) — Albaraka Türk",
	Credentials: []gateway.CredentialField{
		{Key: CredMerchantNo, Label: "Üye İşyeri No (MerchantNo)", Help: "10-digit merchant number.", Required: true},
		{Key: CredTerminalNo, Label: "Terminal No (TerminalNo)", Help: "8-character terminal number.", Required: true},
		{Key: CredPosnetID, Label: "POSNET ID (EPOS No)", Help: "16-digit EPOS number; needed for 3D Secure payments."},
		{Key: CredEncKey, Label: "ENCKEY (Şifreleme Anahtarı)", Help: "Signs every request (MAC).", Secret: true, Required: true},
	},
	Currencies:   []money.Currency{money.TRY, money.USD, money.EUR, money.GBP},
	ThreeDModels: []string{gateway.Model3D},
	Presets: []gateway.Preset{
		preset("test", "epostest.albarakaturk.com.tr"),
		preset("production", "epos.albarakaturk.com.tr"),
	},
	MaxOrderID: MaxOrderID,
}

// preset builds an Albaraka environment from the hosts in the research notes.
func preset(env, host string) gateway.Preset {
	return gateway.Preset{Name: "albaraka-" + env, Bank: "albaraka", Environment: env, Endpoints: gateway.Endpoints{
		API:        "https://" + host + "/ALBMerchantService/MerchantJSONAPI.svc",
		ThreeDGate: "https://" + host + "/ALBSecurePaymentUI/SecureProcess/SecureVerification.aspx",
	}}
}

func init() {
	descriptor.New = gateway.Constructor(New)
	gateway.Register(descriptor)
}

// Descriptor returns the registered descriptor of the protocol.
func Descriptor() *gateway.Descriptor { return descriptor }

// Gateway talks to one PosNet V1 terminal. It is safe for concurrent use.
type Gateway struct {
	merchantNo string
	terminalNo string
	posnetID   string
	encKey     string
	api        string
	gate       string
	client     *http.Client
}

// The operations PosNet V1 supports.
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
	if !gateway.ValidEndpoint(cfg.Endpoints.API) {
		return nil, fmt.Errorf("posnetv1: invalid API endpoint %q", cfg.Endpoints.API)
	}
	c := cfg.Credentials
	return &Gateway{
		merchantNo: c[CredMerchantNo],
		terminalNo: c[CredTerminalNo],
		posnetID:   c[CredPosnetID],
		encKey:     c[CredEncKey],
		api:        strings.TrimSuffix(cfg.Endpoints.API, "/"),
		gate:       cfg.Endpoints.ThreeDGate,
		client:     cfg.Client(),
	}, nil
}

func (g *Gateway) base(macParams string) *request {
	return &request{ApiType: apiType, ApiVersion: apiVersion, MerchantNo: g.merchantNo, TerminalNo: g.terminalNo, MACParams: macParams}
}

// Authorize sends Sale, or Auth (pre-authorisation) when !Capture.
func (g *Gateway) Authorize(ctx context.Context, req *gateway.AuthorizeRequest) *gateway.Result {
	r, res := g.payment(req.Order, req.Installments)
	if res != nil {
		return res
	}
	if req.Card.PAN.IsZero() {
		return gateway.RejectLocal(errors.New("posnetv1: card number missing"), gateway.ReasonInvalidCard)
	}
	ci := &cardInfo{CardNo: req.Card.PAN.Reveal(), ExpireDate: FormatExpiry(req.Card.Expiry), Cvc2: req.Card.CVV.Reveal(), CardHolderName: req.Card.Holder}
	r.MACParams = macParamsCard
	r.CardInformationData = ci
	r.MAC = MAC(g.encKey, g.merchantNo, g.terminalNo, ci.CardNo, ci.Cvc2, ci.ExpireDate, r.Amount)
	return g.do(ctx, payOp(req.Capture), r)
}

func payOp(capture bool) string {
	if capture {
		return opSale
	}
	return opAuth
}

// payment fills the order fields Sale/Auth share with 3D provisioning.
func (g *Gateway) payment(o gateway.Order, installments int) (*request, *gateway.Result) {
	if err := checkAmount(o); err != nil {
		return nil, gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	if installments < 0 || installments > 99 {
		return nil, gateway.RejectLocal(fmt.Errorf("posnetv1: installment count %d out of range", installments), gateway.ReasonInstallments)
	}
	id, _ := FormatOrderID(o.OrderID)
	r := g.base("")
	r.PaymentInstrumentType = "CARD"
	r.IsMailOrder = "N"
	r.Amount = FormatAmount(o.Amount)
	r.CurrencyCode = CurrencyCode(o.Amount.Currency)
	r.OrderID = id
	r.InstallmentCount = FormatInstallments(installments)
	r.InstallmentType = installmentType(installments)
	return r, nil
}

// Capture sends Capture against the pre-authorisation's ReferenceCode,
// found with a TransactionInquiry first (Kasa keeps no bank references).
func (g *Gateway) Capture(ctx context.Context, req *gateway.CaptureRequest) *gateway.Result {
	if err := checkAmount(req.Order); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	if req.Installments < 0 || req.Installments > 99 {
		return gateway.RejectLocal(fmt.Errorf("posnetv1: installment count %d out of range", req.Installments), gateway.ReasonInstallments)
	}
	ord, res := g.lookup(ctx, req.OrderID)
	if res != nil {
		return res
	}
	auth := ord.last(typeAuth)
	if auth == nil || ord.reversed {
		return gateway.RejectLocal(errors.New("posnetv1: the order has no open pre-authorisation"), gateway.ReasonInvalidTxn)
	}
	r := g.base(macParamsTerminal)
	r.Amount = FormatAmount(req.Amount)
	r.CurrencyCode = CurrencyCode(req.Amount.Currency)
	r.ReferenceCode = auth.HostLogKey
	r.InstallmentCount = FormatInstallments(req.Installments)
	r.InstallmentType = installmentType(req.Installments)
	r.MAC = MAC(g.encKey, g.merchantNo, g.terminalNo)
	return g.do(ctx, opCapture, r)
}

// Void sends Reverse for the order's latest sale, capture or
// pre-authorisation, named by its ReferenceCode and type.
func (g *Gateway) Void(ctx context.Context, req *gateway.VoidRequest) *gateway.Result {
	if !validOrderID(req.OrderID) {
		return gateway.RejectLocal(errOrderID, gateway.ReasonInvalidTxn)
	}
	ord, res := g.lookup(ctx, req.OrderID)
	if res != nil {
		return res
	}
	t := ord.last(typeSale, typeCapture, typeAuth)
	if t == nil || ord.reversed {
		return gateway.RejectLocal(errors.New("posnetv1: the order has nothing to reverse"), gateway.ReasonInvalidTxn)
	}
	return g.do(ctx, opReverse, g.byReference(t))
}

// Refund sends Return with the amount against the sale or capture.
func (g *Gateway) Refund(ctx context.Context, req *gateway.RefundRequest) *gateway.Result {
	if err := checkAmount(req.Order); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	ord, res := g.lookup(ctx, req.OrderID)
	if res != nil {
		return res
	}
	t := ord.last(typeSale, typeCapture)
	if t == nil || ord.reversed {
		return gateway.RejectLocal(errors.New("posnetv1: the order has no captured amount to refund"), gateway.ReasonInvalidTxn)
	}
	r := g.byReference(t)
	r.Amount = FormatAmount(req.Amount)
	r.CurrencyCode = CurrencyCode(req.Amount.Currency)
	return g.do(ctx, opReturn, r)
}

// byReference is a Reverse/Return naming a transaction by ReferenceCode.
func (g *Gateway) byReference(t *txn) *request {
	r := g.base(macParamsReference)
	r.ReferenceCode = t.HostLogKey
	r.TransactionType = t.TransactionType
	r.MAC = MAC(g.encKey, g.merchantNo, g.terminalNo, r.ReferenceCode, r.OrderID)
	return r
}

func (g *Gateway) do(ctx context.Context, op string, r *request) *gateway.Result {
	resp, res := g.exchange(ctx, op, r)
	if res != nil {
		return res
	}
	return classify(resp)
}

func (g *Gateway) exchange(ctx context.Context, op string, r *request) (*Response, *gateway.Result) {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, gateway.RejectLocal(fmt.Errorf("posnetv1: encoding request: %w", err), gateway.ReasonInvalidTxn)
	}
	data, terr := gateway.Post(ctx, g.client, g.api+"/"+op, "application/json", bytes.TrimSpace(body.Bytes()), nil)
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

func checkAmount(o gateway.Order) error {
	if !validOrderID(o.OrderID) {
		return errOrderID
	}
	if o.Amount.Minor <= 0 {
		return errors.New("posnetv1: amount must be positive")
	}
	if CurrencyCode(o.Amount.Currency) == "" {
		return fmt.Errorf("posnetv1: currency %q not supported", o.Amount.Currency.Code)
	}
	return nil
}

func unusable(err error) gateway.Result { return gateway.Unusable(ErrBadResponse, err) }
