package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Helpers the protocol adapters share: construction and result shapes that
// do not depend on any bank's wire format.

// Constructor adapts a protocol's New to Descriptor.New. A failed New gives
// a nil Gateway, never a typed nil inside the interface.
func Constructor[G Gateway](newGateway func(Config) (G, error)) func(Config) (Gateway, error) {
	return func(cfg Config) (Gateway, error) {
		g, err := newGateway(cfg)
		if err != nil {
			return nil, err
		}
		return g, nil
	}
}

// Client is the HTTP client to use: cfg.HTTPClient, or DefaultClient().
func (cfg Config) Client() *http.Client {
	if cfg.HTTPClient != nil {
		return cfg.HTTPClient
	}
	return DefaultClient()
}

// ValidEndpoint reports whether s is an absolute http(s) URL with a host.
func ValidEndpoint(s string) bool {
	u, err := url.Parse(s)
	return s != "" && err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// RejectLocal is a request Kasa refused before sending it: nothing reached
// the bank.
func RejectLocal(err error, reason DeclineReason) *Result {
	return &Result{Outcome: Rejected, Reason: reason, BankMessage: err.Error(), Err: err}
}

// Unusable is a reply Kasa cannot read (say a 2xx whose body does not
// parse): the bank may have acted, so the outcome is Unknown until a status
// query says otherwise. err is wrapped in sentinel, the adapter's
// ErrBadResponse, unless it already is one.
func Unusable(sentinel, err error) Result {
	if !errors.Is(err, sentinel) {
		err = fmt.Errorf("%w: %v", sentinel, err)
	}
	return Result{Outcome: Unknown, Reason: ReasonSystemError, BankMessage: err.Error(), Err: err}
}

// StateFromAmounts is the state of an order whose bank-side transactions
// were summed into s: voided if reversed, else refunded, captured or
// authorized by which amounts are set, else pending.
func (s *StatusResult) StateFromAmounts(reversed bool) OrderState {
	switch {
	case reversed:
		return StateVoided
	case s.RefundedAmount > 0:
		return StateRefunded
	case s.CapturedAmount > 0:
		return StateCaptured
	case s.AuthorizedAmount > 0:
		return StateAuthorized
	}
	return StatePending
}

// TxnKind is how one bank-side transaction counts toward its order's status.
type TxnKind int

// The kinds AddTxn sums up; TxnOther (a reversal, an inquiry) adds nothing.
const (
	TxnOther   TxnKind = iota
	TxnSale            // authorized and captured at once
	TxnAuth            // a pre-authorisation
	TxnCapture         // a capture of a pre-authorisation
	TxnRefund          // money given back
)

// AddTxn adds one approved transaction of minor units to s's amounts: a sale
// to the authorized and captured amounts, an auth to the authorized, a
// capture to the captured and a refund to the refunded amount.
func (s *StatusResult) AddTxn(kind TxnKind, minor int64) {
	switch kind {
	case TxnSale:
		s.AuthorizedAmount += minor
		s.CapturedAmount += minor
	case TxnAuth:
		s.AuthorizedAmount += minor
	case TxnCapture:
		s.CapturedAmount += minor
	case TxnRefund:
		s.RefundedAmount += minor
	}
}

// KindOf is the TxnKind of the bank's transaction type t, given the bank's
// names for a sale, an auth, a capture and a refund; case does not matter.
func KindOf(t, sale, auth, capture, refund string) TxnKind {
	switch {
	case strings.EqualFold(t, sale):
		return TxnSale
	case strings.EqualFold(t, auth):
		return TxnAuth
	case strings.EqualFold(t, capture):
		return TxnCapture
	case strings.EqualFold(t, refund):
		return TxnRefund
	}
	return TxnOther
}

// LookupFailed is the result of an operation that needed a query first (to
// name the transaction it acts on) when that query failed with res: the
// operation itself was never sent, so an Unknown query becomes NotSent.
func LookupFailed(res *Result) *Result {
	if res.Outcome == Unknown {
		res.Outcome = NotSent
	}
	return res
}

// OrderIDChars is the character rule most banks apply to order ids:
// letters, digits, '-' and '_'. Anything else is refused rather than escaped,
// since ids are hashed into 3D forms and echoed in replies.
func OrderIDChars(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// CheckOrderID applies the protocol's order-id rule before anything is sent:
// 1 to MaxOrderID characters, each accepted by ok (nil accepts any).
func (d *Descriptor) CheckOrderID(id string, ok func(byte) bool) error {
	switch {
	case id == "":
		return fmt.Errorf("%s: order id is required", d.Name)
	case d.MaxOrderID > 0 && len(id) > d.MaxOrderID:
		return fmt.Errorf("%s: order id longer than %d characters", d.Name, d.MaxOrderID)
	}
	for i := 0; ok != nil && i < len(id); i++ {
		if !ok(id[i]) {
			return fmt.Errorf("%s: order id has character %q", d.Name, id[i])
		}
	}
	return nil
}

// CheckOrder refuses, before sending, an order the protocol cannot carry:
// its id (see CheckOrderID), and when needAmount a positive amount in a
// supported currency. A currency given without need is still checked.
func (d *Descriptor) CheckOrder(o Order, needAmount bool, ok func(byte) bool) error {
	if err := d.CheckOrderID(o.OrderID, ok); err != nil {
		return err
	}
	if needAmount && o.Amount.Minor <= 0 {
		return fmt.Errorf("%s: amount must be positive", d.Name)
	}
	if c := o.Amount.Currency; (needAmount || !c.IsZero()) && !d.SupportsCurrency(c) {
		return fmt.Errorf("%s: currency %q not supported", d.Name, c.Code)
	}
	return nil
}
