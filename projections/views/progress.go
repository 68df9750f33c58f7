package views

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// RebuildProgress is how far a running rebuild (or check) has come, as it
// last wrote to the table rebuild_progress: `lhuta rebuild` runs in a
// process of its own, so the serving process's /metrics reads it from there.
type RebuildProgress struct {
	Generation  int64
	Done, Total int64
	Started     time.Time
	Updated     time.Time
}

// ReadRebuildProgress returns the progress of the rebuild running on the
// database, and false when none is.
func ReadRebuildProgress(ctx context.Context, db *sql.DB) (RebuildProgress, bool, error) {
	var (
		p                RebuildProgress
		started, updated int64
	)
	err := db.QueryRowContext(ctx, `SELECT generation, events_done, events_total, started_at, updated_at
		FROM rebuild_progress ORDER BY generation DESC LIMIT 1`).Scan(&p.Generation, &p.Done, &p.Total, &started, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return RebuildProgress{}, false, nil
	}
	if err != nil {
		return RebuildProgress{}, false, err
	}
	p.Started, p.Updated = time.Unix(started, 0), time.Unix(updated, 0)
	return p, true, nil
}

// ErrNotYet is returned by the pipeline's WaitFor when the read models have not caught up in time.
var ErrNotYet = errors.New("read models have not caught up yet")

// Lag is how far the read models are behind the log.
type Lag struct {
	// Position is the position of the last event folded.
	Position int64
	// Events is how many events of the log are not folded yet.
	Events int64
	// Seconds is how long ago the oldest of them was recorded (0 if none).
	Seconds float64
	// Failing reports that the last page failed and is being retried.
	Failing bool
}
