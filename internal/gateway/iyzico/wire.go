package iyzico

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/kasapos/kasa/internal/money"
)

// Endpoint paths, relative to the API base URL.
const (
	PathAuth             = "/payment/auth"
	PathPreAuth          = "/payment/preauth"
	PathPostAuth         = "/payment/postauth"
	PathCancel           = "/payment/cancel"
	PathRefund           = "/v2/payment/refund" // amount-based refund on the paymentId
	PathDetail           = "/payment/detail"
	Path3DInit           = "/payment/3dsecure/initialize"
	Path3DInitPreAuth    = "/payment/3dsecure/initialize/preauth"
	Path3DAuth           = "/payment/v2/3dsecure/auth"
	PathInstallment      = "/payment/iyzipos/installment"
	contentType          = "application/json"
	statusSuccess        = "success"
	statusFailure        = "failure"
	paymentChannelWeb    = "WEB"
	paymentGroupProduct  = "PRODUCT"
	itemTypeVirtual      = "VIRTUAL"
	defaultIdentity      = "11111111111" // iyzico requires a buyer identity number; Kasa does not collect it
	defaultCity          = "Istanbul"
	defaultCountry       = "Turkey"
	defaultAddressLine   = "N/A"
	defaultLocale        = "tr"
	phasePreAuth         = "PRE_AUTH"
	paymentStatusSuccess = "SUCCESS"
)

// paymentRequest is the body of /payment/auth, /payment/preauth and the 3DS
// initialize calls. Prices are decimal strings with a dot ("125.50").
type paymentRequest struct {
	Locale          string       `json:"locale"`
	ConversationID  string       `json:"conversationId"`
	Price           string       `json:"price"`
	PaidPrice       string       `json:"paidPrice"`
	Currency        string       `json:"currency"`
	Installment     int          `json:"installment"`
	BasketID        string       `json:"basketId"`
	PaymentChannel  string       `json:"paymentChannel"`
	PaymentGroup    string       `json:"paymentGroup"`
	CallbackURL     string       `json:"callbackUrl,omitempty"`
	PaymentCard     paymentCard  `json:"paymentCard"`
	Buyer           buyer        `json:"buyer"`
	ShippingAddress address      `json:"shippingAddress"`
	BillingAddress  address      `json:"billingAddress"`
	BasketItems     []basketItem `json:"basketItems"`
}

type paymentCard struct {
	CardHolderName string `json:"cardHolderName"`
	CardNumber     string `json:"cardNumber"`
	ExpireMonth    string `json:"expireMonth"`
	ExpireYear     string `json:"expireYear"`
	Cvc            string `json:"cvc"`
	RegisterCard   int    `json:"registerCard"`
}

type buyer struct {
	ID                  string `json:"id"`
	Name                string `json:"name"`
	Surname             string `json:"surname"`
	Email               string `json:"email"`
	IdentityNumber      string `json:"identityNumber"`
	RegistrationAddress string `json:"registrationAddress"`
	IP                  string `json:"ip"`
	City                string `json:"city"`
	Country             string `json:"country"`
}

type address struct {
	ContactName string `json:"contactName"`
	City        string `json:"city"`
	Country     string `json:"country"`
	Address     string `json:"address"`
}

type basketItem struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Category1 string `json:"category1"`
	ItemType  string `json:"itemType"`
	Price     string `json:"price"`
}

// postAuthRequest captures a pre-authorisation (/payment/postauth).
type postAuthRequest struct {
	Locale         string `json:"locale"`
	ConversationID string `json:"conversationId"`
	PaymentID      string `json:"paymentId"`
	PaidPrice      string `json:"paidPrice"`
	IP             string `json:"ip,omitempty"`
	Currency       string `json:"currency"`
}

// cancelRequest voids a payment the same day (/payment/cancel).
type cancelRequest struct {
	Locale         string `json:"locale"`
	ConversationID string `json:"conversationId"`
	PaymentID      string `json:"paymentId"`
	IP             string `json:"ip,omitempty"`
}

// refundRequest refunds an amount of a payment (/v2/payment/refund).
type refundRequest struct {
	Locale         string `json:"locale"`
	ConversationID string `json:"conversationId"`
	PaymentID      string `json:"paymentId"`
	Price          string `json:"price"`
	IP             string `json:"ip,omitempty"`
}

// detailRequest retrieves a payment by our conversation id (/payment/detail).
type detailRequest struct {
	Locale                string `json:"locale"`
	ConversationID        string `json:"conversationId"`
	PaymentConversationID string `json:"paymentConversationId"`
}

// threeDAuthRequest completes a 3DS payment (/payment/v2/3dsecure/auth); the
// v2 endpoint makes iyzico check paidPrice, basketId and currency against
// the initialize call.
type threeDAuthRequest struct {
	Locale           string `json:"locale"`
	ConversationID   string `json:"conversationId"`
	PaymentID        string `json:"paymentId"`
	ConversationData string `json:"conversationData,omitempty"`
	PaidPrice        string `json:"paidPrice"`
	BasketID         string `json:"basketId"`
	Currency         string `json:"currency"`
}

