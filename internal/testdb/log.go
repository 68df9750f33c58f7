package testdb

import (
	"context"
	"testing"
	"time"

	"github.com/lhuta/lhuta/eventstore"
)

// StoredLog returns every event of db's log, in the log's reading order,
// with its data as stored: read through a Store without the Sealer, so
// that sealed values stay sealed. It waits until every event appended
// before the call is readable (eventstore.SQLStore.Head).
func StoredLog(t testing.TB, db *eventstore.DB) []eventstore.Event {
	t.Helper()
	ctx := context.Background()
	s := eventstore.NewSQLStore(db.SQL, db.Dialect)
	if _, err := s.Head(ctx); err != nil {
		t.Fatalf("the head of the log: %v", err)
	}
	var log []eventstore.Event
	for after := eventstore.Start; ; {
		page, err := s.ReadLog(ctx, after, 1000)
		if err != nil {
			t.Fatalf("read the log: %v", err)
		}
		if len(page) == 0 {
			return log
		}
		log = append(log, page...)
		after = page[len(page)-1].Cursor
	}
}

// Head returns the cursor of the last event of db's log once every event
// appended before the call is readable (eventstore.SQLStore.Head).
func Head(t testing.TB, db *eventstore.DB) eventstore.Cursor {
	t.Helper()
	h, err := db.Store().Head(context.Background())
	if err != nil {
		t.Fatalf("the head of the log: %v", err)
	}
	return h
}

// ReadAtLeast reads the log from the start until it holds n events, or for
// ten seconds at the most: on PostgreSQL a transaction open anywhere in the
// cluster (another test's database included) holds the readable log back
// for a moment.
func ReadAtLeast(t testing.TB, s eventstore.Store, n int) []eventstore.Event {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		log, err := s.ReadLog(context.Background(), eventstore.Start, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) >= n || time.Now().After(deadline) {
			return log
		}
		time.Sleep(5 * time.Millisecond)
	}
}
