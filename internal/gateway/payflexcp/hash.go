package payflexcp

import (
	"crypto/sha1"
	"encoding/base64"
)

// hashSalt is the fixed suffix of the Common Payment request hash.
const hashSalt = "VBank3DPay2014"

// HashedData signs a RegisterTransaction request (research notes §2.4):
// base64(SHA1(HostMerchantId + AmountCode + Amount + MerchantPassword + ""
// + "VBank3DPay2014")). The empty string is a field the bank leaves blank
// in the recipe. SHA-1 is the bank's choice, not Kasa's.
func HashedData(hostMerchantID, amountCode, amount, password string) string {
	sum := sha1.Sum([]byte(hostMerchantID + amountCode + amount + password + "" + hashSalt))
	return base64.StdEncoding.EncodeToString(sum[:])
}
