package feed

import (
	"context"
	"testing"
	"time"

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
)

// BenchmarkCatchUp: the forwarder publishes a backlog of 12 000 events (4 000
// cases) on PostgreSQL to JetStream, as after a NATS outage; figures in
// docs/PERFORMANCE.md. Run with
//
//	CI=true go test ./internal/feed -run '^$' -bench CatchUp -benchtime 1x
func BenchmarkCatchUp(b *testing.B) {
	url := testdb.NATSURL(b)
	db := testdb.Postgres(b)
	store := eventstore.NewSQLStore(db.SQL, db.Dialect)
	burst(b, store, 8, 500)
	stored, err := store.CountAfter(context.Background(), eventstore.Start)
	if err != nil {
		b.Fatal(err)
	}
	cfg := Config{URL: url, Stream: "LHUTA_BENCH_CATCHUP", Subject: "lhuta.benchcatchup"}
	f := New(db, cfg, quiet)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	start := time.Now()
	go func() { defer close(done); _ = f.Run(ctx) }()
	for {
		c, err := f.offset(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if n, _ := store.CountAfter(context.Background(), c); n == 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	elapsed := time.Since(start)
	stop()
	<-done
	b.ReportMetric(float64(stored)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(stored), "events")
	testConfigCleanup(url, cfg.Stream)
}
