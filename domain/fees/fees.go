// Package fees prices applications for identity cards and passports: the
// administrative fees (správní poplatky) of docs/LAW.md §8, taken from seeds 002
// and 003 (identity cards) and 004 (passports), under zákon 634/2004 Sb.
//
// Price is the one way to price an application. It says how much is paid when
// the application is filed and how much when the document is collected, and
// explains every amount in a Line a clerk can read out at the counter.
// Combinations the seeds do not offer, and fees the seeds do not state, are
// refused with an error rather than guessed.
package fees

import (
	"errors"
	"fmt"

	"github.com/lhuta/lhuta/domain"
)

// ErrInvalidApplication means a field of the application is missing or unknown.
var ErrInvalidApplication = errors.New("invalid application")

// ErrNotOffered means the seeds do not offer this combination of document,
// track and offices (a 24-hour card collected at an ORP, a fast track at an embassy…).
var ErrNotOffered = errors.New("not offered")

// ErrFeeNotStated means the combination exists but the seeds state no fee for it,
// so the service refuses to guess one.
var ErrFeeNotStated = errors.New("fee not stated in the seeds")

// Application is what decides the fee: the document, the track, the citizen and
// the offices where the application is filed and the document collected.
type Application struct {
	Document domain.Document // the document applied for
	Track    domain.Track    // how fast it is made
	// Age is the citizen's age in whole years on the day of filing.
	Age int
	// Reason is why a new identity card is issued; it is required for identity
	// cards and ignored for passports, whose fee does not depend on it.
	Reason Reason
	// PermanentResidenceInCZ is whether the citizen has permanent residence in
	// the Czech Republic (a card for a citizen without it costs 100 Kč).
	PermanentResidenceInCZ bool
	// FilingOffice is the kind of office where the application is filed.
	FilingOffice domain.OfficeKind
	// PickupOffice is the kind of office where the document is collected;
	// empty means the office where the application was filed.
	PickupOffice domain.OfficeKind
	// PickupAtAnotherOffice is whether the document is collected at another
	// office than the one where it was filed, such as another ORP named in the
	// application. It is implied when PickupOffice differs from FilingOffice.
	PickupAtAnotherOffice bool
}

// Part is when a part of a fee is paid.
type Part string

// The two moments a fee is paid.
const (
	PartFiling     Part = "filing"
	PartCollection Part = "collection"
)

// Line is one amount of a fee with the reason a clerk gives for it, in
// English (the API's language) and in Czech (the citizen's: the console
// shows it, and the clerk reads it out).
type Line struct {
	Part      Part   `json:"part"`
	AmountCZK int    `json:"amount_czk"`
	Reason    string `json:"reason"`
	ReasonCS  string `json:"reason_cs"`
}

// Fee is the price of an application in Kč, split into what is paid when the
// application is filed and what is paid when the document is collected.
type Fee struct {
	AtFiling     int `json:"at_filing_czk"`
	AtCollection int `json:"at_collection_czk"`
	// Lines explain every amount, a zero one included ("no fee: …").
	Lines []Line `json:"lines"`
}

// Total returns the whole fee, both parts together.
func (f Fee) Total() int { return f.AtFiling + f.AtCollection }

func (f *Fee) add(p Part, amount int, reason, czech string) {
	if p == PartFiling {
		f.AtFiling += amount
	} else {
		f.AtCollection += amount
	}
	f.Lines = append(f.Lines, Line{Part: p, AmountCZK: amount, Reason: reason, ReasonCS: czech})
}

// ResidenceChangeReport returns the fee for reporting a change of permanent
// residence at the registration office, paid when it is reported: 50 Kč,
// nothing for a citizen under 15 on that day (seeds 003, 004: "Za ohlášení
// změny trvalého pobytu se hradí správní poplatek ve výši 50 Kč, za občany
// mladší 15 let se správní poplatek nehradí").
func ResidenceChangeReport(age int) Fee {
	var f Fee
	if age < 15 {
		f.add(PartFiling, 0, "no fee: reporting a change of permanent residence for a citizen under 15 (seeds 003, 004)",
			"bez poplatku: ohlášení změny trvalého pobytu za občana mladšího 15 let")
	} else {
		f.add(PartFiling, 50, "reporting a change of permanent residence: 50 Kč (seeds 003, 004)",
			"ohlášení změny trvalého pobytu: 50 Kč")
	}
	return f
}

