package eventstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
)

// The conformance suite: every test here runs on SQLite and on PostgreSQL.

func ev(typ string, data any) eventstore.NewEvent {
	b, err := json.Marshal(data)
	if err != nil {
		panic(err)
	}
	return eventstore.NewEvent{Type: typ, Data: b}
}

var alice = eventstore.Metadata{RecordedBy: "alice", CorrelationID: "req-1"}

func TestAppendAndLoad(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		s := eventstore.NewSQLStore(db.SQL, db.Dialect)
		id := uuid.NewString()
		at := time.Date(2026, 4, 1, 9, 30, 0, 0, time.UTC)
		meta := alice
		meta.RecordedAt = at
		got, err := s.Append(ctx, id, 0, meta, ev("CaseOpened", map[string]string{"situation": "id_card_incident"}),
			ev("IncidentReported", map[string]string{"kind": "lost"}))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Version != 1 || got[1].Version != 2 || got[1].Position <= got[0].Position {
			t.Fatalf("append returned %+v", got)
		}
		loaded, err := s.Load(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(loaded) != 2 {
			t.Fatalf("loaded %d events, want 2", len(loaded))
		}
		e := loaded[1]
		var data map[string]string
		if err := json.Unmarshal(e.Data, &data); err != nil || data["kind"] != "lost" {
			t.Errorf("data = %s (%v)", e.Data, err)
		}
		if e.Type != "IncidentReported" || e.RecordedBy != "alice" || e.CorrelationID != "req-1" ||
			!e.RecordedAt.Equal(at) || e.Position != got[1].Position || e.StreamID != id {
			t.Errorf("loaded %+v", e)
		}
		if _, err := s.Load(ctx, uuid.NewString()); !errors.Is(err, eventstore.ErrNotFound) {
			t.Errorf("load of unknown stream: %v, want ErrNotFound", err)
		}
	})
}

func TestStaleExpectedVersionIsAConflict(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		s := eventstore.NewSQLStore(db.SQL, db.Dialect)
		id := uuid.NewString()
		if _, err := s.Append(ctx, id, 0, alice, ev("A", 1)); err != nil {
			t.Fatal(err)
		}
		for _, expected := range []int64{0, 2, 7} {
			if _, err := s.Append(ctx, id, expected, alice, ev("B", 2)); !errors.Is(err, eventstore.ErrConflict) {
				t.Errorf("expected version %d on a stream at 1: %v, want ErrConflict", expected, err)
			}
		}
		if _, err := s.Append(ctx, id, 1, alice, ev("B", 2)); err != nil {
			t.Fatalf("append at the right version: %v", err)
		}
		if _, err := s.Append(ctx, id, eventstore.Any, alice, ev("C", 3)); err != nil {
			t.Fatalf("append at any version: %v", err)
		}
		loaded, _ := s.Load(ctx, id)
		if len(loaded) != 3 || loaded[2].Type != "C" || loaded[1].Type != "B" {
			t.Fatalf("stream after conflicts: %+v", loaded)
		}
	})
}

func TestConcurrentAppendsAtOneVersionExactlyOneWins(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		s := eventstore.NewSQLStore(db.SQL, db.Dialect)
		id := uuid.NewString()
		if _, err := s.Append(ctx, id, 0, alice, ev("Opened", 0)); err != nil {
			t.Fatal(err)
		}
		const writers = 50
		var wins, conflicts atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := s.Append(ctx, id, 1, alice, ev("Racer", i))
				switch {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, eventstore.ErrConflict):
					conflicts.Add(1)
				default:
					t.Errorf("writer %d: %v", i, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if wins.Load() != 1 || conflicts.Load() != writers-1 {
			t.Fatalf("%d won and %d conflicted, want 1 and %d", wins.Load(), conflicts.Load(), writers-1)
		}
		loaded, _ := s.Load(ctx, id)
		if len(loaded) != 2 {
			t.Fatalf("stream holds %d events, want 2", len(loaded))
		}
	})
}

// follow reads the global log until it has seen want events or the deadline
// passes, and counts how often it saw each position.
func follow(ctx context.Context, t *testing.T, s eventstore.Store, want int, done <-chan struct{}) map[int64]int {
	seen := map[int64]int{}
	cursor := eventstore.Start
	total := 0
	deadline := time.Now().Add(30 * time.Second)
	writersDone := false
	for time.Now().Before(deadline) {
		batch, err := s.ReadLog(ctx, cursor, 37)
		if err != nil {
			t.Errorf("read log: %v", err)
			return seen
		}
		for _, e := range batch {
			seen[e.Position]++
			cursor = e.Cursor
			total++
		}
		if len(batch) > 0 {
			continue
		}
		if writersDone && total >= want {
			return seen
		}
		select {
		case <-done:
			writersDone = true
		default:
		}
		time.Sleep(time.Millisecond)
	}
	t.Errorf("reader saw %d events in 30 s, want %d", total, want)
	return seen
}

