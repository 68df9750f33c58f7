package calendar_test

import (
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
)

func d(y int, m time.Month, day int) calendar.Date { return calendar.NewDate(y, m, day) }

// deadlines are the three ways the law counts a deadline from its trigger.
var deadlines = map[string]func(calendar.Date, int) calendar.Date{
	"WorkingDaysAfter": calendar.WorkingDaysAfter,
	"DaysAfter":        calendar.DaysAfter,
	"MonthsAfter":      calendar.MonthsAfter,
}

func TestDeadlines(t *testing.T) {
	cases := []struct {
		name     string
		deadline string
		from     calendar.Date
		n        int
		want     calendar.Date
	}{
		{"loss reported on Wednesday 1 Apr 2026, before the Easter holidays → apply by Friday 24 Apr 2026",
			"WorkingDaysAfter", d(2026, time.April, 1), 15, d(2026, time.April, 24)},
		{"loss reported on Wednesday 1 Apr 2015, Good Friday 3 Apr still a working day → apply by Thursday 23 Apr 2015",
			"WorkingDaysAfter", d(2015, time.April, 1), 15, d(2015, time.April, 23)},
		{"loss reported on Wednesday 23 Mar 2016, first Good Friday holiday on 25 Mar → apply by Friday 15 Apr 2016",
			"WorkingDaysAfter", d(2016, time.March, 23), 15, d(2016, time.April, 15)},
		{"loss reported on Monday 21 Dec 2026, over Christmas and New Year → apply by Thursday 14 Jan 2027",
			"WorkingDaysAfter", d(2026, time.December, 21), 15, d(2027, time.January, 14)},
		{"five-working-day application filed on Monday 4 May 2026, 8 May a Friday holiday → ready by Tuesday 12 May 2026",
			"WorkingDaysAfter", d(2026, time.May, 4), 5, d(2026, time.May, 12)},
		{"report on Saturday 4 Jul 2026 counts from Tuesday 7 Jul, after 6 Jul → one working day is Tuesday 7 Jul 2026",
			"WorkingDaysAfter", d(2026, time.July, 4), 1, d(2026, time.July, 7)},
		{"no working days after Saturday 24 Dec 2022 ends on Tuesday 27 Dec 2022, the next day the office is open",
			"WorkingDaysAfter", d(2022, time.December, 24), 0, d(2022, time.December, 27)},
		{"a negative count after a working day Wednesday 1 Apr 2026 is that day itself",
			"WorkingDaysAfter", d(2026, time.April, 1), -3, d(2026, time.April, 1)},
		{"turned 15 on Wednesday 2 Dec 2026 → 30 days end on New Year's Day, apply by Monday 4 Jan 2027",
			"DaysAfter", d(2026, time.December, 2), 30, d(2027, time.January, 4)},
		{"filed on Wednesday 25 Nov 2026 → 30 days end on Christmas Day, card due Monday 28 Dec 2026",
			"DaysAfter", d(2026, time.November, 25), 30, d(2026, time.December, 28)},
		{"filed on Friday 4 Dec 2026 → 30 days end on Sunday 3 Jan 2027, card due Monday 4 Jan 2027",
			"DaysAfter", d(2026, time.December, 4), 30, d(2027, time.January, 4)},
		{"filed on Monday 2 Mar 2026 → 30 days end on an ordinary Wednesday 1 Apr 2026",
			"DaysAfter", d(2026, time.March, 2), 30, d(2026, time.April, 1)},
		{"temporary card filed on Friday 20 Mar 2026 → 15 days end on Easter Sunday 5 Apr, due Tuesday 7 Apr 2026",
			"DaysAfter", d(2026, time.March, 20), 15, d(2026, time.April, 7)},
		{"filed on Monday 19 Jan 2015 → 74 days end on Good Friday 3 Apr 2015, a working day then",
			"DaysAfter", d(2015, time.January, 19), 74, d(2015, time.April, 3)},
		{"zero days after Sunday 5 Apr 2026 roll to Tuesday 7 Apr 2026",
			"DaysAfter", d(2026, time.April, 5), 0, d(2026, time.April, 7)},
		{"31 Jan 2026 + 1 month is Saturday 28 Feb → Monday 2 Mar 2026",
			"MonthsAfter", d(2026, time.January, 31), 1, d(2026, time.March, 2)},
		{"31 Jan 2024 + 1 month is leap day Thursday 29 Feb 2024",
			"MonthsAfter", d(2024, time.January, 31), 1, d(2024, time.February, 29)},
		{"31 Mar 2026 + 1 month is Thursday 30 Apr 2026",
			"MonthsAfter", d(2026, time.March, 31), 1, d(2026, time.April, 30)},
		{"25 Oct 2026 + 2 months is Christmas Day → Monday 28 Dec 2026",
			"MonthsAfter", d(2026, time.October, 25), 2, d(2026, time.December, 28)},
		{"29 Feb 2024 + 12 months is Friday 28 Feb 2025",
			"MonthsAfter", d(2024, time.February, 29), 12, d(2025, time.February, 28)},
		{"15 Nov 2026 + 2 months is Friday 15 Jan 2027, across the year end",
			"MonthsAfter", d(2026, time.November, 15), 2, d(2027, time.January, 15)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := deadlines[c.deadline](c.from, c.n); got != c.want {
				t.Errorf("%s(%s, %d) = %s (%s), want %s (%s)",
					c.deadline, c.from, c.n, got, got.Weekday(), c.want, c.want.Weekday())
			}
		})
	}
}

