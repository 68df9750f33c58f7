package handlers_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/handlers"
	"github.com/lhuta/lhuta/internal/credits"
	"github.com/lhuta/lhuta/internal/reminders"
	"github.com/lhuta/lhuta/internal/testdb"
)

// scopedTokens adds tokens bound to Praha 1, to Praha 1 and Brno, and to
// every office (regional supervision).
const scopedTokens = tokens + ",praha-clerk=clerk:eva:Praha 1,praha-officer=compliance_officer:olga:Praha 1" +
	",praha-dash=dashboard:dana:Praha 1,two-offices=clerk:petra:Praha 1|Brno,region=compliance_officer:kraj:*"

func newScopedStack(t *testing.T, db *eventstore.DB, configure ...func(*handlers.Config)) *stack {
	t.Helper()
	return newStackWith(t, db, calendar.NewDate(2026, 4, 10), func(c *handlers.Config) {
		tok, err := handlers.ParseTokens(scopedTokens)
		if err != nil {
			t.Fatal(err)
		}
		c.Tokens = tok
		for _, f := range configure {
			f(c)
		}
	})
}

// Office scope applies to reads: every read route, asked by a token of
// Praha 1 about a case, its citizen and its payment at Nová Ves, answers
// 404 or a list without them, on both backends; an unscoped token and a
// token scoped to every office ("*") see them.
func TestEveryReadRouteKeepsToTheTokensOffices(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		today := calendar.NewDate(2026, 4, 10)
		rem, err := reminders.New(reminders.Config{Today: func() calendar.Date { return today }}, db)
		if err != nil {
			t.Fatal(err)
		}
		s := newScopedStack(t, db, func(c *handlers.Config) { c.Reminders = rem })
		// Nová Ves: a dog owner with an unpaid fee, a lost card reported late
		// (an obligation and a flag), assigned to eva of Praha 1.
		dog, _ := s.dogOwner("p-dog")
		r := s.do("POST", "/v1/cases", "clerk-token", map[string]any{"situation": "id_card_incident", "office": "nova-ves",
			"citizen": map[string]string{"id": "p-dog", "birth_date": "1980-05-17", "full_name": "Jan Psíček"}})
		if r.status != 201 {
			t.Fatal(r.raw)
		}
		lost := r.body["id"].(string)
		s.record(lost, "IncidentReported", map[string]any{"kind": "lost", "reported_on": "2026-04-09", "reported_to": "police", "discovered_on": "2026-03-01"})
		s.record(lost, "ApplicationFiled", map[string]any{"document": "id_card", "filed_on": "2026-04-09", "track": "standard",
			"filing_office": "municipal_office"})
		s.record(lost, "CaseAssigned", map[string]any{"to": "eva"})
		s.record(dog, "CaseAssigned", map[string]any{"to": "eva"})
		pos := s.record(dog, "ContactConsentGiven", map[string]any{"email": "jan@example.cz"})
		// A credit at Nová Ves's account that matched no case, from Jan Psíček.
		if _, _, err := credits.New(db.SQL).Claim(t.Context(), credits.Credit{Office: "nova-ves", BookedOn: calendar.NewDate(2026, 4, 8), AmountCZK: 700,
			VariableSymbol: "999", CounterParty: "Jan Psíček", BankReference: "bank-1", Statement: "s-1", Status: credits.Open,
			Reason: "no case of the office owes with this variable symbol"}, time.Now()); err != nil {
			t.Fatal(err)
		}
		// Praha 1's own case, which its tokens do see.
		own, ownPos := s.openCase("id_card_incident", "1990-01-01")

		payments := s.payments("/v1/payments?office=nova-ves", "clerk-token", pos)
		if len(payments) == 0 {
			t.Fatal("the dog owner owes nothing: the test would prove nothing")
		}
		values := map[string]string{"id": dog, "citizen_id": "p-dog", "payment_id": payments[0]["id"].(string)}
		queries := map[string]string{"/v1/citizens": "q=Psicek", "/v1/worklist": "assignee=eva", "/v1/stats": "office=nova-ves&from=2025-01-01",
			"/v1/reminders": "citizen_id=p-dog"}
		placeholder := regexp.MustCompile(`\{[a-z_]+\}`)
		hidden := []string{dog, lost, "Psíček", "p-dog"}
		reads := 0
		for _, rule := range handlers.Rules() {
			if rule.Method != "GET" || rule.Roles == nil || strings.HasPrefix(rule.Path, "/v1/me") {
				continue // the citizen's own routes: any staff token there is 403
			}
			if slices.Contains(rule.Roles, cases.RecordsOfficer) {
				continue // retention_test.go holds the records officer's routes to the offices
			}
			reads++
			token := "praha-dash"
			switch {
			case slices.Contains(rule.Roles, cases.Clerk):
				token = "praha-clerk"
			case slices.Contains(rule.Roles, cases.ComplianceOfficer):
				token = "praha-officer"
			}
			path := placeholder.ReplaceAllStringFunc(rule.Path, func(p string) string { return url.PathEscape(values[strings.Trim(p, "{}")]) })
			path += fmt.Sprintf("?min_position=%d", pos)
			if q := queries[rule.Path]; q != "" {
				path += "&" + q
			}
			// Those who see every office: an unscoped token, and "*" where an officer may read.
			wide := []string{"dash-token"}
			switch {
			case slices.Contains(rule.Roles, cases.Clerk):
				wide = []string{"clerk-token"}
			case slices.Contains(rule.Roles, cases.ComplianceOfficer):
				wide = []string{"officer-token"}
			}
			if slices.Contains(rule.Roles, cases.ComplianceOfficer) {
				wide = append(wide, "region")
			}
			for _, tok := range append([]string{token}, wide...) {
				r := s.do("GET", path, tok, nil)
				seen := r.status == 200 && slices.ContainsFunc(hidden, func(h string) bool { return strings.Contains(r.raw, h) })
				if strings.Contains(rule.Path, "/qr.") {
					seen = r.status == 200 // an image, of Nová Ves's payment
				}
				if rule.Path == "/v1/stats" && r.status == 200 {
					seen = r.body["obligations"].(float64) > 0 || r.body["payments"].(map[string]any)["obligations"].(float64) > 0
				}
				switch {
				case tok == token && (r.status != 404 && r.status != 200 || seen):
					t.Errorf("GET %s by a Praha 1 token: %d %s; want 404 or nothing of Nová Ves", path, r.status, r.raw)
				case tok != token && (r.status != 200 || !seen):
					t.Errorf("GET %s by %s (every office): %d %s; want Nová Ves's data", path, tok, r.status, r.raw)
				}
			}
		}
		if reads < 14 {
			t.Errorf("walked %d read routes", reads)
		}
		if r := s.do("GET", fmt.Sprintf("/v1/cases/%s?min_position=%d", own, ownPos), "praha-clerk", nil); r.status != 200 {
			t.Errorf("a Praha 1 token reading a Praha 1 case: %d %s", r.status, r.raw)
		}
		if r := s.do("GET", fmt.Sprintf("/v1/cases/%s?min_position=%d", own, ownPos), "two-offices", nil); r.status != 200 {
			t.Errorf("a Praha 1|Brno token reading a Praha 1 case: %d %s", r.status, r.raw)
		}
		if r := s.do("GET", "/v1/cases/"+dog, "two-offices", nil); r.status != 404 {
			t.Errorf("a Praha 1|Brno token reading a Nová Ves case: %d %s", r.status, r.raw)
		}
		if r := s.do("POST", "/v1/cases", "two-offices", map[string]any{"situation": "id_card_incident", "office": "Brno",
			"citizen": map[string]string{"id": "b-1", "birth_date": "1970-02-02", "full_name": "Eva Brněnská"}}); r.status != 201 {
			t.Errorf("a Praha 1|Brno token opening a Brno case: %d %s", r.status, r.raw)
		}
	})
}

