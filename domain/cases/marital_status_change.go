package cases

import (
	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/fees"
	"github.com/lhuta/lhuta/domain/rulebook"
)

// MaritalStatusChange: a change of marital status (docs/LAW.md §5.3).
const MaritalStatusChange Situation = "marital_status_change"

// MaritalStatusChangedType is the one event only a marital_status_change case takes.
const MaritalStatusChangedType EventType = "MaritalStatusChanged"

// maritalStatusChange declares the situation and its events (docs/events.md).
var maritalStatusChange = situationDecl{MaritalStatusChange, "Změna rodinného stavu", []eventDecl{
	{typ: MaritalStatusChangedType, label: "Změna rodinného stavu", new: newFact[MaritalStatusChanged], trigger: true},
}}

// MaritalChange is a change of marital status (docs/LAW.md §5.3).
type MaritalChange string

// Changes of marital status.
const (
	Marriage              MaritalChange = "marriage"
	Divorce               MaritalChange = "divorce"
	PartnershipRegistered MaritalChange = "partnership_registered"
	PartnershipDissolved  MaritalChange = "partnership_dissolved"
	Widowed               MaritalChange = "widowed"
	MarriageVoid          MaritalChange = "marriage_void"
	PartnershipVoid       MaritalChange = "partnership_void"
	SpouseDeclaredDead    MaritalChange = "spouse_declared_dead"
)

// MaritalStatusChanged: the citizen received the document on a change of
// marital status. Only a citizen whose card shows marital status must apply
// for a new card, within 15 working days (seed 003: otherwise "nemá
// povinnost"). A surname changed by marriage ends the passport's validity 3
// months after the day the surname changed (seed 004: "uplynutím 3 měsíců ode
// dne změny příjmení"): SurnameChangedOn, where it is known.
type MaritalStatusChanged struct {
	Change                 MaritalChange `json:"change" fact:"required,public"`
	DocumentReceivedOn     calendar.Date `json:"document_received_on" fact:"required,past,public"`
	CardShowsMaritalStatus *bool         `json:"card_shows_marital_status" fact:"required,public"`
	SurnameChanged         *bool         `json:"surname_changed" fact:"required,public"`
	SurnameChangedOn       calendar.Date `json:"surname_changed_on,omitzero" fact:"past,public"`
}

func (*MaritalStatusChanged) enums() map[string][]string {
	return map[string][]string{"change": values(Marriage, Divorce, PartnershipRegistered, PartnershipDissolved,
		Widowed, MarriageVoid, PartnershipVoid, SpouseDeclaredDead)}
}

func (e *MaritalStatusChanged) decide(_ *Case, _ Context, chk *check) {
	switch {
	case e.SurnameChangedOn.IsZero():
	case !*e.SurnameChanged:
		chk.bad("surname_changed_on", "is only given when surname_changed is true")
	case e.SurnameChangedOn.After(e.DocumentReceivedOn):
		chk.refuse("surname_changed_on", "%s is after the document on the change was received (%s)", e.SurnameChangedOn, e.DocumentReceivedOn)
	}
}

func (e *MaritalStatusChanged) evolve(c *Case) {
	c.trigger(MaritalStatusChangedType, e.DocumentReceivedOn, fees.ReasonMaritalStatusChange)
	law := rulebook.For(e.DocumentReceivedOn)
	if duty, ok := law.ApplyForCardAfterMaritalChange(e.DocumentReceivedOn, *e.CardShowsMaritalStatus); ok {
		c.oblige(duty)
		c.oldCardExpires(law, e.DocumentReceivedOn, "change of marital status")
	}
	if e.Change == Marriage && *e.SurnameChanged {
		if e.SurnameChangedOn.IsZero() {
			c.Validity = append(c.Validity, Validity{"passport", rulebook.PassportInvalidAfterSurnameChange(e.DocumentReceivedOn),
				"the surname changed by marriage; the day it changed is not known, so the 3 months are counted from document_received_on"})
		} else {
			c.Validity = append(c.Validity, Validity{"passport", rulebook.PassportInvalidAfterSurnameChange(e.SurnameChangedOn),
				"the surname changed by marriage: 3 months from the day it changed (surname_changed_on)"})
		}
	}
}
