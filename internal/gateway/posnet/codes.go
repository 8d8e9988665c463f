package posnet

import (
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/internal/posnetcore"
)

// PosNet's own refusals: the request never reached the issuer. Codes marked
// "captured" were seen in real replies; the others are the numbering of
// Kasa's PosNet simulator (the bank's full list is not public). Any other
// code that is not an issuer code is Rejected with ReasonInvalidTxn.
const (
	codeInvalidMIDTIDIP = "0148" // captured: INVALID MID TID IP
	codeDuplicateOrder  = "0127" // captured: ORDERID DAHA ONCE KULLANILMIS
	codeNotFound        = "0123" // captured: transaction not found
	codeMACError        = "E216" // captured: Mac doğrulama hatalı
)

var refusalReasons = map[string]gateway.DeclineReason{
	codeInvalidMIDTIDIP: gateway.ReasonInvalidTxn,
	codeDuplicateOrder:  gateway.ReasonDuplicateOrder,
	codeNotFound:        gateway.ReasonInvalidTxn,
	codeMACError:        gateway.ReasonInvalidTxn,
	"0104":              gateway.ReasonInvalidCard,  // simulator: card number format
	"0105":              gateway.ReasonExpiredCard,  // simulator: expiry format
	"0106":              gateway.ReasonInvalidCVV,   // simulator: cvc format
	"0107":              gateway.ReasonInstallments, // simulator: installment plan
}

// issuerCode returns NN for a respCode of the form "00NN".
func issuerCode(respCode string) (string, bool) {
	if len(respCode) != 4 || respCode[:2] != "00" || !isDigits(respCode[2:]) {
		return "", false
	}
	return respCode[2:], true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// classify turns a parsed reply into a Result. approved "1" with no respCode
// is the only approval. "2" means the order id was already used: the bank
// refused this request and echoes the earlier transaction, which only a
// status query may confirm. An issuer code ("00NN") is a decline; any other
// respCode is PosNet refusing the request itself.
func classify(resp *Response) *gateway.Result {
	res := &gateway.Result{
		BankCode:    resp.RespCode,
		BankMessage: resp.RespText,
		AuthCode:    resp.AuthCode,
		HostRef:     resp.HostLogKey,
	}
	if res.BankCode == "" {
		res.BankCode = resp.Approved
	}
	if resp.Approved == "1" && resp.RespCode == "" {
		res.Outcome = gateway.Approved
		return res
	}
	code := strings.ToUpper(resp.RespCode)
	if resp.Approved == "2" || code == codeDuplicateOrder {
		res.Outcome, res.Reason, res.BankErrorCode = gateway.Rejected, gateway.ReasonDuplicateOrder, resp.RespCode
		return res
	}
	if nn, ok := issuerCode(code); ok {
		res.Outcome = gateway.Declined
		res.Reason = posnetcore.IssuerReason(nn)
		if res.Reason == "" {
			res.Reason = gateway.ReasonOther
		}
		return res
	}
	if code == "" {
		res.Outcome, res.Reason = gateway.Declined, gateway.ReasonOther
		return res
	}
	res.Outcome, res.BankErrorCode = gateway.Rejected, resp.RespCode
	res.Reason = refusalReasons[code]
	if res.Reason == "" {
		res.Reason = gateway.ReasonInvalidTxn
	}
	return res
}
