package posnetcore

import (
	"strings"
	"testing"

	"github.com/kasapos/kasa/internal/gateway"
)

func TestOrderIDs(t *testing.T) {
	for id, ok := range map[string]bool{"K895": true, "a_B9": true, strings.Repeat("A", 20): true, "": false, "ORDER-1": false, strings.Repeat("A", 21): false} {
		if ValidOrderID(id) != ok {
			t.Errorf("ValidOrderID(%q) = %v", id, !ok)
		}
	}
	padded := PadOrderID("K895")
	if padded != "0000000000000000K895" {
		t.Errorf("PadOrderID = %q", padded)
	}
	if got := PrefixOrderID(padded, false, "TDSC"); got != "00000000000000000000K895" {
		t.Errorf("plain prefix %q", got)
	}
	if got := PrefixOrderID(padded, true, "TDS_"); got != "TDS_0000000000000000K895" {
		t.Errorf("3D prefix %q", got)
	}
}

func TestIssuerReason(t *testing.T) {
	if IssuerReason("51") != gateway.ReasonInsufficientFunds || IssuerReason("99") != "" {
		t.Errorf("51 %q, 99 %q", IssuerReason("51"), IssuerReason("99"))
	}
}
