package eventstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
)

// Queryer is what *sql.DB and *sql.Tx have in common: where Stored reads
// and writes, so that a caller's transaction can hold its work.
type Queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// StoredEvent is an event's data as the events table holds it: its sealed
// values still sealed (see Sealer).
type StoredEvent struct {
	Position int64
	StreamID string
	Type     string
	Data     json.RawMessage
}

// Stored is the Sealer's own access to the events' data as stored, beside
// the Store, which seals and opens: it reads the data without opening it
// and rewrites one event's data in place (sealing a database written before
// sealing; scrubbing what a destroyed key sealed). Nothing else rewrites an
// event: the log is append-only for everyone but the Sealer, whose rewrites
// change how a value is kept, never what the event says.
type Stored struct{ q Queryer }

// StoredIn returns the stored data's access through q: the database, or a
// transaction whose other work must commit together with the rewrites.
func StoredIn(q Queryer) Stored { return Stored{q: q} }

// FirstData returns the stored data of a stream's first event (version 1),
// or an error wrapping sql.ErrNoRows when the stream has none.
func (s Stored) FirstData(ctx context.Context, streamID string) (json.RawMessage, error) {
	var data string
	err := s.q.QueryRowContext(ctx, `SELECT data FROM events WHERE stream_id = $1 AND version = 1`, streamID).Scan(&data)
	if err != nil {
		return nil, fmt.Errorf("the first event of stream %s: %w", streamID, err)
	}
	return json.RawMessage(data), nil
}

// Stream returns the stored data of a stream's events, in position order
// (none when the stream has no events).
func (s Stored) Stream(ctx context.Context, streamID string) ([]StoredEvent, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT position, stream_id, type, data FROM events
		WHERE stream_id = $1 ORDER BY position`, streamID)
	if err != nil {
		return nil, fmt.Errorf("stored events of stream %s: %w", streamID, err)
	}
	return scanStored(rows)
}

// Page returns the stored data of up to limit events whose position is
// above after, in position order: paged from 0 until a page is empty, it
// reads every event committed before the first page (position order, not
// the log's reading order of ReadLog, and no wait for transactions still
// open: for a pass over the stored data, not for following the log).
func (s Stored) Page(ctx context.Context, after int64, limit int) ([]StoredEvent, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT position, stream_id, type, data FROM events
		WHERE position > $1 ORDER BY position LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("stored events after position %d: %w", after, err)
	}
	return scanStored(rows)
}

// Rewrite replaces the stored data of the event at position.
func (s Stored) Rewrite(ctx context.Context, position int64, data json.RawMessage) error {
	if _, err := s.q.ExecContext(ctx, `UPDATE events SET data = $1 WHERE position = $2`, string(data), position); err != nil {
		return fmt.Errorf("rewrite the stored data of event %d: %w", position, err)
	}
	return nil
}

// Strings returns the one text column of a query's rows.
func Strings(ctx context.Context, q Queryer, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func scanStored(rows *sql.Rows) ([]StoredEvent, error) {
	defer rows.Close()
	var events []StoredEvent
	for rows.Next() {
		var (
			e    StoredEvent
			data string
		)
		if err := rows.Scan(&e.Position, &e.StreamID, &e.Type, &data); err != nil {
			return nil, err
		}
		e.Data = json.RawMessage(data)
		events = append(events, e)
	}
	return events, rows.Err()
}

// ScanAll returns a query's column names and every row, each value as the
// driver gives it: for copying or comparing whole tables (benchmarks, tests).
func ScanAll(ctx context.Context, q Queryer, query string, args ...any) ([]string, [][]any, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, nil, err
	}
	var all [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		all = append(all, vals)
	}
	return cols, all, rows.Err()
}
