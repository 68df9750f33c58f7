// Package caserepo stores cases as event streams: it loads a case by folding
// its events, lets the domain decide, and appends the result with optimistic
// concurrency, so that the domain never sees a transaction. It is the one
// door for writes: handlers build a Request and never touch the store.
package caserepo

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/caseport"
)

// The names handlers and the other callers speak live in internal/caseport,
// which does not import the store; these are the same types and values.
type (
	// Request: see caseport.Request.
	Request = caseport.Request
	// Event: see caseport.Event.
	Event = caseport.Event
)

var (
	// ErrKeyReused: see caseport.ErrKeyReused.
	ErrKeyReused = caseport.ErrKeyReused
	// ErrConflict: see caseport.ErrConflict.
	ErrConflict = caseport.ErrConflict
	// ErrUnavailable: see caseport.ErrUnavailable.
	ErrUnavailable = caseport.ErrUnavailable
)

// Any is the expected version that accepts whatever the case's version is.
const Any = caseport.Any

// metadata is the store's metadata of the events a request records.
func metadata(q Request) eventstore.Metadata {
	m := eventstore.Metadata{RecordedBy: q.Actor, RecordedAt: q.RecordedAt, CorrelationID: q.CorrelationID}
	if m.CorrelationID == "" {
		m.CorrelationID = uuid.NewString()
	}
	if q.Key != "" {
		m.Idempotency = &eventstore.Idempotency{Actor: q.Actor, Key: q.Key, RequestHash: q.RequestHash}
	}
	return m
}

func eventOf(e eventstore.Event) Event {
	return Event{Type: e.Type, Data: e.Data, Version: e.Version, Position: e.Position, RecordedAt: e.RecordedAt,
		RecordedBy: e.RecordedBy, StreamID: e.StreamID, CorrelationID: e.CorrelationID}
}

// Unavailable reports whether err says the database is unavailable (see
// caseport.Unavailable), for the layers that read through other packages.
func Unavailable(err error) bool { return caseport.Unavailable(err) }

// Repository keeps cases in an event store.
type Repository struct {
	store     eventstore.Store
	snapshots Snapshots
}

// Snapshots give a case's stored state (cases.Case.MarshalSnapshot) as the
// read models last folded it, with its version inside, or nil when there is
// none. The state may be behind the log, never ahead of it: Load reads the
// events after it from the store.
type Snapshots interface {
	CaseState(ctx context.Context, id string) ([]byte, error)
}

// WithSnapshots makes Load start from a case's stored state and read only
// the events after it, instead of the whole stream. A state that is
// missing, stale or of another format costs a full load, never a wrong
// case; and the optimistic version check of the append is what guards a
// decision against a write made meanwhile, as it does for a full load.
func (r *Repository) WithSnapshots(s Snapshots) *Repository {
	r.snapshots = s
	return r
}

// New returns a Repository on store.
func New(store eventstore.Store) *Repository { return &Repository{store: store} }

// Create opens a new case with its first event and returns the recorded
// event. In the transaction of the append, the case gets its reference
// (the next of its office and year of opening) and its citizen is checked
// against the identity the citizen id is known by: a *cases.MismatchError
// if they differ, and nothing is written.
func (r *Repository) Create(ctx context.Context, opened cases.Recorded, req Request) (Event, error) {
	o, ok := opened.Data.(cases.CaseOpened)
	if !ok {
		return Event{}, fmt.Errorf("create: the first event is %s, not CaseOpened", opened.Type)
	}
	return r.write(ctx, req, "", Any, func() (Event, error) {
		return r.appendWith(ctx, uuid.NewString(), 0, req, func(ctx context.Context, tx *sql.Tx) (cases.Recorded, error) {
			if err := knowCitizen(ctx, tx, o.Citizen); err != nil {
				return cases.Recorded{}, err
			}
			ref, err := nextReference(ctx, tx, o.Office, o.OpenedOn.Year())
			opened := o
			opened.Reference = ref
			return cases.Recorded{Type: cases.CaseOpenedType, Data: opened}, err
		})
	})
}

