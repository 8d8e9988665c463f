package garanti

import (
	"crypto/sha1"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"strings"
)

// SecurityData is Garanti's derived password: UPPER(hex(SHA1(password +
// terminal id left-padded with zeros to 9 digits))). The password is the
// provisioning user's: PROVAUT for sales and queries, PROVRFN for void and
// refund, PROVOOS for the hosted payment page.
func SecurityData(password, terminalID string) string {
	tid := terminalID
	if len(tid) < 9 {
		tid = strings.Repeat("0", 9-len(tid)) + tid
	}
	sum := sha1.Sum([]byte(password + tid))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// HashData signs an API request (Terminal/HashData, Version 512):
// UPPER(hex(SHA512(OrderID + TerminalID + CardNumber + Amount + CurrencyCode
// + SecurityData))). Requests without a card (capture, void, refund,
// queries) hash an empty card number.
func HashData(orderID, terminalID, cardNumber, amount, currency, securityData string) string {
	return sha512Upper(orderID, terminalID, cardNumber, amount, currency, securityData)
}

// Hash3DForm signs the gate form (secure3dhash): UPPER(hex(SHA512(terminalid
// + orderid + txnamount + txncurrencycode + successurl + errorurl + txntype +
// txninstallmentcount + storekey + SecurityData))). Values are the exact
// strings posted.
func Hash3DForm(terminalID, orderID, amount, currency, successURL, errorURL, txnType, installments, storeKey, securityData string) string {
	return sha512Upper(terminalID, orderID, amount, currency, successURL, errorURL, txnType, installments, storeKey, securityData)
}

// CallbackFields are the callback fields Kasa verifies, in the order the
// gate concatenates them (the gate names the same list in hashparams, but
// that list arrives with the callback and is never trusted: see Verify3D).
// Amount and currency are not among them; they are bound through the order
// id, which the merchant-signed gate form fixed to one amount.
var CallbackFields = []string{"clientid", "oid", "authcode", "procreturncode", "response", "mdstatus", "cavv", "eci", "md", "rnd"}

// HashCallback computes the callback hash: UPPER(hex(SHA512(values of
// CallbackFields in order + storekey))), a missing field counting as "".
func HashCallback(get func(string) string, storeKey string) string {
	parts := make([]string, 0, len(CallbackFields)+1)
	for _, f := range CallbackFields {
		parts = append(parts, get(f))
	}
	return sha512Upper(append(parts, storeKey)...)
}

// VerifyCallback reports whether got matches HashCallback in constant time.
// The comparison is exact: the gate sends upper-case hex.
func VerifyCallback(get func(string) string, storeKey, got string) bool {
	if got == "" || storeKey == "" {
		return false
	}
	want := HashCallback(get, storeKey)
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

func sha512Upper(parts ...string) string {
	h := sha512.New()
	for _, p := range parts {
		h.Write([]byte(p))
	}
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
}
