package calendar

import (
	"sync"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/cz"
)

// goodFridayFrom2016 is Velký pátek as zákon 245/2000 Sb. knows it: the
// amendment that made it a public holiday took effect in 2016, so Good
// Friday 2015 (3 April) was an ordinary working day.
var goodFridayFrom2016 = cz.GoodFriday.Clone(&cal.Holiday{StartYear: 2016})

// czech is the business calendar of Czech offices: Monday to Friday, minus the
// public holidays of zákon 245/2000 Sb. It is built once and never changed.
// It is safe for concurrent use because caching is left off (Cacheable is
// false), which makes IsWorkday and IsHoliday read-only.
var czech = newCzechCalendar()

func newCzechCalendar() *cal.BusinessCalendar {
	c := cal.NewBusinessCalendar()
	for _, h := range cz.Holidays {
		if h == cz.GoodFriday {
			h = goodFridayFrom2016
		}
		c.AddHoliday(h)
	}
	return c
}

// IsWorkingDay reports whether d is a working day: Monday to Friday and not a
// public holiday under zákon 245/2000 Sb.
func IsWorkingDay(d Date) bool { return czech.IsWorkday(d.Time()) }

// IsHoliday returns the Czech name of the public holiday that falls on d,
// whatever the day of the week; ok is false on an ordinary day.
func IsHoliday(d Date) (name string, ok bool) {
	actual, _, h := czech.IsHoliday(d.Time())
	if !actual {
		return "", false
	}
	return h.Name, true
}

// RollForward returns d if it is a working day, else the next working day: a
// deadline whose last day falls on a weekend or holiday ends on the next
// working day (správní řád § 40 odst. 1 písm. c)).
func RollForward(d Date) Date {
	for !IsWorkingDay(d) {
		d = d.AddDays(1)
	}
	return d
}

// NextWorkingDay returns the first working day strictly after d.
func NextWorkingDay(d Date) Date { return WorkingDaysAfter(d, 1) }

// WorkingDaysAfter returns the last day of a deadline "within n working days"
// of the day d: d itself is not counted, the result is the nth working day
// after it. A deadline of no working days (n ≤ 0) cannot end before the
// office is open, so it is RollForward(d).
func WorkingDaysAfter(d Date, n int) Date {
	if n <= 0 {
		return RollForward(d)
	}
	key := workdaysKey{d, n}
	if due, ok := workdaysAfter.Load(key); ok {
		return due.(Date)
	}
	due := DateOf(czech.WorkdaysFrom(d.Time(), n))
	workdaysAfter.Store(key, due)
	return due
}

// workdaysAfter remembers what WorkingDaysAfter counted: the answer for a
// day never changes, and a rebuild of millions of cases asks about the same
// few thousand days again and again.
var workdaysAfter sync.Map

type workdaysKey struct {
	d Date
	n int
}

// DaysAfter returns the last day of a deadline "within n days" of d: d + n
// calendar days, moved to the next working day if that day is not one
// (správní řád § 40 odst. 1 písm. c)).
func DaysAfter(d Date, n int) Date { return RollForward(d.AddDays(n)) }

// MonthsAfter returns the last day of a deadline "within n months" of d: the
// same day number n months later, or the last day of that month where it has
// no such day (správní řád § 40 odst. 1 písm. b)), rolled forward to a
// working day like DaysAfter.
func MonthsAfter(d Date, n int) Date { return RollForward(d.AddMonths(n)) }

// WorkingDaysBetween returns the number of working days in (from, to]: from
// is not counted, to is. It is 0 when to is not after from.
func WorkingDaysBetween(from, to Date) int {
	if !to.After(from) {
		return 0
	}
	return czech.WorkdaysInRange(from.AddDays(1).Time(), to.Time())
}
