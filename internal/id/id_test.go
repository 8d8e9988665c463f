package id

import (
	"sort"
	"strings"
	"testing"
	"time"
)

func TestNewIsTimeOrderedAndUnique(t *testing.T) {
	seen := map[string]bool{}
	var ids []string
	for range 10000 {
		v := New("pay")
		if len(v) != len("pay_")+24 || !strings.HasPrefix(v, "pay_") {
			t.Fatalf("bad id %q", v)
		}
		if seen[v] {
			t.Fatalf("duplicate id %q", v)
		}
		seen[v] = true
		ids = append(ids, v)
	}
	// Ids made in later milliseconds sort after earlier ones.
	a := New("x")
	time.Sleep(2 * time.Millisecond)
	b := New("x")
	if a[:10] >= b[:10] {
		t.Fatalf("time prefix does not sort: %s then %s", a, b)
	}
	if !sort.SliceIsSorted(ids, func(i, j int) bool { return ids[i][:12] < ids[j][:12] }) {
		t.Fatal("ids made in sequence are not ordered by their time prefix")
	}
}

func TestStamp(t *testing.T) {
	for _, c := range []struct {
		ms   int64
		want string
	}{{0, "00000000"}, {61, "0000000z"}, {62, "00000010"}, {1795000000000, stamp(time.UnixMilli(1795000000000))}} {
		if got := stamp(time.UnixMilli(c.ms)); got != c.want {
			t.Errorf("stamp(%d) = %s, want %s", c.ms, got, c.want)
		}
	}
	if stamp(time.UnixMilli(1795000000000)) >= stamp(time.UnixMilli(1795000000001)) {
		t.Fatal("stamps do not sort")
	}
}

// TestBankOrder: every bank accepts the result (a letter, then upper-case
// letters and digits, exactly n long); from n = 20 it starts with the
// creation time, so later ids sort after earlier ones; it never repeats.
func TestBankOrder(t *testing.T) {
	seen := map[string]bool{}
	var ids []string
	for _, n := range []int{12, 19, 20, 24} {
		for range 2000 {
			v := BankOrder(n)
			if len(v) != n || v[0] != 'K' || strings.Trim(v, upperDigits) != "" {
				t.Fatalf("BankOrder(%d) = %q", n, v)
			}
			if seen[v] {
				t.Fatalf("duplicate %q", v)
			}
			seen[v] = true
			if n == 20 {
				ids = append(ids, v)
			}
		}
	}
	if !sort.SliceIsSorted(ids, func(i, j int) bool { return ids[i][:1+bankStampLen] < ids[j][:1+bankStampLen] }) {
		t.Fatal("bank order ids made in sequence are not ordered by their time prefix")
	}
	a := BankOrder(20)
	time.Sleep(2 * time.Millisecond)
	if b := BankOrder(20); a >= b {
		t.Fatalf("time prefix does not sort: %s then %s", a, b)
	}
	if got := bankStamp(time.UnixMilli(35)); got != "00000000Z" {
		t.Fatalf("bankStamp(35) = %s", got)
	}
	if got := bankStamp(time.UnixMilli(36)); got != "000000010" {
		t.Fatalf("bankStamp(36) = %s", got)
	}
}
