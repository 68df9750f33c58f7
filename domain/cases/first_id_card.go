package cases

import (
	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/fees"
	"github.com/lhuta/lhuta/domain/rulebook"
)

// FirstIDCard: a first identity card at 15 (docs/LAW.md §5.4).
const FirstIDCard Situation = "first_id_card"

// CitizenTurned15Type is the one event only a first_id_card case takes.
const CitizenTurned15Type EventType = "CitizenTurned15"

// firstIDCard declares the situation and its events (docs/events.md).
var firstIDCard = situationDecl{FirstIDCard, "První občanský průkaz (15 let)", []eventDecl{
	{typ: CitizenTurned15Type, label: "Dovršení 15 let", new: newFact[CitizenTurned15], trigger: true},
}}

// CitizenTurned15: the citizen turned 15 and must apply for a first card
// within 30 days (seed 003, § 16a(1)(l)). Only a citizen with permanent
// residence in the Czech Republic must have a card (seed 003: "Občanský
// průkaz je povinen mít občan …, který dosáhl věku 15 let a má trvalý pobyt
// na území České republiky"); without it there is no obligation.
type CitizenTurned15 struct {
	BirthdayOn calendar.Date `json:"birthday_on" fact:"required,past,personal"` // the birth date, 15 years on
	// PermanentResidenceInCZ is true when left out.
	PermanentResidenceInCZ *bool `json:"permanent_residence_in_cz,omitempty" fact:"public"`
}

func (e *CitizenTurned15) decide(c *Case, _ Context, chk *check) {
	// One age rule (docs/LAW.md §3): born on 29 Feb, 15 on 28 Feb of a
	// common year, the day the fee of the first card also counts 15 from.
	if want := c.Citizen.BirthDate.AddYears(15); e.BirthdayOn != want {
		chk.refuse("birthday_on", "the citizen born %s turns 15 on %s, not %s", c.Citizen.BirthDate, want, e.BirthdayOn)
	}
}

func (e *CitizenTurned15) evolve(c *Case) {
	c.trigger(CitizenTurned15Type, e.BirthdayOn, fees.ReasonFirstCard)
	if e.PermanentResidenceInCZ != nil && !*e.PermanentResidenceInCZ {
		c.noPermanentResidence = true
		return
	}
	c.oblige(rulebook.For(e.BirthdayOn).ApplyForFirstCard(e.BirthdayOn))
}
