package posnetsim

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/kasapos/kasa/internal/gateway/latin5"
)

// maxRequest bounds a request body; real ones are under 4 KB.
const maxRequest = 64 << 10

// Operation names (the posnetRequest child element), also used to target
// faults.
const (
	OpSale        = "sale"
	OpAuth        = "auth"
	OpCapt        = "capt"
	OpReverse     = "reverse"
	OpReturn      = "return"
	OpAgreement   = "agreement"
	OpOOSRequest  = "oosRequestData"
	OpOOSResolve  = "oosResolveMerchantData"
	OpOOSTranData = "oosTranData"
	OpInvalid     = "invalid" // unparseable request or no known operation
)

type cardTxn struct {
	OrderID      string `xml:"orderID"`
	Installment  string `xml:"installment"`
	Amount       string `xml:"amount"`
	CurrencyCode string `xml:"currencyCode"`
	CCNo         string `xml:"ccno"`
	ExpDate      string `xml:"expDate"`
	CVC          string `xml:"cvc"`
}

type captTxn struct {
	HostLogKey   string `xml:"hostLogKey"`
	Amount       string `xml:"amount"`
	CurrencyCode string `xml:"currencyCode"`
	Installment  string `xml:"installment"`
}

type reverseTxn struct {
	Transaction string `xml:"transaction"`
	HostLogKey  string `xml:"hostLogKey"`
	OrderID     string `xml:"orderID"`
	AuthCode    string `xml:"authCode"`
}

type returnTxn struct {
	Amount       string `xml:"amount"`
	CurrencyCode string `xml:"currencyCode"`
	HostLogKey   string `xml:"hostLogKey"`
	OrderID      string `xml:"orderID"`
}

type oosRequest struct {
	PosnetID       string `xml:"posnetid"`
	CCNo           string `xml:"ccno"`
	ExpDate        string `xml:"expDate"`
	CVC            string `xml:"cvc"`
	Amount         string `xml:"amount"`
	CurrencyCode   string `xml:"currencyCode"`
	Installment    string `xml:"installment"`
	XID            string `xml:"XID"`
	CardHolderName string `xml:"cardHolderName"`
	TranType       string `xml:"tranType"`
}

type oosPackets struct {
	BankData     string `xml:"bankData"`
	MerchantData string `xml:"merchantData"`
	Sign         string `xml:"sign"`
	WPAmount     string `xml:"wpAmount"`
	MAC          string `xml:"mac"`
}

// posnetRequest is what the API accepts, per the integration guide.
type posnetRequest struct {
	XMLName   xml.Name    `xml:"posnetRequest"`
	MID       string      `xml:"mid"`
	TID       string      `xml:"tid"`
	Sale      *cardTxn    `xml:"sale"`
	Auth      *cardTxn    `xml:"auth"`
	Capt      *captTxn    `xml:"capt"`
	Reverse   *reverseTxn `xml:"reverse"`
	Return    *returnTxn  `xml:"return"`
	Agreement *struct {
		OrderID string `xml:"orderID"`
	} `xml:"agreement"`
	OOSRequest  *oosRequest `xml:"oosRequestData"`
	OOSResolve  *oosPackets `xml:"oosResolveMerchantData"`
	OOSTranData *oosPackets `xml:"oosTranData"`
}

// op is the single operation a request asks for; two or none is invalid.
func (r *posnetRequest) op() string {
	var ops []string
	add := func(set bool, name string) {
		if set {
			ops = append(ops, name)
		}
	}
	add(r.Sale != nil, OpSale)
	add(r.Auth != nil, OpAuth)
	add(r.Capt != nil, OpCapt)
	add(r.Reverse != nil, OpReverse)
	add(r.Return != nil, OpReturn)
	add(r.Agreement != nil, OpAgreement)
	add(r.OOSRequest != nil, OpOOSRequest)
	add(r.OOSResolve != nil, OpOOSResolve)
	add(r.OOSTranData != nil, OpOOSTranData)
	if len(ops) != 1 {
		return OpInvalid
	}
	return ops[0]
}

// readRequest takes the XML from the xmldata form field, as the bank's
// guide specifies.
func readRequest(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxRequest {
		return nil, errors.New("request too large")
	}
	v, err := url.ParseQuery(string(body))
	if err != nil || v.Get("xmldata") == "" {
		return nil, errors.New("no xmldata field")
	}
	return []byte(v.Get("xmldata")), nil
}

func parseRequest(body []byte) (*posnetRequest, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.CharsetReader = latin5.CharsetReader
	var req posnetRequest
	if err := dec.Decode(&req); err != nil {
		return nil, err
	}
	req.MID, req.TID = strings.TrimSpace(req.MID), strings.TrimSpace(req.TID)
	return &req, nil
}

// node is one element of a reply: text, or children.
type node struct {
	name     string
	text     string
	children []node
}

func leaf(name, text string) node              { return node{name: name, text: text} }
func group(name string, children ...node) node { return node{name: name, children: children} }

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// encodeReply renders <posnetResponse> in ISO-8859-9, one element a line.
func encodeReply(nodes []node) []byte {
	var b bytes.Buffer
	var write func(n node, indent string)
	write = func(n node, indent string) {
		if n.children == nil {
			b.WriteString(indent + "<" + n.name + ">" + xmlEscaper.Replace(n.text) + "</" + n.name + ">\n")
			return
		}
		b.WriteString(indent + "<" + n.name + ">\n")
		for _, c := range n.children {
			write(c, indent+"  ")
		}
		b.WriteString(indent + "</" + n.name + ">\n")
	}
	b.WriteString("<posnetResponse>\n")
	for _, n := range nodes {
		write(n, "  ")
	}
	b.WriteString("</posnetResponse>\n")
	return append([]byte(`<?xml version="1.0" encoding="ISO-8859-9"?>`+"\n"), latin5.Encode(b.Bytes())...)
}
