package eventstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// SQLStore is the Store over database/sql, for either dialect.
type SQLStore struct {
	db      *sql.DB
	dialect Dialect
	sealer  Sealer
	// keyTTL is how long an idempotency key answers; now is the clock it
	// is counted by.
	keyTTL time.Duration
	now    func() time.Time
}

// DefaultKeyTTL is how long an idempotency key answers retries unless
// WithKeyTTL says otherwise (LHUTA_IDEMPOTENCY_TTL): 7 days.
const DefaultKeyTTL = 7 * 24 * time.Hour

// NewSQLStore returns a Store on db, which must hold the schema of package
// migrations. It stores event data as it is given; DB.Store returns one that
// seals personal values with the database's Sealer.
func NewSQLStore(db *sql.DB, dialect Dialect) *SQLStore {
	return &SQLStore{db: db, dialect: dialect, keyTTL: DefaultKeyTTL, now: time.Now}
}

// WithKeyTTL sets how long an idempotency key answers retries, counted by
// now (nil: time.Now). Within the period a key gives its first answer; after
// it the key is free, as if it had never been sent: FindKey no longer finds
// it and an append may record it anew, even before ExpireKeys removes it.
func (s *SQLStore) WithKeyTTL(ttl time.Duration, now func() time.Time) *SQLStore {
	if now == nil {
		now = time.Now
	}
	s.keyTTL, s.now = ttl, now
	return s
}

// keyCutoff is the Unix second before which a key was recorded too long ago.
func (s *SQLStore) keyCutoff() int64 { return s.clock().Add(-cmp.Or(s.keyTTL, DefaultKeyTTL)).Unix() }

// clock is the store's now (time.Now unless WithKeyTTL set another).
func (s *SQLStore) clock() time.Time {
	if s.now == nil {
		return time.Now()
	}
	return s.now()
}

