package calendar

// WorkingDaysBefore returns the day n working days before d, counted like
// WorkingDaysAfter the other way: d itself is not counted, the result is
// the nth working day before it, so WorkingDaysBetween(result, d) is n
// where d is a working day. n ≤ 0 gives d.
func WorkingDaysBefore(d Date, n int) Date {
	for ; n > 0; n-- {
		d = d.AddDays(-1)
		for !IsWorkingDay(d) {
			d = d.AddDays(-1)
		}
	}
	return d
}
