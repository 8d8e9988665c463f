package payflexcp

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"

	"github.com/kasapos/kasa/internal/money"
)

// ErrBadResponse means the reply was not a usable Common Payment document.
var ErrBadResponse = errors.New("payflexcp: unusable bank response")

// Register is a parsed RegisterTransaction reply.
type Register struct {
	CommonPaymentURL string
	PaymentToken     string
	ErrorCode        string
	ResponseMessage  string
}

// ParseRegister parses a RegisterResponse: a token and page address, or
// an ErrorCode. A reply with neither is an error.
func ParseRegister(body []byte) (*Register, error) {
	var raw struct {
		XMLName          xml.Name `xml:"RegisterResponse"`
		CommonPaymentURL string   `xml:"CommonPaymentUrl"`
		PaymentToken     string   `xml:"PaymentToken"`
		ErrorCode        string   `xml:"ErrorCode"`
		ResponseMessage  string   `xml:"ResponseMessage"`
	}
	if err := decode(body, &raw); err != nil {
		return nil, err
	}
	t := strings.TrimSpace
	r := &Register{CommonPaymentURL: t(raw.CommonPaymentURL), PaymentToken: t(raw.PaymentToken),
		ErrorCode: t(raw.ErrorCode), ResponseMessage: t(raw.ResponseMessage)}
	if r.ErrorCode == "" && (r.PaymentToken == "" || r.CommonPaymentURL == "") {
		return nil, fmt.Errorf("%w: RegisterResponse without a token or an ErrorCode", ErrBadResponse)
	}
	return r, nil
}

// Transaction is a parsed VposTransaction (query) reply: the bank's record
// of a Common Payment transaction.
type Transaction struct {
	Rc               string // "0000" approved
	Message          string
	ErrorCode        string
	AuthCode         string
	Rrn              string
	TransactionID    string
	PaymentToken     string
	MaskedPan        string
	HostMerchantID   string
	AmountCode       string
	Amount           string // "1,01": decimal comma
	TransactionType  string // Sale or Auth
	OrderID          string
	InstallmentCount string
	HostDate         string
}

// ParseTransaction parses a query reply. One without Rc and ErrorCode has
// no verdict and is an error.
func ParseTransaction(body []byte) (*Transaction, error) {
	var raw struct {
		Rc               string `xml:"Rc"`
		Message          string `xml:"Message"`
		ErrorCode        string `xml:"ErrorCode"`
		AuthCode         string `xml:"AuthCode"`
		Rrn              string `xml:"Rrn"`
		TransactionID    string `xml:"TransactionId"`
		PaymentToken     string `xml:"PaymentToken"`
		MaskedPan        string `xml:"MaskedPan"`
		HostMerchantID   string `xml:"HostMerchantId"`
		AmountCode       string `xml:"AmountCode"`
		Amount           string `xml:"Amount"`
		TransactionType  string `xml:"TransactionType"`
		OrderID          string `xml:"OrderID"`
		InstallmentCount string `xml:"InstallmentCount"`
		HostDate         string `xml:"HostDate"`
	}
	if err := decode(body, &raw); err != nil {
		return nil, err
	}
	t := strings.TrimSpace
	r := &Transaction{Rc: t(raw.Rc), Message: t(raw.Message), ErrorCode: t(raw.ErrorCode), AuthCode: t(raw.AuthCode),
		Rrn: t(raw.Rrn), TransactionID: t(raw.TransactionID), PaymentToken: t(raw.PaymentToken), MaskedPan: t(raw.MaskedPan),
		HostMerchantID: t(raw.HostMerchantID), AmountCode: t(raw.AmountCode), Amount: t(raw.Amount),
		TransactionType: t(raw.TransactionType), OrderID: t(raw.OrderID), InstallmentCount: t(raw.InstallmentCount),
		HostDate: t(raw.HostDate)}
	if r.Rc == "" && r.ErrorCode == "" {
		return nil, fmt.Errorf("%w: no Rc or ErrorCode", ErrBadResponse)
	}
	return r, nil
}

// ParseAmount reads the query's amount, major units with a decimal comma
// ("1,01"); a dot is taken as the decimal mark too.
func ParseAmount(s string, c money.Currency) (money.Amount, error) {
	if strings.Count(s, ",")+strings.Count(s, ".") > 1 {
		return money.Amount{}, fmt.Errorf("%w: amount %q", ErrBadResponse, s)
	}
	a, err := money.ParseDecimal(strings.Replace(s, ",", ".", 1), c)
	if err != nil {
		return money.Amount{}, fmt.Errorf("%w: amount %q", ErrBadResponse, s)
	}
	return a, nil
}

func decode(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return fmt.Errorf("%w: empty body", ErrBadResponse)
	}
	if err := xml.NewDecoder(bytes.NewReader(body)).Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrBadResponse, err)
	}
	return nil
}
