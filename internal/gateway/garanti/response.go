package garanti

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"

	"github.com/kasapos/kasa/internal/gateway/latin5"
)

// Response is a parsed GVPSResponse.
type Response struct {
	OrderID string
	// Source says who answered: "HOST" (the card network / issuer) or
	// "GVPS" (the gateway itself, before reaching the issuer).
	Source     string
	Code       string // "00" approves
	ReasonCode string // GVPS error number ("0002", "0110") or the ISO code
	Message    string // "Approved" / "Declined" / "Error"
	ErrorMsg   string
	SysErrMsg  string
	RetrefNum  string
	AuthCode   string
	BatchNum   string
	ProvDate   string
	Inq        *OrderInq // orderinq replies only
	History    []OrderTxn
}

// OrderInq is Order/OrderInqResult: the order's main transaction.
type OrderInq struct {
	ChargeType     string `xml:"ChargeType"`
	PreAuthAmount  string `xml:"PreAuthAmount"`
	PreAuthDate    string `xml:"PreAuthDate"`
	AuthAmount     string `xml:"AuthAmount"`
	AuthDate       string `xml:"AuthDate"`
	Status         string `xml:"Status"` // APPROVED, WAITINGPOSTAUTH, VOID, REFUNDED, DECLINED...
	InstallmentCnt string `xml:"InstallmentCnt"`
	Code           string `xml:"Code"`
	RetrefNum      string `xml:"RetrefNum"`
	AuthCode       string `xml:"AuthCode"`
	ProvDate       string `xml:"ProvDate"`
}

// OrderTxn is one Order/OrderHistInqResult/OrderTxnList/OrderTxn.
type OrderTxn struct {
	Type          string `xml:"Type"`   // sales, preauth, postauth, void, refund
	Status        string `xml:"Status"` // "00" approved, "01" declined
	PreAuthAmount string `xml:"PreAuthAmount"`
	AuthAmount    string `xml:"AuthAmount"`
	PreAuthDate   string `xml:"PreAuthDate"`
	AuthDate      string `xml:"AuthDate"` // YYYYMMDD
	VoidDate      string `xml:"VoidDate"`
	RetrefNum     string `xml:"RetrefNum"`
	AuthCode      string `xml:"AuthCode"`
	ReturnCode    string `xml:"ReturnCode"`
	CurrencyCode  string `xml:"CurrencyCode"`
	Settlement    string `xml:"Settlement"`
}

type gvpsResponse struct {
	XMLName xml.Name `xml:"GVPSResponse"`
	Order   struct {
		OrderID        string    `xml:"OrderID"`
		OrderInqResult *OrderInq `xml:"OrderInqResult"`
		History        struct {
			Txns []OrderTxn `xml:"OrderTxnList>OrderTxn"`
		} `xml:"OrderHistInqResult"`
	} `xml:"Order"`
	Transaction struct {
		Response struct {
			Source     string  `xml:"Source"`
			Code       *string `xml:"Code"`
			ReasonCode string  `xml:"ReasonCode"`
			Message    string  `xml:"Message"`
			ErrorMsg   string  `xml:"ErrorMsg"`
			SysErrMsg  string  `xml:"SysErrMsg"`
		} `xml:"Response"`
		RetrefNum string `xml:"RetrefNum"`
		AuthCode  string `xml:"AuthCode"`
		BatchNum  string `xml:"BatchNum"`
		ProvDate  string `xml:"ProvDate"`
	} `xml:"Transaction"`
}

// ErrBadResponse means the reply was not a usable GVPSResponse. The bank may
// still have acted on the request, so callers treat it as Unknown.
var ErrBadResponse = errors.New("garanti: unusable bank response")

// ParseResponse parses a GVPSResponse. A reply without
// Transaction/Response/Code is an error: without a verdict nothing can be
// concluded.
func ParseResponse(body []byte) (*Response, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrBadResponse)
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.CharsetReader = latin5.CharsetReader
	var raw gvpsResponse
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadResponse, err)
	}
	tr := raw.Transaction
	if tr.Response.Code == nil || strings.TrimSpace(*tr.Response.Code) == "" {
		return nil, fmt.Errorf("%w: no Transaction/Response/Code", ErrBadResponse)
	}
	t := strings.TrimSpace
	r := &Response{
		OrderID:    t(raw.Order.OrderID),
		Source:     t(tr.Response.Source),
		Code:       t(*tr.Response.Code),
		ReasonCode: t(tr.Response.ReasonCode),
		Message:    t(tr.Response.Message),
		ErrorMsg:   t(tr.Response.ErrorMsg),
		SysErrMsg:  t(tr.Response.SysErrMsg),
		RetrefNum:  t(tr.RetrefNum),
		AuthCode:   t(tr.AuthCode),
		BatchNum:   t(tr.BatchNum),
		ProvDate:   t(tr.ProvDate),
		Inq:        raw.Order.OrderInqResult,
		History:    raw.Order.History.Txns,
	}
	if r.Inq != nil {
		trimAll(&r.Inq.ChargeType, &r.Inq.PreAuthAmount, &r.Inq.PreAuthDate, &r.Inq.AuthAmount, &r.Inq.AuthDate,
			&r.Inq.Status, &r.Inq.InstallmentCnt, &r.Inq.Code, &r.Inq.RetrefNum, &r.Inq.AuthCode, &r.Inq.ProvDate)
	}
	for i := range r.History {
		x := &r.History[i]
		trimAll(&x.Type, &x.Status, &x.PreAuthAmount, &x.AuthAmount, &x.PreAuthDate, &x.AuthDate, &x.VoidDate,
			&x.RetrefNum, &x.AuthCode, &x.ReturnCode, &x.CurrencyCode, &x.Settlement)
	}
	return r, nil
}

func trimAll(ps ...*string) {
	for _, p := range ps {
		*p = strings.TrimSpace(*p)
	}
}
