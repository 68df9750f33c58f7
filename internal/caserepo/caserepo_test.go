package caserepo_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/caserepo"
	"github.com/lhuta/lhuta/internal/testdb"
)

var clerk = cases.Context{Today: calendar.NewDate(2026, 4, 10), Actor: "alice", Role: cases.Clerk}

// opening opens Jana's ID-card case at Praha 1.
func opening(t testing.TB) cases.Recorded {
	t.Helper()
	rec, err := cases.Open([]byte(`{"situation":"id_card_incident","office":"Praha 1","citizen":{"id":"c","birth_date":"1980-05-17","full_name":"Jana"}}`), clerk)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func used(c *cases.Case) (cases.Recorded, error) {
	return c.Record("LostCardUsed", []byte(`{"used_on":"2026-04-05"}`), clerk)
}

// A key recorded before requests were hashed (migration 00010 moves such
// keys over with no digest) still answers retries of its kind on its case,
// and refuses any other use.
func TestAKeyWithoutADigestAnswersOnlyOnItsOwnCase(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		store := eventstore.NewSQLStore(db.SQL, db.Dialect)
		repo := caserepo.New(store)
		open := func() string {
			rec := opening(t)
			e, err := repo.Create(ctx, rec, caserepo.Request{Actor: "alice"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := repo.Update(ctx, e.StreamID, caserepo.Any, caserepo.Request{Actor: "alice"}, func(c *cases.Case) (cases.Recorded, error) {
				return c.Record("IncidentReported", []byte(`{"kind":"lost","reported_on":"2026-04-01","reported_to":"police"}`), clerk)
			}); err != nil {
				t.Fatal(err)
			}
			return e.StreamID
		}
		id, other := open(), open()
		data, _ := json.Marshal(map[string]string{"used_on": "2026-04-05"})
		legacy := eventstore.Metadata{RecordedBy: "alice", CorrelationID: "old",
			Idempotency: &eventstore.Idempotency{Actor: "alice", Key: "old-key"}}
		first, err := store.Append(ctx, id, 2, legacy, eventstore.NewEvent{Type: "LostCardUsed", Data: data})
		if err != nil {
			t.Fatal(err)
		}
		retry := caserepo.Request{Actor: "alice", Key: "old-key", RequestHash: "any digest"}
		e, err := repo.Update(ctx, id, caserepo.Any, retry, used)
		if err != nil || e.Position != first[0].Position {
			t.Fatalf("a retry on its own case: %+v %v, want the first event %+v", e, err, first[0])
		}
		if _, err := repo.Update(ctx, other, caserepo.Any, retry, used); !errors.Is(err, caserepo.ErrKeyReused) {
			t.Fatalf("on another case: %v, want ErrKeyReused", err)
		}
		rec, _ := cases.Open([]byte(`{"situation":"name_change","office":"Brno","citizen":{"id":"c","birth_date":"1980-05-17","full_name":"Jana"}}`), clerk)
		if _, err := repo.Create(ctx, rec, retry); !errors.Is(err, caserepo.ErrKeyReused) {
			t.Fatalf("opening a case: %v, want ErrKeyReused", err)
		}
		if events, _ := repo.Events(ctx, id); len(events) != 3 {
			t.Fatalf("the case holds %d events, want 3", len(events))
		}
	})
}

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
		rec := opening(t)
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
		rec := opening(t)
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

// ScheduleRetention, which the API, the fee department's credit and the
// statement import call after their writes: nothing without rules or
// before the case closes; once it has closed, RetentionScheduled with the
// period's end (31 December of the closing year + years); never twice.
func TestScheduleRetention(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		repo := caserepo.New(db.Store())
		rules, err := cases.RetentionRules("rules.txt", []byte("*  id_card_incident  S  5  closed\n"), nil)
		if err != nil {
			t.Fatal(err)
		}
		rec := opening(t)
		req := caserepo.Request{Actor: "alice", RecordedAt: time.Now()}
		opened, err := repo.Create(ctx, rec, req)
		if err != nil {
			t.Fatal(err)
		}
		id, today := opened.StreamID, calendar.NewDate(2026, 4, 10)
		if _, ok, err := repo.ScheduleRetention(ctx, id, nil, today, nil, req); ok || err != nil {
			t.Fatalf("without rules: %v %v", ok, err)
		}
		if _, ok, err := repo.ScheduleRetention(ctx, id, rules, today, nil, req); ok || err != nil {
			t.Fatalf("an open case: %v %v", ok, err)
		}
		if _, err := repo.Update(ctx, id, caserepo.Any, req, func(c *cases.Case) (cases.Recorded, error) {
			return c.Record(cases.CaseClosedType, []byte(`{"closed_on":"2026-04-10"}`), clerk)
		}); err != nil {
			t.Fatal(err)
		}
		e, ok, err := repo.ScheduleRetention(ctx, id, rules, today, nil, req)
		if !ok || err != nil || e.Type != string(cases.RetentionScheduledType) {
			t.Fatalf("a closed case: %+v %v %v", e, ok, err)
		}
		c, err := repo.Load(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Retention == nil || c.Retention.EndsOn != calendar.NewDate(2031, 12, 31) {
			t.Errorf("the schedule: %+v", c.Retention)
		}
		if _, ok, err := repo.ScheduleRetention(ctx, id, rules, today, nil, req); ok || err != nil {
			t.Errorf("scheduled twice: %v %v", ok, err)
		}
	})
}

