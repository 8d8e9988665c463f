package payflex

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
)

// ErrBadResponse means the reply was not a usable PayFlex document. The
// bank may still have acted on the request, so callers treat it as Unknown.
var ErrBadResponse = errors.New("payflex: unusable bank response")

// Response is a parsed VposResponse.
type Response struct {
	TransactionType        string
	TransactionID          string
	ReferenceTransactionID string
	ResultCode             string // "0000" approved
	ResultDetail           string
	AuthCode               string
	Rrn                    string
	HostDate               string
	OrderID                string
	CurrencyAmount         string
	CurrencyCode           string
}

type rawResponse struct {
	XMLName                xml.Name `xml:"VposResponse"`
	TransactionType        string   `xml:"TransactionType"`
	TransactionID          string   `xml:"TransactionId"`
	ReferenceTransactionID string   `xml:"ReferenceTransactionId"`
	ResultCode             *string  `xml:"ResultCode"`
	ResultDetail           string   `xml:"ResultDetail"`
	AuthCode               string   `xml:"AuthCode"`
	Rrn                    string   `xml:"Rrn"`
	HostDate               string   `xml:"HostDate"`
	OrderID                string   `xml:"OrderId"`
	CurrencyAmount         string   `xml:"CurrencyAmount"`
	CurrencyCode           string   `xml:"CurrencyCode"`
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

// ParseResponse parses a VposResponse. A reply without a four-character
// ResultCode carries no verdict and is an error.
func ParseResponse(body []byte) (*Response, error) {
	var raw rawResponse
	if err := decode(body, &raw); err != nil {
		return nil, err
	}
	if raw.ResultCode == nil {
		return nil, fmt.Errorf("%w: no ResultCode", ErrBadResponse)
	}
	t := strings.TrimSpace
	r := &Response{
		TransactionType: t(raw.TransactionType), TransactionID: t(raw.TransactionID),
		ReferenceTransactionID: t(raw.ReferenceTransactionID), ResultCode: t(*raw.ResultCode),
		ResultDetail: t(raw.ResultDetail), AuthCode: t(raw.AuthCode), Rrn: t(raw.Rrn), HostDate: t(raw.HostDate),
		OrderID: t(raw.OrderID), CurrencyAmount: t(raw.CurrencyAmount), CurrencyCode: t(raw.CurrencyCode),
	}
	if len(r.ResultCode) != 4 {
		return nil, fmt.Errorf("%w: ResultCode %q", ErrBadResponse, r.ResultCode)
	}
	return r, nil
}

// SearchResponse is a parsed reply of the Search endpoint.
type SearchResponse struct {
	Status          string // ResponseInfo/Status: Success or Error
	ResponseCode    string
	ResponseMessage string
	Transactions    []SearchTransaction
}

// SearchTransaction is one TransactionSearchResultInfo record.
type SearchTransaction struct {
	TransactionType string
	TransactionID   string
	OrderID         string
	ResultCode      string
	AuthCode        string
	Rrn             string
	CurrencyAmount  string // "90.50"
	AmountCode      string // numeric currency
	IsCanceled      bool
	IsReversed      bool
	IsRefunded      bool
}

type rawSearch struct {
	ResponseInfo *struct {
		Status          string `xml:"Status"`
		ResponseCode    string `xml:"ResponseCode"`
		ResponseMessage string `xml:"ResponseMessage"`
	} `xml:"ResponseInfo"`
	Results struct {
		List []struct {
			TransactionType string `xml:"TransactionType"`
			TransactionID   string `xml:"TransactionId"`
			OrderID         string `xml:"OrderId"`
			ResultCode      string `xml:"ResultCode"`
			AuthCode        string `xml:"AuthCode"`
			Rrn             string `xml:"Rrn"`
			CurrencyAmount  string `xml:"CurrencyAmount"`
			AmountCode      string `xml:"AmountCode"`
			IsCanceled      string `xml:"IsCanceled"`
			IsReversed      string `xml:"IsReversed"`
			IsRefunded      string `xml:"IsRefunded"`
		} `xml:"TransactionSearchResultInfo"`
	} `xml:"TransactionSearchResultInfo"`
}

// ParseSearchResponse parses a Search reply. It must carry ResponseInfo
// with Status Success or Error.
func ParseSearchResponse(body []byte) (*SearchResponse, error) {
	var raw rawSearch
	if err := decode(body, &raw); err != nil {
		return nil, err
	}
	if raw.ResponseInfo == nil {
		return nil, fmt.Errorf("%w: no ResponseInfo", ErrBadResponse)
	}
	t := strings.TrimSpace
	r := &SearchResponse{Status: t(raw.ResponseInfo.Status), ResponseCode: t(raw.ResponseInfo.ResponseCode),
		ResponseMessage: t(raw.ResponseInfo.ResponseMessage)}
	if r.Status != "Success" && r.Status != "Error" {
		return nil, fmt.Errorf("%w: ResponseInfo status %q", ErrBadResponse, r.Status)
	}
	flag := func(s string) bool { return strings.EqualFold(t(s), "true") }
	for _, x := range raw.Results.List {
		r.Transactions = append(r.Transactions, SearchTransaction{
			TransactionType: t(x.TransactionType), TransactionID: t(x.TransactionID), OrderID: t(x.OrderID),
			ResultCode: t(x.ResultCode), AuthCode: t(x.AuthCode), Rrn: t(x.Rrn), CurrencyAmount: t(x.CurrencyAmount),
			AmountCode: t(x.AmountCode), IsCanceled: flag(x.IsCanceled), IsReversed: flag(x.IsReversed), IsRefunded: flag(x.IsRefunded),
		})
	}
	return r, nil
}

// Enrollment is a parsed MPI enrollment reply (VERes).
type Enrollment struct {
	Status       string // Y enrolled, N not enrolled, U unable, E error
	PaReq        string
	TermURL      string
	MD           string
	ACSURL       string
	ErrorCode    string // MessageErrorCode
	ErrorMessage string
}

type rawEnrollment struct {
	Message struct {
		VERes struct {
			Status  string `xml:"Status"`
			PaReq   string `xml:"PaReq"`
			TermURL string `xml:"TermUrl"`
			MD      string `xml:"MD"`
			ACSURL  string `xml:"ACSUrl"`
		} `xml:"VERes"`
	} `xml:"Message"`
	MessageErrorCode string `xml:"MessageErrorCode"`
	ErrorMessage     string `xml:"ErrorMessage"`
}

// ParseEnrollment parses the MPI's reply. A reply without a VERes status
// of Y, N, U or E is an error.
func ParseEnrollment(body []byte) (*Enrollment, error) {
	var raw rawEnrollment
	if err := decode(body, &raw); err != nil {
		return nil, err
	}
	t := strings.TrimSpace
	v := raw.Message.VERes
	e := &Enrollment{Status: t(v.Status), PaReq: t(v.PaReq), TermURL: t(v.TermURL), MD: t(v.MD), ACSURL: t(v.ACSURL),
		ErrorCode: t(raw.MessageErrorCode), ErrorMessage: t(raw.ErrorMessage)}
	switch e.Status {
	case "Y", "N", "U", "E":
	default:
		return nil, fmt.Errorf("%w: VERes status %q", ErrBadResponse, e.Status)
	}
	return e, nil
}
