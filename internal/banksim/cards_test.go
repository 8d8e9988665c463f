package banksim

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/money"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func exp(t *testing.T, m, y int) card.Expiry {
	t.Helper()
	e, err := card.NewExpiry(m, y)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestDeclineTable(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range Declines {
		if seen[d.Code] {
			t.Errorf("code %s twice", d.Code)
		}
		seen[d.Code] = true
		if len(d.Code) != 2 || d.Reason == "" || d.Message == "" {
			t.Errorf("incomplete %+v", d)
		}
		if _, err := card.ParsePAN(d.ExamplePAN); err != nil {
			t.Errorf("%s: example card %s: %v", d.Code, d.ExamplePAN, err)
		}
		if !strings.HasSuffix(d.ExamplePAN, "00"+d.Code) {
			t.Errorf("%s: example card %s does not end in 00%s", d.Code, d.ExamplePAN, d.Code)
		}
		got, ok := Decide(d.ExamplePAN, exp(t, 12, 2030), money.New(1000, money.TRY), now)
		if !ok || got.Code != d.Code {
			t.Errorf("card trigger %s: got %+v %v", d.Code, got, ok)
		}
		for _, c := range []money.Currency{money.TRY, money.USD, money.EUR, money.GBP} {
			got, ok = Decide("4355084355084358", exp(t, 12, 2030), TriggerAmount(d.Code, c), now)
			if !ok || got.Code != d.Code {
				t.Errorf("amount trigger %s %s: got %+v %v", d.Code, c.Code, got, ok)
			}
		}
	}
}

func TestDecideApproves(t *testing.T) {
	for _, tc := range TestCards {
		mm, yy := tc.Expiry[:2], tc.Expiry[3:]
		m := int(mm[0]-'0')*10 + int(mm[1]-'0')
		y := int(yy[0]-'0')*10 + int(yy[1]-'0')
		if d, ok := Decide(tc.PAN, exp(t, m, y), money.New(101, money.TRY), now); ok {
			t.Errorf("test card %s declined: %+v", tc.PAN, d)
		}
	}
	for _, minor := range []int64{1, 101, 10025, 12550, 999900, 999999, 999950, 99951, 1999951, 5100} {
		if d, ok := Decide("4355084355084358", exp(t, 12, 2030), money.New(minor, money.TRY), now); ok {
			t.Errorf("amount %d declined: %+v", minor, d)
		}
	}
	// Cards ending 00NN with NN not in the table approve.
	for _, pan := range []string{"4000000000000002", "4000000000040099"} {
		if d, ok := Decide(pan, exp(t, 12, 2030), money.New(100, money.TRY), now); ok {
			t.Errorf("%s declined: %+v", pan, d)
		}
	}
	// JPY has no kuruş: amount triggers do not apply.
	if _, ok := Decide("4355084355084358", exp(t, 12, 2030), money.New(999951, money.JPY), now); ok {
		t.Error("JPY amount triggered")
	}
}

func TestDecideExpired(t *testing.T) {
	d, ok := Decide("4355084355084358", exp(t, 10, 2026), money.New(100, money.TRY), now)
	if !ok || d.Code != "54" {
		t.Errorf("expired: %+v %v", d, ok)
	}
	if _, ok := Decide("4355084355084358", exp(t, 11, 2026), money.New(100, money.TRY), now); ok {
		t.Error("card valid through its expiry month was declined")
	}
}

func TestREADMETableInSync(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	begin, end := strings.Index(s, "<!-- declines:begin -->\n"), strings.Index(s, "<!-- declines:end -->")
	if begin < 0 || end < begin {
		t.Fatal("README markers missing")
	}
	got := s[begin+len("<!-- declines:begin -->\n") : end]
	if want := DeclineTableMarkdown(); got != want {
		t.Errorf("README decline table is stale; replace it with:\n%s", want)
	}
}
