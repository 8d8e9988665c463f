package web

import (
	"crypto/sha512"
	"encoding/base64"
	"flag"
	"os"
	"sort"
	"strings"
	"testing"
)

var updateInventory = flag.Bool("update-inventory", false, "rewrite assets/INVENTORY from the embedded assets")

// inventoryLines is the committed allowlist: "name sha384-…" per asset.
func inventoryLines(t *testing.T) []string {
	b, err := os.ReadFile("assets/INVENTORY")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// The embedded assets are exactly the committed inventory (PCI-6); the page
// test in checkout_e2e_test.go checks that the page loads only these.
func TestPCI6_AssetsMatchInventory(t *testing.T) {
	var want []string
	for name, a := range assets {
		sum := sha512.Sum384(a.body)
		if a.SRI != "sha384-"+base64.StdEncoding.EncodeToString(sum[:]) {
			t.Fatalf("%s: SRI %s does not match its body", name, a.SRI)
		}
		want = append(want, name+" "+a.SRI)
	}
	sort.Strings(want)
	if *updateInventory {
		b, err := os.ReadFile("assets/INVENTORY")
		if err != nil {
			t.Fatal(err)
		}
		var head []string
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "#") {
				head = append(head, l)
			}
		}
		if err := os.WriteFile("assets/INVENTORY", []byte(strings.Join(append(head, want...), "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := inventoryLines(t); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("assets differ from assets/INVENTORY (review the change, then run with -update-inventory):\ninventory:\n%s\nembedded:\n%s",
			strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestFormatAmount(t *testing.T) {
	for _, c := range []struct {
		minor   int64
		cur, tr string
		en      string
	}{
		{123456, "TRY", "1.234,56 ₺", "₺1,234.56"},
		{5, "TRY", "0,05 ₺", "₺0.05"},
		{99900, "TRY", "999,00 ₺", "₺999.00"},
		{123456789, "USD", "1.234.567,89 $", "$1,234,567.89"},
		{1000, "JPY", "1.000 JPY", "1,000 JPY"},
	} {
		if got := formatAmount(c.minor, c.cur, "tr"); got != c.tr {
			t.Errorf("tr %d %s = %q, want %q", c.minor, c.cur, got, c.tr)
		}
		if got := formatAmount(c.minor, c.cur, "en"); got != c.en {
			t.Errorf("en %d %s = %q, want %q", c.minor, c.cur, got, c.en)
		}
	}
}

func TestParseExpiry(t *testing.T) {
	for in, want := range map[string][2]int{
		"12/30": {12, 30}, "01 / 2031": {1, 2031}, "1/30": {1, 30}, "12/3": {0, 0}, "1230": {0, 0}, "ab/cd": {0, 0}, "": {0, 0},
	} {
		m, y := parseExpiry(in)
		if m != want[0] || y != want[1] {
			t.Errorf("parseExpiry(%q) = %d, %d; want %v", in, m, y, want)
		}
	}
}
