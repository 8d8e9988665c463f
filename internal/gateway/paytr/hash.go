package paytr

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// Every PayTR signature is base64(HMAC-SHA256(merchant_key, message)); only
// the message differs. The recipes below are those of PayTR's developer
// pages and sample code (research notes §2.8), re-derived independently in
// hash_test.go.

// sign is base64(HMAC-SHA256(key, concatenation of parts)).
func sign(key string, parts ...string) string {
	mac := hmac.New(sha256.New, []byte(key))
	for _, p := range parts {
		mac.Write([]byte(p))
	}
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// TokenFields are the get-token fields paytr_token covers, in hash order.
type TokenFields struct {
	MerchantID, UserIP, MerchantOID, Email, PaymentAmount, UserBasket string
	NoInstallment, MaxInstallment, Currency, TestMode                 string
}

// GetTokenHash signs an iFrame get-token request:
// merchant_id + user_ip + merchant_oid + email + payment_amount +
// user_basket + no_installment + max_installment + currency + test_mode,
// then merchant_salt.
func GetTokenHash(key, salt string, f TokenFields) string {
	return sign(key, f.MerchantID, f.UserIP, f.MerchantOID, f.Email, f.PaymentAmount, f.UserBasket,
		f.NoInstallment, f.MaxInstallment, f.Currency, f.TestMode, salt)
}

// NotificationHash is the hash of a payment notification ("Bildirim URL"
// POST): merchant_oid + merchant_salt + status + total_amount. The salt
// sits in the middle, as PayTR's sample code has it.
func NotificationHash(key, salt, merchantOID, status, totalAmount string) string {
	return sign(key, merchantOID, salt, status, totalAmount)
}

// RefundHash signs a refund (iade) request: merchant_id + merchant_oid +
// return_amount + merchant_salt.
func RefundHash(key, salt, merchantID, merchantOID, returnAmount string) string {
	return sign(key, merchantID, merchantOID, returnAmount, salt)
}

// StatusHash signs a status inquiry (durum-sorgu): merchant_id +
// merchant_oid + merchant_salt.
func StatusHash(key, salt, merchantID, merchantOID string) string {
	return sign(key, merchantID, merchantOID, salt)
}

// BINHash signs a BIN lookup (bin-detail): bin_number + merchant_id +
// merchant_salt.
func BINHash(key, salt, bin, merchantID string) string {
	return sign(key, bin, merchantID, salt)
}

// equalHash compares a received hash with the expected one in constant
// time. The comparison is on the base64 text: PayTR's samples compare the
// strings, and a differently padded or encoded value is not the bank's.
func equalHash(got, want string) bool {
	return got != "" && hmac.Equal([]byte(got), []byte(want))
}
