package caserepo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/caserepo"
	"github.com/lhuta/lhuta/internal/testdb"
)

// A case known at an instant is its events up to the first recorded after
// it: a version recorded "earlier" behind a later one (its request was
// received first but lost the race) was not there either.
func TestACaseKnownAtAnInstant(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		repo := caserepo.New(eventstore.NewSQLStore(db.SQL, db.Dialect))
		t0 := time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)
		at := func(minutes int) caserepo.Request {
			return caserepo.Request{Actor: "alice", RecordedAt: t0.Add(time.Duration(minutes) * time.Minute)}
		}
		rec, err := cases.Open([]byte(`{"situation":"id_card_incident","office":"Praha 1","citizen":{"id":"c","birth_date":"1980-05-17","full_name":"Jana"}}`), clerk)
		if err != nil {
			t.Fatal(err)
		}
		opened, err := repo.Create(ctx, rec, at(0))
		if err != nil {
			t.Fatal(err)
		}
		id := opened.StreamID
		for _, step := range []struct {
			minutes int
			decide  func(*cases.Case) (cases.Recorded, error)
		}{
			{10, func(c *cases.Case) (cases.Recorded, error) {
				return c.Record(cases.IncidentReportedType, []byte(`{"kind":"lost","reported_on":"2026-04-01","reported_to":"police"}`), clerk)
			}},
			{30, used},
			{20, func(c *cases.Case) (cases.Recorded, error) {
				return c.Record(cases.CaseClosedType, []byte(`{}`), clerk)
			}},
		} {
			if _, err := repo.Update(ctx, id, caserepo.Any, at(step.minutes), step.decide); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			minutes  int
			versions int
		}{{0, 1}, {9, 1}, {10, 2}, {25, 2}, {30, 4}, {60, 4}} {
			events, err := repo.KnownAt(ctx, id, t0.Add(time.Duration(tc.minutes)*time.Minute))
			if err != nil || len(events) != tc.versions {
				t.Errorf("known at +%d min: %d events, %v; want %d", tc.minutes, len(events), err, tc.versions)
			}
			c, err := repo.LoadKnownAt(ctx, id, t0.Add(time.Duration(tc.minutes)*time.Minute))
			if err != nil || c.Version != int64(tc.versions) {
				t.Errorf("loaded known at +%d min: %+v, %v", tc.minutes, c, err)
			}
		}
		if _, err := repo.LoadKnownAt(ctx, id, t0.Add(-time.Second)); !errors.Is(err, cases.ErrNotFound) {
			t.Errorf("before the case was opened: %v, want ErrNotFound", err)
		}
		if _, err := repo.KnownAt(ctx, "no-such-case", t0); !errors.Is(err, cases.ErrNotFound) {
			t.Errorf("an unknown case: %v, want ErrNotFound", err)
		}
	})
}
