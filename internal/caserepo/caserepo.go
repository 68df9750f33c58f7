// Package caserepo stores cases as event streams: it loads a case by folding
// its events, lets the domain decide, and appends the result with optimistic
// concurrency, so that the domain never sees a transaction.
package caserepo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
)

// ErrNotFound is returned for an unknown case.
var ErrNotFound = errors.New("case not found")

// ErrKeyReused is returned when an Idempotency-Key already recorded an
// event on another case.
var ErrKeyReused = errors.New("idempotency key reused")

// Repository keeps cases in an event store.
type Repository struct{ store eventstore.Store }

// New returns a Repository on store.
func New(store eventstore.Store) *Repository { return &Repository{store: store} }

// Create opens a new case with its first event and returns the recorded event.
func (r *Repository) Create(ctx context.Context, opened cases.Recorded, meta eventstore.Metadata) (eventstore.Event, error) {
	if e, ok, err := r.replay(ctx, meta); ok || err != nil {
		return e, err
	}
	e, err := r.append(ctx, uuid.NewString(), 0, meta, opened)
	if errors.Is(err, eventstore.ErrDuplicateRequest) {
		e, _, err = r.replay(ctx, meta)
	}
	return e, err
}

// replay returns the event an earlier request with the same idempotent
// correlation id recorded, if there was one: a retried request gets the first
// answer and records nothing, even where the case's state would now refuse it.
func (r *Repository) replay(ctx context.Context, meta eventstore.Metadata) (eventstore.Event, bool, error) {
	if !meta.Idempotent {
		return eventstore.Event{}, false, nil
	}
	e, err := r.store.FindByCorrelation(ctx, meta.CorrelationID)
	if errors.Is(err, eventstore.ErrNotFound) {
		return e, false, nil
	}
	return e, err == nil, err
}

// maxRetries bounds how often Update re-decides after another writer won
// the race, when the client did not pin a version.
const maxRetries = 5

// Update loads a case, lets decide produce one event from its current state
// and appends it. With expected = eventstore.Any a lost race is retried on
// the new state; otherwise the case must be at expected or ErrConflict is
// returned, and nothing is written.
func (r *Repository) Update(ctx context.Context, id string, expected int64, meta eventstore.Metadata,
	decide func(c *cases.Case) (cases.Recorded, error)) (eventstore.Event, error) {
	if e, ok, err := r.replay(ctx, meta); ok || err != nil {
		if ok && e.StreamID != id {
			return eventstore.Event{}, fmt.Errorf("the Idempotency-Key was used for case %s: %w", e.StreamID, ErrKeyReused)
		}
		return e, err
	}
	for attempt := 0; ; attempt++ {
		c, err := r.Load(ctx, id)
		if err != nil {
			return eventstore.Event{}, err
		}
		if expected != eventstore.Any && c.Version != expected {
			return eventstore.Event{}, fmt.Errorf("case %s is at version %d, not %d: %w", id, c.Version, expected, eventstore.ErrConflict)
		}
		rec, err := decide(c)
		if err != nil {
			return eventstore.Event{}, err
		}
		e, err := r.append(ctx, id, c.Version, meta, rec)
		switch {
		case errors.Is(err, eventstore.ErrConflict) && expected == eventstore.Any && attempt < maxRetries:
			continue
		case errors.Is(err, eventstore.ErrDuplicateRequest):
			e, _, err = r.replay(ctx, meta)
		}
		return e, err
	}
}

// Load folds a case's events into its state.
func (r *Repository) Load(ctx context.Context, id string) (*cases.Case, error) {
	events, err := r.store.Load(ctx, id)
	if errors.Is(err, eventstore.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	c := &cases.Case{ID: id}
	return c, Replay(c, events)
}

// Replay folds recorded events of c's stream into c (cases.Case.Replay).
func Replay(c *cases.Case, events []eventstore.Event) error {
	history := make([]cases.Event, len(events))
	for i, e := range events {
		history[i] = cases.Event{Type: e.Type, Version: e.Version, Data: e.Data}
	}
	return c.Replay(history...)
}

// Events returns a case's history.
func (r *Repository) Events(ctx context.Context, id string) ([]eventstore.Event, error) {
	events, err := r.store.Load(ctx, id)
	if errors.Is(err, eventstore.ErrNotFound) {
		return nil, ErrNotFound
	}
	return events, err
}

func (r *Repository) append(ctx context.Context, id string, expected int64, meta eventstore.Metadata, rec cases.Recorded) (eventstore.Event, error) {
	data, err := json.Marshal(rec.Data)
	if err != nil {
		return eventstore.Event{}, err
	}
	events, err := r.store.Append(ctx, id, expected, meta, eventstore.NewEvent{Type: rec.Type, Data: data})
	if err != nil {
		return eventstore.Event{}, err
	}
	return events[0], nil
}
