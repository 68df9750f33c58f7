package handlers_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
)

// A loss reported on Wednesday 1 Apr 2026, before the Easter holidays
// (Good Friday 3 Apr, Easter Monday 6 Apr): apply by Friday 24 Apr 2026.
func TestIDCardIncidentOnTimeAndLate(t *testing.T) {
	eachStack(t, calendar.NewDate(2026, 5, 15), func(t *testing.T, s *stack) {
		loss := map[string]any{"kind": "lost", "reported_on": "2026-04-01", "reported_to": "municipal_office"}

		onTime, _ := s.openCase("id_card_incident", "1980-05-17")
		pos := s.record(onTime, "IncidentReported", loss)
		o := s.obligation(onTime, pos, "2026-04-02")
		if o["obligation"] != "apply_for_id_card" || o["due_on"] != "2026-04-24" || o["status"] != "open" ||
			!strings.Contains(o["legal_basis"].(string), "269/2021") {
			t.Fatalf("after the report: %v", o)
		}
		pos = s.record(onTime, "ApplicationFiled", map[string]any{"document": "id_card_chip", "filed_on": "2026-04-24",
			"track": "standard", "filing_office": "municipal_office"})
		if o := s.obligation(onTime, pos, "2026-05-15"); o["status"] != "met" || o["fulfilled_on"] != "2026-04-24" {
			t.Fatalf("filed on the last day: %v", o)
		}

		late, _ := s.openCase("id_card_incident", "1980-05-17")
		pos = s.record(late, "IncidentReported", loss)
		if o := s.obligation(late, pos, "2026-04-24"); o["status"] != "open" {
			t.Fatalf("on the due day: %v", o)
		}
		if o := s.obligation(late, pos, "2026-04-27"); o["status"] != "overdue" {
			t.Fatalf("the Monday after: %v", o)
		}
		pos = s.record(late, "ApplicationFiled", map[string]any{"document": "id_card", "filed_on": "2026-04-27",
			"track": "standard", "filing_office": "municipal_office"})
		if o := s.obligation(late, pos, "2026-05-15"); o["status"] != "met_late" {
			t.Fatalf("filed a working day late: %v", o)
		}
		if o := s.obligation(late, pos, "2026-04-26"); o["status"] != "overdue" {
			t.Fatalf("as of a day before the late filing: %v", o)
		}

		r := s.do("GET", "/v1/obligations?as_of=2026-05-15&status=met_late", "officer-token", nil)
		items := r.body["items"].([]any)
		if r.status != 200 || len(items) != 1 || items[0].(map[string]any)["case_id"] != late {
			t.Fatalf("overdue list: %d %s", r.status, r.raw)
		}
	})
}

// Under zákon 328/1999 (facts before 2 Aug 2021) the same duty cites § 16a.
func TestOldLawIncidentCitesSection16a(t *testing.T) {
	s := sqliteStack(t, calendar.NewDate(2026, 5, 15))
	id, _ := s.openCase("id_card_incident", "1980-05-17")
	pos := s.record(id, "IncidentReported", map[string]any{"kind": "stolen", "reported_on": "2021-07-30", "reported_to": "police"})
	o := s.obligation(id, pos, "2021-08-02")
	// Friday 30 Jul 2021 + 15 working days = Friday 20 Aug 2021.
	if o["due_on"] != "2021-08-20" || !strings.Contains(o["legal_basis"].(string), "328/1999 Sb., § 16a") {
		t.Fatalf("old-law obligation: %v", o)
	}
}

