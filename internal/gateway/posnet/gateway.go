// Package posnet is Kasa's adapter for Yapı Kredi's POSNET XML service.
//
// Wire format: a form POST whose single field xmldata holds a
// <posnetRequest> document in ISO-8859-9, carrying the merchant (mid) and
// terminal (tid) numbers and one operation element (sale, auth, capt,
// reverse, return, agreement, oosRequestData, oosResolveMerchantData,
// oosTranData). The reply is a <posnetResponse>; approved "1" is the only
// approval. Amounts are integer kuruş, currencies two-letter codes (TL, US,
// EU, GB), order ids 20 characters zero-padded. Non-3D calls authenticate by
// mid/tid and the caller's whitelisted IP; 3D Secure adds the posnetId and
// the ENCKEY, which signs the MACs.
package posnet

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// Name is the registry key.
const Name = "posnet"

// MaxOrderID is the longest order id PosNet accepts (it pads shorter ones).
const MaxOrderID = orderIDLen

// Credential keys.
const (
	CredMerchantID = "merchant_id"
	CredTerminalID = "terminal_id"
	CredPosnetID   = "posnet_id"
	CredEncKey     = "enc_key"
)

var descriptor = &gateway.Descriptor{
	Name:  Name,
	Title: "Yapı Kredi POSNET (XML)",
	Credentials: []gateway.CredentialField{
		{Key: CredMerchantID, Label: "Üye İşyeri No (MID)", Help: "10-digit merchant number.", Required: true},
		{Key: CredTerminalID, Label: "Terminal No (TID)", Help: "8-digit terminal number.", Required: true},
		{Key: CredPosnetID, Label: "POSNET ID", Help: "Needed for 3D Secure payments."},
		{Key: CredEncKey, Label: "ENCKEY (Şifreleme Anahtarı)", Help: "Needed for 3D Secure payments; signs the MACs.", Secret: true},
	},
	Currencies:   []money.Currency{money.TRY, money.USD, money.EUR, money.GBP},
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

// Gateway talks to one PosNet terminal. It is safe for concurrent use.
type Gateway struct {
	mid      string
	tid      string
	posnetID string
	encKey   string
	api      string
	gate     string
	client   *http.Client
}

// The operations PosNet supports.
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
		return nil, err
	}
	c := cfg.Credentials
	return &Gateway{
		mid:      c[CredMerchantID],
		tid:      c[CredTerminalID],
		posnetID: c[CredPosnetID],
		encKey:   c[CredEncKey],
		api:      cfg.Endpoints.API,
		gate:     cfg.Endpoints.ThreeDGate,
		client:   cfg.Client(),
	}, nil
}

func checkURL(s string) error {
	if s == "" {
		return errors.New("posnet: API endpoint is required")
	}
	if !gateway.ValidEndpoint(s) {
		return fmt.Errorf("posnet: invalid endpoint %q", s)
	}
	return nil
}

// Authorize sends a sale, or an auth (pre-authorisation) when !Capture.
func (g *Gateway) Authorize(ctx context.Context, req *gateway.AuthorizeRequest) *gateway.Result {
	t, res := cardFields(req.Order, req.Installments)
	if res != nil {
		return res
	}
	if req.Card.PAN.IsZero() {
		return gateway.RejectLocal(errors.New("posnet: card number missing"), gateway.ReasonInvalidCard)
	}
	t.CCNo = req.Card.PAN.Reveal()
	t.ExpDate = FormatExpiry(req.Card.Expiry)
	t.CVC = req.Card.CVV.Reveal()
	r := g.request()
	if req.Capture {
		r.Sale = t
	} else {
		r.Auth = t
	}
	return g.do(ctx, r)
}

