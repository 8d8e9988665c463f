// Package id makes random, prefixed identifiers ("pay_…", "pos_…") and the
// order ids Kasa sends to banks.
package id

import (
	"crypto/rand"
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

// New returns prefix + "_" + 24 base62 characters (~143 bits).
func New(prefix string) string { return prefix + "_" + Random(24) }

// BankOrder returns an order id for a bank: n upper-case letters and digits,
// starting with a letter, which every Turkish bank protocol accepts
// (PosNet pads to 20, EST and Garanti allow more).
func BankOrder(n int) string {
	return "K" + random(n-1, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
}
