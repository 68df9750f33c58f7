package projections_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/domain/rulebook"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/projections"
	"github.com/lhuta/lhuta/projections/views"
)

// maybe is a day from from up to span days later or, one time in three,
// none.
func maybe(r *rand.Rand, from calendar.Date, span int) calendar.Date {
	if r.IntN(3) == 0 {
		return calendar.Date{}
	}
	return from.AddDays(r.IntN(span))
}

// listByStatus lists the items of each status as of a day, all on one
// page, hands each to check and returns how many it listed in all.
func listByStatus[S ~string, T any](t *testing.T, asOf calendar.Date, statuses []S, list func(S) ([]T, string, error), check func(S, T)) int {
	t.Helper()
	n := 0
	for _, st := range statuses {
		items, next, err := list(st)
		if err != nil || next != "" {
			t.Fatalf("list %s as of %s: %v (next %q)", st, asOf, err, next)
		}
		for _, it := range items {
			check(st, it)
		}
		n += len(items)
	}
	return n
}

// The read side filters by status in SQL; the domain defines status in Go
// (cases.Obligation.StatusOn). They must agree on every combination of dates.
func TestStatusInSQLAgreesWithTheDomain(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		base := calendar.NewDate(2026, 1, 5)
		r := rand.New(rand.NewPCG(1, 2))
		want := map[string]cases.Obligation{}
		for i := range 200 {
			o := cases.Obligation{Duty: rulebook.Duty{Obligation: "apply_for_id_card", TriggeredOn: base, Due: base.AddDays(r.IntN(20))},
				FulfilledOn: maybe(r, base, 20)}
			if r.IntN(5) == 0 {
				o.ExcusedOn = maybe(r, base, 20)
			}
			if r.IntN(5) == 0 {
				o.JudgedOn = maybe(r, base, 20)
			}
			id := fmt.Sprintf("case-%03d", i)
			want[id] = o
			kase := &cases.Case{ID: id, Situation: cases.IDCardIncident, Office: "o", Version: 1, OpenedOn: base,
				Obligations: []cases.Obligation{o}}
			projections.WriteCases(t, db, kase)
		}
		reader := views.NewReader(db.SQL)
		for day := range 22 {
			asOf := base.AddDays(day)
			counted := listByStatus(t, asOf, cases.Statuses, func(st cases.Status) ([]views.ObligationItem, string, error) {
				return reader.Obligations(ctx, views.ObligationFilter{AsOf: asOf, Status: st, Limit: 500})
			}, func(st cases.Status, it views.ObligationItem) {
				if got := want[it.CaseID].StatusOn(asOf); got != st || it.Status != st {
					t.Errorf("%s as of %s: SQL says %s (%s), domain says %s", it.CaseID, asOf, st, it.Status, got)
				}
			})
			if counted != len(want) {
				t.Errorf("as of %s the statuses cover %d obligations, want %d", asOf, counted, len(want))
			}
		}
	})
}

func TestObligationsArePagedByCursorWithoutGapsOrRepeats(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		seedCases(t, db, 23)
		rebuild(t, db)
		reader := views.NewReader(db.SQL)
		seen := map[string]bool{}
		cursor, pages := "", 0
		for {
			items, next, err := reader.Obligations(context.Background(), views.ObligationFilter{
				AsOf: calendar.NewDate(2026, 6, 1), Limit: 5, After: cursor})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, it := range items {
				if seen[it.CaseID] {
					t.Errorf("%s listed twice", it.CaseID)
				}
				seen[it.CaseID] = true
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if len(seen) != 23 || pages != 5 {
			t.Fatalf("paging saw %d obligations in %d pages, want 23 in 5", len(seen), pages)
		}
		if _, _, err := reader.Obligations(context.Background(), views.ObligationFilter{Limit: 5, After: "bogus!"}); err != views.ErrBadCursor {
			t.Errorf("a forged cursor gave %v, want ErrBadCursor", err)
		}
	})
}

