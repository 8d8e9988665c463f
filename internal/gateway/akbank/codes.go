package akbank

import (
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
)

// Response codes Kasa acts on. Those marked "captured" appear in replies
// captured from Akbank's test system; the others are the ones Kasa's
// simulator uses, which the bank may number differently — they still
// classify as Rejected, with the message kept.
const (
	codeApproved       = "VPS-0000"
	codeProvision      = "VPS-1005" // captured: the issuer declined; see hostResponseCode
	codeOrigNotFound   = "VPS-1007" // captured: original transaction not found
	codeDuplicateOrder = "VPS-1013" // captured: order id must be unique
	codeBadDateTime    = "VPS-1073" // captured: invalid requestDateTime
	codeNoRecurring    = "VPS-1061" // captured: merchant may not make recurring payments
	codeNotFound       = "VPS-1123" // captured: order history found nothing
	code3DFailed       = "VPS-1279" // captured: 3-D Secure authentication failed
)

// hostReasons maps hostResponseCode (ISO 8583 codes the issuer returns,
// passed on by Akbank) to Kasa's decline reasons. Unlisted codes are
// ReasonOther; the raw code is always kept in Result.BankCode.
var hostReasons = map[string]gateway.DeclineReason{
	"01": gateway.ReasonCallIssuer,
	"02": gateway.ReasonCallIssuer,
	"04": gateway.ReasonFraudSuspected, // pick up card
	"05": gateway.ReasonDoNotHonour,
	"07": gateway.ReasonFraudSuspected,
	"12": gateway.ReasonInvalidTxn,
	"13": gateway.ReasonInvalidTxn, // invalid amount
	"14": gateway.ReasonInvalidCard,
	"15": gateway.ReasonInvalidCard,
	"33": gateway.ReasonExpiredCard,
	"34": gateway.ReasonFraudSuspected,
	"41": gateway.ReasonLostOrStolen,
	"43": gateway.ReasonLostOrStolen,
	"51": gateway.ReasonInsufficientFunds,
	"54": gateway.ReasonExpiredCard,
	"57": gateway.ReasonNotPermitted,
	"58": gateway.ReasonNotPermitted,
	"59": gateway.ReasonFraudSuspected,
	"61": gateway.ReasonLimitExceeded,
	"62": gateway.ReasonNotPermitted,
	"65": gateway.ReasonLimitExceeded,
	"82": gateway.ReasonInvalidCVV,
	"83": gateway.ReasonInstallments, // captured: "183 TAKSIT TUTAR HAT"
	"N7": gateway.ReasonInvalidCVV,
	"91": gateway.ReasonSystemError,
	"96": gateway.ReasonSystemError,
}

// vpsReasons maps Akbank's own refusals (no issuer involved) to reasons.
// VPS-19xx are the simulator's numbering for checks whose real codes are not
// public.
var vpsReasons = map[string]gateway.DeclineReason{
	codeOrigNotFound:   gateway.ReasonInvalidTxn,
	codeDuplicateOrder: gateway.ReasonDuplicateOrder,
	codeBadDateTime:    gateway.ReasonInvalidTxn,
	codeNoRecurring:    gateway.ReasonNotPermitted,
	codeNotFound:       gateway.ReasonInvalidTxn,
	"VPS-1901":         gateway.ReasonInvalidCard,
	"VPS-1902":         gateway.ReasonExpiredCard,
	"VPS-1903":         gateway.ReasonInvalidCVV,
	"VPS-1904":         gateway.ReasonInstallments,
}

// classify turns a parsed reply into a Result. VPS-0000 is the only
// approval. A reply carrying the issuer's hostResponseCode (VPS-1005) is the
// issuer's decline; any other VPS code is Akbank refusing the request before
// the issuer saw it (Rejected: no money moved). BankCode is the issuer's
// code when there is one, else the VPS code; BankErrorCode is the VPS code
// of every refusal.
func classify(resp *Response) *gateway.Result {
	res := &gateway.Result{
		BankCode:    resp.ResponseCode,
		BankMessage: resp.ResponseMessage,
		AuthCode:    resp.AuthCode,
		HostRef:     nonZero(resp.RRN),
	}
	if resp.HostResponseCode != "" {
		res.BankCode = resp.HostResponseCode
	}
	if resp.HostMessage != "" {
		res.BankMessage = resp.HostMessage
	}
	code := strings.ToUpper(resp.ResponseCode)
	if code == codeApproved {
		res.Outcome = gateway.Approved
		return res
	}
	res.BankErrorCode = resp.ResponseCode
	res.AuthCode = nonZero(res.AuthCode) // declines carry "000000"
	host := strings.ToUpper(resp.HostResponseCode)
	switch {
	case host != "" && host != "00":
		res.Outcome = gateway.Declined
		res.Reason = hostReasons[host]
		if res.Reason == "" {
			res.Reason = gateway.ReasonOther
		}
	case code == codeProvision:
		// A provisioning error without the issuer's code: still the issuer's no.
		res.Outcome, res.Reason = gateway.Declined, gateway.ReasonOther
	default:
		// Duplicate order ids land here too: the bank refused the new
		// request, and an earlier one with this order id may have been
		// approved, which only a status query can tell.
		res.Outcome = gateway.Rejected
		res.Reason = vpsReasons[code]
		if res.Reason == "" {
			res.Reason = gateway.ReasonInvalidTxn
		}
	}
	return res
}

// nonZero drops the all-zero placeholders ("0", "000000") Akbank puts in
// rrn and authCode when there is none.
func nonZero(s string) string {
	if strings.Trim(s, "0") == "" {
		return ""
	}
	return s
}
