package calendar_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
)

func TestParseDate(t *testing.T) {
	cases := []struct {
		in   string
		want calendar.Date // zero: refused
	}{
		{"2024-02-29", d(2024, time.February, 29)}, // leap year
		{"2026-04-01", d(2026, time.April, 1)},
		{"2026-02-30", calendar.Date{}},
		{"2025-02-29", calendar.Date{}}, // not a leap year
		{"2026-13-01", calendar.Date{}},
		{"2026-4-1", calendar.Date{}},
		{"01.04.2026", calendar.Date{}},
		{"", calendar.Date{}},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := calendar.ParseDate(c.in)
			if c.want.IsZero() {
				if err == nil {
					t.Fatalf("ParseDate(%q) = %s, want an error", c.in, got)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("ParseDate(%q) = %s, %v; want %s", c.in, got, err, c.want)
			}
		})
	}
}

func TestNewDatePanicsOnADayThatDoesNotExist(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("NewDate(2026, 2, 30) did not panic")
		}
	}()
	calendar.NewDate(2026, time.February, 30)
}

func TestDateParts(t *testing.T) {
	x := d(2026, time.April, 3)
	if x.Year() != 2026 || x.Month() != time.April || x.Day() != 3 {
		t.Errorf("parts of %s = %d %s %d", x, x.Year(), x.Month(), x.Day())
	}
	if x.Weekday() != time.Friday {
		t.Errorf("3 Apr 2026 is a %s, want Friday", x.Weekday())
	}
	if !x.Time().Equal(time.Date(2026, time.April, 3, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Time() = %s", x.Time())
	}
	if x.IsZero() || !(calendar.Date{}).IsZero() {
		t.Error("IsZero is wrong")
	}
	if x.String() != "2026-04-03" || (calendar.Date{}).String() != "" {
		t.Errorf("String() = %q and %q", x.String(), (calendar.Date{}).String())
	}
}

func TestDateOfAndToday(t *testing.T) {
	// 23:30 UTC on 31 Mar 2026 is already 1 Apr in Prague (CEST, UTC+2).
	late := time.Date(2026, time.March, 31, 23, 30, 0, 0, time.UTC)
	if got := calendar.DateOf(late); got != d(2026, time.March, 31) {
		t.Errorf("DateOf(%s) = %s", late, got)
	}
	if got := calendar.Today(late); got != d(2026, time.April, 1) {
		t.Errorf("Today(%s) = %s, want 2026-04-01 in Prague", late, got)
	}
	// 23:30 UTC on 31 Dec 2026 is 00:30 on New Year's Day in Prague (CET, UTC+1).
	if got := calendar.Today(time.Date(2026, time.December, 31, 23, 30, 0, 0, time.UTC)); got != d(2027, time.January, 1) {
		t.Errorf("Today at New Year = %s", got)
	}
}

func TestAddMonthsAndYears(t *testing.T) {
	cases := []struct {
		name string
		got  calendar.Date
		want calendar.Date
	}{
		{"31 Jan 2026 + 1 month is 28 Feb 2026", d(2026, time.January, 31).AddMonths(1), d(2026, time.February, 28)},
		{"31 Jan 2024 + 1 month is leap day 29 Feb 2024", d(2024, time.January, 31).AddMonths(1), d(2024, time.February, 29)},
		{"31 Aug 2026 + 1 month is 30 Sep 2026", d(2026, time.August, 31).AddMonths(1), d(2026, time.September, 30)},
		{"30 Nov 2026 + 2 months is 30 Jan 2027", d(2026, time.November, 30).AddMonths(2), d(2027, time.January, 30)},
		{"31 Mar 2026 - 1 month is 28 Feb 2026", d(2026, time.March, 31).AddMonths(-1), d(2026, time.February, 28)},
		{"29 Feb 2024 + 1 year is 28 Feb 2025", d(2024, time.February, 29).AddYears(1), d(2025, time.February, 28)},
		{"29 Feb 2024 + 4 years is 29 Feb 2028", d(2024, time.February, 29).AddYears(4), d(2028, time.February, 29)},
		{"15 Jun 2026 + 10 years is 15 Jun 2036", d(2026, time.June, 15).AddYears(10), d(2036, time.June, 15)},
		{"28 Feb 2026 + 1 day is 1 Mar 2026", d(2026, time.February, 28).AddDays(1), d(2026, time.March, 1)},
		{"1 Jan 2027 - 1 day is 31 Dec 2026", d(2027, time.January, 1).AddDays(-1), d(2026, time.December, 31)},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: got %s", c.name, c.got)
		}
	}
}

