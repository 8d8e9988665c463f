package paytr

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kasapos/kasa/internal/money"
)

// ErrBadResponse means a reply was not a usable PayTR JSON document.
var ErrBadResponse = errors.New("paytr: unusable response")

// Paths below the API base (https://www.paytr.com).
const (
	PathGetToken = "/odeme/api/get-token"
	PathIframe   = "/odeme/guvenli/" // + token
	PathRefund   = "/odeme/iade"
	PathStatus   = "/odeme/durum-sorgu"
	PathBIN      = "/odeme/api/bin-detail"
)

// CurrencyCode is PayTR's currency field: TL, USD, EUR, GBP; "" if PayTR
// does not take c.
func CurrencyCode(c money.Currency) string {
	switch c.Code {
	case money.TRY.Code:
		return "TL"
	case money.USD.Code, money.EUR.Code, money.GBP.Code:
		return c.Code
	}
	return ""
}

// ParseCurrencyCode reads PayTR's currency field ("TL" or "TRY" for lira).
func ParseCurrencyCode(s string) (money.Currency, bool) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "TL", "TRY":
		return money.TRY, true
	case "USD":
		return money.USD, true
	case "EUR":
		return money.EUR, true
	case "GBP":
		return money.GBP, true
	}
	return money.Currency{}, false
}

// FormatAmount is payment_amount: integer minor units (kuruş), "12550".
func FormatAmount(a money.Amount) string { return a.MinorString() }

// FormatReturnAmount is the refund API's return_amount: major units with a
// dot and two decimals, "125.50".
func FormatReturnAmount(a money.Amount) string { return a.Decimal() }

// ParseMinor reads an integer kuruş amount as notifications carry them
// (total_amount, payment_amount): digits only, no sign, no separator.
func ParseMinor(s string, c money.Currency) (money.Amount, error) {
	if s == "" || len(s) > 15 {
		return money.Amount{}, fmt.Errorf("%w: amount %q", ErrBadResponse, s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return money.Amount{}, fmt.Errorf("%w: amount %q", ErrBadResponse, s)
		}
	}
	return money.ParseMinor(s, c)
}

// Basket is user_basket: base64 of a JSON array of [name, unit price,
// quantity] items, the price a decimal string. Kasa knows no line items, so
// the order is one item for the whole amount.
func Basket(name string, a money.Amount) string {
	b, _ := json.Marshal([][]any{{name, a.Decimal(), 1}})
	return base64.StdEncoding.EncodeToString(b)
}

// flexString accepts a JSON string or number (PayTR's replies use both for
// amounts and codes) and keeps its text.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("not a string or number: %s", b)
		}
		*f = flexString(n.String())
	}
	return nil
}

func decode(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return fmt.Errorf("%w: empty body", ErrBadResponse)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%w: %v", ErrBadResponse, err)
	}
	return nil
}

// TokenReply is get-token's answer.
type TokenReply struct {
	Status string // "success" or "failed"
	Token  string
	Reason string
}

// ParseTokenReply parses get-token's JSON. A success must carry a token
// usable in a URL path; anything but success or failed is unusable.
func ParseTokenReply(body []byte) (*TokenReply, error) {
	var raw struct {
		Status flexString `json:"status"`
		Token  flexString `json:"token"`
		Reason flexString `json:"reason"`
	}
	if err := decode(body, &raw); err != nil {
		return nil, err
	}
	r := &TokenReply{Status: string(raw.Status), Token: string(raw.Token), Reason: string(raw.Reason)}
	switch r.Status {
	case "success":
		if !validToken(r.Token) {
			return nil, fmt.Errorf("%w: success without a usable token", ErrBadResponse)
		}
	case "failed", "error":
	default:
		return nil, fmt.Errorf("%w: status %q", ErrBadResponse, r.Status)
	}
	return r, nil
}