// ExpireKeys deletes the idempotency keys recorded longer than the period
// ago and returns how many; lhuta serve runs it hourly on the instance that
// holds the projection's lease.
func (s *SQLStore) ExpireKeys(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE recorded_unix < $1`, s.keyCutoff())
	if err != nil {
		return 0, fmt.Errorf("expire idempotency keys: %w", err)
	}
	return res.RowsAffected()
}

// Sealer encrypts the personal values of an event's data before the store
// writes it and opens them when the store reads it, so that everything above
// the store (the domain, the projections, the feed) sees plaintext while the
// citizen's key exists, and Forgotten values once it is destroyed. The one
// implementation is package vault.
type Sealer interface {
	// Seal returns data with its personal values encrypted with the key of
	// the stream's citizen.
	Seal(ctx context.Context, streamID, eventType string, data json.RawMessage) (json.RawMessage, error)
	// Open replaces the sealed values of the events' data in place by their
	// plaintext, or by a placeholder where the key was destroyed.
	Open(ctx context.Context, events []Event) error
}

// Store returns the Store on db that seals with db.Sealer (none: plaintext).
func (db *DB) Store() *SQLStore {
	return &SQLStore{db: db.SQL, dialect: db.Dialect, sealer: db.Sealer, keyTTL: DefaultKeyTTL, now: time.Now}
}

// seal seals the events' data for the stream, when the store has a Sealer.
func (s *SQLStore) seal(ctx context.Context, streamID string, events []NewEvent) ([]NewEvent, error) {
	if s.sealer == nil {
		return events, nil
	}
	sealed := make([]NewEvent, len(events))
	for i, e := range events {
		data, err := s.sealer.Seal(ctx, streamID, e.Type, e.Data)
		if err != nil {
			return nil, fmt.Errorf("seal %s: %w", e.Type, err)
		}
		sealed[i] = NewEvent{Type: e.Type, Data: data}
	}
	return sealed, nil
}

// read scans rows of events and opens their sealed values.
func (s *SQLStore) read(ctx context.Context, rows *sql.Rows) ([]Event, error) {
	events, err := scanEvents(rows)
	if err != nil || s.sealer == nil {
		return events, err
	}
	if err := s.sealer.Open(ctx, events); err != nil {
		return nil, fmt.Errorf("open sealed values: %w", err)
	}
	return events, nil
}

// Append implements Store. With expected = Any, an append that lost a race
// is retried on the new version until it succeeds or ctx ends: each retry
// follows another writer's commit, so contention delays it but never fails it.
func (s *SQLStore) Append(ctx context.Context, streamID string, expected int64, meta Metadata, events ...NewEvent) ([]Event, error) {
	if len(events) == 0 {
		return nil, errors.New("append: no events")
	}
	if len(events) > 1 && meta.Idempotency != nil {
		return nil, errors.New("append: an idempotent request records one event")
	}
	sealed, err := s.seal(ctx, streamID, events)
	if err != nil {
		return nil, fmt.Errorf("append to %s: %w", streamID, err)
	}
	for {
		recorded, err := s.append(ctx, streamID, expected, meta, sealed)
		if errors.Is(err, ErrConflict) && expected == Any && ctx.Err() == nil {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("append to %s: %w", streamID, err)
		}
		for i := range recorded {
			recorded[i].Data = events[i].Data
		}
		return recorded, nil
	}
}

func (s *SQLStore) append(ctx context.Context, streamID string, expected int64, meta Metadata, events []NewEvent) (recorded []Event, err error) {
	if meta.RecordedAt.IsZero() {
		meta.RecordedAt = time.Now()
	}
	meta.RecordedAt = meta.RecordedAt.UTC()
	if len(events) == 1 && meta.Idempotency == nil && s.dialect.tx {
		return s.appendOne(ctx, streamID, expected, meta, events[0])
	}
	return s.appendTx(ctx, streamID, expected, meta, func(context.Context, *sql.Tx) ([]NewEvent, error) { return events, nil })
}

// AppendWith appends like Append the one event prepare returns, in one
// transaction with what prepare writes first: what must be unique across
// streams (a case's reference, a citizen's identity) is written together
// with the event, or neither is. prepare runs again on each retry.
func (s *SQLStore) AppendWith(ctx context.Context, streamID string, expected int64, meta Metadata,
	prepare func(ctx context.Context, tx *sql.Tx) (NewEvent, error)) ([]Event, error) {
	if meta.RecordedAt.IsZero() {
		meta.RecordedAt = time.Now()
	}
	meta.RecordedAt = meta.RecordedAt.UTC()
	for {
		var plain json.RawMessage
		recorded, err := s.appendTx(ctx, streamID, expected, meta, func(ctx context.Context, tx *sql.Tx) ([]NewEvent, error) {
			e, err := prepare(ctx, tx)
			if err != nil {
				return nil, err
			}
			// Sealed in the transaction: the Sealer reads and writes its
			// keys through it (TxFrom), or SQLite's one writer would wait
			// for itself.
			plain = e.Data
			return s.seal(context.WithValue(ctx, txKey{}, tx), streamID, []NewEvent{e})
		})
		if errors.Is(err, ErrConflict) && expected == Any && ctx.Err() == nil {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("append to %s: %w", streamID, err)
		}
		recorded[0].Data = plain
		return recorded, nil
	}
}

// txKey carries the transaction of an append to the Sealer (TxFrom).
type txKey struct{}

// TxFrom returns the transaction an append runs in when a Sealer is called
// inside one (AppendWith): the Sealer's own reads and writes belong in it.
func TxFrom(ctx context.Context) (*sql.Tx, bool) {
	tx, ok := ctx.Value(txKey{}).(*sql.Tx)
	return tx, ok
}

func (s *SQLStore) appendTx(ctx context.Context, streamID string, expected int64, meta Metadata,
	prepare func(ctx context.Context, tx *sql.Tx) ([]NewEvent, error)) (recorded []Event, err error) {
	err = InTx(ctx, s.db, func(tx *sql.Tx) error {
		// A new stream (expected 0) starts at version 1 without reading:
		// if it exists, the unique key (stream_id, version) refuses the
		// insert, a conflict as the read would have found (one round trip
		// less for every case opened).
		var current int64
		if expected != 0 {
			if err := tx.QueryRowContext(ctx,
				`SELECT COALESCE(MAX(version), 0) FROM events WHERE stream_id = $1`, streamID,
			).Scan(&current); err != nil {
				return err
			}
		}
		if expected != Any && current != expected {
			return ErrConflict
		}
		events, err := prepare(ctx, tx)
		if err != nil {
			return err
		}
		for i, e := range events {
			ev := Event{StreamID: streamID, Version: current + int64(i) + 1, Type: e.Type, Data: e.Data, Metadata: meta}
			err := tx.QueryRowContext(ctx, s.dialect.insertEvent,
				ev.StreamID, ev.Version, ev.Type, string(ev.Data), ev.RecordedBy, ev.RecordedAt, ev.CorrelationID,
			).Scan(&ev.Position)
			if s.dialect.uniqueViolation(err) {
				return ErrConflict
			}
			if err != nil {
				return err
			}
			ev.Cursor = Cursor{Position: ev.Position}
			recorded = append(recorded, ev)
		}
		if k := meta.Idempotency; k != nil {
			// A key recorded longer than the period ago is free: it is
			// taken over; a live one is this request's duplicate.
			res, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (actor, idem_key, request_hash, stream_id, position, recorded_unix)
				VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (actor, idem_key) DO UPDATE SET request_hash = excluded.request_hash, stream_id = excluded.stream_id,
					position = excluded.position, recorded_unix = excluded.recorded_unix
				WHERE idempotency_keys.recorded_unix < $7`,
				k.Actor, k.Key, k.RequestHash, streamID, recorded[0].Position, s.clock().Unix(), s.keyCutoff())
			if s.dialect.uniqueViolation(err) {
				return ErrDuplicateRequest
			}
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return cmp.Or(err, ErrDuplicateRequest)
			}
			return nil
		}
		return nil
	})
	return recorded, err
}

