// Package payflexcp is Kasa's adapter for PayFlex Common Payment v4
// ("Ortak Ödeme") of VakıfBank: a bank-hosted payment flow in the 3D Pay
// and 3D Host models only.
//
// Flow: RegisterTransaction (a server-to-server form POST signed with
// HashedData) returns a PaymentToken and the CommonPaymentUrl; the browser
// opens CommonPaymentUrl?Ptkn=token, where the bank takes the card (3D
// Host) or has it already (3D Pay), runs 3D Secure and provisions; the
// bank then sends the browser to SuccessUrl or FailUrl with TransactionId
// and PaymentToken. That post is informational and unsigned: the bank's
// own guide says the result must be read with the query API
// (VposTransaction), which Verify3D does server to server. The Common
// Payment API offers no cancel, refund or status operation (research notes
// §1.1), so those stay unimplemented.
package payflexcp

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/payflex"
	"github.com/kasapos/kasa/internal/money"
)

// Name is the registry key.
const Name = "payflexcp"

// MaxOrderID is the longest OrderID the adapter sends (the bank's limit is
// not in the research notes; Kasa keeps to PayFlex v4's).
const MaxOrderID = payflex.MaxOrderID

// Credential keys.
const (
	CredMerchantID = "merchant_id"
	CredPassword   = "password"
	CredTerminalID = "terminal_id"
)

const contentType = "application/x-www-form-urlencoded; charset=UTF-8"

var descriptor = &gateway.Descriptor{
	Name:  Name,
	Title: "PayFlex Common Payment v4 (VakıfBank Ortak Ödeme)",
	Credentials: []gateway.CredentialField{
		{Key: CredMerchantID, Label: "Üye İşyeri No (HostMerchantId)", Help: "15-digit merchant number.", Required: true},
		{Key: CredPassword, Label: "Üye İşyeri Şifresi (MerchantPassword)", Help: "Also signs HashedData.", Secret: true, Required: true},
		{Key: CredTerminalID, Label: "Terminal No (HostTerminalId)", Help: "8-character terminal number.", Required: true},
	},
	Currencies:   []money.Currency{money.TRY, money.USD, money.EUR, money.GBP},
	ThreeDModels: []string{gateway.Model3DPay, gateway.Model3DHost},
	Presets: []gateway.Preset{
		{Name: "vakifbank-cp-test", Bank: "vakifbank", Environment: "test", Endpoints: gateway.Endpoints{
			API:        "https://cptest.vakifbank.com.tr/CommonPayment/api/VposTransaction",
			ThreeDGate: "https://cptest.vakifbank.com.tr/CommonPayment/api/RegisterTransaction"}},
		{Name: "vakifbank-cp-production", Bank: "vakifbank", Environment: "production", Endpoints: gateway.Endpoints{
			API:        "https://cpweb.vakifbank.com.tr/CommonPayment/api/VposTransaction",
			ThreeDGate: "https://cpweb.vakifbank.com.tr/CommonPayment/api/RegisterTransaction"}},
	},
	MaxOrderID: MaxOrderID,
	ThreeDOnly: true,
}

func init() {
	descriptor.New = gateway.Constructor(New)
	gateway.Register(descriptor)
}

// Descriptor returns the registered descriptor of the protocol.
func Descriptor() *gateway.Descriptor { return descriptor }

// Gateway talks to one Common Payment merchant. It is safe for concurrent
// use.
type Gateway struct {
	merchantID string
	password   string
	terminalID string
	query      string // VposTransaction
	register   string // RegisterTransaction
	client     *http.Client
}

var (
	_ gateway.Gateway        = (*Gateway)(nil)
	_ gateway.ThreeDStarter  = (*Gateway)(nil)
	_ gateway.ThreeDVerifier = (*Gateway)(nil)
)

// New builds a gateway from credentials and endpoints: API is the query
// endpoint, ThreeDGate the registration endpoint.
func New(cfg gateway.Config) (*Gateway, error) {
	if err := descriptor.Validate(cfg.Credentials); err != nil {
		return nil, err
	}
	if !gateway.ValidEndpoint(cfg.Endpoints.API) || !gateway.ValidEndpoint(cfg.Endpoints.ThreeDGate) {
		return nil, errors.New("payflexcp: the query (API) and RegisterTransaction (3D gate) endpoints are required")
	}
	c := cfg.Credentials
	return &Gateway{merchantID: c[CredMerchantID], password: c[CredPassword], terminalID: c[CredTerminalID],
		query: cfg.Endpoints.API, register: cfg.Endpoints.ThreeDGate, client: cfg.Client()}, nil
}

