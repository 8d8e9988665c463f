// Package kuveyt is Kasa's adapter for Kuveyt Türk's virtual POS ("BOA",
// API version TDV2.0.0).
//
// Wire format: KuveytTurkVPosMessage XML documents POSTed to the gate
// (…/Home/Non3DPayGate for non-3D sales, …/Home/ThreeDModelProvisionGate to
// provision a 3D payment); the reply is a VPosTransactionResponseContract
// whose ResponseCode "00" is the only approval. Cancel, refund and status go
// over the bank's separate SOAP service on the same host. Amounts are kuruş
// integers, currencies 4-digit numeric codes. The bank offers no
// pre-authorisation on this POS.
package kuveyt

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/boa"
	"github.com/kasapos/kasa/internal/money"
)

// Name is the registry key.
const Name = "kuveyt"

// MaxOrderID is the longest MerchantOrderId Kasa sends. The bank documents
// no limit; 50 keeps well inside its database column.
const MaxOrderID = 50

// APIVersion is the message version the gate expects.
const APIVersion = "TDV2.0.0"

// TransactionSecurity values.
const (
	securityNon3D = "1"
	security3D    = "3"
)

// Credential keys.
const (
	CredMerchantID = boa.CredMerchantID
	CredCustomerID = boa.CredCustomerID
	CredUserName   = boa.CredUserName
	CredPassword   = boa.CredPassword
)

// Gate and SOAP paths, relative to the API endpoint (…/Home) and its host.
const (
	pathNon3D     = "/Non3DPayGate"
	pathProvision = "/ThreeDModelProvisionGate"
	pathSOAP      = "/BOA.Integration.WCFService/BOA.Integration.VirtualPos/VirtualPosService.svc/Basic"
)

var descriptor = &gateway.Descriptor{
	Name:         Name,
	Title:        "Kuveyt Türk (BOA)",
	Credentials:  boa.Credentials("Kuveyt Türk"),
	Currencies:   []money.Currency{money.TRY, money.USD, money.EUR},
	ThreeDModels: []string{gateway.Model3D},
	Presets:      Presets(),
	MaxOrderID:   MaxOrderID,
}

func init() {
	descriptor.New = gateway.Constructor(New)
	gateway.Register(descriptor)
}

// Descriptor returns the registered descriptor.
func Descriptor() *gateway.Descriptor { return descriptor }

// Gateway talks to one Kuveyt Türk POS. It is safe for concurrent use.
type Gateway struct {
	merchantID, customerID, user, password string
	api, gate, soap                        string
	client                                 *http.Client
}

var (
	_ gateway.Gateway         = (*Gateway)(nil)
	_ gateway.Voider          = (*Gateway)(nil)
	_ gateway.Refunder        = (*Gateway)(nil)
	_ gateway.StatusQuerier   = (*Gateway)(nil)
	_ gateway.ThreeDStarter   = (*Gateway)(nil)
	_ gateway.ThreeDVerifier  = (*Gateway)(nil)
	_ gateway.ThreeDCompleter = (*Gateway)(nil)
)

// ErrBadResponse is an unusable reply (Outcome Unknown).
var ErrBadResponse = boa.ErrBadResponse

// New builds a gateway. The SOAP endpoint is on the API endpoint's host.
func New(cfg gateway.Config) (*Gateway, error) {
	if err := descriptor.Validate(cfg.Credentials); err != nil {
		return nil, err
	}
	if !gateway.ValidEndpoint(cfg.Endpoints.API) {
		return nil, fmt.Errorf("kuveyt: invalid API endpoint %q", cfg.Endpoints.API)
	}
	u, _ := url.Parse(cfg.Endpoints.API)
	c := cfg.Credentials
	return &Gateway{
		merchantID: c[CredMerchantID], customerID: c[CredCustomerID], user: c[CredUserName], password: c[CredPassword],
		api: cfg.Endpoints.API, gate: cfg.Endpoints.ThreeDGate,
		soap:   u.Scheme + "://" + u.Host + pathSOAP,
		client: cfg.Client(),
	}, nil
}

