package cases_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
)

// The law as tables: given the facts recorded on a case, when someone
// records one more, then it is recorded (carrying these fields) or refused
// (with this error); and as of a day, the case shows these obligations and
// flags. One table per situation of docs/LAW.md §5; every row is also checked
// for the rule that an obligation and its flag always agree (agree below).

// fact is one fact recorded on a case: its type and data, and who records
// it (by default a clerk, or an officer for an officer's decision).
type fact struct {
	typ  cases.EventType
	data string
	role cases.Role
	// office is the only office the recording actor may act for ("" any).
	office string
	// today is the day it is recorded (default lawToday).
	today string
}

// lawToday is the day the facts of a table are recorded, unless a fact says otherwise.
const lawToday = "2026-12-01"

// day is what a case shows as of a day: its obligations ("obligation due
// DATE: status", marked "(no flag: under 15)" where a child's missed deadline
// raises none) and its flags ("code raised DATE: status").
type day struct {
	on          string
	obligations []string
	flags       []string
}

// law is one row of a table.
type law struct {
	name string
	// born is the citizen's birth date (default 1980-05-17).
	born  string
	given []fact
	// when is the fact to decide; without one, the given facts are the case.
	when fact
	// err is how when is refused ("rule data.obstacle_from", "invalid
	// data.excused_on", "forbidden"); "" means it is recorded.
	err string
	// event holds fields the recorded event carries, as a JSON object.
	event string
	// asOf are the states of the case (after when, if recorded) on days.
	asOf []day
	// fee is the case's fee in Kč ("null" for none); "" is not checked.
	fee string
	// validity are the case's validity ends ("document DATE"); nil is not checked.
	validity []string
}

func d(s string) calendar.Date {
	date, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return date
}

// officerFacts are the compliance officer's decisions (docs/LAW.md §7).
var officerFacts = []cases.EventType{cases.ObligationExcusedType, cases.FlagReviewedType}

func (f fact) context() cases.Context {
	ctx := cases.Context{Today: d(lawToday), Actor: "alice", Role: f.role}
	if f.office != "" {
		ctx.Scope = []string{f.office}
	}
	if f.today != "" {
		ctx.Today = d(f.today)
	}
	if ctx.Role == "" {
		ctx.Role = cases.Clerk
		if slices.Contains(officerFacts, f.typ) {
			ctx.Role, ctx.Actor = cases.ComplianceOfficer, "bob"
		}
	}
	return ctx
}

// newCase is a case of the situation opened for a citizen born on born.
func newCase(t *testing.T, situation cases.Situation, born string) *cases.Case {
	t.Helper()
	if born == "" {
		born = "1980-05-17"
	}
	opened, _ := json.Marshal(cases.CaseOpened{Situation: situation, Office: "Praha 1", OpenedOn: d("2020-01-02"),
		Citizen: cases.Citizen{ID: "c-1", BirthDate: d(born), FullName: "Jana Nováková"}})
	c := &cases.Case{ID: "c"}
	if err := c.Replay(cases.Event{Type: cases.CaseOpenedType, Version: 1, Data: opened}); err != nil {
		t.Fatal(err)
	}
	return c
}

// decide records f on c as the repository does: decide, store, fold.
func decide(t *testing.T, c *cases.Case, f fact) (map[string]any, error) {
	t.Helper()
	rec, err := c.Record(f.typ, []byte(f.data), f.context())
	if err != nil {
		return nil, err
	}
	if rec.Type != f.typ {
		t.Fatalf("recorded %s as %s", f.typ, rec.Type)
	}
	cases.Fold(t, c, rec)
	b, _ := json.Marshal(rec.Data)
	var fields map[string]any
	_ = json.Unmarshal(b, &fields)
	return fields, nil
}

// errorName names an error as the tables do: its kind and its first field.
func errorName(err error) string {
	var (
		invalid   *cases.InvalidError
		rule      *cases.RuleError
		forbidden *cases.ForbiddenError
	)
	switch {
	case err == nil:
		return ""
	case errors.As(err, &invalid):
		return "invalid " + invalid.Errors[0].Field
	case errors.As(err, &rule):
		return "rule " + rule.Errors[0].Field
	case errors.As(err, &forbidden):
		return "forbidden"
	}
	return "unexpected " + err.Error()
}

func obligationsOn(c *cases.Case, asOf calendar.Date) []string {
	var out []string
	for _, o := range c.Obligations {
		if o.TriggeredOn.After(asOf) {
			continue
		}
		s := fmt.Sprintf("%s due %s: %s", o.Obligation, o.Due, o.StatusOn(asOf))
		if o.NoFlag != "" {
			s += " (no flag: under 15)"
		}
		out = append(out, s)
	}
	return out
}

func flagsOn(c *cases.Case, asOf calendar.Date) []string {
	var out []string
	for _, f := range c.Flags {
		if !f.RaisedOn.After(asOf) {
			out = append(out, fmt.Sprintf("%s raised %s: %s", f.Offence.Code, f.RaisedOn, f.StatusOn(asOf)))
		}
	}
	return out
}

func (l law) run(t *testing.T, situation cases.Situation) *cases.Case {
	t.Helper()
	c := newCase(t, situation, l.born)
	for i, f := range l.given {
		if _, err := decide(t, c, f); err != nil {
			t.Fatalf("given fact %d %s: %v", i+1, f.typ, err)
		}
	}
	if l.when.typ != "" {
		fields, err := decide(t, c, l.when)
		if got := errorName(err); got != l.err {
			t.Fatalf("when %s %s: got %q (%v), want %q", l.when.typ, l.when.data, got, err, l.err)
		}
		if err == nil && l.event != "" {
			var want map[string]any
			if err := json.Unmarshal([]byte(l.event), &want); err != nil {
				t.Fatal(err)
			}
			for k, v := range want {
				if !reflect.DeepEqual(fields[k], v) {
					t.Errorf("the event carries %s = %v, want %v (event %v)", k, fields[k], v, fields)
				}
			}
		}
	}
	for _, s := range l.asOf {
		if got := obligationsOn(c, d(s.on)); !slices.Equal(got, s.obligations) {
			t.Errorf("as of %s, obligations:\n got %q\nwant %q", s.on, got, s.obligations)
		}
		if got := flagsOn(c, d(s.on)); !slices.Equal(got, s.flags) {
			t.Errorf("as of %s, flags:\n got %q\nwant %q", s.on, got, s.flags)
		}
	}
	switch {
	case l.fee == "":
	case c.Fee == nil:
		if l.fee != "null" {
			t.Errorf("fee null, want %s Kč", l.fee)
		}
	case fmt.Sprint(c.Fee.Total()) != l.fee:
		t.Errorf("fee %d Kč (%+v), want %s", c.Fee.Total(), c.Fee.Lines, l.fee)
	}
	if l.validity != nil {
		var got []string
		for _, v := range c.Validity {
			got = append(got, fmt.Sprintf("%s %s", v.Document, v.ValidUntil))
		}
		if !slices.Equal(got, l.validity) {
			t.Errorf("validity %q, want %q", got, l.validity)
		}
	}
	agree(t, c)
	return c
}

