package handlers_test

import (
	"strings"
	"sync/atomic"
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
)

// The record of processing activities through HTTP: the admin and the
// records officer read it as Markdown or CSV, with every personal field of
// the contract and the periods of the office's rules; a clerk may not.
func TestTheRecordOfProcessingThroughHTTP(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		var today atomic.Pointer[calendar.Date]
		d := calendar.NewDate(2026, 4, 1)
		today.Store(&d)
		var forgotten []string
		s := retentionStack(t, db, &today, retentionRules, &forgotten)

		md := s.send("GET", "/v1/processing-record", "admin-token", nil, nil)
		if md.status != 200 || !strings.HasPrefix(md.header.Get("Content-Type"), "text/markdown") {
			t.Fatalf("the admin's record: %d %s\n%s", md.status, md.header.Get("Content-Type"), md.raw)
		}
		for _, typ := range cases.AllEventTypes() {
			for _, p := range cases.PersonalPaths(typ) {
				if !strings.Contains(md.raw, p) {
					t.Errorf("the record lacks %s.%s", typ, p)
				}
			}
		}
		for _, want := range []string{"| nova-ves | Obecní úřad Nová Ves |", "| CaseOpened | citizen.id, citizen.birth_date, citizen.full_name, citizen.birth_number |",
			"| residence_change | nova-ves | skartační znak S, 10 let od uzavření případu (closed), od 1. ledna následujícího roku (retention.txt:3) |",
			"| name_change | nova-ves | skartační znak A, 5 let", "| local_fee | nova-ves | nenastaveno", "stav ke dni 1. 4. 2026"} {
			if !strings.Contains(md.raw, want) {
				t.Errorf("the record lacks %q:\n%s", want, md.raw)
			}
		}
		csv := s.send("GET", "/v1/processing-record", "records-token", map[string]string{"Accept": "text/csv"}, nil)
		if csv.status != 200 || !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv") ||
			!strings.HasPrefix(csv.raw, "section,item,detail\n") || !strings.Contains(csv.raw, "retention,id_card_incident @ nova-ves,\"skartační znak S, 5 let") {
			t.Errorf("the records officer's CSV: %d %s\n%s", csv.status, csv.header.Get("Content-Type"), csv.raw)
		}
		if again := s.send("GET", "/v1/processing-record?format=csv", "admin-token", nil, nil); again.raw != csv.raw {
			t.Errorf("?format=csv differs from Accept: text/csv:\n%s", again.raw)
		}
		// A records officer of another office is no controller of nova-ves's data.
		if os := s.send("GET", "/v1/processing-record", "records-os-token", nil, nil); os.status != 200 || strings.Contains(os.raw, "| nova-ves |") {
			t.Errorf("another office's records officer: %d\n%s", os.status, os.raw)
		}
		for token, want := range map[string]int{"clerk-token": 403, "officer-token": 403, "dash-token": 403, "": 401} {
			if a := s.send("GET", "/v1/processing-record", token, nil, nil); a.status != want {
				t.Errorf("%q: %d, want %d", token, a.status, want)
			}
		}
		if a := s.send("GET", "/v1/processing-record?format=pdf", "admin-token", nil, nil); a.status != 400 {
			t.Errorf("?format=pdf: %d", a.status)
		}
	})
}
