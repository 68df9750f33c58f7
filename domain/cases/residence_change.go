package cases

import (
	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/fees"
	"github.com/lhuta/lhuta/domain/rulebook"
)

// ResidenceChange: a change of permanent residence (docs/LAW.md §5.2).
const ResidenceChange Situation = "residence_change"

// Events only a residence_change case takes.
const (
	ResidenceChangeReportedType  EventType = "ResidenceChangeReported"
	ResidenceRecordCancelledType EventType = "ResidenceRecordCancelled"
	PermanentResidenceEndedType  EventType = "PermanentResidenceEnded"
	IDCardSurrenderedType        EventType = "IDCardSurrendered"
)

// residenceChange declares the situation and its events (docs/events.md).
var residenceChange = situationDecl{ResidenceChange, "Změna trvalého pobytu", []eventDecl{
	{typ: ResidenceChangeReportedType, label: "Ohlášení změny trvalého pobytu", new: newFact[ResidenceChangeReported], trigger: true},
	{typ: ResidenceRecordCancelledType, label: "Zrušení údaje o místě trvalého pobytu", new: newFact[ResidenceRecordCancelled], trigger: true},
	{typ: PermanentResidenceEndedType, label: "Ukončení trvalého pobytu v ČR", new: newFact[PermanentResidenceEnded], trigger: true},
	{typ: IDCardSurrenderedType, label: "Odevzdání OP", new: newFact[IDCardSurrendered]},
}}

// ResidenceChangeReported: the citizen reported a change of permanent
// residence at the registration office (seeds 003, 004), for a fee of 50 Kč
// (none under 15). They must apply for a new card within 15 working days;
// under 269/2021 the old card also expires 45 days after the change.
type ResidenceChangeReported struct {
	ReportedOn calendar.Date `json:"reported_on" fact:"required,past,public"`
	// RegistrationOffice names the registration office (ohlašovna) the
	// change was reported to.
	RegistrationOffice string `json:"registration_office" fact:"required,public"`
}

func (e *ResidenceChangeReported) decide(*Case, Context, *check) {}

func (e *ResidenceChangeReported) evolve(c *Case) {
	c.trigger(ResidenceChangeReportedType, e.ReportedOn, fees.ReasonResidenceChange)
	// The case shows the fee of its latest fee-bearing fact: the report
	// until a card is applied for, then the application's.
	if c.application == nil {
		fee := fees.ResidenceChangeReport(e.ReportedOn.YearsSince(c.Citizen.BirthDate))
		c.Fee = &fee
	}
	law := rulebook.For(e.ReportedOn)
	c.oblige(law.ApplyForCardAfterResidenceChange(e.ReportedOn))
	c.oldCardExpires(law, e.ReportedOn, "change of permanent residence")
}

// oldCardExpires records the automatic end of the old card after a change
// under 269/2021.
func (c *Case) oldCardExpires(law rulebook.Rulebook, changeOn calendar.Date, change string) {
	if until, ok := law.OldCardValidityEndsAfterChange(changeOn); ok {
		c.Validity = append(c.Validity, Validity{"id_card", until, "the old card expires 45 days after the " + change})
	}
}

// ResidenceRecordCancelled: an office decision cancelled the citizen's
// residence record; the card's validity ends the day the decision takes
// effect, and a new card must be applied for within 15 working days.
type ResidenceRecordCancelled struct {
	DecisionEffectiveOn calendar.Date `json:"decision_effective_on" fact:"required,past,public"`
}

func (e *ResidenceRecordCancelled) decide(*Case, Context, *check) {}

func (e *ResidenceRecordCancelled) evolve(c *Case) {
	c.trigger(ResidenceRecordCancelledType, e.DecisionEffectiveOn, fees.ReasonResidenceRecordCancelled)
	c.oblige(rulebook.For(e.DecisionEffectiveOn).ApplyForCardAfterRecordCancelled(e.DecisionEffectiveOn))
	c.Validity = append(c.Validity, Validity{"id_card", rulebook.CardValidityEndsOnRecordCancelled(e.DecisionEffectiveOn),
		"the residence record was cancelled"})
}

// PermanentResidenceEnded: the citizen notified the end of permanent
// residence in the Czech Republic; the card must be surrendered within 15
// working days (seed 004).
type PermanentResidenceEnded struct {
	NotifiedOn calendar.Date `json:"notified_on" fact:"required,past,public"`
}

func (e *PermanentResidenceEnded) decide(*Case, Context, *check) {}

func (e *PermanentResidenceEnded) evolve(c *Case) {
	c.trigger(PermanentResidenceEndedType, e.NotifiedOn, "")
	c.noPermanentResidence = true
	c.oblige(rulebook.For(e.NotifiedOn).SurrenderCardAfterResidenceEnded(e.NotifiedOn))
}

// IDCardSurrendered: the citizen handed in the card.
type IDCardSurrendered struct {
	SurrenderedOn calendar.Date `json:"surrendered_on" fact:"required,past,public"`
}

func (e *IDCardSurrendered) decide(c *Case, _ Context, chk *check) {
	c.checkSurrender(chk, rulebook.ObligationSurrenderIDCard, e.SurrenderedOn,
		"no card is due to be surrendered (record PermanentResidenceEnded first)")
}

func (e *IDCardSurrendered) evolve(c *Case) {
	c.fulfil(rulebook.ObligationSurrenderIDCard, e.SurrenderedOn)
}
