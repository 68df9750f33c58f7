package eventstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// SQLStore is the Store over database/sql, for either dialect.
type SQLStore struct {
	db      *sql.DB
	dialect Dialect
}

// NewSQLStore returns a Store on db, which must hold the schema of package migrations.
func NewSQLStore(db *sql.DB, dialect Dialect) *SQLStore {
	return &SQLStore{db: db, dialect: dialect}
}

// maxAnyRetries bounds how often an Append with expected = Any retries after
// losing a race; each retry re-reads the version, so it only loops under contention.
const maxAnyRetries = 10

// Append implements Store.
func (s *SQLStore) Append(ctx context.Context, streamID string, expected int64, meta Metadata, events ...NewEvent) ([]Event, error) {
	if len(events) == 0 {
		return nil, errors.New("append: no events")
	}
	if len(events) > 1 && strings.HasPrefix(meta.CorrelationID, idempotentPrefix) {
		return nil, errors.New("append: an idempotent request records one event")
	}
	for attempt := 0; ; attempt++ {
		recorded, err := s.append(ctx, streamID, expected, meta, events)
		if errors.Is(err, ErrConflict) && expected == Any && attempt < maxAnyRetries {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("append to %s: %w", streamID, err)
		}
		return recorded, nil
	}
}

func (s *SQLStore) append(ctx context.Context, streamID string, expected int64, meta Metadata, events []NewEvent) (recorded []Event, err error) {
	if meta.RecordedAt.IsZero() {
		meta.RecordedAt = time.Now()
	}
	meta.RecordedAt = meta.RecordedAt.UTC()
	err = InTx(ctx, s.db, func(tx *sql.Tx) error {
		var current int64
		if err := tx.QueryRowContext(ctx,
			`SELECT COALESCE(MAX(version), 0) FROM events WHERE stream_id = $1`, streamID,
		).Scan(&current); err != nil {
			return err
		}
		if expected != Any && current != expected {
			return ErrConflict
		}
		for i, e := range events {
			ev := Event{StreamID: streamID, Version: current + int64(i) + 1, Type: e.Type, Data: e.Data, Metadata: meta}
			err := tx.QueryRowContext(ctx, s.dialect.insertEvent,
				ev.StreamID, ev.Version, ev.Type, string(ev.Data), ev.RecordedBy, ev.RecordedAt, ev.CorrelationID,
			).Scan(&ev.Position)
			switch s.dialect.uniqueViolation(err) {
			case "events_idempotency":
				return ErrDuplicateRequest
			case "":
			default:
				return ErrConflict
			}
			if err != nil {
				return err
			}
			ev.Cursor = Cursor{Position: ev.Position}
			recorded = append(recorded, ev)
		}
		return nil
	})
	return recorded, err
}

// InTx runs fn in a transaction on db, committing if it returns nil.
func InTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Load implements Store.
func (s *SQLStore) Load(ctx context.Context, streamID string) ([]Event, error) {
	rows, err := s.db.QueryContext(ctx, s.dialect.selectEvents+` WHERE stream_id = $1 ORDER BY version`, streamID)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", streamID, err)
	}
	events, err := scanEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", streamID, err)
	}
	if len(events) == 0 {
		return nil, ErrNotFound
	}
	return events, nil
}

// FindByCorrelation implements Store.
func (s *SQLStore) FindByCorrelation(ctx context.Context, correlationID string) (Event, error) {
	e, err := ScanEvent(s.db.QueryRowContext(ctx, s.dialect.selectEvents+` WHERE correlation_id = $1 ORDER BY position DESC LIMIT 1`, correlationID))
	if errors.Is(err, sql.ErrNoRows) {
		return e, ErrNotFound
	}
	return e, err
}

// ReadLog implements Store.
func (s *SQLStore) ReadLog(ctx context.Context, after Cursor, limit int) ([]Event, error) {
	rows, err := s.db.QueryContext(ctx, s.dialect.readLog, s.dialect.logArgs(after, limit)...)
	if err != nil {
		return nil, fmt.Errorf("read log after %v: %w", after, err)
	}
	return scanEvents(rows)
}

// Includes implements Store.
func (s *SQLStore) Includes(ctx context.Context, c Cursor, position int64) (bool, error) {
	var ok bool
	err := s.db.QueryRowContext(ctx, s.dialect.includes, s.dialect.includesArgs(c, position)...).Scan(&ok)
	return ok, err
}

// Scanner is what database/sql's Row and Rows have in common.
type Scanner interface {
	Scan(dest ...any) error
}

// ScanEvent reads one event from a row of the dialect's event columns.
func ScanEvent(row Scanner) (Event, error) {
	var (
		e    Event
		data string
	)
	err := row.Scan(&e.Position, &e.Cursor.Tx, &e.StreamID, &e.Version, &e.Type, &data, &e.RecordedBy, &e.RecordedAt, &e.CorrelationID)
	e.Data = []byte(data)
	e.Cursor.Position = e.Position
	e.RecordedAt = e.RecordedAt.UTC()
	return e, err
}

func scanEvents(rows *sql.Rows) ([]Event, error) {
	defer rows.Close()
	var events []Event
	for rows.Next() {
		e, err := ScanEvent(rows)
		if err != nil {
			return nil, err
		}
		events = append(events, e)
	}
	return events, rows.Err()
}