// cardFields checks an order and fills the fields sale, auth and
// oosRequestData share.
func cardFields(o gateway.Order, installments int) (*cardTxn, *gateway.Result) {
	if err := checkAmount(o); err != nil {
		return nil, gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	if installments < 0 || installments > 99 {
		return nil, gateway.RejectLocal(fmt.Errorf("posnet: installment count %d out of range", installments), gateway.ReasonInstallments)
	}
	id, err := FormatOrderID(o.OrderID)
	if err != nil {
		return nil, gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	return &cardTxn{
		OrderID:      id,
		Installment:  FormatInstallments(installments),
		Amount:       FormatAmount(o.Amount),
		CurrencyCode: CurrencyCode(o.Amount.Currency),
	}, nil
}

// Capture sends capt for the amount to capture (at most the pre-authorised
// amount). capt names the pre-authorisation by its hostLogKey, which Kasa
// does not keep, so the order's transactions are looked up first.
func (g *Gateway) Capture(ctx context.Context, req *gateway.CaptureRequest) *gateway.Result {
	if err := checkAmount(req.Order); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	if req.Installments < 0 || req.Installments > 99 {
		return gateway.RejectLocal(fmt.Errorf("posnet: installment count %d out of range", req.Installments), gateway.ReasonInstallments)
	}
	ord, res := g.lookup(ctx, req.OrderID)
	if res != nil {
		return res
	}
	auth := ord.last(stateAuth)
	if auth == nil || ord.reversed {
		return gateway.RejectLocal(errors.New("posnet: the order has no open pre-authorisation"), gateway.ReasonInvalidTxn)
	}
	r := g.request()
	r.Capt = &captTxn{
		HostLogKey:   auth.HostLogKey,
		Amount:       FormatAmount(req.Amount),
		CurrencyCode: CurrencyCode(req.Amount.Currency),
		Installment:  FormatInstallments(req.Installments),
	}
	return g.do(ctx, r)
}

// Void reverses the order's latest sale, capture or pre-authorisation the
// same day. reverse needs the kind of transaction it undoes, so the order
// is looked up first; the reversal then names it by hostLogKey.
func (g *Gateway) Void(ctx context.Context, req *gateway.VoidRequest) *gateway.Result {
	if !validOrderID(req.OrderID) {
		return gateway.RejectLocal(errOrderID, gateway.ReasonInvalidTxn)
	}
	ord, res := g.lookup(ctx, req.OrderID)
	if res != nil {
		return res
	}
	t := ord.last(stateSale, stateCapt, stateAuth)
	if t == nil || ord.reversed {
		return gateway.RejectLocal(errors.New("posnet: the order has nothing to reverse"), gateway.ReasonInvalidTxn)
	}
	r := g.request()
	r.Reverse = &reverseTxn{Transaction: reverseKind(t.State), HostLogKey: t.HostLogKey, AuthCode: t.AuthCode}
	return g.do(ctx, r)
}

// Refund sends return for the amount (PosNet always wants one), against the
// sale or capture found by looking the order up.
func (g *Gateway) Refund(ctx context.Context, req *gateway.RefundRequest) *gateway.Result {
	if err := checkAmount(req.Order); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	ord, res := g.lookup(ctx, req.OrderID)
	if res != nil {
		return res
	}
	t := ord.last(stateSale, stateCapt)
	if t == nil || ord.reversed {
		return gateway.RejectLocal(errors.New("posnet: the order has no captured amount to refund"), gateway.ReasonInvalidTxn)
	}
	r := g.request()
	r.Return = &returnTxn{Amount: FormatAmount(req.Amount), CurrencyCode: CurrencyCode(req.Amount.Currency), HostLogKey: t.HostLogKey}
	return g.do(ctx, r)
}

func (g *Gateway) request() *posnetRequest {
	return &posnetRequest{MID: g.mid, TID: g.tid, TranDateRequired: "1"}
}

// do sends r and classifies the reply.
func (g *Gateway) do(ctx context.Context, r *posnetRequest) *gateway.Result {
	resp, res := g.exchange(ctx, r)
	if res != nil {
		return res
	}
	return classify(resp)
}

// exchange sends r and parses the reply. A non-nil Result means no usable
// reply: NotSent or Unknown as the transport classified it, or Unknown for
// a reply that is not a posnetResponse with a verdict.
func (g *Gateway) exchange(ctx context.Context, r *posnetRequest) (*Response, *gateway.Result) {
	body, err := r.encode()
	if err != nil {
		return nil, gateway.RejectLocal(fmt.Errorf("posnet: encoding request: %w", err), gateway.ReasonInvalidTxn)
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

// checkAmount refuses, before sending, orders the bank would reject anyway.
func checkAmount(o gateway.Order) error {
	if !validOrderID(o.OrderID) {
		return errOrderID
	}
	if o.Amount.Minor <= 0 {
		return errors.New("posnet: amount must be positive")
	}
	if CurrencyCode(o.Amount.Currency) == "" {
		return fmt.Errorf("posnet: currency %q not supported", o.Amount.Currency.Code)
	}
	return nil
}

func unusable(err error) gateway.Result { return gateway.Unusable(ErrBadResponse, err) }
