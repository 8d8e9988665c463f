package interpos

import (
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"strings"
)

// Hash3DForm signs the 3D gate form: base64(SHA1(ShopCode + OrderId +
// PurchAmount + OkUrl + FailUrl + TxnType + InstallmentCount + Rnd +
// storeKey)), no separators. Values must be the exact posted strings.
func Hash3DForm(shopCode, orderID, amount, okURL, failURL, txnType, installments, rnd, storeKey string) string {
	return sha1Base64(shopCode, orderID, amount, okURL, failURL, txnType, installments, rnd, storeKey)
}

// CallbackSigned is the list of callback fields the gate signs, in order, as
// it names them in HASHPARAMS. Kasa verifies with this fixed list only: a
// callback naming any other list is refused, so a sender can never choose
// what is signed (the "HASHPARAMS splicing" attack). It covers the order id,
// amount, currency, callback URLs, ProcReturnCode, Response and mdStatus,
// but not the authentication evidence (Eci, PayerAuthenticationCode,
// PayerTxnId), the approval code or the shop code: those are never decisive.
var CallbackSigned = []string{
	"Version", "PurchAmount", "Exponent", "Currency", "OkUrl", "FailUrl",
	"MD", "OrderId", "ProcReturnCode", "Response", "mdStatus",
}

// CallbackHashParams is CallbackSigned as the bank posts it in HASHPARAMS:
// colon-terminated names.
var CallbackHashParams = strings.Join(CallbackSigned, ":") + ":"

// CallbackHashInput is the signed string of a callback (HASHPARAMSVAL): the
// values of CallbackSigned concatenated without separators, a missing field
// counting as "". get returns a field's posted value.
func CallbackHashInput(get func(string) string) string {
	var b strings.Builder
	for _, k := range CallbackSigned {
		b.WriteString(get(k))
	}
	return b.String()
}

// HashCallback is the callback's HASH: base64(SHA1(HASHPARAMSVAL + storeKey)).
func HashCallback(hashInput, storeKey string) string { return sha1Base64(hashInput, storeKey) }

// VerifyCallback compares got with the expected HASH in constant time.
func VerifyCallback(got, hashInput, storeKey string) bool {
	if got == "" || storeKey == "" {
		return false
	}
	want := HashCallback(hashInput, storeKey)
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

func sha1Base64(parts ...string) string {
	h := sha1.New()
	for _, p := range parts {
		h.Write([]byte(p))
	}
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}
