package handlers_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
)

// One end-to-end test through HTTP for every life situation (docs/LAW.md §5),
// on both backends. Every expected date is worked out by hand in a comment:
// "+15 wd" is "within 15 working days" (the day itself not counted; weekends
// and the holidays of zákon 245/2000 Sb. skipped), "+30 d" is 30 calendar days
// rolled forward to a working day.

// situationsToday is the fixed "today" of these tests, after every fact they record.
var situationsToday = calendar.NewDate(2027, 3, 31)

// The statutes each rulebook cites (docs/LAW.md §4).
const (
	law328 = "zákon 328/1999 Sb."
	law269 = "zákon 269/2021 Sb."
)

// caseAt reads the whole case as of a day, after the write at position.
func (s *stack) caseAt(id string, position int64, asOf string) map[string]any {
	s.t.Helper()
	r := s.do("GET", fmt.Sprintf("/v1/cases/%s?as_of=%s&min_position=%d", id, asOf, position), "clerk-token", nil)
	if r.status != 200 {
		s.t.Fatalf("get case %s as of %s: %d %s", id, asOf, r.status, r.raw)
	}
	return r.body
}

// recordAs records an event with another token than the clerk's and fails the test unless it is stored.
func (s *stack) recordAs(token, id, typ string, data map[string]any) int64 {
	s.t.Helper()
	r := s.do("POST", "/v1/cases/"+id+"/events", token, map[string]any{"type": typ, "data": data})
	if r.status != 201 {
		s.t.Fatalf("record %s as %s: %d %s", typ, token, r.status, r.raw)
	}
	return int64(r.body["position"].(float64))
}

// list returns one of the case's lists; a missing key fails, null is empty.
func list(t *testing.T, c map[string]any, key string) []map[string]any {
	t.Helper()
	v, ok := c[key]
	if !ok {
		t.Fatalf("case has no %q: %v", key, c)
	}
	if v == nil {
		return nil
	}
	items, ok := v.([]any)
	if !ok {
		t.Fatalf("case %q is not a list: %v", key, v)
	}
	out := make([]map[string]any, len(items))
	for i, it := range items {
		out[i] = it.(map[string]any)
	}
	return out
}

// date is how a date field should read: "" stands for null.
func date(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// obWant is an obligation as the case should show it; fulfilled "" means null.
type obWant struct {
	name, triggered, due, status, fulfilled string
}

// checkObligation finds the case's only obligation of that name and compares it.
func checkObligation(t *testing.T, c map[string]any, law string, want obWant) {
	t.Helper()
	var found []map[string]any
	for _, o := range list(t, c, "obligations") {
		if o["obligation"] == want.name {
			found = append(found, o)
		}
	}
	if len(found) != 1 {
		t.Fatalf("as of %v: %d obligations %q, want 1: %v", c["as_of"], len(found), want.name, c["obligations"])
	}
	o := found[0]
	basis, _ := o["legal_basis"].(string)
	if o["case_id"] != c["id"] || o["triggered_on"] != want.triggered || o["due_on"] != want.due ||
		o["status"] != want.status || o["fulfilled_on"] != date(want.fulfilled) || !strings.Contains(basis, law) {
		t.Errorf("as of %v: obligation %v,\nwant %+v under %s", c["as_of"], o, want, law)
	}
}

// flagWant is a flag as the case should show it; maxFine is nil where the law states no cap.
type flagWant struct {
	offence, raisedOn, status string
	maxFine                   any
	reviewOnly                bool
}

// checkFlags compares the case's flags, in any order, with want (no flags if want is empty).
func checkFlags(t *testing.T, c map[string]any, law string, want ...flagWant) {
	t.Helper()
	flags := list(t, c, "flags")
	if len(flags) != len(want) {
		t.Fatalf("as of %v: %d flags, want %d: %v", c["as_of"], len(flags), len(want), c["flags"])
	}
	for _, w := range want {
		f := flagWith(t, c, w.offence)
		basis, _ := f["legal_basis"].(string)
		if f["case_id"] != c["id"] || f["raised_on"] != w.raisedOn || f["status"] != w.status ||
			f["max_fine_czk"] != w.maxFine || f["review_only"] != w.reviewOnly || !strings.Contains(basis, law) {
			t.Errorf("as of %v: flag %v,\nwant %+v under %s", c["as_of"], f, w, law)
		}
		if id, _ := f["id"].(string); id == "" {
			t.Errorf("flag without an id: %v", f)
		}
	}
}

// flagWith returns the case's only flag for an offence.
func flagWith(t *testing.T, c map[string]any, offence string) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, f := range list(t, c, "flags") {
		if f["offence"] == offence {
			found = append(found, f)
		}
	}
	if len(found) != 1 {
		t.Fatalf("as of %v: %d flags %q, want 1: %v", c["as_of"], len(found), offence, c["flags"])
	}
	return found[0]
}

// fine is a fine cap as it reads in JSON.
func fine(czk int) any { return float64(czk) }

// validUntil returns the validity end shown for a document, "" if none is shown.
func validUntil(t *testing.T, c map[string]any, document string) string {
	t.Helper()
	until := ""
	for _, v := range list(t, c, "validity") {
		if v["document"] == document {
			if until != "" {
				t.Fatalf("two validity ends for %s: %v", document, c["validity"])
			}
			until, _ = v["valid_until"].(string)
		}
	}
	return until
}

func application(document, filedOn, track, office string) map[string]any {
	return map[string]any{"document": document, "filed_on": filedOn, "track": track, "filing_office": office}
}

// applying is a fact that obliges the citizen to apply for a card (the
// obligation apply_for_id_card, arisen on arose, due on due under law).
type applying struct {
	situation, birth, fact string
	data                   map[string]any
	law, arose, due        string
}

// onTime opens a case whose citizen applies for document on the due day:
// the obligation is open as of openOn, met as of later, with no flag. It
// returns the case as of openOn.
func (a applying) onTime(t *testing.T, s *stack, document, openOn, later string) map[string]any {
	t.Helper()
	id, _ := s.openCase(a.situation, a.birth)
	pos := s.record(id, a.fact, a.data)
	open := s.caseAt(id, pos, openOn)
	checkObligation(t, open, a.law, obWant{"apply_for_id_card", a.arose, a.due, "open", ""})
	pos = s.record(id, "ApplicationFiled", application(document, a.due, "standard", "municipal_office"))
	c := s.caseAt(id, pos, later)
	checkObligation(t, c, a.law, obWant{"apply_for_id_card", a.arose, a.due, "met", a.due})
	checkFlags(t, c, a.law)
	return open
}

