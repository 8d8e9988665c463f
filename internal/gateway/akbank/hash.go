package akbank

import (
	"crypto/hmac"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
)

// The secret key is used as the HMAC key exactly as the merchant panel shows
// it (a hex string, not decoded): Akbank's published test vectors only
// verify that way.

// HashBody is the auth-hash header of an API request:
// base64(HMAC-SHA512(secretKey, raw JSON body)).
func HashBody(body []byte, secretKey string) string {
	m := hmac.New(sha512.New, []byte(secretKey))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// hashConcat is base64(HMAC-SHA512(secretKey, concatenation of parts)),
// with no separators, as both 3D hashes are built.
func hashConcat(secretKey string, parts ...string) string {
	m := hmac.New(sha512.New, []byte(secretKey))
	for _, p := range parts {
		m.Write([]byte(p))
	}
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// formHashFields is the order of the 3D gate form's hash. Fields not posted
// (the card fields of 3D_PAY_HOSTING, the reward amounts, subMerchantId,
// emailAddress, b2bIdentityNumber) count as "".
var formHashFields = []string{
	"paymentModel", "txnCode", "merchantSafeId", "terminalSafeId", "orderId", "lang", "amount",
	"ccbRewardAmount", "pcbRewardAmount", "xcbRewardAmount", "currencyCode", "installCount",
	"okUrl", "failUrl", "emailAddress", "subMerchantId", "creditCard", "expiredDate", "cvv",
	"randomNumber", "requestDateTime", "b2bIdentityNumber",
}

// Hash3DForm is the hash field of a 3D gate form.
func Hash3DForm(fields map[string]string, secretKey string) string {
	parts := make([]string, len(formHashFields))
	for i, k := range formHashFields {
		parts[i] = fields[k]
	}
	return hashConcat(secretKey, parts...)
}

// The gate's callback names the fields it signed in hashParams, joined by
// "+", and signs the concatenation of their values. Kasa never reads
// hashParams: it hashes its own fixed list, in the bank's order. The bank
// lists only the fields it filled, and an empty field adds nothing to a
// concatenation, so hashing the full list with absent fields as "" gives
// the bank's hash whichever of them it filled.
//
// Because values are concatenated without separators, moving characters
// from one signed field into its neighbour keeps the hash. Verify3D
// therefore also checks every decision field's exact value or format.
var (
	// callback3DFields: 3D model, the gate's authentication result.
	callback3DFields = []string{
		"txnCode", "responseCode", "responseMessage", "txnDateTime", "merchantSafeId", "terminalSafeId",
		"orderId", "secureId", "secureEcomInd", "secureData", "secureMd",
	}
	// callbackPayFields: 3D_PAY and 3D_PAY_HOSTING, the bank's provisioning
	// result. The position of pcbRewardDesc and xcbRewardDesc (never seen
	// filled) is inferred from ccbRewardDesc's.
	callbackPayFields = []string{
		"txnCode", "responseCode", "responseMessage", "hostResponseCode", "hostMessage", "txnDateTime",
		"merchantSafeId", "terminalSafeId", "orderId", "cardHolderName", "authCode", "rrn", "batchNumber",
		"stan", "additionalInstallCount", "deferingMonth", "ccbEarnedRewardAmount", "ccbBalanceRewardAmount",
		"ccbRewardDesc", "pcbEarnedRewardAmount", "pcbBalanceRewardAmount", "pcbRewardDesc",
		"xcbEarnedRewardAmount", "xcbBalanceRewardAmount", "xcbRewardDesc",
	}
)

// HashCallback computes a callback's hash over signed, the fixed list of
// its model.
func HashCallback(fields map[string]string, signed []string, secretKey string) string {
	parts := make([]string, len(signed))
	for i, k := range signed {
		parts[i] = fields[k]
	}
	return hashConcat(secretKey, parts...)
}

// verifyCallback compares got with the callback's hash in constant time.
func verifyCallback(fields map[string]string, signed []string, secretKey, got string) bool {
	if got == "" {
		return false
	}
	want := HashCallback(fields, signed, secretKey)
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// CallbackFields is the fixed signed-field list of a 3D model's callback.
func CallbackFields(model string) []string {
	if model == "3d" {
		return append([]string(nil), callback3DFields...)
	}
	return append([]string(nil), callbackPayFields...)
}
