package payfor

import (
	"encoding/xml"
	"strconv"

	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/money"
)

// PayFor transaction types (TxnType).
const (
	typeAuth         = "Auth"
	typePreAuth      = "PreAuth"
	typePostAuth     = "PostAuth"
	typeVoid         = "Void"
	typeRefund       = "Refund"
	typeOrderInquiry = "OrderInquiry"
	typeTxnHistory   = "TxnHistory"
)

// PayFor security types (SecureType).
const (
	secureNonSecure  = "NonSecure"
	secureInquiry    = "Inquiry"
	secureReport     = "Report"
	secure3DModel    = "3DModel"
	secure3DPay      = "3DPay"
	secure3DHost     = "3DHost"
	secure3DModelPay = "3DModelPayment" // provisioning after a 3DModel callback
)

const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// contentType of API requests; the XML is the raw body.
const contentType = "text/xml; charset=utf-8"

// payforRequest is the XMLGate request. Elements a request does not use are
// omitted rather than sent empty.
type payforRequest struct {
	XMLName          xml.Name `xml:"PayforRequest"`
	MbrID            string   `xml:"MbrId,omitempty"`
	MerchantID       string   `xml:"MerchantId,omitempty"`
	UserCode         string   `xml:"UserCode"`
	UserPass         string   `xml:"UserPass"`
	RequestGUID      string   `xml:"RequestGuid,omitempty"`
	MOTO             string   `xml:"MOTO,omitempty"`
	OrderID          string   `xml:"OrderId,omitempty"`
	OrgOrderID       string   `xml:"OrgOrderId,omitempty"`
	SecureType       string   `xml:"SecureType"`
	TxnType          string   `xml:"TxnType,omitempty"`
	PurchAmount      string   `xml:"PurchAmount,omitempty"`
	Currency         string   `xml:"Currency,omitempty"`
	InstallmentCount string   `xml:"InstallmentCount,omitempty"`
	Lang             string   `xml:"Lang,omitempty"`
	CardHolderName   string   `xml:"CardHolderName,omitempty"`
	Pan              string   `xml:"Pan,omitempty"`
	Expiry           string   `xml:"Expiry,omitempty"`
	Cvv2             string   `xml:"Cvv2,omitempty"`
}

func (r *payforRequest) encode() ([]byte, error) {
	body, err := xml.Marshal(r)
	if err != nil {
		return nil, err
	}
	return append([]byte(xmlHeader), body...), nil
}

func txnType(capture bool) string {
	if capture {
		return typeAuth
	}
	return typePreAuth
}

// FormatAmount renders PurchAmount: a dot and exactly the currency's decimals
// ("125.50", "0.01"). The 3D hash covers this exact text, so it must be the
// same string in the form and in the hash; never formatted from a float.
func FormatAmount(a money.Amount) string { return a.Decimal() }

// FormatInstallments renders InstallmentCount: "0" for a single payment (0 or
// 1), otherwise the count.
func FormatInstallments(n int) string {
	if n <= 1 {
		return "0"
	}
	return strconv.Itoa(n)
}

// FormatExpiry renders Expiry as MMYY.
func FormatExpiry(e card.Expiry) string { return e.MM() + e.YY() }
