package calendar_test

import (
	"fmt"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
)

// A card lost before Easter 2026: 15 working days skip Good Friday and Easter Monday.
func ExampleWorkingDaysAfter() {
	reported := calendar.NewDate(2026, time.April, 1)
	due := calendar.WorkingDaysAfter(reported, 15)
	fmt.Println(due, due.Weekday())
	// Output: 2026-04-24 Friday
}

// Thirty days from a 15th birthday end on New Year's Day, so the deadline moves to Monday.
func ExampleDaysAfter() {
	birthday := calendar.NewDate(2026, time.December, 2)
	fmt.Println(calendar.DaysAfter(birthday, 30))
	// Output: 2027-01-04
}

// A month from 31 January ends on the last day of February, a Saturday in 2026.
func ExampleMonthsAfter() {
	from := calendar.NewDate(2026, time.January, 31)
	fmt.Println(from.AddMonths(1), calendar.MonthsAfter(from, 1))
	// Output: 2026-02-28 2026-03-02
}

func ExampleIsHoliday() {
	name, ok := calendar.IsHoliday(calendar.NewDate(2026, time.November, 17))
	fmt.Println(name, ok)
	_, ok = calendar.IsHoliday(calendar.NewDate(2015, time.April, 3))
	fmt.Println("Good Friday 2015:", ok)
	// Output:
	// Den boje za svobodu a demokracii true
	// Good Friday 2015: false
}

func ExampleNextWorkingDay() {
	found := calendar.NewDate(2026, time.July, 3) // Friday before 5 and 6 July
	fmt.Println(calendar.NextWorkingDay(found))
	// Output: 2026-07-07
}

func ExampleRollForward() {
	fmt.Println(calendar.RollForward(calendar.NewDate(2026, time.December, 24)))
	// Output: 2026-12-28
}

func ExampleWorkingDaysBetween() {
	fmt.Println(calendar.WorkingDaysBetween(calendar.NewDate(2026, time.April, 1), calendar.NewDate(2026, time.April, 24)))
	// Output: 15
}

func ExampleParseDate() {
	_, err := calendar.ParseDate("2026-02-30")
	fmt.Println(err)
	leap, _ := calendar.ParseDate("2024-02-29")
	fmt.Println(leap.AddYears(1))
	// Output:
	// "2026-02-30" is not a date in the form YYYY-MM-DD that exists
	// 2025-02-28
}