// Price returns the fee for an application, or an error wrapping
// ErrInvalidApplication, ErrNotOffered or ErrFeeNotStated that says what is wrong.
func Price(a Application) (Fee, error) {
	r, err := a.resolve()
	if err != nil {
		return Fee{}, err
	}
	switch a.Document {
	case domain.Passport:
		return passport(a, r)
	case domain.IDCardTemporary:
		return temporaryCard(a, r)
	}
	return idCard(a, r)
}

// route is where an application travels: the kinds of the filing and pickup
// offices, and whether the document is collected at another office than filed.
type route struct {
	from, to  domain.OfficeKind
	elsewhere bool
}

// resolve checks the fields of a and resolves its pickup office.
func (a Application) resolve() (route, error) {
	switch {
	case !a.Document.Valid():
		return route{}, fmt.Errorf("%w: document %q is not one of id_card, id_card_chip, id_card_temporary, passport", ErrInvalidApplication, a.Document)
	case !a.Track.Valid():
		return route{}, fmt.Errorf("%w: track %q is not one of standard, five_working_days, twenty_four_hours, embassy", ErrInvalidApplication, a.Track)
	case a.Age < 0:
		return route{}, fmt.Errorf("%w: age %d is negative", ErrInvalidApplication, a.Age)
	case !a.FilingOffice.Valid():
		return route{}, fmt.Errorf("%w: filing office %q is not a known kind of office", ErrInvalidApplication, a.FilingOffice)
	case a.PickupOffice != "" && !a.PickupOffice.Valid():
		return route{}, fmt.Errorf("%w: pickup office %q is not a known kind of office", ErrInvalidApplication, a.PickupOffice)
	case a.Reason != "" && !a.Reason.Valid():
		return route{}, fmt.Errorf("%w: reason %q is not a known reason for a new card", ErrInvalidApplication, a.Reason)
	case a.Document.IsIDCard() && a.Reason == "":
		return route{}, fmt.Errorf("%w: an identity card application needs the reason for the new card", ErrInvalidApplication)
	}
	r := route{from: a.FilingOffice, to: a.PickupOffice, elsewhere: a.PickupAtAnotherOffice}
	if r.to == "" {
		r.to = r.from
	}
	if r.to != r.from {
		r.elsewhere = true
	}
	if r.elsewhere && r.from == domain.Ministry && r.to == domain.Ministry {
		return route{}, fmt.Errorf("%w: there is only one ministry, so a document filed there cannot be collected at another ministry", ErrInvalidApplication)
	}
	return r, nil
}

// under15 reports whether the child rates apply: the citizen is not yet 15.
func (a Application) under15() bool { return a.Age < 15 }

// idCard prices a card with machine-readable zone, with or without chip.
func idCard(a Application, r route) (Fee, error) {
	rule := reasonRules[a.Reason]
	if rule.card == notOffered {
		return Fee{}, fmt.Errorf("%w: for reason %q (%s) only a temporary card is issued, not one with machine-readable zone (seeds 002, 003)", ErrNotOffered, a.Reason, rule.what)
	}
	switch a.Track {
	case domain.Standard:
		return idCardStandard(a, r, rule)
	case domain.EmbassyTrack:
		return Fee{}, fmt.Errorf("%w: identity cards are not applied for at embassies; apply at an ORP (seeds 002, 003)", ErrNotOffered)
	}
	return fastTrack(a, r)
}

