// Package payflex is Kasa's adapter for PayFlex MPI + VPOS v4, the virtual
// POS of VakıfBank ("VPOS 7/24"), Ziraat and İşbank.
//
// Wire format: a form POST whose single field prmstr holds a <VposRequest>
// document (UTF-8, no XML declaration); the reply is a <VposResponse> whose
// ResultCode "0000" is the only approval. There is no hash: requests
// authenticate with MerchantId, Password and TerminalNo, and the bank also
// checks the caller's IP. Amounts are major units with a dot and two
// decimals, currencies ISO numeric codes. Capture, Cancel and Refund name
// the transaction they act on by the bank's TransactionId, found with the
// Search endpoint. 3D Secure goes through the MPI: see threed.go.
package payflex

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// Name is the registry key.
const Name = "payflex"

// MaxOrderID is the longest order id the adapter sends.
const MaxOrderID = orderIDLen

// Credential keys.
const (
	CredMerchantID = "merchant_id"
	CredPassword   = "password"
	CredTerminalNo = "terminal_no"
)

// currencies PayFlex v4 takes (research notes §1.1, §6), all two-decimal.
var currencies = []money.Currency{money.TRY, money.USD, money.EUR, money.GBP}

var descriptor = &gateway.Descriptor{
	Name:  Name,
	Title: "PayFlex MPI + VPOS v4 (VakıfBank, Ziraat, İşbank)",
	Credentials: []gateway.CredentialField{
		{Key: CredMerchantID, Label: "Üye İşyeri No (MerchantId)", Help: "15-digit merchant number.", Required: true},
		{Key: CredPassword, Label: "Üye İşyeri Şifresi (Password)", Help: "Also sent as MerchantPassword to the MPI.", Secret: true, Required: true},
		{Key: CredTerminalNo, Label: "Terminal No (TerminalNo)", Help: "8-character terminal number, e.g. VP000095.", Required: true},
	},
	Currencies:   currencies,
	ThreeDModels: []string{gateway.Model3D},
	Presets:      Presets(),
	MaxOrderID:   MaxOrderID,
}

func init() {
	descriptor.New = gateway.Constructor(New)
	gateway.Register(descriptor)
}

// Descriptor returns the registered descriptor of the protocol.
func Descriptor() *gateway.Descriptor { return descriptor }

// Gateway talks to one PayFlex terminal. It is safe for concurrent use.
type Gateway struct {
	merchantID string
	password   string
	terminalNo string
	api        string
	search     string
	mpi        string
	client     *http.Client
}

// The operations PayFlex v4 supports.
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
		return nil, fmt.Errorf("payflex: invalid API endpoint %q", cfg.Endpoints.API)
	}
	if cfg.Endpoints.ThreeDGate != "" && !gateway.ValidEndpoint(cfg.Endpoints.ThreeDGate) {
		return nil, fmt.Errorf("payflex: invalid MPI endpoint %q", cfg.Endpoints.ThreeDGate)
	}
	search, err := searchURL(cfg.Endpoints.API)
	if err != nil {
		return nil, err
	}
	c := cfg.Credentials
	return &Gateway{
		merchantID: c[CredMerchantID],
		password:   c[CredPassword],
		terminalNo: c[CredTerminalNo],
		api:        cfg.Endpoints.API,
		search:     search,
		mpi:        cfg.Endpoints.ThreeDGate,
		client:     cfg.Client(),
	}, nil
}

func (g *Gateway) request(txType string) *vposRequest {
	return &vposRequest{MerchantID: g.merchantID, Password: g.password, TerminalNo: g.terminalNo, TransactionType: txType}
}

// Authorize sends a Sale, or an Auth (pre-authorisation) when !Capture.
func (g *Gateway) Authorize(ctx context.Context, req *gateway.AuthorizeRequest) *gateway.Result {
	r, res := g.cardRequest(req.Order, req.Capture, req.Installments, req.Card.PAN.IsZero())
	if res != nil {
		return res
	}
	r.Pan, r.Expiry, r.Cvv = req.Card.PAN.Reveal(), FormatExpiry(req.Card.Expiry), req.Card.CVV.Reveal()
	return g.do(ctx, r)
}

