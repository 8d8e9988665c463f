package garanti

import (
	"encoding/xml"
	"strconv"

	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/money"
)

// GVPS transaction types (Transaction/Type and the gate's txntype).
const (
	typeSales        = "sales"
	typePreAuth      = "preauth"
	typePostAuth     = "postauth"
	typeVoid         = "void"
	typeRefund       = "refund"
	typeOrderInq     = "orderinq"
	typeOrderHistInq = "orderhistoryinq"
)

// Provisioning users. Garanti names them by role; each has its own password.
const (
	userAut = "PROVAUT" // sales, pre-auth, capture, queries, 3D form
	userRfn = "PROVRFN" // void and refund
	userOOS = "PROVOOS" // the hosted payment page (OOS_PAY)
)

// apiVersion selects the SHA-512 HashData scheme on the API and the gate.
const apiVersion = "512"

// fixedAmount is what Garanti wants in Amount for void and the queries,
// which carry no real amount but hash one (research §5: always 100 kuruş).
const fixedAmount = "100"

// CardholderPresentCode values.
const (
	presentECommerce = "0"
	present3D        = "13"
)

const contentType = "text/xml; charset=UTF-8"

const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// gvpsRequest is the API request, in the element order of the bank's guide.
type gvpsRequest struct {
	XMLName     xml.Name    `xml:"GVPSRequest"`
	Mode        string      `xml:"Mode"`
	Version     string      `xml:"Version"`
	Terminal    terminal    `xml:"Terminal"`
	Customer    customer    `xml:"Customer"`
	Card        *cardData   `xml:"Card"`
	Order       order       `xml:"Order"`
	Transaction transaction `xml:"Transaction"`
}

type terminal struct {
	ProvUserID string `xml:"ProvUserID"`
	HashData   string `xml:"HashData"`
	UserID     string `xml:"UserID"`
	ID         string `xml:"ID"`
	MerchantID string `xml:"MerchantID"`
}

type customer struct {
	IPAddress    string `xml:"IPAddress"`
	EmailAddress string `xml:"EmailAddress"`
}

type cardData struct {
	Number     string `xml:"Number"`
	ExpireDate string `xml:"ExpireDate"`
	CVV2       string `xml:"CVV2"`
}

type order struct {
	OrderID     string `xml:"OrderID"`
	GroupID     string `xml:"GroupID"`
	Description string `xml:"Description,omitempty"`
}

type transaction struct {
	Type                  string    `xml:"Type"`
	InstallmentCnt        string    `xml:"InstallmentCnt"`
	Amount                string    `xml:"Amount"`
	CurrencyCode          string    `xml:"CurrencyCode"`
	CardholderPresentCode string    `xml:"CardholderPresentCode"`
	MotoInd               string    `xml:"MotoInd"`
	OriginalRetrefNum     string    `xml:"OriginalRetrefNum,omitempty"`
	Secure3D              *secure3D `xml:"Secure3D"`
}

type secure3D struct {
	AuthenticationCode string `xml:"AuthenticationCode"`
	SecurityLevel      string `xml:"SecurityLevel"`
	TxnID              string `xml:"TxnID"`
	Md                 string `xml:"Md"`
}

func (r *gvpsRequest) encode() ([]byte, error) {
	body, err := xml.Marshal(r)
	if err != nil {
		return nil, err
	}
	return append([]byte(xmlHeader), body...), nil
}

// FormatAmount renders Amount / txnamount: integer minor units with no
// separator ("125.50 TRY" → "12550"). Never formatted from a float.
func FormatAmount(a money.Amount) string { return a.MinorString() }

// FormatInstallments renders InstallmentCnt / txninstallmentcount: empty
// for a single payment (0 or 1), otherwise the count.
func FormatInstallments(n int) string {
	if n <= 1 {
		return ""
	}
	return strconv.Itoa(n)
}

// FormatExpiry renders Card/ExpireDate as MMYY.
func FormatExpiry(e card.Expiry) string { return e.MM() + e.YY() }
