package vault_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
)

// BenchmarkSealing measures what sealing personal values costs the store,
// per backend, plain (no vault) against sealed: a new citizen's case opened
// (CaseOpened through AppendWith, in one transaction as POST /v1/cases does;
// sealed, the citizen's data key is made, wrapped and stored in it too), one
// more personal event on an existing case (Append: the stream's key is read
// outside the transaction), and a case loaded (every personal value
// opened). Figures: docs/PERFORMANCE.md.
func BenchmarkSealing(b *testing.B) {
	ctx := context.Background()
	for _, backend := range testdb.Backends {
		for _, mode := range []string{"plain", "sealed"} {
			db := testdb.Open(b, backend)
			if mode == "sealed" {
				testdb.Sealed(b, db)
			}
			s := db.Store()
			open := func(i int) string {
				id := uuid.NewString()
				e := opened(fmt.Sprint("c-", id), fmt.Sprint("Jana Nováková ", i), canaryBorn, canaryNumber)
				if _, err := s.AppendWith(ctx, id, 0, meta, func(context.Context, *sql.Tx) (eventstore.NewEvent, error) { return e, nil }); err != nil {
					b.Fatal(err)
				}
				return id
			}
			// The cases the other two measure on, so that each runs alone too (-bench …/load).
			ids := make([]string, 100)
			for i := range ids {
				ids[i] = open(i)
			}
			b.Run(backend+"/"+mode+"/open-case", func(b *testing.B) {
				for i := range b.N {
					open(i)
				}
			})
			b.Run(backend+"/"+mode+"/append-personal", func(b *testing.B) {
				for i := range b.N {
					if _, err := s.Append(ctx, ids[i%len(ids)], eventstore.Any, meta, consent(fmt.Sprint("jana", i, "@example.org"))); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(backend+"/"+mode+"/load", func(b *testing.B) {
				for i := range b.N {
					if _, err := s.Load(ctx, ids[i%len(ids)]); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