// cardRequest checks an order and fills the fields Sale and Auth share,
// for Authorize and Complete3D.
func (g *Gateway) cardRequest(o gateway.Order, capture bool, installments int, noCard bool) (*vposRequest, *gateway.Result) {
	if err := checkOrder(o); err != nil {
		return nil, gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	if noCard {
		return nil, gateway.RejectLocal(errors.New("payflex: card number missing"), gateway.ReasonInvalidCard)
	}
	if installments < 0 || installments > 99 {
		return nil, gateway.RejectLocal(fmt.Errorf("payflex: installment count %d out of range", installments), gateway.ReasonInstallments)
	}
	r := g.request(TxAuth)
	if capture {
		r.TransactionType = TxSale
	}
	r.OrderID = o.OrderID
	r.CurrencyAmount, r.CurrencyCode = FormatAmount(o.Amount), CurrencyCode(o.Amount.Currency)
	r.NumberOfInstallments = FormatInstallments(installments)
	r.ClientIP = o.ClientIP
	r.TransactionDeviceSource = "0" // e-commerce
	return r, nil
}

// Capture closes a pre-authorisation for the amount to capture.
func (g *Gateway) Capture(ctx context.Context, req *gateway.CaptureRequest) *gateway.Result {
	if err := checkOrder(req.Order); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	v, res := g.lookup(ctx, req.OrderID)
	if res != nil {
		return res
	}
	auth := v.last(TxAuth)
	if auth == nil || v.canceled {
		return gateway.RejectLocal(errors.New("payflex: the order has no open pre-authorisation"), gateway.ReasonInvalidTxn)
	}
	r := g.request(TxCapture)
	r.ReferenceTransactionID = auth.TransactionID
	r.CurrencyAmount, r.CurrencyCode = FormatAmount(req.Amount), CurrencyCode(req.Amount.Currency)
	r.ClientIP = req.ClientIP
	return g.do(ctx, r)
}

// Void cancels the order's latest sale, capture or pre-authorisation
// before the batch closes.
func (g *Gateway) Void(ctx context.Context, req *gateway.VoidRequest) *gateway.Result {
	if !validOrderID(req.OrderID) {
		return gateway.RejectLocal(errOrderID, gateway.ReasonInvalidTxn)
	}
	v, res := g.lookup(ctx, req.OrderID)
	if res != nil {
		return res
	}
	t := v.last(TxCapture, TxSale, TxAuth)
	if t == nil || v.canceled {
		return gateway.RejectLocal(errors.New("payflex: the order has nothing to cancel"), gateway.ReasonInvalidTxn)
	}
	r := g.request(TxCancel)
	r.ReferenceTransactionID = t.TransactionID
	r.ClientIP = req.ClientIP
	return g.do(ctx, r)
}

// Refund returns part or all of the captured amount; PayFlex always takes
// the amount. CurrencyCode is sent too, so that the bank refuses a refund
// in another currency than the sale's instead of reading the amount in the
// sale's currency.
func (g *Gateway) Refund(ctx context.Context, req *gateway.RefundRequest) *gateway.Result {
	if err := checkOrder(req.Order); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	v, res := g.lookup(ctx, req.OrderID)
	if res != nil {
		return res
	}
	t := v.last(TxCapture, TxSale)
	if t == nil || v.canceled {
		return gateway.RejectLocal(errors.New("payflex: the order has no captured amount to refund"), gateway.ReasonInvalidTxn)
	}
	r := g.request(TxRefund)
	r.ReferenceTransactionID = t.TransactionID
	r.CurrencyAmount, r.CurrencyCode = FormatAmount(req.Amount), CurrencyCode(req.Amount.Currency)
	r.ClientIP = req.ClientIP
	return g.do(ctx, r)
}

// do sends r to the VPOS endpoint and classifies the reply.
func (g *Gateway) do(ctx context.Context, r *vposRequest) *gateway.Result {
	body, err := encodeForm(r)
	if err != nil {
		return gateway.RejectLocal(fmt.Errorf("payflex: encoding request: %w", err), gateway.ReasonInvalidTxn)
	}
	data, terr := gateway.Post(ctx, g.client, g.api, contentType, body, nil)
	if terr != nil {
		return terr.Result()
	}
	resp, err := ParseResponse(data)
	if err != nil {
		res := unusable(err)
		return &res
	}
	return classify(resp)
}

// checkOrder refuses, before sending, orders the bank would reject anyway.
func checkOrder(o gateway.Order) error {
	if !validOrderID(o.OrderID) {
		return errOrderID
	}
	if o.Amount.Minor <= 0 {
		return errors.New("payflex: amount must be positive")
	}
	if CurrencyCode(o.Amount.Currency) == "" {
		return fmt.Errorf("payflex: currency %q not supported", o.Amount.Currency.Code)
	}
	return nil
}

func unusable(err error) gateway.Result { return gateway.Unusable(ErrBadResponse, err) }
