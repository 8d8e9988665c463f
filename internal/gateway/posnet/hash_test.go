package posnet

import "testing"

// Known-answer vectors from the research notes (§2.3), checked there against
// the public reference library's tests: the YKB sandbox terminal.
const (
	vecMID    = "6706598320"
	vecTID    = "67005551"
	vecEncKey = "10,10,10,10,10,10,10,10"
)

func TestRequestMACVector(t *testing.T) {
	got := RequestMAC("TST_190620093100_024", "175", "TL", vecMID, vecEncKey, vecTID)
	if want := "nyeFSQ4J9NZVeCcEGCDomM8e2YIvoeIa/IDh2D3qaL4="; got != want {
		t.Errorf("request MAC %s, want %s", got, want)
	}
}

func TestResponseMACVector(t *testing.T) {
	got := ResponseMAC("9", "00000000000000000895", "100", "TL", vecMID, vecEncKey, vecTID)
	if want := "7I9ojRm7yzvZZTFNOYWocGIGSTv2Vmq23STR6X6X+c0="; got != want {
		t.Errorf("response MAC %s, want %s", got, want)
	}
	// The same reply with the amount blanked must not verify.
	if macEqual(ResponseMAC("9", "00000000000000000895", "", "TL", vecMID, vecEncKey, vecTID), got) {
		t.Error("MAC ignores the amount")
	}
}

func TestMACEqual(t *testing.T) {
	m := RequestMAC("X", "1", "TL", vecMID, vecEncKey, vecTID)
	for _, tc := range []struct {
		got  string
		want bool
	}{
		{m, true},
		{"", false},
		{m[:len(m)-1], false},
		{RequestMAC("X", "1", "TL", vecMID, "11,11,11,11,11,11,11,11", vecTID), false},
		{RequestMAC("X", "1", "TL", vecMID, vecEncKey, "67322946"), false},
	} {
		if got := macEqual(m, tc.got); got != tc.want {
			t.Errorf("macEqual(%q) = %v", tc.got, got)
		}
	}
}
