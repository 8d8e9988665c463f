package payflex

import "github.com/kasapos/kasa/internal/gateway"

// ResultCode values. "0000" is the only approval. Codes marked "captured"
// appear in real replies (research notes §2.4); the others are the
// numbering of Kasa's PayFlex simulator, the bank's full list not being
// public.
const (
	codeApproved        = "0000"
	codeInvalidCard     = "0312" // captured: RED-GEÇERSİZ KART
	codeAllRefunded     = "1059" // captured: İşlemin tamamı iade edilmiş
	codeAlreadyCanceled = "1083" // captured: Referans işlem daha önceden iptal edilmiş
	codeNoMerchant      = "9039" // captured: Üye işyeri bulunamadı
	codeMerchantUnknown = "9065" // captured: Üye işyeri bulunamadı (Search)
	codeDuplicateOrder  = "1041" // simulator: order id already used
	codeNotFound        = "1016" // simulator: reference transaction not found
)

// The issuer's ISO 8583 answer arrives as "00NN"; unlisted codes of that
// shape are ReasonOther.
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

// IssuerReason is the reason of the issuer's answer nn (the NN of "00NN"),
// "" for a code not listed. Common Payment (payflexcp) shares the VPOS codes.
func IssuerReason(nn string) gateway.DeclineReason { return issuerReasons[nn] }

// refusalReasons are PayFlex refusing the request itself (Rejected).
var refusalReasons = map[string]gateway.DeclineReason{
	codeAllRefunded:     gateway.ReasonInvalidTxn,
	codeAlreadyCanceled: gateway.ReasonInvalidTxn,
	codeNoMerchant:      gateway.ReasonInvalidTxn,
	codeMerchantUnknown: gateway.ReasonInvalidTxn,
	codeDuplicateOrder:  gateway.ReasonDuplicateOrder,
	codeNotFound:        gateway.ReasonInvalidTxn,
	"1015":              gateway.ReasonInvalidCard,  // simulator: card number format
	"1017":              gateway.ReasonExpiredCard,  // simulator: expiry format
	"1018":              gateway.ReasonInvalidCVV,   // simulator: cvv format
	"1019":              gateway.ReasonInstallments, // simulator: installment plan
	"1020":              gateway.ReasonNotPermitted, // simulator: MPI evidence refused
}

// issuerCode returns NN for a ResultCode "00NN".
func issuerCode(code string) (string, bool) {
	if len(code) != 4 || code[:2] != "00" || code == codeApproved {
		return "", false
	}
	for i := 2; i < 4; i++ {
		if code[i] < '0' || code[i] > '9' {
			return "", false
		}
	}
	return code[2:], true
}

// classify turns a VposResponse into a Result: "0000" approves; an issuer
// code "00NN" or the captured 0312 is a decline; anything else is PayFlex
// refusing the request (Rejected).
func classify(r *Response) *gateway.Result {
	res := &gateway.Result{
		BankCode:    r.ResultCode,
		BankMessage: r.ResultDetail,
		AuthCode:    r.AuthCode,
		HostRef:     r.Rrn,
		TransID:     r.TransactionID,
	}
	if r.ResultCode == codeApproved {
		res.Outcome = gateway.Approved
		return res
	}
	res.AuthCode = "" // declines carry "000000"
	if nn, ok := issuerCode(r.ResultCode); ok {
		res.Outcome, res.Reason = gateway.Declined, issuerReasons[nn]
		if res.Reason == "" {
			res.Reason = gateway.ReasonOther
		}
		return res
	}
	if r.ResultCode == codeInvalidCard {
		res.Outcome, res.Reason = gateway.Declined, gateway.ReasonInvalidCard
		return res
	}
	res.Outcome, res.BankErrorCode = gateway.Rejected, r.ResultCode
	res.Reason = refusalReasons[r.ResultCode]
	if res.Reason == "" {
		res.Reason = gateway.ReasonInvalidTxn
	}
	return res
}