// Cases opened before references existed get theirs at migration 00060, in
// the order they were opened, per office and year; openings after it
// continue the sequence, and the citizens opened for are known by the data
// of their first case.
func TestMigrationGivesEarlierCasesTheirReferences(t *testing.T) {
	testdb.EachAtVersion(t, 30, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		store := eventstore.NewSQLStore(db.SQL, db.Dialect)
		earlier := []struct{ id, office, opened, citizen, born string }{
			{"a", "Praha 1", "2025-12-30", "c-1", "1980-05-17"},
			{"b", "Brno", "2025-12-31", "c-2", "1970-01-01"},
			{"c", "Praha 1", "2026-01-02", "c-1", "1981-01-01"}, // a conflicting later opening: the first one's data stand
			{"d", "Praha 1", "2025-12-31", "c-3", "1990-01-01"},
		}
		for _, e := range earlier {
			data := `{"situation":"id_card_incident","office":"` + e.office + `","opened_on":"` + e.opened +
				`","citizen":{"id":"` + e.citizen + `","birth_date":"` + e.born + `","full_name":"X"}}`
			if _, err := store.Append(ctx, e.id, 0, eventstore.Metadata{RecordedBy: "alice"}, eventstore.NewEvent{Type: "CaseOpened", Data: []byte(data)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := store.Append(ctx, "a", 1, eventstore.Metadata{RecordedBy: "alice"}, eventstore.NewEvent{Type: "IncidentReported",
			Data: []byte(`{"kind":"lost","reported_on":"2025-12-30","reported_to":"police"}`)}); err != nil {
			t.Fatal(err)
		}
		testdb.Migrate(t, db)
		repo := caserepo.New(store)
		for id, want := range map[string]string{"a": "Praha 1/2025/00001", "d": "Praha 1/2025/00002", "b": "Brno/2025/00001", "c": "Praha 1/2026/00001"} {
			c, err := repo.Load(ctx, id)
			if err != nil || c.Reference != want {
				t.Errorf("case %s: reference %q (%v), want %s", id, c.Reference, err, want)
			}
		}
		if c, _ := repo.Load(ctx, "a"); c.Version != 3 || len(c.Obligations) != 1 {
			t.Errorf("case a after the migration: version %d, %d obligations", c.Version, len(c.Obligations))
		}
		ctx2 := cases.Context{Today: calendar.NewDate(2026, 4, 10), Actor: "alice", Role: cases.Clerk}
		open := func(citizen, born string) (cases.Case, error) {
			rec, err := cases.Open([]byte(`{"situation":"id_card_incident","office":"Praha 1","citizen":{"id":"`+citizen+`","birth_date":"`+born+`","full_name":"X"}}`), ctx2)
			if err != nil {
				t.Fatal(err)
			}
			e, err := repo.Create(ctx, rec, caserepo.Request{Actor: "alice"})
			if err != nil {
				return cases.Case{}, err
			}
			c, err := repo.Load(ctx, e.StreamID)
			return *c, err
		}
		if c, err := open("c-9", "1999-09-09"); err != nil || c.Reference != "Praha 1/2026/00002" {
			t.Errorf("the next opening of Praha 1 in 2026: %q %v", c.Reference, err)
		}
		var mismatch *cases.MismatchError
		if _, err := open("c-1", "1981-01-01"); !errors.As(err, &mismatch) {
			t.Errorf("c-1 with the later case's birth date: %v, want a mismatch with the first case's", err)
		}
		if _, err := open("c-1", "1980-05-17"); err != nil {
			t.Errorf("c-1 with the first case's birth date: %v", err)
		}
	})
}
