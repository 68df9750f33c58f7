package birthnumber_test

import (
	"errors"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/birthnumber"
	"github.com/lhuta/lhuta/domain/calendar"
)

// The check digits below were worked out by hand: the last digit of a
// 10-digit number is the remainder of its first nine digits divided by 11
// (850716123 = 11 × 77337829 + 4, so 850716/1234 is valid).
func TestParseValid(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		birth calendar.Date
		sex   birthnumber.Sex
		canon string
	}{
		// 10 digits, from 1954: divisible by 11.
		{"man born 16 Jul 1985, written with the slash (850716123 mod 11 = 4)",
			"850716/1234", calendar.NewDate(1985, time.July, 16), birthnumber.Male, "850716/1234"},
		{"the same man, written without the slash",
			"8507161234", calendar.NewDate(1985, time.July, 16), birthnumber.Male, "850716/1234"},
		{"woman born 16 Jul 1990, month 07 + 50 = 57 (905716456 mod 11 = 7)",
			"9057164567", calendar.NewDate(1990, time.July, 16), birthnumber.Female, "905716/4567"},
		{"first year of 10-digit numbers, 1 Jan 1954 (540101123 mod 11 = 1)",
			"5401011231", calendar.NewDate(1954, time.January, 1), birthnumber.Male, "540101/1231"},
		{"YY below 54 with 10 digits is the 2000s: 1 Jan 2001 (010101555 mod 11 = 2)",
			"010101/5552", calendar.NewDate(2001, time.January, 1), birthnumber.Male, "010101/5552"},
		{"leap day 29 Feb 2000 (000229010 mod 11 = 1)",
			"000229/0101", calendar.NewDate(2000, time.February, 29), birthnumber.Male, "000229/0101"},
		{"girl born on leap day 29 Feb 2004, month 52 (045229123 mod 11 = 5)",
			"045229/1235", calendar.NewDate(2004, time.February, 29), birthnumber.Female, "045229/1235"},
		{"girl born 31 Dec 2010, month 62 (106231123 mod 11 = 9)",
			"106231/1239", calendar.NewDate(2010, time.December, 31), birthnumber.Female, "106231/1239"},

		// Remainder 10 written as check digit 0, allowed until 1985.
		{"man born 23 Jan 1978, remainder 10 written as 0 (780123002 mod 11 = 10)",
			"780123/0020", calendar.NewDate(1978, time.January, 23), birthnumber.Male, "780123/0020"},
		{"remainder 10 in the first year of check digits, 1 Jan 1954 (540101000 mod 11 = 10)",
			"540101/0000", calendar.NewDate(1954, time.January, 1), birthnumber.Male, "540101/0000"},
		{"remainder 10 in the last year it was allowed, 31 Dec 1985 (851231006 mod 11 = 10)",
			"851231/0060", calendar.NewDate(1985, time.December, 31), birthnumber.Male, "851231/0060"},

		// From 2004: month +20 (men) and +70 (women).
		{"boy born 1 Jan 2004, the first day months +20 were possible (042101123 mod 11 = 9)",
			"042101/1239", calendar.NewDate(2004, time.January, 1), birthnumber.Male, "042101/1239"},
		{"boy born 14 Mar 2005, month 03 + 20 = 23 (052314788 mod 11 = 9)",
			"0523147889", calendar.NewDate(2005, time.March, 14), birthnumber.Male, "052314/7889"},
		{"girl born 2 Nov 2010, month 11 + 70 = 81 (108102321 mod 11 = 8)",
			"108102/3218", calendar.NewDate(2010, time.November, 2), birthnumber.Female, "108102/3218"},

		// 9 digits, before 1954: no check digit.
		{"man born 31 Dec 1920, 9 digits",
			"201231/001", calendar.NewDate(1920, time.December, 31), birthnumber.Male, "201231/001"},
		{"woman born 20 Apr 1935, 9 digits, month 54",
			"355420456", calendar.NewDate(1935, time.April, 20), birthnumber.Female, "355420/456"},
		{"last year of 9-digit numbers, 31 Dec 1953",
			"531231/123", calendar.NewDate(1953, time.December, 31), birthnumber.Male, "531231/123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := birthnumber.Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if b.BirthDate() != tt.birth {
				t.Errorf("BirthDate = %s, want %s", b.BirthDate(), tt.birth)
			}
			if b.Sex() != tt.sex {
				t.Errorf("Sex = %s, want %s", b.Sex(), tt.sex)
			}
			if b.String() != tt.canon {
				t.Errorf("String = %q, want %q", b.String(), tt.canon)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		// Form.
		{"empty field", "", birthnumber.ErrFormat},
		{"a digit missing", "850716/12", birthnumber.ErrFormat},
		{"a digit too many", "850716/12345", birthnumber.ErrFormat},
		{"only the date", "850716", birthnumber.ErrFormat},
		{"a letter typed for a digit", "850716/12a4", birthnumber.ErrFormat},
		{"dash instead of slash", "850716-1234", birthnumber.ErrFormat},
		{"slash in the wrong place", "85071/61234", birthnumber.ErrFormat},
		{"two slashes", "850716//1234", birthnumber.ErrFormat},
		{"leading space", " 8507161234", birthnumber.ErrFormat},
		{"Arabic-Indic digit", "850716123٤", birthnumber.ErrFormat},

		// 9 digits only before 1954.
		{"9 digits for someone born in 1954", "540101/123", birthnumber.ErrNineDigits},
		{"9 digits for someone born in 1985", "850716/123", birthnumber.ErrNineDigits},

		// 10 digits divisible by 11.
		{"last digit mistyped (850716123 mod 11 = 4, not 5)", "850716/1235", birthnumber.ErrCheckDigit},
		{"two digits swapped", "850716/2134", birthnumber.ErrCheckDigit},
		{"remainder 10 written as 0 in 1986, after the exception ended (860101010 mod 11 = 10)", "860101/0100", birthnumber.ErrCheckDigit},
		{"remainder 10 written as 0 in 1990 (900504010 mod 11 = 10)", "900504/0100", birthnumber.ErrCheckDigit},
		{"remainder 10 written as 0 in 2004 (042101124 mod 11 = 10)", "042101/1240", birthnumber.ErrCheckDigit},

		// Months.
		{"month 13 (851316123 mod 11 = 9)", "851316/1239", birthnumber.ErrMonth},
		{"month 00 (850016123 mod 11 = 0)", "850016/1230", birthnumber.ErrMonth},
		{"month 63, a woman's month past December (856316123 mod 11 = 3)", "856316/1233", birthnumber.ErrMonth},
		{"month 40, 9 digits", "354020/123", birthnumber.ErrMonth},

		// +20 / +70 only from 2004.
		{"man born 2003 with month +20 (032101124 mod 11 = 0)", "032101/1240", birthnumber.ErrExtraMonth},
		{"man born 1990 with month +20 (902101123 mod 11 = 0)", "902101/1230", birthnumber.ErrExtraMonth},
		{"man born 1955 with month +20 (552902123 mod 11 = 4)", "552902/1234", birthnumber.ErrExtraMonth},
		{"woman born 1999 with month +70 (997105123 mod 11 = 3)", "997105/1233", birthnumber.ErrExtraMonth},
		{"9-digit number with month +20", "032101/123", birthnumber.ErrExtraMonth},

		// The date must exist.
		{"30 February 1985 (850230123 mod 11 = 6)", "850230/1236", birthnumber.ErrNoSuchDate},
		{"29 February 2001, not a leap year (010229010 mod 11 = 0)", "010229/0100", birthnumber.ErrNoSuchDate},
		{"29 February 1900, not a leap year, 9 digits", "000229/123", birthnumber.ErrNoSuchDate},
		{"day 00, 9 digits", "350400/123", birthnumber.ErrNoSuchDate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := birthnumber.Parse(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse(%q) = %v, %v; want %v", tt.in, b, err, tt.want)
			}
			if b != (birthnumber.BirthNumber{}) {
				t.Errorf("Parse(%q) returned %v with its error", tt.in, b)
			}
		})
	}
}

