package handlers_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
)

// The rules of issue 10 through HTTP, on both backends: the residence
// report fee, a child's case without a flag, an excuse's valid time, the
// passport after a surname change, the consent obstacle and the first card
// without permanent residence. The domain's tables (domain/cases) hold
// each rule in detail; these hold that the API answers them.

// lawToday is the service's fixed clock in these tests.
var lawToday = calendar.NewDate(2026, 6, 1)

// fieldOf returns the field of a problem's first error.
func fieldOf(r response) string {
	errs, _ := r.body["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	f, _ := errs[0].(map[string]any)["field"].(string)
	return f
}

func TestResidenceReportFeeAndAChildWithoutFlag(t *testing.T) {
	eachStack(t, lawToday, func(t *testing.T, s *stack) {
		moved := map[string]any{"reported_on": "2026-04-01", "registration_office": "Praha 1"}

		adult, _ := s.openCase("residence_change", "1980-05-17")
		pos := s.record(adult, "ResidenceChangeReported", moved)
		c := s.caseAt(adult, pos, "2026-04-25")
		fee, _ := c["fee"].(map[string]any)
		if fee == nil || fee["at_filing_czk"] != float64(50) || fee["at_collection_czk"] != float64(0) {
			t.Fatalf("an adult's report: fee %v, want 50 Kč", c["fee"])
		}
		checkFlags(t, c, law269, flagWant{"65-late_application", "2026-04-25", "raised", nil, false})

		// Born 10 Jan 2015: 11 on the report day and on 25 Apr 2026, the day after the deadline.
		child, _ := s.openCase("residence_change", "2015-01-10")
		pos = s.record(child, "ResidenceChangeReported", moved)
		c = s.caseAt(child, pos, "2026-05-01")
		if fee, _ := c["fee"].(map[string]any); fee == nil || fee["at_filing_czk"] != float64(0) {
			t.Fatalf("a child's report: fee %v, want 0 Kč", c["fee"])
		}
		checkObligation(t, c, law269, obWant{"apply_for_id_card", "2026-04-01", "2026-04-24", "overdue", ""})
		checkFlags(t, c, law269)
		if why, _ := list(t, c, "obligations")[0]["no_flag"].(string); !strings.Contains(why, "250/2016") || !strings.Contains(why, "under 15") {
			t.Errorf("the child's obligation does not say why it raises no flag: %v", c["obligations"])
		}
		if _, shown := list(t, s.caseAt(adult, pos, "2026-05-01"), "obligations")[0]["no_flag"]; shown {
			t.Errorf("an adult's obligation says it raises no flag")
		}
		// Nor does the officers' list show one.
		r := s.do("GET", fmt.Sprintf("/v1/flags?as_of=2026-05-01&min_position=%d", pos), "officer-token", nil)
		for _, f := range r.body["items"].([]any) {
			if f.(map[string]any)["case_id"] == child {
				t.Errorf("the child's case is flagged in /v1/flags: %v", f)
			}
		}
	})
}

func TestAnExcuseIsReadInValidTime(t *testing.T) {
	eachStack(t, lawToday, func(t *testing.T, s *stack) {
		id, _ := s.openCase("id_card_expiry", "1980-05-17")
		s.record(id, "IDCardExpired", map[string]any{"expired_on": "2026-04-01"})
		// Recorded on 1 Jun 2026 (the clock), the obstacle began on 10 Apr, before the deadline of 24 Apr.
		pos := s.recordAs("officer-token", id, "ObligationExcused", map[string]any{"obligation": "apply_for_id_card",
			"reason": "hospitalizace (překážka těžko překonatelná)", "obstacle_from": "2026-04-10"})
		c := s.caseAt(id, pos, "2026-04-09")
		checkObligation(t, c, law269, obWant{"apply_for_id_card", "2026-04-01", "2026-04-24", "open", ""})
		checkFlags(t, c, law269)
		for _, asOf := range []string{"2026-04-10", "2026-04-25", "2026-05-20"} {
			c = s.caseAt(id, pos, asOf)
			checkObligation(t, c, law269, obWant{"apply_for_id_card", "2026-04-01", "2026-04-24", "excused", ""})
			checkFlags(t, c, law269)
		}
		// The lists agree with the case.
		r := s.do("GET", fmt.Sprintf("/v1/obligations?as_of=2026-05-20&status=overdue&min_position=%d", pos), "officer-token", nil)
		if r.status != 200 || len(r.body["items"].([]any)) != 0 {
			t.Errorf("overdue as of 20 May: %d %s", r.status, r.raw)
		}

		// excused_on is no longer taken; an obstacle after the deadline does not excuse.
		other, _ := s.openCase("id_card_expiry", "1980-05-17")
		s.record(other, "IDCardExpired", map[string]any{"expired_on": "2026-04-01"})
		for _, tc := range []struct {
			data   map[string]any
			status int
			field  string
		}{
			{map[string]any{"obligation": "apply_for_id_card", "reason": "ill", "excused_on": "2026-05-01"}, 400, "data.excused_on"},
			{map[string]any{"obligation": "apply_for_id_card", "reason": "ill", "obstacle_from": "2026-04-27"}, 422, "data.obstacle_from"},
		} {
			r := s.do("POST", "/v1/cases/"+other+"/events", "officer-token", map[string]any{"type": "ObligationExcused", "data": tc.data})
			if r.status != tc.status || fieldOf(r) != tc.field {
				t.Errorf("%v: %d %s, want %d on %s", tc.data, r.status, r.raw, tc.status, tc.field)
			}
		}
	})
}

func TestPassportAfterSurnameChangeConsentObstacleAndFirstCardAbroad(t *testing.T) {
	eachStack(t, lawToday, func(t *testing.T, s *stack) {
		married := map[string]any{"change": "marriage", "document_received_on": "2026-04-10",
			"card_shows_marital_status": false, "surname_changed": true}
		unknownDay, _ := s.openCase("marital_status_change", "1980-05-17")
		pos := s.record(unknownDay, "MaritalStatusChanged", married)
		if got := validUntil(t, s.caseAt(unknownDay, pos, "2026-05-01"), "passport"); got != "2026-07-10" {
			t.Errorf("surname changed on an unknown day: passport valid until %s, want 2026-07-10", got)
		}
		married["surname_changed_on"] = "2026-03-28"
		knownDay, _ := s.openCase("marital_status_change", "1980-05-17")
		pos = s.record(knownDay, "MaritalStatusChanged", married)
		if got := validUntil(t, s.caseAt(knownDay, pos, "2026-05-01"), "passport"); got != "2026-06-28" {
			t.Errorf("surname changed on 28 Mar: passport valid until %s, want 2026-06-28", got)
		}

		// Born 15 Jan 2010: 16 on 1 Apr 2026.
		passport := map[string]any{"document": "passport", "filed_on": "2026-04-01", "track": "standard", "filing_office": "municipal_office"}
		teen, _ := s.openCase("passport_application", "2010-01-15")
		r := s.do("POST", "/v1/cases/"+teen+"/events", "clerk-token", map[string]any{"type": "ApplicationFiled", "data": passport})
		if r.status != 422 || fieldOf(r) != "data.consent_attached" || !strings.Contains(r.raw, "consent_obstacle") {
			t.Errorf("a 16-year-old without consent: %d %s", r.status, r.raw)
		}
		passport["consent_obstacle"] = "zákonný zástupce je dlouhodobě v cizině a nedosažitelný"
		pos = s.record(teen, "ApplicationFiled", passport)
		if fee, _ := s.caseAt(teen, pos, "2026-04-01")["fee"].(map[string]any); fee == nil || fee["at_filing_czk"] != float64(600) {
			t.Errorf("the passport's fee with a consent obstacle: %v", fee)
		}

		// Turned 15 on 20 Apr 2026 without permanent residence in the Czech Republic: no obligation.
		abroad, _ := s.openCase("first_id_card", "2011-04-20")
		pos = s.record(abroad, "CitizenTurned15", map[string]any{"birthday_on": "2026-04-20", "permanent_residence_in_cz": false})
		c := s.caseAt(abroad, pos, "2026-06-01")
		if len(list(t, c, "obligations")) != 0 || len(list(t, c, "flags")) != 0 {
			t.Errorf("a first card abroad: %v %v", c["obligations"], c["flags"])
		}
		home, _ := s.openCase("first_id_card", "2011-04-20")
		pos = s.record(home, "CitizenTurned15", map[string]any{"birthday_on": "2026-04-20"})
		checkObligation(t, s.caseAt(home, pos, "2026-05-21"), law269, obWant{"apply_for_id_card", "2026-04-20", "2026-05-20", "overdue", ""})
	})
}

// known_at: a case changed after T reads at known_at=T exactly as it read at
// T, and its history holds exactly the events it held then.
func TestKnownAtAnswersWhatTheOfficeShowedThen(t *testing.T) {
	eachStack(t, lawToday, func(t *testing.T, s *stack) {
		get := func(path string) response {
			t.Helper()
			r := s.do("GET", path, "officer-token", nil)
			if r.status != 200 {
				t.Fatalf("GET %s: %d %s", path, r.status, r.raw)
			}
			return r
		}
		// answers reads the case (as of the default day and as of 20 May) and
		// its history after the write at pos, and the instant after.
		type answers struct {
			now, may20, history string
			at                  time.Time
		}
		read := func(id string, pos int64) answers {
			t.Helper()
			a := answers{
				now:     get(fmt.Sprintf("/v1/cases/%s?min_position=%d", id, pos)).raw,
				may20:   get(fmt.Sprintf("/v1/cases/%s?as_of=2026-05-20&min_position=%d", id, pos)).raw,
				history: get(fmt.Sprintf("/v1/cases/%s/events", id)).raw,
				at:      time.Now(),
			}
			time.Sleep(5 * time.Millisecond) // what is recorded next is recorded after a.at
			return a
		}
		knownAt := func(id string, at time.Time) answers {
			t.Helper()
			k := url.QueryEscape(at.Format(time.RFC3339Nano))
			return answers{
				now:     get(fmt.Sprintf("/v1/cases/%s?known_at=%s", id, k)).raw,
				may20:   get(fmt.Sprintf("/v1/cases/%s?as_of=2026-05-20&known_at=%s", id, k)).raw,
				history: get(fmt.Sprintf("/v1/cases/%s/events?known_at=%s", id, k)).raw,
				at:      at,
			}
		}

		id, _ := s.openCase("id_card_expiry", "1980-05-17")
		pos := s.record(id, "IDCardExpired", map[string]any{"expired_on": "2026-04-01"})
		beforeExcuse := read(id, pos)
		pos = s.recordAs("officer-token", id, "ObligationExcused", map[string]any{"obligation": "apply_for_id_card",
			"reason": "hospitalizace (překážka těžko překonatelná)"})
		afterExcuse := read(id, pos)
		s.record(id, "ApplicationFiled", application("id_card_chip", "2026-05-25", "standard", "municipal_office"))
		s.record(id, "DocumentReady", map[string]any{"ready_on": "2026-05-30"})
		pos = s.record(id, "CaseClosed", map[string]any{"reason": "card issued"})

		for name, then := range map[string]answers{"before the excuse": beforeExcuse, "after the excuse": afterExcuse} {
			got := knownAt(id, then.at)
			if got.now != then.now || got.may20 != then.may20 || got.history != then.history {
				t.Errorf("known_at %s (%s) differs from the answer then:\ncase %s\nthen %s\nas of 20 May %s\nthen %s\nhistory %s\nthen %s",
					then.at.Format(time.RFC3339Nano), name, got.now, then.now, got.may20, then.may20, got.history, then.history)
			}
		}
		// Before the excuse was recorded the office treated the obligation as
		// overdue and flagged; as known after, it was excused all along.
		c := get(fmt.Sprintf("/v1/cases/%s?as_of=2026-05-20&known_at=%s", id, url.QueryEscape(beforeExcuse.at.Format(time.RFC3339Nano)))).body
		checkObligation(t, c, law269, obWant{"apply_for_id_card", "2026-04-01", "2026-04-24", "overdue", ""})
		checkFlags(t, c, law269, flagWant{"65-late_application", "2026-04-25", "raised", nil, false})
		c = get(fmt.Sprintf("/v1/cases/%s?as_of=2026-05-20&known_at=%s", id, url.QueryEscape(afterExcuse.at.Format(time.RFC3339Nano)))).body
		checkObligation(t, c, law269, obWant{"apply_for_id_card", "2026-04-01", "2026-04-24", "excused", ""})
		checkFlags(t, c, law269)
		// Today, the case has moved on.
		if now := get("/v1/cases/" + id + "?min_position=" + fmt.Sprint(pos)).raw; now == afterExcuse.now {
			t.Error("the case did not change after the excuse; the test proves nothing")
		}

		// A date is the end of that day in Europe/Prague.
		today := calendar.Today(time.Now())
		if r := s.do("GET", "/v1/cases/"+id+"?known_at="+today.AddDays(-1).String(), "officer-token", nil); r.status != 404 {
			t.Errorf("known_at the day before the case was opened: %d %s", r.status, r.raw)
		}
		if r := s.do("GET", "/v1/cases/"+id+"/events?known_at="+today.AddDays(-1).String(), "officer-token", nil); r.status != 404 {
			t.Errorf("history known_at the day before the case was opened: %d %s", r.status, r.raw)
		}
		whole := get("/v1/cases/" + id + "/events").raw
		if got := get("/v1/cases/" + id + "/events?known_at=" + today.String()).raw; got != whole {
			t.Errorf("known_at today (a date) is not the whole history:\n%s\n%s", got, whole)
		}

		// Bad input is a problem naming known_at; lists do not take it.
		for _, path := range []string{"/v1/cases/" + id + "?known_at=yesterday", "/v1/cases/" + id + "/events?known_at=2026-13-01",
			"/v1/obligations?known_at=2026-05-01", "/v1/flags?known_at=2026-05-01", "/v1/sla?known_at=2026-05-01",
			"/v1/payments?known_at=2026-05-01", "/v1/citizens/c-1/payments?known_at=2026-05-01", "/v1/citizens/c-1/cases?known_at=2026-05-01"} {
			if r := s.do("GET", path, "officer-token", nil); r.status != 400 || fieldOf(r) != "known_at" {
				t.Errorf("GET %s: %d %s", path, r.status, r.raw)
			}
		}
	})
}