// Old token entries stay valid; a scope with an empty office is refused.
func TestTokenEntriesTakeSeveralOfficesOrAll(t *testing.T) {
	for entry, want := range map[string][]string{
		"t=clerk:eva":                   nil,
		"t=clerk:eva:Praha 1":           {"Praha 1"},
		"t=clerk:eva:Praha 1|Brno":      {"Praha 1", "Brno"},
		"t=compliance_officer:kraj:*":   nil,
		"t=compliance_officer:kraj:a|*": nil,
	} {
		tok, err := handlers.ParseTokens(entry)
		if err != nil {
			t.Errorf("%s: %v", entry, err)
			continue
		}
		srv := handlers.New(handlers.Config{Tokens: tok})
		id, ok := srv.Identify("t")
		if !ok || !slices.Equal(id.Scope(), want) {
			t.Errorf("%s: scope %v, want %v", entry, id.Scope(), want)
		}
	}
	for _, bad := range []string{"t=clerk:eva:", "t=clerk:eva:Praha 1|", "t=clerk:eva:|Brno"} {
		if _, err := handlers.ParseTokens(bad); err == nil {
			t.Errorf("%s was accepted", bad)
		}
	}
}

// Where offices are configured, a case for another office is refused (422
// naming office) and stores nothing; without a list any office is taken.
func TestOnlyConfiguredOfficesOpenCases(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		s := newScopedStack(t, db, func(c *handlers.Config) { c.KnownOffices = []string{"Praha 1", "nova-ves"} })
		before := s.eventCount()
		r := s.do("POST", "/v1/cases", "clerk-token", map[string]any{"situation": "id_card_incident", "office": "Praha 11",
			"citizen": map[string]string{"id": "c-9", "birth_date": "1980-05-17", "full_name": "Jana Nováková"}})
		if r.status != 422 || !strings.Contains(r.raw, `"field":"office"`) {
			t.Errorf("a case for an office not configured: %d %s", r.status, r.raw)
		}
		if n := s.eventCount(); n != before {
			t.Errorf("stored %d events", n-before)
		}
		s.openCase("id_card_incident", "1980-05-17")
	})
}

