package handlers_test

import (
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/handlers"
	"github.com/lhuta/lhuta/internal/testdb"
)

// A token scoped to an office (token=role:name:office) opens and writes only
// that office's cases; what it is refused stores nothing.
func TestATokenOfOneOfficeWritesOnlyItsCases(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		s := newStackWith(t, db, calendar.NewDate(2026, 4, 10), func(c *handlers.Config) {
			tok, err := handlers.ParseTokens(tokens + ",praha-token=clerk:eva:Praha 1")
			if err != nil {
				t.Fatal(err)
			}
			c.Tokens = tok
		})
		open := func(token, office string) response {
			return s.do("POST", "/v1/cases", token, map[string]any{"situation": "id_card_incident", "office": office,
				"citizen": map[string]string{"id": "c-1", "birth_date": "1980-05-17", "full_name": "Jana Nováková"}})
		}
		report := map[string]any{"type": "IncidentReported",
			"data": map[string]any{"kind": "lost", "reported_on": "2026-04-01", "reported_to": "police"}}
		own := open("praha-token", "Praha 1")
		if own.status != 201 {
			t.Fatalf("a Praha 1 token opening a Praha 1 case: %d %s", own.status, own.raw)
		}
		before := s.eventCount()
		if r := open("praha-token", "Brno"); r.status != 403 {
			t.Errorf("a Praha 1 token opening a Brno case: %d, want 403", r.status)
		}
		brno := open("clerk-token", "Brno")
		if brno.status != 201 {
			t.Fatal(brno.raw)
		}
		before++
		if r := s.do("POST", "/v1/cases/"+brno.body["id"].(string)+"/events", "praha-token", report); r.status != 403 {
			t.Errorf("a Praha 1 token recording on a Brno case: %d, want 403", r.status)
		}
		if n := s.eventCount(); n != before {
			t.Errorf("refused requests stored %d events", n-before)
		}
		if r := s.do("POST", "/v1/cases/"+own.body["id"].(string)+"/events", "praha-token", report); r.status != 201 {
			t.Errorf("a Praha 1 token recording on its own case: %d %s", r.status, r.raw)
		}
	})
}
