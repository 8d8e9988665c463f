// Package vakifkatilim is Kasa's adapter for Vakıf Katılım's virtual POS:
// the same "BOA" bank software as Kuveyt Türk's (see package boa), at API
// version 1.0.0.
//
// Wire format: VPosMessageContract XML documents POSTed to the gate,
// https://boa.vakifkatilim.com.tr/VirtualPOS.Gateway/Home/<operation>. Every
// reply, order queries included, is a VPosTransactionResponseContract whose
// ResponseCode "00" is the only approval. Unlike Kuveyt Türk there is no
// SOAP service: cancel, refund and queries are gate operations too.
//
//	sale          /Non3DPayGate (TransactionSecurity 5)
//	pre-auth      /PreAuthorizaten (the bank's spelling)
//	capture       /PreAuthorizatenClose
//	void          /SaleReversal; an open pre-auth: /PreAuthorizationReversal
//	refund        /DrawBack (all of it), /PartialDrawBack
//	status        /SelectOrderByMerchantOrderId
//	history       /SelectOrder
//	3D model      /ThreeDModelPayGate (enrollment, server to server; TransactionSecurity 3),
//	              then /ThreeDModelProvisionGate with the callback's MD
//	3D host       …/VirtualPOS.Gateway/CommonPaymentPage/CommonPaymentPage
//
// Capture, void and refund name the order by the bank's own OrderId too, so
// they look the order up (SelectOrderByMerchantOrderId) first.
//
// Amounts are kuruş integers; currencies 4-digit codes ("0949" TRY, "0840"
// USD, "0978" EUR, "0826" GBP, and "0810", the old RUR code, for RUB);
// InstallmentCount is "0" for a single payment.
//
// Hashes (one recipe, boa.RequestHash): requests carry HashPassword =
// base64(SHA1(password)) and HashData = base64(SHA1(MerchantId +
// MerchantOrderId + Amount + OkUrl + FailUrl + UserName + HashPassword)),
// each field as sent and "" where the request has none. So the 3D
// enrollment and the 3D provisioning hash their OkUrl and FailUrl; sale,
// pre-auth and cancel hash their Amount and "" for the URLs; the status
// query, a full DrawBack, a pre-auth reversal and a capture of the whole
// pre-auth hash "" for the Amount too. The public library's request vectors
// (re-typed in hash_test.go) all follow this recipe. The 3D callback's
// HashData is taken to be Kuveyt Türk's recipe, base64(SHA1(MerchantOrderId
// + ResponseCode + OrderId + HashPassword)) (boa.CallbackHash); it signs no
// amount, so the amount of a 3D payment is always the attempt's, never the
// callback's.
//
// Not verified against the bank (it publishes neither documentation nor a
// separate test host; its test merchants use the production host):
//   - the callback HashData recipe (no captured callback with a known
//     password exists);
//   - Amount on PreAuthorizatenClose and PartialDrawBack: the public
//     library sends none (a full close; the partial refund amount is then
//     unclear); Kasa sends the amount it means and hashes it;
//   - the OrderStatus numbers of a pre-authorisation (2) and its close (3)
//     in order queries: the simulator's own numbering (1, 4, 5, 6 are the
//     bank's);
//   - HashData on the 3D host form: the library sends only HashPassword.
//
// Security note on 3D host: the bank's CommonPaymentPage is posted by the
// customer's browser and takes HashPassword, from which every HashData can
// be computed. A customer can therefore read it and sign a callback, or
// edit the form's amount. Kasa never trusts a 3D host approval by itself: it
// confirms it with a status query and compares the amount the bank charged
// with the attempt's. Prefer the 3D model, where HashPassword stays
// server-side.
package vakifkatilim

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/boa"
	"github.com/kasapos/kasa/internal/money"
)

// Name is the registry key.
const Name = "vakifkatilim"

// MaxOrderID is the longest MerchantOrderId Kasa sends. The bank documents
// no limit; 50 is what its BOA sibling Kuveyt Türk accepts.
const MaxOrderID = 50

