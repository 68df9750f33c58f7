package caserepo_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/caserepo"
	"github.com/lhuta/lhuta/internal/testdb"
)

var clerk = cases.Context{Today: calendar.NewDate(2026, 4, 10), Actor: "alice", Role: cases.Clerk}

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
			rec, err := cases.Open([]byte(`{"situation":"id_card_incident","office":"Praha 1","citizen":{"id":"c","birth_date":"1980-05-17","full_name":"Jana"}}`), clerk)
			if err != nil {
				t.Fatal(err)
			}
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