func openFor(s *stack, token, office, id, birth, number, name string) response {
	s.t.Helper()
	c := map[string]string{"id": id, "birth_date": birth, "full_name": name}
	if number != "" {
		c["birth_number"] = number
	}
	return s.do("POST", "/v1/cases", token, map[string]any{"situation": "id_card_incident", "office": office, "citizen": c})
}

// A citizen id is one person: written with invisible or fullwidth
// characters it is the same id; another birth date or birth number under a
// known id is refused (409 naming the field) until a correction is recorded.
func TestACitizenIdIsOnePerson(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		s := newScopedStack(t, db)
		first := openFor(s, "clerk-token", "Praha 1", "AB-1", "1973-10-28", "736028/5163", "Jana Nováková")
		if first.status != 201 {
			t.Fatal(first.raw)
		}
		// "ＡＢ\u200b-１": fullwidth, with a zero-width space.
		same := openFor(s, "clerk-token", "Praha 1", "\uff21\uff22\u200b-\uff11", "1973-10-28", "", "Jana Nováková")
		if same.status != 201 {
			t.Fatalf("the same citizen written otherwise: %d %s", same.status, same.raw)
		}
		r := s.do("GET", fmt.Sprintf("/v1/citizens/%s/cases?min_position=%d", url.PathEscape("ＡＢ-1"), int64(same.body["position"].(float64))), "clerk-token", nil)
		if items, _ := r.body["items"].([]any); len(items) != 2 {
			t.Errorf("the citizen's cases by the fullwidth id: %s", r.raw)
		}
		before := s.eventCount()
		for _, tc := range []struct{ birth, number, field string }{
			{"1973-10-29", "", "citizen.birth_date"},
			{"1973-10-28", "736028/5174", "citizen.birth_number"},
		} {
			r := openFor(s, "clerk-token", "Praha 1", "AB-1", tc.birth, tc.number, "Jana Nováková")
			if r.status != 409 || r.body["type"] != "/problems/identity-mismatch" || !strings.Contains(r.raw, `"field":"`+tc.field+`"`) {
				t.Errorf("born %s, %q under a known id: %d %s; want 409 naming %s", tc.birth, tc.number, r.status, r.raw, tc.field)
			}
		}
		if n := s.eventCount(); n != before {
			t.Errorf("refused openings stored %d events", n-before)
		}
		// The clerk finds the known date wrong and corrects it.
		id := first.body["id"].(string)
		if r := s.do("POST", "/v1/cases/"+id+"/events", "clerk-token", map[string]any{"type": "CitizenCorrected",
			"data": map[string]any{"birth_date": "1973-10-29", "reason": "typo at the counter"}}); r.status != 422 || !strings.Contains(r.raw, "birth_number") {
			t.Errorf("a birth date the birth number does not encode: %d %s", r.status, r.raw)
		}
		pos := s.recordAs("clerk-token", id, "CitizenCorrected", map[string]any{"birth_date": "1973-10-29", "birth_number": "736029/5162",
			"full_name": "Jana Nováková Dvořáková", "reason": "typo at the counter; married name"})
		c := s.caseAt(id, pos, "2026-04-10")["citizen"].(map[string]any)
		if c["birth_date"] != "1973-10-29" || c["full_name"] != "Jana Nováková Dvořáková" {
			t.Errorf("the corrected case shows %v", c)
		}
		if r := openFor(s, "clerk-token", "Praha 1", "AB-1", "1973-10-29", "736029/5162", "Jana Dvořáková"); r.status != 201 {
			t.Errorf("an opening with the corrected data: %d %s", r.status, r.raw)
		}
		if r := openFor(s, "clerk-token", "Praha 1", "AB-1", "1973-10-28", "", "Jana Nováková"); r.status != 409 {
			t.Errorf("an opening with the data corrected away: %d %s", r.status, r.raw)
		}
	})
}