// late opens a case whose citizen applies for document only on filed: no
// flag on the due day; overdue, and the offence's flag raised, on flagged
// (the day after); met late as of later, the flag staying.
func (a applying) late(t *testing.T, s *stack, offence, flagged, document, filed, later string) {
	t.Helper()
	id, _ := s.openCase(a.situation, a.birth)
	pos := s.record(id, a.fact, a.data)
	checkFlags(t, s.caseAt(id, pos, a.due), a.law)
	flag := flagWant{offence, flagged, "raised", nil, false}
	c := s.caseAt(id, pos, flagged)
	checkObligation(t, c, a.law, obWant{"apply_for_id_card", a.arose, a.due, "overdue", ""})
	checkFlags(t, c, a.law, flag)
	pos = s.record(id, "ApplicationFiled", application(document, filed, "standard", "municipal_office"))
	c = s.caseAt(id, pos, later)
	checkObligation(t, c, a.law, obWant{"apply_for_id_card", a.arose, a.due, "met_late", filed})
	checkFlags(t, c, a.law, flag)
}

// Loss reported under zákon 328/1999 on Wednesday 17 Apr 2019, before Easter
// (Good Friday 19 Apr, Easter Monday 22 Apr) and the May holidays (1 and 8 May).
func TestIDCardIncidentUnderOldLaw(t *testing.T) {
	eachStack(t, situationsToday, func(t *testing.T, s *stack) {
		loss := map[string]any{"kind": "lost", "reported_on": "2019-04-17", "reported_to": "municipal_office"}

		// Wed 17 Apr 2019 +15 wd, skipping 19 and 22 Apr, 1 and 8 May = Tue 14 May 2019.
		onTime, _ := s.openCase("id_card_incident", "1980-05-17")
		pos := s.record(onTime, "IncidentReported", loss)
		c := s.caseAt(onTime, pos, "2019-04-18")
		checkObligation(t, c, law328, obWant{"apply_for_id_card", "2019-04-17", "2019-05-14", "open", ""})
		checkFlags(t, c, law328)
		// 17 Apr 2019 + 2 months = 17 Jun 2019, a validity period, not moved.
		if got := validUntil(t, c, "loss_certificate"); got != "2019-06-17" {
			t.Errorf("loss certificate valid until %q, want 2019-06-17: %v", got, c["validity"])
		}
		pos = s.record(onTime, "ApplicationFiled", application("id_card", "2019-05-14", "standard", "municipal_office"))
		c = s.caseAt(onTime, pos, "2019-06-30")
		checkObligation(t, c, law328, obWant{"apply_for_id_card", "2019-04-17", "2019-05-14", "met", "2019-05-14"})
		checkFlags(t, c, law328)

		// Discovered Wed 10 Apr 2019: 11, 12, 15, 16, 17 Apr are 5 working days > 3 → review flag (e).
		late, _ := s.openCase("id_card_incident", "1980-05-17")
		pos = s.record(late, "IncidentReported", map[string]any{"kind": "stolen", "reported_on": "2019-04-17",
			"discovered_on": "2019-04-10", "reported_to": "police"})
		e := flagWant{"16a1e", "2019-04-17", "raised", fine(10000), true}
		checkFlags(t, s.caseAt(late, pos, "2019-04-17"), law328, e)

		// Used the card reported lost on Thu 2 May 2019 → (n), cap 15 000 Kč, raised that day.
		pos = s.record(late, "LostCardUsed", map[string]any{"used_on": "2019-05-02"})
		n := flagWant{"16a1n", "2019-05-02", "raised", fine(15000), false}
		checkFlags(t, s.caseAt(late, pos, "2019-05-01"), law328, e)
		checkFlags(t, s.caseAt(late, pos, "2019-05-02"), law328, e, n)

		c = s.caseAt(late, pos, "2019-05-14")
		checkObligation(t, c, law328, obWant{"apply_for_id_card", "2019-04-17", "2019-05-14", "open", ""})
		checkFlags(t, c, law328, e, n)
		// The day after Tue 14 May 2019 is Wed 15 May: overdue, flag (c) raised.
		c = s.caseAt(late, pos, "2019-05-15")
		checkObligation(t, c, law328, obWant{"apply_for_id_card", "2019-04-17", "2019-05-14", "overdue", ""})
		lateApplication := flagWant{"16a1c", "2019-05-15", "raised", fine(10000), false}
		checkFlags(t, c, law328, e, n, lateApplication)

		// Filed Thu 16 May 2019, two days late: met late, and the flag stays.
		pos = s.record(late, "ApplicationFiled", application("id_card_chip", "2019-05-16", "standard", "municipal_office"))
		c = s.caseAt(late, pos, "2019-06-30")
		checkObligation(t, c, law328, obWant{"apply_for_id_card", "2019-04-17", "2019-05-14", "met_late", "2019-05-16"})
		checkFlags(t, c, law328, e, n, lateApplication)
	})
}

// Under zákon 269/2021: the flags carry § 65 codes and no fine cap, no loss
// certificate is issued, and the review threshold counts working days across Easter 2026.
func TestIDCardIncidentUnderNewLaw(t *testing.T) {
	eachStack(t, situationsToday, func(t *testing.T, s *stack) {

		// Wed 1 Apr 2026 +15 wd, skipping Good Friday 3 Apr and Easter Monday 6 Apr = Fri 24 Apr 2026.
		late, _ := s.openCase("id_card_incident", "1980-05-17")
		pos := s.record(late, "IncidentReported", map[string]any{"kind": "damaged", "reported_on": "2026-04-01", "reported_to": "municipal_office"})
		c := s.caseAt(late, pos, "2026-04-24")
		checkFlags(t, c, law269)
		if got := validUntil(t, c, "loss_certificate"); got != "" {
			t.Errorf("a loss certificate under zákon 269/2021: %v", c["validity"])
		}
		// Fri 24 Apr + 1 calendar day = Sat 25 Apr 2026: the flag is raised on the Saturday.
		lateApplication := flagWant{"65-late_application", "2026-04-25", "raised", nil, false}
		checkFlags(t, s.caseAt(late, pos, "2026-04-25"), law269, lateApplication)
		pos = s.record(late, "ApplicationFiled", application("id_card", "2026-04-27", "standard", "municipal_office"))
		c = s.caseAt(late, pos, "2026-05-15")
		checkObligation(t, c, law269, obWant{"apply_for_id_card", "2026-04-01", "2026-04-24", "met_late", "2026-04-27"})
		checkFlags(t, c, law269, lateApplication)

		onTime, _ := s.openCase("id_card_incident", "1980-05-17")
		s.record(onTime, "IncidentReported", map[string]any{"kind": "lost", "reported_on": "2026-04-01", "reported_to": "police"})
		pos = s.record(onTime, "ApplicationFiled", application("id_card_chip", "2026-04-24", "standard", "municipal_office"))
		checkFlags(t, s.caseAt(onTime, pos, situationsToday.String()), law269)

		// Reported Thu 9 Apr 2026, discovered Thu 2 Apr: 3, 6 Apr are holidays, so
		// 7, 8, 9 Apr are 3 working days, not more than 3 → no review flag.
		prompt, _ := s.openCase("id_card_incident", "1980-05-17")
		pos = s.record(prompt, "IncidentReported", map[string]any{"kind": "lost", "reported_on": "2026-04-09",
			"discovered_on": "2026-04-02", "reported_to": "municipal_office"})
		checkFlags(t, s.caseAt(prompt, pos, "2026-04-09"), law269)
		// Discovered Wed 1 Apr: 2, 7, 8, 9 Apr are 4 working days > 3 → review flag.
		slow, _ := s.openCase("id_card_incident", "1980-05-17")
		pos = s.record(slow, "IncidentReported", map[string]any{"kind": "lost", "reported_on": "2026-04-09",
			"discovered_on": "2026-04-01", "reported_to": "municipal_office"})
		checkFlags(t, s.caseAt(slow, pos, "2026-04-09"), law269, flagWant{"65-loss_not_reported", "2026-04-09", "raised", nil, true})
	})
}

