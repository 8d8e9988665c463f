package akbank

import "testing"

// Known-answer vectors from Akbank's sandbox account as used by the public
// reference library's AkbankPosCryptTest, and callbacks captured from the
// bank's test system (its response-mapper fixtures). Inputs re-typed.
const (
	kaMerchant = "2023090417500272654BD9A49CF07574"
	kaTerminal = "2023090417500284633D137A249DBBEB"
	kaSecret   = "3230323330393034313735303032363031353172675f357637355f3273387373745f7233725f73323333383737335f323272383774767276327672323531355f"
	kaRandom   = "AEDDD8688E11A3DC588DAB2ED59B2F64D45E798761CEFF17F4DB47581072697890180C4195986250F89C2C67A04A3B96F0AC66AE99B49BB7BEE618FBD621C4CD"
)

func TestHashBodyKnownAnswer(t *testing.T) {
	body := `{"terminal":{"merchantSafeId":"2023090417500272654BD9A49CF07574","terminalSafeId":"2023090417500284633D137A249DBBEB"},"version":"1.00","txnCode":"1010","requestDateTime":"2024-04-20T13:48:02.000","randomNumber":"59EED19EC4FA761B8D147F5175C915EFD69D193ED96114F9690505EDB02FF5FD3CB161A15FD5EFFB294177291DC27B2A9F58FB1DA6F2F4617762AF180A023A33","order":{"orderId":"2024042053E2"}}`
	const want = "D07V9wUXfyPbn+L8jqd9plMfJKT3gSy22Z+yruzWsvuJBkQ63fz+wcWjTF2XurVjYtnR7wLGYTJYg0xjDCYAHA=="
	if got := HashBody([]byte(body), kaSecret); got != want {
		t.Fatalf("auth-hash %s, want %s", got, want)
	}
}

func TestHash3DFormKnownAnswer(t *testing.T) {
	base := func() map[string]string {
		return map[string]string{
			"paymentModel": "3D", "txnCode": "3000", "merchantSafeId": kaMerchant, "terminalSafeId": kaTerminal,
			"orderId": "20240404A4B0", "lang": "TR", "amount": "1.01",
			"ccbRewardAmount": "1.00", "pcbRewardAmount": "1.00", "xcbRewardAmount": "1.00",
			"currencyCode": "949", "installCount": "1",
			"okUrl": "http://localhost/akbankpos/3d/response.php", "failUrl": "http://localhost/akbankpos/3d/response.php",
			"emailAddress": "test@test.com", "randomNumber": kaRandom, "requestDateTime": "2024-04-04T21:11:41.000",
			"creditCard": "4355093000315232", "expiredDate": "1135", "cvv": "665",
		}
	}
	withSub := base()
	withSub["subMerchantId"] = "hdfksafjsallk"
	hosted := base()
	hosted["paymentModel"] = "MODEL_3D_HOST" // as the vector was computed
	delete(hosted, "creditCard")
	delete(hosted, "expiredDate")
	delete(hosted, "cvv")
	for _, tc := range []struct {
		name   string
		fields map[string]string
		want   string
	}{
		{"3d", base(), "ilR2mCExklKEti+2x61A8pcOfzJ5z5M6xMYmmU8ClaKaDuxKooFuH3v7XW/ba25xlTDqGN1H//i0zTiJl5YnfA=="},
		{"3d_sub_merchant", withSub, "blqnTrcdZ2JhQBjOmIhyYPhKvC4BlbG7oArE5IkCeuo8CwaYV69EJSOph7J1JKY9opIsmc5QoscGmltGMUJtTQ=="},
		{"3d_host_no_card", hosted, "36uUlZFNi+Fs928RPt9CUfKfq+2hTWKK6idWFXjwnO47Qz4pVk6bliSUY+4RGw8Fzcqz+MUWQQ2Grz2zk4l9og=="},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Hash3DForm(tc.fields, kaSecret); got != tc.want {
				t.Fatalf("hash %s, want %s", got, tc.want)
			}
		})
	}
}

