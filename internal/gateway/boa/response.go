package boa

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/kasapos/kasa/internal/gateway/latin5"
)

// Response is a VPosTransactionResponseContract: the reply to payments and
// provisioning, and (URL-encoded) the 3D authentication result.
type Response struct {
	XMLName         xml.Name `xml:"VPosTransactionResponseContract"`
	IsEnrolled      string   `xml:"IsEnrolled"`
	IsVirtual       string   `xml:"IsVirtual"`
	ResponseCode    string   `xml:"ResponseCode"`
	ResponseMessage string   `xml:"ResponseMessage"`
	OrderID         string   `xml:"OrderId"`
	TransactionTime string   `xml:"TransactionTime"`
	MerchantOrderID string   `xml:"MerchantOrderId"`
	HashData        string   `xml:"HashData"`
	MD              string   `xml:"MD"`
	ReferenceID     string   `xml:"ReferenceId"`
	BusinessKey     string   `xml:"BusinessKey"`
	ProvisionNumber string   `xml:"ProvisionNumber"`
	RRN             string   `xml:"RRN"`
	Stan            string   `xml:"Stan"`
	VPosMessage     struct {
		MerchantID          string `xml:"MerchantId"`
		InstallmentCount    string `xml:"InstallmentCount"`
		Amount              string `xml:"Amount"`
		CurrencyCode        string `xml:"CurrencyCode"`
		MerchantOrderID     string `xml:"MerchantOrderId"`
		TransactionSecurity string `xml:"TransactionSecurity"`
	} `xml:"VPosMessage"`
	// Orders is the VPosOrderData of an order query (Vakıf Katılım's
	// SelectOrderByMerchantOrderId and SelectOrder answer with this same
	// contract).
	Orders []OrderContract `xml:"VPosOrderData>OrderContract"`
}

// OrderContract is one order (or, in a history listing, one transaction of
// an order) as BOA's order queries report it. Its amounts are decimals
// ("125.50"), unlike the gate's kuruş; FEC is the 4-digit currency code.
type OrderContract struct {
	OrderID                      string `xml:"OrderId"`
	MerchantOrderID              string `xml:"MerchantOrderId"`
	OrderStatus                  string `xml:"OrderStatus"`
	OrderStatusDescription       string `xml:"OrderStatusDescription"`
	OrderType                    string `xml:"OrderType"`
	TransactionStatus            string `xml:"TransactionStatus"`
	TransactionStatusDescription string `xml:"TransactionStatusDescription"`
	LastOrderStatus              string `xml:"LastOrderStatus"`
	LastOrderStatusDescription   string `xml:"LastOrderStatusDescription"`
	EndOfDayStatus               string `xml:"EndOfDayStatus"`
	FEC                          string `xml:"FEC"`
	TransactionSecurity          string `xml:"TransactionSecurity"`
	CardNumber                   string `xml:"CardNumber"`
	OrderDate                    string `xml:"OrderDate"`
	FirstAmount                  string `xml:"FirstAmount"`
	TranAmount                   string `xml:"TranAmount"`
	CancelAmount                 string `xml:"CancelAmount"`
	DrawbackAmount               string `xml:"DrawbackAmount"`
	ClosedAmount                 string `xml:"ClosedAmount"`
	InstallmentCount             string `xml:"InstallmentCount"`
	ResponseCode                 string `xml:"ResponseCode"`
	ResponseExplain              string `xml:"ResponseExplain"`
	ProvNumber                   string `xml:"ProvNumber"`
	RRN                          string `xml:"RRN"`
	Stan                         string `xml:"Stan"`
}

// ErrBadResponse means a reply Kasa cannot read; the bank may have acted.
var ErrBadResponse = errors.New("boa: unusable bank response")

// NewDecoder reads BOA XML, declared ISO-8859-1 (the documented charset),
// ISO-8859-9, UTF-8, or UTF-16 over 8-bit text.
func NewDecoder(body []byte) *xml.Decoder {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		switch strings.ToLower(strings.TrimSpace(label)) {
		case "iso-8859-1", "iso8859-1", "latin1":
			data, err := io.ReadAll(in)
			if err != nil {
				return nil, err
			}
			var b strings.Builder
			for _, c := range data {
				b.WriteRune(rune(c))
			}
			return strings.NewReader(b.String()), nil
		case "utf-16", "utf-16le", "utf-16be":
			// Vakıf Katılım's order queries declare utf-16 and send
			// UTF-8: a decoder that read the declaration at all was
			// given 8-bit text.
			return in, nil
		}
		return latin5.CharsetReader(label, in)
	}
	return dec
}

// ParseResponse parses a VPosTransactionResponseContract. A reply without a
// ResponseCode carries no verdict and is an error.
func ParseResponse(body []byte) (*Response, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrBadResponse)
	}
	var r Response
	if err := NewDecoder(body).Decode(&r); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadResponse, err)
	}
	r.ResponseCode = strings.TrimSpace(r.ResponseCode)
	if r.ResponseCode == "" {
		return nil, fmt.Errorf("%w: no ResponseCode", ErrBadResponse)
	}
	return &r, nil
}