func TestCompare(t *testing.T) {
	a, b := d(2026, time.April, 1), d(2026, time.April, 2)
	pairs := []struct {
		x, y calendar.Date
		want int
	}{
		{a, b, -1}, {b, a, 1}, {a, a, 0},
		{d(2025, time.December, 31), d(2026, time.January, 1), -1},
		{d(2026, time.May, 1), d(2026, time.April, 30), 1},
	}
	for _, p := range pairs {
		if got := p.x.Compare(p.y); got != p.want {
			t.Errorf("%s.Compare(%s) = %d, want %d", p.x, p.y, got, p.want)
		}
		if p.x.Before(p.y) != (p.want < 0) || p.x.After(p.y) != (p.want > 0) {
			t.Errorf("Before/After disagree with Compare for %s, %s", p.x, p.y)
		}
	}
}

func TestDaysUntil(t *testing.T) {
	// Across the switch to summer time (29 Mar 2026): still whole days.
	if got := d(2026, time.March, 1).DaysUntil(d(2026, time.April, 1)); got != 31 {
		t.Errorf("1 Mar → 1 Apr 2026 = %d days, want 31", got)
	}
	if got := d(2024, time.March, 1).DaysUntil(d(2024, time.February, 1)); got != -29 {
		t.Errorf("1 Mar → 1 Feb 2024 = %d days, want -29", got)
	}
}

func TestYearsSince(t *testing.T) {
	cases := []struct {
		name      string
		on, born  calendar.Date
		wantYears int
	}{
		{"born 2 Dec 2011, on the 15th birthday", d(2026, time.December, 2), d(2011, time.December, 2), 15},
		{"born 2 Dec 2011, the day before the 15th birthday", d(2026, time.December, 1), d(2011, time.December, 2), 14},
		{"born 2 Dec 2011, a month before the birthday", d(2026, time.November, 2), d(2011, time.December, 2), 14},
		{"born 29 Feb 2008, on 27 Feb 2023 not yet 15", d(2023, time.February, 27), d(2008, time.February, 29), 14},
		{"born 29 Feb 2008, on 28 Feb 2023 (a common year) aged 15", d(2023, time.February, 28), d(2008, time.February, 29), 15},
		{"born 29 Feb 2012, on Sunday 28 Feb 2027 aged 15", d(2027, time.February, 28), d(2012, time.February, 29), 15},
		{"born 29 Feb 2008, on 28 Feb 2024 (a leap year) still 15", d(2024, time.February, 28), d(2008, time.February, 29), 15},
		{"born 29 Feb 2008, on 29 Feb 2024 aged 16", d(2024, time.February, 29), d(2008, time.February, 29), 16},
		{"born 1 Jan 1956, on 31 Dec 2026 aged 70", d(2026, time.December, 31), d(1956, time.January, 1), 70},
	}
	for _, c := range cases {
		if got := c.on.YearsSince(c.born); got != c.wantYears {
			t.Errorf("%s: got %d, want %d", c.name, got, c.wantYears)
		}
	}
}

func TestJSON(t *testing.T) {
	type record struct {
		FiledOn calendar.Date `json:"filed_on"`
		ReadyOn calendar.Date `json:"ready_on"`
	}
	in := record{FiledOn: d(2024, time.February, 29)}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"filed_on":"2024-02-29","ready_on":null}` {
		t.Fatalf("Marshal = %s", b)
	}
	var out record
	if err := json.Unmarshal(b, &out); err != nil || out != in {
		t.Fatalf("round trip = %+v, %v; want %+v", out, err, in)
	}

	for _, bad := range []string{`"2026-02-30"`, `"2025-02-29"`, `20260401`, `"1.4.2026"`} {
		var x calendar.Date
		if err := json.Unmarshal([]byte(bad), &x); err == nil {
			t.Errorf("Unmarshal(%s) = %s, want an error", bad, x)
		}
	}
}