// The lost card turns up on Thursday 2 Apr 2026, before Easter: hand it in by Tuesday 7 Apr.
func TestFoundCardSurrenderedAndLostCardUsed(t *testing.T) {
	eachStack(t, situationsToday, func(t *testing.T, s *stack) {
		loss := map[string]any{"kind": "lost", "reported_on": "2026-04-01", "reported_to": "municipal_office"}

		// Next working day after Thu 2 Apr 2026: Fri 3 (Good Friday), Sat, Sun, Mon 6 (Easter Monday) → Tue 7 Apr.
		onTime, _ := s.openCase("id_card_incident", "1980-05-17")
		s.record(onTime, "IncidentReported", loss)
		pos := s.record(onTime, "OldCardFound", map[string]any{"found_on": "2026-04-02"})
		checkObligation(t, s.caseAt(onTime, pos, "2026-04-07"), law269,
			obWant{"surrender_found_card", "2026-04-02", "2026-04-07", "open", ""})
		pos = s.record(onTime, "OldCardSurrendered", map[string]any{"surrendered_on": "2026-04-07"})
		c := s.caseAt(onTime, pos, "2026-04-20")
		checkObligation(t, c, law269, obWant{"surrender_found_card", "2026-04-02", "2026-04-07", "met", "2026-04-07"})
		checkFlags(t, c, law269)

		late, _ := s.openCase("id_card_incident", "1980-05-17")
		s.record(late, "IncidentReported", loss)
		s.record(late, "OldCardFound", map[string]any{"found_on": "2026-04-02"})
		pos = s.record(late, "OldCardSurrendered", map[string]any{"surrendered_on": "2026-04-08"})
		c = s.caseAt(late, pos, "2026-04-08")
		checkObligation(t, c, law269, obWant{"surrender_found_card", "2026-04-02", "2026-04-07", "met_late", "2026-04-08"})
		// No offence letter names the duty to hand in a found card, so no flag.
		checkFlags(t, c, law269)

		// Proving identity with the card reported lost, Mon 20 Apr 2026 → flag raised that day.
		pos = s.record(late, "LostCardUsed", map[string]any{"used_on": "2026-04-20"})
		checkFlags(t, s.caseAt(late, pos, "2026-04-19"), law269)
		checkFlags(t, s.caseAt(late, pos, "2026-04-20"), law269, flagWant{"65-lost_card_used", "2026-04-20", "raised", nil, false})
	})
}

// Change of residence reported Wednesday 24 Jun 2026, before 5 and 6 July;
// a record cancelled Monday 21 Sep, before 28 Sep; residence ended Tuesday 20 Oct, before 28 Oct.
func TestResidenceChange(t *testing.T) {
	eachStack(t, situationsToday, func(t *testing.T, s *stack) {
		// Wed 24 Jun 2026 +15 wd, skipping Mon 6 Jul (5 Jul is a Sunday) = Thu 16 Jul 2026.
		moved := applying{"residence_change", "1980-05-17", "ResidenceChangeReported",
			map[string]any{"reported_on": "2026-06-24", "registration_office": "registration_office"}, law269, "2026-06-24", "2026-07-16"}
		moved.onTime(t, s, "id_card", "2026-06-25", "2026-08-31")
		// Thu 16 Jul + 1 = Fri 17 Jul 2026.
		moved.late(t, s, "65-late_application", "2026-07-17", "id_card_chip", "2026-07-20", "2026-08-31")

		// Mon 21 Sep 2026 +15 wd, skipping Mon 28 Sep = Tue 13 Oct 2026.
		cancelled, _ := s.openCase("residence_change", "1980-05-17")
		pos := s.record(cancelled, "ResidenceRecordCancelled", map[string]any{"decision_effective_on": "2026-09-21"})
		c := s.caseAt(cancelled, pos, "2026-10-14")
		checkObligation(t, c, law269, obWant{"apply_for_id_card", "2026-09-21", "2026-10-13", "overdue", ""})
		checkFlags(t, c, law269, flagWant{"65-late_application", "2026-10-14", "raised", nil, false})

		// Excused by the compliance officer (no obstacle_from: excused from the day it arose): no flag.
		excused, _ := s.openCase("residence_change", "1980-05-17")
		s.record(excused, "ResidenceRecordCancelled", map[string]any{"decision_effective_on": "2026-09-21"})
		pos = s.recordAs("officer-token", excused, "ObligationExcused", map[string]any{"obligation": "apply_for_id_card",
			"reason": "hospitalizace (překážka těžko překonatelná)"})
		c = s.caseAt(excused, pos, situationsToday.String())
		checkObligation(t, c, law269, obWant{"apply_for_id_card", "2026-09-21", "2026-10-13", "excused", ""})
		checkFlags(t, c, law269)

		// Tue 20 Oct 2026 +15 wd, skipping Wed 28 Oct = Wed 11 Nov 2026.
		left, _ := s.openCase("residence_change", "1980-05-17")
		pos = s.record(left, "PermanentResidenceEnded", map[string]any{"notified_on": "2026-10-20"})
		checkObligation(t, s.caseAt(left, pos, "2026-11-11"), law269, obWant{"surrender_id_card", "2026-10-20", "2026-11-11", "open", ""})
		pos = s.record(left, "IDCardSurrendered", map[string]any{"surrendered_on": "2026-11-11"})
		checkObligation(t, s.caseAt(left, pos, "2026-12-31"), law269, obWant{"surrender_id_card", "2026-10-20", "2026-11-11", "met", "2026-11-11"})

		leftLate, _ := s.openCase("residence_change", "1980-05-17")
		pos = s.record(leftLate, "PermanentResidenceEnded", map[string]any{"notified_on": "2026-10-20"})
		c = s.caseAt(leftLate, pos, "2026-11-12")
		checkObligation(t, c, law269, obWant{"surrender_id_card", "2026-10-20", "2026-11-11", "overdue", ""})
		// No offence letter is stated for not surrendering the card: no flag.
		checkFlags(t, c, law269)
		pos = s.record(leftLate, "IDCardSurrendered", map[string]any{"surrendered_on": "2026-11-13"})
		c = s.caseAt(leftLate, pos, "2026-12-31")
		checkObligation(t, c, law269, obWant{"surrender_id_card", "2026-10-20", "2026-11-11", "met_late", "2026-11-13"})
		checkFlags(t, c, law269)
	})
}

