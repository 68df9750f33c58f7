package projections_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/projections"
	"github.com/lhuta/lhuta/projections/views"
)

// A rebuild that is cancelled half-way leaves the live read models as they
// were and answering; the next rebuild succeeds and ends equal to them.
func TestCancelledRebuildLeavesTheLiveReadModelsAndASecondRunSucceeds(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		seedCases(t, db, 3000)
		rebuild(t, db)
		before := snapshot(t, db.SQL)
		ctx, cancel := context.WithCancel(context.Background())
		_, err := projections.Rebuild(ctx, db, func(done, _ int64) {
			if done > 0 {
				cancel()
			}
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("a cancelled rebuild answered %v, want context.Canceled", err)
		}
		if after := snapshot(t, db.SQL); !reflect.DeepEqual(before, after) {
			t.Fatal("a cancelled rebuild changed the live read models")
		}
		if _, err := projections.Rebuild(context.Background(), db, nil); err != nil {
			t.Fatalf("the rebuild after a cancelled one: %v", err)
		}
		if after := snapshot(t, db.SQL); !reflect.DeepEqual(before, after) {
			t.Fatal("a rebuild of an unchanged log changed the read models")
		}
		equalToARebuild(t, db, "check after the rebuild")
	})
}

// A rebuild runs while the service projects and writes: queries answer
// from the live tables throughout, writes go on, nothing deadlocks, and at
// the end the read models equal a fresh rebuild and hold every event.
func TestRebuildWhileTheServiceWritesAndReads(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		seedCases(t, db, 2000)
		rebuild(t, db)
		p := projections.New(db, quiet)
		stop := testdb.RunPipeline(t, p)
		reader := views.NewReader(db.SQL)
		ctx, cancel := context.WithCancel(context.Background())
		var (
			wg                sync.WaitGroup
			queries, failures atomic.Int64
			last              atomic.Int64
		)
		wg.Add(2)
		go func() { // a writer
			defer wg.Done()
			for ctx.Err() == nil {
				last.Store(seedCases(t, db, 1))
				p.Nudge()
			}
		}()
		go func() { // a compliance officer
			defer wg.Done()
			for ctx.Err() == nil {
				items, _, err := reader.Obligations(context.Background(), views.ObligationFilter{
					AsOf: calendar.NewDate(2026, 6, 1), Limit: 50})
				queries.Add(1)
				if err != nil || len(items) == 0 {
					failures.Add(1)
					t.Errorf("a query during the rebuild: %v, %d items", err, len(items))
				}
			}
		}()
		for range 2 {
			if _, err := projections.Rebuild(context.Background(), db, nil); err != nil {
				t.Errorf("rebuild beside the service: %v", err)
			}
		}
		cancel()
		wg.Wait()
		if err := p.WaitFor(context.Background(), last.Load(), 20*time.Second); err != nil {
			t.Fatal(err)
		}
		stop()
		if queries.Load() == 0 || failures.Load() != 0 {
			t.Fatalf("%d queries during the rebuilds, %d failed", queries.Load(), failures.Load())
		}
		equalToARebuild(t, db, "after rebuilds beside the service")
	})
}

// Two rebuilds of one database at once: the second is refused, clearly.
func TestASecondRebuildAtOnceIsRefused(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		seedCases(t, db, 2000)
		started, release := make(chan struct{}), make(chan struct{})
		done := make(chan error, 1)
		go func() {
			var once sync.Once
			_, err := projections.Rebuild(context.Background(), db, func(int64, int64) {
				once.Do(func() { close(started); <-release })
			})
			done <- err
		}()
		<-started
		_, err := projections.Rebuild(context.Background(), db, nil)
		close(release)
		if !errors.Is(err, projections.ErrRebuildRunning) {
			t.Errorf("a second rebuild at once answered %v, want ErrRebuildRunning", err)
		}
		if err := <-done; err != nil {
			t.Fatalf("the first rebuild: %v", err)
		}
	})
}

// A rebuild loads bare tables and adds their keys and indexes at the end;
// the generation it leaves must have exactly the keys and indexes of one
// created whole (projections.Prepare), on both backends.
func TestARebuiltGenerationHasTheKeysAndIndexesOfACreatedOne(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		if err := projections.Prepare(ctx, db); err != nil {
			t.Fatal(err)
		}
		created := generationIndexes(t, db)
		if len(created) < 20 {
			t.Fatalf("only %d keys and indexes in a created generation: %v", len(created), created)
		}
		if _, err := projections.Rebuild(ctx, db, nil); err != nil {
			t.Fatal(err)
		}
		if rebuilt := generationIndexes(t, db); !slices.Equal(rebuilt, created) {
			t.Fatalf("a rebuilt generation's keys and indexes\n%v\ndiffer from a created one's\n%v", rebuilt, created)
		}
	})
}

// generationIndexes lists the live generation's keys and indexes, with the
// generation's number taken out of their names and definitions.
func generationIndexes(t *testing.T, db *eventstore.DB) []string {
	t.Helper()
	var gen int64
	if err := db.SQL.QueryRow(`SELECT generation FROM read_model_generation`).Scan(&gen); err != nil {
		t.Fatal(err)
	}
	q := `SELECT indexname || ': ' || indexdef FROM pg_indexes WHERE tablename LIKE $1`
	if db.Dialect.Name != eventstore.Postgres.Name {
		q = `SELECT name || ': ' || COALESCE(sql, 'key') FROM sqlite_master WHERE type = 'index' AND tbl_name LIKE $1`
	}
	rows, err := db.SQL.Query(q, fmt.Sprintf("%%_g%d", gen))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.ReplaceAll(s, fmt.Sprintf("_g%d", gen), "_g*"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}
