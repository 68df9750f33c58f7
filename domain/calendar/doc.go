// Package calendar reckons legal dates the way a Czech office does: civil
// dates in Europe/Prague (Date), working days under zákon 245/2000 Sb. o
// státních svátcích, and the last day of a deadline under správní řád
// (zákon 500/2004 Sb.) § 40.
//
// Two kinds of period must not be confused. A deadline for an act ("within 15
// working days", "within 30 days", "within 2 months") ends on a working day:
// WorkingDaysAfter, DaysAfter and MonthsAfter move it off weekends and
// holidays. A validity period (how long a document is valid) is plain date
// arithmetic, Date.AddDays, AddMonths and AddYears, and is never moved.
//
// Nothing here reads a clock: Today takes the instant from the caller.
package calendar