// agree holds docs/LAW.md §7 and §5.4 on every day around the case's
// deadlines: an obligation whose missed deadline is an offence shows overdue,
// met late or judged exactly on the days its flag shows; an excused one and a
// child's never has a flag.
func agree(t *testing.T, c *cases.Case) {
	t.Helper()
	names := map[string]int{}
	for _, o := range c.Obligations {
		names[o.Obligation]++
	}
	for _, f := range c.Flags {
		if f.Decision == cases.Dismissed {
			return // a dismissed flag stays on record, whatever follows
		}
	}
	for _, o := range c.Obligations {
		if o.Offence.IsZero() || names[o.Obligation] > 1 {
			continue
		}
		for asOf := o.TriggeredOn; !asOf.After(o.Due.AddDays(60)); asOf = asOf.AddDays(1) {
			flagged := false
			for _, f := range c.Flags {
				if f.Obligation == o.Obligation && !f.RaisedOn.After(asOf) {
					flagged = true
				}
			}
			st := o.StatusOn(asOf)
			want := (st == cases.StatusOverdue || st == cases.StatusMetLate || st == cases.StatusJudged) && o.NoFlag == ""
			if flagged != want {
				t.Fatalf("as of %s %s is %s but flagged=%v: an obligation and its flag disagree", asOf, o.Obligation, st, flagged)
			}
		}
	}
}

func runTable(t *testing.T, situation cases.Situation, table []law) {
	t.Helper()
	for _, l := range table {
		t.Run(l.name, func(t *testing.T) { l.run(t, situation) })
	}
}

// Facts used by many rows.
var (
	movedOn1April    = fact{typ: cases.ResidenceChangeReportedType, data: `{"reported_on":"2026-04-01","registration_office":"Praha 1"}`}
	expiredOn1April  = fact{typ: cases.IDCardExpiredType, data: `{"expired_on":"2026-04-01"}`}
	chipCardFiled    = func(on string) fact { return fact{typ: cases.ApplicationFiledType, data: fmt.Sprintf(chipCard, on)} }
	lateApplication  = "65-late_application"
	overdueFrom25Apr = []string{"apply_for_id_card due 2026-04-24: overdue"}
)

// docs/LAW.md §5.2: a change of permanent residence costs 50 Kč to report (free
// under 15) and obliges the citizen to apply for a new card within 15 working
// days; under 269/2021 the old card expires 45 days after the change.
func TestResidenceChange(t *testing.T) {
	runTable(t, cases.ResidenceChange, []law{
		{name: "an adult reports moving: 50 Kč, a new card within 15 working days (Easter does not count), then a flag",
			when: movedOn1April, event: `{"reported_on":"2026-04-01","registration_office":"Praha 1"}`,
			fee: "50", validity: []string{"id_card 2026-05-16"},
			asOf: []day{
				{on: "2026-03-31"},
				{on: "2026-04-24", obligations: []string{"apply_for_id_card due 2026-04-24: open"}},
				{on: "2026-04-25", obligations: overdueFrom25Apr, flags: []string{lateApplication + " raised 2026-04-25: raised"}},
			}},
		{name: "a child of 11 reports with the family: no fee, the obligation shows, no flag (zákon 250/2016 § 5)",
			born: "2015-01-10", when: movedOn1April, fee: "0",
			asOf: []day{{on: "2026-05-01", obligations: []string{"apply_for_id_card due 2026-04-24: overdue (no flag: under 15)"}}}},
		{name: "a child who turns 15 on the day after the deadline, the day of the act, is liable",
			born: "2011-04-25", when: movedOn1April, fee: "0",
			asOf: []day{{on: "2026-04-25", obligations: overdueFrom25Apr, flags: []string{lateApplication + " raised 2026-04-25: raised"}}}},
		{name: "a child who turns 15 the day after that is not",
			born: "2011-04-26", when: movedOn1April, fee: "0",
			asOf: []day{{on: "2026-04-25", obligations: []string{"apply_for_id_card due 2026-04-24: overdue (no flag: under 15)"}}}},
		{name: "applying in time meets the duty and the case shows the application's fee",
			given: []fact{movedOn1April}, when: chipCardFiled("2026-04-10"), fee: "500",
			asOf: []day{{on: "2026-05-01", obligations: []string{"apply_for_id_card due 2026-04-24: met"}}}},
		{name: "an application of the report's day recorded first meets the duty and keeps its fee",
			given: []fact{chipCardFiled("2026-04-01")}, when: movedOn1April, fee: "500",
			asOf: []day{{on: "2026-05-01", obligations: []string{"apply_for_id_card due 2026-04-24: met"}}}},
		{name: "a cancelled residence record ends the card that day and obliges an application",
			when:     fact{typ: cases.ResidenceRecordCancelledType, data: `{"decision_effective_on":"2026-04-01"}`},
			validity: []string{"id_card 2026-04-01"}, fee: "null",
			asOf: []day{{on: "2026-04-25", obligations: overdueFrom25Apr, flags: []string{lateApplication + " raised 2026-04-25: raised"}}}},
		{name: "the end of permanent residence obliges the citizen to hand in the card (no offence letter, no flag)",
			when: fact{typ: cases.PermanentResidenceEndedType, data: `{"notified_on":"2026-04-01"}`},
			asOf: []day{{on: "2026-05-01", obligations: []string{"surrender_id_card due 2026-04-24: overdue"}}}},
		{name: "handing in the card meets it",
			given: []fact{{typ: cases.PermanentResidenceEndedType, data: `{"notified_on":"2026-04-01"}`}},
			when:  fact{typ: cases.IDCardSurrenderedType, data: `{"surrendered_on":"2026-04-02"}`},
			asOf:  []day{{on: "2026-05-01", obligations: []string{"surrender_id_card due 2026-04-24: met"}}}},
		{name: "a card no one must hand in cannot be handed in",
			when: fact{typ: cases.IDCardSurrenderedType, data: `{"surrendered_on":"2026-04-02"}`}, err: "rule data.surrendered_on"},
		{name: "nor before the duty arose",
			given: []fact{{typ: cases.PermanentResidenceEndedType, data: `{"notified_on":"2026-04-01"}`}},
			when:  fact{typ: cases.IDCardSurrenderedType, data: `{"surrendered_on":"2026-03-02"}`}, err: "rule data.surrendered_on"},
		{name: "a report dated in the future is refused",
			when: fact{typ: cases.ResidenceChangeReportedType, data: `{"reported_on":"2027-04-01","registration_office":"Praha 1"}`}, err: "rule data.reported_on"},
		{name: "a report without its registration office is not one",
			when: fact{typ: cases.ResidenceChangeReportedType, data: `{"reported_on":"2026-04-01"}`}, err: "invalid data.registration_office"},
		{name: "the same move is reported once a case",
			given: []fact{movedOn1April}, when: movedOn1April, err: "rule type"},
	})
}

