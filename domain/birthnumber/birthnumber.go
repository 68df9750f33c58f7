// Package birthnumber parses and checks Czech birth numbers (rodné číslo, RČ)
// by the rules of docs/LAW.md §10 (zákon 133/2000 Sb., § 13):
//
//   - the form is YYMMDD/XXXX, or YYMMDD/XXX for people born before 1954, the
//     slash optional;
//   - 9-digit numbers belong to people born 1900–1953 and carry no check digit;
//   - a 10-digit number is divisible by 11, except that numbers of people born
//     1954–1985 may end in 0 when their first nine digits leave remainder 10;
//   - women's months are +50; from 2004 a month may also be +20 (men) or +70
//     (women) when the day's numbers ran out;
//   - 10-digit numbers with YY below 54 are from the 2000s, the rest from the
//     1900s; the date must exist.
//
// Parse does not know today's date: refusing a birth date in the future is the
// caller's job.
package birthnumber

import (
	"errors"
	"fmt"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
)

// ErrFormat means the text is not 6 digits, an optional slash and 3 or 4 digits.
var ErrFormat = errors.New("a birth number is YYMMDD/XXXX (or YYMMDD/XXX before 1954), digits only, the slash optional")

// ErrNineDigits means a 9-digit number whose year is 1954 or later.
var ErrNineDigits = errors.New("9-digit birth numbers were issued only to people born 1900–1953")

// ErrCheckDigit means a 10-digit number fails the mod-11 check.
var ErrCheckDigit = errors.New("a 10-digit birth number must be divisible by 11")

// ErrMonth means the month digits are none of 01–12, 51–62, 21–32, 71–82.
var ErrMonth = errors.New("the month must be 01–12 for men or 51–62 for women (from 2004 also 21–32 or 71–82)")

// ErrExtraMonth means a month +20 or +70 in a number of someone born before 2004.
var ErrExtraMonth = errors.New("months +20 (men) and +70 (women) were used only from 2004")

// ErrNoSuchDate means the birth date the number encodes does not exist.
var ErrNoSuchDate = errors.New("the birth date does not exist")

// Sex is the sex a birth number records.
type Sex string

// The two sexes a birth number records: women's months are +50 (or +70).
const (
	Male   Sex = "male"
	Female Sex = "female"
)

// BirthNumber is a birth number that passed every check of Parse.
// The zero BirthNumber is "no birth number".
type BirthNumber struct {
	digits string // 9 or 10 digits, without the slash
	birth  calendar.Date
	sex    Sex
}

// Year limits of docs/LAW.md §10.
const (
	firstTenDigitYear    = 1954 // 10-digit numbers with a check digit
	lastRemainderTenYear = 1985 // last year a check digit 0 stood for remainder 10
	firstExtraMonthYear  = 2004 // months +20 / +70 in use
)

// Parse reads a birth number, "YYMMDD/XXXX" or "YYMMDDXXXX" (three digits after
// the date for people born before 1954), and checks it; the error wraps the
// sentinel of the rule that failed.
func Parse(s string) (BirthNumber, error) {
	digits, err := digitsOf(s)
	if err != nil {
		return BirthNumber{}, err
	}
	yy, mm, dd := number(digits[0:2]), number(digits[2:4]), number(digits[4:6])

	year := 1900 + yy
	switch {
	case len(digits) == 9 && year >= firstTenDigitYear:
		return BirthNumber{}, fmt.Errorf("birth number: %w; year %02d with 9 digits would be %d", ErrNineDigits, yy, year)
	case len(digits) == 10 && yy < firstTenDigitYear-1900:
		year = 2000 + yy
	}

	if len(digits) == 10 {
		if err := checkDigit(digits, year); err != nil {
			return BirthNumber{}, err
		}
	}

	month, sex, extra, err := monthOf(mm)
	if err != nil {
		return BirthNumber{}, err
	}
	if extra && year < firstExtraMonthYear {
		return BirthNumber{}, fmt.Errorf("birth number: %w, but month %02d is in a number of someone born in %d", ErrExtraMonth, mm, year)
	}

	birth, err := calendar.ParseDate(fmt.Sprintf("%04d-%02d-%02d", year, month, dd))
	if err != nil {
		return BirthNumber{}, fmt.Errorf("birth number: %w: %04d-%02d-%02d", ErrNoSuchDate, year, month, dd)
	}
	return BirthNumber{digits: digits, birth: birth, sex: sex}, nil
}

// digitsOf returns the 9 or 10 digits of s, whose only other character may be
// a slash after the sixth digit.
func digitsOf(s string) (string, error) {
	d := s
	if len(s) > 6 && s[6] == '/' {
		d = s[:6] + s[7:]
	}
	for _, r := range d {
		switch {
		case r == '/':
			return "", fmt.Errorf("birth number: %w; the slash goes after the sixth digit", ErrFormat)
		case r < '0' || r > '9':
			return "", fmt.Errorf("birth number: %w; %q is not a digit", ErrFormat, r)
		}
	}
	if len(d) != 9 && len(d) != 10 {
		return "", fmt.Errorf("birth number: %w; it has %d digits", ErrFormat, len(d))
	}
	return d, nil
}

// number returns the value of a string of ASCII digits.
func number(digits string) int {
	n := 0
	for i := 0; i < len(digits); i++ {
		n = n*10 + int(digits[i]-'0')
	}
	return n
}

// checkDigit checks a 10-digit number born in year. The whole number must be
// divisible by 11, which is the same as the last digit being the remainder of
// the first nine divided by 11. Until 1985 a remainder of 10 was written as a
// check digit 0; those numbers stay valid, but none issued later is.
func checkDigit(digits string, year int) error {
	remainder := number(digits[:9]) % 11
	last := number(digits[9:])
	switch {
	case remainder == last:
		return nil
	case remainder == 10 && last == 0 && year <= lastRemainderTenYear:
		return nil
	case remainder == 10 && last == 0:
		return fmt.Errorf("birth number: %w; a check digit 0 for remainder 10 was allowed only until %d, not for someone born in %d", ErrCheckDigit, lastRemainderTenYear, year)
	}
	return fmt.Errorf("birth number: %w, and this one is not", ErrCheckDigit)
}

// monthOf decodes the month digits: the calendar month, the sex and whether
// the +20/+70 extension was used.
func monthOf(mm int) (month time.Month, sex Sex, extra bool, err error) {
	switch {
	case mm >= 1 && mm <= 12:
		return time.Month(mm), Male, false, nil
	case mm >= 51 && mm <= 62:
		return time.Month(mm - 50), Female, false, nil
	case mm >= 21 && mm <= 32:
		return time.Month(mm - 20), Male, true, nil
	case mm >= 71 && mm <= 82:
		return time.Month(mm - 70), Female, true, nil
	}
	return 0, "", false, fmt.Errorf("birth number: %w; it is %02d", ErrMonth, mm)
}

// BirthDate returns the date of birth the number encodes.
func (b BirthNumber) BirthDate() calendar.Date { return b.birth }

// Sex returns the sex the number records.
func (b BirthNumber) Sex() Sex { return b.sex }

// String returns the canonical form YYMMDD/XXXX (YYMMDD/XXX before 1954), or ""
// for the zero BirthNumber.
func (b BirthNumber) String() string {
	if b.digits == "" {
		return ""
	}
	return b.digits[:6] + "/" + b.digits[6:]
}
