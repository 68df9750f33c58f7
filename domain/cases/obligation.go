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
	StatusJudged  Status = "judged"   // its misdemeanor flag led to proceedings or a fine
)

// Statuses lists every status, for validating queries.
var Statuses = []Status{StatusOpen, StatusOverdue, StatusMet, StatusMetLate, StatusExcused, StatusJudged}

// Obligation is a duty a case's facts placed on the citizen.
type Obligation struct {
	rulebook.Duty
	FulfilledOn calendar.Date
	// ExcusedOn is the first day the obligation counts as excused: the
	// excuse's obstacle_from (docs/LAW.md §5.4), never before the obligation arose.
	ExcusedOn calendar.Date
	// JudgedOn is the day an officer opened proceedings or fined over it.
	JudgedOn calendar.Date
	// NoFlag says why missing the deadline raises no flag although the law
	// attaches an offence to it (a citizen under 15); "" otherwise.
	NoFlag string
	// flag is the id of the flag a missed deadline raises, if any.
	flag string
}

// StatusOn returns the obligation's status as of day asOf: facts dated after
// asOf have not happened yet on that day (docs/LAW.md §3).
func (o Obligation) StatusOn(asOf calendar.Date) Status {
	switch met, late := deadlineOn(o.FulfilledOn, o.Due, asOf); {
	case happened(o.ExcusedOn, asOf):
		return StatusExcused
	case happened(o.JudgedOn, asOf):
		return StatusJudged
	case met && late:
		return StatusMetLate
	case met:
		return StatusMet
	case late:
		return StatusOverdue
	}
	return StatusOpen
}

func happened(d, asOf calendar.Date) bool { return !d.IsZero() && !d.After(asOf) }

// deadlineOn is where a deadline due on due stands as of asOf: met (on metOn,
// if that has happened by asOf), and late (met after due, or not met and due
// passed).
func deadlineOn(metOn, due, asOf calendar.Date) (met, late bool) {
	if happened(metOn, asOf) {
		return true, metOn.After(due)
	}
	return false, asOf.After(due)
}

func (o Obligation) pending() bool { return o.FulfilledOn.IsZero() && o.ExcusedOn.IsZero() }

// Decision is a compliance officer's decision on a flag (docs/LAW.md §7).
type Decision string

// Decisions on a flag.
const (
	Dismissed         Decision = "dismissed"
	ProceedingsOpened Decision = "proceedings_opened"
	Fined             Decision = "fined"
)

// FlagRaised is the status of a flag no officer has decided on yet.
const FlagRaised = "raised"

// Flag is a possible misdemeanor for a compliance officer to review.
type Flag struct {
	ID      string
	Offence rulebook.Offence
	// RaisedOn is the day the flag is raised: the day after a missed
	// deadline, or the day of the fact itself.
	RaisedOn calendar.Date
	// Obligation names the obligation whose missed deadline raised it.
	Obligation string
	Decision   Decision
	FineCZK    int
	DecidedOn  calendar.Date
}

// StatusOn returns "raised" or the officer's decision as of asOf.
func (f Flag) StatusOn(asOf calendar.Date) string {
	if happened(f.DecidedOn, asOf) {
		return string(f.Decision)
	}
	return FlagRaised
}

// SLA statuses of an office deadline.
const (
	SLAOpen     = "open"
	SLAMet      = "met"
	SLABreached = "breached"
)

// SLA is the office's deadline to make a document (docs/LAW.md §6: the
// processing deadline; the API calls it "sla").
type SLA struct {
	Document string
	Track    string
	FiledOn  calendar.Date
	Due      calendar.Date
	ReadyOn  calendar.Date
}

// StatusOn says whether the office met its deadline, as of asOf.
func (d SLA) StatusOn(asOf calendar.Date) string {
	switch met, late := deadlineOn(d.ReadyOn, d.Due, asOf); {
	case late:
		return SLABreached
	case met:
		return SLAMet
	}
	return SLAOpen
}

// Validity is the end of a document's validity that a fact fixed; unlike a
// deadline it is not moved off weekends (docs/LAW.md §3).
type Validity struct {
	Document   string        `json:"document"`
	ValidUntil calendar.Date `json:"valid_until"`
	Reason     string        `json:"reason"`
}
