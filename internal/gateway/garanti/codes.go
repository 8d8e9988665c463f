package garanti

import (
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
)

// hostReasons maps the issuer's ISO 8583 response codes (Source HOST) to
// Kasa's decline reasons. Unlisted codes are ReasonOther; the raw code is
// always kept in Result.BankCode.
var hostReasons = map[string]gateway.DeclineReason{
	"01": gateway.ReasonCallIssuer,
	"02": gateway.ReasonCallIssuer,
	"04": gateway.ReasonFraudSuspected,
	"05": gateway.ReasonDoNotHonour,
	"07": gateway.ReasonFraudSuspected,
	"12": gateway.ReasonInvalidTxn,
	"13": gateway.ReasonInvalidTxn,
	"14": gateway.ReasonInvalidCard,
	"15": gateway.ReasonInvalidCard,
	"30": gateway.ReasonInvalidTxn,
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

// GVPS reason codes (Source GVPS, Code 92): the gateway refused the request
// before the issuer saw it. Codes marked "captured" were seen in real
// replies; the others are the numbering of Kasa's simulator, since the
// bank's full list is not public. Unlisted codes still classify as Rejected.
const (
	ReasonCodeMandatory     = "0002" // captured: mandatory field missing / invalid
	ReasonCodeNoOrder       = "0108" // captured: no record for the order id (history)
	ReasonCodeNotFound      = "0110" // captured: transaction not found (orderinq)
	ReasonCodeRefundInvalid = "0208" // captured: the transaction to refund is not valid
	ReasonCodeAuth          = "0651" // simulator: unknown terminal, user or HashData
	ReasonCodeDuplicate     = "0212" // simulator: order id already approved
	ReasonCodeInstallments  = "0223" // simulator: installment count not allowed
	ReasonCodeCard          = "0105" // simulator: card number / expiry / CVV format
)

var gvpsReasons = map[string]gateway.DeclineReason{
	ReasonCodeDuplicate:    gateway.ReasonDuplicateOrder,
	ReasonCodeInstallments: gateway.ReasonInstallments,
	ReasonCodeCard:         gateway.ReasonInvalidCard,
}

// classify turns a parsed reply into a Result. Code "00" is the only
// approval. A refusal by the gateway itself (Source GVPS) is Rejected: no
// money moved and resending the same request cannot succeed. Anything else
// is the issuer's decline.
func classify(resp *Response) *gateway.Result {
	res := &gateway.Result{
		BankCode:    resp.Code,
		BankMessage: resp.ErrorMsg,
		AuthCode:    resp.AuthCode,
		HostRef:     resp.RetrefNum,
	}
	if res.BankMessage == "" {
		res.BankMessage = resp.Message
	}
	if resp.Code == "00" {
		res.Outcome = gateway.Approved
		return res
	}
	if strings.EqualFold(resp.Source, "GVPS") {
		res.BankErrorCode = resp.ReasonCode
		res.Outcome = gateway.Rejected
		res.Reason = gvpsReasons[resp.ReasonCode]
		if res.Reason == "" {
			res.Reason = gateway.ReasonInvalidTxn
		}
		return res
	}
	res.Outcome = gateway.Declined
	res.Reason = hostReasons[strings.ToUpper(resp.Code)]
	if res.Reason == "" {
		res.Reason = gateway.ReasonOther
	}
	return res
}

// notFound recognises "no such order" answers to the queries.
func notFound(resp *Response) bool {
	return resp.Code != "00" && strings.EqualFold(resp.Source, "GVPS") &&
		(resp.ReasonCode == ReasonCodeNotFound || resp.ReasonCode == ReasonCodeNoOrder)
}
