package interpos

import (
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
)

// codePlatform is the ProcReturnCode InterVPOS gives its own refusals (bad
// credentials, inactive terminal, malformed request...), with the detail in
// ErrorCode, e.g. "B810002" "Terminal Aktif Degil" (captured).
const codePlatform = "81"

// issuerReasons maps the ISO 8583 codes InterVPOS passes on from the issuer.
// Unlisted two-digit codes are ReasonOther; the raw code is always kept in
// Result.BankCode.
var issuerReasons = map[string]gateway.DeclineReason{
	"01": gateway.ReasonCallIssuer,
	"02": gateway.ReasonCallIssuer,
	"04": gateway.ReasonFraudSuspected, // pick up card
	"05": gateway.ReasonDoNotHonour,
	"07": gateway.ReasonFraudSuspected,
	"12": gateway.ReasonInvalidTxn,
	"13": gateway.ReasonInvalidTxn, // invalid amount
	"14": gateway.ReasonInvalidCard,
	"15": gateway.ReasonInvalidCard,
	"30": gateway.ReasonInvalidTxn, // format error
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
	"91": gateway.ReasonSystemError,
	"96": gateway.ReasonSystemError,
}

// Platform error codes (ErrorCode, with ProcReturnCode 81). "B810002" was
// captured from Denizbank's hosts; the others are the Kasa simulator's
// numbering in the same shape, since the bank's list is not public. Unlisted
// ones are ReasonInvalidTxn.
const (
	errTerminalInactive = "B810002" // captured: "Terminal Aktif Degil"
	errNotFound         = "B810111" // simulator: no such order/transaction
	errDuplicateOrder   = "B810110" // simulator: order id already used
)

var platformReasons = map[string]gateway.DeclineReason{
	errTerminalInactive: gateway.ReasonInvalidTxn,
	errDuplicateOrder:   gateway.ReasonDuplicateOrder,
	"B810104":           gateway.ReasonInvalidCard,  // simulator: card number
	"B810105":           gateway.ReasonInvalidCard,  // simulator: expiry
	"B810106":           gateway.ReasonInvalidCVV,   // simulator: CVV
	"B810107":           gateway.ReasonInstallments, // simulator: installment count not allowed
}

// classify turns a parsed reply into a Result.
func classify(resp *Response) *gateway.Result {
	return classifyFields(resp.ProcReturnCode(), resp.Get("ErrorCode"), resp.Get("ErrorMessage"),
		resp.Get("AuthCode"), resp.Get("HostRefNum"), resp.Get("TransId"))
}

// classifyFields decides the Outcome from ProcReturnCode alone — "00" is the
// only approval, other two-digit ISO codes are the issuer's declines, 81 and
// anything longer ("E31") are the platform's refusals (Rejected: no money
// moved) — so that ErrorCode and the message, which a 3D callback does not
// sign, only ever refine the Reason.
func classifyFields(code, errCode, msg, authCode, hostRef, transID string) *gateway.Result {
	res := &gateway.Result{
		BankCode:      code,
		BankErrorCode: errCode,
		BankMessage:   msg,
		AuthCode:      authCode,
		HostRef:       hostRef,
		TransID:       transID,
	}
	if code == "00" {
		res.Outcome = gateway.Approved
		return res
	}
	res.AuthCode = "" // a decline may echo the original's approval code
	upper := strings.ToUpper(code)
	if len(upper) == 2 && upper != codePlatform {
		res.Outcome = gateway.Declined
		res.Reason = issuerReasons[upper]
		if res.Reason == "" {
			res.Reason = gateway.ReasonOther
		}
		return res
	}
	res.Outcome = gateway.Rejected
	switch {
	case isDuplicate(errCode, msg):
		// The bank refused the new request; an earlier one with this order
		// id may have been approved, which only a status query can tell.
		res.Reason = gateway.ReasonDuplicateOrder
	case platformReasons[strings.ToUpper(errCode)] != "":
		res.Reason = platformReasons[strings.ToUpper(errCode)]
	default:
		res.Reason = gateway.ReasonInvalidTxn
	}
	return res
}

func isDuplicate(errCode, msg string) bool {
	if strings.EqualFold(errCode, errDuplicateOrder) {
		return true
	}
	m := foldTurkish(msg)
	return strings.Contains(m, "siparis") && (strings.Contains(m, "daha once") || strings.Contains(m, "zaten"))
}

// isNotFound recognises "no such order" by code or, for hosts that word it
// without one, by message.
func isNotFound(resp *Response) bool {
	if strings.EqualFold(resp.Get("ErrorCode"), errNotFound) {
		return true
	}
	return resp.ProcReturnCode() == codePlatform && strings.Contains(foldTurkish(resp.Get("ErrorMessage")), "bulunamad")
}

var turkishFold = strings.NewReplacer(
	"ç", "c", "Ç", "c", "ğ", "g", "Ğ", "g", "ı", "i", "İ", "i",
	"ö", "o", "Ö", "o", "ş", "s", "Ş", "s", "ü", "u", "Ü", "u",
)

// foldTurkish lower-cases and strips Turkish diacritics: hosts send the same
// message with and without them ("Terminal Aktif Degil").
func foldTurkish(s string) string { return strings.ToLower(turkishFold.Replace(s)) }
