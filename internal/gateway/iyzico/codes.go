package iyzico

import (
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
)

// Card declines come back as status "failure" with a five-digit errorCode
// "100NN" (NN being the issuer's ISO 8583 response code, e.g. 10051
// insufficient funds) or a 102xx iyzico code, plus an errorGroup. Anything
// else (validation errors such as 11 "Geçersiz istek", 1000 "Geçersiz
// imza") means iyzico refused our request: Rejected.
var errorReasons = map[string]gateway.DeclineReason{
	"10005": gateway.ReasonDoNotHonour,
	"10012": gateway.ReasonInvalidTxn,
	"10041": gateway.ReasonLostOrStolen,
	"10043": gateway.ReasonLostOrStolen,
	"10051": gateway.ReasonInsufficientFunds,
	"10054": gateway.ReasonExpiredCard,
	"10057": gateway.ReasonNotPermitted,
	"10058": gateway.ReasonNotPermitted,
	"10034": gateway.ReasonFraudSuspected,
	"10084": gateway.ReasonInvalidCVV,
	"10093": gateway.ReasonNotPermitted, // card blocked for online use
	"10201": gateway.ReasonNotPermitted,
	"10204": gateway.ReasonSystemError,
	"10206": gateway.ReasonInvalidCVV,
	"10215": gateway.ReasonInvalidCard,
	"10217": gateway.ReasonNotPermitted,
	"10219": gateway.ReasonSystemError, // bank timeout
	"10222": gateway.ReasonNotPermitted,
	"10225": gateway.ReasonNotPermitted, // restricted card
	"10226": gateway.ReasonLimitExceeded,
	"10227": gateway.ReasonInvalidCard,
	"10228": gateway.ReasonSystemError,
	"10229": gateway.ReasonExpiredCard,
}

// isoReasons covers "100NN" codes not listed above by their ISO 8583 part.
var isoReasons = map[string]gateway.DeclineReason{
	"01": gateway.ReasonCallIssuer,
	"02": gateway.ReasonCallIssuer,
	"04": gateway.ReasonFraudSuspected,
	"07": gateway.ReasonFraudSuspected,
	"13": gateway.ReasonInvalidTxn,
	"14": gateway.ReasonInvalidCard,
	"15": gateway.ReasonInvalidCard,
	"33": gateway.ReasonExpiredCard,
	"59": gateway.ReasonFraudSuspected,
	"61": gateway.ReasonLimitExceeded,
	"62": gateway.ReasonNotPermitted,
	"65": gateway.ReasonLimitExceeded,
	"82": gateway.ReasonInvalidCVV,
	"91": gateway.ReasonSystemError,
	"96": gateway.ReasonSystemError,
}

// groupReasons maps errorGroup when the code is not known.
var groupReasons = map[string]gateway.DeclineReason{
	"NOT_SUFFICIENT_FUNDS":        gateway.ReasonInsufficientFunds,
	"DO_NOT_HONOUR":               gateway.ReasonDoNotHonour,
	"INVALID_TRANSACTION":         gateway.ReasonInvalidTxn,
	"LOST_CARD":                   gateway.ReasonLostOrStolen,
	"STOLEN_CARD":                 gateway.ReasonLostOrStolen,
	"EXPIRED_CARD":                gateway.ReasonExpiredCard,
	"INVALID_CVC2":                gateway.ReasonInvalidCVV,
	"NOT_PERMITTED_TO_CARDHOLDER": gateway.ReasonNotPermitted,
	"NOT_PERMITTED_TO_TERMINAL":   gateway.ReasonNotPermitted,
	"FRAUD_SUSPECT":               gateway.ReasonFraudSuspected,
	"PICKUP_CARD":                 gateway.ReasonFraudSuspected,
	"RESTRICTED_BY_LAW":           gateway.ReasonNotPermitted,
	"INVALID_CARD_NUMBER":         gateway.ReasonInvalidCard,
	"CALL_ISSUER":                 gateway.ReasonCallIssuer,
	"LIMIT_EXCEEDED":              gateway.ReasonLimitExceeded,
}

// Non-card error codes Kasa acts on. ErrCodePaymentNotFound and
// ErrCodeDuplicate are the simulator's; iyzico's own numbers for them are
// not published, so the adapter also recognises them by message.
const (
	ErrCodeInvalidRequest   = "11"
	ErrCodeInvalidSignature = "1000"
	ErrCodePaymentNotFound  = "5115"
	ErrCodeDuplicate        = "5125"
	ErrCodeRefundExceeds    = "5093"
)

// isCardDecline reports whether a failure is the issuer's (or iyzico's
// fraud check's) no, as opposed to our request being refused.
func isCardDecline(r *Response) bool {
	c := r.ErrorCode
	if len(c) == 5 && strings.HasPrefix(c, "10") {
		return true
	}
	_, ok := groupReasons[r.ErrorGroup]
	return ok
}

// reasonOf maps a failure to Kasa's reason.
func reasonOf(r *Response) gateway.DeclineReason {
	if reason, ok := errorReasons[r.ErrorCode]; ok {
		return reason
	}
	if c := r.ErrorCode; len(c) == 5 && strings.HasPrefix(c, "100") {
		if reason, ok := isoReasons[c[3:]]; ok {
			return reason
		}
	}
	if reason, ok := groupReasons[r.ErrorGroup]; ok {
		return reason
	}
	switch {
	case r.ErrorCode == ErrCodeDuplicate || messageHints(r.ErrorMessage, "daha once", "already", "duplicate"):
		return gateway.ReasonDuplicateOrder
	case r.ErrorCode == ErrCodeInvalidRequest || r.ErrorCode == ErrCodeInvalidSignature:
		return gateway.ReasonInvalidTxn
	}
	return gateway.ReasonOther
}

// notFound recognises "no such payment".
func notFound(r *Response) bool {
	return r.ErrorCode == ErrCodePaymentNotFound || messageHints(r.ErrorMessage, "bulunamad", "not found")
}

var asciiFold = strings.NewReplacer("ı", "i", "İ", "i", "ş", "s", "Ş", "s", "ğ", "g", "Ğ", "g", "ü", "u", "Ü", "u", "ö", "o", "Ö", "o", "ç", "c", "Ç", "c")

func messageHints(msg string, hints ...string) bool {
	m := strings.ToLower(asciiFold.Replace(msg))
	for _, h := range hints {
		if strings.Contains(m, h) {
			return true
		}
	}
	return false
}

// classify turns a parsed reply into a Result. The signature has already
// been checked by the caller where the endpoint carries one.
func classify(r *Response) *gateway.Result {
	res := &gateway.Result{
		BankMessage: r.ErrorMessage,
		AuthCode:    r.AuthCode,
		HostRef:     r.HostReference,
		TransID:     r.PaymentID,
	}
	if r.Status == statusSuccess {
		if r.FraudStatus == -1 {
			// iyzico's fraud check refused the payment although the bank
			// approved it; no money is taken.
			res.Outcome, res.Reason, res.BankCode = gateway.Declined, gateway.ReasonFraudSuspected, "fraudStatus=-1"
			return res
		}
		res.Outcome = gateway.Approved
		return res
	}
	res.BankCode, res.BankErrorCode = r.ErrorCode, r.ErrorGroup
	res.Reason = reasonOf(r)
	if isCardDecline(r) {
		res.Outcome = gateway.Declined
	} else {
		res.Outcome = gateway.Rejected
	}
	return res
}