// Marriage certificate received Monday 14 Dec 2026: the 15 working days run
// across Christmas (24–26 Dec) and New Year (1 Jan 2027).
func TestMaritalStatusChange(t *testing.T) {
	eachStack(t, situationsToday, func(t *testing.T, s *stack) {
		// Mon 14 Dec 2026 +15 wd: 15–18, 21–23 Dec (7), 28–31 Dec (11), 4–7 Jan 2027 (15),
		// skipping Thu 24, Fri 25 Dec and Fri 1 Jan = Thu 7 Jan 2027.
		married := applying{"marital_status_change", "1990-02-01", "MaritalStatusChanged", map[string]any{"change": "marriage",
			"document_received_on": "2026-12-14", "card_shows_marital_status": true, "surname_changed": true}, law269, "2026-12-14", "2027-01-07"}
		c := married.onTime(t, s, "id_card", "2026-12-15", "2027-02-01")
		// 14 Dec 2026 + 3 months = Sun 14 Mar 2027: a validity end, not moved off the weekend.
		if got := validUntil(t, c, "passport"); got != "2027-03-14" {
			t.Errorf("passport valid until %q, want 2027-03-14: %v", got, c["validity"])
		}
		// Thu 7 Jan + 1 = Fri 8 Jan 2027.
		married.late(t, s, "65-late_application", "2027-01-08", "id_card_chip", "2027-01-11", "2027-02-01")

		// A card that does not show marital status need not be replaced (seed 003: "nemá povinnost").
		notShown, _ := s.openCase("marital_status_change", "1990-02-01")
		pos := s.record(notShown, "MaritalStatusChanged", map[string]any{"change": "divorce", "document_received_on": "2026-12-14",
			"card_shows_marital_status": false, "surname_changed": false})
		c = s.caseAt(notShown, pos, situationsToday.String())
		if obs := list(t, c, "obligations"); len(obs) != 0 {
			t.Errorf("an obligation for a card without marital status: %v", obs)
		}
		checkFlags(t, c, law269)
		if got := validUntil(t, c, "passport"); got != "" {
			t.Errorf("the passport ends without a change of surname: %v", c["validity"])
		}
	})
}

// First card: 15th birthday on Saturday 7 Mar 2026; 30 days later is Easter Monday.
func TestFirstIDCard(t *testing.T) {
	eachStack(t, situationsToday, func(t *testing.T, s *stack) {
		// Sat 7 Mar 2026 +30 d = Mon 6 Apr 2026 (Easter Monday) → Tue 7 Apr 2026.
		turned15 := applying{"first_id_card", "2011-03-07", "CitizenTurned15", map[string]any{"birthday_on": "2026-03-07"},
			law269, "2026-03-07", "2026-04-07"}
		turned15.onTime(t, s, "id_card_chip", "2026-03-08", "2026-05-31")
		// Tue 7 Apr + 1 = Wed 8 Apr 2026.
		turned15.late(t, s, "65-first_card", "2026-04-08", "id_card", "2026-04-09", "2026-05-31")

		// Under zákon 328/1999: 15 on Sat 5 Jun 2021; +30 d = Mon 5 Jul 2021 (holiday),
		// Tue 6 Jul (holiday) → Wed 7 Jul 2021.
		old, _ := s.openCase("first_id_card", "2006-06-05")
		pos := s.record(old, "CitizenTurned15", map[string]any{"birthday_on": "2021-06-05"})
		checkFlags(t, s.caseAt(old, pos, "2021-07-07"), law328)
		c := s.caseAt(old, pos, "2021-07-08")
		checkObligation(t, c, law328, obWant{"apply_for_id_card", "2021-06-05", "2021-07-07", "overdue", ""})
		checkFlags(t, c, law328, flagWant{"16a1l", "2021-07-08", "raised", fine(10000), false})

		// A dismissed flag is not a finding: the obligation stays overdue, not judged.
		id, _ := flagWith(t, c, "16a1l")["id"].(string)
		pos = s.recordAs("officer-token", old, "FlagReviewed", map[string]any{"flag": id, "decision": "dismissed", "decided_on": "2021-08-10"})
		c = s.caseAt(old, pos, "2021-08-10")
		checkObligation(t, c, law328, obWant{"apply_for_id_card", "2021-06-05", "2021-07-07", "overdue", ""})
		checkFlags(t, c, law328, flagWant{"16a1l", "2021-07-08", "dismissed", fine(10000), false})
	})
}

// Card expired Monday 9 Nov 2026; the 15 working days cross 17 Nov.
func TestIDCardExpiry(t *testing.T) {
	eachStack(t, situationsToday, func(t *testing.T, s *stack) {
		expired := map[string]any{"expired_on": "2026-11-09"}

		// Mon 9 Nov 2026 +15 wd, skipping Tue 17 Nov = Tue 1 Dec 2026.
		applying{"id_card_expiry", "1960-11-09", "IDCardExpired", expired, law269, "2026-11-09", "2026-12-01"}.
			onTime(t, s, "id_card", "2026-11-10", "2026-12-31")

		// Never applied: open on Tue 1 Dec, overdue and flagged from Wed 2 Dec 2026.
		late, _ := s.openCase("id_card_expiry", "1960-11-09")
		pos := s.record(late, "IDCardExpired", expired)
		c := s.caseAt(late, pos, "2026-12-01")
		checkObligation(t, c, law269, obWant{"apply_for_id_card", "2026-11-09", "2026-12-01", "open", ""})
		checkFlags(t, c, law269)
		c = s.caseAt(late, pos, "2026-12-02")
		checkObligation(t, c, law269, obWant{"apply_for_id_card", "2026-11-09", "2026-12-01", "overdue", ""})
		checkFlags(t, c, law269, flagWant{"65-late_application", "2026-12-02", "raised", nil, false})

		// Proceedings opened on Tue 15 Dec 2026: judged from that day, not before.
		id, _ := flagWith(t, c, "65-late_application")["id"].(string)
		pos = s.recordAs("officer-token", late, "FlagReviewed", map[string]any{"flag": id, "decision": "proceedings_opened", "decided_on": "2026-12-15"})
		c = s.caseAt(late, pos, "2026-12-14")
		checkObligation(t, c, law269, obWant{"apply_for_id_card", "2026-11-09", "2026-12-01", "overdue", ""})
		checkFlags(t, c, law269, flagWant{"65-late_application", "2026-12-02", "raised", nil, false})
		c = s.caseAt(late, pos, "2026-12-15")
		checkObligation(t, c, law269, obWant{"apply_for_id_card", "2026-11-09", "2026-12-01", "judged", ""})
		checkFlags(t, c, law269, flagWant{"65-late_application", "2026-12-02", "proceedings_opened", nil, false})
	})
}

