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
}

// ErrBadResponse means a reply Kasa cannot read; the bank may have acted.
var ErrBadResponse = errors.New("boa: unusable bank response")

// NewDecoder reads BOA XML, declared ISO-8859-1 (the documented charset),
// ISO-8859-9 or UTF-8.
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