// payCallback is a captured 3D_PAY success callback (without hash fields).
func payCallback() map[string]string {
	return map[string]string{
		"txnCode": "1000", "responseCode": "VPS-0000", "responseMessage": "BAŞARILI", "hostResponseCode": "00",
		"hostMessage": "000 ONAY KODU XXXXXX", "txnDateTime": "2024-04-18T20:27:45.000",
		"merchantSafeId": kaMerchant, "terminalSafeId": kaTerminal, "cardHolderName": "TD**", "orderId": "2024041811DA",
		"authCode": "306456", "rrn": "411024360235", "batchNumber": "43", "stan": "86", "additionalInstallCount": "0",
		"deferingMonth": "2", "ccbEarnedRewardAmount": "0.01", "ccbBalanceRewardAmount": "215.62", "ccbRewardDesc": "CHIP PARA",
		"pcbEarnedRewardAmount": "0.00", "pcbBalanceRewardAmount": "0.00", "pcbRewardDesc": "",
		"xcbEarnedRewardAmount": "0.00", "xcbBalanceRewardAmount": "0.00", "xcbRewardDesc": "",
	}
}

func TestHashCallbackKnownAnswer(t *testing.T) {
	threeD := map[string]string{
		"txnCode": "3001", "responseCode": "VPS-0000", "responseMessage": "BAŞARILI", "txnDateTime": "2024-04-18T20:15:35.000",
		"merchantSafeId": kaMerchant, "terminalSafeId": kaTerminal, "orderId": "20240418BA6C", "secureEcomInd": "02",
		"secureId": "VG8yV2tCRHpTSlpNN2VqcDJRS1k=", "secureData": "kBM8+wZGAAAAAAAAAAAAAAAAAAAA",
		"secureMd": "08A86B192287C69B2C443E7A42B29B5F46436C41DF8E159B4A232BB3D961940F",
	}
	// The short failure callback signs responseCode+responseMessage+orderId;
	// the other fields are posted empty and add nothing.
	failed3D := map[string]string{
		"txnCode": "", "responseCode": "VPS-1279", "responseMessage": "BKM 3DS Server Doğrulama Başarısız",
		"hostResponseCode": "", "hostMessage": "", "merchantSafeId": "", "terminalSafeId": "",
		"orderId": "20240418D4A620240418D4A620240418D4A6",
	}
	hosted := payCallback()
	for k, v := range map[string]string{"txnDateTime": "2024-04-18T20:56:28.000", "orderId": "2024041898FD", "authCode": "306460",
		"rrn": "411024360239", "stan": "90", "ccbBalanceRewardAmount": "215.66"} {
		hosted[k] = v
	}
	for _, tc := range []struct {
		name   string
		fields map[string]string
		signed []string
		want   string
	}{
		{"3d_success", threeD, callback3DFields, "bFYReNscRIyo3EQQm18qB9iZEW5eqtx1UBAjwRAoVJuigugPKr4Rjcf4PgBHtrjg1IYFYAz8k3TCFcKWS0b4Xg=="},
		{"3d_auth_failed", failed3D, callback3DFields, "fFFtzKUArgzhM/nUbw6pM/EA7AjecFyMV13G+1/GVn9C0S1XNeWdtT8+x4swaxi5TZfqzwPy5wtDajxSfkZmRA=="},
		{"3d_pay_success", payCallback(), callbackPayFields, "PO/pybfGrY7fesPoAq2U2B1bkpudx659yMyjTnnfP/Cw5MKR1t7mKvRnZdPBxu9nCC7qJFdr3mJSPTdMwYc3SA=="},
		{"3d_host_success", hosted, callbackPayFields, "o8cVLBkljHc+1Icpoa35agcd7UPvD57gFY+bp7MQYznHnOr3f71vvsJwnbIQ2hGGVJj1nAdkZrh/lcVCdtMA+g=="},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := HashCallback(tc.fields, tc.signed, kaSecret); got != tc.want {
				t.Fatalf("hash %s, want %s", got, tc.want)
			}
			if !verifyCallback(tc.fields, tc.signed, kaSecret, tc.want) {
				t.Fatal("verifyCallback refused the genuine hash")
			}
			if verifyCallback(tc.fields, tc.signed, kaSecret+"x", tc.want) {
				t.Fatal("verifyCallback accepted another key")
			}
		})
	}
}
