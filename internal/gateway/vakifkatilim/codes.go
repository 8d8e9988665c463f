package vakifkatilim

import (
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/boa"
)

// Response codes. Two-character codes are the issuer's ISO 8583 answer
// (boa.Classify: "00" approves, others decline); every other code is the
// BOA platform refusing the request (Rejected). Beyond the codes package
// boa already maps, these are Vakıf Katılım's.
//
// Codes marked "captured" appear in replies captured from the bank (public
// library fixtures). The bank publishes no full list: codes marked "sim"
// are the simulator's own numbering for refusals whose real code is not
// public; they are mapped so that the simulator's refusals classify well,
// and a real code missing here still classifies as Rejected with
// invalid_transaction and is kept raw in BankErrorCode.
const (
	CodeMerchantNotDefined = "MerchantNotDefined"       // captured: unknown merchant or API user
	CodeOrderNotFound      = "OrderDataNotFound"        // captured: cancel/refund of an unknown order
	CodeNoResult           = "NonResult"                // captured: a query found nothing
	CodeCardNotEnrolled    = "CardNotEnrolled"          // captured: 3D enrollment, card not in 3-D Secure
	CodeAuthFailed         = "MPIAuthenticationStatusN" // captured: 3D authentication refused
	CodeHashData           = "HashDataError"            // as at Kuveyt Türk
	CodeDuplicateOrder     = "MerchantOrderIdAlreadyExists"
	CodeEmptyMD            = "EmptyMDException"        // sim: provisioning without a matching 3D session
	CodeAuthCancelled      = "MPIAuthenticationCancel" // sim: cardholder cancelled on the ACS
	CodeCancelNotAllowed   = "CancelNotAllowed"        // sim: nothing cancellable (voided, refunded, wrong type)
	CodeBatchClosed        = "EndOfDayClosed"          // sim: cancel after the end of day; refund instead
	CodeCloseNotAllowed    = "CloseNotAllowed"         // sim: capture of something not an open pre-auth
	CodeDrawBackNotAllowed = "DrawBackNotAllowed"      // sim: refund of something not captured
	CodeAmountExceeded     = "AmountExceeded"          // as at Kuveyt Türk's simulator: refund/capture above what is left
)

// platformReasons refine boa.Classify's default reason for these refusals.
var platformReasons = map[string]gateway.DeclineReason{
	CodeMerchantNotDefined: gateway.ReasonInvalidTxn,
	CodeOrderNotFound:      gateway.ReasonInvalidTxn,
	CodeNoResult:           gateway.ReasonInvalidTxn,
	CodeCardNotEnrolled:    gateway.ReasonNotPermitted,
	CodeAuthFailed:         gateway.ReasonNotPermitted,
	CodeAuthCancelled:      gateway.ReasonNotPermitted,
	CodeEmptyMD:            gateway.ReasonInvalidTxn,
	CodeCancelNotAllowed:   gateway.ReasonInvalidTxn,
	CodeBatchClosed:        gateway.ReasonInvalidTxn,
	CodeCloseNotAllowed:    gateway.ReasonInvalidTxn,
	CodeDrawBackNotAllowed: gateway.ReasonInvalidTxn,
}

// classify is boa.Classify with Vakıf Katılım's platform codes; the raw
// code is kept (BankCode, and BankErrorCode for platform refusals).
func classify(code, message string) *gateway.Result {
	res := boa.Classify(code, message)
	if r, ok := platformReasons[code]; ok && res.Outcome == gateway.Rejected {
		res.Reason = r
	}
	return res
}
