package cases

import (
	"fmt"
	"strings"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/money"
	"github.com/lhuta/lhuta/domain/retention"
)

// Retention and disposal (docs/RETENTION.md): a records officer's legal
// holds, which every situation takes, and the schedule and the disposal,
// which the service records.
const (
	RetentionScheduledType    EventType = "RetentionScheduled"
	RetentionHoldPlacedType   EventType = "RetentionHoldPlaced"
	RetentionHoldReleasedType EventType = "RetentionHoldReleased"
	CaseDisposedType          EventType = "CaseDisposed"
)

// retentionEvents declares them (docs/events.md).
var retentionEvents = []eventDecl{
	{typ: RetentionScheduledType, label: "Stanovení skartační lhůty", new: newFact[RetentionScheduled], system: true},
	{typ: RetentionHoldPlacedType, label: "Pozastavení skartace (právní blokace)", new: newFact[RetentionHoldPlaced], records: true},
	{typ: RetentionHoldReleasedType, label: "Zrušení pozastavení skartace", new: newFact[RetentionHoldReleased], records: true},
	{typ: CaseDisposedType, label: "Vyřazení ve skartačním řízení", new: newFact[CaseDisposed], system: true},
}

// Retention and disposal of a case (zákon 499/2004 Sb.; docs/RETENTION.md).
// The office's rules (retention.Rules) say for each situation the mark, the
// years and the trigger; the case decides when its rule applies
// (DueRetention), and the service records that as RetentionScheduled. A
// records officer may put the case on hold; a disposal approved by the
// archive records CaseDisposed.

// Schedule is a case's retention schedule, from RetentionScheduled.
type Schedule struct {
	Mark      retention.Mark    `json:"mark"`
	Years     int               `json:"years"`
	Trigger   retention.Trigger `json:"trigger"`
	TriggerOn calendar.Date     `json:"trigger_on"`
	EndsOn    calendar.Date     `json:"ends_on"`
}

// Disposal is how a case left lhuta's keeping, from CaseDisposed.
type Disposal struct {
	ID              string        `json:"disposal_id"`
	ArchiveDecision string        `json:"archive_decision"`
	DecidedOn       calendar.Date `json:"decided_on"`
	Disposition     Disposition   `json:"disposition"`
}

// Disposition is what became of a disposed case.
type Disposition string

// Dispositions.
const (
	// DisposedDestroyed: a case of mark S or V; its citizen is forgotten once no
	// other case of theirs is retained.
	DisposedDestroyed Disposition = "destroyed"
	// DisposedTransferred: a case of mark A goes to the archive; its events stay
	// and its citizen is not forgotten by the disposal.
	DisposedTransferred Disposition = "transferred"
)

// RetentionRules parses an office's retention rules file (retention.Parse)
// for the situations lhuta knows: the settled trigger is only for local fees.
func RetentionRules(file string, src []byte, offices []string) (*retention.Rules, error) {
	rules, err := retention.Parse(file, src, values(Situations()...), offices)
	if err != nil {
		return nil, err
	}
	for _, r := range rules.All() {
		if r.Trigger == retention.Settled && r.Situation != string(LocalFee) {
			return nil, &retention.FormatError{File: file, Line: r.Line,
				Msg: fmt.Sprintf("trigger settled is for %s cases only (a %s case is never settled); use closed", LocalFee, r.Situation)}
		}
	}
	return rules, nil
}

// RetentionScheduled: the service found the case's retention rule applies
// (the case closed, or a local-fee case settled) and fixed its period.
type RetentionScheduled struct {
	Mark    retention.Mark    `json:"mark" fact:"required,public"`
	Years   int               `json:"years" fact:"required,public"`
	Trigger retention.Trigger `json:"trigger" fact:"required,public"`
	// TriggerOn is the day of the trigger fact: the case's closed_on, or the day it settled.
	TriggerOn calendar.Date `json:"trigger_on" fact:"required,public"`
	// EndsOn is the period's last day: 31 December of the trigger's year + years.
	EndsOn calendar.Date `json:"ends_on" fact:"required,public"`
}

func (*RetentionScheduled) decide(*Case, Context, *check) {}

func (e *RetentionScheduled) evolve(c *Case) {
	c.Retention = &Schedule{Mark: e.Mark, Years: e.Years, Trigger: e.Trigger, TriggerOn: e.TriggerOn, EndsOn: e.EndsOn}
}

