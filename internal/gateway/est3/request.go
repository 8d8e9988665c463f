package est3

import (
	"encoding/xml"
	"strconv"

	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/money"
)

// EST transaction types (CC5Request/Type).
const (
	typeAuth     = "Auth"
	typePreAuth  = "PreAuth"
	typePostAuth = "PostAuth"
	typeVoid     = "Void"
	typeCredit   = "Credit"
)

// xmlHeader declares the charset the body is actually encoded in.
const xmlHeader = `<?xml version="1.0" encoding="ISO-8859-9"?>` + "\n"

// contentType of API requests; the XML is the raw body.
const contentType = "text/xml; charset=ISO-8859-9"

// cc5Request is the EST API request. Field order follows the bank's
// documentation; optional elements are pointers or omitempty so that an
// element is absent rather than empty where absence means something (a
// Credit without Total is a full refund).
type cc5Request struct {
	XMLName   xml.Name `xml:"CC5Request"`
	Name      string   `xml:"Name"`
	Password  string   `xml:"Password"`
	ClientID  string   `xml:"ClientId"`
	Type      string   `xml:"Type,omitempty"`
	IPAddress string   `xml:"IPAddress,omitempty"`
	Email     string   `xml:"Email,omitempty"`
	OrderID   string   `xml:"OrderId"`
	Total     string   `xml:"Total,omitempty"`
	Currency  string   `xml:"Currency,omitempty"`
	// Taksit is sent (possibly empty) on Auth/PreAuth only: "" is a single payment.
	Taksit  *string `xml:"Taksit"`
	Number  string  `xml:"Number,omitempty"`
	Expires string  `xml:"Expires,omitempty"`
	Cvv2Val string  `xml:"Cvv2Val,omitempty"`
	// 3D-model provisioning: Number carries the callback's md instead of a PAN.
	PayerTxnID              string  `xml:"PayerTxnId,omitempty"`
	PayerSecurityLevel      string  `xml:"PayerSecurityLevel,omitempty"`
	PayerAuthenticationCode string  `xml:"PayerAuthenticationCode,omitempty"`
	Mode                    string  `xml:"Mode,omitempty"`
	BillTo                  *billTo `xml:"BillTo"`
	Extra                   *extra  `xml:"Extra"`
}

type billTo struct {
	Name string `xml:"Name,omitempty"`
}

type extra struct {
	OrderStatus  string `xml:"ORDERSTATUS,omitempty"`
	OrderHistory string `xml:"ORDERHISTORY,omitempty"`
}

// encode renders the request as ISO-8859-9 XML with a matching declaration.
func (r *cc5Request) encode() ([]byte, error) {
	body, err := xml.Marshal(r)
	if err != nil {
		return nil, err
	}
	return append([]byte(xmlHeader), encodeLatin5(body)...), nil
}

// FormatAmount renders an amount the way Kasa sends it to EST: a dot and
// exactly the currency's decimals ("125.50", "0.01", "100.00"). EST also
// accepts the trimmed form ("125.5", "100") its reference library sends; the
// fixed form is chosen because it is unambiguous and stable, which matters
// once the same string is hashed into a 3D form (the hash covers the exact
// posted text). Never formatted from a float.
func FormatAmount(a money.Amount) string { return a.Decimal() }

// FormatInstallments renders Taksit: empty for a single payment (0 or 1),
// otherwise the count.
func FormatInstallments(n int) string {
	if n <= 1 {
		return ""
	}
	return strconv.Itoa(n)
}

// FormatExpiry renders Expires as MM/YY.
func FormatExpiry(e card.Expiry) string { return e.MM() + "/" + e.YY() }