// Concurrent first openings for one citizen id with different birth dates,
// on several servers on one database: exactly the ones that agree with the
// first to commit are taken.
func TestConcurrentOpeningsAgreeOnTheCitizen(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		servers := []*stack{newScopedStack(t, db), newScopedStack(t, db)}
		births := []string{"1980-01-01", "1981-01-01"}
		answers := concurrently(16, func(i int) response {
			return openFor(servers[i%2], "clerk-token", "Praha 1", "race-1", births[i/2%2], "", "Jan Závodník")
		})
		won := map[int]string{}
		for i, a := range answers {
			switch a.status {
			case 201:
				won[i/2%2] = births[i/2%2]
			case 409:
			default:
				t.Fatalf("answer %d: %d %s", i, a.status, a.raw)
			}
		}
		if len(won) != 1 {
			t.Errorf("openings with both birth dates were taken: %v", won)
		}
	})
}

var referenceShape = regexp.MustCompile(`^Praha 1/2026/[0-9]{5}$`)

// Every case gets a reference, <office>/<year>/<five digits>, in the
// order of opening per office and year, without gaps even when openings
// race on two servers and some are refused; GET /v1/cases?reference= finds it.
func TestReferencesHaveNoGaps(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		servers := []*stack{newScopedStack(t, db), newScopedStack(t, db)}
		s := servers[0]
		first := openFor(s, "clerk-token", "Praha 1", "r-0", "1980-05-17", "", "Jana Nováková")
		if first.body["reference"] != "Praha 1/2026/00001" {
			t.Fatalf("the first case of Praha 1 in 2026: %s", first.raw)
		}
		if r := openFor(s, "clerk-token", "nova-ves", "r-0", "1980-05-17", "", "Jana Nováková"); r.body["reference"] != "nova-ves/2026/00001" {
			t.Errorf("the first case of Nová Ves in 2026: %s", r.raw)
		}
		var mu sync.Mutex
		var refs []string
		answers := concurrently(20, func(i int) response {
			birth := "1980-05-17"
			if i%5 == 0 {
				birth = "1999-09-09" // refused: r-0 is born 1980-05-17
			}
			r := openFor(servers[i%2], "clerk-token", "Praha 1", "r-0", birth, "", "Jana Nováková")
			if r.status == 201 {
				mu.Lock()
				refs = append(refs, r.body["reference"].(string))
				mu.Unlock()
			}
			return r
		})
		for _, a := range answers {
			if a.status != 201 && a.status != 409 {
				t.Fatalf("%d %s", a.status, a.raw)
			}
		}
		slices.Sort(refs)
		for i, ref := range refs {
			if want := fmt.Sprintf("Praha 1/2026/%05d", i+2); ref != want || !referenceShape.MatchString(ref) {
				t.Fatalf("references %v: want %s at %d", refs, want, i)
			}
		}
		if len(refs) != 16 {
			t.Errorf("%d openings taken, want 16", len(refs))
		}
		id := first.body["id"].(string)
		r := s.do("GET", fmt.Sprintf("/v1/cases?reference=%s&min_position=%d", url.QueryEscape("Praha 1/2026/00001"), s.eventCount()), "clerk-token", nil)
		items, _ := r.body["items"].([]any)
		if r.status != 200 || len(items) != 1 || items[0].(map[string]any)["id"] != id || items[0].(map[string]any)["full_name"] != "Jana Nováková" {
			t.Errorf("the case by its reference: %d %s", r.status, r.raw)
		}
		if c := s.caseAt(id, 1, "2026-04-10"); c["reference"] != "Praha 1/2026/00001" {
			t.Errorf("the case shows reference %v", c["reference"])
		}
	})
}

