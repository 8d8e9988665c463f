// Package id makes random, prefixed identifiers ("pay_…", "pos_…") and the
// order ids Kasa sends to banks.
package id

import (
	"crypto/rand"
	"time"
)

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Random returns n characters of base62 drawn from crypto/rand without modulo bias.
func Random(n int) string { return random(n, alphabet) }

func random(n int, alpha string) string {
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2+8)
	limit := byte(256 - 256%len(alpha))
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			panic(err)
		}
		for _, b := range buf {
			if b < limit && len(out) < n {
				out = append(out, alpha[int(b)%len(alpha)])
			}
		}
	}
	return string(out)
}

// New returns prefix + "_" + 24 base62 characters: 8 of creation time in
// milliseconds, then 16 random (~95 bits, unguessable). Time first keeps
// each primary-key index appending at its end: concurrent inserts (a group
// commit's batch) share the index's last page instead of dirtying a random
// page each, and the hot part of the index stays in cache.
func New(prefix string) string { return prefix + "_" + stamp(time.Now()) + Random(16) }

// stamp is t in milliseconds since 1970 as 8 base62 digits, which sort as
// the times do (the alphabet is in ASCII order; 62^8 ms is ~6,900 years).
func stamp(t time.Time) string {
	ms := t.UnixMilli()
	var b [8]byte
	for i := 7; i >= 0; i-- {
		b[i] = alphabet[ms%62]
		ms /= 62
	}
	return string(b[:])
}

// BankOrder returns an order id for a bank: n upper-case letters and digits,
// starting with a letter, which every Turkish bank protocol accepts
// (PosNet pads to 20, EST and Garanti allow more). From n = 20 (what Kasa
// sends every bank) the letter is followed by the creation time, as New
// does for the same reason: the unique index on bank order ids then appends
// at its end instead of writing a random page of an index as large as the
// payment history (a page the writer seldom has in cache). What remains is
// random: at n = 20, 10 base-36 digits (~51 bits) per millisecond.
func BankOrder(n int) string {
	if n-1-bankStampLen < 10 {
		return "K" + random(n-1, upperDigits)
	}
	return "K" + bankStamp(time.Now()) + random(n-1-bankStampLen, upperDigits)
}

const (
	upperDigits  = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	bankStampLen = 9 // 36^9 ms is ~3,200 years
)

// bankStamp is t in milliseconds since 1970 as 9 base-36 digits, which sort
// as the times do.
func bankStamp(t time.Time) string {
	ms := t.UnixMilli()
	var b [bankStampLen]byte
	for i := bankStampLen - 1; i >= 0; i-- {
		b[i] = upperDigits[ms%36]
		ms /= 36
	}
	return string(b[:])
}