// Update loads a case, lets decide produce one event from its current state
// and appends it. With expected = Any a lost race is re-decided on the new
// state until it succeeds or ctx ends; otherwise the case must be at expected
// or ErrConflict is returned, and nothing is written.
func (r *Repository) Update(ctx context.Context, id string, expected int64, req Request,
	decide func(c *cases.Case) (cases.Recorded, error)) (Event, error) {
	return r.write(ctx, req, id, expected, func() (Event, error) {
		c, err := r.Load(ctx, id)
		if err != nil {
			return Event{}, err
		}
		if expected != Any && c.Version != expected {
			return Event{}, fmt.Errorf("case %s is at version %d, not %d: %w", id, c.Version, expected, ErrConflict)
		}
		rec, err := decide(c)
		if err != nil {
			return Event{}, err
		}
		if cit, ok := cases.CorrectedCitizen(c, rec); ok {
			// The identity the citizen id is known by changes with the event, or not at all.
			return r.appendWith(ctx, id, c.Version, req, func(ctx context.Context, tx *sql.Tx) (cases.Recorded, error) {
				return rec, correctCitizen(ctx, tx, cit)
			})
		}
		return r.append(ctx, id, c.Version, req, rec)
	})
}

// write runs one attempt after another of a request until one is final.
//
// A request with a key that already recorded gets the first answer, before
// and after every attempt: retries of one request race, and the losers must
// get the winner's answer, not a conflict or "already recorded" from a state
// that already holds the winner's event. A lost race without a pinned
// version is decided again on the new state; an attempt that failed on the
// database is repeated once when it surely committed nothing.
func (r *Repository) write(ctx context.Context, req Request, id string, expected int64, attempt func() (Event, error)) (Event, error) {
	if e, ok, err := r.replay(ctx, req, id); ok || err != nil {
		return e, err
	}
	repeated := false
	for {
		e, err := attempt()
		if err == nil {
			return e, nil
		}
		if prev, ok, rerr := r.replay(ctx, req, id); ok || rerr != nil {
			return prev, rerr
		}
		switch {
		case errors.Is(err, ErrConflict) && expected == Any:
			if ctx.Err() != nil {
				return Event{}, fmt.Errorf("%w: gave up under contention: %w", ErrUnavailable, ctx.Err())
			}
			continue
		case eventstore.Unavailable(err) && !errors.Is(err, eventstore.ErrCommitUnknown) && !repeated && ctx.Err() == nil:
			repeated = true
			continue
		case eventstore.Unavailable(err):
			return Event{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		return Event{}, err
	}
}

// replay returns the event an earlier request with the same key recorded,
// if there was one: a retried request gets the first answer and records
// nothing, even where the case's state would now refuse it. The same key on
// another request is ErrKeyReused. id is the case of an Update, "" for Create.
func (r *Repository) replay(ctx context.Context, req Request, id string) (Event, bool, error) {
	if req.Key == "" {
		return Event{}, false, nil
	}
	k, err := Read(ctx, func() (eventstore.Keyed, error) { return r.store.FindKey(ctx, req.Actor, req.Key) })
	switch {
	case errors.Is(err, eventstore.ErrNotFound):
		return Event{}, false, nil
	case err != nil:
		return Event{}, false, err
	}
	same := k.RequestHash == req.RequestHash
	if k.RequestHash == "" {
		// Recorded before requests were hashed: the same kind of request on the same case.
		same = (id == "" && k.Event.Version == 1) || (id != "" && k.Event.StreamID == id && k.Event.Version > 1)
	}
	if !same {
		return Event{}, false, fmt.Errorf("the Idempotency-Key %q was first sent with another request (recorded as version %d of case %s): %w",
			req.Key, k.Event.Version, k.Event.StreamID, ErrKeyReused)
	}
	return eventOf(k.Event), true, nil
}

// Read runs a read, once more if the database failed it (caseport.Read,
// the one retry policy of reads).
func Read[T any](ctx context.Context, fn func() (T, error)) (T, error) { return caseport.Read(ctx, fn) }

// Load folds a case's events into its state: from its stored state and the
// events after it when the repository has snapshots (WithSnapshots).
func (r *Repository) Load(ctx context.Context, id string) (*cases.Case, error) {
	if c, ok := r.fromSnapshot(ctx, id); ok {
		return c, nil
	}
	return r.loadAll(ctx, id)
}

// fromSnapshot loads a case from its stored state and the events after it;
// false when that cannot be done and the whole stream must be read.
func (r *Repository) fromSnapshot(ctx context.Context, id string) (*cases.Case, bool) {
	if r.snapshots == nil {
		return nil, false
	}
	state, err := r.snapshots.CaseState(ctx, id)
	if err != nil || state == nil {
		return nil, false
	}
	c, err := cases.RestoreSnapshot(state)
	if err != nil || c.ID != id || c.Version <= 0 {
		return nil, false
	}
	after, err := Read(ctx, func() ([]eventstore.Event, error) { return r.store.LoadAfter(ctx, id, c.Version) })
	if err != nil {
		return nil, false
	}
	history := make([]cases.Event, len(after))
	for i, e := range after {
		if e.Version != c.Version+int64(i)+1 {
			return nil, false
		}
		history[i] = cases.Event{Type: cases.EventType(e.Type), Version: e.Version, Data: e.Data}
	}
	if err := c.Replay(history...); err != nil {
		return nil, false
	}
	return c, true
}

// loadAll folds all of a case's events into its state.
func (r *Repository) loadAll(ctx context.Context, id string) (*cases.Case, error) {
	events, err := r.Events(ctx, id)
	if err != nil {
		return nil, err
	}
	c := &cases.Case{ID: id}
	return c, replay(c, events)
}

// replay folds recorded events of c's stream into c (caseport.Replay).
func replay(c *cases.Case, events []Event) error { return caseport.Replay(c, events) }

// Office returns the office of the case whose history events are
// (caseport.Office).
func Office(events []Event) (office string, ok bool) { return caseport.Office(events) }

// Events returns a case's history.
func (r *Repository) Events(ctx context.Context, id string) ([]Event, error) {
	stored, err := Read(ctx, func() ([]eventstore.Event, error) { return r.store.Load(ctx, id) })
	if errors.Is(err, eventstore.ErrNotFound) {
		return nil, cases.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	events := make([]Event, len(stored))
	for i, e := range stored {
		events[i] = eventOf(e)
	}
	return events, nil
}

// KnownAt returns a case's history as it stood at the instant t: its events
// up to the first recorded after t (recorded_at, transaction time). Each
// version is appended after the one before it, so what follows the first
// event recorded after t was not there at t either. A case none of whose
// events were recorded by t is cases.ErrNotFound.
func (r *Repository) KnownAt(ctx context.Context, id string, t time.Time) ([]Event, error) {
	events, err := r.Events(ctx, id)
	if err != nil {
		return nil, err
	}
	for i, e := range events {
		if e.RecordedAt.After(t) {
			events = events[:i]
			break
		}
	}
	if len(events) == 0 {
		return nil, cases.ErrNotFound
	}
	return events, nil
}

// LoadKnownAt folds the events of a case known at t (KnownAt) into its
// state: the case as the office knew it then, through the one fold.
func (r *Repository) LoadKnownAt(ctx context.Context, id string, t time.Time) (*cases.Case, error) {
	events, err := r.KnownAt(ctx, id, t)
	if err != nil {
		return nil, err
	}
	c := &cases.Case{ID: id}
	return c, replay(c, events)
}

// appendWith appends the event prepare decides in the transaction where
// prepare writes what must change with it.
func (r *Repository) appendWith(ctx context.Context, id string, expected int64, req Request,
	prepare func(ctx context.Context, tx *sql.Tx) (cases.Recorded, error)) (Event, error) {
	events, err := r.store.AppendWith(ctx, id, expected, metadata(req), func(ctx context.Context, tx *sql.Tx) (eventstore.NewEvent, error) {
		rec, err := prepare(ctx, tx)
		if err != nil {
			return eventstore.NewEvent{}, err
		}
		data, err := json.Marshal(rec.Data)
		return eventstore.NewEvent{Type: string(rec.Type), Data: data}, err
	})
	if err != nil {
		return Event{}, err
	}
	return eventOf(events[0]), nil
}

func (r *Repository) append(ctx context.Context, id string, expected int64, req Request, rec cases.Recorded) (Event, error) {
	data, err := json.Marshal(rec.Data)
	if err != nil {
		return Event{}, err
	}
	events, err := r.store.Append(ctx, id, expected, metadata(req), eventstore.NewEvent{Type: string(rec.Type), Data: data})
	if err != nil {
		return Event{}, err
	}
	return eventOf(events[0]), nil
}
