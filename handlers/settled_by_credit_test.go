package handlers_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/credits"
	"github.com/lhuta/lhuta/internal/testdb"
)

// A local-fee case settled by a bank credit the fee department assigns
// (POST /v1/unmatched-credits/{credit_id}/assign) is scheduled for
// retention at once, as a payment recorded on the case is: not only at the
// next disposal proposal.
func TestACaseSettledByAnAssignedCreditIsScheduled(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		var today atomic.Pointer[calendar.Date]
		d := calendar.NewDate(2026, 3, 10)
		today.Store(&d)
		var forgotten []string
		// Made up for the test, not law.
		s := retentionStack(t, db, &today, "*  local_fee  S  10  settled\n", &forgotten)
		id := s.payer("c-settle", "1980-05-17", "Jana Poplatná")
		s.record(id, "LocalFeeLiabilityArose", map[string]any{"fee": "waste", "arose_on": "2026-01-15", "basis": "permanent_residence",
			"house_number": "154", "village_part": "Nová Ves"})
		pos := s.record(id, "LocalFeeLiabilityEnded", map[string]any{"fee": "waste", "ended_on": "2026-02-28"})
		owed := s.payments("/v1/citizens/c-settle/payments", "clerk-token", pos)
		if len(owed) != 1 {
			t.Fatalf("payment obligations: %v", owed)
		}
		if s.eventOf(id, "RetentionScheduled") != nil {
			t.Fatal("scheduled before it is paid")
		}
		c, _, err := credits.New(db.SQL).Claim(context.Background(), credits.Credit{Office: "nova-ves", BookedOn: d,
			AmountCZK: int(owed[0]["owed_czk"].(float64)), Message: "poplatek", CounterParty: "PLATCE", BankReference: "REF-SETTLE",
			Statement: "0460043319-2026-03", Status: credits.Open, Reason: "no case named"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		r := s.do("POST", "/v1/unmatched-credits/"+c.ID+"/assign", "clerk-token",
			map[string]any{"case_id": id, "variable_symbol": owed[0]["variable_symbol"]})
		if r.status != 201 {
			t.Fatalf("assign: %d %s", r.status, r.raw)
		}
		sched := s.eventOf(id, "RetentionScheduled")
		if sched == nil || sched["trigger"] != "settled" || sched["trigger_on"] != "2026-03-10" || sched["ends_on"] != "2036-12-31" {
			t.Fatalf("RetentionScheduled after the assignment: %v\n%v", sched, s.history(id))
		}
		// The answer's position is the schedule's: a read at it sees the schedule.
		if r := s.do("GET", fmt.Sprintf("/v1/retention?as_of=2037-01-01&min_position=%v", r.body["position"]), "records-token", nil); r.status != 200 ||
			len(r.body["items"].([]any)) != 1 {
			t.Errorf("retention at the assignment's position: %d %s", r.status, r.raw)
		}
	})
}
