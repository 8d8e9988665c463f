package banksim

import (
	"testing"
	"time"
)

func TestPending(t *testing.T) {
	p := NewPending[string](time.Minute)
	p.Put("a", "x")
	if _, ok := p.Take("a", func(v string) bool { return v == "y" }); ok {
		t.Fatal("refused entry taken")
	}
	if v, ok := p.Take("a", nil); !ok || v != "x" {
		t.Fatalf("Take = %q, %v", v, ok)
	}
	if _, ok := p.Take("a", nil); ok {
		t.Fatal("entry taken twice")
	}
	short := NewPending[int](time.Nanosecond)
	short.Put("b", 1)
	time.Sleep(time.Millisecond)
	if _, ok := short.Take("b", nil); ok {
		t.Fatal("lapsed entry taken")
	}
	short.Put("c", 2) // drops the lapsed "b"
	if len(short.m) != 1 {
		t.Errorf("lapsed entries kept: %d", len(short.m))
	}
}