// RetentionHoldPlaced: a records officer put the case on legal hold (a
// court case, an audit, an open request): it is not disposed of until released.
type RetentionHoldPlaced struct {
	Reason   string        `json:"reason" fact:"required,text"`
	PlacedOn calendar.Date `json:"placed_on,omitzero" fact:"past,public"`
}

func (e *RetentionHoldPlaced) decide(c *Case, ctx Context, chk *check) {
	ctx.orToday(&e.PlacedOn)
	if !c.HeldSince.IsZero() {
		chk.refuse("", "the case is on hold since %s already", c.HeldSince)
	}
	notBefore(chk, "placed_on", e.PlacedOn, c.OpenedOn, "the case was opened")
}

func (e *RetentionHoldPlaced) evolve(c *Case) { c.HeldSince = e.PlacedOn }

// RetentionHoldReleased: a records officer released the case's hold.
type RetentionHoldReleased struct {
	Reason     string        `json:"reason,omitempty" fact:"text"`
	ReleasedOn calendar.Date `json:"released_on,omitzero" fact:"past,public"`
}

func (e *RetentionHoldReleased) decide(c *Case, ctx Context, chk *check) {
	ctx.orToday(&e.ReleasedOn)
	if c.HeldSince.IsZero() {
		chk.refuse("", "the case is not on hold")
		return
	}
	notBefore(chk, "released_on", e.ReleasedOn, c.HeldSince, "the hold was placed")
}

func (e *RetentionHoldReleased) evolve(c *Case) { c.HeldSince = calendar.Date{} }

// CaseDisposed: the archive approved a disposal that held the case
// (POST /v1/disposals/{id}/approve); the case takes no facts afterwards.
type CaseDisposed struct {
	DisposalID      string        `json:"disposal_id" fact:"required,public"`
	ArchiveDecision string        `json:"archive_decision" fact:"required,public"`
	DecidedOn       calendar.Date `json:"decided_on" fact:"required,public"`
	Disposition     Disposition   `json:"disposition" fact:"required,public"`
}

func (*CaseDisposed) enums() map[string][]string {
	return map[string][]string{"disposition": values(DisposedDestroyed, DisposedTransferred)}
}

func (*CaseDisposed) decide(*Case, Context, *check) {}

func (e *CaseDisposed) evolve(c *Case) {
	c.Disposal = &Disposal{ID: e.DisposalID, ArchiveDecision: e.ArchiveDecision, DecidedOn: e.DecidedOn, Disposition: e.Disposition}
}

// Held reports whether the case is on legal hold.
func (c *Case) Held() bool { return !c.HeldSince.IsZero() }

// Disposable reports whether the case may be proposed for disposal as of a
// day: scheduled under a trigger that still holds, its period ended, not on
// hold and not disposed of yet.
func (c *Case) Disposable(asOf calendar.Date, offices *money.Offices) bool {
	return c.scheduleHolds(asOf, offices) && retention.Ended(c.Retention.EndsOn, asOf) && !c.Held() && c.Disposal == nil
}

// scheduleHolds reports whether the case's retention schedule still stands
// as of a day. A closed case stays closed; a settled local-fee case may owe
// again (a new liability, a new year's fee) or settle anew on another day,
// and then its period no longer runs from the scheduled trigger: it is not
// disposed of under that schedule, and DueRetention records a new one once
// it has settled again.
func (c *Case) scheduleHolds(asOf calendar.Date, offices *money.Offices) bool {
	if c.Retention == nil {
		return false
	}
	if c.Retention.Trigger != retention.Settled {
		return true
	}
	on, ok := c.SettledOn(asOf, offices)
	return ok && on == c.Retention.TriggerOn
}

// SettledOn returns the day a local-fee case settled as of a day: every
// liability has ended and every payment obligation is paid or excused; the
// day is the latest of those endings and payments. ok is false for another
// situation, a case with no liability, or one that still owes.
func (c *Case) SettledOn(asOf calendar.Date, offices *money.Offices) (calendar.Date, bool) {
	if c.Situation != LocalFee || len(c.LocalFees) == 0 {
		return calendar.Date{}, false
	}
	var last calendar.Date
	later := func(d calendar.Date) {
		if d.After(last) {
			last = d
		}
	}
	for _, l := range c.LocalFees {
		if l.EndedOn.IsZero() || l.EndedOn.After(asOf) {
			return calendar.Date{}, false
		}
		later(l.EndedOn)
	}
	for _, o := range c.PaymentAmounts(asOf, offices) {
		if o.OwedCZK > 0 || o.Status == PaymentBlocking {
			return calendar.Date{}, false
		}
		later(o.PaidOn)
	}
	return last, true
}

