package eventstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
)

// BenchmarkSQLiteSequentialAppend measures what synchronous=FULL (the WAL is
// synced at every commit) costs against NORMAL: one writer appending one
// event per transaction, as a clerk's requests do. Figures: docs/RELIABILITY.md.
func BenchmarkSQLiteSequentialAppend(b *testing.B) {
	for _, sync := range []string{"FULL", "NORMAL"} {
		b.Run(sync, func(b *testing.B) {
			db, err := eventstore.OpenSQLiteWith(b.TempDir(), eventstore.Options{Synchronous: sync})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			testdb.Migrate(b, db)
			s := eventstore.NewSQLStore(db.SQL, db.Dialect)
			meta := eventstore.Metadata{RecordedBy: "alice", CorrelationID: "bench"}
			b.ResetTimer()
			for i := range b.N {
				stream := fmt.Sprint("case-", i%100)
				if _, err := s.Append(context.Background(), stream, eventstore.Any, meta, ev("LostCardUsed", i)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
