package banksim

import (
	"regexp"
	"testing"

	"github.com/kasapos/kasa/internal/money"
)

func TestFieldRules(t *testing.T) {
	for in, want := range map[int]int{-1: 1, 0: 12, 6: 6} {
		if got := InstallmentLimit(in); got != want {
			t.Errorf("InstallmentLimit(%d) = %d", in, got)
		}
	}
	for in, want := range map[string]int{"": 1, "0": 1, "1": 1, "12": 12, "99": 99, "100": 0, "-1": 0, "x": 0} {
		if got, ok := ParseInstallments(in); got != want || ok != (want != 0) {
			t.Errorf("ParseInstallments(%q) = %d, %v", in, got, ok)
		}
	}
	if c, ok := ParseCurrency("978"); !ok || c != money.EUR {
		t.Errorf("ParseCurrency(978) = %v, %v", c, ok)
	}
	if _, ok := ParseCurrency("392"); ok {
		t.Error("JPY accepted")
	}
	re := regexp.MustCompile(`^[0-9]{1,12}(\.[0-9]{1,2})?$`)
	if a, ok := ParseAmount(re, "12.5", money.TRY); !ok || a.Minor != 1250 {
		t.Errorf("ParseAmount(12.5) = %v, %v", a, ok)
	}
	for _, s := range []string{"0", "0.00", "1,5", ""} {
		if _, ok := ParseAmount(re, s, money.TRY); ok {
			t.Errorf("ParseAmount(%q) accepted", s)
		}
	}
	if e, ok := ParseMMYY("0530"); !ok || e.Month != 5 || e.Year != 2030 {
		t.Errorf("ParseMMYY(0530) = %+v, %v", e, ok)
	}
	for _, s := range []string{"1330", "530", "05/30"} {
		if _, ok := ParseMMYY(s); ok {
			t.Errorf("ParseMMYY(%q) accepted", s)
		}
	}
}

func TestGroupedAmount(t *testing.T) {
	for minor, want := range map[int64]string{0: "0,00", 5: "0,05", 12345: "123,45", 123450: "1.234,50", 123456789: "1.234.567,89"} {
		if got := GroupedAmount(minor); got != want {
			t.Errorf("%d: %q, want %q", minor, got, want)
		}
	}
}