// docs/LAW.md §5.4 and §3: an excuse is a fact about the past. From
// obstacle_from on (default: the day the obligation arose) the obligation is
// excused and its flag gone, whichever day the excuse was recorded.
func TestExcuse(t *testing.T) {
	excuse := func(extra string) fact {
		return fact{typ: cases.ObligationExcusedType, data: `{"obligation":"apply_for_id_card","reason":"hospitalised"` + extra + `}`}
	}
	runTable(t, cases.IDCardExpiry, []law{
		{name: "without obstacle_from the obligation is excused from the day it arose, and no flag ever shows",
			given: []fact{expiredOn1April}, when: excuse(""), event: `{"obstacle_from":"2026-04-01"}`,
			asOf: []day{
				{on: "2026-04-01", obligations: []string{"apply_for_id_card due 2026-04-24: excused"}},
				{on: "2026-05-20", obligations: []string{"apply_for_id_card due 2026-04-24: excused"}},
			}},
		{name: "read as of a day before obstacle_from it was open, from it on excused; never flagged",
			given: []fact{expiredOn1April}, when: excuse(`,"obstacle_from":"2026-04-10"`), event: `{"obstacle_from":"2026-04-10"}`,
			asOf: []day{
				{on: "2026-04-09", obligations: []string{"apply_for_id_card due 2026-04-24: open"}},
				{on: "2026-04-10", obligations: []string{"apply_for_id_card due 2026-04-24: excused"}},
				{on: "2026-06-01", obligations: []string{"apply_for_id_card due 2026-04-24: excused"}},
			}},
		{name: "an obstacle on the last day of the deadline still excuses",
			given: []fact{expiredOn1April}, when: excuse(`,"obstacle_from":"2026-04-24"`),
			asOf: []day{{on: "2026-04-25", obligations: []string{"apply_for_id_card due 2026-04-24: excused"}}}},
		{name: "an obstacle that began after the deadline does not excuse missing it",
			given: []fact{expiredOn1April}, when: excuse(`,"obstacle_from":"2026-04-27"`), err: "rule data.obstacle_from"},
		{name: "an obstacle that began before the obligation arose excuses it from the day it arose",
			given: []fact{expiredOn1April}, when: excuse(`,"obstacle_from":"2026-03-15"`),
			asOf: []day{{on: "2026-03-31"}, {on: "2026-04-01", obligations: []string{"apply_for_id_card due 2026-04-24: excused"}}}},
		{name: "a late application can be excused: its flag goes",
			given: []fact{expiredOn1April, chipCardFiled("2026-05-05")}, when: excuse(`,"obstacle_from":"2026-04-20"`),
			asOf: []day{{on: "2026-05-10", obligations: []string{"apply_for_id_card due 2026-04-24: excused"}}}},
		{name: "one met on time needs no excuse",
			given: []fact{expiredOn1April, chipCardFiled("2026-04-05")}, when: excuse(""), err: "rule data.obligation"},
		{name: "nor one the case does not have",
			when: excuse(""), err: "rule data.obligation"},
		{name: "excused_on is no longer a field of the request",
			given: []fact{expiredOn1April}, when: excuse(`,"excused_on":"2026-05-01"`), err: "invalid data.excused_on"},
		{name: "an excuse needs its reason",
			given: []fact{expiredOn1April}, when: fact{typ: cases.ObligationExcusedType, data: `{"obligation":"apply_for_id_card"}`}, err: "invalid data.reason"},
		{name: "an obstacle in the future is refused",
			given: []fact{expiredOn1April}, when: excuse(`,"obstacle_from":"2027-01-01"`), err: "rule data.obstacle_from"},
		{name: "only a compliance officer excuses",
			given: []fact{expiredOn1April}, when: fact{typ: cases.ObligationExcusedType, data: `{"obligation":"apply_for_id_card","reason":"ill"}`, role: cases.Clerk}, err: "forbidden"},
		{name: "an excuse after a fine is refused",
			given: []fact{expiredOn1April, {typ: cases.FlagReviewedType, data: `{"flag":"65-late_application-1","decision":"fined","fine_czk":2000,"decided_on":"2026-05-01"}`}},
			when:  excuse(""), err: "rule data.obligation",
			asOf: []day{{on: "2026-06-01", obligations: []string{"apply_for_id_card due 2026-04-24: judged"}, flags: []string{lateApplication + " raised 2026-04-25: fined"}}}},
	})
}

// Events recorded before obstacle_from existed carry excused_on (by default
// the day the excuse was recorded). They are still read; a day after the
// deadline tells nothing about the obstacle, so the excuse counts from the
// day the obligation arose, and the obligation and its flag agree.
func TestExcusesOfTheOldShapeAreStillRead(t *testing.T) {
	for _, tc := range []struct {
		excusedOn string
		days      []day
	}{
		{"2026-06-01", []day{
			{on: "2026-04-01", obligations: []string{"apply_for_id_card due 2026-04-24: excused"}},
			{on: "2026-05-20", obligations: []string{"apply_for_id_card due 2026-04-24: excused"}},
		}},
		{"2026-04-20", []day{
			{on: "2026-04-19", obligations: []string{"apply_for_id_card due 2026-04-24: open"}},
			{on: "2026-04-20", obligations: []string{"apply_for_id_card due 2026-04-24: excused"}},
		}},
	} {
		t.Run(tc.excusedOn, func(t *testing.T) {
			c := law{given: []fact{expiredOn1April}}.run(t, cases.IDCardExpiry)
			old := fmt.Sprintf(`{"obligation":"apply_for_id_card","reason":"ill","excused_on":%q}`, tc.excusedOn)
			if err := c.Replay(cases.Event{Type: cases.ObligationExcusedType, Version: c.Version + 1, Data: []byte(old)}); err != nil {
				t.Fatal(err)
			}
			for _, s := range tc.days {
				if got := obligationsOn(c, d(s.on)); !slices.Equal(got, s.obligations) || len(flagsOn(c, d(s.on))) != 0 {
					t.Errorf("as of %s: %q, flags %q; want %q and none", s.on, got, flagsOn(c, d(s.on)), s.obligations)
				}
			}
			agree(t, c)
		})
	}
}

