package payflexcp

import "github.com/kasapos/kasa/internal/gateway"

// issuerReasons maps the issuer's ISO 8583 answer, which the VPOS passes
// on as Rc "00NN" (captured: 0057 "RED-KARTIN İŞLEM İZNİ YOK").
var issuerReasons = map[string]gateway.DeclineReason{
	"01": gateway.ReasonCallIssuer, "02": gateway.ReasonCallIssuer, "04": gateway.ReasonFraudSuspected,
	"05": gateway.ReasonDoNotHonour, "07": gateway.ReasonFraudSuspected, "12": gateway.ReasonInvalidTxn,
	"13": gateway.ReasonInvalidTxn, "14": gateway.ReasonInvalidCard, "15": gateway.ReasonInvalidCard,
	"33": gateway.ReasonExpiredCard, "34": gateway.ReasonFraudSuspected, "41": gateway.ReasonLostOrStolen,
	"43": gateway.ReasonLostOrStolen, "51": gateway.ReasonInsufficientFunds, "54": gateway.ReasonExpiredCard,
	"57": gateway.ReasonNotPermitted, "58": gateway.ReasonNotPermitted, "59": gateway.ReasonFraudSuspected,
	"61": gateway.ReasonLimitExceeded, "62": gateway.ReasonNotPermitted, "65": gateway.ReasonLimitExceeded,
	"82": gateway.ReasonInvalidCVV, "91": gateway.ReasonSystemError, "96": gateway.ReasonSystemError,
}

// classify maps the query's Rc: "0000" approved; "00NN" the issuer
// declined; any other code (e.g. captured 2053 "VeRes status is E") is
// Common Payment or 3D Secure stopping the transaction before the issuer.
func classify(t *Transaction) *gateway.Result {
	res := &gateway.Result{BankCode: t.Rc, BankMessage: t.Message, TransID: t.TransactionID}
	switch {
	case t.Rc == "0000":
		res.Outcome, res.AuthCode, res.HostRef = gateway.Approved, t.AuthCode, t.Rrn
	case len(t.Rc) == 4 && t.Rc[:2] == "00":
		res.Outcome, res.Reason = gateway.Declined, issuerReasons[t.Rc[2:]]
		if res.Reason == "" {
			res.Reason = gateway.ReasonOther
		}
	default:
		res.Outcome, res.Reason, res.BankErrorCode = gateway.Rejected, gateway.ReasonNotPermitted, t.Rc
	}
	return res
}