// GET /v1/citizens?q= finds citizens by name without accents or case, by
// birth date written the Czech way or ISO, and by birth number with or
// without the slash; within the token's offices.
func TestFindingACitizenAtTheCounter(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		s := newScopedStack(t, db)
		openFor(s, "clerk-token", "Praha 1", "c-dv", "1973-10-28", "736028/5163", "Jana Dvořáková")
		openFor(s, "clerk-token", "Praha 1", "c-no", "1980-04-01", "", "Petr Novák")
		last := openFor(s, "clerk-token", "nova-ves", "c-nv", "1980-04-01", "", "Eva Nováčková")
		pos := int64(last.body["position"].(float64))
		find := func(token, q string) []string {
			r := s.do("GET", fmt.Sprintf("/v1/citizens?q=%s&min_position=%d", url.QueryEscape(q), pos), token, nil)
			if r.status != 200 {
				t.Fatalf("q=%s: %d %s", q, r.status, r.raw)
			}
			var ids []string
			for _, it := range r.body["items"].([]any) {
				ids = append(ids, it.(map[string]any)["id"].(string))
			}
			return ids
		}
		for q, want := range map[string][]string{
			"dvorak": {"c-dv"}, "DVOŘÁK": {"c-dv"}, "novak": {"c-no"}, "nová": {"c-no", "c-nv"}, "1. 4. 1980": {"c-no", "c-nv"},
			"1.4.1980": {"c-no", "c-nv"}, "1980-04-01": {"c-no", "c-nv"}, "7360285163": {"c-dv"}, "736028/5163": {"c-dv"}, "á%": nil, "a_": nil,
		} {
			if got := find("clerk-token", q); !slices.Equal(got, want) {
				t.Errorf("q=%s: %v, want %v", q, got, want)
			}
		}
		if got := find("praha-clerk", "1. 4. 1980"); !slices.Equal(got, []string{"c-no"}) {
			t.Errorf("a Praha 1 token finds %v", got)
		}
		for _, bad := range []string{"x", "31. 2. 1980", "12345"} {
			if r := s.do("GET", "/v1/citizens?q="+url.QueryEscape(bad), "clerk-token", nil); r.status != 400 {
				t.Errorf("q=%s: %d %s", bad, r.status, r.raw)
			}
		}
		if r := s.do("GET", "/v1/citizens?q=novak", "dash-token", nil); r.status != 403 {
			t.Errorf("a dashboard searching citizens: %d", r.status)
		}
	})
}

