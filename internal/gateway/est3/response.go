package est3

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
)

// Response is a parsed CC5Response. Extra holds every child of <Extra> by
// element name (ERRORCODE, TRXDATE, TRANS_STAT, TRX1...).
type Response struct {
	OrderID        string
	GroupID        string
	Response       string // "Approved", "Declined", "Error"
	AuthCode       string
	HostRefNum     string
	ProcReturnCode string
	TransID        string
	ErrMsg         string
	Extra          map[string]string
}

// ErrorCode is Extra/ERRORCODE, e.g. "CORE-2012".
func (r *Response) ErrorCode() string { return r.Extra["ERRORCODE"] }

type xmlField struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

type cc5Response struct {
	XMLName        xml.Name `xml:"CC5Response"`
	OrderID        string   `xml:"OrderId"`
	GroupID        string   `xml:"GroupId"`
	Response       string   `xml:"Response"`
	AuthCode       string   `xml:"AuthCode"`
	HostRefNum     string   `xml:"HostRefNum"`
	ProcReturnCode *string  `xml:"ProcReturnCode"`
	TransID        string   `xml:"TransId"`
	ErrMsg         string   `xml:"ErrMsg"`
	Extra          struct {
		Fields []xmlField `xml:",any"`
	} `xml:"Extra"`
}

// ErrBadResponse means the reply was not a usable CC5Response. The bank may
// still have acted on the request, so callers treat it as Unknown.
var ErrBadResponse = errors.New("est3: unusable bank response")

// decodeResponse is encoding/xml's reading of a reply: the reference, and
// the way for a reply fastParse does not take.
func decodeResponse(body []byte) (*cc5Response, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.CharsetReader = charsetReader
	var raw cc5Response
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	return &raw, nil
}

// ParseResponse parses a CC5Response in UTF-8 or ISO-8859-9 (as declared in
// its XML declaration). A reply without ProcReturnCode is an error: without a
// verdict nothing can be concluded.
func ParseResponse(body []byte) (*Response, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrBadResponse)
	}
	raw, ok := fastParse(body)
	if !ok {
		var err error
		if raw, err = decodeResponse(body); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadResponse, err)
		}
	}
	if raw.ProcReturnCode == nil || strings.TrimSpace(*raw.ProcReturnCode) == "" {
		return nil, fmt.Errorf("%w: no ProcReturnCode", ErrBadResponse)
	}
	r := &Response{
		OrderID:        strings.TrimSpace(raw.OrderID),
		GroupID:        strings.TrimSpace(raw.GroupID),
		Response:       strings.TrimSpace(raw.Response),
		AuthCode:       strings.TrimSpace(raw.AuthCode),
		HostRefNum:     strings.TrimSpace(raw.HostRefNum),
		ProcReturnCode: strings.TrimSpace(*raw.ProcReturnCode),
		TransID:        strings.TrimSpace(raw.TransID),
		ErrMsg:         strings.TrimSpace(raw.ErrMsg),
		Extra:          make(map[string]string, len(raw.Extra.Fields)),
	}
	for _, f := range raw.Extra.Fields {
		// TRX records are tab-separated; keep inner whitespace, trim only the
		// newlines/indentation a pretty-printed reply may add at the ends.
		r.Extra[f.XMLName.Local] = strings.Trim(f.Value, "\r\n ")
	}
	return r, nil
}