func TestBadRequestsAreRefusedAndStoreNothing(t *testing.T) {
	eachStack(t, calendar.NewDate(2026, 4, 10), func(t *testing.T, s *stack) {
		id, _ := s.openCase("id_card_incident", "1980-05-17")
		reported := func(date string) map[string]any {
			return map[string]any{"type": "IncidentReported", "data": map[string]any{"kind": "lost", "reported_on": date, "reported_to": "police"}}
		}
		cases := []struct {
			name, path string
			body       any
			status     int
			field      string
		}{
			{"malformed JSON", "/v1/cases/" + id + "/events", `{"type": "IncidentReported", "data": {`, 400, "body"},
			{"unknown situation", "/v1/cases", map[string]any{"situation": "alien_abduction", "office": "x",
				"citizen": map[string]string{"id": "1", "birth_date": "1980-01-01", "full_name": "X"}}, 400, "situation"},
			{"missing citizen fields", "/v1/cases", map[string]any{"situation": "id_card_incident", "office": "x",
				"citizen": map[string]string{"id": "1"}}, 400, "citizen.birth_date"},
			{"citizen born in the future", "/v1/cases", map[string]any{"situation": "id_card_incident", "office": "x",
				"citizen": map[string]string{"id": "1", "birth_date": "2027-01-01", "full_name": "X"}}, 422, "citizen.birth_date"},
			{"unknown event type", "/v1/cases/" + id + "/events", map[string]any{"type": "CardEaten", "data": map[string]any{}}, 400, "type"},
			{"missing field", "/v1/cases/" + id + "/events", map[string]any{"type": "IncidentReported",
				"data": map[string]any{"kind": "lost", "reported_to": "police"}}, 400, "data.reported_on"},
			{"impossible date", "/v1/cases/" + id + "/events", reported("2026-02-30"), 400, "data.reported_on"},
			{"date in the future", "/v1/cases/" + id + "/events", reported("2026-04-11"), 422, "data.reported_on"},
			{"date before birth", "/v1/cases/" + id + "/events", reported("1979-12-31"), 422, "data.reported_on"},
			{"unknown kind", "/v1/cases/" + id + "/events", map[string]any{"type": "IncidentReported",
				"data": map[string]any{"kind": "misplaced", "reported_on": "2026-04-01", "reported_to": "police"}}, 400, "data.kind"},
			{"unknown field", "/v1/cases/" + id + "/events", map[string]any{"type": "IncidentReported",
				"data": map[string]any{"kind": "lost", "reported_on": "2026-04-01", "reported_to": "police", "colour": "red"}}, 400, "data.colour"},
			{"wrong type", "/v1/cases/" + id + "/events", map[string]any{"type": "IncidentReported",
				"data": map[string]any{"kind": 7, "reported_on": "2026-04-01", "reported_to": "police"}}, 400, "data.kind"},
			{"stale expected version", "/v1/cases/" + id + "/events", map[string]any{"type": "IncidentReported", "expected_version": 0,
				"data": map[string]any{"kind": "lost", "reported_on": "2026-04-01", "reported_to": "police"}}, 409, "expected_version"},
		}
		before := s.eventCount()
		for _, c := range cases {
			r := s.do("POST", c.path, "clerk-token", c.body)
			if r.status != c.status || r.header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s: %d %s %s, want %d problem+json", c.name, r.status, r.header.Get("Content-Type"), r.raw, c.status)
				continue
			}
			errs, _ := r.body["errors"].([]any)
			if len(errs) == 0 || errs[0].(map[string]any)["field"] != c.field {
				t.Errorf("%s: errors %v, want field %s", c.name, r.body["errors"], c.field)
			}
		}
		if after := s.eventCount(); after != before {
			t.Fatalf("refused requests stored %d events", after-before)
		}
		if r := s.do("POST", "/v1/cases/no-such-case/events", "clerk-token", reported("2026-04-01")); r.status != 404 {
			t.Errorf("unknown case: %d %s", r.status, r.raw)
		}
	})
}

func TestAuthentication(t *testing.T) {
	s := sqliteStack(t, calendar.NewDate(2026, 4, 10))
	for _, c := range []struct {
		token  string
		status int
	}{{"", 401}, {"wrong", 401}, {"dash-token", 403}} {
		r := s.do("POST", "/v1/cases", c.token, map[string]any{})
		if r.status != c.status || r.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("token %q: %d %s, want %d", c.token, r.status, r.raw, c.status)
		}
	}
	id, _ := s.openCase("id_card_incident", "1990-01-01")
	r := s.do("GET", "/v1/cases/"+id+"/events", "clerk-token", nil)
	items := r.body["items"].([]any)
	if first := items[0].(map[string]any); first["recorded_by"] != "alice" || first["type"] != "CaseOpened" {
		t.Errorf("history does not say who recorded it: %s", r.raw)
	}
}

func TestMinPositionWaitsAndThenGivesUp(t *testing.T) {
	s := sqliteStack(t, calendar.NewDate(2026, 4, 10))
	id, pos := s.openCase("id_card_incident", "1990-01-01")
	if r := s.do("GET", fmt.Sprintf("/v1/cases/%s?min_position=%d", id, pos), "clerk-token", nil); r.status != 200 || r.body["version"] != 1.0 {
		t.Fatalf("read your write: %d %s", r.status, r.raw)
	}
	s.server.MinPositionWait = 50 * time.Millisecond
	r := s.do("GET", fmt.Sprintf("/v1/cases/%s?min_position=%d", id, pos+100), "clerk-token", nil)
	if r.status != 503 || r.header.Get("Retry-After") == "" {
		t.Fatalf("a position never written: %d %s", r.status, r.raw)
	}
	if r := s.do("GET", "/v1/obligations?min_position=abc", "clerk-token", nil); r.status != 400 {
		t.Fatalf("bad min_position: %d", r.status)
	}
}