// validToken accepts 1-256 letters, digits, '-' and '_': the token goes
// into the iframe URL's path.
func validToken(t string) bool {
	if t == "" || len(t) > 256 {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// ErrorReply is the error shape of the refund and status APIs.
type ErrorReply struct {
	ErrNo  string
	ErrMsg string
}

// RefundReply is the refund API's answer.
type RefundReply struct {
	Status       string // "success", otherwise an error
	MerchantOID  string
	ReturnAmount string // as echoed, decimal
	IsTest       string
	ErrorReply
}

// ParseRefundReply parses the refund API's JSON.
func ParseRefundReply(body []byte) (*RefundReply, error) {
	var raw struct {
		Status       flexString `json:"status"`
		MerchantOID  flexString `json:"merchant_oid"`
		ReturnAmount flexString `json:"return_amount"`
		IsTest       flexString `json:"is_test"`
		ErrNo        flexString `json:"err_no"`
		ErrMsg       flexString `json:"err_msg"`
	}
	if err := decode(body, &raw); err != nil {
		return nil, err
	}
	r := &RefundReply{Status: string(raw.Status), MerchantOID: string(raw.MerchantOID), ReturnAmount: string(raw.ReturnAmount),
		IsTest: string(raw.IsTest), ErrorReply: ErrorReply{ErrNo: string(raw.ErrNo), ErrMsg: string(raw.ErrMsg)}}
	if r.Status == "" {
		return nil, fmt.Errorf("%w: no status", ErrBadResponse)
	}
	return r, nil
}

// StatusReply is the status inquiry's answer.
type StatusReply struct {
	Status        string // "success" or "error"
	PaymentAmount string // decimal, major units
	PaymentTotal  string // decimal, may include instalment interest
	Currency      string
	Returns       []string // refunded amounts, decimal
	ErrorReply
}

// ParseStatusReply parses the status inquiry's JSON. The shape of
// "returns" is not documented in what Kasa could check: an array of objects
// with return_amount (or an object of such objects) is read; empty values
// mean no refunds; anything else is unusable.
func ParseStatusReply(body []byte) (*StatusReply, error) {
	var raw struct {
		Status        flexString      `json:"status"`
		PaymentAmount flexString      `json:"payment_amount"`
		PaymentTotal  flexString      `json:"payment_total"`
		Currency      flexString      `json:"currency"`
		Returns       json.RawMessage `json:"returns"`
		ErrNo         flexString      `json:"err_no"`
		ErrMsg        flexString      `json:"err_msg"`
	}
	if err := decode(body, &raw); err != nil {
		return nil, err
	}
	r := &StatusReply{Status: string(raw.Status), PaymentAmount: string(raw.PaymentAmount), PaymentTotal: string(raw.PaymentTotal),
		Currency: string(raw.Currency), ErrorReply: ErrorReply{ErrNo: string(raw.ErrNo), ErrMsg: string(raw.ErrMsg)}}
	if r.Status == "" {
		return nil, fmt.Errorf("%w: no status", ErrBadResponse)
	}
	if r.Status != "success" {
		return r, nil
	}
	type ret struct {
		ReturnAmount flexString `json:"return_amount"`
	}
	rs := bytes.TrimSpace(raw.Returns)
	switch {
	case len(rs) == 0 || string(rs) == "null" || string(rs) == `""` || string(rs) == "[]" || string(rs) == "{}" || string(rs) == "false":
	case rs[0] == '[':
		var list []ret
		if err := json.Unmarshal(rs, &list); err != nil {
			return nil, fmt.Errorf("%w: returns: %v", ErrBadResponse, err)
		}
		for _, x := range list {
			r.Returns = append(r.Returns, string(x.ReturnAmount))
		}
	case rs[0] == '{':
		var m map[string]ret
		if err := json.Unmarshal(rs, &m); err != nil {
			return nil, fmt.Errorf("%w: returns: %v", ErrBadResponse, err)
		}
		for _, x := range m {
			r.Returns = append(r.Returns, string(x.ReturnAmount))
		}
	default:
		return nil, fmt.Errorf("%w: returns %.40s", ErrBadResponse, rs)
	}
	return r, nil
}

// ParseDecimal reads a decimal amount of the JSON APIs ("125.50", "125.5",
// "125"); a comma is taken as the decimal mark too.
func ParseDecimal(s string, c money.Currency) (money.Amount, error) {
	if strings.Count(s, ",")+strings.Count(s, ".") > 1 || strings.HasPrefix(strings.TrimSpace(s), "-") {
		return money.Amount{}, fmt.Errorf("%w: amount %q", ErrBadResponse, s)
	}
	a, err := money.ParseDecimal(s, c)
	if err != nil {
		return money.Amount{}, fmt.Errorf("%w: amount %q", ErrBadResponse, s)
	}
	return a, nil
}

// itoa is strconv.Itoa, for request fields.
func itoa(n int) string { return strconv.Itoa(n) }
