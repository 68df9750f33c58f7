package caserepo_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/caserepo"
	"github.com/lhuta/lhuta/internal/testdb"
)

// An idempotency key gives its first answer for the whole period and
// records nothing again, up to its last second; after the period the key
// is free: the same request records anew (a new case), and its new answer
// holds for a period of its own. The sweep removes only expired keys.
func TestAnIdempotencyKeyExpiresAfterItsPeriod(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		const ttl = 7 * 24 * time.Hour
		var now atomic.Pointer[time.Time]
		at := func(t time.Time) { now.Store(&t) }
		clock := func() time.Time { return *now.Load() }
		store := eventstore.NewSQLStore(db.SQL, db.Dialect).WithKeyTTL(ttl, clock)
		repo := caserepo.New(store)
		start := time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)
		at(start)
		rec, err := cases.Open([]byte(`{"situation":"id_card_incident","office":"Praha 1","citizen":{"id":"c","birth_date":"1980-05-17","full_name":"Jana"}}`), clerk)
		if err != nil {
			t.Fatal(err)
		}
		req := caserepo.Request{Actor: "alice", Key: "open-1", RequestHash: "digest of the request"}
		first, err := repo.Create(ctx, rec, req)
		if err != nil {
			t.Fatal(err)
		}
		other, err := repo.Create(ctx, rec, caserepo.Request{Actor: "alice", Key: "open-2", RequestHash: "another"})
		if err != nil {
			t.Fatal(err)
		}
		for _, after := range []time.Duration{time.Minute, 3 * 24 * time.Hour, ttl - time.Second, ttl} {
			at(start.Add(after))
			e, err := repo.Create(ctx, rec, req)
			if err != nil || e.StreamID != first.StreamID || e.Position != first.Position {
				t.Fatalf("the same key %s later: %+v, %v; want the first answer %+v", after, e, err, first)
			}
		}
		count := func() (n int) {
			t.Helper()
			all, err := db.Store().CountAfter(ctx, eventstore.Start)
			if err != nil {
				t.Fatal(err)
			}
			return int(all)
		}
		if n := count(); n != 2 {
			t.Fatalf("%d events after retries within the period, want 2", n)
		}
		// Past the period, before any sweep: the key is free.
		at(start.Add(ttl + 2*time.Second))
		again, err := repo.Create(ctx, rec, req)
		if err != nil || again.StreamID == first.StreamID {
			t.Fatalf("the same key after the period: %+v, %v; want a new case", again, err)
		}
		if n := count(); n != 3 {
			t.Fatalf("%d events, want 3", n)
		}
		// The new answer holds for a period from its own recording.
		at(start.Add(2*ttl + time.Second))
		if e, err := repo.Create(ctx, rec, req); err != nil || e.Position != again.Position {
			t.Fatalf("the retaken key within its new period: %+v, %v; want %+v", e, err, again)
		}
		// The sweep removes open-2 (recorded at start) and keeps open-1.
		n, err := store.ExpireKeys(ctx)
		if err != nil || n != 1 {
			t.Fatalf("swept %d keys (%v), want 1", n, err)
		}
		if _, err := store.FindKey(ctx, "alice", "open-1"); err != nil {
			t.Errorf("the live key after the sweep: %v", err)
		}
		e, err := repo.Create(ctx, rec, caserepo.Request{Actor: "alice", Key: "open-2", RequestHash: "another"})
		if err != nil || e.StreamID == other.StreamID {
			t.Errorf("a swept key: %+v, %v; want a new case", e, err)
		}
	})
}