// Worklists: the cases assigned to me, to someone, or to nobody, with their
// pending obligations and office deadlines soonest due first; due_soon is
// due within five working days.
func TestWorklists(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		s := newScopedStack(t, db)
		// Reported lost on Tuesday 24 Mar 2026: apply for a new card within
		// 15 working days, by Thursday 16 Apr (Easter between).
		soon, _ := s.openCase("id_card_incident", "1980-05-17")
		s.record(soon, "IncidentReported", map[string]any{"kind": "lost", "reported_on": "2026-03-24", "reported_to": "police"})
		// Reported on 2 Mar: apply by 23 Mar, overdue on 10 Apr.
		late, _ := s.openCase("id_card_incident", "1990-01-01")
		s.record(late, "IncidentReported", map[string]any{"kind": "lost", "reported_on": "2026-03-02", "reported_to": "police"})
		nobody, _ := s.openCase("id_card_incident", "1991-01-01")
		s.record(nobody, "IncidentReported", map[string]any{"kind": "lost", "reported_on": "2026-04-02", "reported_to": "police"})
		s.record(soon, "CaseAssigned", map[string]any{"to": "alice", "note": "call her on Monday"})
		s.record(late, "CaseAssigned", map[string]any{"to": "eva"})
		pos := s.recordAs("officer-token", late, "CaseAssigned", map[string]any{"to": "alice"})
		list := func(token, query string) []map[string]any {
			r := s.do("GET", fmt.Sprintf("/v1/worklist?%s&min_position=%d", query, pos), token, nil)
			if r.status != 200 {
				t.Fatalf("%s: %d %s", query, r.status, r.raw)
			}
			var out []map[string]any
			for _, it := range r.body["items"].([]any) {
				out = append(out, it.(map[string]any))
			}
			return out
		}
		mine := list("clerk-token", "assignee=me")
		if len(mine) != 2 || mine[0]["case_id"] != late || mine[0]["status"] != "overdue" || mine[1]["case_id"] != soon ||
			mine[1]["status"] != "due_soon" || mine[1]["due_on"] != "2026-04-16" || mine[0]["reference"] == "" {
			t.Errorf("alice's worklist: %v", mine)
		}
		if got := list("clerk-token", "assignee=alice&status=overdue"); len(got) != 1 || got[0]["case_id"] != late {
			t.Errorf("alice's overdue: %v", got)
		}
		if got := list("clerk-token", "assignee=eva"); len(got) != 0 {
			t.Errorf("eva's worklist after the case went to alice: %v", got)
		}
		if got := list("clerk-token", "assignee=none"); len(got) != 1 || got[0]["case_id"] != nobody {
			t.Errorf("nobody's worklist: %v", got)
		}
		s.recordAs("clerk-token", late, "CaseUnassigned", map[string]any{})
		if r := s.do("POST", "/v1/cases/"+late+"/events", "clerk-token", map[string]any{"type": "CaseUnassigned", "data": map[string]any{}}); r.status != 422 {
			t.Errorf("unassigning a case assigned to nobody: %d %s", r.status, r.raw)
		}
		if r := s.do("POST", "/v1/cases/"+late+"/events", "dash-token", map[string]any{"type": "CaseAssigned", "data": map[string]any{"to": "x"}}); r.status != 403 {
			t.Errorf("a dashboard assigning: %d", r.status)
		}
		if r := s.do("GET", "/v1/worklist?status=soon", "clerk-token", nil); r.status != 400 {
			t.Errorf("an unknown status: %d", r.status)
		}
	})
}

// A case opened before references existed has none in its CaseOpened;
// migration 00060 appends the CaseReferenceAssigned that gives it one,
// recorded by "lhuta migrate". The case and the lists show it, and the
// history answers the event (read by the generated client too).
func TestACaseFromBeforeReferencesGetsOneFromTheMigration(t *testing.T) {
	eachStack(t, calendar.NewDate(2026, 4, 10), func(t *testing.T, s *stack) {
		id := "0b6f4a52-3f1e-4d6c-9a57-7e2f3c1d9a10"
		opened := `{"situation":"id_card_incident","office":"Praha 1","citizen":{"id":"c-old","birth_date":"1970-01-02","full_name":"Karel Starý"},"opened_on":"2025-11-03"}`
		s.appendStored(id, 0, "alice", "before-references", "CaseOpened", opened)
		pos := s.appendStored(id, 1, "lhuta migrate", "before-references", "CaseReferenceAssigned", `{"reference":"Praha 1/2025/00007"}`)
		r := s.do("GET", fmt.Sprintf("/v1/cases/%s?min_position=%d", id, pos), "clerk-token", nil)
		if r.status != 200 || r.body["reference"] != "Praha 1/2025/00007" || r.body["version"] != 2.0 {
			t.Errorf("the case: %d %v", r.status, r.raw)
		}
		if r := s.do("GET", "/v1/cases?reference="+url.QueryEscape("Praha 1/2025/00007"), "clerk-token", nil); r.status != 200 ||
			!strings.Contains(r.raw, id) {
			t.Errorf("found by its reference: %d %s", r.status, r.raw)
		}
		r = s.do("GET", "/v1/cases/"+id+"/events", "clerk-token", nil)
		items, _ := r.body["items"].([]any)
		if len(items) != 2 || items[1].(map[string]any)["type"] != "CaseReferenceAssigned" {
			t.Errorf("the history: %s", r.raw)
		}
		// The API never takes it from a client.
		if r := s.do("POST", "/v1/cases/"+id+"/events", "clerk-token", map[string]any{"type": "CaseReferenceAssigned",
			"data": map[string]any{"reference": "Praha 1/2025/99999"}}); r.status != 400 && r.status != 422 {
			t.Errorf("a client recording CaseReferenceAssigned: %d %s", r.status, r.raw)
		}
	})
}

