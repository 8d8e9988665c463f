package garantisim

import (
	"crypto/sha1"
	"crypto/sha512"
	"encoding/hex"
	"strings"
)

// Provisioning users, each with its own password at the bank.
const (
	userAut = "PROVAUT"
	userRfn = "PROVRFN"
	userOOS = "PROVOOS"
)

// securityData = UPPER(hex(SHA1(password + terminal id zero-padded to 9))).
func securityData(password, terminalID string) string {
	for len(terminalID) < 9 {
		terminalID = "0" + terminalID
	}
	sum := sha1.Sum([]byte(password + terminalID))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// hashData signs API requests (version 512).
func hashData(orderID, terminalID, card, amount, currency, secData string) string {
	return upperSHA512(orderID + terminalID + card + amount + currency + secData)
}

// formHash is the 3D gate's secure3dhash.
func formHash(terminalID, orderID, amount, currency, okURL, failURL, txnType, inst, storeKey, secData string) string {
	return upperSHA512(terminalID + orderID + amount + currency + okURL + failURL + txnType + inst + storeKey + secData)
}

// callbackHashParams is what the gate signs in its callbacks, in order.
const callbackHashParams = "clientid:oid:authcode:procreturncode:response:mdstatus:cavv:eci:md:rnd:"

// signCallback returns hashparamsval and hash for the callback values in
// get: the values named in callbackHashParams concatenated, then the store
// key appended, SHA-512, upper-case hex.
func signCallback(get func(string) string, storeKey string) (val, hash string) {
	var b strings.Builder
	for _, name := range strings.Split(callbackHashParams, ":") {
		if name != "" {
			b.WriteString(get(name))
		}
	}
	val = b.String()
	return val, upperSHA512(val + storeKey)
}

func upperSHA512(s string) string {
	sum := sha512.Sum512([]byte(s))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}
