package posnet

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
)

// Response is a parsed posnetResponse. Only the parts of the operation that
// was sent are filled.
type Response struct {
	Approved   string // "1" approved, "0" declined/refused, "2" already done
	RespCode   string // set when not approved: "0051", "0148", "E216"...
	RespText   string
	HostLogKey string
	AuthCode   string
	TranDate   string
	Inst1      string // instInfo/inst1: installment count applied

	// oosRequestData
	Data1, Data2, Sign string
	// oosResolveMerchantData
	Resolve *ResolveData
	// agreement
	Transactions []Transaction
}

// ResolveData is oosResolveMerchantDataResponse: the bank's reading of the
// 3D callback packets, signed with ResponseMAC.
type ResolveData struct {
	XID            string
	Amount         string
	Currency       string
	Installment    string
	TxStatus       string
	MDStatus       string
	MDErrorMessage string
	MAC            string
}

// Transaction is one record of an agreement (status) reply.
type Transaction struct {
	OrderID      string
	CCNo         string
	Amount       string // "1,16": decimal comma, major units
	CurrencyCode string
	AuthCode     string
	TranDate     string
	State        string // Sale, Auth, Capt, Return, Reverse
	TxnStatus    string
	HostLogKey   string
}

type rawResponse struct {
	XMLName    xml.Name `xml:"posnetResponse"`
	Approved   *string  `xml:"approved"`
	RespCode   string   `xml:"respCode"`
	RespText   string   `xml:"respText"`
	HostLogKey string   `xml:"hostlogkey"`
	AuthCode   string   `xml:"authCode"`
	TranDate   string   `xml:"tranDate"`
	InstInfo   struct {
		Inst1 string `xml:"inst1"`
	} `xml:"instInfo"`
	OOSRequest struct {
		Data1 string `xml:"data1"`
		Data2 string `xml:"data2"`
		Sign  string `xml:"sign"`
	} `xml:"oosRequestDataResponse"`
	Resolve *struct {
		XID            string `xml:"xid"`
		Amount         string `xml:"amount"`
		Currency       string `xml:"currency"`
		Installment    string `xml:"installment"`
		TxStatus       string `xml:"txStatus"`
		MDStatus       string `xml:"mdStatus"`
		MDErrorMessage string `xml:"mdErrorMessage"`
		MAC            string `xml:"mac"`
	} `xml:"oosResolveMerchantDataResponse"`
	Transactions struct {
		List []struct {
			OrderID      string `xml:"orderID"`
			CCNo         string `xml:"ccno"`
			Amount       string `xml:"amount"`
			CurrencyCode string `xml:"currencyCode"`
			AuthCode     string `xml:"authCode"`
			TranDate     string `xml:"tranDate"`
			State        string `xml:"state"`
			TxnStatus    string `xml:"txnStatus"`
			HostLogKey   string `xml:"hostlogkey"`
		} `xml:"transaction"`
	} `xml:"transactions"`
	// Some replies nest the references in <transaction> (reverse, return).
	Transaction struct {
		HostLogKey string `xml:"hostlogkey"`
		AuthCode   string `xml:"authCode"`
		TranDate   string `xml:"tranDate"`
	} `xml:"transaction"`
}

// ErrBadResponse means the reply was not a usable posnetResponse. The bank
// may still have acted on the request, so callers treat it as Unknown.
var ErrBadResponse = errors.New("posnet: unusable bank response")

// ParseResponse parses a posnetResponse (ISO-8859-9 or UTF-8). A reply
// without an approved flag of 0, 1 or 2 is an error: there is no verdict.
func ParseResponse(body []byte) (*Response, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrBadResponse)
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.CharsetReader = charsetReader
	var raw rawResponse
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadResponse, err)
	}
	if raw.Approved == nil {
		return nil, fmt.Errorf("%w: no approved flag", ErrBadResponse)
	}
	t := strings.TrimSpace
	r := &Response{
		Approved:   t(*raw.Approved),
		RespCode:   t(raw.RespCode),
		RespText:   t(raw.RespText),
		HostLogKey: t(raw.HostLogKey),
		AuthCode:   t(raw.AuthCode),
		TranDate:   t(raw.TranDate),
		Inst1:      t(raw.InstInfo.Inst1),
		Data1:      t(raw.OOSRequest.Data1),
		Data2:      t(raw.OOSRequest.Data2),
		Sign:       t(raw.OOSRequest.Sign),
	}
	switch r.Approved {
	case "0", "1", "2":
	default:
		return nil, fmt.Errorf("%w: approved flag %q", ErrBadResponse, r.Approved)
	}
	if r.HostLogKey == "" {
		r.HostLogKey = t(raw.Transaction.HostLogKey)
	}
	if r.AuthCode == "" {
		r.AuthCode = t(raw.Transaction.AuthCode)
	}
	if r.TranDate == "" {
		r.TranDate = t(raw.Transaction.TranDate)
	}
	if x := raw.Resolve; x != nil {
		r.Resolve = &ResolveData{
			XID: t(x.XID), Amount: t(x.Amount), Currency: t(x.Currency), Installment: t(x.Installment),
			TxStatus: t(x.TxStatus), MDStatus: t(x.MDStatus), MDErrorMessage: t(x.MDErrorMessage), MAC: t(x.MAC),
		}
	}
	for _, x := range raw.Transactions.List {
		r.Transactions = append(r.Transactions, Transaction{
			OrderID: t(x.OrderID), CCNo: t(x.CCNo), Amount: t(x.Amount), CurrencyCode: t(x.CurrencyCode),
			AuthCode: t(x.AuthCode), TranDate: t(x.TranDate), State: t(x.State), TxnStatus: t(x.TxnStatus),
			HostLogKey: t(x.HostLogKey),
		})
	}
	return r, nil
}