// docs/LAW.md §7: nobody under 15 on the day of the act is liable; the
// obligation says why it raises no flag.
func TestAChildsMissedDeadlineSaysWhyItRaisesNoFlag(t *testing.T) {
	c := law{born: "2015-01-10", given: []fact{movedOn1April}}.run(t, cases.ResidenceChange)
	why := c.Obligations[0].NoFlag
	for _, want := range []string{"under 15", "2026-04-25", "zákon 250/2016 Sb., § 5"} {
		if !strings.Contains(why, want) {
			t.Errorf("the reason %q does not say %q", why, want)
		}
	}
	if len(c.Flags) != 0 {
		t.Errorf("flags %+v", c.Flags)
	}
}

// docs/LAW.md §5.3: only a card that shows marital status must be replaced; a
// surname changed by marriage ends the passport 3 months after the day it
// changed (seed 004), counted from document_received_on where that day is not known.
func TestMaritalStatusChange(t *testing.T) {
	married := func(extra string) fact {
		return fact{typ: cases.MaritalStatusChangedType, data: `{"change":"marriage","document_received_on":"2026-04-10",` +
			`"card_shows_marital_status":true,"surname_changed":true` + extra + `}`}
	}
	runTable(t, cases.MaritalStatusChange, []law{
		{name: "the surname changed by marriage on an unknown day: 3 months from document_received_on",
			when: married(""), validity: []string{"id_card 2026-05-25", "passport 2026-07-10"},
			asOf: []day{{on: "2026-05-05", obligations: []string{"apply_for_id_card due 2026-05-04: overdue"},
				flags: []string{lateApplication + " raised 2026-05-05: raised"}}}},
		{name: "the surname changed on the wedding day: 3 months from surname_changed_on",
			when: married(`,"surname_changed_on":"2026-03-28"`), event: `{"surname_changed_on":"2026-03-28"}`,
			validity: []string{"id_card 2026-05-25", "passport 2026-06-28"}},
		{name: "the surname cannot change after the document on it was received",
			when: married(`,"surname_changed_on":"2026-04-11"`), err: "rule data.surname_changed_on"},
		{name: "surname_changed_on is only given when the surname changed",
			when: fact{typ: cases.MaritalStatusChangedType, data: `{"change":"marriage","document_received_on":"2026-04-10",` +
				`"card_shows_marital_status":true,"surname_changed":false,"surname_changed_on":"2026-03-28"}`}, err: "invalid data.surname_changed_on"},
		{name: "a card that does not show marital status need not be replaced (seed 003: nemá povinnost)",
			when: fact{typ: cases.MaritalStatusChangedType, data: `{"change":"divorce","document_received_on":"2026-04-10",` +
				`"card_shows_marital_status":false,"surname_changed":false}`}, validity: []string{},
			asOf: []day{{on: "2026-06-01"}}},
		{name: "a divorce with a changed surname keeps the passport (the rule is about marriage)",
			when: fact{typ: cases.MaritalStatusChangedType, data: `{"change":"divorce","document_received_on":"2026-04-10",` +
				`"card_shows_marital_status":true,"surname_changed":true}`}, validity: []string{"id_card 2026-05-25"}},
		{name: "an unknown change is refused",
			when: fact{typ: cases.MaritalStatusChangedType, data: `{"change":"engagement","document_received_on":"2026-04-10",` +
				`"card_shows_marital_status":true,"surname_changed":false}`}, err: "invalid data.change"},
		{name: "card_shows_marital_status must be said",
			when: fact{typ: cases.MaritalStatusChangedType, data: `{"change":"marriage","document_received_on":"2026-04-10","surname_changed":false}`},
			err:  "invalid data.card_shows_marital_status"},
	})
}

// docs/LAW.md §5.4, seed 003: a citizen with permanent residence in the Czech
// Republic must apply for a first card within 30 days of turning 15.
func TestFirstIDCard(t *testing.T) {
	turned15 := func(extra string) fact {
		return fact{typ: cases.CitizenTurned15Type, data: `{"birthday_on":"2026-04-20"` + extra + `}`}
	}
	const born = "2011-04-20"
	runTable(t, cases.FirstIDCard, []law{
		{name: "30 days from the 15th birthday, then a § 65 flag",
			born: born, when: turned15(""),
			asOf: []day{
				{on: "2026-05-20", obligations: []string{"apply_for_id_card due 2026-05-20: open"}},
				{on: "2026-05-21", obligations: []string{"apply_for_id_card due 2026-05-20: overdue"}, flags: []string{"65-first_card raised 2026-05-21: raised"}},
			}},
		{name: "permanent residence said explicitly: the same",
			born: born, when: turned15(`,"permanent_residence_in_cz":true`),
			asOf: []day{{on: "2026-05-21", obligations: []string{"apply_for_id_card due 2026-05-20: overdue"}, flags: []string{"65-first_card raised 2026-05-21: raised"}}}},
		{name: "without permanent residence in the Czech Republic there is no obligation",
			born: born, when: turned15(`,"permanent_residence_in_cz":false`), event: `{"permanent_residence_in_cz":false}`,
			asOf: []day{{on: "2026-06-01"}}},
		{name: "and a card applied for anyway costs 100 Kč (§ 8, without permanent residence)",
			born: born, given: []fact{turned15(`,"permanent_residence_in_cz":false`)},
			when: fact{typ: cases.ApplicationFiledType, data: `{"document":"id_card","filed_on":"2026-05-01","track":"standard","filing_office":"municipal_office"}`},
			fee:  "100", asOf: []day{{on: "2026-06-01"}}},
		{name: "applying before the birthday meets the duty",
			born: born, given: []fact{chipCardFiled("2026-04-01")}, when: turned15(""),
			asOf: []day{{on: "2026-06-01", obligations: []string{"apply_for_id_card due 2026-05-20: met"}}}},
		{name: "the birthday is the citizen's",
			born: born, when: turned15Wrong, err: "rule data.birthday_on"},
		{name: "permanent_residence_in_cz is a boolean",
			born: born, when: turned15(`,"permanent_residence_in_cz":"yes"`), err: "invalid data.permanent_residence_in_cz"},
	})
}

var turned15Wrong = fact{typ: cases.CitizenTurned15Type, data: `{"birthday_on":"2026-04-21"}`}

