package rulebook_test

import (
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/rulebook"
)

const (
	basis328c = "zákon 328/1999 Sb., § 16a odst. 1 písm. c) (sankce za nesplnění povinnosti)"
	basis328l = "zákon 328/1999 Sb., § 16a odst. 1 písm. l) (sankce za nesplnění povinnosti)"
	basis269  = "zákon 269/2021 Sb., § 65 (sankce za nesplnění povinnosti)"
	basis328  = "zákon 328/1999 Sb., § 16a (sankce za nesplnění povinnosti; písmeno zdroje neuvádějí)"
	basis269s = "zákon 269/2021 Sb., § 65 (sankce za nesplnění povinnosti; písmeno zdroje neuvádějí)"
)

func TestDuties(t *testing.T) {
	cases := []struct {
		name       string
		duty       func(rulebook.Rulebook, calendar.Date) rulebook.Duty
		fact       calendar.Date
		obligation string
		due        calendar.Date
		basis      string
		offence    string // "" when missing the duty is no stated offence
	}{
		{"loss reported on Wednesday 1 Apr 2026, before the Easter holidays → apply by Friday 24 Apr 2026",
			rulebook.Rulebook.ApplyForCardAfterIncident, d(2026, time.April, 1),
			rulebook.ObligationApplyForIDCard, d(2026, time.April, 24), basis269, "65-late_application"},
		{"theft reported on Sunday 1 Aug 2021, last day of 328/1999 → apply by Friday 20 Aug 2021 under § 16a(1)(c)",
			rulebook.Rulebook.ApplyForCardAfterIncident, d(2021, time.August, 1),
			rulebook.ObligationApplyForIDCard, d(2021, time.August, 20), basis328c, "16a1c"},
		{"theft reported on Monday 2 Aug 2021, first day of 269/2021 → apply by Monday 23 Aug 2021 under § 65",
			rulebook.Rulebook.ApplyForCardAfterIncident, d(2021, time.August, 2),
			rulebook.ObligationApplyForIDCard, d(2021, time.August, 23), basis269, "65-late_application"},
		{"move reported on Monday 21 Dec 2020, over Christmas and New Year → apply by Thursday 14 Jan 2021",
			rulebook.Rulebook.ApplyForCardAfterResidenceChange, d(2020, time.December, 21),
			rulebook.ObligationApplyForIDCard, d(2021, time.January, 14), basis328c, "16a1c"},
		{"move reported on Monday 21 Dec 2026 → apply by Thursday 14 Jan 2027",
			rulebook.Rulebook.ApplyForCardAfterResidenceChange, d(2026, time.December, 21),
			rulebook.ObligationApplyForIDCard, d(2027, time.January, 14), basis269, "65-late_application"},
		{"residence record cancelled, decision final on Friday 30 Oct 2020, 17 Nov a Tuesday → apply by Monday 23 Nov 2020",
			rulebook.Rulebook.ApplyForCardAfterRecordCancelled, d(2020, time.October, 30),
			rulebook.ObligationApplyForIDCard, d(2020, time.November, 23), basis328c, "16a1c"},
		{"name changed, decision final on Monday 16 Nov 2026, the eve of 17 Nov → apply by Tuesday 8 Dec 2026",
			rulebook.Rulebook.ApplyForCardAfterNameChange, d(2026, time.November, 16),
			rulebook.ObligationApplyForIDCard, d(2026, time.December, 8), basis269, "65-late_application"},
		{"card expired on Sunday 27 Sep 2026, 28 Sep a Monday holiday → apply by Monday 19 Oct 2026",
			rulebook.Rulebook.ApplyForCardAfterExpiry, d(2026, time.September, 27),
			rulebook.ObligationApplyForIDCard, d(2026, time.October, 19), basis269, "65-late_application"},
		{"turned 15 on Friday 1 Dec 2017, 30 days end on Sunday 31 Dec and Monday is New Year → apply by Tuesday 2 Jan 2018",
			rulebook.Rulebook.ApplyForFirstCard, d(2017, time.December, 1),
			rulebook.ObligationApplyForIDCard, d(2018, time.January, 2), basis328l, "16a1l"},
		{"turned 15 on Wednesday 2 Dec 2026, 30 days end on New Year's Day → apply by Monday 4 Jan 2027",
			rulebook.Rulebook.ApplyForFirstCard, d(2026, time.December, 2),
			rulebook.ObligationApplyForIDCard, d(2027, time.January, 4), "zákon 269/2021 Sb., § 65 (sankce za nesplnění povinnosti)", "65-first_card"},
		{"turned 15 on Monday 2 Mar 2026 → 30 days end on an ordinary Wednesday, apply by 1 Apr 2026",
			rulebook.Rulebook.ApplyForFirstCard, d(2026, time.March, 2),
			rulebook.ObligationApplyForIDCard, d(2026, time.April, 1), basis269, "65-first_card"},
		{"end of permanent residence notified on Wednesday 1 Apr 2020, Easter 10–13 Apr → surrender card by Friday 24 Apr 2020",
			rulebook.Rulebook.SurrenderCardAfterResidenceEnded, d(2020, time.April, 1),
			rulebook.ObligationSurrenderIDCard, d(2020, time.April, 24), basis328, ""},
		{"end of permanent residence notified on Wednesday 1 Apr 2026 → surrender card by Friday 24 Apr 2026",
			rulebook.Rulebook.SurrenderCardAfterResidenceEnded, d(2026, time.April, 1),
			rulebook.ObligationSurrenderIDCard, d(2026, time.April, 24), basis269s, ""},
		{"lost card found on Wednesday 23 Dec 2020 → hand it in by Monday 28 Dec 2020, after Christmas",
			rulebook.Rulebook.SurrenderFoundCard, d(2020, time.December, 23),
			rulebook.ObligationSurrenderFoundCard, d(2020, time.December, 28), basis328, ""},
		{"lost card found on Monday 16 Nov 2026 → hand it in by Wednesday 18 Nov 2026, 17 Nov is a holiday",
			rulebook.Rulebook.SurrenderFoundCard, d(2026, time.November, 16),
			rulebook.ObligationSurrenderFoundCard, d(2026, time.November, 18), basis269s, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.duty(rulebook.For(c.fact), c.fact)
			if got.Obligation != c.obligation || got.TriggeredOn != c.fact || got.Due != c.due {
				t.Errorf("duty = %s from %s due %s (%s); want %s due %s",
					got.Obligation, got.TriggeredOn, got.Due, got.Due.Weekday(), c.obligation, c.due)
			}
			if got.LegalBasis != c.basis {
				t.Errorf("legal basis = %q, want %q", got.LegalBasis, c.basis)
			}
			if got.Offence.Code != c.offence || got.Offence.IsZero() != (c.offence == "") {
				t.Errorf("offence = %q, want %q", got.Offence.Code, c.offence)
			}
		})
	}
}

