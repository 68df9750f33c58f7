package projections_test

import (
	"context"
	"testing"

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/projections"
	"github.com/lhuta/lhuta/projections/views"
)

// A rebuild writes how far it has come where another process can read it,
// replaces a row left by a rebuild that was killed, and leaves none.
func TestRebuildWritesItsProgressForOtherProcesses(t *testing.T) {
	t.Cleanup(projections.WriteProgressEvery(0)) // after the parallel subtests
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		seedCases(t, db, 40)
		// What a rebuild killed mid-way leaves.
		if _, err := db.SQL.Exec(`INSERT INTO rebuild_progress (generation, events_done, events_total, started_at, updated_at)
			VALUES (99, 5, 10, 1, 1)`); err != nil {
			t.Fatal(err)
		}
		var reports, seen int
		n, err := projections.Rebuild(ctx, db, func(done, total int64) {
			reports++
			p, running, err := views.ReadRebuildProgress(ctx, db.SQL)
			if err != nil || !running {
				t.Fatalf("during the rebuild: running %v, %v", running, err)
			}
			if p.Generation == 99 || p.Total != total || p.Done > done || p.Started.IsZero() || p.Updated.Before(p.Started) {
				t.Fatalf("reported %d of %d, the database has %+v", done, total, p)
			}
			if p.Done == done && done > 0 {
				seen++
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 || reports == 0 || seen == 0 {
			t.Fatalf("rebuild of %d events: %d reports, %d of them read back with their count", n, reports, seen)
		}
		if p, running, err := views.ReadRebuildProgress(ctx, db.SQL); err != nil || running {
			t.Fatalf("after the rebuild: %+v running %v, %v", p, running, err)
		}
	})
}
