package akbanksim

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/base64"
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
)

// hmacBase64 is base64(HMAC-SHA512(key, concatenation of parts)); the key is
// the secret key's text as the panel shows it.
func hmacBase64(key string, parts ...[]byte) string {
	m := hmac.New(sha512.New, []byte(key))
	for _, p := range parts {
		m.Write(p)
	}
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// formHashOrder is the order of the 3D form's hash; missing fields are "".
var formHashOrder = []string{
	"paymentModel", "txnCode", "merchantSafeId", "terminalSafeId", "orderId", "lang", "amount",
	"ccbRewardAmount", "pcbRewardAmount", "xcbRewardAmount", "currencyCode", "installCount",
	"okUrl", "failUrl", "emailAddress", "subMerchantId", "creditCard", "expiredDate", "cvv",
	"randomNumber", "requestDateTime", "b2bIdentityNumber",
}

func formHash(get func(string) string, key string) string {
	parts := make([][]byte, len(formHashOrder))
	for i, k := range formHashOrder {
		parts[i] = []byte(get(k))
	}
	return hmacBase64(key, parts...)
}

// sign appends hashParams (the names of the filled fields, in order, joined
// by "+") and hash (the HMAC of their values concatenated), as the gate
// signs its callbacks.
func sign(fields []gateway.Field, key string) []gateway.Field {
	var names []string
	var parts [][]byte
	for _, f := range fields {
		if f.Value != "" {
			names = append(names, f.Name)
			parts = append(parts, []byte(f.Value))
		}
	}
	return append(fields,
		gateway.Field{Name: "hashParams", Value: strings.Join(names, "+")},
		gateway.Field{Name: "hash", Value: hmacBase64(key, parts...)},
	)
}
