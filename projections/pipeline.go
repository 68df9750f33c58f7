package projections

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/money"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/projections/views"
)

// Group is the consumer group of the read models in projection_offsets.
const Group = "read_models"

// Pipeline follows the event log and folds it into the live read models,
// a page of the log per transaction. The transaction locks the group's
// offset row first and reads the page through the store's log reader
// (commit-safe order), so two instances, or an instance and a rebuild's
// switch-over, never project the same events at once, and always take
// locks in the same order. lhuta serve runs it only on the instance that
// holds the projection's lease (internal/lease), so among several instances
// one projects and the others wait; the row lock is what keeps the read
// models right if an old holder overlaps the new one for a moment.
type Pipeline struct {
	db    *eventstore.DB
	store *eventstore.SQLStore
	log   *slog.Logger
	nudge chan struct{}
	fault func(page []eventstore.Event) error

	// PollInterval is how long the pipeline waits for new events when it
	// is not nudged: it is what another lhuta instance's writes cost in lag.
	PollInterval time.Duration
	// BatchSize is how many events one transaction folds at most.
	BatchSize int
	// Gather is how long the pipeline waits after a nudge before it reads,
	// once pages hold more than one event: under load one page then folds
	// the writes of many requests, while a lone write is folded at once.
	Gather time.Duration

	running atomic.Bool
	failing atomic.Bool

	// reads and readStore are where Checkpoint, Includes and WaitFor look:
	// the primary, or a streaming replica (see ReadFrom).
	reads     *sql.DB
	readStore *eventstore.SQLStore

	// money is what payment rows are computed with; rolled is the day of
	// the last finished roll (paymentrows.go).
	money     *moneyTerms
	rolled    calendar.Date
	rollFault func(ids []string) error
	rollChunk int // cases per transaction of the roll (0: rollChunk)
}

// New returns a pipeline that projects db's log into its read models.
func New(db *eventstore.DB, log *slog.Logger, opts ...Option) *Pipeline {
	return &Pipeline{
		money:        newMoneyTerms(opts),
		db:           db,
		store:        db.Store(),
		log:          log,
		nudge:        make(chan struct{}, 1),
		PollInterval: 200 * time.Millisecond,
		BatchSize:    500,
		Gather:       5 * time.Millisecond,
		reads:        db.SQL,
		readStore:    db.Store(),
	}
}

// ReadFrom makes Checkpoint, Includes and WaitFor read the read models'
// offset and the log on replica, a PostgreSQL streaming replica of db that
// queries are sent to: a query that waits for min_position then waits
// until the replica has replayed the read models up to it. The offset row
// and the events it covers reach the replica in the same WAL, in order.
func (p *Pipeline) ReadFrom(replica *eventstore.DB) *Pipeline {
	p.reads, p.readStore = replica.SQL, eventstore.NewSQLStore(replica.SQL, replica.Dialect)
	return p
}

// WithOffices sets the offices' payment terms the payment rows and the
// reminders' plan use (nil: the built-in ones), as UsingOffices does; a
// rebuild must be given the same (UsingOffices).
func (p *Pipeline) WithOffices(o *money.Offices) *Pipeline {
	p.money.offices = o
	return p
}

