package posnetv1

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Response is a parsed reply of the JSON API.
type Response struct {
	ResponseCode        string // "00" (payments) or "0000" (inquiry) approves
	ResponseDescription string
	AuthCode            string
	ReferenceCode       string // the bank's HostLogKey
	InstallmentCount    string
	Transactions        []Transaction // TransactionInquiry, newest first
}

// Transaction is one record of a TransactionInquiry reply.
type Transaction struct {
	Amount            string // "1,75": major units, decimal comma
	AuthCode          string
	CardNo            string
	CurrencyCode      string
	HostLogKey        string
	OrderID           string
	TransactionDate   string
	TransactionStatus string // "1" counts
	TransactionType   string // Sale, Auth, Capture, Return, Reverse
}

// str accepts a JSON string or number; the bank sends both for numbers.
type str string

func (s *str) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*s = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = str(v)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*s = str(n)
	return nil
}

type rawResponse struct {
	ServiceResponseData *struct {
		ResponseCode        str `json:"ResponseCode"`
		ResponseDescription str `json:"ResponseDescription"`
	} `json:"ServiceResponseData"`
	AuthCode        str `json:"AuthCode"`
	ReferenceCode   str `json:"ReferenceCode"`
	InstallmentData *struct {
		InstallmentCount str `json:"InstallmentCount"`
	} `json:"InstallmentData"`
	TransactionData []struct {
		Amount            str `json:"Amount"`
		AuthCode          str `json:"AuthCode"`
		CardNo            str `json:"CardNo"`
		CurrencyCode      str `json:"CurrencyCode"`
		HostLogKey        str `json:"HostLogKey"`
		OrderID           str `json:"OrderId"`
		TransactionDate   str `json:"TransactionDate"`
		TransactionStatus str `json:"TransactionStatus"`
		TransactionType   str `json:"TransactionType"`
	} `json:"TransactionData"`
}

// ErrBadResponse means the reply was not usable; the bank may still have
// acted, so callers treat it as Unknown.
var ErrBadResponse = errors.New("posnetv1: unusable bank response")

// ParseResponse parses a reply. Without ServiceResponseData/ResponseCode
// there is no verdict, which is an error.
func ParseResponse(body []byte) (*Response, error) {
	var raw rawResponse
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadResponse, err)
	}
	if raw.ServiceResponseData == nil || strings.TrimSpace(string(raw.ServiceResponseData.ResponseCode)) == "" {
		return nil, fmt.Errorf("%w: no ResponseCode", ErrBadResponse)
	}
	t := func(s str) string { return strings.TrimSpace(string(s)) }
	r := &Response{
		ResponseCode:        t(raw.ServiceResponseData.ResponseCode),
		ResponseDescription: t(raw.ServiceResponseData.ResponseDescription),
		AuthCode:            t(raw.AuthCode),
		ReferenceCode:       t(raw.ReferenceCode),
	}
	if raw.InstallmentData != nil {
		r.InstallmentCount = t(raw.InstallmentData.InstallmentCount)
	}
	for _, x := range raw.TransactionData {
		r.Transactions = append(r.Transactions, Transaction{
			Amount: t(x.Amount), AuthCode: t(x.AuthCode), CardNo: t(x.CardNo), CurrencyCode: t(x.CurrencyCode),
			HostLogKey: t(x.HostLogKey), OrderID: t(x.OrderID), TransactionDate: t(x.TransactionDate),
			TransactionStatus: t(x.TransactionStatus), TransactionType: t(x.TransactionType),
		})
	}
	return r, nil
}
