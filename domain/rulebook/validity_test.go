package rulebook_test

import (
	"errors"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/rulebook"
)

// A card's or a passport's validity by the holder's age on the day of issue.
func TestValidityByAge(t *testing.T) {
	cases := []struct {
		name   string
		valid  func(calendar.Date, int) calendar.Date
		issued calendar.Date
		age    int
		until  calendar.Date
	}{
		{"card: child of 14 → 5 years",
			rulebook.IDCardValidUntil, d(2026, time.March, 10), 14, d(2031, time.March, 10)},
		{"card: newborn → 5 years",
			rulebook.IDCardValidUntil, d(2026, time.March, 10), 0, d(2031, time.March, 10)},
		{"card: citizen of exactly 15 → 10 years",
			rulebook.IDCardValidUntil, d(2026, time.March, 10), 15, d(2036, time.March, 10)},
		{"card: citizen of 69 → 10 years",
			rulebook.IDCardValidUntil, d(2026, time.March, 10), 69, d(2036, time.March, 10)},
		{"card: citizen of 70 → 35 years",
			rulebook.IDCardValidUntil, d(2026, time.March, 10), 70, d(2061, time.March, 10)},
		{"card: citizen of 85 → 35 years",
			rulebook.IDCardValidUntil, d(2026, time.March, 10), 85, d(2061, time.March, 10)},
		{"card: issued on leap day 29 Feb 2024 at 30 → 28 Feb 2034",
			rulebook.IDCardValidUntil, d(2024, time.February, 29), 30, d(2034, time.February, 28)},
		{"card: issued on Tuesday 28 Dec 2021 at 40 → Sunday 28 Dec 2031, not moved",
			rulebook.IDCardValidUntil, d(2021, time.December, 28), 40, d(2031, time.December, 28)},
		{"passport: child of 14 → 5 years",
			rulebook.PassportValidUntil, d(2026, time.March, 10), 14, d(2031, time.March, 10)},
		{"passport: citizen of 15 → 10 years",
			rulebook.PassportValidUntil, d(2026, time.March, 10), 15, d(2036, time.March, 10)},
		{"passport: citizen of 80 → 10 years, no 35-year passport",
			rulebook.PassportValidUntil, d(2026, time.March, 10), 80, d(2036, time.March, 10)},
		{"passport: leap day 29 Feb 2024 at 10 → 28 Feb 2029",
			rulebook.PassportValidUntil, d(2024, time.February, 29), 10, d(2029, time.February, 28)},
	}
	for _, c := range cases {
		if got := c.valid(c.issued, c.age); got != c.until {
			t.Errorf("%s: got %s, want %s", c.name, got, c.until)
		}
	}
}

func TestTemporaryCardValidity(t *testing.T) {
	cases := []struct {
		name   string
		issued calendar.Date
		reason rulebook.TemporaryCardReason
		until  calendar.Date
	}{
		{"after a loss, issued Saturday 31 Jan 2026 → 1 month, Saturday 28 Feb 2026, not moved",
			d(2026, time.January, 31), rulebook.TemporaryAfterIncident, d(2026, time.February, 28)},
		{"after the residence record was cancelled, issued 15 Mar 2026 → 15 Apr 2026",
			d(2026, time.March, 15), rulebook.TemporaryAfterRecordCancelled, d(2026, time.April, 15)},
		{"right after acquiring citizenship, issued 30 Nov 2026 → 3 months, 28 Feb 2027",
			d(2026, time.November, 30), rulebook.TemporaryAfterCitizenship, d(2027, time.February, 28)},
		{"card production down, issued 31 Aug 2027 → 6 months, 29 Feb 2028",
			d(2027, time.August, 31), rulebook.TemporaryProductionOutage, d(2028, time.February, 29)},
	}
	for _, c := range cases {
		got, err := rulebook.TemporaryCardValidUntil(c.issued, c.reason)
		if err != nil || got != c.until {
			t.Errorf("%s: got %s, %v; want %s", c.name, got, err, c.until)
		}
	}
	if _, err := rulebook.TemporaryCardValidUntil(d(2026, time.March, 15), "elections"); !errors.Is(err, rulebook.ErrUnknownTemporaryCardReason) {
		t.Errorf("unknown reason error = %v", err)
	}
}

