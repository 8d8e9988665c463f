package boa

import (
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
)

// Approved is the only ResponseCode that means the bank approved.
const Approved = "00"

// issuerReasons maps the ISO 8583 codes BOA passes on from the issuer.
var issuerReasons = map[string]gateway.DeclineReason{
	"01": gateway.ReasonCallIssuer,
	"02": gateway.ReasonCallIssuer,
	"04": gateway.ReasonFraudSuspected,
	"05": gateway.ReasonDoNotHonour,
	"07": gateway.ReasonFraudSuspected,
	"12": gateway.ReasonInvalidTxn,
	"13": gateway.ReasonInvalidTxn,
	"14": gateway.ReasonInvalidCard,
	"15": gateway.ReasonInvalidCard,
	"33": gateway.ReasonExpiredCard,
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

// platformReasons maps BOA's own (non-numeric) codes, which refuse the
// request itself: nothing reached the issuer, so they classify as Rejected.
var platformReasons = map[string]gateway.DeclineReason{
	"MerchantOrderIdAlreadyExists": gateway.ReasonDuplicateOrder,
	"HashDataError":                gateway.ReasonInvalidTxn,
	"InvalidTransactionSecurity":   gateway.ReasonInvalidTxn,
	"InvalidInstallmentCount":      gateway.ReasonInstallments,
	"InvalidCurrencyCode":          gateway.ReasonInvalidTxn,
	"InvalidAmount":                gateway.ReasonInvalidTxn,
	"InvalidCardNumber":            gateway.ReasonInvalidCard,
	"OrderNotFound":                gateway.ReasonInvalidTxn,
	"AmountExceeded":               gateway.ReasonInvalidTxn,
	"InvalidUser":                  gateway.ReasonInvalidTxn,
}

// Classify turns a ResponseCode and message into a Result: "00" approves,
// a two-character ISO code is the issuer's decline, anything else is the
// platform refusing the request (Rejected).
func Classify(code, message string) *gateway.Result {
	res := &gateway.Result{BankCode: code, BankMessage: message}
	switch {
	case code == Approved:
		res.Outcome = gateway.Approved
	case len(code) == 2:
		res.Outcome, res.Reason = gateway.Declined, issuerReasons[strings.ToUpper(code)]
		if res.Reason == "" {
			res.Reason = gateway.ReasonOther
		}
	default:
		res.Outcome, res.Reason, res.BankErrorCode = gateway.Rejected, platformReasons[code], code
		if res.Reason == "" {
			res.Reason = gateway.ReasonInvalidTxn
		}
	}
	return res
}

// ResultOf classifies a parsed transaction reply and copies its references.
func ResultOf(r *Response) *gateway.Result {
	res := Classify(r.ResponseCode, r.ResponseMessage)
	res.AuthCode, res.HostRef, res.TransID = r.ProvisionNumber, r.RRN, r.OrderID
	return res
}