func TestFlagsListForComplianceOfficers(t *testing.T) {
	eachStack(t, calendar.NewDate(2026, 6, 1), func(t *testing.T, s *stack) {
		var last int64
		for range 3 {
			id, _ := s.openCase("id_card_expiry", "1970-01-01")
			last = s.record(id, "IDCardExpired", map[string]any{"expired_on": "2026-04-01"})
		}
		r := s.do("GET", fmt.Sprintf("/v1/flags?status=raised&limit=2&min_position=%d", last), "officer-token", nil)
		items, _ := r.body["items"].([]any)
		if r.status != 200 || len(items) != 2 || r.body["next_cursor"] == "" {
			t.Fatalf("first page: %d %s", r.status, r.raw)
		}
		f := items[0].(map[string]any)
		if f["offence"] != "65-late_application" || f["raised_on"] != "2026-04-25" || f["max_fine_czk"] != nil || f["status"] != "raised" {
			t.Errorf("flag: %v", f)
		}
		r = s.do("GET", "/v1/flags?status=raised&limit=2&cursor="+r.body["next_cursor"].(string), "officer-token", nil)
		if items, _ := r.body["items"].([]any); r.status != 200 || len(items) != 1 || r.body["next_cursor"] != "" {
			t.Fatalf("second page: %d %s", r.status, r.raw)
		}
		// As of the due day no flag is raised yet: it comes the day after.
		if r := s.do("GET", "/v1/flags?as_of=2026-04-24", "officer-token", nil); len(r.body["items"].([]any)) != 0 {
			t.Errorf("flags raised on the due day: %s", r.raw)
		}
		for _, bad := range []struct{ query, field string }{
			{"status=angry", "status"}, {"as_of=2026-02-30", "as_of"}, {"limit=0", "limit"}, {"cursor=xyz", "cursor"},
		} {
			r := s.do("GET", "/v1/flags?"+bad.query, "officer-token", nil)
			if errs, _ := r.body["errors"].([]any); r.status != 400 || len(errs) == 0 || errs[0].(map[string]any)["field"] != bad.field {
				t.Errorf("%s: %d %s", bad.query, r.status, r.raw)
			}
		}
		if r := s.do("GET", "/v1/flags", "dash-token", nil); r.status != 403 {
			t.Errorf("dashboard reading flags: %d", r.status)
		}
	})
}

func TestHealthAndReadiness(t *testing.T) {
	s := sqliteStack(t, calendar.NewDate(2026, 6, 1))
	if r := s.do("GET", "/healthz", "", nil); r.status != 200 {
		t.Errorf("healthz: %d", r.status)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := s.do("GET", "/readyz", "", nil)
		if r.status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz: %d %s", r.status, r.raw)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if r := s.do("GET", "/metrics", "", nil); r.status != 200 || !strings.Contains(r.raw, "lhuta_http_requests_total") {
		t.Errorf("metrics: %d", r.status)
	}
}

func TestBirthNumberIsCheckedWhenGiven(t *testing.T) {
	s := sqliteStack(t, calendar.NewDate(2026, 6, 1))
	open := func(birth, number string) response {
		return s.do("POST", "/v1/cases", "clerk-token", map[string]any{"situation": "name_change", "office": "Brno",
			"citizen": map[string]string{"id": "c", "birth_date": birth, "full_name": "Petr Novák", "birth_number": number}})
	}
	// 800517/0019: 8005170019 = 11 × 727742729.
	if r := open("1980-05-17", "800517/0019"); r.status != 201 {
		t.Fatalf("a valid birth number: %d %s", r.status, r.raw)
	}
	for _, c := range []struct {
		birth, number string
		status        int
	}{
		{"1980-05-17", "800517/0018", 400}, // fails mod 11
		{"1980-05-18", "800517/0019", 422}, // encodes another birth date
	} {
		r := open(c.birth, c.number)
		if errs, _ := r.body["errors"].([]any); r.status != c.status || len(errs) == 0 || errs[0].(map[string]any)["field"] != "citizen.birth_number" {
			t.Errorf("%s born %s: %d %s", c.number, c.birth, r.status, r.raw)
		}
	}
}

