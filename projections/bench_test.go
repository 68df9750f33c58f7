package projections_test

import (
	"context"
	"testing"

	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/projections"
)

// BenchmarkRebuild folds a log of 5 000 cases (12 500 events) into empty
// read models and reports events per second; docs/PERFORMANCE.md has the results.
func BenchmarkRebuild(b *testing.B) {
	for _, backend := range testdb.Backends {
		b.Run(backend, func(b *testing.B) {
			db := testdb.Open(b, backend)
			seedCases(b, db, 5000)
			b.ResetTimer()
			var n int64
			for range b.N {
				var err error
				if n, err = projections.Rebuild(context.Background(), db, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*int64(b.N))/b.Elapsed().Seconds(), "events/s")
		})
	}
}
