package caserepo_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/caserepo"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/projections"
	"github.com/lhuta/lhuta/projections/views"
)

// BenchmarkLoad loads a case of n events on PostgreSQL from the whole
// stream and from the state the projection stored (current, as after a
// quiet moment; the write door then reads no event).
//
//	go test ./internal/caserepo -run '^$' -bench Load
func BenchmarkLoad(b *testing.B) {
	ctx := context.Background()
	db := testdb.Postgres(b)
	if err := projections.Prepare(ctx, db); err != nil {
		b.Fatal(err)
	}
	store := eventstore.NewSQLStore(db.SQL, db.Dialect)
	full := caserepo.New(store)
	snap := caserepo.New(store).WithSnapshots(views.NewReader(db.SQL))
	pipe := projections.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, n := range []int{3, 30} {
		rec, err := cases.Open([]byte(`{"situation":"id_card_incident","office":"Praha 1","citizen":{"id":"c","birth_date":"1980-05-17","full_name":"Jana"}}`), clerk)
		if err != nil {
			b.Fatal(err)
		}
		opened, err := full.Create(ctx, rec, caserepo.Request{Actor: "alice"})
		if err != nil {
			b.Fatal(err)
		}
		id := opened.StreamID
		last, err := full.Update(ctx, id, caserepo.Any, caserepo.Request{Actor: "alice"}, func(c *cases.Case) (cases.Recorded, error) {
			return c.Record(cases.IncidentReportedType, []byte(`{"kind":"lost","reported_on":"2026-04-01","reported_to":"police"}`), clerk)
		})
		if err != nil {
			b.Fatal(err)
		}
		for v := 3; v <= n; v++ {
			if last, err = full.Update(ctx, id, caserepo.Any, caserepo.Request{Actor: "alice"}, func(c *cases.Case) (cases.Recorded, error) {
				return c.Record("LostCardUsed", fmt.Appendf(nil, `{"used_on":"2026-04-%02d"}`, 1+v%9), clerk)
			}); err != nil {
				b.Fatalf("event %d: %v", v, err)
			}
		}
		pctx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- pipe.Run(pctx) }()
		err = pipe.WaitFor(ctx, last.Position, time.Minute)
		stop()
		<-done
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range []struct {
			name string
			repo *caserepo.Repository
		}{{"whole stream", full}, {"stored state", snap}} {
			b.Run(fmt.Sprintf("%d events, %s", n, r.name), func(b *testing.B) {
				for b.Loop() {
					c, err := r.repo.Load(ctx, id)
					if err != nil || c.Version != int64(n) {
						b.Fatalf("loaded %v at version %d", err, c.Version)
					}
				}
			})
		}
	}
}
