package eventstore_test

import (
	"context"
	"testing"

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
)

// Keys recorded under the old scheme (correlation id "idem:<actor>:<key>")
// still answer their retries after migration 00010, with no request digest;
// an X-Request-ID that only looked like one is no key.
func TestOldIdempotencyKeysSurviveTheMigration(t *testing.T) {
	testdb.EachAtVersion(t, 4, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		for _, row := range [][]any{
			{"a", 1, "alice", "idem:alice:open-1"},
			{"a", 2, "alice", "idem:alice:report:2"},
			{"b", 1, "mallory", "idem:alice:claimed"},
			{"c", 1, "bob", "req-1"},
		} {
			if _, err := db.SQL.ExecContext(ctx, `INSERT INTO events (stream_id, version, type, data, recorded_by, recorded_at, correlation_id)
				VALUES ($1, $2, 'E', '{}', $3, CURRENT_TIMESTAMP, $4)`, row...); err != nil {
				t.Fatal(err)
			}
		}
		testdb.Migrate(t, db)
		s := eventstore.NewSQLStore(db.SQL, db.Dialect)
		for key, version := range map[string]int64{"open-1": 1, "report:2": 2} {
			k, err := s.FindKey(ctx, "alice", key)
			if err != nil || k.RequestHash != "" || k.Event.StreamID != "a" || k.Event.Version != version {
				t.Errorf("alice's old key %s: %+v %v", key, k, err)
			}
		}
		for _, key := range []string{"claimed", "alice:claimed"} {
			if _, err := s.FindKey(ctx, "alice", key); err != eventstore.ErrNotFound {
				t.Errorf("mallory's look-alike correlation id became alice's key %s: %v", key, err)
			}
			if _, err := s.FindKey(ctx, "mallory", key); err != eventstore.ErrNotFound {
				t.Errorf("mallory's look-alike correlation id became her key %s: %v", key, err)
			}
		}
	})
}
