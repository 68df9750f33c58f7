package projections_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/domain/rulebook"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/projections"
	"github.com/lhuta/lhuta/projections/views"
)

// The dashboard figures come from aggregates of status changes; counted
// from the obligations themselves with the domain's StatusOn they must be
// the same, for any period, any day they are asked on and any office.
func TestStatsFromAggregatesEqualStatsCountedFromTheObligations(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		r := rand.New(rand.NewPCG(5, 6))
		base := calendar.NewDate(2025, 11, 20)
		maybe := func(from calendar.Date, span int) calendar.Date {
			if r.IntN(3) == 0 {
				return calendar.Date{}
			}
			return from.AddDays(r.IntN(span))
		}
		situations := []cases.Situation{cases.IDCardIncident, cases.ResidenceChange, cases.NameChange}
		var all []*cases.Case
		for i := range 120 {
			triggered := base.AddDays(r.IntN(100))
			o := cases.Obligation{Duty: rulebook.Duty{Obligation: "apply_for_id_card", TriggeredOn: triggered,
				Due: triggered.AddDays(5 + r.IntN(20))}, FulfilledOn: maybe(triggered, 60)}
			if r.IntN(6) == 0 {
				o.ExcusedOn = maybe(triggered, 60)
			}
			if r.IntN(6) == 0 {
				o.JudgedOn = maybe(o.Due, 40)
			}
			c := &cases.Case{ID: fmt.Sprintf("case-%03d", i), Situation: situations[i%3], Office: fmt.Sprint("office-", i%4),
				Version: 1, OpenedOn: triggered, Obligations: []cases.Obligation{o}}
			if r.IntN(2) == 0 {
				c.SLA = []cases.SLA{{Document: "id_card", Track: "standard", FiledOn: triggered,
					Due: triggered.AddDays(30), ReadyOn: maybe(triggered, 50)}}
			}
			all = append(all, c)
		}
		if err := projections.WriteCases(ctx, db, all...); err != nil {
			t.Fatal(err)
		}
		reader := views.NewReader(db.SQL)
		for range 80 {
			from := base.AddDays(r.IntN(120) - 10)
			if r.IntN(2) == 0 {
				from = calendar.NewDate(from.Year(), from.Month(), 1)
			}
			to := from.AddDays(r.IntN(150))
			office := []string{"", "office-1", "office-3"}[r.IntN(3)]
			got, err := reader.Stats(ctx, views.StatsFilter{From: from, To: to, Office: office})
			if err != nil {
				t.Fatal(err)
			}
			want := countStats(all, from, to, office)
			got.OnTimeRate, want.OnTimeRate = nil, nil
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("stats from %s to %s for %q:\naggregates %+v\nrows       %+v", from, to, office, got, want)
			}
		}
	})
}

// countStats counts what Stats reports the slow way, case by case.
func countStats(all []*cases.Case, from, to calendar.Date, office string) views.Stats {
	st := views.Stats{From: from, To: to, Office: office, ByStatus: views.Counts{},
		BySituation: map[string]views.Counts{}, ByMonth: map[string]views.Counts{}, SLA: map[string]int{}}
	for _, c := range all {
		if office != "" && c.Office != office {
			continue
		}
		for _, o := range c.Obligations {
			if o.TriggeredOn.Before(from) || o.TriggeredOn.After(to) {
				continue
			}
			s := o.StatusOn(to)
			st.Obligations++
			st.ByStatus[s]++
			if st.BySituation[string(c.Situation)] == nil {
				st.BySituation[string(c.Situation)] = views.Counts{}
			}
			st.BySituation[string(c.Situation)][s]++
			month := o.TriggeredOn.String()[:7]
			if st.ByMonth[month] == nil {
				st.ByMonth[month] = views.Counts{}
			}
			st.ByMonth[month][s]++
		}
		for _, d := range c.SLA {
			if !d.FiledOn.Before(from) && !d.FiledOn.After(to) {
				st.SLA[d.StatusOn(to)]++
			}
		}
	}
	st.Overdue = st.ByStatus[cases.StatusOverdue]
	st.SLABreaches = st.SLA[cases.SLABreached]
	return st
}

// A rebuild that is cancelled half-way leaves the live read models as they
// were and answering; the next rebuild succeeds and ends equal to them.
func TestCancelledRebuildLeavesTheLiveReadModelsAndASecondRunSucceeds(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		seedCases(t, db, 3000)
		if _, err := projections.Rebuild(context.Background(), db, nil); err != nil {
			t.Fatal(err)
		}
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
		diffs, err := projections.Check(context.Background(), db, nil)
		if err != nil || len(diffs) != 0 {
			t.Fatalf("check after the rebuild: %v, differences %v", err, diffs)
		}
	})
}

// A rebuild runs while the service projects and writes: queries answer
// from the live tables throughout, writes go on, nothing deadlocks, and at
// the end the read models equal a fresh rebuild and hold every event.
func TestRebuildWhileTheServiceWritesAndReads(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		seedCases(t, db, 2000)
		if _, err := projections.Rebuild(context.Background(), db, nil); err != nil {
			t.Fatal(err)
		}
		p := projections.New(db, quiet)
		stop := runPipeline(t, p)
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
		diffs, err := projections.Check(context.Background(), db, nil)
		if err != nil || len(diffs) != 0 {
			t.Fatalf("after rebuilds beside the service: %v, differences %v", err, diffs)
		}
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
