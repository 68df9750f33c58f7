package eventstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// bulkColumns are the columns BulkInsert fills; position and (on
// PostgreSQL) transaction_id take their defaults.
var bulkColumns = []string{"stream_id", "version", "type", "data", "recorded_by", "recorded_at", "correlation_id"}

// BulkInsert writes events as they are given (stream, version, type, data
// as stored, metadata; their Position and Cursor are ignored) in one bulk
// operation: COPY on PostgreSQL, multi-row INSERTs in one transaction on
// SQLite. It checks no expected version, records no idempotency key and
// seals nothing: it loads a log made elsewhere (lhuta-bench's generated
// cases, a test's copy of another database) into a database nobody appends
// to meanwhile. The service appends through Store.
func (db *DB) BulkInsert(ctx context.Context, events []Event) error {
	if db.Dialect.Name == Postgres.Name {
		n, err := db.CopyFrom(ctx, "events", bulkColumns, len(events), func(i int) ([]any, error) {
			e := events[i]
			return []any{e.StreamID, e.Version, e.Type, []byte(e.Data), e.RecordedBy, e.RecordedAt, e.CorrelationID}, nil
		})
		if err == nil && n != int64(len(events)) {
			err = fmt.Errorf("copied %d of %d events", n, len(events))
		}
		return err
	}
	const perStatement = 500
	return InTx(ctx, db.SQL, func(tx *sql.Tx) error {
		for start := 0; start < len(events); start += perStatement {
			part := events[start:min(len(events), start+perStatement)]
			var q strings.Builder
			q.WriteString("INSERT INTO events (" + strings.Join(bulkColumns, ", ") + ") VALUES ")
			args := make([]any, 0, len(part)*len(bulkColumns))
			for i, e := range part {
				if i > 0 {
					q.WriteString(", ")
				}
				q.WriteString("(?, ?, ?, ?, ?, ?, ?)")
				args = append(args, e.StreamID, e.Version, e.Type, string(e.Data), e.RecordedBy, e.RecordedAt, e.CorrelationID)
			}
			if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
				return fmt.Errorf("bulk insert: %w", err)
			}
		}
		return nil
	})
}