// Flags and office deadlines also have their status in SQL (for lists) and
// in the domain; they must agree too.
func TestFlagAndSLAStatusInSQLAgreeWithTheDomain(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		base := calendar.NewDate(2026, 3, 2)
		r := rand.New(rand.NewPCG(3, 4))
		flags := map[string]cases.Flag{}
		var deadlines []cases.SLA
		for i := range 60 {
			f := cases.Flag{ID: fmt.Sprintf("f%02d", i), RaisedOn: base.AddDays(r.IntN(10)), DecidedOn: maybe(r, base, 20),
				Decision: []cases.Decision{cases.Dismissed, cases.ProceedingsOpened, cases.Fined}[r.IntN(3)]}
			if !f.DecidedOn.IsZero() && f.DecidedOn.Before(f.RaisedOn) {
				f.DecidedOn = f.RaisedOn
			}
			flags[f.ID] = f
			deadlines = append(deadlines, cases.SLA{Document: "id_card", Track: "standard", FiledOn: base,
				Due: base.AddDays(r.IntN(20)), ReadyOn: maybe(r, base, 20)})
		}
		kase := &cases.Case{ID: "c", Situation: cases.IDCardExpiry, Office: "o", Version: 1, OpenedOn: calendar.NewDate(2026, 3, 1),
			SLA: deadlines}
		for i := range 60 {
			kase.Flags = append(kase.Flags, flags[fmt.Sprintf("f%02d", i)])
		}
		projections.WriteCases(t, db, kase)
		reader := views.NewReader(db.SQL)
		for day := range 22 {
			asOf := base.AddDays(day)
			listed := listByStatus(t, asOf, views.FlagStatuses, func(st string) ([]views.FlagItem, string, error) {
				return reader.Flags(ctx, views.FlagFilter{AsOf: asOf, Status: st, Limit: 500})
			}, func(st string, it views.FlagItem) {
				if want := flags[it.ID].StatusOn(asOf); want != st || it.RaisedOn.After(asOf) {
					t.Errorf("flag %s as of %s: SQL says %s, domain says %s", it.ID, asOf, st, want)
				}
			})
			raised := 0
			for _, f := range flags {
				if !f.RaisedOn.After(asOf) {
					raised++
				}
			}
			if listed != raised {
				t.Errorf("as of %s %d flags listed, %d raised", asOf, listed, raised)
			}
			listedSLA := listByStatus(t, asOf, views.SLAStatuses, func(st string) ([]views.SLAItem, string, error) {
				return reader.SLA(ctx, views.SLAFilter{AsOf: asOf, Status: st, Limit: 500})
			}, func(st string, it views.SLAItem) {
				if it.Status != st {
					t.Errorf("GET /v1/sla?status=%s as of %s lists a deadline the domain says is %s", st, asOf, it.Status)
				}
			})
			if listedSLA != len(deadlines) {
				t.Errorf("as of %s the SLA statuses cover %d deadlines, want %d", asOf, listedSLA, len(deadlines))
			}
			v, err := reader.Case(ctx, "c", asOf)
			if err != nil {
				t.Fatal(err)
			}
			for i, it := range v.SLA {
				if want := deadlines[i].StatusOn(asOf); it.Status != want {
					t.Errorf("deadline %d as of %s: SQL says %s, domain says %s", i, asOf, it.Status, want)
				}
			}
		}
	})
}

// The dashboard figures come from aggregates of status changes; counted
// from the obligations themselves with the domain's StatusOn they must be
// the same, for any period, any day they are asked on and any office.
func TestStatsFromAggregatesEqualStatsCountedFromTheObligations(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		r := rand.New(rand.NewPCG(5, 6))
		base := calendar.NewDate(2025, 11, 20)
		situations := []cases.Situation{cases.IDCardIncident, cases.ResidenceChange, cases.NameChange}
		var all []*cases.Case
		for i := range 120 {
			triggered := base.AddDays(r.IntN(100))
			o := cases.Obligation{Duty: rulebook.Duty{Obligation: "apply_for_id_card", TriggeredOn: triggered,
				Due: triggered.AddDays(5 + r.IntN(20))}, FulfilledOn: maybe(r, triggered, 60)}
			if r.IntN(6) == 0 {
				o.ExcusedOn = maybe(r, triggered, 60)
			}
			if r.IntN(6) == 0 {
				o.JudgedOn = maybe(r, o.Due, 40)
			}
			c := &cases.Case{ID: fmt.Sprintf("case-%03d", i), Situation: situations[i%3], Office: fmt.Sprint("office-", i%4),
				Version: 1, OpenedOn: triggered, Obligations: []cases.Obligation{o}}
			if r.IntN(2) == 0 {
				c.SLA = []cases.SLA{{Document: "id_card", Track: "standard", FiledOn: triggered,
					Due: triggered.AddDays(30), ReadyOn: maybe(r, triggered, 50)}}
			}
			all = append(all, c)
		}
		projections.WriteCases(t, db, all...)
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
