package cases

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"

	"github.com/lhuta/lhuta/domain/birthnumber"
	"github.com/lhuta/lhuta/domain/calendar"
)

// CitizenCorrectedType: a correction of the citizen's identity; every
// situation takes it.
const CitizenCorrectedType EventType = "CitizenCorrected"

// citizenEvents declares them (docs/events.md).
var citizenEvents = []eventDecl{
	{typ: CitizenCorrectedType, label: "Oprava údajů občana", new: newFact[CitizenCorrected]},
}

// checkBirthNumber refuses a birth number that fails its check (docs/LAW.md
// §10) or names another birth date than the citizen's.
func checkBirthNumber(chk *check, c Citizen) {
	bn, err := birthnumber.Parse(c.BirthNumber)
	switch {
	case err != nil:
		chk.bad("birth_number", "%v", err)
	case bn.BirthDate() != c.BirthDate:
		chk.refuse("birth_number", "encodes the birth date %s, not %s", bn.BirthDate(), c.BirthDate)
	}
}

// NormalizeCitizenID returns the form of a citizen id that identifies the
// citizen: fullwidth characters folded to their ASCII forms ("ＡＢ１" is
// "AB1"), Unicode NFC, invisible characters (format characters such as
// U+200B ZERO WIDTH SPACE and U+FEFF, default-ignorable code points,
// variation selectors) and control characters removed, and surrounding
// white space trimmed. Two ids a clerk cannot tell apart on screen are the
// same citizen (docs/LAW.md §10).
func NormalizeCitizenID(id string) string {
	id = norm.NFC.String(width.Fold.String(id))
	id = strings.Map(func(r rune) rune {
		if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector) {
			return -1
		}
		return r
	}, id)
	return strings.TrimSpace(id)
}

// MismatchError is an opening for a known citizen id whose birth date or
// birth number differs from the one the citizen is known by: another
// person under the same id, or a typo on one of the two. Nothing is
// recorded; a clerk who finds the known data wrong records a
// CitizenCorrected on one of the citizen's cases first.
type MismatchError struct{ Errors []FieldError }

func (e *MismatchError) Error() string { return "citizen identity differs: " + joinFields(e.Errors) }

// CheckIdentity compares the citizen of an opening with the identity the
// citizen id is known by, and returns a *MismatchError naming each field
// that differs (a birth number given on one side only is not a mismatch).
func CheckIdentity(known, opened Citizen) error {
	var errs []FieldError
	if known.BirthDate != opened.BirthDate {
		errs = append(errs, FieldError{"citizen.birth_date", fmt.Sprintf(
			"is %s, but citizen %s is known as born %s; if the known date is wrong, record a CitizenCorrected on one of the citizen's cases first",
			opened.BirthDate, known.ID, known.BirthDate)})
	}
	if known.BirthNumber != "" && opened.BirthNumber != "" && known.BirthNumber != opened.BirthNumber {
		errs = append(errs, FieldError{"citizen.birth_number", fmt.Sprintf(
			"differs from the birth number citizen %s is known by; if that one is wrong, record a CitizenCorrected on one of the citizen's cases first",
			known.ID)})
	}
	if errs != nil {
		return &MismatchError{errs}
	}
	return nil
}

// CitizenCorrected: a clerk corrected the citizen's identity data (a birth
// date, birth number or name typed wrong at the counter), with the reason.
// The case shows the corrected data from then on, and the citizen id is
// known by it: a later case for the same id must agree with it.
type CitizenCorrected struct {
	BirthDate   *calendar.Date `json:"birth_date,omitempty" fact:"personal"`
	BirthNumber string         `json:"birth_number,omitempty" fact:"personal"`
	FullName    string         `json:"full_name,omitempty" fact:"personal"`
	Reason      string         `json:"reason" fact:"required,text"`
}

func (e *CitizenCorrected) decide(c *Case, ctx Context, chk *check) {
	if e.BirthDate == nil && e.BirthNumber == "" && strings.TrimSpace(e.FullName) == "" {
		chk.bad("", "give at least one of birth_date, birth_number, full_name")
		return
	}
	corrected := e.corrected(c.Citizen)
	if corrected.BirthDate.After(ctx.Today) {
		chk.refuse("birth_date", "%s is in the future", corrected.BirthDate)
	}
	if corrected.BirthNumber != "" && (e.BirthNumber != "" || e.BirthDate != nil) {
		checkBirthNumber(chk, corrected)
	}
	if corrected == c.Citizen {
		chk.refuse("", "the citizen's data already are so")
	}
}

// corrected returns the citizen with the correction applied.
func (e *CitizenCorrected) corrected(cit Citizen) Citizen {
	if e.BirthDate != nil {
		cit.BirthDate = *e.BirthDate
	}
	if e.BirthNumber != "" {
		cit.BirthNumber = e.BirthNumber
	}
	if name := strings.TrimSpace(e.FullName); name != "" {
		cit.FullName = norm.NFC.String(name)
	}
	return cit
}

func (e *CitizenCorrected) evolve(c *Case) { c.Citizen = e.corrected(c.Citizen) }

// CorrectedCitizen returns the identity a CitizenCorrected recorded on c
// leaves the citizen with, for the store's table of known citizens.
func CorrectedCitizen(c *Case, rec Recorded) (Citizen, bool) {
	e, ok := rec.Data.(*CitizenCorrected)
	if !ok {
		return Citizen{}, false
	}
	return e.corrected(c.Citizen), true
}