// The day a duty falls due when it is the next working day, or the day
// itself rolled past a weekend or holiday.
func TestNextWorkingDayAndRollForward(t *testing.T) {
	shifts := map[string]func(calendar.Date) calendar.Date{
		"NextWorkingDay": calendar.NextWorkingDay,
		"RollForward":    calendar.RollForward,
	}
	cases := []struct {
		name  string
		shift string
		from  calendar.Date
		want  calendar.Date
	}{
		{"old card found on Monday 16 Nov 2026 → surrender by Wednesday 18 Nov, 17 Nov is a holiday",
			"NextWorkingDay", d(2026, time.November, 16), d(2026, time.November, 18)},
		{"found on Friday 3 Jul 2026 → Tuesday 7 Jul, past Sunday 5 Jul and Monday 6 Jul",
			"NextWorkingDay", d(2026, time.July, 3), d(2026, time.July, 7)},
		{"found on Friday 2 Jul 2027 → Wednesday 7 Jul, 5 and 6 Jul fall on Monday and Tuesday",
			"NextWorkingDay", d(2027, time.July, 2), d(2027, time.July, 7)},
		{"found on Friday 4 Jul 2025 → Monday 7 Jul, holidays on a weekend are not moved",
			"NextWorkingDay", d(2025, time.July, 4), d(2025, time.July, 7)},
		{"found on Thursday 31 Dec 2026 → Monday 4 Jan 2027, New Year on a Friday",
			"NextWorkingDay", d(2026, time.December, 31), d(2027, time.January, 4)},
		{"found on Thursday 30 Apr 2026 → Monday 4 May, 1 May a Friday holiday",
			"NextWorkingDay", d(2026, time.April, 30), d(2026, time.May, 4)},
		{"found on Friday 25 Sep 2026 → Tuesday 29 Sep, 28 Sep a Monday holiday",
			"NextWorkingDay", d(2026, time.September, 25), d(2026, time.September, 29)},
		{"found on Tuesday 27 Oct 2026 → Thursday 29 Oct, 28 Oct a Wednesday holiday",
			"NextWorkingDay", d(2026, time.October, 27), d(2026, time.October, 29)},
		{"found on Thursday 2 Apr 2015 → Friday 3 Apr 2015, Good Friday not yet a holiday",
			"NextWorkingDay", d(2015, time.April, 2), d(2015, time.April, 3)},
		{"found on Thursday 24 Mar 2016 → Tuesday 29 Mar 2016, past Good Friday and Easter Monday",
			"NextWorkingDay", d(2016, time.March, 24), d(2016, time.March, 29)},
		{"found on an ordinary Tuesday 10 Feb 2026 → Wednesday 11 Feb 2026",
			"NextWorkingDay", d(2026, time.February, 10), d(2026, time.February, 11)},
		{"a working Wednesday 1 Apr 2026 stays",
			"RollForward", d(2026, time.April, 1), d(2026, time.April, 1)},
		{"Good Friday 3 Apr 2026 → Tuesday 7 Apr 2026",
			"RollForward", d(2026, time.April, 3), d(2026, time.April, 7)},
		{"Good Friday 3 Apr 2015 was a working day and stays",
			"RollForward", d(2015, time.April, 3), d(2015, time.April, 3)},
		{"Christmas Eve Thursday 24 Dec 2026 → Monday 28 Dec 2026",
			"RollForward", d(2026, time.December, 24), d(2026, time.December, 28)},
		{"Saturday 1 Jan 2028 → Monday 3 Jan 2028",
			"RollForward", d(2028, time.January, 1), d(2028, time.January, 3)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := shifts[c.shift](c.from); got != c.want {
				t.Errorf("%s(%s) = %s, want %s", c.shift, c.from, got, c.want)
			}
		})
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	cases := []struct {
		name     string
		from, to calendar.Date
		want     int
	}{
		{"Wednesday 1 Apr 2026 to Friday 24 Apr 2026 hold the 15 working days of the Easter case",
			d(2026, time.April, 1), d(2026, time.April, 24), 15},
		{"the same day holds none", d(2026, time.April, 1), d(2026, time.April, 1), 0},
		{"a day before the start holds none", d(2026, time.April, 1), d(2026, time.March, 31), 0},
		{"Friday 24 Dec 2027 to Monday 27 Dec 2027: only the Monday counts",
			d(2027, time.December, 24), d(2027, time.December, 27), 1},
		{"a whole year 2026: 261 weekdays minus 11 holidays on weekdays (5 Jul and 26 Dec fall on a weekend)",
			d(2025, time.December, 31), d(2026, time.December, 31), 250},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := calendar.WorkingDaysBetween(c.from, c.to); got != c.want {
				t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", c.from, c.to, got, c.want)
			}
		})
	}
}
