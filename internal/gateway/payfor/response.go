package payfor

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrBadResponse means the reply was not a usable PayFor document. The bank
// may still have acted on the request, so callers treat it as Unknown.
var ErrBadResponse = errors.New("payfor: unusable bank response")

// Response is a parsed PayforResponse: every child element by name
// (AuthCode, HostRefNum, ProcReturnCode, TransId, ErrMsg, and for order
// inquiries TxnType, TxnStatus, PurchAmount, RefundedAmount, ...).
type Response struct {
	Fields map[string]string
}

// Get returns a field, "" when absent.
func (r *Response) Get(name string) string { return r.Fields[name] }

// ProcReturnCode is the bank's verdict code ("00" approved).
func (r *Response) ProcReturnCode() string { return r.Fields["ProcReturnCode"] }

type xmlField struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

type payforResponse struct {
	XMLName xml.Name   `xml:"PayforResponse"`
	Fields  []xmlField `xml:",any"`
}

// charsetReader accepts the charsets PayFor declares. Replies are UTF-8;
// anything else is refused rather than guessed.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf-8", "utf8", "us-ascii":
		return in, nil
	}
	return nil, fmt.Errorf("unsupported charset %q", label)
}

func decoder(body []byte) *xml.Decoder {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.CharsetReader = charsetReader
	return dec
}

// ParseResponse parses a PayforResponse. A reply without ProcReturnCode is
// an error: without a verdict nothing can be concluded.
func ParseResponse(body []byte) (*Response, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrBadResponse)
	}
	var raw payforResponse
	if err := decoder(body).Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadResponse, err)
	}
	r := &Response{Fields: fieldMap(raw.Fields)}
	if r.ProcReturnCode() == "" {
		return nil, fmt.Errorf("%w: no ProcReturnCode", ErrBadResponse)
	}
	return r, nil
}

// fieldMap keeps the first occurrence of each element: a repeated element
// is not something the bank sends, and the first is as good as any.
func fieldMap(fs []xmlField) map[string]string {
	m := make(map[string]string, len(fs))
	for _, f := range fs {
		if _, dup := m[f.XMLName.Local]; !dup {
			m[f.XMLName.Local] = strings.TrimSpace(f.Value)
		}
	}
	return m
}

// historyReport is the TxnHistory reply: one PaymentRequest per bank-side
// transaction of the order, oldest first. PaymentRequest carries its own
// namespace, which encoding/xml ignores when the tag names none.
type historyReport struct {
	XMLName xml.Name `xml:"TxnHistoryReport"`
	Entries []struct {
		Request struct {
			Fields []xmlField `xml:",any"`
		} `xml:"PaymentRequest"`
	} `xml:"PaymentRequestExtended"`
}

// ParseHistory parses a TxnHistoryReport into one field map per transaction.
func ParseHistory(body []byte) ([]map[string]string, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrBadResponse)
	}
	var raw historyReport
	if err := decoder(body).Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadResponse, err)
	}
	out := make([]map[string]string, 0, len(raw.Entries))
	for _, e := range raw.Entries {
		m := fieldMap(e.Request.Fields)
		if m["ProcReturnCode"] == "" {
			return nil, fmt.Errorf("%w: history record without ProcReturnCode", ErrBadResponse)
		}
		out = append(out, m)
	}
	return out, nil
}
