package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/kasapos/kasa/internal/store"
	"github.com/kasapos/kasa/internal/store/sqlite"
	"github.com/kasapos/kasa/internal/store/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := sqlite.Open(filepath.Join(t.TempDir(), "kasa.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kasa.db")
	storetest.RunReopen(t, func() (store.Store, error) { return sqlite.Open(path) })
}

func TestOpenRejectsUnusablePaths(t *testing.T) {
	for _, p := range []string{"", ":memory:", "/tmp/a?b.db"} {
		if s, err := sqlite.Open(p); err == nil {
			_ = s.Close()
			t.Errorf("Open(%q) succeeded", p)
		}
	}
}

func TestWH1_ConcurrentClaim(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kasa.db")
	storetest.RunWebhookConcurrentClaim(t, func() (store.Store, error) { return sqlite.Open(path) })
}

func BenchmarkFanOut(b *testing.B) {
	s, err := sqlite.Open(filepath.Join(b.TempDir(), "kasa.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchmarkFanOut(b, s)
}
