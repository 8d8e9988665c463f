package payfor

import (
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
)

// issuerReasons maps the two-digit ISO 8583 codes PayFor passes on from the
// issuer. Unlisted codes are ReasonOther; the raw code is always kept in
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
	"N7": gateway.ReasonInvalidCVV,
	"91": gateway.ReasonSystemError,
	"96": gateway.ReasonSystemError,
}

// platformReasons maps PayFor's own codes (letter prefix or more than two
// digits): the platform refused the request before any issuer saw it, so
// these are Rejected. Codes marked "captured" were seen in real replies; the
// others are the Kasa simulator's numbering. Unlisted ones are
// ReasonInvalidTxn.
var platformReasons = map[string]gateway.DeclineReason{
	"V001":   gateway.ReasonInvalidTxn,     // captured: invalid credentials
	"V004":   gateway.ReasonInvalidTxn,     // captured: invalid credentials
	"V013":   gateway.ReasonInvalidTxn,     // captured: "Seçili İşlem Bulunamadı!" (no such transaction)
	"V014":   gateway.ReasonInvalidTxn,     // captured: refund refused, void the original instead
	"V036":   gateway.ReasonInvalidTxn,     // captured: server IP not defined for the merchant
	"M041":   gateway.ReasonInvalidCard,    // captured: "Geçersiz kart numarası"
	"101310": gateway.ReasonDuplicateOrder, // captured: "Verilen sipariş no önceden kullanılmıştır."
	"V201":   gateway.ReasonInvalidCard,    // simulator: expiry format
	"V202":   gateway.ReasonInvalidCVV,     // simulator: CVV format
	"V203":   gateway.ReasonInstallments,   // simulator: installment count not allowed
}

// threeDFailures are the codes of a failed cardholder authentication (in a
// 3D callback, or a 3DModelPayment for a failed session): the cardholder or
// the issuer said no, so they are declines, not malformed requests.
var threeDFailures = map[string]bool{
	"V034": true, // captured: "3D Kullanıcı Doğrulama Adımı Başarısız"
	"MR15": true, // captured: "3D Secure Authorize Error"
}

// classify turns a parsed reply into a Result. ProcReturnCode "00" is the
// only approval.
func classify(resp *Response) *gateway.Result {
	return classifyFields(resp.ProcReturnCode(), resp.Get("ErrMsg"), resp.Get("AuthCode"), resp.Get("HostRefNum"), resp.Get("TransId"))
}

func classifyFields(code, msg, authCode, hostRef, transID string) *gateway.Result {
	res := &gateway.Result{
		BankCode:    code,
		BankMessage: msg,
		AuthCode:    authCode,
		HostRef:     hostRef,
		TransID:     transID,
	}
	if code == "00" {
		res.Outcome = gateway.Approved
		return res
	}
	res.AuthCode = "" // some declines echo the original's approval code
	upper := strings.ToUpper(code)
	switch {
	case isDuplicate(upper, msg):
		// The bank refused the new request; an earlier one with this order id
		// may have been approved, which only a status query can tell.
		res.Outcome, res.Reason, res.BankErrorCode = gateway.Rejected, gateway.ReasonDuplicateOrder, code
	case threeDFailures[upper]:
		res.Outcome, res.Reason, res.BankErrorCode = gateway.Declined, gateway.ReasonOther, code
	case isIssuerCode(upper):
		res.Outcome = gateway.Declined
		res.Reason = issuerReasons[upper]
		if res.Reason == "" {
			res.Reason = gateway.ReasonOther
		}
	default:
		res.Outcome, res.BankErrorCode = gateway.Rejected, code
		res.Reason = platformReasons[upper]
		if res.Reason == "" {
			res.Reason = gateway.ReasonInvalidTxn
		}
	}
	return res
}

// isIssuerCode: ISO 8583 response codes are two characters.
func isIssuerCode(code string) bool { return len(code) == 2 }

func isDuplicate(code, msg string) bool {
	if platformReasons[code] == gateway.ReasonDuplicateOrder {
		return true
	}
	m := foldTurkish(msg)
	return strings.Contains(m, "siparis no") && strings.Contains(m, "onceden kullanil")
}

var turkishFold = strings.NewReplacer(
	"ç", "c", "Ç", "c", "ğ", "g", "Ğ", "g", "ı", "i", "İ", "i",
	"ö", "o", "Ö", "o", "ş", "s", "Ş", "s", "ü", "u", "Ü", "u",
)

// foldTurkish lower-cases and strips Turkish diacritics, since hosts send the
// same message with and without them.
func foldTurkish(s string) string { return strings.ToLower(turkishFold.Replace(s)) }