// WithFault makes the pipeline call fault with each page after folding it
// and before committing; an error aborts the page's transaction, as a
// process dying there would (for tests).
func (p *Pipeline) WithFault(fault func(page []eventstore.Event) error) *Pipeline {
	p.fault = fault
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

// Run projects events until ctx is cancelled.
func (p *Pipeline) Run(ctx context.Context) error {
	p.running.Store(true)
	defer p.running.Store(false)
	last := 0
	for {
		p.maybeRoll(ctx)
		n, err := p.step(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if n > 0 {
			last = n
		}
		wait := time.Duration(0)
		switch {
		case err != nil:
			p.failing.Store(true)
			p.log.Error("projection failed; retrying", "err", err)
			wait = time.Second
		case n == 0:
			p.failing.Store(false)
			wait = p.PollInterval
		default:
			p.failing.Store(false)
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-p.nudge:
			if last > 1 {
				time.Sleep(p.Gather)
			}
		case <-time.After(wait):
		}
	}
}

// step folds the next page of the log, if any, and returns how many events
// it folded. The page is read under the lock of the group's offset row.
func (p *Pipeline) step(ctx context.Context) (int, error) {
	var page []eventstore.Event
	err := eventstore.InTx(ctx, p.db.SQL, func(tx *sql.Tx) error {
		from, err := lockOffset(ctx, tx, p.db.Dialect)
		if err != nil {
			return err
		}
		if page, err = p.store.ReadLogIn(ctx, tx, from, p.BatchSize); err != nil || len(page) == 0 {
			return err
		}
		m, err := ownGeneration(ctx, tx)
		if err != nil {
			return err
		}
		if err := (projector{dialect: p.db.Dialect, store: p.store, gen: m.generation, money: p.money}).apply(ctx, tx, page); err != nil {
			return err
		}
		if p.fault != nil {
			if err := p.fault(page); err != nil {
				return err
			}
		}
		return setOffset(ctx, tx, p.db.Dialect, page[len(page)-1].Cursor)
	})
	if err != nil && len(page) > 0 {
		return 0, fmt.Errorf("project events %d…%d: %w", page[0].Position, page[len(page)-1].Position, err)
	}
	return len(page), err
}

// lockOffset reads the group's offset and locks its row until tx ends
// (SQLite's write transaction holds the whole database already).
func lockOffset(ctx context.Context, tx *sql.Tx, d eventstore.Dialect) (eventstore.Cursor, error) {
	lock := ""
	if d.Name == eventstore.Postgres.Name {
		lock = " FOR UPDATE"
	}
	return readOffset(ctx, tx, d, lock)
}

func readOffset(ctx context.Context, q querier, d eventstore.Dialect, suffix string) (eventstore.Cursor, error) {
	var c eventstore.Cursor
	err := q.QueryRowContext(ctx, `SELECT offset_acked, `+d.TxNumber("last_processed_transaction_id")+`
		FROM projection_offsets WHERE consumer_group = $1`+suffix, Group).Scan(&c.Position, &c.Tx)
	if errors.Is(err, sql.ErrNoRows) {
		return eventstore.Start, nil
	}
	return c, err
}

// setOffset records that the read models include the log up to c.
func setOffset(ctx context.Context, q querier, d eventstore.Dialect, c eventstore.Cursor) error {
	_, err := q.ExecContext(ctx, `INSERT INTO projection_offsets (consumer_group, offset_acked, last_processed_transaction_id)
		VALUES ($1, $2, `+d.Xid("$3")+`) ON CONFLICT (consumer_group) DO UPDATE
		SET offset_acked = excluded.offset_acked, last_processed_transaction_id = excluded.last_processed_transaction_id`,
		Group, c.Position, fmt.Sprint(c.Tx))
	return err
}

// Checkpoint returns how far the read models that queries read (those on
// the replica, with ReadFrom) have got in the log.
func (p *Pipeline) Checkpoint(ctx context.Context) (eventstore.Cursor, error) {
	return readOffset(ctx, p.reads, p.db.Dialect, "")
}

// Includes reports whether the read models include the event at position.
func (p *Pipeline) Includes(ctx context.Context, position int64) (bool, error) {
	c, err := p.Checkpoint(ctx)
	if err != nil {
		return false, err
	}
	return p.readStore.Includes(ctx, c, position)
}

// WaitFor waits until the read models include the event at position, or
// returns views.ErrNotYet after timeout.
func (p *Pipeline) WaitFor(ctx context.Context, position int64, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		ok, err := p.Includes(ctx, position)
		switch {
		case ok:
			return nil
		case ctx.Err() != nil:
			return views.ErrNotYet
		case err != nil:
			return err
		}
		select {
		case <-ctx.Done():
			return views.ErrNotYet
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// views.Lag measures how far the read models are behind the log, on the primary.
func (p *Pipeline) Lag(ctx context.Context) (views.Lag, error) {
	c, err := readOffset(ctx, p.db.SQL, p.db.Dialect, "")
	if err != nil {
		return views.Lag{}, err
	}
	l := views.Lag{Position: c.Position, Failing: p.failing.Load()}
	if l.Events, err = p.store.CountAfter(ctx, c); err != nil || l.Events == 0 {
		return l, err
	}
	next, err := p.store.ReadLog(ctx, c, 1)
	if err != nil || len(next) == 0 {
		return l, err
	}
	l.Seconds = time.Since(next[0].RecordedAt).Seconds()
	return l, nil
}
