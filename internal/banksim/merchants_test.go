package banksim

import "testing"

func TestMerchants(t *testing.T) {
	var m Merchants[string]
	if _, ok := m.Get("a"); ok {
		t.Fatal("empty table found a merchant")
	}
	m.Add("a", "one")
	m.Add("a", "two")
	if v, ok := m.Get("a"); !ok || v != "two" {
		t.Fatalf("Get = %q, %v", v, ok)
	}
}
