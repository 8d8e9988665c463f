package est3sim

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/kasapos/kasa/internal/gateway/latin5"
)

// maxRequest bounds a request body; real ones are under 2 KB.
const maxRequest = 64 << 10

type field struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

// cc5Request is what the API accepts, per the EST integration guide.
type cc5Request struct {
	XMLName   xml.Name `xml:"CC5Request"`
	Name      string   `xml:"Name"`
	Password  string   `xml:"Password"`
	ClientID  string   `xml:"ClientId"`
	Type      string   `xml:"Type"`
	IPAddress string   `xml:"IPAddress"`
	Email     string   `xml:"Email"`
	OrderID   string   `xml:"OrderId"`
	GroupID   string   `xml:"GroupId"`
	Total     *string  `xml:"Total"` // absent: full capture / full refund
	Currency  string   `xml:"Currency"`
	Taksit    string   `xml:"Taksit"`
	Number    string   `xml:"Number"`
	Expires   string   `xml:"Expires"`
	Cvv2Val   string   `xml:"Cvv2Val"`
	// 3D-model provisioning: Number is the gate's md, these its evidence.
	PayerTxnID              string `xml:"PayerTxnId"`
	PayerSecurityLevel      string `xml:"PayerSecurityLevel"`
	PayerAuthenticationCode string `xml:"PayerAuthenticationCode"`
	Mode                    string `xml:"Mode"`
	BillTo                  struct {
		Name string `xml:"Name"`
	} `xml:"BillTo"`
	Extra struct {
		Fields []field `xml:",any"`
	} `xml:"Extra"`
}

func (r *cc5Request) extra(name string) string {
	for _, f := range r.Extra.Fields {
		if strings.EqualFold(f.XMLName.Local, name) {
			return strings.TrimSpace(f.Value)
		}
	}
	return ""
}

// total returns Total and whether it was sent with a value.
func (r *cc5Request) total() (string, bool) {
	if r.Total == nil || strings.TrimSpace(*r.Total) == "" {
		return "", false
	}
	return strings.TrimSpace(*r.Total), true
}

// Operation names, also used to target faults.
const (
	OpAuth         = "Auth"
	OpPreAuth      = "PreAuth"
	OpPostAuth     = "PostAuth"
	OpVoid         = "Void"
	OpCredit       = "Credit"
	OpOrderStatus  = "ORDERSTATUS"
	OpOrderHistory = "ORDERHISTORY"
	OpInvalid      = "invalid" // unparseable request
)

// op is the operation a request asks for: a query flag in Extra wins over Type.
func (r *cc5Request) op() string {
	switch {
	case strings.EqualFold(r.extra(OpOrderStatus), "QUERY"):
		return OpOrderStatus
	case strings.EqualFold(r.extra(OpOrderHistory), "QUERY"):
		return OpOrderHistory
	case r.Type == "":
		return OpInvalid
	}
	return r.Type
}

// readRequest takes the XML either as the raw body (what current clients
// send) or as the DATA field of a form post (the API's historic form).
func readRequest(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxRequest {
		return nil, errors.New("request too large")
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
		if v, err := url.ParseQuery(string(body)); err == nil && v.Get("DATA") != "" {
			return []byte(v.Get("DATA")), nil
		}
	}
	return body, nil
}

func parseRequest(body []byte) (*cc5Request, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.CharsetReader = latin5.CharsetReader
	var req cc5Request
	if err := dec.Decode(&req); err != nil {
		return nil, err
	}
	trim := func(p *string) { *p = strings.TrimSpace(*p) }
	for _, p := range []*string{&req.Name, &req.Password, &req.ClientID, &req.Type, &req.IPAddress, &req.Email,
		&req.OrderID, &req.GroupID, &req.Currency, &req.Taksit, &req.Number, &req.Expires, &req.Cvv2Val, &req.Mode, &req.BillTo.Name,
		&req.PayerTxnID, &req.PayerSecurityLevel, &req.PayerAuthenticationCode} {
		trim(p)
	}
	return &req, nil
}

type kv struct{ k, v string }

// xmlEscaper escapes only markup: TRX records carry literal tabs, which
// xml.EscapeText would turn into character references.
var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// reply is a CC5Response; Extra keeps element order.
type reply struct {
	OrderID        string
	GroupID        string
	Response       string
	AuthCode       string
	HostRefNum     string
	ProcReturnCode string
	TransID        string
	ErrMsg         string
	Extra          []kv
}

// encode writes the reply the way EST hosts do: an XML declaration naming
// the charset, one element per line.
func (rep *reply) encode(utf8Out bool) []byte {
	var b bytes.Buffer
	elem := func(indent, name, value string) {
		b.WriteString(indent + "<" + name + ">")
		b.WriteString(xmlEscaper.Replace(value))
		b.WriteString("</" + name + ">\n")
	}
	b.WriteString("<CC5Response>\n")
	elem("  ", "OrderId", rep.OrderID)
	elem("  ", "GroupId", rep.GroupID)
	elem("  ", "Response", rep.Response)
	elem("  ", "AuthCode", rep.AuthCode)
	elem("  ", "HostRefNum", rep.HostRefNum)
	elem("  ", "ProcReturnCode", rep.ProcReturnCode)
	elem("  ", "TransId", rep.TransID)
	elem("  ", "ErrMsg", rep.ErrMsg)
	b.WriteString("  <Extra>\n")
	for _, x := range rep.Extra {
		elem("    ", x.k, x.v)
	}
	b.WriteString("  </Extra>\n</CC5Response>\n")
	if utf8Out {
		return append([]byte(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"), b.Bytes()...)
	}
	return append([]byte(`<?xml version="1.0" encoding="ISO-8859-9"?>`+"\n"), latin5.Encode(b.Bytes())...)
}
