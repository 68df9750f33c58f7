package caserepo_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/caserepo"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/projections"
	"github.com/lhuta/lhuta/projections/views"
)

// garbled is a snapshot source whose states cannot be restored.
type garbled struct{}

func (garbled) CaseState(context.Context, string) ([]byte, error) {
	return []byte(`{"format":-1}`), nil
}

// loaders prepares db's read models and returns its store, a repository
// that loads whole streams, one that loads from the states the projection
// stores, and project, which runs the projection until it has folded the
// event at pos.
func loaders(t testing.TB, db *eventstore.DB) (store *eventstore.SQLStore, full, snap *caserepo.Repository, project func(pos int64)) {
	t.Helper()
	ctx := context.Background()
	if err := projections.Prepare(ctx, db); err != nil {
		t.Fatal(err)
	}
	store = eventstore.NewSQLStore(db.SQL, db.Dialect)
	pipe := projections.New(db, slog.New(slog.DiscardHandler))
	project = func(pos int64) {
		t.Helper()
		pctx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- pipe.Run(pctx) }()
		err := pipe.WaitFor(ctx, pos, time.Minute)
		stop()
		if err := errors.Join(err, <-done); err != nil {
			t.Fatal(err)
		}
	}
	return store, caserepo.New(store), caserepo.New(store).WithSnapshots(views.NewReader(db.SQL)), project
}

// A case loaded from the state the read models stored plus the events after
// it is the case the whole stream gives: with the state current, behind the
// log, missing or unreadable; a forgotten citizen's case is never loaded
// from its stored state. Two writers that start from the same stored
// state race on the append's version check: with a pinned version one wins
// and the other gets ErrConflict; without, the loser decides again on the
// state that holds the winner's event.
func TestALoadFromTheStoredStateEqualsTheWholeStream(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		store, full, snap, project := loaders(t, db)
		same := func(what, id string, from *caserepo.Repository) {
			t.Helper()
			want, err := full.Load(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			got, err := from.Load(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := want.MarshalSnapshot()
			b, _ := got.MarshalSnapshot()
			if got.Version != want.Version || !bytes.Equal(a, b) {
				t.Errorf("%s: loaded at version %d, the stream gives %d; states equal: %v", what, got.Version, want.Version, bytes.Equal(a, b))
			}
		}
		rec := opening(t)
		opened, err := full.Create(ctx, rec, caserepo.Request{Actor: "alice"})
		if err != nil {
			t.Fatal(err)
		}
		id := opened.StreamID
		same("no stored state yet", id, snap)
		project(opened.Position)
		same("stored state current", id, snap)
		reported, err := snap.Update(ctx, id, caserepo.Any, caserepo.Request{Actor: "alice"}, func(c *cases.Case) (cases.Recorded, error) {
			if c.Version != 1 {
				t.Errorf("decided on version %d, want 1", c.Version)
			}
			return c.Record(cases.IncidentReportedType, []byte(`{"kind":"lost","reported_on":"2026-04-01","reported_to":"police"}`), clerk)
		})
		if err != nil {
			t.Fatal(err)
		}
		same("stored state one event behind", id, snap)
		same("stored state unreadable", id, caserepo.New(store).WithSnapshots(garbled{}))
		same("a case the read models do not hold", id, caserepo.New(store).WithSnapshots(views.NewReader(db.SQL)))

		// Two writers from the same stored state (version 1; the log is at 2).
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = snap.Update(ctx, id, reported.Version, caserepo.Request{Actor: "alice"}, used)
			})
		}
		wg.Wait()
		if won := (errs[0] == nil) != (errs[1] == nil); !won || !(errors.Is(errs[0], caserepo.ErrConflict) || errors.Is(errs[1], caserepo.ErrConflict)) {
			t.Fatalf("two writers at pinned version %d: %v, %v; want one success and one ErrConflict", reported.Version, errs[0], errs[1])
		}
		same("after a pinned race", id, snap)
		// Without a pinned version both close the case: the loser decides
		// again on the state with the winner's event, which refuses it.
		closed := 0
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = snap.Update(ctx, id, caserepo.Any, caserepo.Request{Actor: "alice"}, func(c *cases.Case) (cases.Recorded, error) {
					return c.Record(cases.CaseClosedType, []byte(`{}`), clerk)
				})
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err == nil {
				closed++
			}
		}
		c, err := full.Load(ctx, id)
		if err != nil || closed != 1 || c.Version != 4 || !c.Closed() {
			t.Errorf("two closes without a pinned version: %d succeeded (%v, %v), case at version %d, closed %v; want one, version 4",
				closed, errs[0], errs[1], c.Version, c.Closed())
		}
		same("after a race without a pinned version", id, snap)

		// Once the citizen's key is destroyed, the stored state (which the
		// forgetting does not rewrite) is not used: the events are read.
		reader := views.NewReader(db.SQL)
		if state, err := reader.CaseState(ctx, id); err != nil || state == nil {
			t.Fatalf("the stored state before forgetting: %v, %v", state, err)
		}
		if _, err := db.SQL.ExecContext(ctx, `INSERT INTO stream_keys (stream_id, key_id) VALUES ($1, 'k1')`, id); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL.ExecContext(ctx, `INSERT INTO forgotten_keys (key_id, forgotten_at) VALUES ('k1', $1)`, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		if state, err := reader.CaseState(ctx, id); err != nil || state != nil {
			t.Errorf("the stored state of a forgotten citizen's case: %d bytes, %v; want none", len(state), err)
		}
		same("a forgotten citizen's case", id, snap)
	})
}

// BenchmarkLoad loads a case of n events on PostgreSQL from the whole
// stream and from the state the projection stored (current, as after a
// quiet moment; the write door then reads no event).
//
//	go test ./internal/caserepo -run '^$' -bench Load
func BenchmarkLoad(b *testing.B) {
	ctx := context.Background()
	_, full, snap, project := loaders(b, testdb.Postgres(b))
	for _, n := range []int{3, 30} {
		rec := opening(b)
		opened, err := full.Create(ctx, rec, caserepo.Request{Actor: "alice"})
		if err != nil {
			b.Fatal(err)
		}
		id := opened.StreamID
		last, err := full.Update(ctx, id, caserepo.Any, caserepo.Request{Actor: "alice"}, func(c *cases.Case) (cases.Recorded, error) {
			return c.Record(cases.IncidentReportedType, []byte(`{"kind":"lost","reported_on":"2026-04-01","reported_to":"police"}`), clerk)
		})
		if err != nil {
			b.Fatal(err)
		}
		for v := 3; v <= n; v++ {
			if last, err = full.Update(ctx, id, caserepo.Any, caserepo.Request{Actor: "alice"}, func(c *cases.Case) (cases.Recorded, error) {
				return c.Record("LostCardUsed", fmt.Appendf(nil, `{"used_on":"2026-04-%02d"}`, 1+v%9), clerk)
			}); err != nil {
				b.Fatalf("event %d: %v", v, err)
			}
		}
		project(last.Position)
		for _, r := range []struct {
			name string
			repo *caserepo.Repository
		}{{"whole stream", full}, {"stored state", snap}} {
			b.Run(fmt.Sprintf("%d events, %s", n, r.name), func(b *testing.B) {
				for b.Loop() {
					c, err := r.repo.Load(ctx, id)
					if err != nil || c.Version != int64(n) {
						b.Fatalf("loaded %v at version %d", err, c.Version)
					}
				}
			})
		}
	}
}
