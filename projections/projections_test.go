package projections_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/projections"
)

var quiet = slog.New(slog.DiscardHandler)

// seedCases appends n id_card_incident cases with a loss report each, and
// an application on every other one; it returns the last position.
func seedCases(t testing.TB, db *eventstore.DB, n int) int64 {
	t.Helper()
	ctx := context.Background()
	s := eventstore.NewSQLStore(db.SQL, db.Dialect)
	meta := eventstore.Metadata{RecordedBy: "alice", CorrelationID: "seed"}
	var last int64
	day := calendar.NewDate(2026, 3, 2)
	for i := range n {
		opened := mustJSON(cases.CaseOpened{Situation: cases.IDCardIncident, Office: fmt.Sprint("office-", i%3),
			Citizen: cases.Citizen{ID: fmt.Sprint("c", i), BirthDate: calendar.NewDate(1980, 1, 1), FullName: "Test"}, OpenedOn: day})
		reported := day.AddDays(i % 40)
		events := []eventstore.NewEvent{
			{Type: string(cases.CaseOpenedType), Data: opened},
			{Type: "IncidentReported", Data: mustJSON(map[string]string{"kind": "lost", "reported_on": reported.String(), "reported_to": "police"})},
		}
		if i%2 == 0 {
			events = append(events, eventstore.NewEvent{Type: "ApplicationFiled", Data: mustJSON(map[string]string{
				"document": "id_card_chip", "filed_on": reported.AddDays(i % 30).String(), "track": "standard", "filing_office": "municipal_office"})})
		}
		rec, err := s.Append(ctx, uuid.NewString(), 0, meta, events...)
		if err != nil {
			t.Fatal(err)
		}
		last = rec[len(rec)-1].Position
	}
	return last
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// rebuild rebuilds db's read models from the log and returns how many
// events it folded.
func rebuild(t *testing.T, db *eventstore.DB) int64 {
	t.Helper()
	n, err := projections.Rebuild(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// equalToARebuild fails the test (saying when) unless db's read models
// equal what a rebuild from the log would make.
func equalToARebuild(t *testing.T, db *eventstore.DB, when string) {
	t.Helper()
	diffs, err := projections.Check(context.Background(), db, nil)
	if err != nil || len(diffs) != 0 {
		t.Fatalf("%s: %v, differences %v", when, err, diffs)
	}
}

// snapshot reads every read-model row, in a stable order.
func snapshot(t *testing.T, db *sql.DB) [][]string {
	t.Helper()
	var out [][]string
	for _, q := range projections.ReadModelQueries() {
		for _, vals := range testdb.Rows(t, db, q) {
			row := make([]string, len(vals))
			for i, v := range vals {
				row[i] = fmt.Sprint(v)
			}
			out = append(out, row)
		}
	}
	return out
}

func TestPipelineProjectsEveryCaseAndCatchesUp(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		last := seedCases(t, db, 30)
		p := projections.New(db, quiet)
		defer testdb.RunPipeline(t, p)()
		if err := p.WaitFor(context.Background(), last, 20*time.Second); err != nil {
			t.Fatalf("read models did not reach position %d: %v", last, err)
		}
		var casesN, obligations int
		_ = db.SQL.QueryRow(`SELECT COUNT(*) FROM case_view`).Scan(&casesN)
		_ = db.SQL.QueryRow(`SELECT COUNT(*) FROM obligation_view`).Scan(&obligations)
		if casesN != 30 || obligations != 30 {
			t.Fatalf("projected %d cases and %d obligations, want 30 and 30", casesN, obligations)
		}
		if ok, _ := p.Includes(context.Background(), last+1000); ok {
			t.Error("read models claim to include a position that was never written")
		}
	})
}

// errKilled stands for the process dying half-way through a batch.
var errKilled = errors.New("killed")

func TestProjectionKilledMidBatchEndsEqualToAFreshRebuild(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		last := seedCases(t, db, 40)
		ctx, kill := context.WithCancel(context.Background())
		var seen atomic.Int32
		normal := projections.New(db, quiet)
		dying := projections.New(db, quiet)
		dying.BatchSize = 25
		dying.WithFault(func(page []eventstore.Event) error {
			if seen.Add(1) == 2 { // the second page, folded but not committed
				kill()
				return errKilled
			}
			return nil
		})
		done := make(chan error, 1)
		go func() { done <- dying.Run(ctx) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatal("the dying projection did not stop")
		}
		c, err := normal.Checkpoint(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if c.Position == 0 || c.Position >= last {
			t.Fatalf("after the kill the checkpoint is at %v; the test wants it mid-log (last %d)", c, last)
		}
		stop := testdb.RunPipeline(t, normal)
		if err := normal.WaitFor(context.Background(), last, 20*time.Second); err != nil {
			t.Fatal(err)
		}
		stop()
		restarted := snapshot(t, db.SQL)

		if n := rebuild(t, db); n != 100 { // 40 openings, 40 reports, 20 applications
			t.Fatalf("rebuild folded %d events, want 100", n)
		}
		rebuilt := snapshot(t, db.SQL)
		if len(rebuilt) == 0 || !reflect.DeepEqual(restarted, rebuilt) {
			t.Fatalf("restarted projection differs from a fresh rebuild:\nrestarted %v\nrebuilt   %v", restarted, rebuilt)
		}
	})
}

func TestRedeliveredEventsChangeNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		seedCases(t, db, 10)
		rebuild(t, db)
		before := snapshot(t, db.SQL)
		events := loadAll(t, db)
		rand.Shuffle(len(events), func(i, j int) { events[i], events[j] = events[j], events[i] })
		for _, e := range events {
			if err := projections.ProjectPage(context.Background(), db, []eventstore.Event{e}); err != nil {
				t.Fatal(err)
			}
		}
		if after := snapshot(t, db.SQL); !reflect.DeepEqual(before, after) {
			t.Fatalf("redelivery changed the read models:\nbefore %v\nafter  %v", before, after)
		}
	})
}

func TestRebuildReportsProgress(t *testing.T) {
	db := testdb.SQLite(t)
	seedCases(t, db, 5)
	var calls [][2]int64
	n, err := projections.Rebuild(context.Background(), db, func(done, total int64) { calls = append(calls, [2]int64{done, total}) })
	if err != nil {
		t.Fatal(err)
	}
	if n != 13 || len(calls) == 0 || calls[len(calls)-1] != [2]int64{13, 13} {
		t.Fatalf("rebuild folded %d events, progress %v; want 13 and a last report of 13 of 13", n, calls)
	}
}

// loadAll returns every event of the database, stream by stream.
func loadAll(t *testing.T, db *eventstore.DB) []eventstore.Event {
	t.Helper()
	rows, err := db.SQL.Query(db.Dialect.SelectEvents() + ` ORDER BY position`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var events []eventstore.Event
	for rows.Next() {
		e, err := eventstore.ScanEvent(rows)
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
	}
	return events
}

// An instance of another release (a rolling upgrade) must not fill the
// live generation with its own format: while the live read models are of
// another schema the pipeline folds nothing and is not running; once the
// schema is its own again it catches up.
func TestPipelineRefusesReadModelsOfAnotherSchema(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		if err := projections.Prepare(ctx, db); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL.Exec(`UPDATE read_model_generation SET schema_version = schema_version + 1`); err != nil {
			t.Fatal(err)
		}
		last := seedCases(t, db, 3)
		p := projections.New(db, quiet)
		stop := testdb.RunPipeline(t, p)
		defer stop()
		for deadline := time.Now().Add(10 * time.Second); p.Running(); {
			if time.Now().After(deadline) {
				t.Fatal("the pipeline runs on read models of another schema")
			}
			time.Sleep(20 * time.Millisecond)
		}
		var n int
		if err := db.SQL.QueryRow(`SELECT COUNT(*) FROM case_view`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d cases projected into read models of another schema (%v)", n, err)
		}
		if ok, _ := p.Includes(ctx, last); ok {
			t.Fatal("the offset moved over read models of another schema")
		}
		if _, err := db.SQL.Exec(`UPDATE read_model_generation SET schema_version = schema_version - 1`); err != nil {
			t.Fatal(err)
		}
		if err := p.WaitFor(ctx, last, 20*time.Second); err != nil {
			t.Fatalf("back on its own schema the pipeline did not catch up: %v", err)
		}
	})
}