// message is a KuveytTurkVPosMessage; field order follows the bank's samples.
type message struct {
	XMLName             xml.Name        `xml:"KuveytTurkVPosMessage"`
	APIVersion          string          `xml:"APIVersion"`
	OkURL               string          `xml:"OkUrl,omitempty"`
	FailURL             string          `xml:"FailUrl,omitempty"`
	HashData            string          `xml:"HashData"`
	MerchantID          string          `xml:"MerchantId"`
	CustomerID          string          `xml:"CustomerId"`
	UserName            string          `xml:"UserName"`
	CardNumber          string          `xml:"CardNumber,omitempty"`
	CardExpireDateYear  string          `xml:"CardExpireDateYear,omitempty"`
	CardExpireDateMonth string          `xml:"CardExpireDateMonth,omitempty"`
	CardCVV2            string          `xml:"CardCVV2,omitempty"`
	CardHolderName      string          `xml:"CardHolderName,omitempty"`
	TransactionType     string          `xml:"TransactionType"`
	InstallmentCount    string          `xml:"InstallmentCount"`
	Amount              string          `xml:"Amount"`
	DisplayAmount       string          `xml:"DisplayAmount"`
	CurrencyCode        string          `xml:"CurrencyCode"`
	MerchantOrderID     string          `xml:"MerchantOrderId"`
	TransactionSecurity string          `xml:"TransactionSecurity"`
	CustomerIPAddress   string          `xml:"CustomerIPAddress,omitempty"`
	AdditionalData      *additionalData `xml:"KuveytTurkVPosAdditionalData,omitempty"`
}

type additionalData struct {
	Key  string `xml:"AdditionalData>Key"`
	Data string `xml:"AdditionalData>Data"`
}

func (g *Gateway) message(o gateway.Order, installments int, security string) *message {
	amount := boa.FormatAmount(o.Amount)
	return &message{
		APIVersion: APIVersion, MerchantID: g.merchantID, CustomerID: g.customerID, UserName: g.user,
		TransactionType: "Sale", InstallmentCount: boa.FormatInstallments(installments),
		Amount: amount, DisplayAmount: amount, CurrencyCode: boa.FormatCurrency(o.Amount.Currency),
		MerchantOrderID: o.OrderID, TransactionSecurity: security, CustomerIPAddress: o.ClientIP,
		HashData: boa.RequestHash(g.merchantID, o.OrderID, amount, "", "", g.user, g.password),
	}
}

// Authorize sends a non-3D sale. Pre-authorisation does not exist here.
func (g *Gateway) Authorize(ctx context.Context, req *gateway.AuthorizeRequest) *gateway.Result {
	if err := checkOrder(req.Order); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	if !req.Capture {
		return gateway.RejectLocal(errors.New("kuveyt: no pre-authorisation on this POS"), gateway.ReasonNotPermitted)
	}
	if err := checkInstallments(req.Installments, req.Amount.Currency); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInstallments)
	}
	if req.Card.PAN.IsZero() {
		return gateway.RejectLocal(errors.New("kuveyt: card number missing"), gateway.ReasonInvalidCard)
	}
	m := g.message(req.Order, req.Installments, securityNon3D)
	m.CardNumber, m.CardCVV2, m.CardHolderName = req.Card.PAN.Reveal(), req.Card.CVV.Reveal(), req.Card.Holder
	m.CardExpireDateYear, m.CardExpireDateMonth = req.Card.Expiry.YY(), req.Card.Expiry.MM()
	return g.send(ctx, g.api+pathNon3D, m)
}

// send posts a gate message and classifies the VPosTransactionResponseContract.
func (g *Gateway) send(ctx context.Context, endpoint string, m *message) *gateway.Result {
	body, err := xml.Marshal(m)
	if err != nil {
		return gateway.RejectLocal(fmt.Errorf("kuveyt: encoding request: %w", err), gateway.ReasonInvalidTxn)
	}
	data, terr := gateway.Post(ctx, g.client, endpoint, "application/xml; charset=utf-8", append([]byte(xml.Header), body...), nil)
	if terr != nil {
		return terr.Result()
	}
	resp, err := boa.ParseResponse(data)
	if err != nil {
		r := gateway.Unusable(ErrBadResponse, err)
		return &r
	}
	return boa.ResultOf(resp)
}

var orderIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func checkOrder(o gateway.Order) error {
	switch {
	case o.OrderID == "" || len(o.OrderID) > MaxOrderID:
		return fmt.Errorf("kuveyt: order id must be 1-%d characters", MaxOrderID)
	case !orderIDPattern.MatchString(o.OrderID):
		return errors.New("kuveyt: order id may hold only letters, digits, '-' and '_'")
	case o.Amount.Minor <= 0:
		return errors.New("kuveyt: amount must be positive")
	case !descriptor.SupportsCurrency(o.Amount.Currency):
		return fmt.Errorf("kuveyt: currency %q not supported", o.Amount.Currency.Code)
	}
	return nil
}

// checkInstallments: installments are a TRY-only facility, up to 12.
func checkInstallments(n int, c money.Currency) error {
	switch {
	case n < 0 || n > 12:
		return fmt.Errorf("kuveyt: installment count %d out of range", n)
	case n > 1 && c.Code != money.TRY.Code:
		return errors.New("kuveyt: installments are for TRY only")
	}
	return nil
}
