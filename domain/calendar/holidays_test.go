package calendar_test

import (
	"sync"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
)

// easterSunday is Easter Sunday 2015–2030, written out by hand to check the
// library's computus independently.
var easterSunday = map[int]calendar.Date{
	2015: d(2015, time.April, 5), 2016: d(2016, time.March, 27), 2017: d(2017, time.April, 16),
	2018: d(2018, time.April, 1), 2019: d(2019, time.April, 21), 2020: d(2020, time.April, 12),
	2021: d(2021, time.April, 4), 2022: d(2022, time.April, 17), 2023: d(2023, time.April, 9),
	2024: d(2024, time.March, 31), 2025: d(2025, time.April, 20), 2026: d(2026, time.April, 5),
	2027: d(2027, time.March, 28), 2028: d(2028, time.April, 16), 2029: d(2029, time.April, 1),
	2030: d(2030, time.April, 21),
}

// czechHolidays lists the public holidays of zákon 245/2000 Sb. in year y,
// with Good Friday only from 2016.
func czechHolidays(y int) map[calendar.Date]string {
	h := map[calendar.Date]string{
		d(y, time.January, 1):    "Nový rok",
		d(y, time.May, 1):        "Svátek práce",
		d(y, time.May, 8):        "Den osvobození",
		d(y, time.July, 5):       "Den slovanských věrozvěstů Cyrila a Metoděje",
		d(y, time.July, 6):       "Den upálení mistra Jana Husa",
		d(y, time.September, 28): "Den české státnosti",
		d(y, time.October, 28):   "Den vzniku samostatného československého státu",
		d(y, time.November, 17):  "Den boje za svobodu a demokracii",
		d(y, time.December, 24):  "Štědrý den",
		d(y, time.December, 25):  "1. svátek vánoční",
		d(y, time.December, 26):  "2. svátek vánoční",
	}
	easter := easterSunday[y]
	h[easter.AddDays(1)] = "Velikonoční pondělí"
	if y >= 2016 {
		h[easter.AddDays(-2)] = "Velký pátek"
	}
	return h
}

// TestEveryDayOf2015To2030 walks every day of 16 years and checks it against
// the statute's list: each holiday by name, and no other day.
func TestEveryDayOf2015To2030(t *testing.T) {
	for y := 2015; y <= 2030; y++ {
		want := czechHolidays(y)
		found := 0
		for day := d(y, time.January, 1); day.Year() == y; day = day.AddDays(1) {
			name, ok := calendar.IsHoliday(day)
			wantName, wantOK := want[day]
			if ok != wantOK || name != wantName {
				t.Errorf("IsHoliday(%s) = %q, %v; want %q, %v", day, name, ok, wantName, wantOK)
			}
			if ok {
				found++
			}
			weekend := day.Weekday() == time.Saturday || day.Weekday() == time.Sunday
			if got := calendar.IsWorkingDay(day); got != (!weekend && !wantOK) {
				t.Errorf("IsWorkingDay(%s, %s) = %v", day, day.Weekday(), got)
			}
		}
		if found != len(want) {
			t.Errorf("%d: %d holidays found, want %d", y, found, len(want))
		}
	}
}

func TestGoodFridayIsAHolidayOnlyFrom2016(t *testing.T) {
	cases := []struct {
		name    string
		day     calendar.Date
		working bool
	}{
		{"Good Friday 3 Apr 2015, before the amendment: offices open", d(2015, time.April, 3), true},
		{"Good Friday 25 Mar 2016, the first one as a holiday", d(2016, time.March, 25), false},
		{"Good Friday 3 Apr 2026", d(2026, time.April, 3), false},
		{"Easter Monday 6 Apr 2015 was a holiday already", d(2015, time.April, 6), false},
		{"Maundy Thursday 2 Apr 2026 is an ordinary working day", d(2026, time.April, 2), true},
	}
	for _, c := range cases {
		if got := calendar.IsWorkingDay(c.day); got != c.working {
			t.Errorf("%s: IsWorkingDay = %v", c.name, got)
		}
	}
}

func TestHolidayOnAWeekendIsNotMoved(t *testing.T) {
	// 17 Nov 2024 was a Sunday: Monday 18 Nov is an ordinary working day.
	if name, ok := calendar.IsHoliday(d(2024, time.November, 17)); !ok || name != "Den boje za svobodu a demokracii" {
		t.Errorf("17 Nov 2024 = %q, %v", name, ok)
	}
	if !calendar.IsWorkingDay(d(2024, time.November, 18)) {
		t.Error("Monday 18 Nov 2024 must be a working day")
	}
	if _, ok := calendar.IsHoliday(d(2024, time.November, 18)); ok {
		t.Error("Monday 18 Nov 2024 must not be a holiday")
	}
}

// TestConcurrentUse shows under -race that the shared calendar is read-only.
func TestConcurrentUse(t *testing.T) {
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for day := d(2020+g, time.January, 1); day.Year() == 2020+g; day = day.AddDays(1) {
				calendar.IsWorkingDay(day)
				calendar.IsHoliday(day)
			}
		}(g)
	}
	wg.Wait()
}
