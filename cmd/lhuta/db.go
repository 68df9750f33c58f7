package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/lhuta/lhuta/eventstore"
)

// startupWait bounds how long lhuta waits at start for a database that
// cannot be reached yet (a PostgreSQL starting beside it, say).
const startupWait = time.Minute

// openDB opens the database, retrying with backoff for up to startupWait
// while it is unreachable; any other error (a wrong password, a bad URL)
// ends at once.
func openDB(ctx context.Context, c config, log *slog.Logger) (*eventstore.DB, error) {
	deadline := time.Now().Add(startupWait)
	for wait := 500 * time.Millisecond; ; wait = min(2*wait, 8*time.Second) {
		db, err := eventstore.OpenWith(ctx, c.dataDir, c.databaseURL, eventstore.Options{Synchronous: c.synchronous})
		if err == nil || !eventstore.Unavailable(err) || time.Now().Add(wait).After(deadline) {
			return db, err
		}
		log.Warn("the database cannot be reached yet; retrying", "err", err, "in", wait.String())
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(wait):
		}
	}
}