// GET /v1/citizens/{citizen_id}/cases lists one citizen's cases, oldest
// first, with their status as of today, to clerks and officers only; each
// case listed is an audited personal-data read.
func TestACitizensCases(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		var logged bytes.Buffer
		s := newStackWith(t, db, calendar.NewDate(2026, 4, 10), func(c *handlers.Config) {
			c.Log = slog.New(slog.NewTextHandler(&logged, nil))
		})
		first, _ := s.openCase("id_card_incident", "1980-05-17")
		s.record(first, "CaseClosed", map[string]any{"closed_on": "2026-04-10"})
		other := s.payer("p-9", "1970-01-01", "Petr Novák")
		second, pos := s.openCase("residence_change", "1980-05-17")
		r := s.do("GET", fmt.Sprintf("/v1/citizens/c-1/cases?min_position=%d", pos), "clerk-token", nil)
		if r.status != 200 {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		items := r.body["items"].([]any)
		if len(items) != 2 {
			t.Fatalf("want the citizen's 2 cases, got %s", r.raw)
		}
		got := map[string]map[string]any{}
		for _, it := range items {
			m := it.(map[string]any)
			got[m["case_id"].(string)] = m
		}
		if a := got[first]; a == nil || a["situation"] != "id_card_incident" || a["office"] != "Praha 1" ||
			a["status"] != "closed" || a["opened_on"] != "2026-04-10" {
			t.Errorf("first case: %v", a)
		}
		if b := got[second]; b == nil || b["situation"] != "residence_change" || b["status"] != "open" {
			t.Errorf("second case: %v", b)
		}
		if got[other] != nil {
			t.Errorf("another citizen's case is listed: %s", r.raw)
		}
		if r := s.do("GET", "/v1/citizens/p-9/cases", "officer-token", nil); r.status != 200 ||
			len(r.body["items"].([]any)) != 1 || !strings.Contains(r.raw, other) {
			t.Errorf("officer, p-9: %d %s", r.status, r.raw)
		}
		if r := s.do("GET", "/v1/citizens/nobody/cases", "clerk-token", nil); r.status != 200 || strings.TrimSpace(r.raw) != `{"items":[]}` {
			t.Errorf("unknown citizen: %d %q", r.status, r.raw)
		}
		for _, tok := range []string{"dash-token", "admin-token"} {
			if r := s.do("GET", "/v1/citizens/c-1/cases", tok, nil); r.status != 403 {
				t.Errorf("%s: %d, want 403", tok, r.status)
			}
		}
		if r := s.do("GET", "/v1/citizens/c-1/cases", "", nil); r.status != 401 {
			t.Errorf("no token: %d, want 401", r.status)
		}
		audited := 0
		for _, l := range strings.Split(logged.String(), "\n") {
			if strings.Contains(l, "audit=true") && strings.Contains(l, "route=/v1/citizens/{citizen_id}/cases") {
				audited++
				if !strings.Contains(l, "case_id="+first) && !strings.Contains(l, "case_id="+second) && !strings.Contains(l, "case_id="+other) {
					t.Errorf("audit line names no listed case: %s", l)
				}
			}
		}
		if audited != 3 {
			t.Errorf("%d audit lines for the citizen lists, want 3 (2 cases, then 1):\n%s", audited, logged.String())
		}
	})
}