func TestReaderFollowingTheLogSeesEveryEventOnce(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		s := eventstore.NewSQLStore(db.SQL, db.Dialect)
		const writers, perWriter = 8, 40
		done := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		var written []int64
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := uuid.NewString()
				for i := range perWriter {
					var positions []int64
					var err error
					if db.Dialect.Name == "postgres" && i%3 == 0 {
						// Hold the transaction open for a while after its
						// position is handed out, so that later positions of
						// other writers commit first.
						positions, err = appendSlowly(ctx, db, id, int64(i), time.Duration(rand.IntN(20))*time.Millisecond)
					} else {
						var rec []eventstore.Event
						rec, err = s.Append(ctx, id, int64(i), alice, ev("Tick", map[string]int{"writer": w, "i": i}))
						for _, e := range rec {
							positions = append(positions, e.Position)
						}
					}
					if err != nil {
						t.Errorf("writer %d: %v", w, err)
						return
					}
					mu.Lock()
					written = append(written, positions...)
					mu.Unlock()
				}
			}()
		}
		go func() { wg.Wait(); close(done) }()
		seen := follow(ctx, t, s, writers*perWriter, done)
		<-done
		if len(written) != writers*perWriter {
			t.Fatalf("wrote %d events, want %d", len(written), writers*perWriter)
		}
		for _, p := range written {
			if seen[p] != 1 {
				t.Errorf("position %d seen %d times, want once", p, seen[p])
			}
		}
		if len(seen) != len(written) {
			t.Errorf("reader saw %d distinct positions, %d were written", len(seen), len(written))
		}
	})
}

// appendSlowly appends one event in a transaction that waits before it
// commits, the way a slow request would.
func appendSlowly(ctx context.Context, db *eventstore.DB, stream string, version int64, wait time.Duration) ([]int64, error) {
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }()
	var pos int64
	err = tx.QueryRowContext(ctx, `INSERT INTO events (stream_id, version, type, data, recorded_by, recorded_at, correlation_id)
		VALUES ($1, $2, 'Slow', '{}', 'test', now(), '') RETURNING position`, stream, version+1).Scan(&pos)
	if err != nil {
		return nil, err
	}
	time.Sleep(wait)
	return []int64{pos}, tx.Commit()
}

// On PostgreSQL a position handed out earlier can commit later. The reader
// must not move past it while it is in flight, and must see it once it commits.
func TestPostgresReaderDoesNotSkipAnEventCommittedLate(t *testing.T) {
	db := testdb.Postgres(t)
	ctx := context.Background()
	s := eventstore.NewSQLStore(db.SQL, db.Dialect)

	slow, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = slow.Rollback() }()
	var early int64
	if err := slow.QueryRowContext(ctx, `INSERT INTO events (stream_id, version, type, data, recorded_by, recorded_at, correlation_id)
		VALUES ('slow', 1, 'Slow', '{}', 'test', now(), '') RETURNING position`).Scan(&early); err != nil {
		t.Fatal(err)
	}
	late, err := s.Append(ctx, "fast", 0, alice, ev("Fast", 1))
	if err != nil {
		t.Fatal(err)
	}
	if late[0].Position <= early {
		t.Fatalf("test set-up: fast position %d should be after slow %d", late[0].Position, early)
	}
	batch, err := s.ReadLog(ctx, eventstore.Start, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(batch) != 0 {
		t.Fatalf("while an earlier transaction is open the reader got %+v; it would skip position %d", batch, early)
	}
	if ok, _ := s.Includes(ctx, eventstore.Start, late[0].Position); ok {
		t.Error("the start of the log claims to include a later event")
	}
	if err := slow.Commit(); err != nil {
		t.Fatal(err)
	}
	batch = testdb.ReadAtLeast(t, s, 2)
	if len(batch) != 2 || batch[0].Position != early || batch[1].Position != late[0].Position {
		t.Fatalf("after commit the reader got %+v, want positions %d then %d", batch, early, late[0].Position)
	}
	for _, e := range batch {
		if ok, err := s.Includes(ctx, batch[1].Cursor, e.Position); !ok || err != nil {
			t.Errorf("cursor %v should include position %d (%v)", batch[1].Cursor, e.Position, err)
		}
	}
	if ok, _ := s.Includes(ctx, batch[0].Cursor, batch[1].Position); ok {
		t.Errorf("cursor %v should not include position %d yet", batch[0].Cursor, batch[1].Position)
	}
}

