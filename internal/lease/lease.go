// Package lease makes one lhuta instance of many the one that projects: it
// holds a PostgreSQL session-level advisory lock on a connection of its own,
// outside the pool, for as long as that connection lives. When the instance
// dies its session ends, PostgreSQL releases the lock, and a standby takes it
// at its next try. On SQLite, which one process serves, the lease is always held.
package lease

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/lhuta/lhuta/eventstore"
)

// Lease is one named lease on one database.
type Lease struct {
	db   *eventstore.DB
	name string
	key  int64
	log  *slog.Logger
	held atomic.Bool

	// Interval is how often a standby tries to take the lease and how often
	// the holder checks that its connection, and so the lock, is alive: a
	// dead holder is replaced within about one Interval of its session ending.
	Interval time.Duration
	// CheckTimeout bounds one check of the holder's connection; past it the
	// holder gives the lease up (it closes the connection, so the server
	// releases the lock).
	CheckTimeout time.Duration
}

// New returns the lease called name on db (the lock's key is derived from
// the name; advisory locks are per database, so two databases on one server
// never share a lease).
func New(db *eventstore.DB, name string, log *slog.Logger) *Lease {
	h := fnv.New64a()
	_, _ = h.Write([]byte("lhuta lease " + name)) // a hash.Hash never fails to write
	l := &Lease{db: db, name: name, key: int64(h.Sum64()), log: log, Interval: time.Second, CheckTimeout: 2 * time.Second}
	if db.Dialect.Name != eventstore.Postgres.Name {
		l.held.Store(true)
	}
	return l
}

// Held reports whether this process holds the lease now.
func (l *Lease) Held() bool { return l.held.Load() }

// Run holds the lease whenever it can and runs work while it does; work's
// context is cancelled when the lease is lost or ctx ends, and Run waits
// for work to return before it lets the lease go. Run returns when ctx ends.
func (l *Lease) Run(ctx context.Context, work func(ctx context.Context)) error {
	if l.db.Dialect.Name != eventstore.Postgres.Name {
		work(ctx)
		return nil
	}
	for ctx.Err() == nil {
		if err := l.holdOnce(ctx, work); err != nil && ctx.Err() == nil {
			l.log.Warn("lease: cannot reach the database; retrying", "lease", l.name, "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(l.Interval):
		}
	}
	return nil
}

// holdOnce opens the lease's own connection, waits until it takes the lock,
// runs work while the connection stays alive, and closes the connection.
func (l *Lease) holdOnce(ctx context.Context, work func(ctx context.Context)) error {
	conn, err := l.connect(ctx)
	if err != nil {
		return err
	}
	// Closing the connection ends the session, which releases the lock
	// whatever state the connection is in: the lock never outlives it.
	defer func() {
		closing, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = conn.Close(closing)
	}()
	for {
		var got bool
		try, cancel := context.WithTimeout(ctx, l.CheckTimeout)
		err := conn.QueryRow(try, `SELECT pg_try_advisory_lock($1)`, l.key).Scan(&got)
		cancel()
		if err != nil {
			return err
		}
		if got {
			break
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(l.Interval):
		}
	}
	l.log.Info("lease taken: this instance projects", "lease", l.name)
	l.held.Store(true)
	workCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); work(workCtx) }()
	defer func() {
		stop()
		<-done
		l.held.Store(false)
	}()
	for {
		select {
		case <-ctx.Done():
			l.log.Info("lease released", "lease", l.name)
			return nil
		case <-done:
			return errors.New("the work under the lease stopped")
		case <-time.After(l.Interval):
		}
		check, cancel := context.WithTimeout(ctx, l.CheckTimeout)
		err := conn.Ping(check)
		cancel()
		if err != nil && ctx.Err() == nil {
			l.log.Error("lease lost: its connection failed; this instance stops projecting", "lease", l.name, "err", err)
			return nil
		}
	}
}

// connect opens a connection of the lease's own with the pool's settings:
// a session lock on a pooled connection would go back to the pool with it.
func (l *Lease) connect(ctx context.Context) (*pgx.Conn, error) {
	c, err := l.db.SQL.Conn(ctx)
	if err != nil {
		return nil, err
	}
	var cfg *pgx.ConnConfig
	err = c.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("lease: unexpected driver connection %T", dc)
		}
		cfg = sc.Conn().Config().Copy()
		return nil
	})
	_ = c.Close()
	if err != nil {
		return nil, err
	}
	cfg.RuntimeParams["application_name"] = "lhuta lease " + l.name
	return pgx.ConnectConfig(ctx, cfg)
}