// APIVersion is the message version the gate expects.
const APIVersion = "1.0.0"

// TransactionSecurity values.
const (
	securityNon3D = "5"
	security3D    = "3"
)

// Credential keys.
const (
	CredMerchantID = boa.CredMerchantID
	CredCustomerID = boa.CredCustomerID
	CredUserName   = boa.CredUserName
	CredPassword   = boa.CredPassword
)

// Gate operations, relative to the API endpoint (…/VirtualPOS.Gateway/Home).
const (
	PathSale            = "/Non3DPayGate"
	PathPreAuth         = "/PreAuthorizaten"
	PathClose           = "/PreAuthorizatenClose"
	PathSaleReversal    = "/SaleReversal"
	PathPreAuthReversal = "/PreAuthorizationReversal"
	PathDrawBack        = "/DrawBack"
	PathPartialDrawBack = "/PartialDrawBack"
	PathStatus          = "/SelectOrderByMerchantOrderId"
	PathHistory         = "/SelectOrder"
	PathEnrollment      = "/ThreeDModelPayGate"
	PathProvision       = "/ThreeDModelProvisionGate"
	// PathHostPage is the 3D host card page, beside …/Home.
	PathHostPage = "/CommonPaymentPage/CommonPaymentPage"
)

var descriptor = &gateway.Descriptor{
	Name:         Name,
	Title:        "Vakıf Katılım (BOA)",
	Credentials:  boa.Credentials("Vakıf Katılım"),
	Currencies:   []money.Currency{money.TRY, money.USD, money.EUR, money.GBP, money.RUB},
	ThreeDModels: []string{gateway.Model3D, gateway.Model3DHost},
	Presets:      Presets(),
	MaxOrderID:   MaxOrderID,
}

func init() {
	descriptor.New = gateway.Constructor(New)
	gateway.Register(descriptor)
}

// Descriptor returns the registered descriptor.
func Descriptor() *gateway.Descriptor { return descriptor }

// Gateway talks to one Vakıf Katılım POS. It is safe for concurrent use.
type Gateway struct {
	merchantID, customerID, user, password string
	api, gate, hostPage                    string
	client                                 *http.Client
}

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

// ErrBadResponse is an unusable reply (Outcome Unknown).
var ErrBadResponse = boa.ErrBadResponse

// New builds a gateway. Endpoints.API is …/VirtualPOS.Gateway/Home; the 3D
// gate defaults to API + /ThreeDModelPayGate, and the 3D host page is
// derived from the API endpoint (…/VirtualPOS.Gateway + PathHostPage).
func New(cfg gateway.Config) (*Gateway, error) {
	if err := descriptor.Validate(cfg.Credentials); err != nil {
		return nil, err
	}
	if !gateway.ValidEndpoint(cfg.Endpoints.API) {
		return nil, fmt.Errorf("vakifkatilim: invalid API endpoint %q", cfg.Endpoints.API)
	}
	api := strings.TrimSuffix(cfg.Endpoints.API, "/")
	gate := cfg.Endpoints.ThreeDGate
	if gate == "" {
		gate = api + PathEnrollment
	}
	u, _ := url.Parse(api)
	u.Path = strings.TrimSuffix(u.Path, "/Home") + PathHostPage
	u.RawQuery, u.Fragment = "", ""
	c := cfg.Credentials
	return &Gateway{
		merchantID: c[CredMerchantID], customerID: c[CredCustomerID], user: c[CredUserName], password: c[CredPassword],
		api: api, gate: gate, hostPage: u.String(), client: cfg.Client(),
	}, nil
}