// appendOne appends one event in one statement on its own (PostgreSQL's
// autocommit): the version check and the insert are one round trip, as
// cheap as a plain INSERT. A version taken meanwhile violates the unique
// key (stream_id, version), which is a conflict as in the transaction.
func (s *SQLStore) appendOne(ctx context.Context, streamID string, expected int64, meta Metadata, e NewEvent) ([]Event, error) {
	ev := Event{StreamID: streamID, Type: e.Type, Data: e.Data, Metadata: meta}
	err := s.db.QueryRowContext(ctx, s.dialect.insertChecked,
		streamID, expected, ev.Type, string(ev.Data), ev.RecordedBy, ev.RecordedAt, ev.CorrelationID,
	).Scan(&ev.Position, &ev.Version)
	switch {
	case errors.Is(err, sql.ErrNoRows), s.dialect.uniqueViolation(err):
		return nil, ErrConflict
	case err != nil && Unavailable(err) && !connectFailed(err):
		// The statement may have committed before the connection broke.
		return nil, fmt.Errorf("%w: %w", ErrCommitUnknown, err)
	case err != nil:
		return nil, err
	}
	ev.Cursor = Cursor{Position: ev.Position}
	return []Event{ev}, nil
}

// InTx runs fn in a transaction on db, committing if it returns nil. An
// error that breaks the connection during COMMIT wraps ErrCommitUnknown;
// any other error means nothing was committed.
func InTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		if Unavailable(err) {
			return fmt.Errorf("%w: %w", ErrCommitUnknown, err)
		}
		return err
	}
	return nil
}

// Load implements Store.
func (s *SQLStore) Load(ctx context.Context, streamID string) ([]Event, error) {
	rows, err := s.db.QueryContext(ctx, s.dialect.selectEvents+` WHERE stream_id = $1 ORDER BY version`, streamID)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", streamID, err)
	}
	events, err := s.read(ctx, rows)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", streamID, err)
	}
	if len(events) == 0 {
		return nil, ErrNotFound
	}
	return events, nil
}

// LoadAfter implements Store: one index range of (stream_id, version).
func (s *SQLStore) LoadAfter(ctx context.Context, streamID string, after int64) ([]Event, error) {
	if after <= 0 {
		return s.Load(ctx, streamID)
	}
	rows, err := s.db.QueryContext(ctx, s.dialect.selectEvents+` WHERE stream_id = $1 AND version > $2 ORDER BY version`, streamID, after)
	if err != nil {
		return nil, fmt.Errorf("load %s after version %d: %w", streamID, after, err)
	}
	events, err := s.read(ctx, rows)
	if err != nil {
		return nil, fmt.Errorf("load %s after version %d: %w", streamID, after, err)
	}
	return events, nil
}

// FindKey implements Store.
func (s *SQLStore) FindKey(ctx context.Context, actor, key string) (Keyed, error) {
	var (
		k        Keyed
		hash     sql.NullString
		position int64
	)
	err := s.db.QueryRowContext(ctx, `SELECT request_hash, position FROM idempotency_keys WHERE actor = $1 AND idem_key = $2
		AND recorded_unix >= $3`, actor, key, s.keyCutoff()).Scan(&hash, &position)
	if errors.Is(err, sql.ErrNoRows) {
		return k, ErrNotFound
	}
	if err != nil {
		return k, fmt.Errorf("find idempotency key: %w", err)
	}
	k.RequestHash = hash.String
	rows, err := s.db.QueryContext(ctx, s.dialect.selectEvents+` WHERE position = $1`, position)
	if err != nil {
		return k, fmt.Errorf("find the event of an idempotency key: %w", err)
	}
	found, err := s.read(ctx, rows)
	if err == nil && len(found) == 0 {
		err = sql.ErrNoRows
	}
	if err != nil {
		return k, fmt.Errorf("find the event of an idempotency key: %w", err)
	}
	k.Event = found[0]
	return k, nil
}

// ReadLog implements Store.
func (s *SQLStore) ReadLog(ctx context.Context, after Cursor, limit int) ([]Event, error) {
	rows, err := s.db.QueryContext(ctx, s.dialect.readLog, s.dialect.logArgs(after, limit)...)
	if err != nil {
		return nil, fmt.Errorf("read log after %v: %w", after, err)
	}
	return s.read(ctx, rows)
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