// docs/LAW.md §5.4, seed 004: an applicant of 15 to 17 needs the legal
// representative's consent, unless obtaining it meets a hard-to-overcome obstacle.
func TestPassportApplication(t *testing.T) {
	passport := func(extra string) fact {
		return fact{typ: cases.ApplicationFiledType, data: `{"document":"passport","filed_on":"2026-04-01","track":"standard",` +
			`"filing_office":"municipal_office"` + extra + `}`}
	}
	const sixteen = "2010-01-15"
	runTable(t, cases.PassportApplication, []law{
		{name: "an adult applies: 600 Kč, ready within 30 days", when: passport(""), fee: "600"},
		{name: "a child under 15: 100 Kč", born: "2015-01-10", when: passport(""), fee: "100"},
		{name: "a 16-year-old without consent is refused", born: sixteen, when: passport(""), err: "rule data.consent_attached"},
		{name: "with the consent attached it is filed", born: sixteen, when: passport(`,"consent_attached":true`), fee: "600"},
		{name: "where obtaining consent meets a hard-to-overcome obstacle it is not needed",
			born: sixteen, when: passport(`,"consent_obstacle":"the legal representative is abroad and unreachable"`),
			event: `{"consent_obstacle":"the legal representative is abroad and unreachable"}`, fee: "600"},
		{name: "a blank obstacle is no obstacle", born: sixteen, when: passport(`,"consent_obstacle":"  "`), err: "rule data.consent_attached"},
		{name: "an 18-year-old needs no consent", born: "2008-03-01", when: passport(""), fee: "600"},
		{name: "the applicant's age must be the citizen's", when: passport(`,"applicant_age":30`), err: "rule data.applicant_age"},
		{name: "a passport case takes no identity card", when: chipCardFiled("2026-04-01"), err: "rule data.document"},
		{name: "an embassy takes 120 days and states no fast track",
			when: fact{typ: cases.ApplicationFiledType, data: `{"document":"passport","filed_on":"2026-04-01","track":"five_working_days","filing_office":"embassy"}`},
			err:  "rule data.track"},
		{name: "one application at a time",
			given: []fact{passport("")}, when: passport(""), err: "rule data.document"},
		{name: "an unknown track is not one", when: passport(`,"track":"express"`), err: "invalid data.track"},
	})
}

// docs/LAW.md §5.1: an incident obliges an application within 15 working days;
// a found card is handed in the next working day; a late loss report gets a
// review hint; a lost card used is a misdemeanor; the office's deadline (SLA)
// and the collection follow the application.
func TestIDCardIncident(t *testing.T) {
	lost := fact{typ: cases.IncidentReportedType, data: `{"kind":"lost","reported_on":"2026-04-01","reported_to":"police"}`}
	lostLate := fact{typ: cases.IncidentReportedType, data: `{"kind":"lost","reported_on":"2026-04-09","discovered_on":"2026-04-01","reported_to":"police"}`}
	found := fact{typ: cases.OldCardFoundType, data: `{"found_on":"2026-04-03"}`}
	filed := chipCardFiled("2026-04-10")
	ready := fact{typ: cases.DocumentReadyType, data: `{"ready_on":"2026-04-20"}`}
	reminded := func(sent, by string) fact {
		return fact{typ: cases.CollectionReminderSentType, data: fmt.Sprintf(`{"sent_on":%q,"collect_by":%q}`, sent, by)}
	}
	runTable(t, cases.IDCardIncident, []law{
		{name: "a loss obliges an application within 15 working days", when: lost,
			asOf: []day{{on: "2026-04-25", obligations: overdueFrom25Apr, flags: []string{lateApplication + " raised 2026-04-25: raised"}}}},
		{name: "a loss reported 6 working days after discovery gets a review hint on the report day",
			when: lostLate, asOf: []day{{on: "2026-04-09", obligations: []string{"apply_for_id_card due 2026-04-30: open"},
				flags: []string{"65-loss_not_reported raised 2026-04-09: raised"}}}},
		{name: "a child's late report gets none", born: "2015-01-10", when: lostLate,
			asOf: []day{{on: "2026-05-01", obligations: []string{"apply_for_id_card due 2026-04-30: overdue (no flag: under 15)"}}}},
		{name: "under zákon 328/1999 a loss certificate is valid 2 months, and the § 16a letters apply",
			when:     fact{typ: cases.IncidentReportedType, data: `{"kind":"stolen","reported_on":"2021-03-01","reported_to":"police"}`},
			validity: []string{"loss_certificate 2021-05-01"},
			asOf:     []day{{on: "2021-03-23", obligations: []string{"apply_for_id_card due 2021-03-22: overdue"}, flags: []string{"16a1c raised 2021-03-23: raised"}}}},
		{name: "the incident is reported before it was discovered? refused",
			when: fact{typ: cases.IncidentReportedType, data: `{"kind":"lost","reported_on":"2026-04-01","discovered_on":"2026-04-02","reported_to":"police"}`},
			err:  "rule data.discovered_on"},
		{name: "an unknown kind is refused",
			when: fact{typ: cases.IncidentReportedType, data: `{"kind":"eaten","reported_on":"2026-04-01","reported_to":"police"}`}, err: "invalid data.kind"},
		{name: "a found card is handed in by the next working day (after Easter Monday)",
			given: []fact{lost}, when: found,
			asOf: []day{{on: "2026-04-08", obligations: []string{"apply_for_id_card due 2026-04-24: open", "surrender_found_card due 2026-04-07: overdue"}}}},
		{name: "handing it in meets that",
			given: []fact{lost, found}, when: fact{typ: cases.OldCardSurrenderedType, data: `{"surrendered_on":"2026-04-07"}`},
			asOf: []day{{on: "2026-04-08", obligations: []string{"apply_for_id_card due 2026-04-24: open", "surrender_found_card due 2026-04-07: met"}}}},
		{name: "a card found twice before it is handed in is refused",
			given: []fact{lost, found}, when: found, err: "rule data.found_on"},
		{name: "a damaged card cannot be found",
			given: []fact{{typ: cases.IncidentReportedType, data: `{"kind":"damaged","reported_on":"2026-04-01","reported_to":"municipal_office"}`}},
			when:  found, err: "rule data.found_on"},
		{name: "nothing found, nothing to hand in",
			given: []fact{lost}, when: fact{typ: cases.OldCardSurrenderedType, data: `{"surrendered_on":"2026-04-07"}`}, err: "rule data.surrendered_on"},
		{name: "a lost card used is a misdemeanor the day it is used",
			given: []fact{lost}, when: fact{typ: cases.LostCardUsedType, data: `{"used_on":"2026-04-05"}`},
			asOf: []day{{on: "2026-04-05", obligations: []string{"apply_for_id_card due 2026-04-24: open"}, flags: []string{"65-lost_card_used raised 2026-04-05: raised"}}}},
		{name: "not before the loss was reported",
			given: []fact{lost}, when: fact{typ: cases.LostCardUsedType, data: `{"used_on":"2026-03-05"}`}, err: "rule data.used_on"},
		{name: "a child's lost card used raises no flag", born: "2015-01-10",
			given: []fact{lost}, when: fact{typ: cases.LostCardUsedType, data: `{"used_on":"2026-04-05"}`},
			asOf: []day{{on: "2026-04-05", obligations: []string{"apply_for_id_card due 2026-04-24: open (no flag: under 15)"}}}},
		{name: "the application comes after the incident is reported", when: filed, err: "rule type"},
		{name: "not before the incident", given: []fact{lost}, when: chipCardFiled("2026-03-10"), err: "rule data.filed_on"},
		{name: "a temporary card alone does not meet the duty",
			given: []fact{lost}, when: fact{typ: cases.ApplicationFiledType, data: `{"document":"id_card_temporary","filed_on":"2026-04-02","track":"standard","filing_office":"municipal_office"}`},
			fee: "100", asOf: []day{{on: "2026-04-24", obligations: []string{"apply_for_id_card due 2026-04-24: open"}}}},
		{name: "a document is ready only for an application",
			given: []fact{lost}, when: ready, err: "rule data.ready_on"},
		{name: "not before it was filed",
			given: []fact{lost, filed}, when: fact{typ: cases.DocumentReadyType, data: `{"ready_on":"2026-04-09"}`}, err: "rule data.ready_on"},
		{name: "and once",
			given: []fact{lost, filed, ready}, when: ready, err: "rule data.ready_on"},
		{name: "a reminder is sent for a document that is ready",
			given: []fact{lost, filed}, when: reminded("2026-04-21", "2026-04-28"), err: "rule data.sent_on"},
		{name: "and asks for a day after it was sent",
			given: []fact{lost, filed, ready}, when: reminded("2026-04-21", "2026-04-20"), err: "rule data.collect_by"},
		{name: "after two reminders a card not collected by the last day is a misdemeanor",
			given: []fact{lost, filed, ready, reminded("2026-04-21", "2026-04-28")}, when: reminded("2026-04-29", "2026-05-06"),
			asOf: []day{{on: "2026-05-07", obligations: []string{"apply_for_id_card due 2026-04-24: met"}, flags: []string{"65-not_collected raised 2026-05-07: raised"}}}},
		{name: "a third reminder moves the flag to its day",
			given: []fact{lost, filed, ready, reminded("2026-04-21", "2026-04-28"), reminded("2026-04-29", "2026-05-06")},
			when:  reminded("2026-05-07", "2026-05-14"),
			asOf:  []day{{on: "2026-05-14", obligations: []string{"apply_for_id_card due 2026-04-24: met"}}, {on: "2026-05-15", obligations: []string{"apply_for_id_card due 2026-04-24: met"}, flags: []string{"65-not_collected raised 2026-05-15: raised"}}}},
		{name: "collecting it in time withdraws the flag",
			given: []fact{lost, filed, ready, reminded("2026-04-21", "2026-04-28"), reminded("2026-04-29", "2026-05-06")},
			when:  fact{typ: cases.DocumentCollectedType, data: `{"collected_on":"2026-05-06"}`},
			asOf:  []day{{on: "2026-06-01", obligations: []string{"apply_for_id_card due 2026-04-24: met"}}}},
		{name: "a document is collected once it is ready",
			given: []fact{lost, filed}, when: fact{typ: cases.DocumentCollectedType, data: `{"collected_on":"2026-05-06"}`}, err: "rule data.collected_on"},
		{name: "not before",
			given: []fact{lost, filed, ready}, when: fact{typ: cases.DocumentCollectedType, data: `{"collected_on":"2026-04-19"}`}, err: "rule data.collected_on"},
	})
}

