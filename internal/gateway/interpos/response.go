package interpos

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// ErrBadResponse means the reply was not a usable InterVPOS reply. The bank
// may still have acted on the request, so callers treat it as Unknown.
var ErrBadResponse = errors.New("interpos: unusable bank response")

// Response is a parsed reply: every key=value pair by key (OrderId,
// ProcReturnCode, HostRefNum, AuthCode, TxnResult, ErrorCode, ErrorMessage,
// TransId, TRXDATE, Amount, and for status queries TxnStat, TxnStatus,
// ChargeTypeCd, PurchAmount, RefundedAmount, VoidDate...).
type Response struct {
	Fields map[string]string
}

// Get returns a field, "" when absent.
func (r *Response) Get(name string) string { return r.Fields[name] }

// ProcReturnCode is the bank's verdict code ("00" approved).
func (r *Response) ProcReturnCode() string { return r.Fields["ProcReturnCode"] }

// separator splits pairs: the bank uses ";;" and, in some replies, ";;;".
var separator = regexp.MustCompile(`;;;?`)

// reKey is what a field name looks like; a body whose pairs do not start
// with one is not an InterVPOS reply (an HTML error page, a proxy banner).
var reKey = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)

// ParseResponse parses a key=value;;key=value reply. A value may itself
// contain '=' (base64), so each pair is split at its first '='. A reply
// without ProcReturnCode, with a pair that has no key, or with a key twice
// is an error: without one clear verdict nothing can be concluded.
func ParseResponse(body []byte) (*Response, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrBadResponse)
	}
	if !utf8.Valid(body) {
		return nil, fmt.Errorf("%w: not UTF-8 text", ErrBadResponse)
	}
	fields := map[string]string{}
	for _, pair := range separator.Split(string(body), -1) {
		if pair == "" {
			continue // a trailing separator
		}
		k, v, ok := strings.Cut(pair, "=")
		if !ok || !reKey.MatchString(k) {
			return nil, fmt.Errorf("%w: malformed pair %.40q", ErrBadResponse, pair)
		}
		if _, dup := fields[k]; dup {
			return nil, fmt.Errorf("%w: %s given twice", ErrBadResponse, k)
		}
		fields[k] = strings.TrimSpace(v)
	}
	r := &Response{Fields: fields}
	if r.ProcReturnCode() == "" {
		return nil, fmt.Errorf("%w: no ProcReturnCode", ErrBadResponse)
	}
	return r, nil
}

// Fields present in every reply of each kind, in every captured sample. The
// format has no terminator, so a reply cut short (a proxy, a broken
// connection that still looked complete) would otherwise parse: the last
// field of each kind (CardHolderName, AuthCode) must be there.
var (
	paymentFields = []string{"OrderId", "ProcReturnCode", "TxnResult", "ErrorCode", "Amount", "CardHolderName"}
	statusFields  = []string{"OrderId", "ProcReturnCode", "TxnStatus", "ErrorCode", "RefundedAmount", "AuthCode"}
)

// complete checks that a parsed reply has every field of its kind, and, for
// payment replies, that TxnResult agrees with ProcReturnCode.
func (r *Response) complete(required []string) error {
	for _, k := range required {
		if _, ok := r.Fields[k]; !ok {
			return fmt.Errorf("%w: %s missing (reply cut short?)", ErrBadResponse, k)
		}
	}
	if res, ok := r.Fields["TxnResult"]; ok && (res == "Success") != (r.ProcReturnCode() == "00") {
		return fmt.Errorf("%w: TxnResult %q with ProcReturnCode %q", ErrBadResponse, res, r.ProcReturnCode())
	}
	return nil
}
