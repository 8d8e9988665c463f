package posnetv1

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"

	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway/internal/posnetcore"
	"github.com/kasapos/kasa/internal/money"
)

// Order ids are 20 characters, left-padded with '0'. Inquiries, reversals
// and refunds by order id use 24: "TDS_" and the 20 for 3D Secure orders,
// the id left-padded to 24 otherwise.
const (
	orderIDLen   = posnetcore.OrderIDLen
	threeDPrefix = "TDS_"
	apiType      = "JSON"
	apiVersion   = "V100"
)

// Endpoint operations, appended to the API URL ("…/MerchantJSONAPI.svc/Sale").
const (
	opSale    = "Sale"
	opAuth    = "Auth"
	opCapture = "Capture"
	opReverse = "Reverse"
	opReturn  = "Return"
	opInquiry = "TransactionInquiry"
)

var currencyCodes = map[string]string{
	money.TRY.Code: "TL",
	money.USD.Code: "US",
	money.EUR.Code: "EU",
	money.GBP.Code: "GB",
}

// CurrencyCode returns the two-letter code of c ("TL" for TRY), or "".
func CurrencyCode(c money.Currency) string { return currencyCodes[c.Code] }

// FormatAmount renders integer minor units: 1.75 TRY → "175".
func FormatAmount(a money.Amount) string { return a.MinorString() }

// FormatInstallments renders InstallmentCount: "0" for a single payment,
// else the count.
func FormatInstallments(n int) string {
	if n <= 1 {
		return "0"
	}
	return strconv.Itoa(n)
}

// installmentType is "Y" for an installment sale.
func installmentType(n int) string {
	if n > 1 {
		return "Y"
	}
	return "N"
}

// FormatExpiry renders ExpireDate as YYMM.
func FormatExpiry(e card.Expiry) string { return e.YY() + e.MM() }

var errOrderID = fmt.Errorf("posnetv1: order id must be 1-%d letters, digits or '_'", orderIDLen)

// FormatOrderID left-pads an order id with '0' to 20 characters.
func FormatOrderID(id string) (string, error) {
	if !validOrderID(id) {
		return "", errOrderID
	}
	return posnetcore.PadOrderID(id), nil
}

// PrefixedOrderID is the 24-character id of inquiries, reversals and refunds.
func PrefixedOrderID(id string, threeD bool) (string, error) {
	padded, err := FormatOrderID(id)
	if err != nil {
		return "", err
	}
	return posnetcore.PrefixOrderID(padded, threeD, threeDPrefix), nil
}

func validOrderID(id string) bool { return posnetcore.ValidOrderID(id) }

// MAC is the PosNet V1 signature: base64(SHA-256(v1 + v2 + … + ENCKEY)),
// the values concatenated without separator in the order the MAC's
// parameter list names them.
func MAC(encKey string, values ...string) string {
	h := sha256.New()
	for _, v := range values {
		h.Write([]byte(v))
	}
	h.Write([]byte(encKey))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

func macEqual(want, got string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// MAC parameter lists, fixed per request kind as the bank documents them.
const (
	macParamsCard      = "MerchantNo:TerminalNo:CardNo:Cvc2:ExpireDate:Amount"
	macParams3D        = "MerchantNo:TerminalNo:SecureTransactionId:CavvData:Eci:MdStatus"
	macParamsTerminal  = "MerchantNo:TerminalNo"
	macParamsReference = "MerchantNo:TerminalNo:ReferenceCode:OrderId"
	// CallbackMACParams is the only list Verify3D accepts; the callback's own
	// MacParams is ignored.
	CallbackMACParams = "ECI:CAVV:MdStatus:MdErrorMessage:MD:SecureTransactionId"
)

type cardInfo struct {
	CardNo         string `json:"CardNo"`
	ExpireDate     string `json:"ExpireDate"`
	Cvc2           string `json:"Cvc2"`
	CardHolderName string `json:"CardHolderName"`
}

type threeDData struct {
	SecureTransactionID string `json:"SecureTransactionId"`
	CavvData            string `json:"CavvData"`
	Eci                 string `json:"Eci"`
	MdStatus            int    `json:"MdStatus"`
	MD                  string `json:"MD"`
}

// request is the JSON body of every API call; unused parts are omitted.
type request struct {
	ApiType               string      `json:"ApiType"`
	ApiVersion            string      `json:"ApiVersion"`
	MerchantNo            string      `json:"MerchantNo"`
	TerminalNo            string      `json:"TerminalNo"`
	MACParams             string      `json:"MACParams"`
	MAC                   string      `json:"MAC"`
	IsEncrypted           string      `json:"IsEncrypted,omitempty"`
	PaymentInstrumentType string      `json:"PaymentInstrumentType,omitempty"`
	IsMailOrder           string      `json:"IsMailOrder,omitempty"`
	IsTDSecureMerchant    string      `json:"IsTDSecureMerchant,omitempty"`
	CardInformationData   *cardInfo   `json:"CardInformationData,omitempty"`
	ThreeDSecureData      *threeDData `json:"ThreeDSecureData,omitempty"`
	Amount                string      `json:"Amount,omitempty"`
	CurrencyCode          string      `json:"CurrencyCode,omitempty"`
	PointAmount           *int        `json:"PointAmount,omitempty"`
	OrderID               string      `json:"OrderId,omitempty"`
	ReferenceCode         string      `json:"ReferenceCode,omitempty"`
	TransactionType       string      `json:"TransactionType,omitempty"`
	InstallmentCount      string      `json:"InstallmentCount,omitempty"`
	InstallmentType       string      `json:"InstallmentType,omitempty"`
}
