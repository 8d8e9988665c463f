package payflex

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/money"
)

const (
	contentType = "application/x-www-form-urlencoded; charset=UTF-8"
	formField   = "prmstr"
	// orderIDLen is the longest OrderId Kasa sends. The bank's limit is not
	// in the research notes; captured ids run from 12 to 35 characters, so
	// Kasa keeps to 24 letters, digits, '-' and '_'.
	orderIDLen = 24
)

// Transaction types of VposRequest.
const (
	TxSale    = "Sale"
	TxAuth    = "Auth" // pre-authorisation
	TxCapture = "Capture"
	TxCancel  = "Cancel"
	TxRefund  = "Refund"
)

// CurrencyCode returns the ISO 4217 numeric code PayFlex sends ("949"),
// or "" for a currency the adapter does not offer.
func CurrencyCode(c money.Currency) string {
	for _, x := range currencies {
		if x.Code == c.Code {
			return x.Numeric
		}
	}
	return ""
}

// FormatAmount renders CurrencyAmount and PurchaseAmount: major units, a dot
// and always two decimals (1.01 TRY → "1.01", 100 TRY → "100.00").
func FormatAmount(a money.Amount) string { return a.Decimal() }

// FormatCallbackAmount renders PurchAmount as the MPI posts it back:
// integer minor units ("101").
func FormatCallbackAmount(a money.Amount) string { return a.MinorString() }

// FormatExpiry renders the provisioning Expiry, YYYYMM.
func FormatExpiry(e card.Expiry) string { return e.YYYY() + e.MM() }

// FormatEnrollmentExpiry renders the enrollment ExpiryDate, YYMM.
func FormatEnrollmentExpiry(e card.Expiry) string { return e.YY() + e.MM() }

// FormatInstallments renders NumberOfInstallments and InstallmentCount: ""
// (the field is left out) for a single payment, otherwise the count.
func FormatInstallments(n int) string {
	if n <= 1 {
		return ""
	}
	return strconv.Itoa(n)
}

// BrandName is the enrollment's card scheme code: 100 Visa, 200
// Mastercard, 300 Troy, 400 Amex; "" when the scheme is unknown.
func BrandName(b card.Brand) string {
	switch b {
	case card.Visa:
		return "100"
	case card.Mastercard:
		return "200"
	case card.Troy:
		return "300"
	case card.Amex:
		return "400"
	}
	return ""
}

var errOrderID = fmt.Errorf("payflex: order id must be 1-%d letters, digits, '-' or '_'", orderIDLen)

func validOrderID(id string) bool {
	if id == "" || len(id) > orderIDLen {
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

// vposRequest is the provisioning document. Empty optional fields are left
// out, as the bank's samples do.
type vposRequest struct {
	XMLName                 xml.Name `xml:"VposRequest"`
	MerchantID              string   `xml:"MerchantId"`
	Password                string   `xml:"Password"`
	TerminalNo              string   `xml:"TerminalNo"`
	TransactionType         string   `xml:"TransactionType"`
	OrderID                 string   `xml:"OrderId,omitempty"`
	ReferenceTransactionID  string   `xml:"ReferenceTransactionId,omitempty"`
	CurrencyAmount          string   `xml:"CurrencyAmount,omitempty"`
	CurrencyCode            string   `xml:"CurrencyCode,omitempty"`
	Pan                     string   `xml:"Pan,omitempty"`
	Expiry                  string   `xml:"Expiry,omitempty"`
	Cvv                     string   `xml:"Cvv,omitempty"`
	NumberOfInstallments    string   `xml:"NumberOfInstallments,omitempty"`
	ECI                     string   `xml:"ECI,omitempty"`
	CAVV                    string   `xml:"CAVV,omitempty"`
	MpiTransactionID        string   `xml:"MpiTransactionId,omitempty"`
	ClientIP                string   `xml:"ClientIp,omitempty"`
	TransactionDeviceSource string   `xml:"TransactionDeviceSource,omitempty"`
}

// searchRequest is the status query of the Search endpoint.
type searchRequest struct {
	XMLName          xml.Name `xml:"SearchRequest"`
	MerchantCriteria struct {
		HostMerchantID   string `xml:"HostMerchantId"`
		MerchantPassword string `xml:"MerchantPassword"`
	} `xml:"MerchantCriteria"`
	TransactionCriteria struct {
		TransactionID string `xml:"TransactionId"`
		OrderID       string `xml:"OrderId"`
		AuthCode      string `xml:"AuthCode"`
	} `xml:"TransactionCriteria"`
}

// encodeForm renders prmstr=<document> (UTF-8, no XML declaration).
func encodeForm(doc any) ([]byte, error) {
	body, err := xml.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return []byte(url.Values{formField: {string(body)}}.Encode()), nil
}

// searchURL derives the Search endpoint from the provisioning one, since
// Kasa's endpoints hold two URLs: VakıfBank serves it at
// /UIService/Search.aspx next to /VposService, the v4 hosts (Ziraat,
// İşbank) at UIWebService/Search.aspx beside v3/Vposreq.aspx.
func searchURL(api string) (string, error) {
	u, err := url.Parse(api)
	if err != nil {
		return "", err
	}
	p := u.Path
	lower := strings.ToLower(p)
	switch {
	case strings.HasSuffix(lower, "/vposservice/v3/vposreq.aspx"):
		u.Path = p[:len(p)-len("/VposService/v3/Vposreq.aspx")] + "/UIService/Search.aspx"
	case strings.HasSuffix(lower, "/v3/vposreq.aspx"):
		u.Path = p[:len(p)-len("/v3/Vposreq.aspx")] + "/UIWebService/Search.aspx"
	default:
		return "", errors.New("payflex: API endpoint does not end in v3/Vposreq.aspx")
	}
	return u.String(), nil
}
