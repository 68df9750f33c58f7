package eventstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
)

// The Sealer's access reads the data as stored and rewrites one event's
// data, in the caller's transaction: rolled back, nothing changed.
func TestStoredReadsAndRewritesTheDataAsStored(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		s := eventstore.NewSQLStore(db.SQL, db.Dialect)
		a, b := uuid.NewString(), uuid.NewString()
		if _, err := s.Append(ctx, a, 0, alice, ev("CaseOpened", map[string]string{"who": "a1"}), ev("IncidentReported", map[string]string{"who": "a2"})); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Append(ctx, b, 0, alice, ev("CaseOpened", map[string]string{"who": "b1"})); err != nil {
			t.Fatal(err)
		}
		stored := eventstore.StoredIn(db.SQL)

		first, err := stored.FirstData(ctx, a)
		if err != nil || !sameJSON(first, `{"who":"a1"}`) {
			t.Fatalf("first data of a = %s (%v)", first, err)
		}
		if _, err := stored.FirstData(ctx, uuid.NewString()); !errors.Is(err, sql.ErrNoRows) {
			t.Fatalf("first data of an unknown stream: %v, want sql.ErrNoRows", err)
		}

		stream, err := stored.Stream(ctx, a)
		if err != nil || len(stream) != 2 || stream[0].Type != "CaseOpened" || stream[1].Type != "IncidentReported" ||
			stream[0].StreamID != a || stream[1].Position <= stream[0].Position || !sameJSON(stream[1].Data, `{"who":"a2"}`) {
			t.Fatalf("stream a = %+v (%v)", stream, err)
		}
		if none, err := stored.Stream(ctx, uuid.NewString()); err != nil || len(none) != 0 {
			t.Fatalf("an unknown stream = %+v (%v)", none, err)
		}

		page, err := stored.Page(ctx, 0, 2)
		if err != nil || len(page) != 2 || page[0].StreamID != a || page[1].StreamID != a {
			t.Fatalf("first page = %+v (%v)", page, err)
		}
		rest, err := stored.Page(ctx, page[1].Position, 2)
		if err != nil || len(rest) != 1 || rest[0].StreamID != b || !sameJSON(rest[0].Data, `{"who":"b1"}`) {
			t.Fatalf("second page = %+v (%v)", rest, err)
		}
		if end, err := stored.Page(ctx, rest[0].Position, 2); err != nil || len(end) != 0 {
			t.Fatalf("after the last = %+v (%v)", end, err)
		}

		rewrite := func(commit bool) {
			t.Helper()
			tx, err := db.SQL.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := eventstore.StoredIn(tx).Rewrite(ctx, stream[1].Position, json.RawMessage(`{"who":"rewritten"}`)); err != nil {
				t.Fatal(err)
			}
			if commit {
				err = tx.Commit()
			} else {
				err = tx.Rollback()
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		rewrite(false)
		if got, _ := stored.Stream(ctx, a); !sameJSON(got[1].Data, `{"who":"a2"}`) {
			t.Fatalf("a rolled back rewrite changed the event: %s", got[1].Data)
		}
		rewrite(true)
		loaded, err := s.Load(ctx, a)
		if err != nil || !sameJSON(loaded[1].Data, `{"who":"rewritten"}`) || !sameJSON(loaded[0].Data, `{"who":"a1"}`) {
			t.Fatalf("after the rewrite: %+v (%v)", loaded, err)
		}
		if other, _ := s.Load(ctx, b); !sameJSON(other[0].Data, `{"who":"b1"}`) {
			t.Fatalf("the rewrite changed another stream: %s", other[0].Data)
		}
	})
}

