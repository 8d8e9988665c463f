package est3

import (
	"crypto/sha512"
	"encoding/base64"
	"slices"
	"sort"
	"testing"
)

// Known-answer vectors from the research notes (§2.1, §2.7): inputs re-typed
// from mewebstudio/pos tests/Unit/Crypt/EstV3PosCryptTest.php and
// EstPosCryptTest.php.
func TestHashVer3KnownAnswers(t *testing.T) {
	tests := []struct {
		name     string
		fields   map[string]string
		storeKey string
		want     string
	}{
		{
			name: "3d request",
			fields: map[string]string{
				"clientid": "190100000", "storetype": "3d", "amount": "100.25", "oid": "order222",
				"okUrl": "https://domain.com/success", "failUrl": "https://domain.com/fail_url",
				"rnd": "12345", "hashAlgorithm": "ver3", "lang": "tr", "currency": "949",
				"islemtipi": "Auth", "taksit": "",
			},
			storeKey: "123456",
			want:     "4aUsG5hqlIFLc9s8PKc5rWb2OLhmxDDewNgKa2XrwoYCIxlyVq8Fjl4IVaZzoqL983CfTseicmnTA0PjZr74xg==",
		},
		{
			name: "3d_pay request",
			fields: map[string]string{
				"clientid": "190100000", "storetype": "3d_pay", "amount": "100.25", "oid": "order222",
				"okUrl": "https://domain.com/success", "failUrl": "https://domain.com/fail_url",
				"rnd": "rand", "lang": "tr", "currency": "949", "taksit": "", "islemtipi": "Auth",
				"firmaadi": "siparis veren", "Email": "test@test.com", "hashAlgorithm": "ver3",
			},
			storeKey: "123456",
			want:     "/uPxhEKWCEGi3NsDOOQ4u8Hu5g71v5GWspOid70WehTWEz97PqxG3IN1Jv5jsbOXOw3Z3Rr/0UtywzEgbqFfdA==",
		},
		{
			name:     "3d_pay callback",
			fields:   callbackVector(),
			storeKey: "123456",
			want:     "jVgcwtx4vxxAcX8+ajsrrzp77k9uaGu1pjDQfCpoUG95y2MwwGipc6cF3kESiTphjV8/1ESSc6zg9KyTSxUnzA==",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HashVer3(tt.fields, tt.storeKey); got != tt.want {
				t.Errorf("HashVer3 = %s, want %s", got, tt.want)
			}
			if !VerifyVer3(tt.fields, tt.storeKey, tt.want) {
				t.Error("VerifyVer3 rejected the known hash")
			}
		})
	}
}

// callbackVector is a real 3d_pay callback (Ziraat test store); null values
// count as "". Its HASH is included, as the bank posts it.
func callbackVector() map[string]string {
	return map[string]string{
		"ReturnOid": "202210308C0F", "TRANID": "", "hashAlgorithm": "ver3", "PAResSyntaxOK": "true",
		"firmaadi": "John Doe", "islemtipi": "Auth", "lang": "tr", "merchantID": "190200000",
		"maskedCreditCard": "4355 08** **** 4358", "amount": "1.01", "sID": "1", "ACQBIN": "454672",
		"Ecom_Payment_Card_ExpDate_Year": "26", "EXTRA_CARDBRAND": "VISA", "Email": "mail@customer.com",
		"MaskedPan": "435508***4358", "acqStan": "184784", "merchantName": "Ziraat 3D_Pay",
		"clientIp": "89.244.149.137", "EXTRA_KAZANILANPUAN": "000000010.00",
		"okUrl":          "http://localhost/akbank/3d-pay/response.php",
		"md":             "435508:51104213993AC8DFE8839C7F7E391B461115D09A1D88948C8ACE421D7D7EAA5A:3545:##190200000",
		"ProcReturnCode": "00", "payResults_dsId": "1", "taksit": "", "TransId": "22303RqiC11252",
		"EXTRA_TRXDATE": "20221030 17:42:33", "Ecom_Payment_Card_ExpDate_Month": "12", "storetype": "3d_pay",
		"Response": "Approved", "SettleId": "2383",
		"mdErrorMsg":    "Y-status/Challenge authentication via ACS: https://3ds-acs.test.modirum.com/mdpayacs/creq?token=214711321.1667140951.Ud_jQl3B2l1",
		"ErrMsg":        "",
		"PAResVerified": "true", "cavv": "ABABBCgghAAAAABllJMDdZdTdic=", "digest": "digest",
		"HostRefNum": "230317184784", "callbackCall": "true", "AuthCode": "216981",
		"failUrl": "http://localhost/akbank/3d-pay/response.php", "xid": "N1An1iS5iN4u/1VWS6CgzSGRtN0=",
		"encoding": "ISO-8859-9", "currency": "949", "oid": "202210308C0F", "mdStatus": "1", "dsId": "1",
		"eci": "05", "version": "2.0", "EXTRA_CARDISSUER": "AKBANK T.A.S.", "clientid": "190200000",
		"txstatus": "Y",
		"HASH":     "jVgcwtx4vxxAcX8+ajsrrzp77k9uaGu1pjDQfCpoUG95y2MwwGipc6cF3kESiTphjV8/1ESSc6zg9KyTSxUnzA==",
		"rnd":      "J/jGATA5LLVaMfpU+Yyu",
	}
}