// DueRetention returns the RetentionScheduled a case is due under the
// office's rules as of a day: where its rule applies and its trigger has
// happened, and no schedule is recorded yet. ok is false where there is
// nothing to record. A schedule once recorded stays: a later change of the
// rules file applies to cases scheduled afterwards.
func (c *Case) DueRetention(rules *retention.Rules, asOf calendar.Date, offices *money.Offices) (rec Recorded, ok bool) {
	if c.Disposal != nil || c.scheduleHolds(asOf, offices) {
		return Recorded{}, false
	}
	rule, ok := rules.For(c.Office, string(c.Situation))
	if !ok {
		return Recorded{}, false
	}
	var on calendar.Date
	switch rule.Trigger {
	case retention.Closed:
		on = c.ClosedOn
	case retention.Settled:
		on, _ = c.SettledOn(asOf, offices)
	}
	if on.IsZero() || on.After(asOf) {
		return Recorded{}, false
	}
	return Recorded{Type: RetentionScheduledType, Data: &RetentionScheduled{Mark: rule.Mark, Years: rule.Years, Trigger: rule.Trigger,
		TriggerOn: on, EndsOn: retention.EndsOn(on, rule.Years)}}, true
}

// DisposalApproval is the archive's approval of a disposal.
type DisposalApproval struct {
	DisposalID      string
	ArchiveDecision string
	DecidedOn       calendar.Date
}

// ErrNothingToRecord is a decision that leaves the case as it is: a retried
// disposal finds the case disposed of by it already.
var ErrNothingToRecord = fmt.Errorf("nothing to record")

// Dispose decides the disposal of the case under an approval, as of a
// day: a CaseDisposed, or a RuleError where the case may not be disposed
// of (on hold, its period not ended, never scheduled, disposed of by another
// disposal). A case this disposal disposed of already is ErrNothingToRecord.
func (c *Case) Dispose(a DisposalApproval, asOf calendar.Date, ctx Context) (Recorded, error) {
	var why string
	switch {
	case ctx.Role != RecordsOfficer:
		return Recorded{}, &ForbiddenError{fmt.Sprintf("a disposal is approved by a records officer; role %q may not", ctx.Role)}
	case !ctx.MayWrite(c.Office):
		return Recorded{}, &ForbiddenError{fmt.Sprintf("%s keeps the records of %s; this case is of %q", ctx.Actor, strings.Join(ctx.Scope, ", "), c.Office)}
	case c.Disposal != nil && c.Disposal.ID == a.DisposalID:
		return Recorded{}, ErrNothingToRecord
	case c.Disposal != nil:
		why = fmt.Sprintf("the case was disposed of by disposal %s", c.Disposal.ID)
	case c.Held():
		why = fmt.Sprintf("the case is on legal hold since %s", c.HeldSince)
	case c.Retention == nil:
		why = "the case has no retention schedule"
	case !c.scheduleHolds(asOf, ctx.Offices):
		why = fmt.Sprintf("the case no longer stands settled as on %s (it owes again, or settled anew): its schedule does not hold", c.Retention.TriggerOn)
	case !retention.Ended(c.Retention.EndsOn, asOf):
		why = fmt.Sprintf("its retention period ends on %s", c.Retention.EndsOn)
	}
	if why != "" {
		return Recorded{}, &RuleError{[]FieldError{{"case", why}}}
	}
	d := DisposedDestroyed
	if c.Retention.Mark == retention.Archive {
		d = DisposedTransferred
	}
	return Recorded{Type: CaseDisposedType, Data: &CaseDisposed{DisposalID: a.DisposalID, ArchiveDecision: a.ArchiveDecision,
		DecidedOn: a.DecidedOn, Disposition: d}}, nil
}

// RecordsOfficerEvent reports whether an event type is a records officer's
// to record (declared records: true, retentionEvents).
func RecordsOfficerEvent(t EventType) bool { return reg.events[t].records }
