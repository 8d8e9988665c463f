package payfor

import "testing"

// Known-answer vectors from the public PayFor test suite (research notes
// §2.7, PayForPosCryptTest), inputs re-typed: QNB sandbox merchant
// 085300000009704, user QNB_API_KULLANICI_3DPAY, store key 12345678.
func TestHash3DFormKnownAnswer(t *testing.T) {
	const url = "http://localhost/finansbank-payfor/3d/response.php"
	got := Hash3DForm("5", "2020110828BC", "100.01", url, url, "Auth", "0", "0.43625700 1604831630", "12345678")
	if want := "zmSUxYPhmCj7QOzqpk/28LuE1Oc="; got != want {
		t.Errorf("form hash %s, want %s", got, want)
	}
}

func TestHashCallbackKnownAnswer(t *testing.T) {
	// A 3D-model callback: authentication done (V033), no approval code yet.
	args := []string{"085300000009704", "12345678", "20221031FD04", "", "V033", "1", "PF638028511007418219", "QNB_API_KULLANICI_3DPAY"}
	const want = "rVcKoOOl3jKukGLHcQaVM6ZuznU="
	if got := HashCallback(args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7]); got != want {
		t.Fatalf("callback hash %s, want %s", got, want)
	}
	if !VerifyCallback(want, args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7]) {
		t.Error("genuine hash rejected")
	}
	// Each signed input matters; 3DStatus emptied is the library's own negative case.
	for i := range args {
		mod := append([]string(nil), args...)
		mod[i] += "x"
		if VerifyCallback(want, mod[0], mod[1], mod[2], mod[3], mod[4], mod[5], mod[6], mod[7]) {
			t.Errorf("input %d altered, still verifies", i)
		}
	}
	if VerifyCallback(want, args[0], args[1], args[2], args[3], args[4], "", args[6], args[7]) {
		t.Error("empty 3DStatus verifies")
	}
	if VerifyCallback("", args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7]) ||
		VerifyCallback(want, args[0], "", args[2], args[3], args[4], args[5], args[6], args[7]) {
		t.Error("empty hash or store key verifies")
	}
}
