package paytr

import (
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
)

// reasonAuthFailed is Kasa's decline reason for a failed or abandoned
// 3-D Secure authentication (payment.ReasonAuthenticationFailed).
const reasonAuthFailed gateway.DeclineReason = "authentication_failed"

// failedReason maps a notification's failed_reason_code (PayTR's table
// "2. Adım İçin Hata Kodları", dev.paytr.com/hata-kodlari) to Kasa's
// reasons:
//
//	0  variable: the issuer's own message (e.g. insufficient limit) — read from failed_reason_msg
//	1  authentication not done (phone number not entered)
//	2  authentication failed (wrong one-time code)
//	3  not approved after PayTR's security check
//	6  the customer gave up or the time limit passed
//	8  no instalments on this card
//	9  the merchant may not take this card
//	10 3-D Secure required
//	11 security warning (suspicious customer)
//	99 technical integration error
//
// The raw code and message are kept as the bank code and message.
func failedReason(code, msg string) gateway.DeclineReason {
	switch code {
	case "0", "":
		return reasonFromMessage(msg)
	case "1", "2", "6":
		return reasonAuthFailed
	case "3", "11":
		return gateway.ReasonFraudSuspected
	case "8":
		return gateway.ReasonInstallments
	case "9", "10":
		return gateway.ReasonNotPermitted
	case "99":
		return gateway.ReasonSystemError
	}
	return gateway.ReasonOther
}

// reasonFromMessage classifies code 0's free-text issuer message by the
// usual Turkish wording. It is a heuristic: PayTR publishes no list of
// these messages, so anything unrecognised is do_not_honour.
func reasonFromMessage(msg string) gateway.DeclineReason {
	m := strings.ToLower(msg)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(m, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("bakiye", "yetersiz", "insufficient"):
		return gateway.ReasonInsufficientFunds
	case has("limit"):
		return gateway.ReasonLimitExceeded
	case has("kayıp", "çalıntı", "lost", "stolen"):
		return gateway.ReasonLostOrStolen
	case has("vadesi", "süresi dolmuş", "son kullanma", "expired"):
		return gateway.ReasonExpiredCard
	case has("cvv", "cvc", "güvenlik kodu"):
		return gateway.ReasonInvalidCVV
	case has("kart numarası", "geçersiz kart", "invalid card"):
		return gateway.ReasonInvalidCard
	case has("geçersiz işlem", "invalid transaction"):
		return gateway.ReasonInvalidTxn
	case has("bankanızı arayın", "bankanızı arayınız", "call"):
		return gateway.ReasonCallIssuer
	case has("şüpheli", "fraud"):
		return gateway.ReasonFraudSuspected
	case has("izin", "kısıtlı", "not permitted"):
		return gateway.ReasonNotPermitted
	case has("yanıt vermiyor", "sistem", "system"):
		return gateway.ReasonSystemError
	}
	return gateway.ReasonDoNotHonour
}

// refundResult classifies a refund API error (err_no per PayTR's error
// table, as republished by integrators; not verified against a live
// answer). Every one of them is a refusal: no money moved.
func refundResult(r *RefundReply) *gateway.Result {
	res := &gateway.Result{Outcome: gateway.Declined, BankCode: r.ErrNo, BankErrorCode: r.ErrNo, BankMessage: r.ErrMsg}
	switch r.ErrNo {
	case "001", "002", "003", "004":
		// bad request, store inactive, bad order id, amount or token
		res.Outcome, res.Reason = gateway.Rejected, gateway.ReasonInvalidTxn
	case "005", "007":
		// no successful payment with this order id; notification not finished
		res.Outcome, res.Reason = gateway.Rejected, gateway.ReasonInvalidTxn
	case "000":
		res.Reason = gateway.ReasonSystemError // refund impossible right now
	case "008", "011":
		res.Reason = gateway.ReasonNotPermitted // payment type, older than a year
	case "009":
		res.Reason = gateway.ReasonInvalidTxn // above what remains
	case "010":
		res.Reason = gateway.ReasonNotPermitted // the merchant's net balance is too low
	default:
		res.Reason = gateway.ReasonOther
	}
	return res
}
