package posnetv1

import (
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/internal/posnetcore"
)

// The host's own refusals. "captured" codes were seen in real replies; the
// others are the numbering of Kasa's simulator. Other non-issuer codes are
// Rejected with ReasonInvalidTxn.
const (
	codeDuplicateOrder = "0127" // captured: ORDERID DAHA ONCE KULLANILMIS
	codeNotFound       = "0123" // captured: transaction not found
)

var refusalReasons = map[string]gateway.DeclineReason{
	codeDuplicateOrder: gateway.ReasonDuplicateOrder,
	"0104":             gateway.ReasonInvalidCard,  // simulator: card number format
	"0105":             gateway.ReasonExpiredCard,  // simulator: expiry format
	"0106":             gateway.ReasonInvalidCVV,   // simulator: cvc format
	"0107":             gateway.ReasonInstallments, // simulator: installment plan
}

func approvedCode(code string) bool { return code == "00" || code == "0000" }

// classify: "00" (payments) or "0000" (inquiries) approves; "00NN" is the
// issuer declining; any other code is the host refusing the request.
func classify(resp *Response) *gateway.Result {
	res := &gateway.Result{
		BankCode:    resp.ResponseCode,
		BankMessage: resp.ResponseDescription,
		AuthCode:    resp.AuthCode,
		HostRef:     resp.ReferenceCode,
	}
	code := strings.ToUpper(resp.ResponseCode)
	if approvedCode(code) {
		res.Outcome = gateway.Approved
		return res
	}
	if len(code) == 4 && code[:2] == "00" && isDigits(code[2:]) {
		res.Outcome = gateway.Declined
		res.Reason = posnetcore.IssuerReason(code[2:])
		if res.Reason == "" {
			res.Reason = gateway.ReasonOther
		}
		return res
	}
	res.Outcome, res.BankErrorCode = gateway.Rejected, resp.ResponseCode
	res.Reason = refusalReasons[code]
	if res.Reason == "" {
		res.Reason = gateway.ReasonInvalidTxn
	}
	return res
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
