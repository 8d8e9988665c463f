package payfor

import (
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
)

// Hash3DForm signs the 3D gate form: base64(SHA1(MbrId + OrderId +
// PurchAmount + OkUrl + FailUrl + TxnType + InstallmentCount + Rnd +
// storeKey)), no separators. Values must be the exact posted strings.
func Hash3DForm(mbrID, orderID, amount, okURL, failURL, txnType, installments, rnd, storeKey string) string {
	return sha1Base64(mbrID, orderID, amount, okURL, failURL, txnType, installments, rnd, storeKey)
}

// HashCallback is the ResponseHash the gate posts back: base64(SHA1(
// MerchantId + storeKey + OrderId + AuthCode + ProcReturnCode + 3DStatus +
// ResponseRnd + UserCode)). MerchantId and UserCode are the POS's own
// credentials, not posted values, so a callback signed for another merchant
// cannot verify.
func HashCallback(merchantID, storeKey, orderID, authCode, procReturnCode, threeDStatus, responseRnd, userCode string) string {
	return sha1Base64(merchantID, storeKey, orderID, authCode, procReturnCode, threeDStatus, responseRnd, userCode)
}

// VerifyCallback compares got with the expected ResponseHash in constant time.
func VerifyCallback(got, merchantID, storeKey, orderID, authCode, procReturnCode, threeDStatus, responseRnd, userCode string) bool {
	if got == "" || storeKey == "" {
		return false
	}
	want := HashCallback(merchantID, storeKey, orderID, authCode, procReturnCode, threeDStatus, responseRnd, userCode)
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

func sha1Base64(parts ...string) string {
	h := sha1.New()
	for _, p := range parts {
		h.Write([]byte(p))
	}
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}
