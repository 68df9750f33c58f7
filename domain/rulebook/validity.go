package rulebook

import (
	"errors"
	"fmt"

	"github.com/lhuta/lhuta/domain/calendar"
)

// Validity periods say how long a document is valid. Unlike deadlines they
// are never moved off weekends or holidays (docs/LAW.md §3): each function
// returns the day the period lapses, the same day number N months or years
// later (the last day of the month where it has none).

// IDCardValidUntil returns the end of validity of an identity card issued on
// issuedOn to a citizen aged age: 5 years under 15, 35 years over 70, else 10
// years (seed 003, "Typy občanských průkazů"). A citizen of exactly 70 counts
// as over 70, as a citizen of exactly 15 counts as "starší 15 let" for the
// 10-year card.
func IDCardValidUntil(issuedOn calendar.Date, age int) calendar.Date {
	switch {
	case age < 15:
		return issuedOn.AddYears(5)
	case age >= 70:
		return issuedOn.AddYears(35)
	}
	return issuedOn.AddYears(10)
}

// PassportValidUntil returns the end of validity of a passport issued on
// issuedOn to a citizen aged age: 5 years under 15, else 10 years; it cannot
// be extended (seed 004, "Doba platnosti cestovního pasu").
func PassportValidUntil(issuedOn calendar.Date, age int) calendar.Date {
	if age < 15 {
		return issuedOn.AddYears(5)
	}
	return issuedOn.AddYears(10)
}

// TemporaryCardReason is why a temporary card without machine-readable data
// (typ Blesk) was issued; the reason fixes its validity (seed 003).
type TemporaryCardReason string

// Reasons seed 003 gives for a temporary card, with their validity.
const (
	// TemporaryAfterIncident is a card issued because the card was lost, stolen, damaged or destroyed; 1 month.
	TemporaryAfterIncident TemporaryCardReason = "card_lost_or_damaged"
	// TemporaryAfterRecordCancelled is a card issued after the residence record was cancelled; 1 month.
	TemporaryAfterRecordCancelled TemporaryCardReason = "residence_record_cancelled"
	// TemporaryAfterCitizenship is a card requested right after acquiring citizenship; 3 months (also seed 002).
	TemporaryAfterCitizenship TemporaryCardReason = "citizenship_acquired"
	// TemporaryProductionOutage is a card issued because cards with machine-readable
	// data cannot be made (technical failure, disaster, emergency); 6 months.
	TemporaryProductionOutage TemporaryCardReason = "production_outage"
)

// ErrUnknownTemporaryCardReason is returned for a reason the seeds do not list.
var ErrUnknownTemporaryCardReason = errors.New("unknown reason for a temporary card")

// temporaryCardMonths is the validity in months by reason (seed 003).
var temporaryCardMonths = map[TemporaryCardReason]int{
	TemporaryAfterIncident:        1,
	TemporaryAfterRecordCancelled: 1,
	TemporaryAfterCitizenship:     3,
	TemporaryProductionOutage:     6,
}

// TemporaryCardValidUntil returns the end of validity of a temporary card
// issued on issuedOn for the given reason (seed 003).
func TemporaryCardValidUntil(issuedOn calendar.Date, reason TemporaryCardReason) (calendar.Date, error) {
	months, ok := temporaryCardMonths[reason]
	if !ok {
		return calendar.Date{}, fmt.Errorf("rulebook: %w %q", ErrUnknownTemporaryCardReason, reason)
	}
	return issuedOn.AddMonths(months), nil
}

// PassportInvalidAfterSurnameChange returns the day a passport ceases to be
// valid after the holder's surname changed on changeOn because of marriage:
// 3 months later (seed 004, "Skončení platnosti cestovního dokladu").
func PassportInvalidAfterSurnameChange(changeOn calendar.Date) calendar.Date {
	return changeOn.AddMonths(3)
}

// LossCertificateValidUntil returns the end of validity of the certificate
// (Potvrzení o občanském průkazu) issued when a loss, theft, damage or
// destruction is reported on reportedOn: 2 months (seed 003). Only zákon
// 328/1999 Sb. issues it; under 269/2021 ok is false (docs/LAW.md §4).
func (r Rulebook) LossCertificateValidUntil(reportedOn calendar.Date) (validUntil calendar.Date, ok bool) {
	if r.modern {
		return calendar.Date{}, false
	}
	return reportedOn.AddMonths(2), true
}

// OldCardValidityEndsAfterChange returns the day the old card's validity ends
// by itself after a change of residence, name or a marital status shown on the
// card on changeOn: 45 days later under zákon 269/2021 Sb. (docs/LAW.md §4). Under
// 328/1999 the old card stays valid, so ok is false.
func (r Rulebook) OldCardValidityEndsAfterChange(changeOn calendar.Date) (endsOn calendar.Date, ok bool) {
	if !r.modern {
		return calendar.Date{}, false
	}
	return changeOn.AddDays(45), true
}

// CardValidityEndsOnRecordCancelled returns the day the card's validity ends
// when the residence record is cancelled: the day the decision takes effect
// (seed 003: "platnost občanského průkazu skončí dnem nabytí právní moci").
func CardValidityEndsOnRecordCancelled(effectiveOn calendar.Date) calendar.Date { return effectiveOn }
