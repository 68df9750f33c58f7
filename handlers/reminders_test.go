package handlers_test

import (
	"fmt"
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/handlers"
	"github.com/lhuta/lhuta/internal/reminders"
	"github.com/lhuta/lhuta/internal/testdb"
)

// A clerk records the citizen's consent on a case and reads the
// reminders the case plans: lost on Wed 18 Mar 2026, apply by Fri 10 Apr,
// reminded on Wed 1 Apr (over Easter).
func TestRemindersThroughHTTP(t *testing.T) {
	db := testdb.SQLite(t)
	today := calendar.NewDate(2026, 3, 18)
	rem, err := reminders.New(reminders.Config{Today: func() calendar.Date { return today }}, db)
	if err != nil {
		t.Fatal(err)
	}
	s := newStackWith(t, db, today, func(c *handlers.Config) { c.Reminders = rem })
	id, _ := s.openCase("id_card_incident", "1980-05-17")
	s.record(id, "IncidentReported", map[string]any{"kind": "lost", "reported_on": "2026-03-18", "reported_to": "municipal_office"})

	bad := s.do("POST", "/v1/cases/"+id+"/events", "clerk-token", map[string]any{"type": "ContactConsentGiven",
		"data": map[string]any{"email": "Jana <jana@example.cz>"}})
	if bad.status != 400 || fmt.Sprint(bad.body["errors"]) != "[map[field:data.email message:\"Jana <jana@example.cz>\" is not a plain e-mail address (name@example.cz)]]" {
		t.Errorf("a consent with a display name: %d %v", bad.status, bad.body)
	}
	position := s.record(id, "ContactConsentGiven", map[string]any{"email": "jana@example.cz"})

	if r := s.do("GET", "/v1/reminders", "clerk-token", nil); r.status != 400 {
		t.Errorf("neither case_id nor citizen_id: %d", r.status)
	}
	if r := s.do("GET", "/v1/reminders?case_id="+id, "officer-token", nil); r.status != 403 {
		t.Errorf("a compliance officer: %d", r.status)
	}
	if r := s.do("GET", "/v1/reminders?case_id=no-such-case", "clerk-token", nil); r.status != 404 {
		t.Errorf("an unknown case: %d", r.status)
	}
	if r := s.do("GET", "/v1/reminders?citizen_id=nobody", "clerk-token", nil); r.status != 200 || fmt.Sprint(r.body["items"]) != "[]" {
		t.Errorf("a citizen without cases: %d %v", r.status, r.body)
	}
	r := s.do("GET", fmt.Sprintf("/v1/reminders?case_id=%s&min_position=%d", id, position), "clerk-token", nil)
	items, _ := r.body["items"].([]any)
	if r.status != 200 || len(items) != 1 {
		t.Fatalf("reminders: %d %v", r.status, r.body)
	}
	it := items[0].(map[string]any)
	if it["kind"] != "obligation_due" || it["send_on"] != "2026-04-01" || it["due_on"] != "2026-04-10" || it["status"] != "planned" ||
		it["id"] != id+".obligation_due.apply_for_id_card-1.20260401" {
		t.Errorf("reminder: %v", it)
	}

	// Withdrawn through HTTP, dated today by default; the plan stays, and
	// the consent is checked again at delivery (docs/API.md, Reminders).
	s.record(id, "ContactConsentWithdrawn", map[string]any{})
	h := s.do("GET", "/v1/cases/"+id+"/events", "clerk-token", nil)
	events, _ := h.body["items"].([]any)
	if h.status != 200 || len(events) == 0 {
		t.Fatalf("the history: %d %v", h.status, h.body)
	}
	last := events[len(events)-1].(map[string]any)
	if data, _ := last["data"].(map[string]any); last["type"] != "ContactConsentWithdrawn" || data["withdrawn_on"] != "2026-03-18" {
		t.Errorf("the last event: %v", last)
	}
}
