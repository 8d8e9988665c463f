package interpos

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/money"
)

// InterVPOS transaction types (TxnType).
const (
	typeAuth          = "Auth"
	typePreAuth       = "PreAuth"
	typePostAuth      = "PostAuth"
	typeVoid          = "Void"
	typeRefund        = "Refund"
	typeStatusHistory = "StatusHistory"
)

// InterVPOS security types (SecureType). Every API call, including the
// provisioning of a 3D-model payment, is NonSecure; the 3D types appear
// only on gate forms.
const (
	secureNonSecure = "NonSecure"
	secure3DModel   = "3DModel"
	secure3DPay     = "3DPay"
	secure3DHost    = "3DHost"
)

// motoECommerce is MOTO=0: an e-commerce, not mail/telephone, order.
const motoECommerce = "0"

// contentType of API requests.
const contentType = "application/x-www-form-urlencoded; charset=utf-8"

// form is a request body with its fields in the order they are added, so
// that logs and tests see what the bank sees.
type form struct{ fields [][2]string }

func (f *form) add(k, v string) { f.fields = append(f.fields, [2]string{k, v}) }

func (f *form) get(k string) string {
	for _, kv := range f.fields {
		if kv[0] == k {
			return kv[1]
		}
	}
	return ""
}

func (f *form) encode() []byte {
	var b strings.Builder
	for i, kv := range f.fields {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(kv[0]))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(kv[1]))
	}
	return []byte(b.String())
}

// addCard adds the card fields; CardType only when the brand is one the
// bank numbers, as the field is optional.
func (f *form) addCard(c card.Card) {
	if t := CardType(c.PAN.Brand()); t != "" {
		f.add("CardType", t)
	}
	f.add("Pan", c.PAN.Reveal())
	f.add("Expiry", FormatExpiry(c.Expiry))
	f.add("Cvv2", c.CVV.Reveal())
}

// form starts an API request: credentials, TxnType and SecureType NonSecure.
func (g *Gateway) form(typ string) *form {
	f := &form{}
	f.add("ShopCode", g.shopCode)
	f.add("UserCode", g.userCode)
	f.add("UserPass", g.userPass)
	f.add("TxnType", typ)
	f.add("SecureType", secureNonSecure)
	return f
}

func txnType(capture bool) string {
	if capture {
		return typeAuth
	}
	return typePreAuth
}

// FormatAmount renders PurchAmount: a dot and exactly the currency's decimals
// ("125.50", "0.01"). The 3D form hash covers this exact text; never
// formatted from a float.
func FormatAmount(a money.Amount) string { return a.Decimal() }

// FormatInstallments renders InstallmentCount: empty for a single payment (0
// or 1), otherwise the count.
func FormatInstallments(n int) string {
	if n <= 1 {
		return ""
	}
	return strconv.Itoa(n)
}

// FormatExpiry renders Expiry as MMYY.
func FormatExpiry(e card.Expiry) string { return e.MM() + e.YY() }

// CardType is the bank's card type code: 0 Visa, 1 Mastercard, 2 American
// Express, 3 Troy; "" for a brand it does not number.
func CardType(b card.Brand) string {
	switch b {
	case card.Visa:
		return "0"
	case card.Mastercard:
		return "1"
	case card.Amex:
		return "2"
	case card.Troy:
		return "3"
	}
	return ""
}
