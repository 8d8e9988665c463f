package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/kasapos/kasa/internal/store"
	"github.com/kasapos/kasa/internal/store/sqlite"
	"github.com/kasapos/kasa/internal/store/storetest"
)

func TestDashboardStore(t *testing.T) {
	storetest.RunDashboard(t, func(t *testing.T) store.Store {
		s, err := sqlite.Open(filepath.Join(t.TempDir(), "kasa.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
