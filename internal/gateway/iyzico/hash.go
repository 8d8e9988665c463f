package iyzico

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// AuthorizationHeader builds the IYZWSv2 Authorization header value:
//
//	"IYZWSv2 " + base64("apiKey:" + apiKey + "&randomKey:" + rnd + "&signature:" + hex(HMAC-SHA256(secretKey, rnd + uriPath + body)))
//
// uriPath is the request path without host or query ("/payment/auth"); the
// same rnd goes in the x-iyzi-rnd header.
func AuthorizationHeader(apiKey, secretKey, rnd, uriPath string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secretKey))
	mac.Write([]byte(rnd + uriPath))
	mac.Write(body)
	plain := "apiKey:" + apiKey + "&randomKey:" + rnd + "&signature:" + hex.EncodeToString(mac.Sum(nil))
	return "IYZWSv2 " + base64.StdEncoding.EncodeToString([]byte(plain))
}

// Signature is iyzico's response signature: hex(HMAC-SHA256(secretKey,
// fields joined with ":")). Which fields, in which order, depends on the
// endpoint (see the sig* helpers); prices go in without trailing zeros.
func Signature(secretKey string, fields ...string) string {
	mac := hmac.New(sha256.New, []byte(secretKey))
	mac.Write([]byte(strings.Join(fields, ":")))
	return hex.EncodeToString(mac.Sum(nil))
}

// validSignature compares a received signature in constant time. Hex case
// is not significant.
func validSignature(got, want string) bool {
	return hmac.Equal([]byte(strings.ToLower(got)), []byte(want))
}

// newRnd returns the x-iyzi-rnd value: unpredictable, as it salts the HMAC.
func newRnd() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}