// Name change effective Thursday 1 Jul 2021, under zákon 328/1999, across 5 and
// 6 July; the late path goes through the officer's review of the flag.
func TestNameChangeAndFlagReview(t *testing.T) {
	eachStack(t, situationsToday, func(t *testing.T, s *stack) {
		changed := map[string]any{"decision_effective_on": "2021-07-01"}

		// Thu 1 Jul 2021 +15 wd: 2 Jul (1), skipping Mon 5 and Tue 6 Jul, 7–9 (4), 12–16 (9),
		// 19–23 (14), 26 Jul (15) = Mon 26 Jul 2021.
		applying{"name_change", "1985-03-03", "NameChanged", changed, law328, "2021-07-01", "2021-07-26"}.
			onTime(t, s, "id_card", "2021-07-02", "2021-09-30")

		late, _ := s.openCase("name_change", "1985-03-03")
		s.record(late, "NameChanged", changed)
		pos := s.record(late, "ApplicationFiled", application("id_card", "2021-07-29", "standard", "municipal_office"))
		// Mon 26 Jul + 1 = Tue 27 Jul 2021, still zákon 328/1999: cap 10 000 Kč.
		lateApplication := flagWant{"16a1c", "2021-07-27", "raised", fine(10000), false}
		c := s.caseAt(late, pos, "2021-07-28")
		checkObligation(t, c, law328, obWant{"apply_for_id_card", "2021-07-01", "2021-07-26", "overdue", ""})
		checkFlags(t, c, law328, lateApplication)
		c = s.caseAt(late, pos, "2021-09-14")
		checkObligation(t, c, law328, obWant{"apply_for_id_card", "2021-07-01", "2021-07-26", "met_late", "2021-07-29"})
		checkFlags(t, c, law328, lateApplication)
		id, _ := flagWith(t, c, "16a1c")["id"].(string)

		review := func(token string, fineCZK int) response {
			return s.do("POST", "/v1/cases/"+late+"/events", token, map[string]any{"type": "FlagReviewed", "data": map[string]any{
				"flag": id, "decision": "fined", "fine_czk": fineCZK, "decided_on": "2021-09-15"}})
		}
		before := s.eventCount()
		if r := review("clerk-token", 5000); r.status != 403 || r.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("a clerk fined: %d %s", r.status, r.raw)
		}
		r := review("officer-token", 10001)
		if errs, _ := r.body["errors"].([]any); r.status != 422 || r.header.Get("Content-Type") != "application/problem+json" ||
			len(errs) == 0 || errs[0].(map[string]any)["field"] != "data.fine_czk" {
			t.Errorf("a fine above the 10 000 Kč cap: %d %s", r.status, r.raw)
		}
		if after := s.eventCount(); after != before {
			t.Fatalf("refused reviews stored %d events", after-before)
		}
		r = review("officer-token", 10000)
		if r.status != 201 {
			t.Fatalf("a fine at the cap: %d %s", r.status, r.raw)
		}
		pos = int64(r.body["position"].(float64))
		c = s.caseAt(late, pos, "2021-09-14")
		checkObligation(t, c, law328, obWant{"apply_for_id_card", "2021-07-01", "2021-07-26", "met_late", "2021-07-29"})
		checkFlags(t, c, law328, lateApplication)
		c = s.caseAt(late, pos, "2021-09-15")
		checkObligation(t, c, law328, obWant{"apply_for_id_card", "2021-07-01", "2021-07-26", "judged", "2021-07-29"})
		checkFlags(t, c, law328, flagWant{"16a1c", "2021-07-27", "fined", fine(10000), false})
		if f := flagWith(t, c, "16a1c"); f["id"] != id {
			t.Errorf("the flag's id changed on review: %v, was %s", f, id)
		}
	})
}

// Passport filed Wednesday 2 Dec 2026: 30 days later is New Year's Day 2027.
func TestPassportApplication(t *testing.T) {
	eachStack(t, situationsToday, func(t *testing.T, s *stack) {
		passport := application("passport", "2026-12-02", "standard", "municipal_office")

		// Wed 2 Dec 2026 +30 d = Fri 1 Jan 2027 (holiday) → Mon 4 Jan 2027.
		onTime, _ := s.openCase("passport_application", "1980-05-17")
		pos := s.record(onTime, "ApplicationFiled", passport)
		checkSLA(t, s.caseAt(onTime, pos, "2027-01-04"), slaWant{"passport", "standard", "2026-12-02", "2027-01-04", "", "open"})
		s.record(onTime, "DocumentReady", map[string]any{"ready_on": "2027-01-04"})
		pos = s.record(onTime, "DocumentCollected", map[string]any{"collected_on": "2027-01-06"})
		c := s.caseAt(onTime, pos, "2027-02-01")
		checkSLA(t, c, slaWant{"passport", "standard", "2026-12-02", "2027-01-04", "2027-01-04", "met"})
		if obs := list(t, c, "obligations"); len(obs) != 0 {
			t.Errorf("a passport application obliges the citizen to nothing: %v", obs)
		}
		checkFlags(t, c, law269)

		late, _ := s.openCase("passport_application", "1980-05-17")
		pos = s.record(late, "ApplicationFiled", passport)
		checkSLA(t, s.caseAt(late, pos, "2027-01-05"), slaWant{"passport", "standard", "2026-12-02", "2027-01-04", "", "breached"})
		pos = s.record(late, "DocumentReady", map[string]any{"ready_on": "2027-01-05"})
		checkSLA(t, s.caseAt(late, pos, "2027-02-01"), slaWant{"passport", "standard", "2026-12-02", "2027-01-04", "2027-01-05", "breached"})

		// Applicants aged 15–17 on filed_on need their legal representative's consent.
		for _, c := range []struct {
			birth   string
			consent any // nil: not sent
			status  int
		}{
			{"2010-06-01", nil, 422},   // 16
			{"2010-06-01", false, 422}, // 16
			{"2010-06-01", true, 201},  // 16
			{"2011-12-02", nil, 422},   // 15th birthday that day
			{"2008-12-03", nil, 422},   // 17, a day before turning 18
			{"2008-12-02", nil, 201},   // 18th birthday that day
		} {
			id, _ := s.openCase("passport_application", c.birth)
			data := application("passport", "2026-12-02", "standard", "municipal_office")
			if c.consent != nil {
				data["consent_attached"] = c.consent
			}
			before := s.eventCount()
			r := s.do("POST", "/v1/cases/"+id+"/events", "clerk-token", map[string]any{"type": "ApplicationFiled", "data": data})
			if r.status != c.status {
				t.Errorf("born %s, consent %v: %d %s, want %d", c.birth, c.consent, r.status, r.raw, c.status)
				continue
			}
			if c.status != 422 {
				continue
			}
			if errs, _ := r.body["errors"].([]any); r.header.Get("Content-Type") != "application/problem+json" ||
				len(errs) == 0 || errs[0].(map[string]any)["field"] != "data.consent_attached" {
				t.Errorf("born %s, consent %v: %s, want field data.consent_attached", c.birth, c.consent, r.raw)
			}
			if after := s.eventCount(); after != before {
				t.Errorf("born %s: a refused application stored %d events", c.birth, after-before)
			}
		}
	})
}

