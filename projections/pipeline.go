package projections

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wsql "github.com/ThreeDotsLabs/watermill-sql/v3/pkg/sql"

	"github.com/lhuta/lhuta/eventstore"
)

// Group is the consumer group of the read models.
const Group = "read_models"

// Handler folds one event into read models inside the subscriber's transaction.
type Handler func(ctx context.Context, tx *sql.Tx, e eventstore.Event) error

// ErrNotYet is returned by WaitFor when the read models have not caught up in time.
var ErrNotYet = errors.New("read models have not caught up yet")

// Pipeline delivers the event log to the read models.
type Pipeline struct {
	db     *eventstore.DB
	store  *eventstore.SQLStore
	handle Handler
	log    *slog.Logger
	nudge  chan struct{}

	// PollInterval is how long the subscriber waits for new events when it
	// is not nudged: it is what another lhuta instance's writes cost in lag.
	PollInterval time.Duration
	// BatchSize is how many events one subscriber transaction reads at most.
	BatchSize int

	running atomic.Bool
	failing atomic.Bool
}

// New returns a pipeline that projects into db's read models.
func New(db *eventstore.DB, log *slog.Logger) *Pipeline {
	return &Pipeline{
		db:    db,
		store: eventstore.NewSQLStore(db.SQL, db.Dialect),
		handle: func(ctx context.Context, tx *sql.Tx, e eventstore.Event) error {
			return Project(ctx, tx, db.Dialect, e)
		},
		log:          log,
		nudge:        make(chan struct{}, 1),
		PollInterval: 200 * time.Millisecond,
		BatchSize:    100,
	}
}

// WithHandler replaces what the pipeline does with each event (for tests
// that kill a projection half-way).
func (p *Pipeline) WithHandler(h Handler) *Pipeline {
	p.handle = h
	return p
}

// Nudge tells the pipeline that events were appended, so it reads them now
// instead of at its next poll.
func (p *Pipeline) Nudge() {
	select {
	case p.nudge <- struct{}{}:
	default:
	}
}

// Running reports whether the pipeline is delivering events without errors.
func (p *Pipeline) Running() bool { return p.running.Load() && !p.failing.Load() }

// Run delivers events until ctx is cancelled.
func (p *Pipeline) Run(ctx context.Context) error {
	// A failing event is retried within its batch's transaction, which on
	// PostgreSQL holds back every reader of the log: give up on the batch
	// after ackDeadline and start over with a fresh transaction.
	ackDeadline := 2 * time.Second
	sub, err := wsql.NewSubscriber(p.db.SQL, wsql.SubscriberConfig{
		ConsumerGroup:  Group,
		AckDeadline:    &ackDeadline,
		ResendInterval: 250 * time.Millisecond,
		BackoffManager: &wakeOnNudge{nudge: p.nudge, poll: p.PollInterval, retry: time.Second},
		SchemaAdapter:  logSchema{dialect: p.db.Dialect, batchSize: p.BatchSize},
		OffsetsAdapter: offsets{dialect: p.db.Dialect},
	}, watermill.NewSlogLogger(p.log.With("component", "watermill")))
	if err != nil {
		return err
	}
	defer func() { _ = sub.Close() }()
	messages, err := sub.Subscribe(ctx, topic)
	if err != nil {
		return fmt.Errorf("subscribe to the event log: %w", err)
	}
	p.running.Store(true)
	defer p.running.Store(false)
	for msg := range messages {
		if err := p.deliver(msg.Context(), msg.Payload); err != nil {
			p.failing.Store(true)
			p.log.Error("projection failed; retrying", "err", err, "message", msg.UUID)
			msg.Nack()
			continue
		}
		p.failing.Store(false)
		msg.Ack()
	}
	return nil
}

// deliver projects one event inside a savepoint of the subscriber's
// transaction, so that a failed event leaves the batch usable (PostgreSQL
// aborts a transaction on error) and nothing half-written behind.
func (p *Pipeline) deliver(ctx context.Context, payload []byte) error {
	tx, ok := wsql.TxFromContext(ctx)
	if !ok {
		return errors.New("no subscriber transaction in the message context")
	}
	var e eventstore.Event
	if err := json.Unmarshal(payload, &e); err != nil {
		return fmt.Errorf("read event: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "SAVEPOINT project"); err != nil {
		return err
	}
	if err := p.handle(ctx, tx, e); err != nil {
		_, _ = tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT project")
		return fmt.Errorf("project event %d (%s of %s): %w", e.Position, e.Type, e.StreamID, err)
	}
	_, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT project")
	return err
}

// Checkpoint returns how far the read models have got in the log.
func (p *Pipeline) Checkpoint(ctx context.Context) (eventstore.Cursor, error) {
	var c eventstore.Cursor
	err := p.db.SQL.QueryRowContext(ctx, `SELECT offset_acked, `+p.db.Dialect.TxNumber("last_processed_transaction_id")+`
		FROM projection_offsets WHERE consumer_group = $1`, Group).Scan(&c.Position, &c.Tx)
	if errors.Is(err, sql.ErrNoRows) {
		return eventstore.Start, nil
	}
	return c, err
}

// Includes reports whether the read models include the event at position.
func (p *Pipeline) Includes(ctx context.Context, position int64) (bool, error) {
	c, err := p.Checkpoint(ctx)
	if err != nil {
		return false, err
	}
	return p.store.Includes(ctx, c, position)
}

// WaitFor waits until the read models include the event at position, or
// returns ErrNotYet after timeout.
func (p *Pipeline) WaitFor(ctx context.Context, position int64, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		ok, err := p.Includes(ctx, position)
		switch {
		case ok:
			return nil
		case ctx.Err() != nil:
			return ErrNotYet
		case err != nil:
			return err
		}
		select {
		case <-ctx.Done():
			return ErrNotYet
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// wakeOnNudge is a watermill-sql BackoffManager that, when the log has
// nothing new, waits for a nudge from this process's appends or the poll
// interval, whichever comes first: writes here are projected at once, and
// writes of other instances within one poll interval.
type wakeOnNudge struct {
	nudge       <-chan struct{}
	poll, retry time.Duration
}

func (w *wakeOnNudge) HandleError(log watermill.LoggerAdapter, noMsg bool, err error) time.Duration {
	if err != nil {
		log.Error("reading the event log failed", err, nil)
		return w.retry
	}
	if noMsg {
		select {
		case <-w.nudge:
		case <-time.After(w.poll):
		}
	}
	return 0
}
