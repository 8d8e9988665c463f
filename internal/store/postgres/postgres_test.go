package postgres_test

import (
	"testing"

	"github.com/kasapos/kasa/internal/store"
	"github.com/kasapos/kasa/internal/store/pgtest"
	"github.com/kasapos/kasa/internal/store/postgres"
	"github.com/kasapos/kasa/internal/store/storetest"
)

func TestStore(t *testing.T) {
	pgtest.Require(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := postgres.Open(t.Context(), pgtest.DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

func TestReopen(t *testing.T) {
	dsn := pgtest.DSN(t)
	storetest.RunReopen(t, func() (store.Store, error) { return postgres.Open(t.Context(), dsn) })
}

func TestWH1_ConcurrentClaim(t *testing.T) {
	dsn := pgtest.DSN(t)
	storetest.RunWebhookConcurrentClaim(t, func() (store.Store, error) { return postgres.Open(t.Context(), dsn) })
}

// TestStoreGroupCommit runs the suite again with group commit on.
func TestStoreGroupCommit(t *testing.T) {
	pgtest.Require(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := postgres.OpenWith(t.Context(), pgtest.DSN(t), postgres.Options{Committers: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