// slaWant is one office processing deadline as the case should show it; ready "" means null.
type slaWant struct {
	document, track, filed, due, ready, status string
}

// checkSLA compares the case's only processing deadline.
func checkSLA(t *testing.T, c map[string]any, want slaWant) {
	t.Helper()
	items := list(t, c, "sla")
	if len(items) != 1 {
		t.Fatalf("as of %v: %d sla items, want 1: %v", c["as_of"], len(items), c["sla"])
	}
	got := items[0]
	if got["deadline"] != "issue_document" || got["document"] != want.document || got["track"] != want.track ||
		got["filed_on"] != want.filed || got["due_on"] != want.due || got["ready_on"] != date(want.ready) || got["status"] != want.status {
		t.Errorf("as of %v: sla %v,\nwant %+v", c["as_of"], got, want)
	}
}

// The office's deadline to have the document ready (docs/LAW.md §6), on time and breached.
func TestOfficeProcessingDeadlines(t *testing.T) {
	eachStack(t, situationsToday, func(t *testing.T, s *stack) {
		// The fact that opens each situation, a few days before the filing.
		triggers := map[string]struct {
			typ  string
			data func(filed string) map[string]any
		}{
			"id_card_incident": {"IncidentReported", func(filed string) map[string]any {
				return map[string]any{"kind": "lost", "reported_on": filed, "reported_to": "municipal_office"}
			}},
			"id_card_expiry": {"IDCardExpired", func(filed string) map[string]any { return map[string]any{"expired_on": filed} }},
			"residence_change": {"ResidenceChangeReported", func(filed string) map[string]any {
				return map[string]any{"reported_on": filed, "registration_office": "registration_office"}
			}},
			"name_change": {"NameChanged", func(filed string) map[string]any { return map[string]any{"decision_effective_on": filed} }},
		}
		var last int64
		for _, c := range []struct {
			name, situation, document, track, office, filed, due, ready string
			// statuses as of the due day, the day after, and today
			onDue, dayAfter, later string
		}{
			// Wed 1 Apr 2026 +30 d = Fri 1 May 2026 (holiday) → Mon 4 May 2026.
			{"card ready on the rolled deadline", "id_card_incident", "id_card", "standard", "municipal_office",
				"2026-04-01", "2026-05-04", "2026-05-04", "met", "met", "met"},
			{"chip card ready a day late", "id_card_incident", "id_card_chip", "standard", "municipal_office",
				"2026-04-01", "2026-05-04", "2026-05-05", "open", "breached", "breached"},
			{"card never ready", "id_card_expiry", "id_card", "standard", "municipal_office",
				"2026-04-01", "2026-05-04", "", "open", "breached", "breached"},
			// Wed 9 Dec 2026 +15 d = Thu 24 Dec (holiday); 25 Dec holiday, 26–27 weekend → Mon 28 Dec 2026.
			{"temporary card ready after Christmas", "id_card_incident", "id_card_temporary", "standard", "municipal_office",
				"2026-12-09", "2026-12-28", "2026-12-28", "met", "met", "met"},
			// Wed 1 Apr 2026 +5 wd: 2 (1), skipping 3 and 6 Apr, 7 (2), 8 (3), 9 (4), 10 (5) = Fri 10 Apr 2026.
			{"five working days missed", "residence_change", "id_card", "five_working_days", "municipal_office",
				"2026-04-01", "2026-04-10", "2026-04-13", "open", "breached", "breached"},
			// Thu 2 Apr 2026: the next working day after Good Friday and Easter Monday is Tue 7 Apr 2026.
			{"24 hours across Easter", "name_change", "id_card_chip", "twenty_four_hours", "ministry",
				"2026-04-02", "2026-04-07", "2026-04-07", "met", "met", "met"},
			// Thu 8 Jan 2026 +120 d = Fri 8 May 2026 (holiday) → Mon 11 May 2026.
			{"passport at an embassy", "passport_application", "passport", "embassy", "embassy",
				"2026-01-08", "2026-05-11", "2026-05-11", "met", "met", "met"},
			// Mon 21 Dec 2026 +5 wd: 22 (1), 23 (2), skipping 24–27 Dec, 28 (3), 29 (4), 30 (5) = Wed 30 Dec 2026.
			{"passport in five working days, a day late", "passport_application", "passport", "five_working_days", "municipal_office",
				"2026-12-21", "2026-12-30", "2026-12-31", "open", "breached", "breached"},
		} {
			id, _ := s.openCase(c.situation, "1980-05-17")
			if tr, ok := triggers[c.situation]; ok {
				s.record(id, tr.typ, tr.data(c.filed))
			}
			pos := s.record(id, "ApplicationFiled", application(c.document, c.filed, c.track, c.office))
			if c.ready != "" {
				pos = s.record(id, "DocumentReady", map[string]any{"ready_on": c.ready})
			}
			dayAfter, err := calendar.ParseDate(c.due)
			if err != nil {
				t.Fatal(err)
			}
			dayAfter = dayAfter.AddDays(1)
			for _, at := range []struct{ asOf, status string }{
				{c.due, c.onDue}, {dayAfter.String(), c.dayAfter}, {situationsToday.String(), c.later},
			} {
				ready := c.ready
				if ready > at.asOf {
					ready = "" // not ready yet as of that day
				}
				t.Run(c.name+" as of "+at.asOf, func(t *testing.T) {
					checkSLA(t, s.caseAt(id, pos, at.asOf), slaWant{c.document, c.track, c.filed, c.due, ready, at.status})
				})
			}
			last = pos
		}
		// A compliance officer's list of breaches as of today holds the four late ones, by due date.
		r := s.do("GET", fmt.Sprintf("/v1/sla?status=breached&min_position=%d", last), "officer-token", nil)
		if r.status != 200 {
			t.Fatalf("GET /v1/sla: %d %s", r.status, r.raw)
		}
		var dues []string
		for _, it := range r.body["items"].([]any) {
			item := it.(map[string]any)
			if item["status"] != "breached" || item["case_id"] == "" {
				t.Errorf("GET /v1/sla?status=breached listed %v", item)
			}
			dues = append(dues, item["due_on"].(string))
		}
		if want := []string{"2026-04-10", "2026-05-04", "2026-05-04", "2026-12-30"}; !slices.Equal(dues, want) {
			t.Errorf("breached deadlines due %v, want %v", dues, want)
		}
		if r := s.do("GET", "/v1/sla", "clerk-token", nil); r.status != 403 {
			t.Errorf("a clerk listing office deadlines got %d, want 403", r.status)
		}
	})
}

