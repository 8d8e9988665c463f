// Package money holds amounts as integer minor units with an ISO 4217 currency.
// There is no float anywhere: every bank protocol formats amounts its own way
// from the integer, and parsing goes through strings.
package money

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Currency is an ISO 4217 currency Kasa knows.
type Currency struct {
	Code     string // alphabetic, e.g. "TRY"
	Numeric  string // numeric, e.g. "949"
	Exponent int    // number of minor-unit digits
}

var (
	TRY = Currency{"TRY", "949", 2}
	USD = Currency{"USD", "840", 2}
	EUR = Currency{"EUR", "978", 2}
	GBP = Currency{"GBP", "826", 2}
	JPY = Currency{"JPY", "392", 0}
	RUB = Currency{"RUB", "643", 2}
)

var currencies = []Currency{TRY, USD, EUR, GBP, JPY, RUB}

// ErrUnknownCurrency is returned for a code Kasa does not support.
var ErrUnknownCurrency = errors.New("money: unknown currency")

// ParseCurrency looks a currency up by its alphabetic or numeric code.
func ParseCurrency(code string) (Currency, error) {
	c := strings.ToUpper(strings.TrimSpace(code))
	for _, cur := range currencies {
		if cur.Code == c || cur.Numeric == c {
			return cur, nil
		}
	}
	return Currency{}, fmt.Errorf("%w: %q", ErrUnknownCurrency, code)
}

// MustCurrency is ParseCurrency for constants known at compile time.
func MustCurrency(code string) Currency {
	c, err := ParseCurrency(code)
	if err != nil {
		panic(err)
	}
	return c
}

// Currencies lists every supported currency.
func Currencies() []Currency { return append([]Currency(nil), currencies...) }

func (c Currency) String() string { return c.Code }

// IsZero reports whether c is the zero Currency.
func (c Currency) IsZero() bool { return c.Code == "" }

// Amount is a quantity of money in minor units (kuruş, cents).
type Amount struct {
	Minor    int64
	Currency Currency
}

// New returns an Amount of minor units in currency c.
func New(minor int64, c Currency) Amount { return Amount{Minor: minor, Currency: c} }

func pow10(n int) int64 {
	p := int64(1)
	for i := 0; i < n; i++ {
		p *= 10
	}
	return p
}

// Decimal formats the amount with a dot and exactly Exponent decimals: 12550 TRY → "125.50".
func (a Amount) Decimal() string { return a.DecimalSep(".") }

// DecimalSep formats like Decimal with another separator (ParamPos wants "1,01").
func (a Amount) DecimalSep(sep string) string {
	exp := a.Currency.Exponent
	neg := a.Minor < 0
	m := a.Minor
	if neg {
		m = -m
	}
	s := strconv.FormatInt(m, 10)
	if exp > 0 {
		if len(s) <= exp {
			s = strings.Repeat("0", exp-len(s)+1) + s
		}
		s = s[:len(s)-exp] + sep + s[len(s)-exp:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// DecimalTrimmed formats without trailing zero decimals, the way EST's reference
// libraries send amounts: 10000 → "100", 10050 → "100.5", 10025 → "100.25".
func (a Amount) DecimalTrimmed() string {
	s := a.Decimal()
	if strings.Contains(s, ".") {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	return s
}

// MinorString formats the integer minor units: "12550".
func (a Amount) MinorString() string { return strconv.FormatInt(a.Minor, 10) }

func (a Amount) String() string { return a.Decimal() + " " + a.Currency.Code }

// ErrBadAmount is returned by ParseDecimal for malformed input.
var ErrBadAmount = errors.New("money: malformed amount")

// ParseDecimal parses a decimal string ("125.5", "125,50", "100") into minor units
// of c. More decimals than the currency has is an error, never a rounding.
func ParseDecimal(s string, c Currency) (Amount, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Amount{}, ErrBadAmount
	}
	neg := false
	if s[0] == '-' {
		neg = true
		s = s[1:]
	}
	s = strings.Replace(s, ",", ".", 1)
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || (hasDot && frac == "") || len(frac) > c.Exponent {
		return Amount{}, fmt.Errorf("%w: %q", ErrBadAmount, s)
	}
	frac += strings.Repeat("0", c.Exponent-len(frac))
	for _, r := range intPart + frac {
		if r < '0' || r > '9' {
			return Amount{}, fmt.Errorf("%w: %q", ErrBadAmount, s)
		}
	}
	v, err := strconv.ParseInt(intPart+frac, 10, 64)
	if err != nil {
		return Amount{}, fmt.Errorf("%w: %q", ErrBadAmount, s)
	}
	if neg {
		v = -v
	}
	return Amount{Minor: v, Currency: c}, nil
}

// ParseMinor parses integer minor units ("12550").
func ParseMinor(s string, c Currency) (Amount, error) {
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return Amount{}, fmt.Errorf("%w: %q", ErrBadAmount, s)
	}
	return Amount{Minor: v, Currency: c}, nil
}

// Split divides total into n instalments the way Turkish banks do: every
// instalment is the floor of total/n and the last absorbs the remainder, so the
// parts always sum to the total.
func Split(total int64, n int) []int64 {
	if n <= 0 {
		return nil
	}
	parts := make([]int64, n)
	each := total / int64(n)
	for i := range parts {
		parts[i] = each
	}
	parts[n-1] += total - each*int64(n)
	return parts
}
