package card

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestParsePAN(t *testing.T) {
	good := []string{"4355084355084358", "4355 0843 5508 4358", "5401341234567891", "4546711234567894", "9792 0000 0000 0001"}
	for _, g := range good {
		if strings.HasPrefix(g, "9792") {
			g = withLuhn("979200000000000")
		}
		if _, err := ParsePAN(g); err != nil {
			t.Errorf("ParsePAN(%q): %v", g, err)
		}
	}
	bad := map[string]error{"4355084355084359": ErrPANLuhn, "12345": ErrPANFormat, "4355x84355084358": ErrPANFormat, "": ErrPANFormat}
	for in, want := range bad {
		if _, err := ParsePAN(in); err != want {
			t.Errorf("ParsePAN(%q) = %v, want %v", in, err, want)
		}
	}
}

// withLuhn appends the check digit to a partial number.
func withLuhn(partial string) string {
	for d := '0'; d <= '9'; d++ {
		if Luhn(partial + string(d)) {
			return partial + string(d)
		}
	}
	panic("unreachable")
}

func TestBrand(t *testing.T) {
	cases := map[string]Brand{
		"4355084355084358": Visa, "5401341234567891": Mastercard, "2221000000000009": Mastercard,
		"9792030000000000": Troy, "6500000000000000": Unknown, "6540000000000000": Troy, "340000000000009": Amex, "1234": Unknown,
	}
	for pan, want := range cases {
		if got := BrandOf(pan); got != want {
			t.Errorf("BrandOf(%s) = %s, want %s", pan, got, want)
		}
	}
}

// PCI-3: a PAN never prints more than BIN + last 4, whatever the output path.
func TestPCI3_PANNeverPrintsInClear(t *testing.T) {
	for n := 13; n <= 19; n++ {
		full := withLuhn("400000" + strings.Repeat("2", n-10) + "000")
		p, err := ParsePAN(full)
		if err != nil {
			t.Fatal(err)
		}
		js, _ := json.Marshal(struct{ P PAN }{p})
		var logBuf strings.Builder
		slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("x", "pan", p)
		outs := []string{p.String(), fmt.Sprint(p), fmt.Sprintf("%v %+v %#v %s %q", p, p, p, p, p), string(js), logBuf.String()}
		for _, o := range outs {
			if strings.Contains(o, full) || strings.Contains(o, full[6:len(full)-4]) {
				t.Errorf("len %d: output %q reveals the PAN", n, o)
			}
		}
		if p.Last4() != full[len(full)-4:] || !strings.HasPrefix(full, p.BIN()) {
			t.Errorf("BIN/last4 wrong for %s", p.Masked())
		}
		if n < 16 && len(p.BIN()) != 6 || n >= 16 && len(p.BIN()) != 8 {
			t.Errorf("len %d: BIN length %d breaks FAQ 1492", n, len(p.BIN()))
		}
	}
}

// PCI-1: the CVV has no printable form at all.
func TestPCI1_CVVNeverPrints(t *testing.T) {
	c, err := ParseCVV("987")
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(Card{CVV: c})
	var logBuf strings.Builder
	slog.New(slog.NewTextHandler(&logBuf, nil)).Info("x", "cvv", c, "card", Card{CVV: c})
	for _, o := range []string{fmt.Sprintf("%v %+v %#v %s", c, c, c, c), string(js), logBuf.String(), fmt.Sprintf("%+v", Card{CVV: c})} {
		if strings.Contains(o, "987") {
			t.Errorf("output %q reveals the CVV", o)
		}
	}
	for _, bad := range []string{"", "12", "12345", "12a"} {
		if _, err := ParseCVV(bad); err == nil {
			t.Errorf("ParseCVV(%q) accepted", bad)
		}
	}
}

func TestExpiry(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	e, _ := NewExpiry(11, 2026)
	if e.Expired(now) {
		t.Error("a card is valid through its expiry month")
	}
	e, _ = NewExpiry(10, 26)
	if !e.Expired(now) || e.YYYY() != "2026" || e.MM() != "10" || e.YY() != "26" {
		t.Errorf("expiry %v wrong", e)
	}
	for _, m := range []int{0, 13} {
		if _, err := NewExpiry(m, 2030); err == nil {
			t.Errorf("month %d accepted", m)
		}
	}
}
