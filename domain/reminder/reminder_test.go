package reminder_test

import (
	"encoding/json"
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/domain/reminder"
)

func d(s string) calendar.Date {
	day, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return day
}

type fact struct {
	typ  cases.EventType
	data string
}

// build opens a case at Nová Ves on opened and records the facts as a
// clerk (an officer for the officer's decisions) on today.
func build(t *testing.T, situation cases.Situation, opened, today string, facts ...fact) *cases.Case {
	t.Helper()
	ctx := cases.Context{Today: d(opened), Actor: "alice", Role: cases.Clerk}
	open, err := cases.Open([]byte(`{"situation":"`+string(situation)+`","office":"nova-ves",
		"citizen":{"id":"c-1","birth_date":"1980-05-05","full_name":"Jana Nováková"}}`), ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := &cases.Case{ID: "0b6c7a52-5b8e-4c55-9d3c-1f6f0e6f2a11"}
	replay := func(r cases.Recorded) {
		b, err := json.Marshal(r.Data)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Replay(cases.Event{Type: r.Type, Version: c.Version + 1, Data: b}); err != nil {
			t.Fatal(err)
		}
	}
	replay(open)
	ctx.Today = d(today)
	for _, f := range facts {
		ctx.Role = cases.Clerk
		if f.typ == cases.FlagReviewedType || f.typ == cases.ObligationExcusedType {
			ctx.Role = cases.ComplianceOfficer
		}
		r, err := c.Record(f.typ, []byte(f.data), ctx)
		if err != nil {
			t.Fatalf("%s: %v", f.typ, err)
		}
		replay(r)
	}
	return c
}

func find(t *testing.T, rs []reminder.Reminder, kind reminder.Kind) reminder.Reminder {
	t.Helper()
	for _, r := range rs {
		if r.Kind == kind {
			return r
		}
	}
	t.Fatalf("no %s reminder in %+v", kind, rs)
	return reminder.Reminder{}
}

func TestPlanOverEaster2026(t *testing.T) {
	lost := fact{cases.IncidentReportedType, `{"kind":"lost","reported_on":"2026-03-18","reported_to":"municipal_office"}`}
	for _, tc := range []struct {
		name            string
		situation       cases.Situation
		facts           []fact
		today           string
		kind            reminder.Kind
		due, send, last string
		status          reminder.Status
	}{
		{
			// Loss reported on Wed 18 Mar 2026 → apply within 15 working days
			// → Fri 10 Apr (Good Friday 3 and Easter Monday 6 Apr are not
			// counted). Five working days before: Thu 9, Wed 8, Tue 7, Thu 2,
			// Wed 1 Apr → the reminder goes on Wed 1 Apr.
			name: "apply for a card: five working days before, over Easter", situation: cases.IDCardIncident,
			facts: []fact{lost}, today: "2026-03-18",
			kind: reminder.ObligationDue, due: "2026-04-10", send: "2026-04-01", last: "2026-04-10", status: reminder.Planned,
		},
		{
			name: "applied before the reminder: cancelled", situation: cases.IDCardIncident,
			facts: []fact{lost, {cases.ApplicationFiledType, `{"document":"id_card_chip","filed_on":"2026-03-25","track":"standard","filing_office":"municipal_office"}`}},
			today: "2026-03-25",
			kind:  reminder.ObligationDue, due: "2026-04-10", send: "2026-04-01", last: "2026-04-10", status: reminder.Cancelled,
		},
		{
			// Residence change reported on Fri 20 Feb 2026: the old card's
			// validity ends 45 days later, on Easter Monday 6 Apr (a validity
			// end is not moved); 60 days before it is Thu 5 Feb.
			name: "old card's validity: sixty days before", situation: cases.ResidenceChange,
			facts: []fact{{cases.ResidenceChangeReportedType, `{"reported_on":"2026-02-20","registration_office":"nova-ves"}`}},
			today: "2026-02-20",
			kind:  reminder.ValidityEnds, due: "2026-04-06", send: "2026-02-05", last: "2026-04-05", status: reminder.Planned,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := build(t, tc.situation, "2026-01-05", tc.today, tc.facts...)
			r := find(t, reminder.Plan(c, d(tc.today), nil), tc.kind)
			if r.DueOn != d(tc.due) || r.SendOn != d(tc.send) || r.LastOn != d(tc.last) || r.Status != tc.status {
				t.Errorf("got due %s, send %s, last %s, %s (%s); want due %s, send %s, last %s, %s",
					r.DueOn, r.SendOn, r.LastOn, r.Status, r.Reason, tc.due, tc.send, tc.last, tc.status)
			}
		})
	}
}

