package calendar_test

import (
	"testing"
	"testing/quick"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
)

// span is the days from 1 Jan 2015 to the end of 2030, the range the
// properties are checked over.
var span = d(2015, time.January, 1).DaysUntil(d(2030, time.December, 31))

func trigger(offset uint16) calendar.Date {
	return d(2015, time.January, 1).AddDays(int(offset) % span)
}

func count(n uint8) int { return int(n)%40 + 1 }

var config = &quick.Config{MaxCount: 2000}

func TestPropertyDeadlineIsALaterWorkingDay(t *testing.T) {
	for name, deadline := range deadlines {
		t.Run(name, func(t *testing.T) {
			property := func(offset uint16, n uint8) bool {
				from := trigger(offset)
				due := deadline(from, count(n))
				return calendar.IsWorkingDay(due) && due.After(from)
			}
			if err := quick.Check(property, config); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestPropertyDeadlineIsMonotoneInTheTrigger(t *testing.T) {
	for name, deadline := range deadlines {
		t.Run(name, func(t *testing.T) {
			property := func(offset uint16, later uint8, n uint8) bool {
				a := trigger(offset)
				b := a.AddDays(int(later) % 20)
				return !deadline(b, count(n)).Before(deadline(a, count(n)))
			}
			if err := quick.Check(property, config); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestPropertyNWorkingDaysHoldExactlyN(t *testing.T) {
	property := func(offset uint16, n uint8) bool {
		from := trigger(offset)
		return calendar.WorkingDaysBetween(from, calendar.WorkingDaysAfter(from, count(n))) == count(n)
	}
	if err := quick.Check(property, config); err != nil {
		t.Error(err)
	}
}

func TestPropertyRollForwardAndNextWorkingDay(t *testing.T) {
	property := func(offset uint16) bool {
		day := trigger(offset)
		rolled, next := calendar.RollForward(day), calendar.NextWorkingDay(day)
		return calendar.IsWorkingDay(rolled) && !rolled.Before(day) &&
			(rolled == day) == calendar.IsWorkingDay(day) &&
			next == calendar.WorkingDaysAfter(day, 1) &&
			calendar.WorkingDaysBetween(day, next) == 1 &&
			calendar.WorkingDaysBetween(day, next.AddDays(-1)) == 0
	}
	if err := quick.Check(property, config); err != nil {
		t.Error(err)
	}
}

// Every age has one rule (docs/LAW.md §3): someone has the age n from the
// start of the day AddYears(n) gives, and is n-1 the day before.
func TestPropertyAgeStartsOnTheBirthday(t *testing.T) {
	property := func(offset uint16, n uint8) bool {
		born := trigger(offset)
		years := int(n)%100 + 1
		birthday := born.AddYears(years)
		return birthday.YearsSince(born) == years && birthday.AddDays(-1).YearsSince(born) == years-1
	}
	if err := quick.Check(property, config); err != nil {
		t.Error(err)
	}
}

// FuzzWorkingDaysAfter runs its seed corpus in every go test and explores
// further with go test -fuzz.
func FuzzWorkingDaysAfter(f *testing.F) {
	f.Add(uint16(4108), uint8(15)) // 1 Apr 2026 (Easter)
	f.Add(uint16(4372), uint8(15)) // 21 Dec 2026 (Christmas)
	f.Add(uint16(90), uint8(1))    // 1 Apr 2015 (Good Friday not yet a holiday)
	f.Fuzz(func(t *testing.T, offset uint16, n uint8) {
		from := trigger(offset)
		due := calendar.WorkingDaysAfter(from, count(n))
		if !calendar.IsWorkingDay(due) || !due.After(from) {
			t.Fatalf("WorkingDaysAfter(%s, %d) = %s", from, count(n), due)
		}
		if got := calendar.WorkingDaysBetween(from, due); got != count(n) {
			t.Fatalf("WorkingDaysBetween(%s, %s) = %d, want %d", from, due, got, count(n))
		}
	})
}
