package feed

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
)

// The feed publishes in log order, which on PostgreSQL is not position
// order: a transaction that took its xid first but its position last (it
// wrote after another began and committed) is published before the other.
// log_order grows with every message a consumer receives, on both backends,
// so it is the consumer's high-water mark; on PostgreSQL the test makes two
// neighbours' positions swap, so position is shown not to be one.
func TestLogOrderGrowsInPublishOrderWherePositionsSwap(t *testing.T) {
	url := testdb.NATSURL(t)
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		cfg := testConfig(t, url)
		store := eventstore.NewSQLStore(db.SQL, db.Dialect)
		burst(t, store, 1, 5) // one writer: no swaps but the test's own
		swapped := 0
		if db.Dialect.Name == eventstore.Postgres.Name {
			opened := eventstore.NewEvent{Type: "CaseOpened",
				Data: []byte(`{"situation":"id_card_incident","office":"Praha 1","opened_on":"2026-04-01"}`)}
			meta := eventstore.Metadata{RecordedBy: "alice", CorrelationID: "swap"}
			for range 3 {
				// a takes its transaction id first, b appends and commits
				// meanwhile, then a writes: a's position is the later, its
				// xid the earlier.
				_, err := store.AppendWith(ctx, uuid.NewString(), 0, meta, func(ctx context.Context, a *sql.Tx) (eventstore.NewEvent, error) {
					if _, err := a.ExecContext(ctx, `SELECT pg_current_xact_id()`); err != nil {
						return eventstore.NewEvent{}, err
					}
					if _, err := store.Append(ctx, uuid.NewString(), 0, meta, opened); err != nil {
						return eventstore.NewEvent{}, fmt.Errorf("b: %w", err)
					}
					return opened, nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		burst(t, store, 1, 5) // one writer: no swaps but the test's own
		f := New(db, cfg, quiet)
		fctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); _ = f.Run(fctx) }()
		testdb.WaitDrained(t, store, f.offset, 30*time.Second, "the forwarder publishing the whole log")
		stop()
		<-done
		stored, err := store.CountAfter(ctx, eventstore.Start)
		if err != nil {
			t.Fatal(err)
		}
		got := consume(t, url, cfg, int(stored))
		if int64(len(got)) != stored {
			t.Fatalf("%d messages for %d events", len(got), stored)
		}
		for i := 1; i < len(got); i++ {
			prev, m := got[i-1], got[i]
			if m.LogOrder <= prev.LogOrder {
				t.Errorf("message %d: log_order %s after %s", i, m.LogOrder, prev.LogOrder)
			}
			if m.Position < prev.Position {
				swapped++
			}
		}
		if want := map[bool]int{true: 3, false: 0}[db.Dialect.Name == eventstore.Postgres.Name]; swapped != want {
			t.Errorf("%d neighbours with swapped positions, want %d (%s)", swapped, want, fmt.Sprint(db.Dialect.Name))
		}
	})
}
