package garantisim

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// maxRequest bounds a request body; real ones are under 2 KB.
const maxRequest = 64 << 10

// gvpsRequest is what the API accepts, per the GVPS integration guide.
type gvpsRequest struct {
	XMLName  xml.Name `xml:"GVPSRequest"`
	Mode     string   `xml:"Mode"`
	Version  string   `xml:"Version"`
	Terminal struct {
		ProvUserID string `xml:"ProvUserID"`
		HashData   string `xml:"HashData"`
		UserID     string `xml:"UserID"`
		ID         string `xml:"ID"`
		MerchantID string `xml:"MerchantID"`
	} `xml:"Terminal"`
	Customer struct {
		IPAddress    string `xml:"IPAddress"`
		EmailAddress string `xml:"EmailAddress"`
	} `xml:"Customer"`
	Card struct {
		Number     string `xml:"Number"`
		ExpireDate string `xml:"ExpireDate"`
		CVV2       string `xml:"CVV2"`
	} `xml:"Card"`
	Order struct {
		OrderID string `xml:"OrderID"`
		GroupID string `xml:"GroupID"`
	} `xml:"Order"`
	Transaction struct {
		Type                  string `xml:"Type"`
		InstallmentCnt        string `xml:"InstallmentCnt"`
		Amount                string `xml:"Amount"`
		CurrencyCode          string `xml:"CurrencyCode"`
		CardholderPresentCode string `xml:"CardholderPresentCode"`
		MotoInd               string `xml:"MotoInd"`
		OriginalRetrefNum     string `xml:"OriginalRetrefNum"`
		Secure3D              struct {
			AuthenticationCode string `xml:"AuthenticationCode"`
			SecurityLevel      string `xml:"SecurityLevel"`
			TxnID              string `xml:"TxnID"`
			Md                 string `xml:"Md"`
		} `xml:"Secure3D"`
	} `xml:"Transaction"`
}

// Operation names (Transaction/Type), also used to target faults.
const (
	OpSales        = "sales"
	OpPreAuth      = "preauth"
	OpPostAuth     = "postauth"
	OpVoid         = "void"
	OpRefund       = "refund"
	OpOrderInq     = "orderinq"
	OpOrderHistory = "orderhistoryinq"
	OpInvalid      = "invalid" // unparseable request
)

func (r *gvpsRequest) op() string {
	if r.Transaction.Type == "" {
		return OpInvalid
	}
	return r.Transaction.Type
}

// readRequest takes the XML as the raw body, or as the "data" field of a
// form post, which GVPS also accepts.
func readRequest(r *http.Request) (*gvpsRequest, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxRequest {
		return nil, errors.New("request too large")
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
		if v, err := url.ParseQuery(string(body)); err == nil && v.Get("data") != "" {
			body = []byte(v.Get("data"))
		}
	}
	var req gvpsRequest
	if err := xml.NewDecoder(bytes.NewReader(body)).Decode(&req); err != nil {
		return nil, err
	}
	t := func(p *string) { *p = strings.TrimSpace(*p) }
	for _, p := range []*string{&req.Mode, &req.Version, &req.Terminal.ProvUserID, &req.Terminal.HashData, &req.Terminal.ID,
		&req.Terminal.MerchantID, &req.Customer.IPAddress, &req.Customer.EmailAddress, &req.Card.Number, &req.Card.ExpireDate,
		&req.Card.CVV2, &req.Order.OrderID, &req.Transaction.Type, &req.Transaction.InstallmentCnt, &req.Transaction.Amount,
		&req.Transaction.CurrencyCode, &req.Transaction.CardholderPresentCode, &req.Transaction.Secure3D.Md} {
		t(p)
	}
	return &req, nil
}

// reply is a GVPSResponse, in the element order of captured replies.
type reply struct {
	XMLName  xml.Name `xml:"GVPSResponse"`
	Mode     string   `xml:"Mode"`
	Terminal struct {
		ProvUserID string `xml:"ProvUserID"`
		UserID     string `xml:"UserID"`
		ID         string `xml:"ID"`
		MerchantID string `xml:"MerchantID"`
	} `xml:"Terminal"`
	Customer struct {
		IPAddress    string `xml:"IPAddress"`
		EmailAddress string `xml:"EmailAddress"`
	} `xml:"Customer"`
	Order struct {
		OrderID            string        `xml:"OrderID"`
		GroupID            string        `xml:"GroupID"`
		OrderInqResult     *orderInq     `xml:"OrderInqResult"`
		OrderHistInqResult *orderHistInq `xml:"OrderHistInqResult"`
	} `xml:"Order"`
	Transaction struct {
		Response struct {
			Source     string `xml:"Source"`
			Code       string `xml:"Code"`
			ReasonCode string `xml:"ReasonCode"`
			Message    string `xml:"Message"`
			ErrorMsg   string `xml:"ErrorMsg"`
			SysErrMsg  string `xml:"SysErrMsg"`
		} `xml:"Response"`
		RetrefNum        string `xml:"RetrefNum"`
		AuthCode         string `xml:"AuthCode"`
		BatchNum         string `xml:"BatchNum"`
		SequenceNum      string `xml:"SequenceNum"`
		ProvDate         string `xml:"ProvDate"`
		CardNumberMasked string `xml:"CardNumberMasked"`
		CardHolderName   string `xml:"CardHolderName"`
		CardType         string `xml:"CardType"`
		HostMsgList      string `xml:"HostMsgList"`
		GarantiCardInd   string `xml:"GarantiCardInd,omitempty"`
	} `xml:"Transaction"`
}

type orderInq struct {
	ChargeType       string `xml:"ChargeType"`
	PreAuthAmount    string `xml:"PreAuthAmount"`
	PreAuthDate      string `xml:"PreAuthDate"`
	AuthAmount       string `xml:"AuthAmount"`
	AuthDate         string `xml:"AuthDate"`
	RecurringInfo    string `xml:"RecurringInfo"`
	Status           string `xml:"Status"`
	InstallmentCnt   string `xml:"InstallmentCnt"`
	CardNumberMasked string `xml:"CardNumberMasked"`
	Code             string `xml:"Code"`
	ReasonCode       string `xml:"ReasonCode"`
	SysErrMsg        string `xml:"SysErrMsg"`
	RetrefNum        string `xml:"RetrefNum"`
	AuthCode         string `xml:"AuthCode"`
	BatchNum         string `xml:"BatchNum"`
	ProvDate         string `xml:"ProvDate"`
}

type orderHistInq struct {
	Txns []orderTxn `xml:"OrderTxnList>OrderTxn"`
}

type orderTxn struct {
	Type          string `xml:"Type"`
	Status        string `xml:"Status"`
	PreAuthAmount string `xml:"PreAuthAmount"`
	AuthAmount    string `xml:"AuthAmount"`
	PreAuthDate   string `xml:"PreAuthDate"`
	AuthDate      string `xml:"AuthDate"`
	VoidDate      string `xml:"VoidDate"`
	RetrefNum     string `xml:"RetrefNum"`
	AuthCode      string `xml:"AuthCode"`
	ReturnCode    string `xml:"ReturnCode"`
	BatchNum      string `xml:"BatchNum"`
	CurrencyCode  string `xml:"CurrencyCode"`
	Settlement    string `xml:"Settlement"`
}

func (rep *reply) encode() []byte {
	body, err := xml.MarshalIndent(rep, "", "  ")
	if err != nil {
		// Only strings are marshalled; this cannot fail.
		panic(err)
	}
	return append([]byte(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"), body...)
}
