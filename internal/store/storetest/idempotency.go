package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/store"
)

func claim(t *testing.T, s store.Store, rec store.Idempotency) (*store.Idempotency, bool) {
	t.Helper()
	existing, claimed, err := s.ClaimIdempotency(t.Context(), &rec)
	must(t, err)
	if claimed != (existing == nil) {
		t.Fatalf("claimed %v with existing %+v", claimed, existing)
	}
	return existing, claimed
}

func testIdempotencyLifecycle(t *testing.T, s store.Store) {
	ctx := t.Context()
	m, other := mkMerchant(t, s), mkMerchant(t, s)
	rec := store.Idempotency{MerchantID: m.ID, Key: "key-" + newID(""), Fingerprint: "fp-1", CreatedAt: base}

	if _, claimed := claim(t, s, rec); !claimed {
		t.Fatal("first claim lost")
	}
	// A second request with the same key, even with other parameters, sees the
	// first one in progress; the caller compares fingerprints.
	second := rec
	second.Fingerprint = "fp-2"
	existing, claimed := claim(t, s, second)
	if claimed || existing.State != store.IdemInProgress || existing.Fingerprint != "fp-1" ||
		!existing.CreatedAt.Equal(base) {
		t.Fatalf("second claim: claimed %v, %+v", claimed, existing)
	}
	// Keys are scoped by merchant.
	foreign := rec
	foreign.MerchantID = other.ID
	if _, claimed := claim(t, s, foreign); !claimed {
		t.Fatal("another merchant's identical key was not claimable")
	}

	must(t, s.SetIdempotencyResource(ctx, m.ID, rec.Key, "pay_123"))
	wantErr(t, s.SetIdempotencyResource(ctx, m.ID, "key-missing", "pay_1"), store.ErrNotFound)
	existing, _ = claim(t, s, rec)
	if existing.ResourceID != "pay_123" {
		t.Fatalf("resource = %q", existing.ResourceID)
	}

	// Completion stores the response byte for byte, and only once.
	body := []byte("{\"id\": \"pay_123\",\n \"status\": \"succeeded\"}\n")
	done := rec
	done.ResponseStatus, done.ResponseBody, done.UpdatedAt = 201, body, base.Add(time.Second)
	must(t, s.CompleteIdempotency(ctx, &done))
	if done.State != store.IdemDone {
		t.Fatalf("state after complete = %q", done.State)
	}
	existing, _ = claim(t, s, rec)
	want := &store.Idempotency{MerchantID: m.ID, Key: rec.Key, Fingerprint: "fp-1", State: store.IdemDone,
		ResponseStatus: 201, ResponseBody: body, ResourceID: "pay_123", CreatedAt: base, UpdatedAt: done.UpdatedAt}
	wantEqual(t, existing, want)
	again := done
	again.ResponseStatus, again.ResponseBody = 500, []byte("other")
	wantErr(t, s.CompleteIdempotency(ctx, &again), store.ErrNotFound)
	must(t, s.DeleteIdempotency(ctx, m.ID, rec.Key)) // a done key is never released
	existing, _ = claim(t, s, rec)
	wantEqual(t, existing, want)

	// Releasing an in-progress claim (no side effect happened) frees the key.
	free := store.Idempotency{MerchantID: m.ID, Key: "key-" + newID(""), Fingerprint: "fp"}
	claim(t, s, free)
	must(t, s.DeleteIdempotency(ctx, m.ID, free.Key))
	if _, claimed := claim(t, s, free); !claimed {
		t.Fatal("released key not claimable")
	}
	// Two takers-over of one stale claim: the second must not release the
	// fresh claim the first made after releasing the stale one.
	stale := store.Idempotency{MerchantID: m.ID, Key: "key-" + newID(""), Fingerprint: "fp",
		CreatedAt: base, UpdatedAt: base}
	claim(t, s, stale)
	seen, _ := claim(t, s, stale)
	released, err := s.ReleaseStaleIdempotency(ctx, seen)
	must(t, err)
	fresh := stale
	fresh.CreatedAt, fresh.UpdatedAt = base.Add(time.Hour), base.Add(time.Hour)
	if _, claimed := claim(t, s, fresh); !released || !claimed {
		t.Fatalf("stale claim not released (%v) or not reclaimed", released)
	}
	released, err = s.ReleaseStaleIdempotency(ctx, seen)
	must(t, err)
	if again, _ := claim(t, s, stale); released || !again.UpdatedAt.Equal(fresh.UpdatedAt) {
		t.Fatalf("second release removed the fresh claim: released %v, row %+v", released, again)
	}

	// Completing with a resource id records it.
	free.ResourceID, free.ResponseStatus = "pay_9", 402
	must(t, s.CompleteIdempotency(ctx, &free))
	existing, _ = claim(t, s, free)
	if existing.ResourceID != "pay_9" || existing.ResponseStatus != 402 || existing.ResponseBody != nil {
		t.Fatalf("completed: %+v", existing)
	}
}

