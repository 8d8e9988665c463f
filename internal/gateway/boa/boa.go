// Package boa holds what Kasa's adapters for the two "BOA" virtual POS
// platforms share: Kuveyt Türk and Vakıf Katılım run the same bank software
// (XML messages, SHA-1 HashData over the API user's hashed password, kuruş
// amounts, 4-digit currency codes, ISO 8583 response codes).
package boa

import (
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/money"
)

// b64SHA1 is the BOA hash primitive: base64 of the SHA-1 digest.
func b64SHA1(s string) string {
	sum := sha1.Sum([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// HashPassword is the API user's password as BOA hashes it into every
// HashData (and Vakıf Katılım also sends as HashPassword).
func HashPassword(password string) string { return b64SHA1(password) }

// RequestHash is the HashData of a payment request:
// base64(SHA1(MerchantId + MerchantOrderId + Amount + OkUrl + FailUrl +
// UserName + HashPassword)). Requests without URLs (non-3D, provisioning)
// hash them as empty strings; requests without an amount likewise.
func RequestHash(merchantID, orderID, amount, okURL, failURL, user, password string) string {
	return b64SHA1(merchantID + orderID + amount + okURL + failURL + user + HashPassword(password))
}

// CallbackHash is the HashData the bank puts on a 3D authentication
// result: base64(SHA1(MerchantOrderId + ResponseCode + OrderId +
// HashPassword)). It covers neither amount nor currency, so verifiers must
// compare those with the attempt themselves.
func CallbackHash(orderID, responseCode, bankOrderID, password string) string {
	return b64SHA1(orderID + responseCode + bankOrderID + HashPassword(password))
}

// EqualHash compares two base64 hashes in constant time.
func EqualHash(a, b string) bool {
	return len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// FormatAmount renders an amount as BOA sends it: integer minor units
// (12550 for 125.50 TRY), never a decimal.
func FormatAmount(a money.Amount) string { return strconv.FormatInt(a.Minor, 10) }

// FormatCurrency renders the 4-digit, zero-padded ISO 4217 numeric code
// BOA expects ("0949" for TRY).
func FormatCurrency(c money.Currency) string {
	if len(c.Numeric) >= 4 {
		return c.Numeric
	}
	return strings.Repeat("0", 4-len(c.Numeric)) + c.Numeric
}

// FormatInstallments renders InstallmentCount: "0" for a single payment
// (0 or 1), else the count.
func FormatInstallments(n int) string {
	if n <= 1 {
		return "0"
	}
	return strconv.Itoa(n)
}

// DecimalMinor reads a decimal amount of an order query ("125.50", "0",
// "9.3") in c's minor units; anything unreadable or negative counts as 0.
func DecimalMinor(s string, c money.Currency) int64 {
	a, err := money.ParseDecimal(strings.TrimSpace(s), c)
	if err != nil || a.Minor < 0 {
		return 0
	}
	return a.Minor
}

// timeLayouts are how BOA writes OrderDate and TransactionTime (fractional
// seconds vary; some replies add an offset).
var timeLayouts = []string{"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999"}

// ParseTime reads a BOA timestamp, in Turkey's time when it has no offset;
// the zero time if it cannot.
func ParseTime(s string) time.Time {
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, strings.TrimSpace(s), turkey); err == nil {
			return t
		}
	}
	return time.Time{}
}

var turkey = time.FixedZone("TRT", 3*3600)
