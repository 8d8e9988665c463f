package interpos

import "testing"

// Known-answer vectors: the inputs and outputs of the public InterPos test
// vectors (research notes §2.7, mewebstudio/pos InterPosCryptTest), store key
// "gDg1N", re-typed here.

func TestHash3DFormKnownAnswer(t *testing.T) {
	got := Hash3DForm("3123", "order222", "100.25", "https://domain.com/success", "https://domain.com/fail_url", "Auth", "", "rand", "gDg1N")
	if want := "vEbwP8wnsGrBR9oCjfxP9wlho1g="; got != want {
		t.Fatalf("form hash %s, want %s", got, want)
	}
}

func TestHashCallbackKnownAnswer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fields map[string]string
		val    string // HASHPARAMSVAL as captured
		want   string
	}{
		{
			name: "3d_model_failure_dot_free_amount",
			fields: map[string]string{
				"Version": "", "PurchAmount": "320", "Exponent": "", "Currency": "949",
				"OkUrl": "https://localhost/pos/examples/interpos/3d/success.php", "FailUrl": "https://localhost/pos/examples/interpos/3d/fail.php",
				"MD": "", "OrderId": "20220327140D", "ProcReturnCode": "81", "Response": "", "mdStatus": "0",
			},
			val:  "320949https://localhost/pos/examples/interpos/3d/success.phphttps://localhost/pos/examples/interpos/3d/fail.php20220327140D810",
			want: "9DZVckklZFjuoA7sl4MN0l7VDMo=",
		},
		{
			// Captured with a comma amount and JSON-escaped slashes in the
			// URLs; both are hashed as posted.
			name: "3d_model_failure_comma_amount",
			fields: map[string]string{
				"PurchAmount": "1,01", "Currency": "949",
				"OkUrl": `http:\/\/localhost\/interpos\/3d\/response.php`, "FailUrl": `http:\/\/localhost\/interpos\/3d\/response.php`,
				"OrderId": "20221225E1DF", "ProcReturnCode": "81", "mdStatus": "0",
			},
			val:  `1,01949http:\/\/localhost\/interpos\/3d\/response.phphttp:\/\/localhost\/interpos\/3d\/response.php20221225E1DF810`,
			want: "423AWRAXl0VlEbQjpmAfntT5e3E=",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			input := CallbackHashInput(func(k string) string { return tc.fields[k] })
			if input != tc.val {
				t.Fatalf("signed string\n got %s\nwant %s", input, tc.val)
			}
			if got := HashCallback(input, "gDg1N"); got != tc.want {
				t.Fatalf("HASH %s, want %s", got, tc.want)
			}
			if !VerifyCallback(tc.want, input, "gDg1N") {
				t.Fatal("VerifyCallback refused the genuine hash")
			}
			if VerifyCallback(tc.want, input, "gDg1M") || VerifyCallback(tc.want, input+"0", "gDg1N") || VerifyCallback("", input, "gDg1N") {
				t.Fatal("VerifyCallback accepted a wrong key, an altered string or an empty hash")
			}
		})
	}
}

func TestCallbackHashParams(t *testing.T) {
	const captured = "Version:PurchAmount:Exponent:Currency:OkUrl:FailUrl:MD:OrderId:ProcReturnCode:Response:mdStatus:"
	if CallbackHashParams != captured {
		t.Fatalf("HASHPARAMS %q, the bank posts %q", CallbackHashParams, captured)
	}
}