// Two reminders and still not collected: flag (d) the day after the last collect_by.
func TestNotCollectedAfterReminders(t *testing.T) {
	eachStack(t, situationsToday, func(t *testing.T, s *stack) {
		prepare := func(reminders ...map[string]any) (string, int64) {
			id, _ := s.openCase("id_card_expiry", "1960-11-09")
			s.record(id, "IDCardExpired", map[string]any{"expired_on": "2026-11-09"})
			s.record(id, "ApplicationFiled", application("id_card", "2026-11-20", "standard", "municipal_office"))
			pos := s.record(id, "DocumentReady", map[string]any{"ready_on": "2026-12-10"})
			for _, r := range reminders {
				pos = s.record(id, "CollectionReminderSent", r)
			}
			return id, pos
		}
		first := map[string]any{"sent_on": "2026-12-11", "collect_by": "2026-12-23"}
		second := map[string]any{"sent_on": "2027-01-04", "collect_by": "2027-01-18"}

		twice, pos := prepare(first, second)
		c := s.caseAt(twice, pos, "2027-01-18")
		// Filed Fri 20 Nov 2026, within the 15 working days to Tue 1 Dec 2026.
		checkObligation(t, c, law269, obWant{"apply_for_id_card", "2026-11-09", "2026-12-01", "met", "2026-11-20"})
		checkFlags(t, c, law269)
		// Last collect_by Mon 18 Jan 2027 + 1 = Tue 19 Jan 2027.
		notCollected := flagWant{"65-not_collected", "2027-01-19", "raised", nil, false}
		checkFlags(t, s.caseAt(twice, pos, "2027-01-19"), law269, notCollected)
		pos = s.record(twice, "DocumentCollected", map[string]any{"collected_on": "2027-01-25"})
		checkFlags(t, s.caseAt(twice, pos, situationsToday.String()), law269, notCollected)

		// Collected on the last collect_by day: no flag.
		collected, _ := prepare(first, second)
		pos = s.record(collected, "DocumentCollected", map[string]any{"collected_on": "2027-01-18"})
		checkFlags(t, s.caseAt(collected, pos, situationsToday.String()), law269)

		// One reminder is not "repeated": no flag, however long it waits.
		once, pos := prepare(first)
		checkFlags(t, s.caseAt(once, pos, situationsToday.String()), law269)
	})
}

