package calendar

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Prague must load on hosts without a zone database
)

// Date is a civil calendar date in Europe/Prague, without a time of day.
// The zero Date is "no date". Dates are comparable with == and usable as map keys.
type Date struct {
	y int
	m time.Month
	d int
}

// layout is the one textual form of a Date: YYYY-MM-DD.
const layout = "2006-01-02"

// NewDate returns the date y-m-d; it panics if the date does not exist, so it
// is meant for constants in code and tests. Use ParseDate for input.
func NewDate(y int, m time.Month, d int) Date {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || t.Month() != m || t.Day() != d {
		panic(fmt.Sprintf("calendar: %04d-%02d-%02d does not exist", y, m, d))
	}
	return Date{y, m, d}
}

// ParseDate parses YYYY-MM-DD and refuses dates that do not exist (2026-02-30).
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(layout, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date in the form YYYY-MM-DD that exists", s)
	}
	return DateOf(t), nil
}

// DateOf returns the calendar date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// Prague is the time zone in which every legal date is reckoned. The zone
// database is embedded (time/tzdata), so loading it cannot fail.
var Prague, _ = time.LoadLocation("Europe/Prague")

// Today returns the Europe/Prague date of the instant now. The caller supplies
// now: the domain never reads a clock.
func Today(now time.Time) Date { return DateOf(now.In(Prague)) }

// Year returns the year of the date.
func (d Date) Year() int { return d.y }

// Month returns the month of the date.
func (d Date) Month() time.Month { return d.m }

// Day returns the day of the month.
func (d Date) Day() int { return d.d }

// IsZero reports whether d is the zero Date (no date).
func (d Date) IsZero() bool { return d == Date{} }

// Time returns midnight UTC of the date, for arithmetic and storage.
func (d Date) Time() time.Time { return time.Date(d.y, d.m, d.d, 0, 0, 0, 0, time.UTC) }

// Weekday returns the day of the week.
func (d Date) Weekday() time.Weekday { return d.Time().Weekday() }

// AddDays returns the date n calendar days later (earlier for negative n).
func (d Date) AddDays(n int) Date { return DateOf(d.Time().AddDate(0, 0, n)) }

// AddMonths returns the same day number n months later, or the last day of
// that month where it has no such day (31 Jan + 1 month = 28/29 Feb).
func (d Date) AddMonths(n int) Date {
	first := time.Date(d.y, d.m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	day := d.d
	if day > last {
		day = last
	}
	return Date{first.Year(), first.Month(), day}
}

// AddYears returns the same date n years later; 29 Feb becomes 28 Feb in a
// year without it. It is also the one age rule (docs/LAW.md §3): someone
// born on d has the age n from the start of d.AddYears(n), so born on
// 29 Feb 2012, 15 on 28 Feb 2027 (the months rule, as OZ § 605(2) counts
// years).
func (d Date) AddYears(n int) Date { return d.AddMonths(12 * n) }

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is later than e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.y != e.y:
		return cmp(d.y, e.y)
	case d.m != e.m:
		return cmp(int(d.m), int(e.m))
	default:
		return cmp(d.d, e.d)
	}
}

func cmp(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// DaysUntil returns the number of calendar days from d to e (negative if e is earlier).
func (d Date) DaysUntil(e Date) int {
	return int(e.Time().Sub(d.Time()).Hours() / 24)
}

// YearsSince returns the age in whole years on date d of someone born on
// birth, by the one age rule of AddYears: the birthday of someone born on
// 29 Feb is 28 Feb in a common year (docs/LAW.md §3).
func (d Date) YearsSince(birth Date) int {
	years := d.y - birth.y
	if d.Before(birth.AddYears(years)) {
		years--
	}
	return years
}

// String returns YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return string(d.appendISO(make([]byte, 0, 10)))
}

// appendISO appends the date as YYYY-MM-DD. Dates are formatted for every
// row a rebuild writes and every date an answer holds: by hand, several
// times faster than fmt.
func (d Date) appendISO(b []byte) []byte {
	for p := 1000; p > 1 && d.y < p; p /= 10 {
		b = append(b, '0')
	}
	b = strconv.AppendInt(b, int64(d.y), 10)
	return append(b, '-', byte('0'+d.m/10), byte('0'+d.m%10), '-', byte('0'+d.d/10), byte('0'+d.d%10))
}

// MarshalJSON writes the date as "YYYY-MM-DD", or null for the zero Date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	b := append(make([]byte, 0, 12), '"')
	return append(d.appendISO(b), '"'), nil
}

// UnmarshalJSON reads "YYYY-MM-DD" (or null) and refuses dates that do not exist.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a date must be a string YYYY-MM-DD")
	}
	p, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// czechDate is a date as Czech people write it: "1. 4. 1980" or "1.4.1980".
var czechDate = regexp.MustCompile(`^([0-9]{1,2})\.\s*([0-9]{1,2})\.\s*([0-9]{4})$`)

// ParseCzechDate reads a date written the Czech way ("1. 4. 1980",
// "1.4.1980") or as YYYY-MM-DD.
func ParseCzechDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	m := czechDate.FindStringSubmatch(s)
	if m == nil {
		return ParseDate(s)
	}
	day, _ := strconv.Atoi(m[1])
	month, _ := strconv.Atoi(m[2])
	d, err := ParseDate(fmt.Sprintf("%s-%02d-%02d", m[3], month, day))
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date that exists (d. m. rrrr or YYYY-MM-DD)", s)
	}
	return d, nil
}

// Czech writes a date the Czech way, "1. 4. 1980"; "" for the zero date.
func (d Date) Czech() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d. %d. %d", d.d, int(d.m), d.y)
}
