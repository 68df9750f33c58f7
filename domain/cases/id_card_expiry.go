package cases

import (
	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/fees"
	"github.com/lhuta/lhuta/domain/rulebook"
)

// IDCardExpiry: an identity card that expired (docs/LAW.md §5.4).
const IDCardExpiry Situation = "id_card_expiry"

// IDCardExpiredType is the one event only an id_card_expiry case takes.
const IDCardExpiredType EventType = "IDCardExpired"

// idCardExpiry declares the situation and its events (docs/events.md).
var idCardExpiry = situationDecl{IDCardExpiry, "Skončení platnosti OP", []eventDecl{
	{typ: IDCardExpiredType, label: "Skončení platnosti OP", new: newFact[IDCardExpired], trigger: true},
}}

// IDCardExpired: the citizen's card expired; a new one must be applied for
// within 15 working days (seed 003, § 16a(1)(c)).
type IDCardExpired struct {
	ExpiredOn calendar.Date `json:"expired_on" fact:"required,past,public"`
}

func (e *IDCardExpired) decide(*Case, Context, *check) {}

func (e *IDCardExpired) evolve(c *Case) {
	c.trigger(IDCardExpiredType, e.ExpiredOn, fees.ReasonExpiry)
	c.oblige(rulebook.For(e.ExpiredOn).ApplyForCardAfterExpiry(e.ExpiredOn))
}
