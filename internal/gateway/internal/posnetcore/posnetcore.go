// Package posnetcore holds what the two PosNet protocols (posnet, the XML
// service, and posnetv1, the JSON one) share beneath their wire formats:
// the order-id rules and the issuer's decline codes.
package posnetcore

import (
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
)

// OrderIDLen is the length order ids are zero-padded to; PrefixedIDLen that
// of the prefixed ids of queries, reversals and refunds.
const (
	OrderIDLen    = 20
	PrefixedIDLen = 24
)

// ValidOrderID reports whether id is 1-OrderIDLen letters, digits or '_'.
func ValidOrderID(id string) bool {
	if id == "" || len(id) > OrderIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_') {
			return false
		}
	}
	return true
}

// PadOrderID left-pads a valid order id with '0' to OrderIDLen characters.
func PadOrderID(id string) string { return strings.Repeat("0", OrderIDLen-len(id)) + id }

// PrefixOrderID is the PrefixedIDLen-character id of a padded order id:
// threeDPrefix (the protocol's, of PrefixedIDLen-OrderIDLen characters)
// before it for a 3D Secure payment, zeros otherwise.
func PrefixOrderID(padded string, threeD bool, threeDPrefix string) string {
	if threeD {
		return threeDPrefix + padded
	}
	return strings.Repeat("0", PrefixedIDLen-OrderIDLen) + padded
}

// issuerReasons maps the issuer's ISO 8583 answer, which PosNet passes on
// as "00NN".
var issuerReasons = map[string]gateway.DeclineReason{
	"01": gateway.ReasonCallIssuer,
	"02": gateway.ReasonCallIssuer,
	"04": gateway.ReasonFraudSuspected,
	"05": gateway.ReasonDoNotHonour,
	"07": gateway.ReasonFraudSuspected,
	"12": gateway.ReasonInvalidTxn,
	"13": gateway.ReasonInvalidTxn,
	"14": gateway.ReasonInvalidCard,
	"15": gateway.ReasonInvalidCard,
	"30": gateway.ReasonInvalidTxn,
	"33": gateway.ReasonExpiredCard,
	"34": gateway.ReasonFraudSuspected,
	"41": gateway.ReasonLostOrStolen,
	"43": gateway.ReasonLostOrStolen,
	"51": gateway.ReasonInsufficientFunds,
	"53": gateway.ReasonInvalidCard,
	"54": gateway.ReasonExpiredCard,
	"57": gateway.ReasonNotPermitted,
	"58": gateway.ReasonNotPermitted,
	"59": gateway.ReasonFraudSuspected,
	"61": gateway.ReasonLimitExceeded,
	"62": gateway.ReasonNotPermitted,
	"65": gateway.ReasonLimitExceeded,
	"82": gateway.ReasonInvalidCVV,
	"91": gateway.ReasonSystemError,
	"96": gateway.ReasonSystemError,
}

// IssuerReason is the reason of the issuer's answer nn (the NN of "00NN"),
// "" for a code not listed.
func IssuerReason(nn string) gateway.DeclineReason { return issuerReasons[nn] }
