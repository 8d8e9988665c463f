package postgres_test

import (
	"testing"

	"github.com/kasapos/kasa/internal/store"
	"github.com/kasapos/kasa/internal/store/pgtest"
	"github.com/kasapos/kasa/internal/store/postgres"
	"github.com/kasapos/kasa/internal/store/storetest"
)

func TestDashboardStore(t *testing.T) {
	pgtest.Require(t)
	storetest.RunDashboard(t, func(t *testing.T) store.Store {
		s, err := postgres.Open(t.Context(), pgtest.DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