// A fine decided on Wed 4 Mar 2026 is due 30 days later, Fri 3 Apr, which is
// Good Friday; with Easter Monday the due date moves to Tue 7 Apr. The
// reminder before goes on Tue 31 Mar, the one after on Wed 8 Apr, and both
// are cancelled once it is paid.
func TestPlanFineOverEaster2026(t *testing.T) {
	facts := []fact{
		{cases.IncidentReportedType, `{"kind":"lost","reported_on":"2026-01-05","reported_to":"municipal_office"}`},
		{cases.FlagReviewedType, `{"flag":"65-late_application-1","decision":"fined","fine_czk":500,"decided_on":"2026-03-04"}`},
	}
	c := build(t, cases.IDCardIncident, "2026-01-05", "2026-03-04", facts...)
	rs := reminder.Plan(c, d("2026-03-04"), nil)
	before, after := find(t, rs, reminder.PaymentDue), find(t, rs, reminder.PaymentOverdue)
	if before.DueOn != d("2026-04-07") || before.SendOn != d("2026-03-31") || after.SendOn != d("2026-04-08") {
		t.Errorf("fine: due %s, before on %s, after on %s", before.DueOn, before.SendOn, after.SendOn)
	}
	if before.OwedCZK != 500 || before.Status != reminder.Planned || after.Status != reminder.Planned {
		t.Errorf("fine reminders: %+v / %+v", before, after)
	}
	for day, want := range map[string]bool{"2026-03-30": false, "2026-03-31": true, "2026-04-07": true, "2026-04-08": false} {
		if before.Due(d(day)) != want {
			t.Errorf("the reminder before the due date due on %s: %v, want %v", day, !want, want)
		}
	}

	paid := append(facts, fact{cases.PaymentReceivedType, `{"amount_czk":500,"paid_on":"2026-03-20","variable_symbol":"` +
		before.VariableSymbol + `","bank_reference":"b-1"}`})
	c = build(t, cases.IDCardIncident, "2026-01-05", "2026-03-20", paid...)
	for _, r := range reminder.Plan(c, d("2026-03-20"), nil) {
		if (r.Kind == reminder.PaymentDue || r.Kind == reminder.PaymentOverdue) && r.Status != reminder.Cancelled {
			t.Errorf("paid on 20 Mar, still %s: %+v", r.Status, r)
		}
	}
}

// The id is the same whenever the plan is made and differs between
// reminders; it fits a Message-ID.
func TestIDsAreStable(t *testing.T) {
	lost := fact{cases.IncidentReportedType, `{"kind":"lost","reported_on":"2026-03-18","reported_to":"municipal_office"}`}
	a := reminder.Plan(build(t, cases.IDCardIncident, "2026-01-05", "2026-03-18", lost), d("2026-03-18"), nil)
	b := reminder.Plan(build(t, cases.IDCardIncident, "2026-01-05", "2026-03-18", lost), d("2026-04-02"), nil)
	if len(a) == 0 || a[0].ID != b[0].ID {
		t.Fatalf("ids differ: %v / %v", a, b)
	}
	if want := "0b6c7a52-5b8e-4c55-9d3c-1f6f0e6f2a11.obligation_due.apply_for_id_card-1.20260401"; a[0].ID != want {
		t.Errorf("id %q, want %q", a[0].ID, want)
	}
}

// A disposed case, or one whose citizen is forgotten, reminds nobody: the
// letter would go to nobody's address, or to a case the archive has closed.
func TestNoReminderForADisposedOrForgottenCase(t *testing.T) {
	lost := fact{cases.IncidentReportedType, `{"kind":"lost","reported_on":"2026-03-18","reported_to":"municipal_office"}`}
	c := build(t, cases.IDCardIncident, "2026-01-05", "2026-03-18", lost)
	if len(reminder.Facts(c, d("2026-03-18"), nil)) == 0 {
		t.Fatal("the case plans no reminder to begin with: the test would prove nothing")
	}
	disposed := *c
	disposed.Disposal = &cases.Disposal{}
	if rs := reminder.Facts(&disposed, d("2026-03-18"), nil); len(rs) != 0 {
		t.Errorf("a disposed case plans %v", rs)
	}
	forgotten := *c
	forgotten.Citizen.ID = cases.Forgotten
	if rs := reminder.Facts(&forgotten, d("2026-03-18"), nil); len(rs) != 0 {
		t.Errorf("a forgotten citizen's case plans %v", rs)
	}
}
