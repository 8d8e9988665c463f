package money

import (
	"math/rand/v2"
	"testing"
)

func TestFormats(t *testing.T) {
	cases := []struct {
		minor                   int64
		cur                     Currency
		dec, trimmed, comma, mi string
	}{
		{1, TRY, "0.01", "0.01", "0,01", "1"},
		{10, TRY, "0.10", "0.1", "0,10", "10"},
		{100, TRY, "1.00", "1", "1,00", "100"},
		{101, TRY, "1.01", "1.01", "1,01", "101"},
		{10025, TRY, "100.25", "100.25", "100,25", "10025"},
		{10050, USD, "100.50", "100.5", "100,50", "10050"},
		{12550, EUR, "125.50", "125.5", "125,50", "12550"},
		{1000000000000, GBP, "10000000000.00", "10000000000", "10000000000,00", "1000000000000"},
		{500, JPY, "500", "500", "500", "500"},
		{-150, TRY, "-1.50", "-1.5", "-1,50", "-150"},
	}
	for _, c := range cases {
		a := New(c.minor, c.cur)
		if got := a.Decimal(); got != c.dec {
			t.Errorf("%d %s Decimal = %q, want %q", c.minor, c.cur, got, c.dec)
		}
		if got := a.DecimalTrimmed(); got != c.trimmed {
			t.Errorf("%d %s DecimalTrimmed = %q, want %q", c.minor, c.cur, got, c.trimmed)
		}
		if got := a.DecimalSep(","); got != c.comma {
			t.Errorf("%d %s DecimalSep = %q, want %q", c.minor, c.cur, got, c.comma)
		}
		if got := a.MinorString(); got != c.mi {
			t.Errorf("%d MinorString = %q, want %q", c.minor, got, c.mi)
		}
		back, err := ParseDecimal(c.dec, c.cur)
		if err != nil || back != a {
			t.Errorf("ParseDecimal(%q) = %v, %v; want %v", c.dec, back, err, a)
		}
	}
}

func TestParseDecimal(t *testing.T) {
	good := map[string]int64{"100": 10000, "100.5": 10050, "100,25": 10025, "0.01": 1, " 7.00 ": 700}
	for in, want := range good {
		a, err := ParseDecimal(in, TRY)
		if err != nil || a.Minor != want {
			t.Errorf("ParseDecimal(%q) = %d, %v; want %d", in, a.Minor, err, want)
		}
	}
	for _, bad := range []string{"", "1.001", "abc", "1.", ".5", "1e5", "1.2.3", "99999999999999999999", "+1"} {
		if _, err := ParseDecimal(bad, TRY); err == nil {
			t.Errorf("ParseDecimal(%q) accepted", bad)
		}
	}
}

func TestParseCurrency(t *testing.T) {
	for in, want := range map[string]string{"TRY": "TRY", "try": "TRY", "949": "TRY", "840": "USD", "EUR": "EUR", "826": "GBP"} {
		c, err := ParseCurrency(in)
		if err != nil || c.Code != want {
			t.Errorf("ParseCurrency(%q) = %v, %v", in, c, err)
		}
	}
	if _, err := ParseCurrency("XYZ"); err == nil {
		t.Error("unknown currency accepted")
	}
}

// The last instalment absorbs the remainder and the parts always sum to the total.
func TestSplitSumsToTotal(t *testing.T) {
	if got := Split(10000, 3); got[0] != 3333 || got[1] != 3333 || got[2] != 3334 {
		t.Fatalf("Split(10000,3) = %v", got)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 10000; i++ {
		total := r.Int64N(1_000_000_000) + 1
		n := r.IntN(12) + 1
		var sum int64
		parts := Split(total, n)
		for _, p := range parts {
			sum += p
		}
		if sum != total || len(parts) != n {
			t.Fatalf("Split(%d,%d) = %v sums to %d", total, n, parts, sum)
		}
	}
}