// idCardStandard prices a card issued within 30 days (seeds 002, 003).
func idCardStandard(a Application, r route, rule reasonRule) (Fee, error) {
	if r.from != domain.MunicipalOffice {
		return Fee{}, fmt.Errorf("%w: a card on the standard track is applied for at an ORP, not at %s (seed 002)", ErrNotOffered, place(r.from))
	}
	if r.to != domain.MunicipalOffice {
		return Fee{}, fmt.Errorf("%w: a card on the standard track is collected at an ORP, not at %s (seed 002)", ErrNotOffered, place(r.to))
	}
	var f Fee
	switch {
	case a.Document == domain.IDCardChip:
		f.add(PartFiling, 500, fmt.Sprintf("card with contact chip, whatever the reason (%s): 500 Kč (seeds 002, 003)", rule.what),
			fmt.Sprintf("občanský průkaz s kontaktním čipem bez ohledu na důvod (%s): 500 Kč", rule.czech))
	case a.under15():
		f.add(PartFiling, 50, fmt.Sprintf("card without chip for a citizen under 15 (%s): 50 Kč (seeds 002, 003)", rule.what),
			fmt.Sprintf("občanský průkaz bez čipu pro občana mladšího 15 let (%s): 50 Kč", rule.czech))
	case !a.PermanentResidenceInCZ:
		f.add(PartFiling, 100, fmt.Sprintf("card without chip for a citizen of 15 or more without permanent residence in the Czech Republic (%s): 100 Kč (seeds 002, 003)", rule.what),
			fmt.Sprintf("občanský průkaz bez čipu pro občana od 15 let bez trvalého pobytu v České republice (%s): 100 Kč", rule.czech))
	case rule.card == notStated:
		return Fee{}, fmt.Errorf("%w: for a citizen of 15 or more with permanent residence in the Czech Republic, the seeds give no fee for a card without chip because %s (seeds 002, 003)", ErrFeeNotStated, rule.what)
	case rule.card == 0:
		f.add(PartFiling, 0, fmt.Sprintf("no fee: card without chip because %s (%s)", rule.what, rule.source),
			fmt.Sprintf("bez poplatku: občanský průkaz bez čipu, protože %s", rule.czech))
	default:
		f.add(PartFiling, rule.card, fmt.Sprintf("card without chip because %s: %d Kč (%s)", rule.what, rule.card, rule.source),
			fmt.Sprintf("občanský průkaz bez čipu, protože %s: %d Kč", rule.czech, rule.card))
	}
	if r.elsewhere {
		f.add(PartCollection, 100, "collected at another ORP named in the application: 100 Kč, paid at collection (seeds 002, 003)",
			"převzetí na jiném úřadu obce s rozšířenou působností uvedeném v žádosti: 100 Kč, platí se při převzetí")
	}
	return f, nil
}

// temporaryCard prices a card without machine-readable zone ("Blesk"), which
// only the ORP where it was applied for issues, within 15 days (seeds 002, 003).
func temporaryCard(a Application, r route) (Fee, error) {
	rule := reasonRules[a.Reason]
	switch {
	case rule.temporary == notOffered:
		return Fee{}, fmt.Errorf("%w: a temporary card is not issued for reason %q (%s), only after a loss, theft, damage or destruction, a cancelled residence record, new citizenship, or to vote (seeds 002, 003)", ErrNotOffered, a.Reason, rule.what)
	case a.Track != domain.Standard:
		return Fee{}, fmt.Errorf("%w: a temporary card has no %s track; the ORP issues it within 15 days (seeds 002, 003)", ErrNotOffered, a.Track)
	case r.from != domain.MunicipalOffice:
		return Fee{}, fmt.Errorf("%w: a temporary card is applied for at an ORP, not at %s (seeds 002, 003)", ErrNotOffered, place(r.from))
	case r.elsewhere:
		return Fee{}, fmt.Errorf("%w: a temporary card is collected at the ORP where it was applied for (seeds 002, 003)", ErrNotOffered)
	}
	var f Fee
	if rule.temporary == 0 {
		f.add(PartFiling, 0, fmt.Sprintf("no fee: temporary card because %s (seeds 002, 003)", rule.what),
			fmt.Sprintf("bez poplatku: občanský průkaz bez strojově čitelných údajů, protože %s", rule.czech))
	} else {
		f.add(PartFiling, rule.temporary, fmt.Sprintf("temporary card because %s: %d Kč (seeds 002, 003)", rule.what, rule.temporary),
			fmt.Sprintf("občanský průkaz bez strojově čitelných údajů, protože %s: %d Kč", rule.czech, rule.temporary))
	}
	return f, nil
}

