package cases_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
)

// record decides a fact on c and folds the resulting event into it, as the
// repository does.
var record = cases.RecordAndFold

// newCitizensCase is a new case of the situation for a citizen born on born.
func newCitizensCase(situation cases.Situation, born calendar.Date) *cases.Case {
	return &cases.Case{ID: "c", Situation: situation, Version: 1,
		Citizen: cases.Citizen{ID: "1", BirthDate: born, FullName: "Jana Nováková"}}
}

func incidentCase() *cases.Case {
	return newCitizensCase(cases.IDCardIncident, calendar.NewDate(1980, 5, 17))
}

// Lost on Wednesday 1 Apr 2026, reported on Thursday 9 Apr 2026: four
// working days later (Good Friday and Easter Monday do not count). That is
// past the default threshold of 3 working days but within an office's 5.
func TestLossReportReviewThresholdIsConfigurable(t *testing.T) {
	const report = `{"kind":"lost","reported_on":"2026-04-09","discovered_on":"2026-04-01","reported_to":"police"}`
	today := calendar.NewDate(2026, 4, 10)
	for _, c := range []struct {
		threshold int
		flags     int
	}{{0, 1}, {3, 1}, {4, 0}, {5, 0}} {
		kase := incidentCase()
		ctx := cases.Context{Today: today, Actor: "alice", Role: cases.Clerk, LossReportThreshold: c.threshold}
		if err := record(t, kase, ctx, "IncidentReported", report); err != nil {
			t.Fatal(err)
		}
		hints := 0
		for _, f := range kase.Flags {
			if f.Offence.ReviewOnly {
				hints++
				if f.RaisedOn != calendar.NewDate(2026, 4, 9) {
					t.Errorf("threshold %d: hint raised on %s, want on the report", c.threshold, f.RaisedOn)
				}
			}
		}
		if hints != c.flags {
			t.Errorf("threshold %d: %d review hints, want %d", c.threshold, hints, c.flags)
		}
	}
}

func TestServiceFieldsCannotBeSentByClients(t *testing.T) {
	kase := incidentCase()
	ctx := cases.Context{Today: calendar.NewDate(2026, 4, 10), Role: cases.Clerk}
	err := record(t, kase, ctx, "IncidentReported",
		`{"kind":"lost","reported_on":"2026-04-09","reported_to":"police","review_threshold_working_days":99}`)
	var invalid *cases.InvalidError
	if !errors.As(err, &invalid) || invalid.Errors[0].Field != "data.review_threshold_working_days" {
		t.Fatalf("got %v", err)
	}
}