// testReaper: the reaper removes keys older than the retention and nothing else.
func testReaper(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := mkMerchant(t, s)
	p := newSale(m.ID, store.ModeTest, 100)
	p.CreatedAt, p.UpdatedAt = base.Add(-48*time.Hour), base.Add(-48*time.Hour)
	insertPayments(t, s, p)
	old := store.Idempotency{MerchantID: m.ID, Key: "old", Fingerprint: "fp", CreatedAt: base.Add(-25 * time.Hour)}
	young := store.Idempotency{MerchantID: m.ID, Key: "young", Fingerprint: "fp", CreatedAt: base.Add(-time.Hour)}
	claim(t, s, old)
	claim(t, s, young)
	old.ResourceID, old.ResponseStatus = p.ID, 201
	must(t, s.CompleteIdempotency(ctx, &old))

	n, err := s.DeleteIdempotencyBefore(ctx, base.Add(-24*time.Hour))
	must(t, err)
	if n != 1 {
		t.Fatalf("reaped %d keys; want 1", n)
	}
	if _, claimed := claim(t, s, old); !claimed {
		t.Fatal("reaped key is not new again")
	}
	if _, claimed := claim(t, s, young); claimed {
		t.Fatal("young key was reaped")
	}
	got, err := s.GetPayment(ctx, m.ID, p.ID)
	must(t, err)
	wantEqual(t, got, p)
}

// testConcurrentClaim: 50 simultaneous claims of one key, exactly one winner.
func testConcurrentClaim(t *testing.T, s store.Store) {
	m := mkMerchant(t, s)
	const n = 50
	var wg sync.WaitGroup
	var mu sync.Mutex
	winners, losers := 0, 0
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			rec := store.Idempotency{MerchantID: m.ID, Key: "same-key", Fingerprint: "fp"}
			<-start
			existing, claimed, err := s.ClaimIdempotency(t.Context(), &rec)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				t.Errorf("claim: %v", err)
			case claimed:
				winners++
			case existing != nil && existing.Key == "same-key" && existing.State == store.IdemInProgress:
				losers++
			default:
				t.Errorf("lost claim without a usable existing row: %+v", existing)
			}
		})
	}
	close(start)
	wg.Wait()
	if winners != 1 || losers != n-1 {
		t.Fatalf("%d winners, %d losers; want 1 and %d", winners, losers, n-1)
	}
}

// testReaperBatches: the reaper deletes in bounded batches (on SQLite, by
// walking rowid windows with no index on created_at) and still reaps every
// old key and only those, across more keys than two batches hold.
func testReaperBatches(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := mkMerchant(t, s)
	const old, young = 2345, 40
	keys := make(chan store.Idempotency, old+young)
	for i := range old + young {
		created := base.Add(-48*time.Hour + time.Duration(i)*time.Second)
		if i >= old {
			created = base.Add(-time.Duration(old+young-i) * time.Minute)
		}
		keys <- store.Idempotency{MerchantID: m.ID, Key: fmt.Sprintf("k%05d", i), Fingerprint: "fp", CreatedAt: created}
	}
	close(keys)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for k := range keys {
				if _, _, err := s.ClaimIdempotency(ctx, &k); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	n, err := s.DeleteIdempotencyBefore(ctx, base.Add(-24*time.Hour))
	must(t, err)
	if n != old {
		t.Fatalf("reaped %d keys; want %d", n, old)
	}
	for _, i := range []int{0, 999, 1000, 2000, old - 1} {
		if _, claimed := claim(t, s, store.Idempotency{MerchantID: m.ID, Key: fmt.Sprintf("k%05d", i), Fingerprint: "fp"}); !claimed {
			t.Errorf("old key %d was not reaped", i)
		}
	}
	for i := old; i < old+young; i++ {
		if _, claimed := claim(t, s, store.Idempotency{MerchantID: m.ID, Key: fmt.Sprintf("k%05d", i), Fingerprint: "fp"}); claimed {
			t.Errorf("young key %d was reaped", i)
		}
	}
}
