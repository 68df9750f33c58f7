package cases

import (
	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/money"
)

// The compliance officer's decisions and closing the case; every situation
// takes them.
const (
	ObligationExcusedType EventType = "ObligationExcused"
	FlagReviewedType      EventType = "FlagReviewed"
	CaseClosedType        EventType = "CaseClosed"
)

// complianceEvents declares them (docs/events.md).
var complianceEvents = []eventDecl{
	{typ: ObligationExcusedType, label: "Prominutí povinnosti (překážka těžko překonatelná)", new: newFact[ObligationExcused], officer: true},
	{typ: FlagReviewedType, label: "Rozhodnutí o podezření z přestupku", new: newFact[FlagReviewed], officer: true},
	{typ: CaseClosedType, label: "Uzavření případu", new: newFact[CaseClosed]},
}

// ObligationExcused: a compliance officer excused an obligation (a
// hard-to-overcome obstacle, limited legal capacity…); it raises no flag.
// The excuse is a fact about the past (docs/LAW.md §5.4): its valid time is
// ObstacleFrom, the day the obstacle began (by default the day the
// obligation arose). Read as of any day from then on, the obligation is
// excused and its flag is gone; read as the office knew it before the excuse
// was recorded (known_at), it was overdue and flagged.
type ObligationExcused struct {
	Obligation   string        `json:"obligation" fact:"required,public"`
	Reason       string        `json:"reason" fact:"required,text"`
	ObstacleFrom calendar.Date `json:"obstacle_from,omitzero" fact:"past,public"`
	// ExcusedOn is read from events recorded before obstacle_from existed
	// (the day the excuse was recorded, by default); it is no longer accepted.
	ExcusedOn calendar.Date `json:"excused_on,omitzero" fact:"server,public"`
}

func (e *ObligationExcused) decide(c *Case, _ Context, chk *check) {
	o := c.excusable(e.Obligation)
	if o == nil {
		chk.refuse("obligation", "the case has no obligation %q that is unmet or was met late", e.Obligation)
		return
	}
	if f := c.flag(o.flag); f != nil && !f.DecidedOn.IsZero() && f.Decision != Dismissed {
		chk.refuse("obligation", "its flag %s was decided on %s (%s); an excuse no longer undoes that", f.ID, f.DecidedOn, f.Decision)
		return
	}
	if e.ObstacleFrom.IsZero() {
		e.ObstacleFrom = o.TriggeredOn
	}
	// An obstacle that began after the deadline did not keep the citizen
	// from meeting it (docs/decisions.md).
	if e.ObstacleFrom.After(o.Due) {
		chk.refuse("obstacle_from", "%s is after the obligation's deadline (%s): an obstacle that began later does not excuse missing it", e.ObstacleFrom, o.Due)
	}
}

// excusedFrom is the first day the excuse counts for o: its obstacle's
// first day, or the day the obligation arose if the obstacle began before.
// An event of the old shape carries excused_on instead; where that day is
// after the deadline (the day of recording, by default) it says nothing
// about the obstacle, and the excuse counts from the day the obligation arose,
// so that the obligation and its flag agree on every day.
func (e *ObligationExcused) excusedFrom(o *Obligation) calendar.Date {
	from := e.ObstacleFrom
	if from.IsZero() {
		from = e.ExcusedOn
	}
	if from.IsZero() || from.Before(o.TriggeredOn) || from.After(o.Due) {
		return o.TriggeredOn
	}
	return from
}

// excusable returns the latest obligation of that name that is pending or
// was met late: one met on time needs no excuse.
func (c *Case) excusable(name string) *Obligation {
	for i := len(c.Obligations) - 1; i >= 0; i-- {
		o := &c.Obligations[i]
		if o.Obligation == name && o.ExcusedOn.IsZero() && (o.FulfilledOn.IsZero() || o.FulfilledOn.After(o.Due)) {
			return o
		}
	}
	return nil
}

func (e *ObligationExcused) evolve(c *Case) {
	o := c.excusable(e.Obligation)
	if o == nil {
		return
	}
	// The flag would be raised only the day after the deadline, on or after
	// the excuse's first day, so it is never valid: it goes.
	o.ExcusedOn = e.excusedFrom(o)
	c.withdraw(o.flag)
}

// FlagReviewed: a compliance officer decided on a flag. A fine may not
// exceed the offence's cap (docs/LAW.md §7); where the cap is unknown (zákon
// 269/2021) no cap is checked, as none is guessed.
type FlagReviewed struct {
	Flag      string        `json:"flag" fact:"required,public"`
	Decision  Decision      `json:"decision" fact:"required,public"`
	FineCZK   *int          `json:"fine_czk,omitempty" fact:"public"`
	DecidedOn calendar.Date `json:"decided_on" fact:"required,past,public"`
}

func (*FlagReviewed) enums() map[string][]string {
	return map[string][]string{"decision": values(Dismissed, ProceedingsOpened, Fined)}
}

func (e *FlagReviewed) decide(c *Case, _ Context, chk *check) {
	f := c.flag(e.Flag)
	switch {
	case len(chk.invalid) > 0:
		return
	case f == nil:
		chk.refuse("flag", "the case has no flag %q", e.Flag)
		return
	case f.RaisedOn.After(e.DecidedOn):
		chk.refuse("decided_on", "the flag is raised only on %s", f.RaisedOn)
	case !f.DecidedOn.IsZero():
		chk.refuse("flag", "the flag was already decided on %s (%s)", f.DecidedOn, f.Decision)
	}
	switch {
	case e.Decision == Fined && e.FineCZK == nil:
		chk.bad("fine_czk", "is required when the decision is fined")
	case e.Decision != Fined && e.FineCZK != nil:
		chk.bad("fine_czk", "is only given when the decision is fined")
	case e.FineCZK != nil && !money.InBounds(*e.FineCZK):
		checkAmount(chk, "fine_czk", *e.FineCZK)
	case e.FineCZK != nil && f.Offence.MaxFineCZK != nil && *e.FineCZK > *f.Offence.MaxFineCZK:
		chk.refuse("fine_czk", "%d Kč is above the cap of %d Kč for %s", *e.FineCZK, *f.Offence.MaxFineCZK, f.Offence.LegalBasis)
	}
}

func (e *FlagReviewed) evolve(c *Case) {
	f := c.flag(e.Flag)
	if f == nil {
		return
	}
	f.Decision, f.DecidedOn = e.Decision, e.DecidedOn
	if e.FineCZK != nil {
		f.FineCZK = *e.FineCZK
	}
	if e.Decision == Dismissed {
		return
	}
	for i := range c.Obligations {
		if c.Obligations[i].flag == f.ID {
			c.Obligations[i].JudgedOn = e.DecidedOn
		}
	}
}

// CaseClosed: a clerk closed the case; it takes no new facts afterwards,
// though officers may still decide on its flags.
type CaseClosed struct {
	Reason   string        `json:"reason,omitempty" fact:"text"`
	ClosedOn calendar.Date `json:"closed_on,omitzero" fact:"past,public"`
}

func (e *CaseClosed) decide(c *Case, ctx Context, chk *check) {
	ctx.orToday(&e.ClosedOn)
	notBefore(chk, "closed_on", e.ClosedOn, c.OpenedOn, "the case was opened")
}

func (e *CaseClosed) evolve(c *Case) { c.ClosedOn = e.ClosedOn }
