package posnet

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strings"
)

// macSeparator joins the MAC inputs, as the bank's integration guide does.
const macSeparator = ";"

// hashB64 is PosNet's hash primitive: base64(SHA-256(s)).
func hashB64(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// SecurityData is the "first hash" every MAC ends with:
// base64(SHA-256(ENCKEY + ";" + terminalId)). The ENCKEY never leaves Kasa;
// only this digest enters the MAC.
func SecurityData(encKey, terminalID string) string {
	return hashB64(encKey + macSeparator + terminalID)
}

// RequestMAC signs the merchant's view of a 3D order in
// oosResolveMerchantData and oosTranData:
// base64(SHA-256(xid;amount;currency;mid;SecurityData)). The bank refuses
// (E216) a MAC that does not match the order it signed into the packets,
// which is what binds a callback to Kasa's stored attempt.
func RequestMAC(xid, amount, currency, merchantID, encKey, terminalID string) string {
	return hashB64(strings.Join([]string{xid, amount, currency, merchantID, SecurityData(encKey, terminalID)}, macSeparator))
}

// ResponseMAC is the bank's signature over oosResolveMerchantDataResponse:
// base64(SHA-256(mdStatus;xid;amount;currency;mid;SecurityData)).
func ResponseMAC(mdStatus, xid, amount, currency, merchantID, encKey, terminalID string) string {
	return hashB64(strings.Join([]string{mdStatus, xid, amount, currency, merchantID, SecurityData(encKey, terminalID)}, macSeparator))
}

// macEqual compares MACs in constant time; an empty MAC never matches.
func macEqual(want, got string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}