// The office's processing deadline (SLA, docs/LAW.md §6) runs from filing.
func TestSLA(t *testing.T) {
	c := law{given: []fact{expiredOn1April, chipCardFiled("2026-04-02"), {typ: cases.DocumentReadyType, data: `{"ready_on":"2026-05-05"}`}}}.run(t, cases.IDCardExpiry)
	s := c.SLA[0]
	for _, tc := range []struct{ asOf, want string }{
		{"2026-04-02", cases.SLAOpen}, {"2026-05-04", cases.SLAOpen}, {"2026-05-05", cases.SLABreached},
	} {
		if got := s.StatusOn(d(tc.asOf)); got != tc.want || s.Due != d("2026-05-04") {
			t.Errorf("as of %s: SLA due %s %s, want due 2026-05-04 %s", tc.asOf, s.Due, got, tc.want)
		}
	}
	if got := (cases.SLA{FiledOn: d("2026-04-02"), Due: d("2026-05-04"), ReadyOn: d("2026-04-20")}).StatusOn(d("2026-06-01")); got != cases.SLAMet {
		t.Errorf("ready in time: %s", got)
	}
}

// docs/LAW.md §7: officers decide on flags; a fine is within the offence's cap.
func TestFlagReview(t *testing.T) {
	expired2021 := fact{typ: cases.IDCardExpiredType, data: `{"expired_on":"2021-03-01"}`}
	review := func(body string) fact { return fact{typ: cases.FlagReviewedType, data: body} }
	runTable(t, cases.IDCardExpiry, []law{
		{name: "a fine within the cap of § 16a(1)(c), 10 000 Kč",
			given: []fact{expired2021}, when: review(`{"flag":"16a1c-1","decision":"fined","fine_czk":10000,"decided_on":"2021-04-01"}`),
			asOf: []day{{on: "2021-04-01", obligations: []string{"apply_for_id_card due 2021-03-22: judged"}, flags: []string{"16a1c raised 2021-03-23: fined"}},
				{on: "2021-03-31", obligations: []string{"apply_for_id_card due 2021-03-22: overdue"}, flags: []string{"16a1c raised 2021-03-23: raised"}}}},
		{name: "above it is refused",
			given: []fact{expired2021}, when: review(`{"flag":"16a1c-1","decision":"fined","fine_czk":10001,"decided_on":"2021-04-01"}`), err: "rule data.fine_czk"},
		{name: "under 269/2021 no cap is known, so none is checked",
			given: []fact{expiredOn1April}, when: review(`{"flag":"65-late_application-1","decision":"fined","fine_czk":50000,"decided_on":"2026-05-01"}`)},
		{name: "proceedings opened judge the obligation",
			given: []fact{expiredOn1April}, when: review(`{"flag":"65-late_application-1","decision":"proceedings_opened","decided_on":"2026-05-01"}`),
			asOf: []day{{on: "2026-05-01", obligations: []string{"apply_for_id_card due 2026-04-24: judged"}, flags: []string{lateApplication + " raised 2026-04-25: proceedings_opened"}}}},
		{name: "a dismissed flag stays on record",
			given: []fact{expiredOn1April}, when: review(`{"flag":"65-late_application-1","decision":"dismissed","decided_on":"2026-05-01"}`),
			asOf: []day{{on: "2026-05-01", obligations: overdueFrom25Apr, flags: []string{lateApplication + " raised 2026-04-25: dismissed"}}}},
		{name: "a fine needs its amount",
			given: []fact{expiredOn1April}, when: review(`{"flag":"65-late_application-1","decision":"fined","decided_on":"2026-05-01"}`), err: "invalid data.fine_czk"},
		{name: "only a fine has one",
			given: []fact{expiredOn1April}, when: review(`{"flag":"65-late_application-1","decision":"dismissed","fine_czk":100,"decided_on":"2026-05-01"}`), err: "invalid data.fine_czk"},
		{name: "a positive one",
			given: []fact{expiredOn1April}, when: review(`{"flag":"65-late_application-1","decision":"fined","fine_czk":0,"decided_on":"2026-05-01"}`), err: "invalid data.fine_czk"},
		{name: "no cap known, but no amount of a request is above 100 000 000 Kč (API.md, Money integrity)",
			given: []fact{expiredOn1April}, when: review(`{"flag":"65-late_application-1","decision":"fined","fine_czk":100000001,"decided_on":"2026-05-01"}`), err: "invalid data.fine_czk"},
		{name: "nor one that would wrap around",
			given: []fact{expiredOn1April}, when: review(`{"flag":"65-late_application-1","decision":"fined","fine_czk":9223372036854775807,"decided_on":"2026-05-01"}`), err: "invalid data.fine_czk"},
		{name: "an unknown decision is refused",
			given: []fact{expiredOn1April}, when: review(`{"flag":"65-late_application-1","decision":"pardoned","decided_on":"2026-05-01"}`), err: "invalid data.decision"},
		{name: "on a flag the case has",
			given: []fact{expiredOn1April}, when: review(`{"flag":"16a1c-9","decision":"dismissed","decided_on":"2026-05-01"}`), err: "rule data.flag"},
		{name: "not before it is raised",
			given: []fact{expiredOn1April}, when: review(`{"flag":"65-late_application-1","decision":"dismissed","decided_on":"2026-04-24"}`), err: "rule data.decided_on"},
		{name: "once",
			given: []fact{expiredOn1April, review(`{"flag":"65-late_application-1","decision":"dismissed","decided_on":"2026-05-01"}`)},
			when:  review(`{"flag":"65-late_application-1","decision":"fined","fine_czk":100,"decided_on":"2026-05-02"}`), err: "rule data.flag"},
		{name: "an excuse after a dismissal is taken; the decision stays",
			given: []fact{expiredOn1April, review(`{"flag":"65-late_application-1","decision":"dismissed","decided_on":"2026-05-01"}`)},
			when:  fact{typ: cases.ObligationExcusedType, data: `{"obligation":"apply_for_id_card","reason":"ill"}`},
			asOf:  []day{{on: "2026-05-01", obligations: []string{"apply_for_id_card due 2026-04-24: excused"}, flags: []string{lateApplication + " raised 2026-04-25: dismissed"}}}},
		{name: "a clerk does not decide on flags",
			given: []fact{expiredOn1April}, when: fact{typ: cases.FlagReviewedType, role: cases.Clerk,
				data: `{"flag":"65-late_application-1","decision":"dismissed","decided_on":"2026-05-01"}`}, err: "forbidden"},
	})
}

