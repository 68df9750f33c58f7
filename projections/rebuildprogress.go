package projections

import (
	"context"
	"time"

	"github.com/lhuta/lhuta/eventstore"
)

// progressEvery is how often a rebuild writes its progress at most.
var progressEvery = 2 * time.Second

// progressWriter keeps a rebuild's row of rebuild_progress. Writing it is
// best effort: a failure leaves the figures older, never the rebuild failed.
type progressWriter struct {
	db      *eventstore.DB
	gen     int64
	started time.Time
	last    time.Time
}

func startProgress(ctx context.Context, db *eventstore.DB, gen, total int64) *progressWriter {
	w := &progressWriter{db: db, gen: gen, started: time.Now()}
	// Only one rebuild runs at a time (lockRebuild): any other row was left
	// by one that was killed.
	_, _ = db.SQL.ExecContext(ctx, `DELETE FROM rebuild_progress`)
	_, _ = db.SQL.ExecContext(ctx, `INSERT INTO rebuild_progress (generation, events_done, events_total, started_at, updated_at)
		VALUES ($1, 0, $2, $3, $3)`, gen, total, w.started.Unix())
	w.last = w.started
	return w
}

// report writes done of total if the last write is progressEvery old.
func (w *progressWriter) report(ctx context.Context, done, total int64) {
	now := time.Now()
	if now.Sub(w.last) < progressEvery {
		return
	}
	w.last = now
	_, _ = w.db.SQL.ExecContext(ctx, `UPDATE rebuild_progress SET events_done = $1, events_total = $2, updated_at = $3
		WHERE generation = $4`, done, total, now.Unix(), w.gen)
}

// stop deletes the row: the rebuild is over, done or not.
func (w *progressWriter) stop(ctx context.Context) {
	_, _ = w.db.SQL.ExecContext(context.WithoutCancel(ctx), `DELETE FROM rebuild_progress WHERE generation = $1`, w.gen)
}