func TestVerifyVer3RejectsTampering(t *testing.T) {
	f := callbackVector()
	hash := f["HASH"]
	f["mdStatus"] = ""
	if VerifyVer3(f, "123456", hash) {
		t.Error("tampered mdStatus verified")
	}
	f = callbackVector()
	if VerifyVer3(f, "wrong-key", hash) {
		t.Error("wrong store key verified")
	}
	f["amount"] = "1000.01"
	if VerifyVer3(f, "123456", hash) {
		t.Error("tampered amount verified")
	}
	if VerifyVer3(callbackVector(), "123456", "") {
		t.Error("empty hash verified")
	}
}

func TestHashLegacy3DKnownAnswer(t *testing.T) {
	got := HashLegacy3D("700655000200", "order222", "100.25", "https://domain.com/success",
		"https://domain.com/fail_url", "Auth", "", "rand", "TRPS0200")
	if want := "S7UxUAohxaxzl35WxHyDfuQx0sg="; got != want {
		t.Errorf("HashLegacy3D = %s, want %s", got, want)
	}
}

func TestHashVer3Escaping(t *testing.T) {
	// Sorted: a, b; then the store key. Backslash is escaped before the pipe.
	fields := map[string]string{"b": `p\q`, "a": `x|y`}
	plain := `x\|y|p\\q|k\|\\`
	sum := sha512.Sum512([]byte(plain))
	want := base64.StdEncoding.EncodeToString(sum[:])
	if got := HashVer3(fields, `k|\`); got != want {
		t.Errorf("HashVer3 = %s, want hash of %q (%s)", got, plain, want)
	}
	// A value ending in a backslash must not swallow the separator.
	a := HashVer3(map[string]string{"a": `x\`, "b": "y"}, "k")
	b := HashVer3(map[string]string{"a": "x", "b": `\y`}, "k")
	if a == b {
		t.Error("escaping does not separate x\\|y from x|\\y")
	}
}

func TestHashVer3ExcludedKeys(t *testing.T) {
	base := map[string]string{"clientid": "1", "oid": "o", "amount": "1.00"}
	want := HashVer3(base, "key")
	for _, k := range []string{"hash", "HASH", "Hash", "encoding", "ENCODING", "nationalidno", "NATIONALIDNO", "NationalIdNo"} {
		f := map[string]string{"clientid": "1", "oid": "o", "amount": "1.00", k: "anything"}
		if got := HashVer3(f, "key"); got != want {
			t.Errorf("key %q changed the hash", k)
		}
	}
	f := map[string]string{"clientid": "1", "oid": "o", "amount": "1.00", "hashx": ""}
	if HashVer3(f, "key") == want {
		t.Error(`"hashx" must be hashed (only exact names are excluded)`)
	}
}

func TestNaturalSort(t *testing.T) {
	tests := []struct {
		in, want []string
	}{
		{[]string{"TRX10", "TRX2", "TRX1", "TRXCOUNT"}, []string{"TRX1", "TRX2", "TRX10", "TRXCOUNT"}},
		{[]string{"clientid", "Amount", "BillTo", "amount2"}, []string{"Amount", "amount2", "BillTo", "clientid"}},
		{[]string{"okUrl", "oid", "OID9", "oid10"}, []string{"oid", "OID9", "oid10", "okUrl"}},
		// PHP folds to upper case: '_' (0x5F) sorts after letters.
		{[]string{"a_b", "aab", "aZb"}, []string{"aab", "aZb", "a_b"}},
		{[]string{"x01", "x1", "x001", "x2"}, []string{"x1", "x01", "x001", "x2"}},
		{[]string{"Ecom_Payment_Card_ExpDate_Year", "Ecom_Payment_Card_ExpDate_Month", "Email", "eci"},
			[]string{"eci", "Ecom_Payment_Card_ExpDate_Month", "Ecom_Payment_Card_ExpDate_Year", "Email"}},
		{[]string{"a99999999999999999999999", "a100000000000000000000000"}, []string{"a99999999999999999999999", "a100000000000000000000000"}},
	}
	for _, tt := range tests {
		got := slices.Clone(tt.in)
		sort.Slice(got, func(i, j int) bool { return naturalLess(got[i], got[j]) })
		if !slices.Equal(got, tt.want) {
			t.Errorf("sort(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A key order that differs only in case must give one hash whatever the map
// iteration order: the fallback comparison makes the order total.
func TestHashVer3Deterministic(t *testing.T) {
	f := map[string]string{"email": "a", "Email": "b", "EMAIL": "c", "x": "1"}
	want := HashVer3(f, "k")
	for range 50 {
		if HashVer3(f, "k") != want {
			t.Fatal("hash depends on map order")
		}
	}
}