// Every situation: what any fact must be to be recorded at all.
func TestRecordRefuses(t *testing.T) {
	runTable(t, cases.IDCardExpiry, []law{
		{name: "an event type of another situation", when: movedOn1April, err: "invalid type"},
		{name: "an unknown event type", when: fact{typ: "IDCardExpird", data: `{}`}, err: "invalid type"},
		{name: "an officer does not record a clerk's fact", when: fact{typ: cases.IDCardExpiredType, data: `{"expired_on":"2026-04-01"}`, role: cases.ComplianceOfficer}, err: "forbidden"},
		{name: "a dashboard records nothing", when: fact{typ: cases.IDCardExpiredType, data: `{"expired_on":"2026-04-01"}`, role: cases.Dashboard}, err: "forbidden"},
		{name: "a clerk of another office records nothing here", when: fact{typ: cases.IDCardExpiredType, data: `{"expired_on":"2026-04-01"}`, office: "Brno"}, err: "forbidden"},
		{name: "a clerk of this office does", when: fact{typ: cases.IDCardExpiredType, data: `{"expired_on":"2026-04-01"}`, office: "Praha 1"}},
		{name: "a consent obstacle is a passport application's (seed 004)", born: "2010-01-15", given: []fact{expiredOn1April},
			when: fact{typ: cases.ApplicationFiledType, data: `{"document":"id_card_chip","filed_on":"2026-04-02","track":"standard","filing_office":"municipal_office","consent_obstacle":"abroad"}`},
			err:  "rule data.consent_obstacle"},
		{name: "data that is not an object", when: fact{typ: cases.IDCardExpiredType, data: `[1]`}, err: "invalid data"},
		{name: "a field not of the fact", when: fact{typ: cases.IDCardExpiredType, data: `{"expired_on":"2026-04-01","card":"x"}`}, err: "invalid data.card"},
		{name: "a date that does not exist", when: fact{typ: cases.IDCardExpiredType, data: `{"expired_on":"2026-02-30"}`}, err: "invalid data.expired_on"},
		{name: "a date of the wrong JSON type", when: fact{typ: cases.IDCardExpiredType, data: `{"expired_on":20260401}`}, err: "invalid data.expired_on"},
		{name: "a date before 1900", when: fact{typ: cases.IDCardExpiredType, data: `{"expired_on":"1899-12-31"}`}, err: "invalid data.expired_on"},
		{name: "a date before the citizen's birth", when: fact{typ: cases.IDCardExpiredType, data: `{"expired_on":"1970-01-01"}`}, err: "rule data.expired_on"},
		{name: "a reason with a NUL", given: []fact{expiredOn1April},
			when: fact{typ: cases.ObligationExcusedType, data: `{"obligation":"apply_for_id_card","reason":"ill\u0000"}`}, err: "invalid data.reason"},
		{name: "a one-line field with a line break", given: []fact{expiredOn1April},
			when: fact{typ: cases.ObligationExcusedType, data: `{"obligation":"apply\nfor","reason":"ill"}`}, err: "invalid data.obligation"},
		{name: "a reason too long", given: []fact{expiredOn1April},
			when: fact{typ: cases.ObligationExcusedType, data: `{"obligation":"apply_for_id_card","reason":"` + strings.Repeat("x", cases.MaxText+1) + `"}`}, err: "invalid data.reason"},
		{name: "an empty required text", given: []fact{expiredOn1April},
			when: fact{typ: cases.ObligationExcusedType, data: `{"obligation":" ","reason":"ill"}`}, err: "invalid data.obligation"},
		{name: "a number where text belongs", given: []fact{expiredOn1April},
			when: fact{typ: cases.ObligationExcusedType, data: `{"obligation":1,"reason":"ill"}`}, err: "invalid data.obligation"},
		{name: "a closed case takes no new facts",
			given: []fact{{typ: cases.CaseClosedType, data: `{"reason":"moved abroad"}`}}, when: expiredOn1April, err: "rule type"},
		{name: "a case is not closed before it was opened", when: fact{typ: cases.CaseClosedType, data: `{"closed_on":"2019-01-01"}`}, err: "rule data.closed_on"},
		{name: "a closed case still takes an officer's decision",
			given: []fact{expiredOn1April, {typ: cases.CaseClosedType, data: `{}`}},
			when:  fact{typ: cases.FlagReviewedType, data: `{"flag":"65-late_application-1","decision":"dismissed","decided_on":"2026-05-01"}`}},
	})
}

