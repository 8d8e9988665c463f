package posnet

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"

	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway/internal/posnetcore"
	"github.com/kasapos/kasa/internal/money"
)

// Order-id rules: orderID and XID are exactly 20 characters, left-padded
// with '0'; queries, reversals and refunds by order id use 24 characters:
// the prefix "TDSC" and the 20-character id for orders paid with 3D Secure,
// the id left-padded to 24 otherwise.
const (
	orderIDLen       = posnetcore.OrderIDLen
	threeDPrefix     = "TDSC"
	contentType      = "application/x-www-form-urlencoded; charset=ISO-8859-9"
	xmlHeader        = `<?xml version="1.0" encoding="ISO-8859-9"?>`
	formField        = "xmldata"
	singleInstalment = "00"
)

// currencyCodes are PosNet's two-letter currency codes.
var currencyCodes = map[string]string{
	money.TRY.Code: "TL",
	money.USD.Code: "US",
	money.EUR.Code: "EU",
	money.GBP.Code: "GB",
}

// CurrencyCode returns PosNet's code for c ("TL" for TRY), or "".
func CurrencyCode(c money.Currency) string { return currencyCodes[c.Code] }

// FormatAmount renders an amount as PosNet wants it: integer minor units
// (kuruş), no separator: 1.01 TRY → "101".
func FormatAmount(a money.Amount) string { return a.MinorString() }

// FormatInstallments renders installment: "00" for a single payment,
// otherwise the count zero-padded to two digits ("03").
func FormatInstallments(n int) string {
	if n <= 1 {
		return singleInstalment
	}
	return fmt.Sprintf("%02d", n)
}

// FormatExpiry renders expDate as YYMM.
func FormatExpiry(e card.Expiry) string { return e.YY() + e.MM() }

// errOrderID explains the order-id rule.
var errOrderID = fmt.Errorf("posnet: order id must be 1-%d letters, digits or '_'", orderIDLen)

// FormatOrderID left-pads an order id with '0' to the 20 characters PosNet
// requires.
func FormatOrderID(id string) (string, error) {
	if !validOrderID(id) {
		return "", errOrderID
	}
	return posnetcore.PadOrderID(id), nil
}

// PrefixedOrderID is the 24-character id of queries, reversals and refunds.
func PrefixedOrderID(id string, threeD bool) (string, error) {
	padded, err := FormatOrderID(id)
	if err != nil {
		return "", err
	}
	return posnetcore.PrefixOrderID(padded, threeD, threeDPrefix), nil
}

func validOrderID(id string) bool { return posnetcore.ValidOrderID(id) }

// Operation element names (the child of posnetRequest).
const (
	opSale        = "sale"
	opAuth        = "auth"
	opCapt        = "capt"
	opReverse     = "reverse"
	opReturn      = "return"
	opAgreement   = "agreement"
	opOOSRequest  = "oosRequestData"
	opOOSResolve  = "oosResolveMerchantData"
	opOOSTranData = "oosTranData"
)

// posnetRequest is the API request. Exactly one operation element is set.
type posnetRequest struct {
	XMLName          xml.Name        `xml:"posnetRequest"`
	MID              string          `xml:"mid"`
	TID              string          `xml:"tid"`
	TranDateRequired string          `xml:"tranDateRequired,omitempty"`
	Sale             *cardTxn        `xml:"sale"`
	Auth             *cardTxn        `xml:"auth"`
	Capt             *captTxn        `xml:"capt"`
	Reverse          *reverseTxn     `xml:"reverse"`
	Return           *returnTxn      `xml:"return"`
	Agreement        *agreementQuery `xml:"agreement"`
	OOSRequest       *oosRequestData `xml:"oosRequestData"`
	OOSResolve       *oosPackets     `xml:"oosResolveMerchantData"`
	OOSTranData      *oosPackets     `xml:"oosTranData"`
}

type cardTxn struct {
	OrderID      string `xml:"orderID"`
	Installment  string `xml:"installment"`
	Amount       string `xml:"amount"`
	CurrencyCode string `xml:"currencyCode"`
	CCNo         string `xml:"ccno"`
	ExpDate      string `xml:"expDate"`
	CVC          string `xml:"cvc"`
}

type captTxn struct {
	HostLogKey   string `xml:"hostLogKey"`
	Amount       string `xml:"amount"`
	CurrencyCode string `xml:"currencyCode"`
	Installment  string `xml:"installment"`
}

type reverseTxn struct {
	Transaction string `xml:"transaction"`
	HostLogKey  string `xml:"hostLogKey,omitempty"`
	OrderID     string `xml:"orderID,omitempty"`
	AuthCode    string `xml:"authCode,omitempty"`
}

type returnTxn struct {
	Amount       string `xml:"amount"`
	CurrencyCode string `xml:"currencyCode"`
	HostLogKey   string `xml:"hostLogKey,omitempty"`
	OrderID      string `xml:"orderID,omitempty"`
}

type agreementQuery struct {
	OrderID string `xml:"orderID"`
}

type oosRequestData struct {
	PosnetID       string `xml:"posnetid"`
	CCNo           string `xml:"ccno"`
	ExpDate        string `xml:"expDate"`
	CVC            string `xml:"cvc"`
	Amount         string `xml:"amount"`
	CurrencyCode   string `xml:"currencyCode"`
	Installment    string `xml:"installment"`
	XID            string `xml:"XID"`
	CardHolderName string `xml:"cardHolderName"`
	TranType       string `xml:"tranType"`
}

// oosPackets is oosResolveMerchantData and oosTranData: the bank's opaque
// callback packets sent back with the merchant's MAC.
type oosPackets struct {
	BankData     string `xml:"bankData"`
	MerchantData string `xml:"merchantData"`
	Sign         string `xml:"sign"`
	WPAmount     string `xml:"wpAmount,omitempty"`
	MAC          string `xml:"mac"`
}

// op names the request's operation, for errors.
func (r *posnetRequest) op() string {
	switch {
	case r.Sale != nil:
		return opSale
	case r.Auth != nil:
		return opAuth
	case r.Capt != nil:
		return opCapt
	case r.Reverse != nil:
		return opReverse
	case r.Return != nil:
		return opReturn
	case r.Agreement != nil:
		return opAgreement
	case r.OOSRequest != nil:
		return opOOSRequest
	case r.OOSResolve != nil:
		return opOOSResolve
	case r.OOSTranData != nil:
		return opOOSTranData
	}
	return ""
}

// encode renders the form body: xmldata=<ISO-8859-9 XML>, URL-encoded.
func (r *posnetRequest) encode() ([]byte, error) {
	if r.op() == "" {
		return nil, errors.New("posnet: request without an operation")
	}
	body, err := xml.Marshal(r)
	if err != nil {
		return nil, err
	}
	doc := append([]byte(xmlHeader), encodeLatin5(body)...)
	return []byte(url.Values{formField: {string(doc)}}.Encode()), nil
}