func TestIdempotencyKeyRecordsARetriedRequestOnce(t *testing.T) {
	eachStack(t, calendar.NewDate(2026, 6, 1), func(t *testing.T, s *stack) {
		post := func(path, key string, body any) response {
			return s.send("POST", path, "clerk-token", map[string]string{"Idempotency-Key": key}, body)
		}
		opening := map[string]any{"situation": "id_card_expiry", "office": "Praha 1",
			"citizen": map[string]string{"id": "c-2", "birth_date": "1970-01-01", "full_name": "Jan Novák"}}
		answers := make(chan response, 8)
		for range 8 { // a client retrying impatiently
			go func() { answers <- post("/v1/cases", "open-1", opening) }()
		}
		var id string
		for range 8 {
			r := <-answers
			if r.status != 201 {
				t.Fatalf("retry: %d %s", r.status, r.raw)
			}
			if id == "" {
				id = r.body["id"].(string)
			}
			if r.body["id"] != id {
				t.Fatalf("retries opened two cases: %s and %s", id, r.body["id"])
			}
		}
		expired := map[string]any{"type": "IDCardExpired", "data": map[string]any{"expired_on": "2026-05-01"}}
		first := post("/v1/cases/"+id+"/events", "expired-1", expired)
		again := post("/v1/cases/"+id+"/events", "expired-1", expired)
		if first.status != 201 || again.status != 201 || first.raw != again.raw {
			t.Fatalf("a retried event: %d %s then %d %s", first.status, first.raw, again.status, again.raw)
		}
		if n := s.eventCount(); n != 2 {
			t.Fatalf("%d events stored, want 2", n)
		}
		other, _ := s.openCase("id_card_expiry", "1970-01-01")
		if r := post("/v1/cases/"+other+"/events", "expired-1", expired); r.status != 422 {
			t.Fatalf("the key reused on another case: %d %s", r.status, r.raw)
		}
	})
}

// As of a day before its fact, an obligation does not exist yet.
func TestObligationsAppearOnlyOnceTheirFactHappened(t *testing.T) {
	s := sqliteStack(t, calendar.NewDate(2026, 6, 1))
	id, _ := s.openCase("id_card_expiry", "1970-01-01")
	pos := s.record(id, "IDCardExpired", map[string]any{"expired_on": "2026-04-01"})
	r := s.do("GET", fmt.Sprintf("/v1/cases/%s?as_of=2026-03-31&min_position=%d", id, pos), "clerk-token", nil)
	if obs := r.body["obligations"].([]any); len(obs) != 0 {
		t.Fatalf("as of the day before the expiry: %s", r.raw)
	}
	if r := s.do("GET", "/v1/obligations?as_of=2026-03-31", "bearer-scheme-test", nil); r.status != 401 {
		t.Fatalf("unknown token: %d", r.status)
	}
	// The scheme is case-insensitive (RFC 7235).
	r = s.send("GET", "/v1/obligations?as_of=2026-03-31", "", map[string]string{"Authorization": "bearer officer-token"}, nil)
	if items, _ := r.body["items"].([]any); r.status != 200 || len(items) != 0 {
		t.Fatalf("list as of the day before: %d %s", r.status, r.raw)
	}
}

func TestStatsForDashboardsCarryNoPersonalData(t *testing.T) {
	eachStack(t, calendar.NewDate(2026, 6, 1), func(t *testing.T, s *stack) {
		onTime, _ := s.openCase("id_card_expiry", "1970-01-01")
		s.record(onTime, "IDCardExpired", map[string]any{"expired_on": "2026-04-01"})
		s.record(onTime, "ApplicationFiled", map[string]any{"document": "id_card_chip", "filed_on": "2026-04-20",
			"track": "standard", "filing_office": "municipal_office"})
		s.record(onTime, "DocumentReady", map[string]any{"ready_on": "2026-05-25"}) // due 20 May: a breach
		late, _ := s.openCase("id_card_expiry", "1970-01-01")
		s.record(late, "IDCardExpired", map[string]any{"expired_on": "2026-04-01"})
		lost, _ := s.openCase("id_card_incident", "1970-01-01")
		last := s.record(lost, "IncidentReported", map[string]any{"kind": "lost", "reported_on": "2026-05-20", "reported_to": "police"})

		r := s.do("GET", fmt.Sprintf("/v1/stats?from=2026-01-01&min_position=%d", last), "dash-token", nil)
		if r.status != 200 {
			t.Fatalf("stats: %d %s", r.status, r.raw)
		}
		byStatus := r.body["by_status"].(map[string]any)
		april := r.body["by_month"].(map[string]any)["2026-04"].(map[string]any)
		if r.body["obligations"] != 3.0 || byStatus["met"] != 1.0 || byStatus["overdue"] != 1.0 || byStatus["open"] != 1.0 ||
			r.body["on_time_rate"] != 0.5 || r.body["sla_breaches"] != 1.0 || april["overdue"] != 1.0 ||
			r.body["by_situation"].(map[string]any)["id_card_incident"].(map[string]any)["open"] != 1.0 {
			t.Fatalf("stats: %s", r.raw)
		}
		for _, personal := range []string{onTime, late, lost, "Jana", "c-1"} {
			if strings.Contains(r.raw, personal) {
				t.Errorf("stats carry personal data %q: %s", personal, r.raw)
			}
		}
		if r := s.do("GET", "/v1/stats?from=2026-06-02&to=2026-06-01", "dash-token", nil); r.status != 400 {
			t.Errorf("to before from: %d", r.status)
		}
		if r := s.do("GET", "/v1/stats", "clerk-token", nil); r.status != 403 {
			t.Errorf("a clerk reading stats: %d", r.status)
		}
	})
}