// POST /v1/cases: who opens a case, and for whom.
func TestOpen(t *testing.T) {
	today := d("2026-04-10")
	clerk := cases.Context{Today: today, Actor: "alice", Role: cases.Clerk}
	for _, tc := range []struct {
		name, body string
		ctx        cases.Context
		err        string
	}{
		{"a clerk opens a case", `{"situation":"id_card_incident","office":"Praha 1","citizen":{"id":"c","birth_date":"1980-05-17","full_name":"J","birth_number":"800517/0019"}}`, clerk, ""},
		{"an officer does not", `{"situation":"id_card_incident","office":"Praha 1","citizen":{"id":"c","birth_date":"1980-05-17","full_name":"J"}}`,
			cases.Context{Today: today, Role: cases.ComplianceOfficer}, "forbidden"},
		{"nor a clerk of another office", `{"situation":"id_card_incident","office":"Praha 1","citizen":{"id":"c","birth_date":"1980-05-17","full_name":"J"}}`,
			cases.Context{Today: today, Role: cases.Clerk, Scope: []string{"Brno"}}, "forbidden"},
		{"an unknown situation", `{"situation":"wedding","office":"Praha 1","citizen":{"id":"c","birth_date":"1980-05-17","full_name":"J"}}`, clerk, "invalid situation"},
		{"a citizen not yet born", `{"situation":"id_card_incident","office":"Praha 1","citizen":{"id":"c","birth_date":"2026-05-17","full_name":"J"}}`, clerk, "rule citizen.birth_date"},
		{"a birth number that fails its check", `{"situation":"id_card_incident","office":"Praha 1","citizen":{"id":"c","birth_date":"1980-05-17","full_name":"J","birth_number":"800517/0018"}}`, clerk, "invalid citizen.birth_number"},
		{"a birth number of another birth date", `{"situation":"id_card_incident","office":"Praha 1","citizen":{"id":"c","birth_date":"1980-05-18","full_name":"J","birth_number":"800517/0019"}}`, clerk, "rule citizen.birth_number"},
		{"a citizen that is not an object", `{"situation":"id_card_incident","office":"Praha 1","citizen":"Jana"}`, clerk, "invalid citizen"},
		{"a missing citizen", `{"situation":"id_card_incident","office":"Praha 1"}`, clerk, "invalid citizen"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := cases.Open([]byte(tc.body), tc.ctx)
			if got := errorName(err); got != tc.err {
				t.Fatalf("got %q (%v), want %q", got, err, tc.err)
			}
			if err == nil && (rec.Type != cases.CaseOpenedType || rec.Data.(cases.CaseOpened).OpenedOn != today) {
				t.Errorf("recorded %+v", rec)
			}
		})
	}
}

// The one fold reads only what this version can read, in version order.
func TestReplayRefusesWhatItCannotRead(t *testing.T) {
	for _, tc := range []struct {
		name  string
		event cases.Event
		want  string
	}{
		{"a gap in the versions", cases.Event{Type: cases.IDCardExpiredType, Version: 3, Data: []byte(`{"expired_on":"2026-04-01"}`)}, "follows version 1"},
		{"an unknown type", cases.Event{Type: "CardEaten", Version: 2, Data: []byte(`{}`)}, "unknown event type"},
		{"data that is not the fact's", cases.Event{Type: cases.IDCardExpiredType, Version: 2, Data: []byte(`{"expired_on":1}`)}, "read IDCardExpired"},
		{"a first event that is not one", cases.Event{Type: cases.CaseOpenedType, Version: 2, Data: []byte(`[]`)}, "read CaseOpened"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCase(t, cases.IDCardExpiry, "")
			if err := c.Replay(tc.event); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error saying %q", err, tc.want)
			}
		})
	}
	// Replaying what the case already holds changes nothing.
	c := law{given: []fact{expiredOn1April}}.run(t, cases.IDCardExpiry)
	before, _ := c.MarshalSnapshot()
	if err := c.Replay(cases.Event{Type: cases.IDCardExpiredType, Version: 2, Data: []byte(`{"expired_on":"2020-01-01"}`)}); err != nil {
		t.Fatal(err)
	}
	if after, _ := c.MarshalSnapshot(); string(after) != string(before) {
		t.Errorf("replaying version 2 again changed the case")
	}
}

// The vocabulary of situations and their events.
func TestSituationsAndTheirEvents(t *testing.T) {
	all := cases.Situations()
	if len(all) != 8 || !slices.IsSorted(all) { // docs/LAW.md §5's seven and §9's local_fee
		t.Fatalf("situations %v", all)
	}
	for _, s := range all {
		types := cases.EventTypes(s)
		if !slices.Contains(types, cases.ObligationExcusedType) || !slices.Contains(types, cases.CaseClosedType) {
			t.Errorf("%s does not take the common events: %v", s, types)
		}
	}
	if cases.EventTypes("wedding") != nil {
		t.Error("an unknown situation has events")
	}
	err := (&cases.RuleError{Errors: []cases.FieldError{{Field: "a", Message: "b"}, {Field: "c", Message: "d"}}}).Error()
	if err != "not allowed: a: b; c: d" {
		t.Errorf("RuleError says %q", err)
	}
	if got := (&cases.InvalidError{Errors: []cases.FieldError{{Field: "a", Message: "b"}}}).Error(); got != "invalid input: a: b" {
		t.Errorf("InvalidError says %q", got)
	}
	if got := (&cases.ForbiddenError{Reason: "no"}).Error(); got != "no" {
		t.Errorf("ForbiddenError says %q", got)
	}
}
