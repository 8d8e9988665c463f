package gateway

import (
	"context"
	"net/url"

	"github.com/kasapos/kasa/internal/card"
)

// 3D Secure models a POS may use.
const (
	Model3D     = "3d"      // bank authenticates, Kasa provisions with the 3D evidence
	Model3DPay  = "3d_pay"  // bank authenticates and provisions, posts the result back
	Model3DHost = "3d_host" // bank hosts the card form too; result posted back
)

// ThreeDRequest starts a 3D Secure payment. The callback URLs are Kasa's:
// the bank posts the browser back there and Kasa verifies before trusting.
type ThreeDRequest struct {
	Order
	Model        string
	Capture      bool // sale or pre-authorisation
	Installments int
	Card         card.Card // zero for Model3DHost
	OkURL        string
	FailURL      string
	Lang         string // "tr" or "en"
	Email        string
}

// ThreeDForm is what the customer's browser must do next: POST Fields to
// URL (an auto-submitting form), or, when Fields is empty, GET URL.
type ThreeDForm struct {
	URL    string
	Fields []Field
	// Session is protocol data Kasa must keep until the callback (e.g. a
	// PosNet data1/data2 pair or a PayFlex enrollment id). It must not hold
	// card data; Kasa stores it encrypted with the attempt.
	Session map[string]string
}

// Field is one form field; order is kept because some banks hash in order.
type Field struct{ Name, Value string }

// ThreeDStarter starts 3D Secure. Protocols that need a server-to-server
// enrollment call first (PosNet, PayFlex) make it here; its failures are
// classified like any bank call. On success it returns the form and an
// Approved (or nil) Result.
type ThreeDStarter interface {
	Start3D(ctx context.Context, req *ThreeDRequest) (*ThreeDForm, *Result)
}

// ThreeDCallback is the bank's POST back to Kasa, with what Kasa stored for
// the attempt. Adapters must compare the order id, amount and currency in the
// callback with Expected and must never read the amount from the callback.
type ThreeDCallback struct {
	Model    string
	Expected Order
	Capture  bool
	Form     url.Values
	Session  map[string]string
}

// Authentication levels of a 3D result.
type AuthLevel string

const (
	AuthFull      AuthLevel = "full"      // cardholder authenticated (mdStatus 1)
	AuthAttempted AuthLevel = "attempted" // half secure: attempt / not enrolled (mdStatus 2-4)
	AuthFailed    AuthLevel = "failed"    // not authenticated, error, or cancelled
)

// ThreeDResult is a verified callback.
type ThreeDResult struct {
	Auth     AuthLevel
	MDStatus string // the bank's raw status (mdStatus, 3DStatus, ...)
	MDText   string // its meaning
	ECI      string
	CAVV     string
	XID      string
	MD       string
	// Provision holds the bank's provisioning result for 3d_pay / 3d_host
	// (the bank already charged or declined); nil in the 3D model.
	Provision *Result
	// Evidence is protocol data the provisioning call needs (e.g. PosNet's
	// resolved merchant data); never card data.
	Evidence map[string]string
}

// CallbackError is returned by Verify3D when the hash does not verify or
// the callback does not match the attempt. Nothing in such a callback may be
// trusted, including its failure status.
type CallbackError struct{ Reason string }

func (e *CallbackError) Error() string { return "3d callback rejected: " + e.Reason }

// ThreeDCompleteRequest provisions a 3D-model payment after a verified callback.
type ThreeDCompleteRequest struct {
	Order
	Capture      bool
	Installments int
	Result       *ThreeDResult
	Card         card.Card // for protocols that need the card again (PayFlex); else zero
}

// ThreeDVerifier checks a callback with the POS's store key using the
// protocol's own fixed list of signed fields — never a list the callback
// names — compares it in constant time, and extracts the result.
type ThreeDVerifier interface {
	Verify3D(ctx context.Context, cb *ThreeDCallback) (*ThreeDResult, error)
}

// ThreeDCompleter sends the provisioning request of the 3D model.
type ThreeDCompleter interface {
	Complete3D(ctx context.Context, req *ThreeDCompleteRequest) *Result
}
