package calendar

import "testing"

func TestWorkingDaysBefore(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    Date
		n    int
		want Date
	}{
		// Thu 9, Wed 8, Tue 7 Apr; Easter Monday 6 and Good Friday 3 Apr are
		// holidays; Thu 2 and Wed 1 Apr.
		{"over Easter 2026", NewDate(2026, 4, 10), 5, NewDate(2026, 4, 1)},
		{"a week without holidays", NewDate(2026, 4, 24), 5, NewDate(2026, 4, 17)},
		{"from a Monday over the weekend", NewDate(2026, 4, 20), 1, NewDate(2026, 4, 17)},
		{"Good Friday 2015 was a working day", NewDate(2015, 4, 7), 1, NewDate(2015, 4, 3)},
		{"none", NewDate(2026, 4, 6), 0, NewDate(2026, 4, 6)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := WorkingDaysBefore(tc.d, tc.n)
			if got != tc.want {
				t.Fatalf("WorkingDaysBefore(%s, %d) = %s, want %s", tc.d, tc.n, got, tc.want)
			}
			if IsWorkingDay(tc.d) && WorkingDaysBetween(got, tc.d) != tc.n {
				t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", got, tc.d, WorkingDaysBetween(got, tc.d), tc.n)
			}
		})
	}
}