// message is a VPosMessageContract. Each operation fills the fields the
// bank expects of it; empty ones are left out.
type message struct {
	XMLName             xml.Name        `xml:"VPosMessageContract"`
	APIVersion          string          `xml:"APIVersion,omitempty"`
	OkURL               string          `xml:"OkUrl,omitempty"`
	FailURL             string          `xml:"FailUrl,omitempty"`
	HashData            string          `xml:"HashData"`
	MerchantID          string          `xml:"MerchantId"`
	SubMerchantID       string          `xml:"SubMerchantId"`
	CustomerID          string          `xml:"CustomerId"`
	UserName            string          `xml:"UserName"`
	HashPassword        string          `xml:"HashPassword,omitempty"`
	MerchantOrderID     string          `xml:"MerchantOrderId,omitempty"`
	OrderID             string          `xml:"OrderId,omitempty"`
	InstallmentCount    string          `xml:"InstallmentCount,omitempty"`
	Amount              string          `xml:"Amount,omitempty"`
	DisplayAmount       string          `xml:"DisplayAmount,omitempty"`
	FECCurrencyCode     string          `xml:"FECCurrencyCode,omitempty"`
	CurrencyCode        string          `xml:"CurrencyCode,omitempty"`
	TransactionSecurity string          `xml:"TransactionSecurity,omitempty"`
	PaymentType         string          `xml:"PaymentType,omitempty"`
	CardNumber          string          `xml:"CardNumber,omitempty"`
	CardExpireDateYear  string          `xml:"CardExpireDateYear,omitempty"`
	CardExpireDateMonth string          `xml:"CardExpireDateMonth,omitempty"`
	CardCVV2            string          `xml:"CardCVV2,omitempty"`
	CardHolderName      string          `xml:"CardHolderName,omitempty"`
	CustomerIPAddress   string          `xml:"CustomerIPAddress,omitempty"`
	AdditionalData      *additionalData `xml:"AdditionalData,omitempty"`
	StartDate           string          `xml:"StartDate,omitempty"`
	EndDate             string          `xml:"EndDate,omitempty"`
	LowerLimit          string          `xml:"LowerLimit,omitempty"`
	UpperLimit          string          `xml:"UpperLimit,omitempty"`
	ProvNumber          string          `xml:"ProvNumber,omitempty"`
	OrderNo             string          `xml:"OrderNo,omitempty"`
}

// additionalData carries the 3D MD into provisioning.
type additionalData struct {
	Key  string `xml:"AdditionalDataList>VPosAdditionalData>Key"`
	Data string `xml:"AdditionalDataList>VPosAdditionalData>Data"`
}

// base is the account part every message starts with.
func (g *Gateway) base(orderID string) *message {
	return &message{APIVersion: APIVersion, MerchantID: g.merchantID, SubMerchantID: "0", CustomerID: g.customerID,
		UserName: g.user, MerchantOrderID: orderID}
}

// sign sets HashData over the fields as they will be sent.
func (g *Gateway) sign(m *message) *message {
	m.HashData = boa.RequestHash(g.merchantID, m.MerchantOrderID, m.Amount, m.OkURL, m.FailURL, g.user, g.password)
	return m
}

// payment is a sale, pre-auth or 3D enrollment message of o, unsigned.
func (g *Gateway) payment(o gateway.Order, installments int, security string) *message {
	m := g.base(o.OrderID)
	amount, cur := boa.FormatAmount(o.Amount), FormatCurrency(o.Amount.Currency)
	m.HashPassword = boa.HashPassword(g.password)
	m.InstallmentCount, m.Amount, m.DisplayAmount = boa.FormatInstallments(installments), amount, amount
	m.FECCurrencyCode, m.CurrencyCode, m.TransactionSecurity = cur, cur, security
	m.CustomerIPAddress = o.ClientIP
	return m
}

// FormatCurrency is the 4-digit CurrencyCode: ISO 4217 numeric, zero-padded,
// except RUB, which the bank still codes 0810 (the pre-1998 RUR).
func FormatCurrency(c money.Currency) string {
	if c.Code == money.RUB.Code {
		return "0810"
	}
	return boa.FormatCurrency(c)
}

// ParseCurrency reads a CurrencyCode or FEC ("0949", "949", "0810").
func ParseCurrency(code string) (money.Currency, bool) {
	code = strings.TrimLeft(strings.TrimSpace(code), "0")
	if code == "810" {
		return money.RUB, true
	}
	c, err := money.ParseCurrency(code)
	if err != nil || !descriptor.SupportsCurrency(c) || c.Code == money.RUB.Code || !isDigits(code) {
		return money.Currency{}, false
	}
	return c, true
}

func isDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Authorize sends a non-3D sale (Non3DPayGate) or pre-authorisation
// (PreAuthorizaten).
func (g *Gateway) Authorize(ctx context.Context, req *gateway.AuthorizeRequest) *gateway.Result {
	if err := checkPayment(req.Order, req.Installments); err != nil {
		return err
	}
	if req.Card.PAN.IsZero() {
		return gateway.RejectLocal(errors.New("vakifkatilim: card number missing"), gateway.ReasonInvalidCard)
	}
	m := g.payment(req.Order, req.Installments, securityNon3D)
	m.CardNumber, m.CardCVV2, m.CardHolderName = req.Card.PAN.Reveal(), req.Card.CVV.Reveal(), req.Card.Holder
	m.CardExpireDateYear, m.CardExpireDateMonth = req.Card.Expiry.YY(), req.Card.Expiry.MM()
	path := PathSale
	if !req.Capture {
		path = PathPreAuth
	}
	return g.send(ctx, path, g.sign(m))
}

// Capture closes a pre-authorisation (PreAuthorizatenClose) for the
// request's amount, or all of it when the amount is zero.
func (g *Gateway) Capture(ctx context.Context, req *gateway.CaptureRequest) *gateway.Result {
	if err := descriptor.CheckOrder(req.Order, false, gateway.OrderIDChars); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	oc, cur, res := g.find(ctx, req.Order)
	if res != nil {
		return res
	}
	m := g.base(req.OrderID)
	m.HashPassword, m.OrderID, m.CustomerIPAddress = boa.HashPassword(g.password), oc.OrderID, req.ClientIP
	if req.Amount.Minor > 0 {
		m.Amount = boa.FormatAmount(money.New(req.Amount.Minor, cur))
	}
	return g.send(ctx, PathClose, g.sign(m))
}

// post sends m to the gate operation path and returns the reply body.
func (g *Gateway) post(ctx context.Context, endpoint string, m *message) ([]byte, *gateway.Result) {
	body, err := xml.Marshal(m)
	if err != nil {
		return nil, gateway.RejectLocal(fmt.Errorf("vakifkatilim: encoding request: %w", err), gateway.ReasonInvalidTxn)
	}
	data, terr := gateway.Post(ctx, g.client, endpoint, "application/xml; charset=utf-8", append([]byte(xml.Header), body...), nil)
	if terr != nil {
		return nil, terr.Result()
	}
	return data, nil
}

// call posts m to a gate operation and parses the reply.
func (g *Gateway) call(ctx context.Context, path string, m *message) (*boa.Response, *gateway.Result) {
	data, res := g.post(ctx, g.api+path, m)
	if res != nil {
		return nil, res
	}
	resp, err := boa.ParseResponse(data)
	if err != nil {
		r := gateway.Unusable(ErrBadResponse, err)
		return nil, &r
	}
	return resp, nil
}

// send posts a transaction and classifies its reply.
func (g *Gateway) send(ctx context.Context, path string, m *message) *gateway.Result {
	resp, res := g.call(ctx, path, m)
	if res != nil {
		return res
	}
	out := classify(resp.ResponseCode, resp.ResponseMessage)
	out.AuthCode, out.HostRef, out.TransID = resp.ProvisionNumber, resp.RRN, resp.OrderID
	return out
}

// checkPayment refuses, before sending, a payment the bank cannot take.
func checkPayment(o gateway.Order, installments int) *gateway.Result {
	if err := descriptor.CheckOrder(o, true, gateway.OrderIDChars); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	switch {
	case installments < 0 || installments > 12:
		return gateway.RejectLocal(fmt.Errorf("vakifkatilim: installment count %d out of range", installments), gateway.ReasonInstallments)
	case installments > 1 && o.Amount.Currency.Code != money.TRY.Code:
		return gateway.RejectLocal(errors.New("vakifkatilim: installments are for TRY only"), gateway.ReasonInstallments)
	}
	return nil
}
