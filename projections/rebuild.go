package projections

import (
	"context"
	"database/sql"
	"time"

	"github.com/lhuta/lhuta/eventstore"
)

// rebuildPage is how many events one rebuild transaction folds: large
// enough to amortise commits over millions of events, small enough to keep
// transactions short (an open transaction holds back every subscriber on
// PostgreSQL).
const rebuildPage = 2000

// Progress is told how many events a rebuild has folded, of how many.
type Progress func(done, total int64)

// Rebuild empties the read models and folds the whole log into them again
// from position 0, a page per transaction, moving the consumer group's
// offset with each page. A running pipeline may go on meanwhile: projection
// is idempotent, so whichever of the two folds an event first wins and the
// other changes nothing. Queries see partly rebuilt read models until it ends.
func Rebuild(ctx context.Context, db *eventstore.DB, progress Progress) (int64, error) {
	var total, end int64
	if err := db.SQL.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(position), 0) FROM events`).Scan(&total, &end); err != nil {
		return 0, err
	}
	err := eventstore.InTx(ctx, db.SQL, func(tx *sql.Tx) error {
		for _, table := range caseTables {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM projection_offsets WHERE consumer_group = $1`, Group); err != nil {
			return err
		}
		start := startQuery(db.Dialect, Group)
		_, err := tx.ExecContext(ctx, start.Query, start.Args...)
		return err
	})
	if err != nil {
		return 0, err
	}
	store := eventstore.NewSQLStore(db.SQL, db.Dialect)
	ack := offsets{dialect: db.Dialect}
	cursor, done := eventstore.Start, int64(0)
	for {
		page, err := store.ReadLog(ctx, cursor, rebuildPage)
		if err != nil {
			return done, err
		}
		if len(page) == 0 {
			// On PostgreSQL any open transaction in the cluster holds the
			// readable log back for a moment: an empty page is the end only
			// once the log's last event at the start has been folded.
			if reached, err := store.Includes(ctx, cursor, end); reached || end == 0 || err != nil {
				return done, err
			}
			select {
			case <-ctx.Done():
				return done, ctx.Err()
			case <-time.After(10 * time.Millisecond):
			}
			continue
		}
		err = eventstore.InTx(ctx, db.SQL, func(tx *sql.Tx) error {
			for _, e := range lastOfEachCase(page) {
				if err := Project(ctx, tx, db.Dialect, e); err != nil {
					return err
				}
			}
			last := page[len(page)-1]
			q := ack.AckMessageQuery(topic, lastRow(last), Group)
			_, err := tx.ExecContext(ctx, q.Query, q.Args...)
			return err
		})
		if err != nil {
			return done, err
		}
		cursor = page[len(page)-1].Cursor
		done += int64(len(page))
		if progress != nil {
			progress(done, total)
		}
	}
}

// lastOfEachCase keeps, of a page of the log, only each case's latest event:
// projecting it re-derives the case from all its earlier events anyway.
func lastOfEachCase(page []eventstore.Event) []eventstore.Event {
	last := make(map[string]int, len(page))
	for i, e := range page {
		last[e.StreamID] = i
	}
	out := make([]eventstore.Event, 0, len(last))
	for i, e := range page {
		if last[e.StreamID] == i {
			out = append(out, e)
		}
	}
	return out
}
