package handlers_test

import (
	"strings"
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
)

// The statute's proration and due dates (docs/LAW.md §9.1) through HTTP,
// on both backends: what a clerk records is what the payments list answers.

// payment returns the obligation of that id from a payments list.
func payment(t *testing.T, items []map[string]any, id string) map[string]any {
	t.Helper()
	for _, it := range items {
		if it["id"] == id {
			return it
		}
	}
	t.Fatalf("no %s in %v", id, items)
	return nil
}

// A dog acquired on 10 Apr 2025, the only dog (rate 200): April–December,
// 9 × 200 ÷ 12 = 150 Kč, due that day (Nová Ves states no due date for a
// dog arising after 28 Feb). A second dog on 15 Oct adds October–December
// at 300 ÷ 12: 75 Kč.
func TestTheAprilDogThroughTheAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		s := newStack(t, db, calendar.NewDate(2025, 11, 1))
		id := s.payer("p-1", "1980-05-17", "Jana Nováková")
		dog := map[string]any{"fee": "dog", "arose_on": "2025-04-10", "basis": "owner", "house_number": "154",
			"village_part": "Nová Ves", "dogs": 1}
		pos := s.record(id, "LocalFeeLiabilityArose", dog)
		it := payment(t, s.payments("/v1/citizens/p-1/payments?as_of=2025-04-10", "clerk-token", pos), id+".dog-2025")
		if it["amount_czk"] != 150.0 || it["due_on"] != "2025-04-10" || it["status"] != "unpaid" ||
			!strings.Contains(it["basis"].(string), "pending the bylaw") || !strings.Contains(it["basis"].(string), "April–December") {
			t.Fatalf("the April dog: %v", it)
		}
		dog["arose_on"] = "2025-10-15"
		pos = s.record(id, "LocalFeeLiabilityArose", dog)
		it = payment(t, s.payments("/v1/citizens/p-1/payments?as_of=2025-11-01", "clerk-token", pos), id+".dog-2025")
		// 6 × 200 + 3 × (200 + 300) = 2700/12 = 225 Kč, due 15 Oct 2025 (a Wednesday).
		if it["amount_czk"] != 225.0 || it["due_on"] != "2025-10-15" {
			t.Fatalf("with a second dog from 15 Oct: %v", it)
		}
		r := s.do("POST", "/v1/cases/"+id+"/events", "clerk-token", map[string]any{"type": "LocalFeeLiabilityEnded",
			"data": map[string]any{"fee": "dog", "ended_on": "2025-10-20", "dogs": 3}})
		if r.status != 422 || !strings.Contains(r.raw, "data.dogs") {
			t.Fatalf("ending 3 of 2 dogs: %d %s", r.status, r.raw)
		}
	})
}

// Deregistered on 10 Apr 2025: month ends January–March, 3 × 100 = 300 Kč;
// the 1 200 Kč paid for the year leaves a credit of 900 Kč.
func TestTheAprilMoveOutThroughTheAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		s := newStack(t, db, calendar.NewDate(2025, 5, 1))
		id := s.payer("p-1", "1980-05-17", "Jana Nováková")
		s.record(id, "LocalFeeLiabilityArose", map[string]any{"fee": "waste", "arose_on": "2024-01-01",
			"basis": "permanent_residence", "house_number": "154", "village_part": "Nová Ves"})
		s.record(id, "PaymentReceived", map[string]any{"amount_czk": 1200, "paid_on": "2024-02-20", "variable_symbol": "1541", "bank_reference": "B-2024"})
		s.record(id, "PaymentReceived", map[string]any{"amount_czk": 1200, "paid_on": "2025-02-20", "variable_symbol": "1541", "bank_reference": "B-2025"})
		pos := s.record(id, "LocalFeeLiabilityEnded", map[string]any{"fee": "waste", "ended_on": "2025-04-10"})
		items := s.payments("/v1/citizens/p-1/payments?as_of=2025-05-01", "clerk-token", pos)
		it := payment(t, items, id+".waste-2025")
		if it["amount_czk"] != 300.0 || it["paid_czk"] != 1200.0 || it["credit_czk"] != 900.0 || it["owed_czk"] != 0.0 || it["status"] != "paid" {
			t.Fatalf("2025 after moving out on 10 Apr: %v", it)
		}
		if it := payment(t, items, id+".waste-2024"); it["amount_czk"] != 1200.0 || it["status"] != "paid" {
			t.Errorf("2024: %v", it)
		}
	})
}

// 28 Feb 2026 is a Saturday: the waste fee is due on Monday 2 Mar 2026; a
// payment that day is on time, and an unpaid fee is overdue from 3 Mar.
func TestTheWeekendDueDateThroughTheAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		s := newStack(t, db, calendar.NewDate(2026, 3, 3))
		paid := s.payer("p-1", "1980-05-17", "Jana Nováková")
		late := s.payer("p-2", "1981-02-11", "Petr Novák")
		s.record(paid, "LocalFeeLiabilityArose", map[string]any{"fee": "waste", "arose_on": "2026-01-15",
			"basis": "permanent_residence", "house_number": "154", "village_part": "Nová Ves"})
		s.record(late, "LocalFeeLiabilityArose", map[string]any{"fee": "waste", "arose_on": "2026-01-15",
			"basis": "permanent_residence", "house_number": "12", "village_part": "Vepřek"})
		pos := s.record(paid, "PaymentReceived", map[string]any{"amount_czk": 1200, "paid_on": "2026-03-02", "variable_symbol": "1541"})
		it := payment(t, s.payments("/v1/citizens/p-1/payments?as_of=2026-03-03", "clerk-token", pos), paid+".waste-2026")
		if it["due_on"] != "2026-03-02" || it["status"] != "paid" || !strings.Contains(it["basis"].(string), "daňový řád § 33(4)") {
			t.Fatalf("paid on Monday 2 Mar: %v", it)
		}
		it = payment(t, s.payments("/v1/citizens/p-2/payments?as_of=2026-03-02", "clerk-token", pos), late+".waste-2026")
		if it["status"] != "unpaid" || !strings.Contains(it["spayd"].(string), "*DT:20260302*") {
			t.Fatalf("unpaid on the moved due date: %v", it)
		}
		if it := payment(t, s.payments("/v1/citizens/p-2/payments?as_of=2026-03-03", "clerk-token", pos), late+".waste-2026"); it["status"] != "overdue" {
			t.Fatalf("unpaid on 3 Mar: %v", it)
		}
	})
}
