package payforsim

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strings"
)

// maxRequest bounds a request body; real ones are under 2 KB.
const maxRequest = 64 << 10

// payforRequest is what XMLGate accepts.
type payforRequest struct {
	XMLName          xml.Name `xml:"PayforRequest"`
	MbrID            string   `xml:"MbrId"`
	MerchantID       string   `xml:"MerchantId"`
	UserCode         string   `xml:"UserCode"`
	UserPass         string   `xml:"UserPass"`
	RequestGUID      string   `xml:"RequestGuid"`
	OrderID          string   `xml:"OrderId"`
	OrgOrderID       string   `xml:"OrgOrderId"`
	SecureType       string   `xml:"SecureType"`
	TxnType          string   `xml:"TxnType"`
	PurchAmount      string   `xml:"PurchAmount"`
	Currency         string   `xml:"Currency"`
	InstallmentCount string   `xml:"InstallmentCount"`
	Lang             string   `xml:"Lang"`
	CardHolderName   string   `xml:"CardHolderName"`
	Pan              string   `xml:"Pan"`
	Expiry           string   `xml:"Expiry"`
	Cvv2             string   `xml:"Cvv2"`
}

// order is the order a request is about: OrderId for payments and history,
// OrgOrderId for follow-ups and inquiries.
func (r *payforRequest) order() string {
	if r.OrgOrderID != "" {
		return r.OrgOrderID
	}
	return r.OrderID
}

// Operation names, also used to target faults.
const (
	OpAuth           = "Auth"
	OpPreAuth        = "PreAuth"
	OpPostAuth       = "PostAuth"
	OpVoid           = "Void"
	OpRefund         = "Refund"
	OpOrderInquiry   = "OrderInquiry"
	OpTxnHistory     = "TxnHistory"
	Op3DModelPayment = "3DModelPayment"
	OpInvalid        = "invalid"
)

// op names what a request asks for: the 3D provisioning call is told apart
// by its SecureType, everything else by TxnType.
func (r *payforRequest) op() string {
	if r.SecureType == "3DModelPayment" {
		return Op3DModelPayment
	}
	switch r.TxnType {
	case OpAuth, OpPreAuth, OpPostAuth, OpVoid, OpRefund, OpOrderInquiry, OpTxnHistory:
		return r.TxnType
	}
	return OpInvalid
}

func readRequest(r *http.Request) (*payforRequest, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxRequest {
		return nil, errors.New("request too large")
	}
	var req payforRequest
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		if strings.EqualFold(label, "utf-8") {
			return in, nil
		}
		return nil, errors.New("unsupported charset " + label)
	}
	if err := dec.Decode(&req); err != nil {
		return nil, err
	}
	for _, p := range []*string{&req.MbrID, &req.MerchantID, &req.UserCode, &req.UserPass, &req.RequestGUID, &req.OrderID,
		&req.OrgOrderID, &req.SecureType, &req.TxnType, &req.PurchAmount, &req.Currency, &req.InstallmentCount,
		&req.Lang, &req.CardHolderName, &req.Pan, &req.Expiry, &req.Cvv2} {
		*p = strings.TrimSpace(*p)
	}
	return &req, nil
}

type kv struct{ k, v string }

// reply is a flat PayforResponse, fields in order.
type reply []kv

func (r reply) get(k string) string {
	for _, x := range r {
		if x.k == k {
			return x.v
		}
	}
	return ""
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func writeElems(b *bytes.Buffer, indent string, fields []kv) {
	for _, x := range fields {
		b.WriteString(indent + "<" + x.k + ">" + xmlEscaper.Replace(x.v) + "</" + x.k + ">\n")
	}
}

// encode writes the reply the way PayFor does: UTF-8, one element per line.
func (r reply) encode() []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n<PayforResponse>\n")
	writeElems(&b, "", r)
	b.WriteString("</PayforResponse>\n")
	return b.Bytes()
}

// encodeHistory writes a TxnHistoryReport, one PaymentRequest per record.
func encodeHistory(recs [][]kv) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	b.WriteString(`<TxnHistoryReport xsi:noNamespaceSchemaLocation="TxnHistoryReport.xsd" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` + "\n")
	for _, rec := range recs {
		b.WriteString("  <PaymentRequestExtended>\n    <PaymentRequest xmlns=\"http://ocean.smartway.com/\">\n")
		writeElems(&b, "      ", rec)
		b.WriteString("    </PaymentRequest>\n  </PaymentRequestExtended>\n")
	}
	b.WriteString("</TxnHistoryReport>\n")
	return b.Bytes()
}
