package cases

import (
	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/fees"
	"github.com/lhuta/lhuta/domain/rulebook"
)

// NameChange: a change of name (docs/LAW.md §5.4).
const NameChange Situation = "name_change"

// NameChangedType is the one event only a name_change case takes.
const NameChangedType EventType = "NameChanged"

// nameChange declares the situation and its events (docs/events.md).
var nameChange = situationDecl{NameChange, "Změna jména nebo příjmení", []eventDecl{
	{typ: NameChangedType, label: "Změna jména nebo příjmení", new: newFact[NameChanged], trigger: true},
}}

// NameChanged: a decision changing the citizen's name took effect; a new
// card must be applied for within 15 working days (seed 003, § 16a(1)(c)).
type NameChanged struct {
	DecisionEffectiveOn calendar.Date `json:"decision_effective_on" fact:"required,past,public"`
}

func (e *NameChanged) decide(*Case, Context, *check) {}

func (e *NameChanged) evolve(c *Case) {
	c.trigger(NameChangedType, e.DecisionEffectiveOn, fees.ReasonNameChange)
	law := rulebook.For(e.DecisionEffectiveOn)
	c.oblige(law.ApplyForCardAfterNameChange(e.DecisionEffectiveOn))
	c.oldCardExpires(law, e.DecisionEffectiveOn, "change of name")
}