// BulkInsert writes events as given, more than one statement's worth on
// SQLite; the store reads them and appends after them.
func TestBulkInsertWritesEventsAsGiven(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		at := time.Date(2026, 4, 1, 9, 30, 0, 0, time.UTC)
		const streams, versions = 260, 4 // 1040 events: three INSERTs of 500 on SQLite
		ids := make([]string, streams)
		var events []eventstore.Event
		for v := range versions {
			for i := range streams {
				if v == 0 {
					ids[i] = uuid.NewString()
				}
				events = append(events, eventstore.Event{StreamID: ids[i], Version: int64(v + 1), Type: "Noted",
					Data:     json.RawMessage(fmt.Sprintf(`{"n":%d}`, v+1)),
					Metadata: eventstore.Metadata{RecordedBy: "gen", RecordedAt: at.Add(time.Duration(v) * time.Minute), CorrelationID: fmt.Sprint("c-", i, "-", v)}})
			}
		}
		if err := db.BulkInsert(ctx, events); err != nil {
			t.Fatal(err)
		}
		s := eventstore.NewSQLStore(db.SQL, db.Dialect)
		if n, err := s.CountAfter(ctx, eventstore.Start); err != nil || n != streams*versions {
			t.Fatalf("the log counts %d events (%v), want %d", n, err, streams*versions)
		}
		got, err := s.Load(ctx, ids[7])
		if err != nil || len(got) != versions {
			t.Fatalf("load = %+v (%v)", got, err)
		}
		last := got[versions-1]
		if last.Version != versions || !sameJSON(last.Data, `{"n":4}`) || last.RecordedBy != "gen" ||
			!last.RecordedAt.Equal(at.Add(3*time.Minute)) || last.CorrelationID != "c-7-3" {
			t.Fatalf("the last event = %+v", last)
		}
		next, err := s.Append(ctx, ids[7], versions, alice, ev("Noted", map[string]int{"n": 5}))
		if err != nil || next[0].Version != versions+1 {
			t.Fatalf("append after the bulk: %+v (%v)", next, err)
		}
		if _, err := s.Append(ctx, ids[8], versions-1, alice, ev("Noted", nil)); !errors.Is(err, eventstore.ErrConflict) {
			t.Fatalf("append at a stale version after the bulk: %v, want a conflict", err)
		}
	})
}

// The baseline log is a copy of the log with its rows; inserting into it
// leaves the log alone, and Drop removes it.
func TestBaselineLogIsACopyOfTheLog(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		s := eventstore.NewSQLStore(db.SQL, db.Dialect)
		for range 3 {
			if _, err := s.Append(ctx, uuid.NewString(), 0, alice, ev("CaseOpened", map[string]string{"x": "y"})); err != nil {
				t.Fatal(err)
			}
		}
		b, err := db.CreateBaselineLog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		count := func(table string) (n int64) {
			t.Helper()
			if err := db.SQL.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count("bench_events"); n != 3 {
			t.Fatalf("the copy has %d rows, want the log's 3", n)
		}
		e := eventstore.Event{StreamID: uuid.NewString(), Version: 1, Type: "CaseOpened", Data: json.RawMessage(`{"x":"z"}`),
			Metadata: eventstore.Metadata{RecordedBy: "bench", RecordedAt: time.Now().UTC(), CorrelationID: "b"}}
		for range 2 {
			if err := b.Insert(ctx, e); err != nil {
				t.Fatal(err)
			}
			e.StreamID = uuid.NewString()
		}
		// The copy keeps the constraints: a version taken is refused.
		if err := b.Insert(ctx, e); err != nil {
			t.Fatal(err)
		}
		if err := b.Insert(ctx, e); err == nil {
			t.Fatal("the copy took a stream's version twice")
		}
		if n := count("bench_events"); n != 6 {
			t.Fatalf("the copy has %d rows, want 6", n)
		}
		if n := count("events"); n != 3 {
			t.Fatalf("the log has %d rows after inserts into the copy, want 3", n)
		}
		if err := b.Drop(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL.ExecContext(ctx, `SELECT 1 FROM bench_events`); err == nil {
			t.Fatal("the copy is still there after Drop")
		}
	})
}

func sameJSON(got json.RawMessage, want string) bool {
	var g, w any
	return json.Unmarshal(got, &g) == nil && json.Unmarshal([]byte(want), &w) == nil && fmt.Sprint(g) == fmt.Sprint(w)
}
