package rulebook

import "github.com/lhuta/lhuta/domain/calendar"

// Obligations a citizen can owe (docs/LAW.md §5); the names are part of the API.
const (
	// ObligationApplyForIDCard is the duty to apply for a new identity card.
	ObligationApplyForIDCard = "apply_for_id_card"
	// ObligationSurrenderIDCard is the duty to hand in one's card after permanent residence in the Czech Republic ended.
	ObligationSurrenderIDCard = "surrender_id_card"
	// ObligationSurrenderFoundCard is the duty to hand in a card one has found, one's own lost card included.
	ObligationSurrenderFoundCard = "surrender_found_card"
)

// Duty is one obligation with its deadline: what is owed, from which fact,
// by which day, under which law, and which offence missing it is.
type Duty struct {
	// Obligation is what is owed, one of the Obligation constants.
	Obligation string
	// TriggeredOn is the day of the fact the deadline counts from.
	TriggeredOn calendar.Date
	// Due is the last day on which fulfilling the duty is on time.
	Due calendar.Date
	// LegalBasis names statute and section. The sources state the section
	// that punishes breaking a duty, not the one that creates it, so that is
	// the section cited, and the wording says so.
	LegalBasis string
	// Offence is what missing Due is; zero where the sources name no letter,
	// so that no flag is raised on a guess.
	Offence Offence
}

// applicationPeriod is the 15 working days seed 003 gives for a new card after
// a loss, a change of residence, marital status or name, or expiry; § 16a(1)(c)
// of 328/1999 punishes missing it. docs/LAW.md §4 keeps it under 269/2021.
const applicationPeriod = 15

// firstCardPeriod is the 30 calendar days from the 15th birthday (seed 003, § 16a(1)(l)).
const firstCardPeriod = 30

// surrenderPeriod is the 15 working days seed 004 gives to hand in the card
// after telling the registration office that permanent residence ended.
const surrenderPeriod = 15

// enforcedDuty is a duty to apply for a card that breaking is the offence o.
// The sources do not state the duty's own section, so its legal basis is the
// statute and the offence section that punishes breaking it.
func enforcedDuty(triggeredOn, due calendar.Date, o Offence) Duty {
	return Duty{
		Obligation:  ObligationApplyForIDCard,
		TriggeredOn: triggeredOn,
		Due:         due,
		LegalBasis:  o.LegalBasis + " (sankce za nesplnění povinnosti)",
		Offence:     o,
	}
}

// offenceSection is the legal basis of a duty the sources attach no offence
// letter to: the statute's general offence section, which seed 003 says covers
// every duty of the identity-card act.
func (r Rulebook) offenceSection() string {
	if r.modern {
		return "zákon 269/2021 Sb., § 65 (sankce za nesplnění povinnosti; písmeno zdroje neuvádějí)"
	}
	return "zákon 328/1999 Sb., § 16a (sankce za nesplnění povinnosti; písmeno zdroje neuvádějí)"
}

func (r Rulebook) applyForCard(triggeredOn calendar.Date) Duty {
	return enforcedDuty(triggeredOn, calendar.WorkingDaysAfter(triggeredOn, applicationPeriod), r.LateApplication())
}

// ApplyForCardAfterIncident is the duty to apply for a new card within 15
// working days of reporting it lost, stolen, damaged or destroyed (seeds 002
// and 003; § 16a(1)(c)).
func (r Rulebook) ApplyForCardAfterIncident(reportedOn calendar.Date) Duty {
	return r.applyForCard(reportedOn)
}

// ApplyForCardAfterResidenceChange is the duty to apply for a new card within
// 15 working days of reporting a change of permanent residence (seed 003;
// § 16a(1)(c)).
func (r Rulebook) ApplyForCardAfterResidenceChange(reportedOn calendar.Date) Duty {
	return r.applyForCard(reportedOn)
}

// ApplyForCardAfterRecordCancelled is the duty to apply for a new card within
// 15 working days of the decision cancelling the residence record taking
// effect; the old card's validity ends that same day (seed 003; § 16a(1)(c)).
func (r Rulebook) ApplyForCardAfterRecordCancelled(effectiveOn calendar.Date) Duty {
	return r.applyForCard(effectiveOn)
}

// ApplyForCardAfterMaritalChange is the duty to apply for a new card within 15
// working days of receiving the document of a change of marital status or
// partnership (seed 003; § 16a(1)(c)). Only a card that shows marital status
// must be replaced: otherwise the citizen "nemá povinnost" and ok is false.
func (r Rulebook) ApplyForCardAfterMaritalChange(documentReceivedOn calendar.Date, cardShowsMaritalStatus bool) (duty Duty, ok bool) {
	if !cardShowsMaritalStatus {
		return Duty{}, false
	}
	return r.applyForCard(documentReceivedOn), true
}

// ApplyForCardAfterNameChange is the duty to apply for a new card within 15
// working days of the decision changing a name, surname or birth number taking
// effect (seed 003; § 16a(1)(c)).
func (r Rulebook) ApplyForCardAfterNameChange(effectiveOn calendar.Date) Duty {
	return r.applyForCard(effectiveOn)
}

// ApplyForCardAfterExpiry is the duty to apply for a new card within 15
// working days after the day the card's validity ended (seed 003; § 16a(1)(c)).
func (r Rulebook) ApplyForCardAfterExpiry(expiredOn calendar.Date) Duty {
	return r.applyForCard(expiredOn)
}

// ApplyForFirstCard is the duty to apply for a first card within 30 days of
// the 15th birthday (seed 003; § 16a(1)(l)). It counts calendar days, so the
// deadline moves off a weekend or holiday (správní řád § 40).
func (r Rulebook) ApplyForFirstCard(birthdayOn calendar.Date) Duty {
	return enforcedDuty(birthdayOn, calendar.DaysAfter(birthdayOn, firstCardPeriod), r.FirstCardNotAppliedFor())
}

// SurrenderCardAfterResidenceEnded is the duty to hand in the card within 15
// working days of notifying the registration office that permanent residence
// in the Czech Republic ended (seed 004). No § 16a letter names it, so it
// carries no offence.
func (r Rulebook) SurrenderCardAfterResidenceEnded(notifiedOn calendar.Date) Duty {
	return Duty{
		Obligation:  ObligationSurrenderIDCard,
		TriggeredOn: notifiedOn,
		Due:         calendar.WorkingDaysAfter(notifiedOn, surrenderPeriod),
		LegalBasis:  r.offenceSection(),
	}
}

// SurrenderFoundCard is the duty to hand in a found card, one's own reported
// lost card included, "neprodleně" (seed 002), which the service reads as by
// the next working day (docs/LAW.md §5.1). No § 16a letter names it.
func (r Rulebook) SurrenderFoundCard(foundOn calendar.Date) Duty {
	return Duty{
		Obligation:  ObligationSurrenderFoundCard,
		TriggeredOn: foundOn,
		Due:         calendar.NextWorkingDay(foundOn),
		LegalBasis:  r.offenceSection(),
	}
}

// ExpiryReminderOn is the day to remind a holder whose card expires on
// expiresOn: seed 003 recommends applying 60 days before expiry. It is a
// courtesy date, not a deadline, so it is not moved off weekends.
func ExpiryReminderOn(expiresOn calendar.Date) calendar.Date { return expiresOn.AddDays(-60) }