func TestMaritalChangeOnlyWhenTheCardShowsIt(t *testing.T) {
	cases := []struct {
		name  string
		on    calendar.Date
		shows bool
		ok    bool
		due   calendar.Date
		basis string
	}{
		{"marriage certificate received on Thursday 25 Jun 2026, card shows marital status, 6 Jul a holiday → apply by Friday 17 Jul 2026",
			d(2026, time.June, 25), true, true, d(2026, time.July, 17), basis269},
		{"divorce final on Thursday 25 Jun 2020, card shows marital status → apply by Friday 17 Jul 2020 under § 16a(1)(c)",
			d(2020, time.June, 25), true, true, d(2020, time.July, 17), basis328c},
		{"marriage on Thursday 25 Jun 2026, card does not show marital status → no duty (seed 003: nemá povinnost)",
			d(2026, time.June, 25), false, false, calendar.Date{}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			duty, ok := rulebook.For(c.on).ApplyForCardAfterMaritalChange(c.on, c.shows)
			if ok != c.ok || duty.Due != c.due || duty.LegalBasis != c.basis {
				t.Errorf("got %v due %s basis %q; want %v due %s basis %q", ok, duty.Due, duty.LegalBasis, c.ok, c.due, c.basis)
			}
			if ok && (duty.Obligation != rulebook.ObligationApplyForIDCard || duty.TriggeredOn != c.on) {
				t.Errorf("duty = %+v", duty)
			}
		})
	}
}