// A case is opened on the service's today: a client cannot backdate it.
func TestTheOpeningDayIsTheServicesToday(t *testing.T) {
	ctx := cases.Context{Today: calendar.NewDate(2026, 4, 10), Role: cases.Clerk}
	request := `{"situation":"id_card_incident","office":"Praha 1","opened_on":"2020-01-01",
		"citizen":{"id":"1","birth_date":"1980-05-17","full_name":"Jana Nováková"}}`
	_, err := cases.Open([]byte(request), ctx)
	var invalid *cases.InvalidError
	if !errors.As(err, &invalid) || len(invalid.Errors) != 1 || invalid.Errors[0].Field != "opened_on" {
		t.Fatalf("opened_on sent by a client: got %v, want a field error on opened_on", err)
	}
	rec, err := cases.Open([]byte(`{"situation":"id_card_incident","office":"Praha 1",
		"citizen":{"id":"1","birth_date":"1980-05-17","full_name":"Jana Nováková"}}`), ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.Data.(cases.CaseOpened).OpenedOn; got != ctx.Today {
		t.Fatalf("opened on %s, want the service's today %s", got, ctx.Today)
	}
}

type step struct {
	typ  cases.EventType
	data string
	role cases.Role
}

// play records steps on a new case of the situation and returns it; every
// step must be accepted.
func play(t *testing.T, situation cases.Situation, today calendar.Date, steps ...step) *cases.Case {
	t.Helper()
	kase := newCitizensCase(situation, calendar.NewDate(1980, 5, 17))
	for _, s := range steps {
		role := s.role
		if role == "" {
			role = cases.Clerk
		}
		if err := record(t, kase, cases.Context{Today: today, Actor: "x", Role: role}, s.typ, s.data); err != nil {
			t.Fatalf("%s: %v", s.typ, err)
		}
	}
	return kase
}

func statuses(c *cases.Case, asOf calendar.Date) []cases.Status {
	var out []cases.Status
	for _, o := range c.Obligations {
		out = append(out, o.StatusOn(asOf))
	}
	return out
}

func raisedBy(c *cases.Case, asOf calendar.Date) int {
	n := 0
	for _, f := range c.Flags {
		if !f.RaisedOn.After(asOf) {
			n++
		}
	}
	return n
}

const chipCard = `{"document":"id_card_chip","filed_on":"%s","track":"standard","filing_office":"municipal_office"}`

func filed(on string) step { return step{typ: "ApplicationFiled", data: fmt.Sprintf(chipCard, on)} }

func TestOneApplicationMeetsEveryDutyToApplyThatItFollows(t *testing.T) {
	today := calendar.NewDate(2026, 6, 1)
	// The residence change (1 Apr) and the cancelled record (2 Apr) both
	// oblige the citizen to apply; one application on 10 Apr meets both.
	c := play(t, cases.ResidenceChange, today,
		step{typ: "ResidenceChangeReported", data: `{"reported_on":"2026-04-01","registration_office":"Praha 1"}`},
		step{typ: "ResidenceRecordCancelled", data: `{"decision_effective_on":"2026-04-02"}`},
		filed("2026-04-10"))
	if got := statuses(c, today); !slices.Equal(got, []cases.Status{cases.StatusMet, cases.StatusMet}) || raisedBy(c, today) != 0 {
		t.Fatalf("statuses %v, %d flags", got, raisedBy(c, today))
	}
}

func TestTheOrderOfRecordingDoesNotChangeTheOutcome(t *testing.T) {
	today := calendar.NewDate(2026, 6, 1)
	change := step{typ: "NameChanged", data: `{"decision_effective_on":"2026-04-09"}`}
	for name, steps := range map[string][]step{
		"change first":      {change, filed("2026-04-10")},
		"application first": {filed("2026-04-10"), change},
	} {
		c := play(t, cases.NameChange, today, steps...)
		if got := statuses(c, today); !slices.Equal(got, []cases.Status{cases.StatusMet}) || raisedBy(c, today) != 0 {
			t.Errorf("%s: statuses %v, %d flags", name, got, raisedBy(c, today))
		}
	}
	// An application dated before the loss cannot be the new card's.
	c := play(t, cases.IDCardIncident, today, step{typ: "IncidentReported", data: `{"kind":"lost","reported_on":"2026-04-01","reported_to":"police"}`})
	_, err := c.Record("ApplicationFiled", fmt.Appendf(nil, chipCard, "2026-01-05"), cases.Context{Today: today, Role: cases.Clerk})
	var rule *cases.RuleError
	if !errors.As(err, &rule) || rule.Errors[0].Field != "data.filed_on" {
		t.Fatalf("an application before the loss: %v", err)
	}
}

func TestAnExcuseDoesNotUndoAFine(t *testing.T) {
	today := calendar.NewDate(2026, 6, 1)
	c := play(t, cases.IDCardExpiry, today, step{typ: "IDCardExpired", data: `{"expired_on":"2026-04-01"}`})
	flag := c.Flags[0].ID
	officer := cases.Context{Today: today, Actor: "bob", Role: cases.ComplianceOfficer}
	if err := record(t, c, officer, "FlagReviewed", fmt.Sprintf(`{"flag":%q,"decision":"fined","fine_czk":2000,"decided_on":"2026-05-01"}`, flag)); err != nil {
		t.Fatal(err)
	}
	err := record(t, c, officer, "ObligationExcused", `{"obligation":"apply_for_id_card","reason":"hospitalised"}`)
	var rule *cases.RuleError
	if !errors.As(err, &rule) || rule.Errors[0].Field != "data.obligation" {
		t.Fatalf("excusing a fined obligation: %v", err)
	}
	if len(c.Flags) != 1 || c.Flags[0].StatusOn(today) != "fined" || c.Obligations[0].StatusOn(today) != cases.StatusJudged {
		t.Fatalf("after the refused excuse: %+v %+v", c.Flags, c.Obligations)
	}
	// A dismissed flag may still be followed by an excuse; the decision stays on record.
	d := play(t, cases.IDCardExpiry, today, step{typ: "IDCardExpired", data: `{"expired_on":"2026-04-01"}`})
	if err := record(t, d, officer, "FlagReviewed", fmt.Sprintf(`{"flag":%q,"decision":"dismissed","decided_on":"2026-05-01"}`, d.Flags[0].ID)); err != nil {
		t.Fatal(err)
	}
	if err := record(t, d, officer, "ObligationExcused", `{"obligation":"apply_for_id_card","reason":"hospitalised"}`); err != nil {
		t.Fatal(err)
	}
	if len(d.Flags) != 1 || d.Obligations[0].StatusOn(today) != cases.StatusExcused {
		t.Fatalf("after excusing a dismissed flag: %+v %+v", d.Flags, d.Obligations)
	}
}

// Applying before turning 15 meets the duty that comes with the birthday.
func TestFirstCardAppliedForBeforeTheBirthday(t *testing.T) {
	today := calendar.NewDate(2026, 6, 1)
	c := newCitizensCase(cases.FirstIDCard, calendar.NewDate(2011, 4, 20))
	ctx := cases.Context{Today: today, Role: cases.Clerk}
	if err := record(t, c, ctx, "ApplicationFiled", fmt.Sprintf(chipCard, "2026-04-01")); err != nil {
		t.Fatal(err)
	}
	if err := record(t, c, ctx, "CitizenTurned15", `{"birthday_on":"2026-04-20"}`); err != nil {
		t.Fatal(err)
	}
	if got := statuses(c, today); !slices.Equal(got, []cases.Status{cases.StatusMet}) || raisedBy(c, today) != 0 {
		t.Fatalf("statuses %v, %d flags", got, raisedBy(c, today))
	}
}

// The fee of an application does not depend on whether the clerk recorded
// the application or the fact behind it first (a first card at 15 is
// free, a card after a residence change too; docs/LAW.md §8).
func TestTheFeeDoesNotDependOnTheOrderOfTheFacts(t *testing.T) {
	for _, tt := range []struct {
		situation cases.Situation
		born      calendar.Date
		trigger   step
		filedOn   string
	}{
		{cases.FirstIDCard, calendar.NewDate(2008, 5, 10), step{typ: cases.CitizenTurned15Type, data: `{"birthday_on":"2023-05-10"}`}, "2023-05-12"},
		{cases.ResidenceChange, calendar.NewDate(1980, 5, 17), step{typ: cases.ResidenceChangeReportedType,
			data: `{"reported_on":"2026-04-01","registration_office":"registration_office"}`}, "2026-04-02"},
	} {
		fee := func(steps ...step) string {
			t.Helper()
			c := newCitizensCase(tt.situation, tt.born)
			for _, s := range steps {
				if err := record(t, c, cases.Context{Today: calendar.NewDate(2026, 6, 1), Actor: "x", Role: cases.Clerk}, s.typ, s.data); err != nil {
					t.Fatalf("%s %s: %v", tt.situation, s.typ, err)
				}
			}
			b, _ := json.Marshal(c.Fee)
			return string(b)
		}
		triggerFirst := fee(tt.trigger, filed(tt.filedOn))
		applicationFirst := fee(filed(tt.filedOn), tt.trigger)
		if triggerFirst != applicationFirst {
			t.Errorf("%s: fee %s with the fact first, %s with the application first", tt.situation, triggerFirst, applicationFirst)
		}
	}
}

// Someone born on 29 Feb has the birthday on 28 Feb of a common year (one
// age rule, docs/LAW.md §3): born 29 Feb 2012, 15 on Sunday 28 Feb 2027.
// The duty and the fee of the first card agree on the day: a card applied
// for that day is the free first card at 15, not a child's card for 50 Kč.
func TestALeaplingTurns15On28February(t *testing.T) {
	c := newCitizensCase(cases.FirstIDCard, calendar.NewDate(2012, 2, 29))
	ctx := cases.Context{Today: calendar.NewDate(2027, 3, 10), Actor: "x", Role: cases.Clerk}
	var invalid *cases.RuleError
	if err := record(t, c, ctx, cases.CitizenTurned15Type, `{"birthday_on":"2027-03-01"}`); !errors.As(err, &invalid) {
		t.Fatalf("15 on 1 Mar 2027: %v, want refused (the birthday is 28 Feb)", err)
	}
	if err := record(t, c, ctx, cases.CitizenTurned15Type, `{"birthday_on":"2027-02-28"}`); err != nil {
		t.Fatalf("15 on 28 Feb 2027: %v", err)
	}
	if err := record(t, c, ctx, cases.ApplicationFiledType,
		`{"document":"id_card","filed_on":"2027-02-28","track":"standard","filing_office":"municipal_office"}`); err != nil {
		t.Fatal(err)
	}
	if c.Fee == nil || c.Fee.Total() != 0 {
		t.Errorf("the first card at 15, applied for on the birthday: fee %+v, want none", c.Fee)
	}
}