// passport prices a passport (seed 004).
func passport(a Application, r route) (Fee, error) {
	switch a.Track {
	case domain.Standard:
		return passportStandard(a, r)
	case domain.EmbassyTrack:
		return passportEmbassy(r)
	}
	return fastTrack(a, r)
}

// passportStandard prices a passport issued within 30 days (seed 004).
func passportStandard(a Application, r route) (Fee, error) {
	switch {
	case r.from == domain.Embassy:
		return Fee{}, fmt.Errorf("%w: a passport applied for at an embassy takes the embassy track (seed 004)", ErrNotOffered)
	case r.from != domain.MunicipalOffice:
		return Fee{}, fmt.Errorf("%w: a passport on the standard track is applied for at an ORP, not at %s (seed 004)", ErrNotOffered, place(r.from))
	case r.to != domain.MunicipalOffice:
		return Fee{}, fmt.Errorf("%w: a passport on the standard track is collected at an ORP, not at %s (seed 004)", ErrNotOffered, place(r.to))
	}
	var f Fee
	if a.under15() {
		f.add(PartFiling, 100, "passport for a citizen under 15: 100 Kč (seed 004)", "cestovní pas pro občana mladšího 15 let: 100 Kč")
	} else {
		f.add(PartFiling, 600, "passport for a citizen of 15 or more: 600 Kč (seed 004)", "cestovní pas pro občana od 15 let: 600 Kč")
	}
	if r.elsewhere {
		f.add(PartCollection, 100, "collected at another ORP named in the application: 100 Kč, paid before collection (seed 004)",
			"převzetí na jiném úřadu obce s rozšířenou působností uvedeném v žádosti: 100 Kč, platí se před převzetím")
	}
	return f, nil
}

// passportEmbassy checks a passport applied for abroad (seed 004) and refuses
// to price it: the seeds state no fee for it.
func passportEmbassy(r route) (Fee, error) {
	switch {
	case r.from != domain.Embassy:
		return Fee{}, fmt.Errorf("%w: the embassy track is for passports applied for at an embassy, not at %s (seed 004)", ErrNotOffered, place(r.from))
	case r.to != domain.Embassy && r.to != domain.MunicipalOffice:
		return Fee{}, fmt.Errorf("%w: a passport applied for at an embassy is collected there or at an ORP, not at %s (seed 004)", ErrNotOffered, place(r.to))
	}
	return Fee{}, fmt.Errorf("%w: no fee is given for a passport applied for at an embassy (seed 004, docs/LAW.md §8)", ErrFeeNotStated)
}

// officeName is a kind of office named as a clerk does, in English and in
// Czech (the 6th case: "na úřadu …").
type officeName struct{ en, cs string }

var officeNames = map[domain.OfficeKind]officeName{
	domain.MunicipalOffice:    {"an ORP", "na úřadu obce s rozšířenou působností"},
	domain.RegistryOffice:     {"a registry office", "na matričním úřadu"},
	domain.RegistrationOffice: {"a registration office", "na ohlašovně"},
	domain.Police:             {"the police", "na policii"},
	domain.Embassy:            {"an embassy", "na zastupitelském úřadu"},
	domain.Ministry:           {"the ministry", "na ministerstvu vnitra"},
}

// place names a kind of office as a clerk does; any kind not named is the
// ministry.
func place(k domain.OfficeKind) string { return nameOf(k).en }

// placeCS is place in Czech.
func placeCS(k domain.OfficeKind) string { return nameOf(k).cs }

func nameOf(k domain.OfficeKind) officeName {
	if n, ok := officeNames[k]; ok {
		return n
	}
	return officeNames[domain.Ministry]
}