// Every event type has a request the service refuses, and a refused request stores nothing.
func TestEveryEventTypeRefusesBadRequests(t *testing.T) {
	eachStack(t, situationsToday, func(t *testing.T, s *stack) {
		const future = "2027-04-01" // the day after situationsToday

		// A case with no facts yet, for shape errors no state rule can mask.
		fresh, _ := s.openCase("id_card_incident", "1980-05-17")
		// A card application filed and not yet ready; a lost card used, so there is a flag to review.
		incident, _ := s.openCase("id_card_incident", "1980-05-17")
		s.record(incident, "IncidentReported", map[string]any{"kind": "lost", "reported_on": "2026-04-01", "reported_to": "municipal_office"})
		s.record(incident, "ApplicationFiled", application("id_card", "2026-04-10", "standard", "municipal_office"))
		pos := s.record(incident, "LostCardUsed", map[string]any{"used_on": "2026-04-20"})
		flag, _ := flagWith(t, s.caseAt(incident, pos, situationsToday.String()), "65-lost_card_used")["id"].(string)

		residence, _ := s.openCase("residence_change", "1980-05-17")
		marital, _ := s.openCase("marital_status_change", "1990-02-01")
		first, _ := s.openCase("first_id_card", "2011-03-07")
		expiry, _ := s.openCase("id_card_expiry", "1960-11-09")
		name, _ := s.openCase("name_change", "1985-03-03")
		minor, _ := s.openCase("passport_application", "2010-06-01")

		closed, _ := s.openCase("id_card_expiry", "1960-11-09")
		s.record(closed, "IDCardExpired", map[string]any{"expired_on": "2026-11-09"})
		pos = s.record(closed, "CaseClosed", map[string]any{})
		if c := s.caseAt(closed, pos, situationsToday.String()); c["status"] != "closed" {
			t.Fatalf("closed case reads %v", c["status"])
		}
		if c := s.caseAt(expiry, pos, situationsToday.String()); c["status"] != "open" {
			t.Fatalf("open case reads %v", c["status"])
		}

		cases := []struct {
			name, token, caseID, typ string
			data                     map[string]any
			status                   int
			field                    string // "" on 403; "*" for any field
		}{
			{"IncidentReported to an unknown office", "clerk-token", fresh, "IncidentReported",
				map[string]any{"kind": "lost", "reported_on": "2026-04-01", "reported_to": "post_office"}, 400, "data.reported_to"},
			{"ApplicationFiled while one is pending", "clerk-token", incident, "ApplicationFiled",
				application("id_card_chip", "2026-04-15", "standard", "municipal_office"), 422, "data.document"},
			{"ApplicationFiled on an unknown track", "clerk-token", expiry, "ApplicationFiled",
				application("id_card", "2026-04-15", "express", "municipal_office"), 400, "data.track"},
			{"ApplicationFiled before birth", "clerk-token", expiry, "ApplicationFiled",
				application("id_card", "1960-11-08", "standard", "municipal_office"), 422, "data.filed_on"},
			{"ApplicationFiled for a passport of a 16-year-old without consent", "clerk-token", minor, "ApplicationFiled",
				application("passport", "2026-12-02", "standard", "municipal_office"), 422, "data.consent_attached"},
			{"DocumentReady on an impossible day", "clerk-token", incident, "DocumentReady",
				map[string]any{"ready_on": "2026-13-01"}, 400, "data.ready_on"},
			{"DocumentReady tomorrow", "clerk-token", incident, "DocumentReady",
				map[string]any{"ready_on": future}, 422, "data.ready_on"},
			{"CollectionReminderSent without collect_by", "clerk-token", incident, "CollectionReminderSent",
				map[string]any{"sent_on": "2026-05-04"}, 400, "data.collect_by"},
			{"DocumentCollected before DocumentReady", "clerk-token", incident, "DocumentCollected",
				map[string]any{"collected_on": "2026-05-04"}, 422, "data.collected_on"},
			{"OldCardFound on 29 Feb of a common year", "clerk-token", incident, "OldCardFound",
				map[string]any{"found_on": "2026-02-29"}, 400, "data.found_on"},
			{"OldCardSurrendered with a number for a date", "clerk-token", incident, "OldCardSurrendered",
				map[string]any{"surrendered_on": 20260407}, 400, "data.surrendered_on"},
			{"LostCardUsed before birth", "clerk-token", incident, "LostCardUsed",
				map[string]any{"used_on": "1980-05-16"}, 422, "data.used_on"},
			{"ResidenceChangeReported without reported_on", "clerk-token", residence, "ResidenceChangeReported",
				map[string]any{"registration_office": "registration_office"}, 400, "data.reported_on"},
			{"ResidenceRecordCancelled tomorrow", "clerk-token", residence, "ResidenceRecordCancelled",
				map[string]any{"decision_effective_on": future}, 422, "data.decision_effective_on"},
			{"PermanentResidenceEnded on 31 Apr", "clerk-token", residence, "PermanentResidenceEnded",
				map[string]any{"notified_on": "2026-04-31"}, 400, "data.notified_on"},
			{"IDCardSurrendered with a bool for a date", "clerk-token", residence, "IDCardSurrendered",
				map[string]any{"surrendered_on": true}, 400, "data.surrendered_on"},
			{"MaritalStatusChanged by engagement", "clerk-token", marital, "MaritalStatusChanged",
				map[string]any{"change": "engagement", "document_received_on": "2026-12-14", "card_shows_marital_status": true, "surname_changed": false},
				400, "data.change"},
			{"MaritalStatusChanged with a string for a bool", "clerk-token", marital, "MaritalStatusChanged",
				map[string]any{"change": "marriage", "document_received_on": "2026-12-14", "card_shows_marital_status": "yes", "surname_changed": false},
				400, "data.card_shows_marital_status"},
			{"CitizenTurned15 on the day after the birthday", "clerk-token", first, "CitizenTurned15",
				map[string]any{"birthday_on": "2026-03-08"}, 422, "data.birthday_on"},
			{"IDCardExpired tomorrow", "clerk-token", expiry, "IDCardExpired",
				map[string]any{"expired_on": future}, 422, "data.expired_on"},
			{"NameChanged without its date", "clerk-token", name, "NameChanged",
				map[string]any{}, 400, "data.decision_effective_on"},
			{"ObligationExcused by a clerk", "clerk-token", incident, "ObligationExcused",
				map[string]any{"obligation": "apply_for_id_card", "reason": "hospitalizace"}, 403, ""},
			{"FlagReviewed by a clerk", "clerk-token", incident, "FlagReviewed",
				map[string]any{"flag": flag, "decision": "dismissed", "decided_on": "2026-05-04"}, 403, ""},
			{"FlagReviewed with an unknown decision", "officer-token", incident, "FlagReviewed",
				map[string]any{"flag": flag, "decision": "pardoned", "decided_on": "2026-05-04"}, 400, "data.decision"},
			{"CaseClosed by the dashboard", "dash-token", expiry, "CaseClosed", map[string]any{}, 403, ""},
			{"CaseClosed with an unknown field", "clerk-token", expiry, "CaseClosed", map[string]any{"colour": "red"}, 400, "data.colour"},
			{"CaseClosed twice", "clerk-token", closed, "CaseClosed", map[string]any{}, 422, "*"},
			{"IDCardExpired on a closed case", "clerk-token", closed, "IDCardExpired", map[string]any{"expired_on": "2026-11-10"}, 422, "*"},
			{"DocumentReady on a closed case", "clerk-token", closed, "DocumentReady", map[string]any{"ready_on": "2026-12-01"}, 422, "*"},
			{"OldCardFound in a residence case", "clerk-token", residence, "OldCardFound", map[string]any{"found_on": "2026-04-02"}, 400, "type"},
			{"NameChanged in an incident case", "clerk-token", incident, "NameChanged",
				map[string]any{"decision_effective_on": "2026-04-02"}, 400, "type"},
			{"CitizenTurned15 in a passport case", "clerk-token", minor, "CitizenTurned15", map[string]any{"birthday_on": "2025-06-01"}, 400, "type"},
		}
		before := s.eventCount()
		for _, c := range cases {
			r := s.do("POST", "/v1/cases/"+c.caseID+"/events", c.token, map[string]any{"type": c.typ, "data": c.data})
			if r.status != c.status || r.header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s: %d %s %s, want %d problem+json", c.name, r.status, r.header.Get("Content-Type"), r.raw, c.status)
				continue
			}
			if c.field == "" {
				continue
			}
			errs, _ := r.body["errors"].([]any)
			var field any
			if len(errs) > 0 {
				field = errs[0].(map[string]any)["field"]
			}
			if f, _ := field.(string); f == "" || (c.field != "*" && f != c.field) {
				t.Errorf("%s: errors %v, want field %s", c.name, r.body["errors"], c.field)
			}
		}
		if after := s.eventCount(); after != before {
			t.Fatalf("refused requests stored %d events", after-before)
		}
	})
}

// Under zákon 269/2021 the old card expires by itself 45 days after a change
// of name (docs/LAW.md §4): a validity end, not moved off the weekend.
func TestOldCardExpiresAutomaticallyUnderNewLaw(t *testing.T) {
	s := sqliteStack(t, calendar.NewDate(2026, 7, 1))
	id, _ := s.openCase("name_change", "1985-02-11")
	// Monday 4 May 2026 + 45 days = Thursday 18 June 2026.
	pos := s.record(id, "NameChanged", map[string]any{"decision_effective_on": "2026-05-04"})
	r := s.do("GET", fmt.Sprintf("/v1/cases/%s?min_position=%d", id, pos), "clerk-token", nil)
	validity, _ := r.body["validity"].([]any)
	if len(validity) != 1 || validity[0].(map[string]any)["document"] != "id_card" || validity[0].(map[string]any)["valid_until"] != "2026-06-18" {
		t.Fatalf("validity after a name change: %s", r.raw)
	}
	old, _ := s.openCase("name_change", "1985-02-11")
	pos = s.record(old, "NameChanged", map[string]any{"decision_effective_on": "2021-07-30"})
	r = s.do("GET", fmt.Sprintf("/v1/cases/%s?min_position=%d", old, pos), "clerk-token", nil)
	if validity, _ := r.body["validity"].([]any); len(validity) != 0 {
		t.Fatalf("zákon 328/1999 has no automatic expiry, got %s", r.raw)
	}
}
