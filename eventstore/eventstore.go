// Package eventstore keeps lhuta's single source of truth: an append-only log
// of events, grouped into streams (one stream per case), each event with a
// version unique within its stream and a position in the global log.
//
// Two backends share one implementation over database/sql: an embedded SQLite
// file (the default) and PostgreSQL (selected by DATABASE_URL). They differ
// only in how the global log is read in commit order; see Dialect.
package eventstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/lhuta/lhuta/internal/storeport"
)

// ErrConflict: see storeport.ErrConflict.
var ErrConflict = storeport.ErrConflict

// ErrDuplicateRequest: see storeport.ErrDuplicateRequest.
var ErrDuplicateRequest = storeport.ErrDuplicateRequest

// ErrNotFound: see storeport.ErrNotFound.
var ErrNotFound = storeport.ErrNotFound

// Any is the expected version that accepts whatever the stream's version is.
const Any = storeport.Any

// Metadata says who recorded events, when, and under which request.
type Metadata struct {
	RecordedBy    string    `json:"recorded_by"`
	RecordedAt    time.Time `json:"recorded_at"`
	CorrelationID string    `json:"correlation_id"`
	// Idempotency, when set, records the append under a client's retry key;
	// it is kept beside the event, not in it.
	Idempotency *Idempotency `json:"-"`
}

// Idempotency is a client's retry key (the Idempotency-Key header), scoped
// to the actor, and a digest of the request it was first sent with. The store
// records at most one append, of one event, per actor and key.
type Idempotency struct {
	Actor       string
	Key         string
	RequestHash string
}

// Keyed is what an idempotency key recorded: the request's digest ("" for
// keys recorded before digests were kept) and the event it appended.
type Keyed struct {
	RequestHash string
	Event       Event
}

// NewEvent is an event about to be appended.
type NewEvent struct {
	Type string
	Data json.RawMessage
}

// Event is a recorded event. Its JSON is the stored event's wire shape, one
// line of Export (lhuta export).
type Event struct {
	StreamID string          `json:"stream_id"`
	Version  int64           `json:"version"`
	Position int64           `json:"position"`
	Type     string          `json:"type"`
	Data     json.RawMessage `json:"data"`
	Metadata
	// Cursor places the event in the global log's reading order; it is a
	// reader's bookmark on this database, not part of the event.
	Cursor Cursor `json:"-"`
}

// Cursor is a place in the global log. On PostgreSQL the log is read in the
// order (transaction id, position), because positions are handed out before
// transactions commit and can become visible out of order; on SQLite, which
// has a single writer, Tx is always 0 and positions alone give the order.
type Cursor struct {
	Tx       uint64 `json:"tx"`
	Position int64  `json:"position"`
}

// Start is the cursor before the first event.
var Start = Cursor{}

// Store appends and reads events.
type Store interface {
	// Append adds events to the end of a stream and returns them as recorded.
	// With expected = Any it appends whatever the version; otherwise the
	// stream's current version must equal expected (0 for a new stream), or
	// ErrConflict is returned and nothing is written.
	Append(ctx context.Context, streamID string, expected int64, meta Metadata, events ...NewEvent) ([]Event, error)
	// AppendWith appends the event prepare returns, in one transaction with
	// what prepare writes in tx first (see SQLStore.AppendWith).
	AppendWith(ctx context.Context, streamID string, expected int64, meta Metadata,
		prepare func(ctx context.Context, tx *sql.Tx) (NewEvent, error)) ([]Event, error)
	// Load returns a stream's events in version order, or ErrNotFound.
	Load(ctx context.Context, streamID string) ([]Event, error)
	// LoadAfter returns a stream's events after version after, in version
	// order (none when the stream is not longer); a stream that does not
	// exist is ErrNotFound.
	LoadAfter(ctx context.Context, streamID string, after int64) ([]Event, error)
	// ReadLog returns up to limit events of the global log after the cursor,
	// in reading order; only events whose place in that order is final are
	// returned, so a reader that follows the log never skips one.
	ReadLog(ctx context.Context, after Cursor, limit int) ([]Event, error)
	// FindKey returns what an actor's idempotency key recorded, or ErrNotFound.
	FindKey(ctx context.Context, actor, key string) (Keyed, error)
	// Includes reports whether the log up to and including cursor c contains
	// the event at the given position.
	Includes(ctx context.Context, c Cursor, position int64) (bool, error)
}
