package payflexcp

import (
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/payflex"
)

// classify maps the query's Rc: "0000" approved; "00NN" the issuer declined,
// passed on by the VPOS (captured: 0057 "RED-KARTIN İŞLEM İZNİ YOK") and
// read with PayFlex's issuer codes; any other code (e.g. captured 2053
// "VeRes status is E") is Common Payment or 3D Secure stopping the
// transaction before the issuer.
func classify(t *Transaction) *gateway.Result {
	res := &gateway.Result{BankCode: t.Rc, BankMessage: t.Message, TransID: t.TransactionID}
	switch {
	case t.Rc == "0000":
		res.Outcome, res.AuthCode, res.HostRef = gateway.Approved, t.AuthCode, t.Rrn
	case len(t.Rc) == 4 && t.Rc[:2] == "00":
		res.Outcome, res.Reason = gateway.Declined, payflex.IssuerReason(t.Rc[2:])
		if res.Reason == "" {
			res.Reason = gateway.ReasonOther
		}
	default:
		res.Outcome, res.Reason, res.BankErrorCode = gateway.Rejected, gateway.ReasonNotPermitted, t.Rc
	}
	return res
}
