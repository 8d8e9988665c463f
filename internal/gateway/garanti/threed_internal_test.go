package garanti

import (
	"net/url"
	"testing"

	"github.com/kasapos/kasa/internal/gateway"
)

// 3DS-4: mdstatus is authentication only. Every mdstatus maps to a level,
// and in 3D Pay / 3D Host only the bank's signed approval (procreturncode
// 00 with response Approved) is an approved provision.
func TestMDStatusMatrix3DS4(t *testing.T) {
	levels := map[string]gateway.AuthLevel{
		"0": gateway.AuthFailed, "1": gateway.AuthFull, "2": gateway.AuthAttempted, "3": gateway.AuthAttempted,
		"4": gateway.AuthAttempted, "5": gateway.AuthFailed, "6": gateway.AuthFailed, "7": gateway.AuthFailed,
		"8": gateway.AuthFailed, "9": gateway.AuthFailed, "": gateway.AuthFailed, "01": gateway.AuthFailed, "Y": gateway.AuthFailed,
	}
	for md, want := range levels {
		if got := authLevel(md); got != want {
			t.Errorf("mdstatus %q: %s, want %s", md, got, want)
		}
	}
	for _, tc := range []struct {
		code, response string
		outcome        gateway.Outcome
		reason         gateway.DeclineReason
	}{
		{"00", "Approved", gateway.Approved, gateway.ReasonNone},
		{"00", "", gateway.Declined, gateway.ReasonOther},
		{"00", "Declined", gateway.Declined, gateway.ReasonOther},
		{"05", "Declined", gateway.Declined, gateway.ReasonDoNotHonour},
		{"51", "Declined", gateway.Declined, gateway.ReasonInsufficientFunds},
		{"99", "Error", gateway.Declined, gateway.ReasonOther},
		{"", "", gateway.Declined, gateway.ReasonOther},
	} {
		p := provision(url.Values{"procreturncode": {tc.code}, "response": {tc.response}})
		if p.Outcome != tc.outcome || p.Reason != tc.reason || p.BankCode != tc.code {
			t.Errorf("%q/%q: %+v", tc.code, tc.response, p)
		}
	}
}
