package cases_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
)

var fuzzToday = calendar.NewDate(2026, 4, 10)

// accepted checks what a decision accepted: its data encodes as JSON that is
// UTF-8 without NUL (PostgreSQL's jsonb refuses \u0000) and folds back into
// the case it was decided on.
func accepted(t *testing.T, c *cases.Case, rec cases.Recorded) {
	t.Helper()
	data, err := json.Marshal(rec.Data)
	if err != nil {
		t.Fatalf("accepted %s does not encode: %v", rec.Type, err)
	}
	if !utf8.Valid(data) || strings.Contains(string(data), `\u0000`) {
		t.Fatalf("accepted %s holds NUL or invalid UTF-8: %s", rec.Type, data)
	}
	if err := c.Replay(cases.Event{Type: rec.Type, Version: c.Version + 1, Data: data}); err != nil {
		t.Fatalf("accepted %s does not fold back: %v (%s)", rec.Type, err, data)
	}
}

// Open takes any request body without panicking, and what it accepts can be stored.
func FuzzOpen(f *testing.F) {
	f.Add([]byte(`{"situation":"id_card_incident","office":"Praha 1","citizen":{"id":"c-1","birth_date":"1980-05-17","full_name":"Jana Nováková","birth_number":"800517/0019"}}`))
	f.Add([]byte(`{"situation":"id_card_incident","office":"Praha\u00001","citizen":{"id":"c","birth_date":"1980-05-17","full_name":"J","ssn":"1"}}`))
	f.Add([]byte(`{"situation":"first_id_card","office":"Brno","citizen":{"id":"c","birth_date":"0000-01-01","full_name":"J"}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		rec, err := cases.Open(body, cases.Context{Today: fuzzToday, Actor: "alice", Role: cases.Clerk})
		if err != nil {
			return
		}
		accepted(t, &cases.Case{ID: "fuzz"}, rec)
	})
}

// Record takes any event type and data on a case of any situation without
// panicking, and what it accepts can be stored and folded back.
func FuzzRecord(f *testing.F) {
	f.Add("id_card_incident", "IncidentReported", []byte(`{"kind":"lost","reported_on":"2026-04-01","reported_to":"police"}`), false)
	f.Add("id_card_incident", "LostCardUsed", []byte(`{"used_on":"2026-04-05"}`), false)
	f.Add("id_card_expiry", "IDCardExpired", []byte(`{"expired_on":"2026-04-01"}`), false)
	f.Add("residence_change", "ResidenceChangeReported", []byte(`{"reported_on":"2026-04-01","registration_office":"Brno"}`), false)
	f.Add("name_change", "ApplicationFiled", []byte(`{"document":"id_card_chip","filed_on":"2026-04-02","track":"standard","filing_office":"municipal_office"}`), false)
	f.Add("marital_status_change", "CaseClosed", []byte(`{"reason":"moved\naway"}`), false)
	f.Add("id_card_incident", "ObligationExcused", []byte(`{"obligation":"apply_for_id_card","reason":"ill\u0000"}`), true)
	f.Add("first_id_card", "FlagReviewed", []byte(`{"flag":"x-1","decision":"fined","fine_czk":-1,"decided_on":"2026-04-02"}`), true)
	f.Fuzz(func(t *testing.T, situation, eventType string, data []byte, officer bool) {
		c := &cases.Case{ID: "fuzz"}
		opened, _ := json.Marshal(map[string]any{"situation": situation, "office": "Praha 1", "opened_on": "2026-03-01",
			"citizen": map[string]string{"id": "c-1", "birth_date": "1980-05-17", "full_name": "Jana Nováková"}})
		if err := c.Replay(cases.Event{Type: cases.CaseOpenedType, Version: 1, Data: opened}); err != nil {
			t.Fatal(err)
		}
		role := cases.Clerk
		if officer {
			role = cases.ComplianceOfficer
		}
		rec, err := c.Record(cases.EventType(eventType), data, cases.Context{Today: fuzzToday, Actor: "alice", Role: role})
		if err != nil {
			return
		}
		accepted(t, c, rec)
	})
}
