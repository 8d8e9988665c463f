package vakifkatilim_test

import (
	"testing"

	"github.com/kasapos/kasa/internal/gateway/boa"
	"github.com/kasapos/kasa/internal/gateway/vakifkatilim"
	"github.com/kasapos/kasa/internal/money"
)

// Known-answer vectors. The first is the research notes' BOA vector (§2.6);
// the others are the public library's Vakıf Katılım request vectors
// (merchant 1, user APIUSER, password kdsnsksl), inputs re-typed here; each
// checks the one recipe the package comment describes.
func TestHashKnownAnswers(t *testing.T) {
	if got := boa.HashPassword("kdsnsksl"); got != "h58bUB83xQz2/21SUeOemUgkF5U=" {
		t.Errorf("HashPassword = %s", got)
	}
	const ok3D, fail3D = "http://localhost/finansbank-payfor/3d/success.php", "http://localhost/finansbank-payfor/3d/fail.php"
	const resp3D = "http://localhost/finansbank-payfor/3d/response.php"
	for _, c := range []struct {
		name                                        string
		merchant, order, amount, ok, fail, user, pw string
		want                                        string
	}{
		{"research §2.6", "80", "ORDER-123", "7256", "", "", "apiuser", "Api123", "Bf+hZf2c1gf1pTXnEaSGxDpGRr0="},
		{"non-3D sale", "1", "123", "1000", "", "", "APIUSER", "kdsnsksl", "AYOjSzXn6dgwiV3U0vXzNTWlO8g="},
		{"status", "1", "order-123", "", "", "", "APIUSER", "kdsnsksl", "4oNmzFPMeC/tOK8i/XCPNy4W+FU="},
		{"cancel (with amount)", "1", "2023070849CD", "101", "", "", "APIUSER", "kdsnsksl", "/fcrfEy2juD7L/aTujiLgtJg23M="},
		{"refund / pre-auth reversal (no amount)", "1", "2023070849CD", "", "", "", "APIUSER", "kdsnsksl", "2JEWD55cC2JtLJIxM8KDRz2f6hU="},
		{"pre-auth close (no amount)", "1", "123", "", "", "", "APIUSER", "kdsnsksl", "K0LvOf07C/ayD53wWiykcUCZPc8="},
		{"3D enrollment", "1", "2020110828BC", "1001", ok3D, fail3D, "APIUSER", "kdsnsksl", "xAV9RXTP58Hy+8KYe1VgYDaZFqs="},
		{"3D provisioning", "1", "2020110828BC", "100", resp3D, resp3D, "APIUSER", "kdsnsksl", "sFxxO809/N3Yif4p/js1UKFMRro="},
	} {
		if got := boa.RequestHash(c.merchant, c.order, c.amount, c.ok, c.fail, c.user, c.pw); got != c.want {
			t.Errorf("%s: HashData = %s, want %s", c.name, got, c.want)
		}
	}
}

func TestFormats(t *testing.T) {
	for _, c := range []struct {
		minor int64
		cur   money.Currency
		amt   string
		code  string
	}{
		{101, money.TRY, "101", "0949"},
		{1000, money.TRY, "1000", "0949"},
		{12550, money.USD, "12550", "0840"},
		{1, money.EUR, "1", "0978"},
		{999999, money.GBP, "999999", "0826"},
		{2500, money.RUB, "2500", "0810"}, // the bank's old RUR code, not ISO 643
	} {
		a := money.New(c.minor, c.cur)
		if got := boa.FormatAmount(a); got != c.amt {
			t.Errorf("%v: amount %q, want %q", a, got, c.amt)
		}
		if got := vakifkatilim.FormatCurrency(c.cur); got != c.code {
			t.Errorf("%s: currency %q, want %q", c.cur.Code, got, c.code)
		}
		if got, ok := vakifkatilim.ParseCurrency(c.code); !ok || got.Code != c.cur.Code {
			t.Errorf("ParseCurrency(%q) = %v %v", c.code, got, ok)
		}
		if got, ok := vakifkatilim.ParseCurrency(c.code[1:]); !ok || got.Code != c.cur.Code {
			t.Errorf("ParseCurrency(%q) = %v %v", c.code[1:], got, ok)
		}
	}
	for _, bad := range []string{"", "0", "0643", "0392", "abc", "09499"} {
		if c, ok := vakifkatilim.ParseCurrency(bad); ok {
			t.Errorf("ParseCurrency(%q) = %v", bad, c)
		}
	}
	for n, want := range map[int]string{0: "0", 1: "0", 2: "2", 3: "3", 12: "12"} {
		if got := boa.FormatInstallments(n); got != want {
			t.Errorf("installments %d = %q", n, got)
		}
	}
	for s, want := range map[string]int64{"9.30": 930, "10.01": 1001, "0": 0, "0.00": 0, "3.9": 390, "": 0, "x": 0, "-1.00": 0, "1.001": 0} {
		if got := boa.DecimalMinor(s, money.TRY); got != want {
			t.Errorf("DecimalMinor(%q) = %d, want %d", s, got, want)
		}
	}
}

// The callback recipe is Kuveyt Türk's; no Vakıf Katılım vector with a
// known password is public, so this pins the recipe itself.
func TestCallbackHashRecipe(t *testing.T) {
	want := boa.HashPassword("kdsnsksl")
	if got := boa.CallbackHash("2024070152BF", "00", "6373034", "kdsnsksl"); got == "" || got == want {
		t.Fatal("callback hash")
	}
	if boa.CallbackHash("a", "00", "1", "p") == boa.CallbackHash("a", "01", "1", "p") {
		t.Fatal("ResponseCode not signed")
	}
}
