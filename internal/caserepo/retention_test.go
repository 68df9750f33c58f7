package caserepo_test

import (
	"context"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/caserepo"
	"github.com/lhuta/lhuta/internal/testdb"
)

// ScheduleRetention, which the API, the fee department's credit and the
// statement import call after their writes: nothing without rules or
// before the case closes; once it has closed, RetentionScheduled with the
// period's end (31 December of the closing year + years); never twice.
func TestScheduleRetention(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		repo := caserepo.New(db.Store())
		rules, err := cases.RetentionRules("rules.txt", []byte("*  id_card_incident  S  5  closed\n"), nil)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := cases.Open([]byte(`{"situation":"id_card_incident","office":"Praha 1","citizen":{"id":"c","birth_date":"1980-05-17","full_name":"Jana"}}`), clerk)
		if err != nil {
			t.Fatal(err)
		}
		req := caserepo.Request{Actor: "alice", RecordedAt: time.Now()}
		opened, err := repo.Create(ctx, rec, req)
		if err != nil {
			t.Fatal(err)
		}
		id, today := opened.StreamID, calendar.NewDate(2026, 4, 10)
		if _, ok, err := repo.ScheduleRetention(ctx, id, nil, today, nil, req); ok || err != nil {
			t.Fatalf("without rules: %v %v", ok, err)
		}
		if _, ok, err := repo.ScheduleRetention(ctx, id, rules, today, nil, req); ok || err != nil {
			t.Fatalf("an open case: %v %v", ok, err)
		}
		if _, err := repo.Update(ctx, id, caserepo.Any, req, func(c *cases.Case) (cases.Recorded, error) {
			return c.Record(cases.CaseClosedType, []byte(`{"closed_on":"2026-04-10"}`), clerk)
		}); err != nil {
			t.Fatal(err)
		}
		e, ok, err := repo.ScheduleRetention(ctx, id, rules, today, nil, req)
		if !ok || err != nil || e.Type != string(cases.RetentionScheduledType) {
			t.Fatalf("a closed case: %+v %v %v", e, ok, err)
		}
		c, err := repo.Load(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Retention == nil || c.Retention.EndsOn != calendar.NewDate(2031, 12, 31) {
			t.Errorf("the schedule: %+v", c.Retention)
		}
		if _, ok, err := repo.ScheduleRetention(ctx, id, rules, today, nil, req); ok || err != nil {
			t.Errorf("scheduled twice: %v %v", ok, err)
		}
	})
}
