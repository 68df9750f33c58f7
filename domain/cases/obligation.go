package cases

import (
	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/rulebook"
)

// Status is where an obligation stands on a given day (API.md, /v1/obligations).
type Status string

// Obligation statuses.
const (
	StatusOpen    Status = "open"     // not fulfilled, deadline not passed
	StatusOverdue Status = "overdue"  // not fulfilled, deadline passed
	StatusMet     Status = "met"      // fulfilled on or before the deadline
	StatusMetLate Status = "met_late" // fulfilled after the deadline
	StatusExcused Status = "excused"  // excused by a compliance officer
)

// Statuses lists every status, for validating queries.
var Statuses = []Status{StatusOpen, StatusOverdue, StatusMet, StatusMetLate, StatusExcused}

// Obligation is a duty a case's facts placed on the citizen.
type Obligation struct {
	rulebook.Duty
	FulfilledOn calendar.Date
	ExcusedOn   calendar.Date
}

// StatusOn returns the obligation's status as of day asOf: facts dated after
// asOf have not happened yet on that day (RULES.md §3).
func (o Obligation) StatusOn(asOf calendar.Date) Status {
	switch {
	case !o.ExcusedOn.IsZero() && !o.ExcusedOn.After(asOf):
		return StatusExcused
	case !o.FulfilledOn.IsZero() && !o.FulfilledOn.After(asOf):
		if o.FulfilledOn.After(o.Due) {
			return StatusMetLate
		}
		return StatusMet
	case asOf.After(o.Due):
		return StatusOverdue
	}
	return StatusOpen
}

func (o Obligation) pending() bool { return o.FulfilledOn.IsZero() && o.ExcusedOn.IsZero() }