// Days counted from one day, on no working-day calendar: none is moved off
// a weekend or holiday.
func TestDaysFromOneDay(t *testing.T) {
	cases := []struct {
		name     string
		from     func(calendar.Date) calendar.Date
		day, got calendar.Date
	}{
		{"married on Saturday 5 Apr 2025 → passport invalid from Saturday 5 Jul 2025, not moved",
			rulebook.PassportInvalidAfterSurnameChange, d(2025, time.April, 5), d(2025, time.July, 5)},
		{"married on 30 Nov 2024 → passport invalid from 28 Feb 2025, February has no 30th",
			rulebook.PassportInvalidAfterSurnameChange, d(2024, time.November, 30), d(2025, time.February, 28)},
		{"card valid until Monday 1 Mar 2027 → remind on Thursday 31 Dec 2026, 60 days before",
			rulebook.ExpiryReminderOn, d(2027, time.March, 1), d(2026, time.December, 31)},
		{"card valid until Wednesday 7 Mar 2029 → remind on Saturday 6 Jan 2029, not moved",
			rulebook.ExpiryReminderOn, d(2029, time.March, 7), d(2029, time.January, 6)},
		{"residence record cancelled by a decision final on 30 Oct 2020 → the card ends that day",
			rulebook.CardValidityEndsOnRecordCancelled, d(2020, time.October, 30), d(2020, time.October, 30)},
	}
	for _, c := range cases {
		if got := c.from(c.day); got != c.got {
			t.Errorf("%s: got %s", c.name, got)
		}
	}
}

// A loss certificate exists only under 328/1999; the old card's automatic
// end after a change only under 269/2021.
func TestValidityOnlyUnderOneLaw(t *testing.T) {
	cases := []struct {
		name  string
		valid func(rulebook.Rulebook, calendar.Date) (calendar.Date, bool)
		fact  calendar.Date
		until calendar.Date
		ok    bool
	}{
		{"loss reported on Monday 30 Dec 2019 → certificate valid until Saturday 29 Feb 2020",
			rulebook.Rulebook.LossCertificateValidUntil, d(2019, time.December, 30), d(2020, time.February, 29), true},
		{"loss reported on Sunday 1 Aug 2021, last day of 328/1999 → valid until 1 Oct 2021",
			rulebook.Rulebook.LossCertificateValidUntil, d(2021, time.August, 1), d(2021, time.October, 1), true},
		{"loss reported on Monday 2 Aug 2021 under 269/2021 → no certificate",
			rulebook.Rulebook.LossCertificateValidUntil, d(2021, time.August, 2), calendar.Date{}, false},
		{"moved on Sunday 1 Aug 2021 under 328/1999 → the old card stays valid",
			rulebook.Rulebook.OldCardValidityEndsAfterChange, d(2021, time.August, 1), calendar.Date{}, false},
		{"moved on Monday 2 Aug 2021 under 269/2021 → the old card ends on Thursday 16 Sep 2021",
			rulebook.Rulebook.OldCardValidityEndsAfterChange, d(2021, time.August, 2), d(2021, time.September, 16), true},
		{"moved on Monday 21 Dec 2026 → the old card ends on Thursday 4 Feb 2027",
			rulebook.Rulebook.OldCardValidityEndsAfterChange, d(2026, time.December, 21), d(2027, time.February, 4), true},
		{"married on Saturday 22 Aug 2026 → the old card ends on Tuesday 6 Oct 2026",
			rulebook.Rulebook.OldCardValidityEndsAfterChange, d(2026, time.August, 22), d(2026, time.October, 6), true},
	}
	for _, c := range cases {
		got, ok := c.valid(rulebook.For(c.fact), c.fact)
		if got != c.until || ok != c.ok {
			t.Errorf("%s: got %s, %v", c.name, got, ok)
		}
	}
}