func TestIncludes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		s := eventstore.NewSQLStore(db.SQL, db.Dialect)
		var recorded []eventstore.Event
		for i := range 3 {
			r, err := s.Append(ctx, fmt.Sprint("s", i), 0, alice, ev("E", i))
			if err != nil {
				t.Fatal(err)
			}
			recorded = append(recorded, r...)
		}
		log := testdb.ReadAtLeast(t, s, 3)
		if len(log) != 3 {
			t.Fatalf("log %+v", log)
		}
		mid := log[1].Cursor
		for i, e := range recorded {
			ok, err := s.Includes(ctx, mid, e.Position)
			if err != nil || ok != (i <= 1) {
				t.Errorf("cursor at second event includes event %d: %v (%v)", i, ok, err)
			}
		}
	})
}

func TestIdempotentRequestIsRecordedOnce(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		s := eventstore.NewSQLStore(db.SQL, db.Dialect)
		keyed := func(actor, key string) eventstore.Metadata {
			return eventstore.Metadata{RecordedBy: actor, CorrelationID: "req-" + key,
				Idempotency: &eventstore.Idempotency{Actor: actor, Key: key, RequestHash: "h-" + key}}
		}
		first, err := s.Append(ctx, "a", 0, keyed("alice", "key-1"), ev("Opened", 1))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Append(ctx, "b", 0, keyed("alice", "key-1"), ev("Opened", 2)); !errors.Is(err, eventstore.ErrDuplicateRequest) {
			t.Fatalf("the same key again: %v, want ErrDuplicateRequest", err)
		}
		if _, err := s.Load(ctx, "b"); !errors.Is(err, eventstore.ErrNotFound) {
			t.Fatalf("the refused duplicate left stream b behind: %v", err)
		}
		found, err := s.FindKey(ctx, "alice", "key-1")
		if err != nil || found.Event.Position != first[0].Position || found.Event.StreamID != "a" || found.RequestHash != "h-key-1" {
			t.Fatalf("find: %+v %v", found, err)
		}
		if _, err := s.Append(ctx, "c", 0, keyed("bob", "key-1"), ev("Opened", 3)); err != nil {
			t.Fatalf("another actor's key of the same text: %v", err)
		}
		if _, err := s.FindKey(ctx, "nobody", "x"); !errors.Is(err, eventstore.ErrNotFound) {
			t.Fatalf("unknown key: %v", err)
		}
		// A correlation id is only a label now: one that looks like the old
		// idempotency prefix can be used by any number of appends.
		for _, stream := range []string{"d", "e"} {
			if _, err := s.Append(ctx, stream, 0, eventstore.Metadata{RecordedBy: "mallory", CorrelationID: "idem:alice:key-2"}, ev("Opened", 4)); err != nil {
				t.Fatalf("a correlation id in the old idempotency namespace: %v", err)
			}
		}
	})
}

// Head is the log's head once it holds everything appended before it was
// asked, and Export writes exactly those events, one JSON line each.
func TestHeadAndExport(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		s := eventstore.NewSQLStore(db.SQL, db.Dialect)
		if h, err := s.Head(ctx); err != nil || h != eventstore.Start {
			t.Fatalf("head of an empty log = %+v (%v), want the start", h, err)
		}
		var last eventstore.Event
		for i := range 3 {
			r, err := s.Append(ctx, fmt.Sprint("s", i), 0, alice, ev("E", i))
			if err != nil {
				t.Fatal(err)
			}
			last = r[0]
		}
		h, err := s.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := s.Includes(ctx, h, last.Position); !ok || err != nil {
			t.Fatalf("head %+v does not include the last append at %d (%v)", h, last.Position, err)
		}
		var out strings.Builder
		n, err := s.Export(ctx, &out)
		if err != nil || n != 3 {
			t.Fatalf("exported %d events (%v), want 3", n, err)
		}
		stored, err := s.Load(ctx, "s2")
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		want := fmt.Sprintf(`{"stream_id":"s2","version":1,"position":%d,"type":"E","data":2,"recorded_by":"alice","recorded_at":%q,"correlation_id":"req-1"}`,
			last.Position, stored[0].RecordedAt.Format(time.RFC3339Nano))
		if len(lines) != 3 || lines[2] != want {
			t.Fatalf("export:\n%s\nwant its last line\n%s", out.String(), want)
		}
	})
}