func TestZeroBirthNumber(t *testing.T) {
	var b birthnumber.BirthNumber
	if b.String() != "" || !b.BirthDate().IsZero() || b.Sex() != "" {
		t.Errorf("zero BirthNumber = %q, %s, %q; want all empty", b.String(), b.BirthDate(), b.Sex())
	}
}

// The error says which rule failed, without repeating the whole number.
func TestParseErrorMessages(t *testing.T) {
	tests := []struct{ in, want string }{
		{"850716/1235", "birth number: a 10-digit birth number must be divisible by 11, and this one is not"},
		{"900504/0100", "birth number: a 10-digit birth number must be divisible by 11; a check digit 0 for remainder 10 was allowed only until 1985, not for someone born in 1990"},
		{"032101/1240", "birth number: months +20 (men) and +70 (women) were used only from 2004, but month 21 is in a number of someone born in 2003"},
		{"851316/1239", "birth number: the month must be 01–12 for men or 51–62 for women (from 2004 also 21–32 or 71–82); it is 13"},
		{"850230/1236", "birth number: the birth date does not exist: 1985-02-30"},
		{"540101/123", "birth number: 9-digit birth numbers were issued only to people born 1900–1953; year 54 with 9 digits would be 1954"},
		{"850716/12a4", "birth number: a birth number is YYMMDD/XXXX (or YYMMDD/XXX before 1954), digits only, the slash optional; 'a' is not a digit"},
		{"85071/61234", "birth number: a birth number is YYMMDD/XXXX (or YYMMDD/XXX before 1954), digits only, the slash optional; the slash goes after the sixth digit"},
		{"850716/12", "birth number: a birth number is YYMMDD/XXXX (or YYMMDD/XXX before 1954), digits only, the slash optional; it has 8 digits"},
	}
	for _, tt := range tests {
		_, err := birthnumber.Parse(tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Parse(%q) error = %v, want %q", tt.in, err, tt.want)
		}
	}
}
