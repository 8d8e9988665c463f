// Package card holds card data with the output rules PCI DSS asks for: a PAN
// prints only as BIN + last 4, a CVV never prints at all. Neither type can be
// marshalled to JSON or logged in clear, so a careless log line or response
// cannot leak them.
package card

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Errors returned by the parsers; the API maps them to machine codes.
var (
	ErrPANFormat = errors.New("card number must be 12 to 19 digits")
	ErrPANLuhn   = errors.New("card number fails the Luhn check")
	ErrExpiry    = errors.New("expiry month must be 1-12 and year four digits")
	ErrExpired   = errors.New("card has expired")
	ErrCVV       = errors.New("cvv must be 3 or 4 digits")
)

// PAN is a primary account number. Its String, GoString, JSON and slog forms are masked.
type PAN struct{ digits string }

// ParsePAN strips spaces and dashes, then checks length and Luhn.
func ParsePAN(s string) (PAN, error) {
	d := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, s)
	if len(d) < 12 || len(d) > 19 || !allDigits(d) {
		return PAN{}, ErrPANFormat
	}
	if !Luhn(d) {
		return PAN{}, ErrPANLuhn
	}
	return PAN{d}, nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Luhn reports whether a digit string passes the mod-10 check.
func Luhn(d string) bool {
	if !allDigits(d) {
		return false
	}
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if double {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
		double = !double
	}
	return sum%10 == 0
}

// Reveal returns the full number. Only bank adapters call it, to put the PAN on the wire.
func (p PAN) Reveal() string { return p.digits }

// IsZero reports whether p holds no number.
func (p PAN) IsZero() bool { return p.digits == "" }

// binLen follows PCI SSC FAQ 1492: an 8-digit BIN may be shown only for PANs of
// 16 digits or more; shorter PANs show 6.
func (p PAN) binLen() int {
	if len(p.digits) >= 16 {
		return 8
	}
	return 6
}

// BIN returns the issuer prefix that may be stored and displayed (6 or 8 digits).
func (p PAN) BIN() string {
	if p.digits == "" {
		return ""
	}
	return p.digits[:p.binLen()]
}

// BIN6 returns the first six digits, the lookup key most BIN tables use.
func (p PAN) BIN6() string {
	if len(p.digits) < 6 {
		return ""
	}
	return p.digits[:6]
}

// Last4 returns the last four digits.
func (p PAN) Last4() string {
	if len(p.digits) < 4 {
		return ""
	}
	return p.digits[len(p.digits)-4:]
}

// Masked returns the first six and last four digits with the middle starred:
// "435508******4358". Six, not eight, so masks look the same for every length.
func (p PAN) Masked() string {
	if p.digits == "" {
		return ""
	}
	return p.digits[:6] + strings.Repeat("*", len(p.digits)-10) + p.digits[len(p.digits)-4:]
}

func (p PAN) String() string                { return p.Masked() }
func (p PAN) GoString() string              { return "card.PAN(" + p.Masked() + ")" }
func (p PAN) Format(f fmt.State, verb rune) { fmt.Fprint(f, p.Masked()) }
func (p PAN) LogValue() slog.Value          { return slog.StringValue(p.Masked()) }
func (p PAN) MarshalJSON() ([]byte, error)  { return []byte(`"` + p.Masked() + `"`), nil }
func (p PAN) MarshalText() ([]byte, error)  { return []byte(p.Masked()), nil }

// Brand is a card scheme detected from the PAN prefix.
type Brand string

const (
	Visa       Brand = "visa"
	Mastercard Brand = "mastercard"
	Troy       Brand = "troy"
	Amex       Brand = "amex"
	Unknown    Brand = "unknown"
)

// Brand detects the scheme from the leading digits. Troy (Turkey's domestic
// scheme) uses 9792 and part of the 65 range, so it is checked before others.
func (p PAN) Brand() Brand { return BrandOf(p.digits) }

// BrandOf detects the scheme of a (possibly partial) number.
func BrandOf(d string) Brand {
	switch {
	case strings.HasPrefix(d, "9792"), strings.HasPrefix(d, "65") && len(d) >= 2 && !strings.HasPrefix(d, "6500"):
		return Troy
	case strings.HasPrefix(d, "34"), strings.HasPrefix(d, "37"):
		return Amex
	case strings.HasPrefix(d, "4"):
		return Visa
	}
	if len(d) >= 2 {
		p2 := int(d[0]-'0')*10 + int(d[1]-'0')
		if p2 >= 51 && p2 <= 55 {
			return Mastercard
		}
	}
	if len(d) >= 4 {
		p4 := int(d[0]-'0')*1000 + int(d[1]-'0')*100 + int(d[2]-'0')*10 + int(d[3]-'0')
		if p4 >= 2221 && p4 <= 2720 {
			return Mastercard
		}
	}
	return Unknown
}

// Expiry is a card's expiry month.
type Expiry struct {
	Month int // 1-12
	Year  int // four digits
}

// NewExpiry validates month and year (two-digit years are taken as 20YY).
func NewExpiry(month, year int) (Expiry, error) {
	if year >= 0 && year < 100 {
		year += 2000
	}
	if month < 1 || month > 12 || year < 2000 || year > 2199 {
		return Expiry{}, ErrExpiry
	}
	return Expiry{month, year}, nil
}

// Expired reports whether the card is past its expiry month at now. A card is
// valid through the last day of its month.
func (e Expiry) Expired(now time.Time) bool {
	y, m, _ := now.Date()
	return e.Year < y || (e.Year == y && e.Month < int(m))
}

// MM returns the two-digit month; YY and YYYY the year.
func (e Expiry) MM() string   { return fmt.Sprintf("%02d", e.Month) }
func (e Expiry) YY() string   { return fmt.Sprintf("%02d", e.Year%100) }
func (e Expiry) YYYY() string { return fmt.Sprintf("%04d", e.Year) }

// CVV is the card security code. It never prints and is never stored.
type CVV struct{ digits string }

// ParseCVV accepts 3 or 4 digits.
func ParseCVV(s string) (CVV, error) {
	if (len(s) != 3 && len(s) != 4) || !allDigits(s) {
		return CVV{}, ErrCVV
	}
	return CVV{s}, nil
}

// Reveal returns the code for the bank request.
func (c CVV) Reveal() string                { return c.digits }
func (c CVV) IsZero() bool                  { return c.digits == "" }
func (c CVV) String() string                { return "***" }
func (c CVV) GoString() string              { return "card.CVV(***)" }
func (c CVV) Format(f fmt.State, verb rune) { fmt.Fprint(f, "***") }
func (c CVV) LogValue() slog.Value          { return slog.StringValue("***") }
func (c CVV) MarshalJSON() ([]byte, error)  { return []byte(`"***"`), nil }
func (c CVV) MarshalText() ([]byte, error)  { return []byte("***"), nil }

// Card is everything a non-3D authorisation needs. It lives only in memory.
type Card struct {
	PAN    PAN
	Expiry Expiry
	CVV    CVV
	Holder string
}
