package akbank

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Response is a parsed API reply. Only the fields Kasa uses are kept.
type Response struct {
	TxnCode          string
	ResponseCode     string // "VPS-0000" approved; VPS-xxxx otherwise
	ResponseMessage  string
	HostResponseCode string // issuer's ISO 8583 code, when the issuer answered
	HostMessage      string
	TxnDateTime      string
	OrderID          string
	AuthCode         string
	RRN              string
	BatchNumber      string
	Details          []TxnDetail // txnDetailList of an order-history reply
}

// TxnDetail is one transaction of an order-history reply. Amounts are kept
// as the decimal text the bank sent (it sends JSON numbers such as 1.01 or
// 30), to be parsed into minor units without a float.
type TxnDetail struct {
	TxnCode            string
	ResponseCode       string
	HostResponseCode   string
	TxnStatus          string // N normal, V cancelled, R reversed, S suspect
	PreAuthStatus      string // O open, C closed (captured)
	PreAuthCloseAmount string
	Amount             string
	CurrencyCode       string
	InstallCount       string
	OrderID            string
	OrgOrderID         string
	AuthCode           string
	RRN                string
	TxnDateTime        string
}

// text accepts a JSON string, number or null as text: Akbank sends rrn as a
// string in one reply and batchNumber as a number in the same block, and
// history amounts as numbers. Numbers keep their exact literal.
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*t = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = text(s)
	case len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')):
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*t = text(n)
	default:
		return fmt.Errorf("akbank: unexpected JSON value %.20s", b)
	}
	return nil
}

type rawResponse struct {
	TxnCode          text  `json:"txnCode"`
	ResponseCode     *text `json:"responseCode"`
	ResponseMessage  text  `json:"responseMessage"`
	HostResponseCode text  `json:"hostResponseCode"`
	HostMessage      text  `json:"hostMessage"`
	TxnDateTime      text  `json:"txnDateTime"`
	Order            struct {
		OrderID text `json:"orderId"`
	} `json:"order"`
	Transaction struct {
		AuthCode    text `json:"authCode"`
		RRN         text `json:"rrn"`
		BatchNumber text `json:"batchNumber"`
	} `json:"transaction"`
	TxnDetailList []rawDetail `json:"txnDetailList"`
}

type rawDetail struct {
	TxnCode            text `json:"txnCode"`
	ResponseCode       text `json:"responseCode"`
	HostResponseCode   text `json:"hostResponseCode"`
	TxnStatus          text `json:"txnStatus"`
	PreAuthStatus      text `json:"preAuthStatus"`
	PreAuthCloseAmount text `json:"preAuthCloseAmount"`
	Amount             text `json:"amount"`
	CurrencyCode       text `json:"currencyCode"`
	InstallCount       text `json:"installCount"`
	OrderID            text `json:"orderId"`
	OrgOrderID         text `json:"orgOrderId"`
	AuthCode           text `json:"authCode"`
	RRN                text `json:"rrn"`
	TxnDateTime        text `json:"txnDateTime"`
}

// ErrBadResponse means the reply was not a usable Akbank reply. The bank may
// still have acted on the request, so callers treat it as Unknown.
var ErrBadResponse = errors.New("akbank: unusable bank response")

// maxDetails bounds txnDetailList; the bank caps a listing at 9999.
const maxDetails = 9999

func trim(t text) string { return strings.TrimSpace(string(t)) }

// ParseResponse parses an API reply. A reply without responseCode is an
// error: without a verdict nothing can be concluded.
func ParseResponse(body []byte) (*Response, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrBadResponse)
	}
	var raw rawResponse
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadResponse, err)
	}
	if raw.ResponseCode == nil || trim(*raw.ResponseCode) == "" {
		return nil, fmt.Errorf("%w: no responseCode", ErrBadResponse)
	}
	if len(raw.TxnDetailList) > maxDetails {
		return nil, fmt.Errorf("%w: %d transactions listed", ErrBadResponse, len(raw.TxnDetailList))
	}
	r := &Response{
		TxnCode:          trim(raw.TxnCode),
		ResponseCode:     trim(*raw.ResponseCode),
		ResponseMessage:  trim(raw.ResponseMessage),
		HostResponseCode: trim(raw.HostResponseCode),
		HostMessage:      trim(raw.HostMessage),
		TxnDateTime:      trim(raw.TxnDateTime),
		OrderID:          trim(raw.Order.OrderID),
		AuthCode:         trim(raw.Transaction.AuthCode),
		RRN:              trim(raw.Transaction.RRN),
		BatchNumber:      trim(raw.Transaction.BatchNumber),
	}
	for _, d := range raw.TxnDetailList {
		r.Details = append(r.Details, TxnDetail{
			TxnCode:            trim(d.TxnCode),
			ResponseCode:       trim(d.ResponseCode),
			HostResponseCode:   trim(d.HostResponseCode),
			TxnStatus:          trim(d.TxnStatus),
			PreAuthStatus:      trim(d.PreAuthStatus),
			PreAuthCloseAmount: trim(d.PreAuthCloseAmount),
			Amount:             trim(d.Amount),
			CurrencyCode:       trim(d.CurrencyCode),
			InstallCount:       trim(d.InstallCount),
			OrderID:            trim(d.OrderID),
			OrgOrderID:         trim(d.OrgOrderID),
			AuthCode:           trim(d.AuthCode),
			RRN:                trim(d.RRN),
			TxnDateTime:        trim(d.TxnDateTime),
		})
	}
	return r, nil
}
