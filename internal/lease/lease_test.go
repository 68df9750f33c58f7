package lease

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
)

// running is one lease's Run in the background, counting who works.
type running struct {
	lease   *Lease
	stop    context.CancelFunc
	done    chan struct{}
	working atomic.Int32
}

func start(t *testing.T, db *eventstore.DB, workers *atomic.Int32, most *atomic.Int32) *running {
	t.Helper()
	l := New(db, "test", slog.New(slog.DiscardHandler))
	l.Interval, l.CheckTimeout = 50*time.Millisecond, time.Second
	ctx, stop := context.WithCancel(context.Background())
	r := &running{lease: l, stop: stop, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		_ = l.Run(ctx, func(ctx context.Context) {
			n := workers.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			r.working.Store(1)
			<-ctx.Done()
			r.working.Store(0)
			workers.Add(-1)
		})
	}()
	t.Cleanup(func() { stop(); <-r.done })
	return r
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within 10 s", what)
		}
	}
}

// Three contenders on one database: one works at a time; when the holder's
// connection is killed by the server, the holder gives the work up and
// another takes over; when the holder stops, another takes over after its
// work has ended.
func TestOneHolderAtATimeAndTakeOver(t *testing.T) {
	db := testdb.Postgres(t)
	var workers, most atomic.Int32
	rs := []*running{start(t, db, &workers, &most), start(t, db, &workers, &most), start(t, db, &workers, &most)}
	holder := func() *running {
		for _, r := range rs {
			if r.working.Load() == 1 && r.lease.Held() {
				return r
			}
		}
		return nil
	}
	waitUntil(t, "a lease taken", func() bool { return holder() != nil })
	first := holder()
	time.Sleep(300 * time.Millisecond) // the others keep trying meanwhile
	if m := most.Load(); m != 1 {
		t.Errorf("%d contenders worked at once", m)
	}

	// The holder's session is killed (a network cut, a DBA): it notices at
	// its next check and stops working; another takes the lease.
	if _, err := db.SQL.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = 'lhuta lease test' AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)
		AND datname = current_database()`); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the first holder giving up", func() bool { return first.working.Load() == 0 && !first.lease.Held() })
	waitUntil(t, "a take-over", func() bool { h := holder(); return h != nil })
	second := holder()
	// A killed holder learns it only at its next check: until then its work
	// may overlap the new holder's (the pipeline's row lock covers that).
	waitUntil(t, "one worker", func() bool { return workers.Load() == 1 })
	most.Store(1)

	// The holder stops (a shutdown): another takes the lease.
	second.stop()
	<-second.done
	waitUntil(t, "a second take-over", func() bool { h := holder(); return h != nil && h != second })
	if m := most.Load(); m != 1 {
		t.Errorf("%d contenders worked at once", m)
	}
}

// On SQLite one process serves: the lease is held from the start.
func TestSQLiteLeaseIsHeld(t *testing.T) {
	l := New(testdb.SQLite(t), "test", slog.New(slog.DiscardHandler))
	if !l.Held() {
		t.Fatal("the SQLite lease is not held")
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() {
		_ = l.Run(ctx, func(ctx context.Context) { close(ran); <-ctx.Done() })
	}()
	<-ran
	cancel()
}
