package audit_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kasapos/kasa/internal/audit"
	"github.com/kasapos/kasa/internal/store"
	"github.com/kasapos/kasa/internal/store/pgtest"
	"github.com/kasapos/kasa/internal/store/postgres"
	"github.com/kasapos/kasa/internal/store/sqlite"
)

// backend opens a fresh store and a raw connection that plays the attacker
// with direct database access (append-only triggers dropped).
type backend struct {
	name string
	open func(t *testing.T) (store.Store, *sql.DB)
}

var backends = []backend{
	{"sqlite", func(t *testing.T) (store.Store, *sql.DB) {
		path := filepath.Join(t.TempDir(), "kasa.db")
		st, err := sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"DROP TRIGGER audit_events_no_update", "DROP TRIGGER audit_events_no_delete"} {
			if _, err := raw.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		return st, raw
	}},
	{"postgres", func(t *testing.T) (store.Store, *sql.DB) {
		dsn := pgtest.DSN(t)
		st, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Exec("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"); err != nil {
			t.Fatal(err)
		}
		return st, raw
	}},
}

func each(t *testing.T, fn func(t *testing.T, st store.Store, raw *sql.DB)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			st, raw := b.open(t)
			t.Cleanup(func() { raw.Close(); st.Close() })
			fn(t, st, raw)
		})
	}
}

func fill(t *testing.T, st store.Store, n int) {
	t.Helper()
	ctx := context.Background()
	// Concurrent writers: the chain must still come out whole.
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			errs <- st.AppendAudit(ctx, &store.AuditEvent{ID: fmt.Sprintf("aud_%03d", i), MerchantID: "mer_1", Mode: store.ModeTest,
				ActorType: store.ActorAPIKey, ActorID: "key_1", Action: "pos.update", ResourceType: "pos", ResourceID: "pos_1",
				Summary: []byte(`{"fields":["name"]}`), Outcome: "success", ClientIP: "203.0.113.7", RequestID: fmt.Sprintf("req_%d", i)})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func verify(t *testing.T, st store.Store) audit.Result {
	t.Helper()
	res, err := audit.Verify(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res)
	return res
}

func exec(t *testing.T, raw *sql.DB, q string) {
	t.Helper()
	if _, err := raw.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func TestAuditVerify(t *testing.T) {
	each(t, func(t *testing.T, st store.Store, raw *sql.DB) {
		fill(t, st, 12)
		if res := verify(t, st); !res.OK || res.Rows != 12 {
			t.Fatalf("intact chain: %v", res)
		}
		page, err := st.ListAuditEvents(context.Background(), store.AuditFilter{MerchantID: "mer_1", Limit: 5})
		if err != nil || len(page) != 5 || page[0].Pos != 12 {
			t.Fatalf("list: %d rows, err %v", len(page), err)
		}
		next, err := st.ListAuditEvents(context.Background(), store.AuditFilter{MerchantID: "mer_1", BeforePos: page[4].Pos, Limit: 100})
		if err != nil || len(next) != 7 || next[0].Pos != 7 {
			t.Fatalf("second page: %d rows, err %v", len(next), err)
		}
	})
}

func TestAuditAppendOnlyTrigger(t *testing.T) {
	ctx := context.Background()
	for _, b := range []string{"sqlite", "postgres"} {
		t.Run(b, func(t *testing.T) {
			var st store.Store
			var raw *sql.DB
			var err error
			if b == "sqlite" {
				path := filepath.Join(t.TempDir(), "kasa.db")
				if st, err = sqlite.Open(path); err == nil {
					raw, err = sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
				}
			} else {
				dsn := pgtest.DSN(t)
				if st, err = postgres.Open(ctx, dsn); err == nil {
					raw, err = sql.Open("pgx", dsn)
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			defer raw.Close()
			fill(t, st, 1)
			for _, q := range []string{"UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"} {
				if _, err := raw.Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
					t.Errorf("%s: %v, want refused as append-only", q, err)
				}
			}
		})
	}
}

func TestAuditVerifyDetectsTampering(t *testing.T) {
	cases := []struct {
		name    string
		tamper  []string
		wantPos int64
	}{
		{"edited field", []string{"UPDATE audit_events SET client_ip = '198.51.100.1' WHERE pos = 5"}, 5},
		{"edited and rehashed", []string{"UPDATE audit_events SET actor_id = 'key_x', hash = prev_hash WHERE pos = 4"}, 4},
		{"deleted row", []string{"DELETE FROM audit_events WHERE pos = 3"}, 3},
		{"deleted last row", []string{"DELETE FROM audit_events WHERE pos = 8"}, 8},
		{"swapped rows", []string{
			"UPDATE audit_events SET pos = 100 WHERE pos = 6",
			"UPDATE audit_events SET pos = 6 WHERE pos = 7",
			"UPDATE audit_events SET pos = 7 WHERE pos = 100"}, 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			each(t, func(t *testing.T, st store.Store, raw *sql.DB) {
				fill(t, st, 8)
				if res := verify(t, st); !res.OK {
					t.Fatalf("before tampering: %v", res)
				}
				for _, q := range c.tamper {
					exec(t, raw, q)
				}
				res := verify(t, st)
				if res.OK || res.BadPos != c.wantPos {
					t.Fatalf("after tampering: %v, want broken at %d", res, c.wantPos)
				}
			})
		})
	}
}
