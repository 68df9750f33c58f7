// Package caseport is what the write door (internal/caserepo) and its
// callers speak, without the store: the Request a write is sent under, the
// Event it hands out, its errors and the one retry policy of reads. caserepo
// implements the writes on the event store and re-exports these names, so
// handlers depend on this port and not on the store.
package caseport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/internal/storeport"
)

// ErrKeyReused is returned when an Idempotency-Key is sent with another
// request than the one it first recorded (another body, route or case).
var ErrKeyReused = errors.New("idempotency key reused")

// ErrConflict is returned when the case is not at the expected version.
var ErrConflict = storeport.ErrConflict

// ErrUnavailable wraps errors that say the database is down, unreachable or
// too slow; the request may be sent again later.
var ErrUnavailable = storeport.ErrUnavailable

// Any is the expected version that accepts whatever the case's version is.
const Any = storeport.Any

// Request says who sends a write and under which request.
type Request struct {
	// Actor is the token's name; it is the recorded_by of the event.
	Actor string
	// Key is the Idempotency-Key header, "" for none; it is scoped to Actor.
	Key string
	// RequestHash is a digest of the request (method, route, case, body):
	// a key is bound to the request it was first sent with.
	RequestHash string
	// CorrelationID ties the event to the request (X-Request-ID).
	CorrelationID string
	// RecordedAt is when the request was received.
	RecordedAt time.Time
}

// Event is a recorded event of a case as the application layer hands it
// out. Its JSON is an item of the case's history (GET /v1/cases/{id}/events),
// which names neither the case (its URL does) nor the request that recorded
// it; lhuta export writes the store's own shape, eventstore.Event.
type Event struct {
	Type       string          `json:"type"`
	Data       json.RawMessage `json:"data"`
	Version    int64           `json:"version"`
	Position   int64           `json:"position"`
	RecordedAt time.Time       `json:"recorded_at"`
	RecordedBy string          `json:"recorded_by"`
	// StreamID is the case's id, its stream in the store.
	StreamID string `json:"-"`
	// CorrelationID names the request (or import run) that recorded it.
	CorrelationID string `json:"-"`
}

// Unavailable reports whether err says the database is unavailable (see
// storeport.Unavailable), for the layers that read through other packages.
func Unavailable(err error) bool { return storeport.Unavailable(err) }

// Read runs a read, once more if the database failed it: a read is always
// safe to repeat, and a connection that died under it (a database restart)
// is replaced by then. It is the one retry policy of reads, of the write
// door's loads and of the handlers' queries of the read models alike.
func Read[T any](ctx context.Context, fn func() (T, error)) (T, error) {
	v, err := fn()
	if storeport.Unavailable(err) && ctx.Err() == nil {
		v, err = fn()
	}
	if storeport.Unavailable(err) {
		return v, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return v, err
}

// Replay folds recorded events of c's stream into c (cases.Case.Replay).
func Replay(c *cases.Case, events []Event) error {
	history := make([]cases.Event, len(events))
	for i, e := range events {
		history[i] = cases.Event{Type: cases.EventType(e.Type), Version: e.Version, Data: e.Data}
	}
	return c.Replay(history...)
}

// Office returns the office of the case whose history events are (its
// CaseOpened, the first); ok is false for no history or one that does not
// open a case.
func Office(events []Event) (office string, ok bool) {
	c := &cases.Case{}
	if len(events) == 0 || Replay(c, events[:1]) != nil {
		return "", false
	}
	return c.Office, true
}
