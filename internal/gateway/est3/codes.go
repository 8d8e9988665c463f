package est3

import (
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
)

// procReturnReasons maps ProcReturnCode (ISO 8583 response codes as EST passes
// them on from the issuer) to Kasa's decline reasons. Unlisted codes are
// ReasonOther; the raw code is always kept in Result.BankCode.
var procReturnReasons = map[string]gateway.DeclineReason{
	"01": gateway.ReasonCallIssuer,
	"02": gateway.ReasonCallIssuer,
	"04": gateway.ReasonFraudSuspected, // pick up card
	"05": gateway.ReasonDoNotHonour,
	"07": gateway.ReasonFraudSuspected, // pick up card, special condition
	"12": gateway.ReasonInvalidTxn,
	"13": gateway.ReasonInvalidTxn, // invalid amount
	"14": gateway.ReasonInvalidCard,
	"15": gateway.ReasonInvalidCard, // no such issuer
	"30": gateway.ReasonInvalidTxn,  // format error
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
	"N7": gateway.ReasonInvalidCVV,
	"91": gateway.ReasonSystemError, // issuer or switch inoperative
	"96": gateway.ReasonSystemError,
}

// coreReasons maps validation errors (ProcReturnCode 99 with Extra/ERRORCODE
// CORE-xxxx). Codes marked "captured" were seen in real bank replies; the
// rest are the ones Kasa's EST simulator uses, which real hosts may number
// differently — those still classify as Rejected, with the message kept.
var coreReasons = map[string]gateway.DeclineReason{
	"CORE-2008": gateway.ReasonInvalidTxn,     // captured: no sale eligible for void
	"CORE-2012": gateway.ReasonInvalidCard,    // captured: card number format
	"CORE-2508": gateway.ReasonInvalidTxn,     // captured: refund before end of day
	"CORE-2603": gateway.ReasonInstallments,   // captured: no installment plan for that count
	"CORE-2005": gateway.ReasonDuplicateOrder, // simulator: order id already used
	"CORE-2013": gateway.ReasonInvalidCard,    // simulator: expiry format
	"CORE-2014": gateway.ReasonInvalidCVV,     // simulator: cvv format
}

// duplicateHints recognise a duplicate order id from the message, since hosts
// word it differently. Matched on a lower-cased, ASCII-folded ErrMsg.
var duplicateHints = [][]string{
	{"duplicate", "order"},
	{"daha once", "siparis"},
	{"zaten", "siparis"},
	{"already", "order"},
}

// classify turns a parsed reply into a Result. ProcReturnCode "00" is the only
// approval. 99 with a CORE-xxxx code is a validation refusal (Rejected: no
// money moved). Anything else is the issuer's or host's decline.
func classify(resp *Response) *gateway.Result {
	res := &gateway.Result{
		BankCode:      resp.ProcReturnCode,
		BankErrorCode: resp.ErrorCode(),
		BankMessage:   resp.ErrMsg,
		AuthCode:      resp.AuthCode,
		HostRef:       resp.HostRefNum,
		TransID:       resp.TransID,
	}
	if resp.ProcReturnCode == "00" {
		res.Outcome = gateway.Approved
		return res
	}
	errCode := strings.ToUpper(res.BankErrorCode)
	switch {
	case isDuplicate(errCode, resp.ErrMsg):
		// The bank refused the new request; an earlier one with this order id
		// may have been approved, which only a status query can tell.
		res.Outcome, res.Reason = gateway.Rejected, gateway.ReasonDuplicateOrder
	case resp.ProcReturnCode == "99" && strings.HasPrefix(errCode, "CORE-"):
		res.Outcome = gateway.Rejected
		res.Reason = coreReasons[errCode]
		if res.Reason == "" {
			res.Reason = gateway.ReasonInvalidTxn
		}
	default:
		res.Outcome = gateway.Declined
		res.Reason = procReturnReasons[strings.ToUpper(resp.ProcReturnCode)]
		if res.Reason == "" {
			res.Reason = gateway.ReasonOther
		}
	}
	return res
}

func isDuplicate(errCode, msg string) bool {
	if coreReasons[errCode] == gateway.ReasonDuplicateOrder {
		return true
	}
	m := foldTurkish(msg)
	for _, hint := range duplicateHints {
		all := true
		for _, w := range hint {
			if !strings.Contains(m, w) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

var turkishFold = strings.NewReplacer(
	"ç", "c", "Ç", "c", "ğ", "g", "Ğ", "g", "ı", "i", "İ", "i",
	"ö", "o", "Ö", "o", "ş", "s", "Ş", "s", "ü", "u", "Ü", "u",
)

// foldTurkish lower-cases and strips Turkish diacritics, since hosts send the
// same message with and without them.
func foldTurkish(s string) string { return strings.ToLower(turkishFold.Replace(s)) }