// installmentRequest asks for a BIN's installment plans.
type installmentRequest struct {
	Locale         string `json:"locale"`
	ConversationID string `json:"conversationId"`
	BinNumber      string `json:"binNumber"`
	Price          string `json:"price"`
}

// Response is every iyzico reply: the envelope (status, errorCode...) and
// the payment fields the endpoints Kasa uses return. Prices are JSON numbers.
type Response struct {
	Status         string `json:"status"`
	ErrorCode      string `json:"errorCode"`
	ErrorMessage   string `json:"errorMessage"`
	ErrorGroup     string `json:"errorGroup"`
	Locale         string `json:"locale"`
	SystemTime     int64  `json:"systemTime"`
	ConversationID string `json:"conversationId"`

	PaymentID        string            `json:"paymentId"`
	Price            json.Number       `json:"price"`
	PaidPrice        json.Number       `json:"paidPrice"`
	Currency         string            `json:"currency"`
	Installment      int               `json:"installment"`
	BasketID         string            `json:"basketId"`
	FraudStatus      int               `json:"fraudStatus"` // 1 ok, 0 under review, -1 refused
	PaymentStatus    string            `json:"paymentStatus"`
	Phase            string            `json:"phase"`
	AuthCode         string            `json:"authCode"`
	HostReference    string            `json:"hostReference"`
	LastFourDigits   string            `json:"lastFourDigits"`
	ItemTransactions []itemTransaction `json:"itemTransactions"`
	Signature        string            `json:"signature"`

	// /payment/detail: refund and cancel state. Named after iyzico's
	// reporting API (paymentRefundStatus, refundPrice); not verified against
	// /payment/detail itself.
	PaymentRefundStatus string      `json:"paymentRefundStatus"`
	RefundPrice         json.Number `json:"refundPrice"`

	ThreeDSHTMLContent string `json:"threeDSHtmlContent"`

	InstallmentDetails []installmentDetail `json:"installmentDetails"`
}

type itemTransaction struct {
	ItemID               string      `json:"itemId"`
	PaymentTransactionID string      `json:"paymentTransactionId"`
	TransactionStatus    int         `json:"transactionStatus"`
	Price                json.Number `json:"price"`
	PaidPrice            json.Number `json:"paidPrice"`
}

type installmentDetail struct {
	BinNumber         string             `json:"binNumber"`
	Price             json.Number        `json:"price"`
	CardType          string             `json:"cardType"`
	CardAssociation   string             `json:"cardAssociation"`
	CardFamilyName    string             `json:"cardFamilyName"`
	Force3DS          int                `json:"force3ds"`
	BankCode          int                `json:"bankCode"`
	BankName          string             `json:"bankName"`
	ForceCvc          int                `json:"forceCvc"`
	Commercial        int                `json:"commercial"`
	InstallmentPrices []installmentPrice `json:"installmentPrices"`
}

type installmentPrice struct {
	InstallmentPrice  json.Number `json:"installmentPrice"`
	TotalPrice        json.Number `json:"totalPrice"`
	InstallmentNumber int         `json:"installmentNumber"`
}

// ErrBadResponse means the reply was not a usable iyzico response. The
// provider may have acted, so callers treat it as Unknown.
var ErrBadResponse = errors.New("iyzico: unusable response")

// ParseResponse decodes a reply; a body that is not JSON or has no
// success/failure status is ErrBadResponse.
func ParseResponse(data []byte) (*Response, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrBadResponse)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var r Response
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadResponse, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data", ErrBadResponse)
	}
	if r.Status != statusSuccess && r.Status != statusFailure {
		return nil, fmt.Errorf("%w: status %q", ErrBadResponse, r.Status)
	}
	return &r, nil
}

// FormatPrice formats an amount the way iyzico takes prices: dot decimal
// with the currency's decimals ("125.50").
func FormatPrice(a money.Amount) string { return a.Decimal() }

// signedPrice is a price as iyzico puts it in a signature: a decimal
// without trailing zeros (Java's BigDecimal.stripTrailingZeros), "125.5"
// for 125.50 and "100" for 100.00.
func signedPrice(n json.Number, c money.Currency) (string, error) {
	a, err := parsePrice(n, c)
	if err != nil {
		return "", err
	}
	return a.DecimalTrimmed(), nil
}

// parsePrice reads a JSON price into minor units; more decimals than the
// currency has, exponents or signs are errors, never roundings.
func parsePrice(n json.Number, c money.Currency) (money.Amount, error) {
	s := n.String()
	if strings.ContainsAny(s, "eE+-") {
		return money.Amount{}, fmt.Errorf("%w: price %q", ErrBadResponse, s)
	}
	// Trailing zeros beyond the currency's decimals are harmless ("1.000").
	if i := strings.IndexByte(s, '.'); i >= 0 {
		for len(s)-i-1 > c.Exponent && strings.HasSuffix(s, "0") {
			s = s[:len(s)-1]
		}
		s = strings.TrimSuffix(s, ".")
	}
	a, err := money.ParseDecimal(s, c)
	if err != nil {
		return money.Amount{}, fmt.Errorf("%w: price %q", ErrBadResponse, n.String())
	}
	return a, nil
}
