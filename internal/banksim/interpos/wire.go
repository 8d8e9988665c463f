package interpossim

import (
	"net/url"
	"strings"
)

// maxRequest bounds a request body; real ones are under 2 KB.
const maxRequest = 64 << 10

// contentType of replies: plain text, UTF-8.
const contentType = "text/plain; charset=utf-8"

// Operation names, also used to target faults: the TxnType, except that the
// provisioning of an authenticated 3DModel payment (a NonSecure Auth or
// PreAuth carrying MD) is Op3DPayment.
const (
	OpAuth          = "Auth"
	OpPreAuth       = "PreAuth"
	OpPostAuth      = "PostAuth"
	OpVoid          = "Void"
	OpRefund        = "Refund"
	OpStatusHistory = "StatusHistory"
	Op3DPayment     = "3DPayment"
	OpInvalid       = "invalid"
)

// request is an API call's fields. Follow-ups name the order orgOrderId, as
// the bank spells it.
type request struct{ v url.Values }

func (r request) get(k string) string { return strings.TrimSpace(r.v.Get(k)) }

func (r request) order() string {
	if o := r.get("orgOrderId"); o != "" {
		return o
	}
	return r.get("OrderId")
}

func (r request) op() string {
	typ := r.get("TxnType")
	switch typ {
	case OpAuth, OpPreAuth:
		if r.get("MD") != "" {
			return Op3DPayment
		}
		return typ
	case OpPostAuth, OpVoid, OpRefund, OpStatusHistory:
		return typ
	}
	return OpInvalid
}

type kv struct{ k, v string }

// reply is a key=value reply, fields in order.
type reply []kv

func (r reply) get(k string) string {
	for _, x := range r {
		if x.k == k {
			return x.v
		}
	}
	return ""
}

// valueCleaner keeps a value from breaking the ";;" framing.
var valueCleaner = strings.NewReplacer(";", ",", "\r", " ", "\n", " ")

// encode writes the reply as the bank does: key=value pairs joined by ";;".
func (r reply) encode() []byte {
	parts := make([]string, len(r))
	for i, x := range r {
		parts[i] = x.k + "=" + valueCleaner.Replace(x.v)
	}
	return []byte(strings.Join(parts, ";;"))
}