// Authorize refuses: Common Payment takes cards only on the bank's page
// (Kasa does not route non-3D payments here; the descriptor says so).
func (g *Gateway) Authorize(context.Context, *gateway.AuthorizeRequest) *gateway.Result {
	return gateway.RejectLocal(errors.New("payflexcp: Common Payment has no non-3D sale"), gateway.ReasonNotPermitted)
}

func validOrderID(id string) bool {
	if id == "" || len(id) > MaxOrderID {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func checkOrder(o gateway.Order) error {
	switch {
	case !validOrderID(o.OrderID):
		return fmt.Errorf("payflexcp: order id must be 1-%d letters, digits, '-' or '_'", MaxOrderID)
	case o.Amount.Minor <= 0:
		return errors.New("payflexcp: amount must be positive")
	case payflex.CurrencyCode(o.Amount.Currency) == "":
		return fmt.Errorf("payflexcp: currency %q not supported", o.Amount.Currency.Code)
	}
	return nil
}

// keyToken is the session key of the attempt's PaymentToken.
const keyToken = "payment_token"

// Start3D registers the transaction and returns the Common Payment page.
func (g *Gateway) Start3D(ctx context.Context, req *gateway.ThreeDRequest) (*gateway.ThreeDForm, *gateway.Result) {
	if req.Model != gateway.Model3DPay && req.Model != gateway.Model3DHost {
		return nil, gateway.RejectLocal(fmt.Errorf("payflexcp: 3D model %q not offered", req.Model), gateway.ReasonNotPermitted)
	}
	if err := checkOrder(req.Order); err != nil {
		return nil, gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	if req.Installments < 0 || req.Installments > 99 {
		return nil, gateway.RejectLocal(fmt.Errorf("payflexcp: installment count %d out of range", req.Installments), gateway.ReasonInstallments)
	}
	if req.OkURL == "" || req.FailURL == "" {
		return nil, gateway.RejectLocal(errors.New("payflexcp: success and failure URLs are required"), gateway.ReasonInvalidTxn)
	}
	amount, code := payflex.FormatAmount(req.Amount), payflex.CurrencyCode(req.Amount.Currency)
	txType := payflex.TxAuth
	if req.Capture {
		txType = payflex.TxSale
	}
	lang := "tr-TR"
	if req.Lang == "en" {
		lang = "en-US"
	}
	f := url.Values{
		"HostMerchantId":       {g.merchantID},
		"MerchantPassword":     {g.password},
		"HostTerminalId":       {g.terminalID},
		"TransactionType":      {txType},
		"AmountCode":           {code},
		"Amount":               {amount},
		"OrderID":              {req.OrderID},
		"IsSecure":             {"true"},
		"AllowNotEnrolledCard": {"false"}, // no half-secure provisioning behind Kasa's back
		"SuccessUrl":           {req.OkURL},
		"FailUrl":              {req.FailURL},
		"RequestLanguage":      {lang},
		"Extract":              {""},
		"CustomItems":          {""},
		"HashedData":           {HashedData(g.merchantID, code, amount, g.password)},
	}
	if req.Installments > 1 {
		f.Set("InstallmentCount", fmt.Sprint(req.Installments))
	}
	if req.Model == gateway.Model3DPay {
		if req.Card.PAN.IsZero() {
			return nil, gateway.RejectLocal(errors.New("payflexcp: card number missing"), gateway.ReasonInvalidCard)
		}
		brand := payflex.BrandName(req.Card.PAN.Brand())
		if brand == "" {
			return nil, gateway.RejectLocal(errors.New("payflexcp: card scheme not supported"), gateway.ReasonInvalidCard)
		}
		f.Set("BrandNumber", brand)
		f.Set("PAN", req.Card.PAN.Reveal())
		f.Set("CVV", req.Card.CVV.Reveal())
		f.Set("ExpireMonth", req.Card.Expiry.MM())
		f.Set("ExpireYear", req.Card.Expiry.YYYY())
		f.Set("CardHoldersName", req.Card.Holder)
	}
	data, terr := gateway.Post(ctx, g.client, g.register, contentType, []byte(f.Encode()), nil)
	if terr != nil {
		return nil, terr.Result()
	}
	reg, err := ParseRegister(data)
	if err != nil {
		res := gateway.Unusable(ErrBadResponse, err)
		return nil, &res
	}
	if reg.ErrorCode != "" {
		return nil, &gateway.Result{Outcome: gateway.Rejected, Reason: gateway.ReasonInvalidTxn, BankCode: reg.ErrorCode,
			BankErrorCode: reg.ErrorCode, BankMessage: reg.ResponseMessage}
	}
	if !gateway.ValidEndpoint(reg.CommonPaymentURL) {
		res := gateway.Unusable(ErrBadResponse, fmt.Errorf("CommonPaymentUrl %q", reg.CommonPaymentURL))
		return nil, &res
	}
	// The guide opens CommonPaymentUrl?Ptkn=token with a GET. Kasa's
	// hand-off page renders field-less forms as GET forms, whose submission
	// drops the action's query string, so Ptkn travels as a posted field.
	return &gateway.ThreeDForm{URL: reg.CommonPaymentURL, Fields: []gateway.Field{{Name: "Ptkn", Value: reg.PaymentToken}},
		Session: map[string]string{keyToken: reg.PaymentToken}}, &gateway.Result{Outcome: gateway.Approved}
}

// Verify3D reads the result from the bank, not from the browser: the
// callback only names the transaction (TransactionId, PaymentToken), the
// token must be this attempt's, and the query reply must echo the token,
// the merchant, the order, amount, currency and transaction type Kasa
// stored. Rc, Message and anything else posted are ignored.
func (g *Gateway) Verify3D(ctx context.Context, cb *gateway.ThreeDCallback) (*gateway.ThreeDResult, error) {
	if cb.Model != gateway.Model3DPay && cb.Model != gateway.Model3DHost {
		return nil, &gateway.CallbackError{Reason: fmt.Sprintf("3D model %q not offered", cb.Model)}
	}
	if err := checkOrder(cb.Expected); err != nil {
		return nil, &gateway.CallbackError{Reason: err.Error()}
	}
	token := cb.Session[keyToken]
	if token == "" {
		return nil, &gateway.CallbackError{Reason: "no registered transaction for this attempt"}
	}
	if subtle.ConstantTimeCompare([]byte(cb.Form.Get("PaymentToken")), []byte(token)) != 1 {
		return nil, &gateway.CallbackError{Reason: "PaymentToken belongs to another attempt"}
	}
	txID := cb.Form.Get("TransactionId")
	f := url.Values{"HostMerchantId": {g.merchantID}, "Password": {g.password}, "TransactionId": {txID}, "PaymentToken": {token}}
	data, terr := gateway.Post(ctx, g.client, g.query, contentType, []byte(f.Encode()), nil)
	if terr != nil {
		return nil, terr // the callback may be genuine: the caller retries later
	}
	t, err := ParseTransaction(data)
	if err != nil {
		return nil, err
	}
	if t.Rc == "" {
		return nil, &gateway.CallbackError{Reason: "the bank has no result for this transaction: " + t.ErrorCode}
	}
	if err := g.matches(t, token, txID, cb); err != nil {
		return nil, err
	}
	prov := classify(t)
	res := &gateway.ThreeDResult{Auth: gateway.AuthFull, MDStatus: t.Rc, MDText: t.Message, Provision: prov}
	if prov.Outcome == gateway.Rejected {
		// The bank stopped before the issuer: 3D Secure failed or was
		// abandoned, or Common Payment refused the transaction.
		res.Auth = gateway.AuthFailed
	}
	return res, nil
}

// matches checks the query reply against the attempt.
func (g *Gateway) matches(t *Transaction, token, txID string, cb *gateway.ThreeDCallback) error {
	want := cb.Expected
	typ := payflex.TxAuth
	if cb.Capture {
		typ = payflex.TxSale
	}
	a, err := ParseAmount(t.Amount, want.Amount.Currency)
	switch {
	case t.PaymentToken != token || (txID != "" && t.TransactionID != txID):
		return &gateway.CallbackError{Reason: "the bank's record belongs to another transaction"}
	case t.HostMerchantID != g.merchantID:
		return &gateway.CallbackError{Reason: "merchant differs"}
	case t.OrderID != want.OrderID:
		return &gateway.CallbackError{Reason: "order id differs from the attempt"}
	case t.AmountCode != payflex.CurrencyCode(want.Amount.Currency):
		return &gateway.CallbackError{Reason: "currency differs from the attempt"}
	case err != nil || a.Minor != want.Amount.Minor:
		return &gateway.CallbackError{Reason: "amount differs from the attempt"}
	case !strings.EqualFold(t.TransactionType, typ):
		return &gateway.CallbackError{Reason: "transaction type differs from the attempt"}
	}
	return nil
}
