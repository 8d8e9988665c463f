package posnetv1

import (
	"strings"
	"testing"

	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/money"
)

// Known-answer vectors from the research notes (§2.3, §2.7): the reference
// library's PosNetV1 crypt tests, re-typed.
const vecKey = "10,10,10,10,10,10,10,10"

func TestMACVectors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values []string
		want   string
	}{
		{"3D form / card payment", []string{"6700950031", "67540050", "5400619360964581", "056", "2001", "175"}, "xuhPbpcPJ6kVs7JeIXS8f06Cv0mb9cNPMfjp1HiB7Ew="},
		{"provision", []string{"6700950031", "67540050", "1010028947569644", "jKOBaLBL3hQ+CREBPu1HBQQAAAA=", "02", "1"}, "kAKxvbwXvmrM6lapGx1UcRTs454tsSuPrBXV7oA7L7w="},
		{"provision, empty MdStatus", []string{"6700950031", "67540050", "1010028947569644", "jKOBaLBL3hQ+CREBPu1HBQQAAAA=", "02", ""}, "RRYxriTO++OHc4cQ3VIp0z9HMrFy/Msm3Dw2t+sEXCA="},
		{"reversal by reference", []string{"6700950031", "67540050", "021459486690000191", ""}, "qhLo/2Ro+vT81i0SMV/VHifDV9VzQQgK+7d8hlId9YM="},
		{"callback", []string{"02", "jKOBaLBL3hQ+CREBPu1HBQQAAAA=", "1", "Authenticated", "0161010028947569644,0161010028947569644", "1010028947569644"}, "r21kMm4nMqvJakjq47Jl+3fk2xrFPrDoTJFQGxkgkfk="},
	} {
		if got := MAC(vecKey, tc.values...); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	if macEqual(MAC(vecKey, "a"), "") || !macEqual(MAC(vecKey, "a"), MAC(vecKey, "a")) || macEqual(MAC(vecKey, "a"), MAC("other", "a")) {
		t.Error("macEqual")
	}
}

func TestFormats(t *testing.T) {
	for minor, want := range map[int64]string{1: "1", 101: "101", 175: "175", 123456: "123456"} {
		if got := FormatAmount(money.New(minor, money.TRY)); got != want {
			t.Errorf("amount %d: %q", minor, got)
		}
	}
	for cur, want := range map[money.Currency]string{money.TRY: "TL", money.USD: "US", money.EUR: "EU", money.GBP: "GB", money.JPY: ""} {
		if got := CurrencyCode(cur); got != want {
			t.Errorf("%s: %q", cur, got)
		}
	}
	for n, want := range map[int]string{0: "0", 1: "0", 2: "2", 12: "12"} {
		if got := FormatInstallments(n); got != want || (installmentType(n) == "Y") != (n > 1) {
			t.Errorf("installments %d: %q %s", n, got, installmentType(n))
		}
	}
	e, _ := card.NewExpiry(9, 2026)
	if got := FormatExpiry(e); got != "2609" {
		t.Errorf("expiry %q", got)
	}
	for id, want := range map[string][3]string{
		"123":                  {"00000000000000000123", "000000000000000000000123", "TDS_00000000000000000123"},
		"ALA_0000080603153823": {"ALA_0000080603153823", "0000ALA_0000080603153823", "TDS_ALA_0000080603153823"},
	} {
		p, _ := FormatOrderID(id)
		plain, _ := PrefixedOrderID(id, false)
		threeD, _ := PrefixedOrderID(id, true)
		if [3]string{p, plain, threeD} != want {
			t.Errorf("%s: %q %q %q", id, p, plain, threeD)
		}
	}
	for _, bad := range []string{"", strings.Repeat("1", 21), "A-1"} {
		if _, err := FormatOrderID(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
