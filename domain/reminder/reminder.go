// Package reminder plans the e-mail reminders an office sends a citizen who
// agreed to them (docs/LAW.md §5.4 and §9): before a document's validity
// ends, before an obligation's deadline, before a payment is due and the day
// after it became overdue. A reminder is an office service, not law: it
// never excuses, delays or raises anything.
//
// Planning is pure: a case's state and the day in, reminders out. Whether a
// reminder was sent is not the case's to know; the service keeps that
// (internal/reminders) and lays it over the plan.
package reminder

import (
	"fmt"
	"strings"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/domain/money"
)

// Kind is what a reminder reminds of.
type Kind string

// Kinds of reminder.
const (
	// ValidityEnds: 60 days before a document's validity ends (seed 003
	// recommends applying 60 days before expiry; docs/LAW.md §5.4).
	ValidityEnds Kind = "validity_ends"
	// ObligationDue: 5 working days before an obligation's deadline.
	ObligationDue Kind = "obligation_due"
	// PaymentDue: 7 days before a payment's due date.
	PaymentDue Kind = "payment_due"
	// PaymentOverdue: the day after a payment's due date, once it is overdue.
	PaymentOverdue Kind = "payment_overdue"
)

// How far ahead each reminder is sent.
const (
	ValidityDaysBefore          = 60
	ObligationWorkingDaysBefore = 5
	PaymentDaysBefore           = 7
	overdueWindowDays           = 7
)

// Status is where a reminder stands.
type Status string

// Reminder statuses (API.md, Reminders). Planned and Cancelled come from the
// plan; Sent and Parked from the service's marks.
const (
	Planned   Status = "planned"
	Sent      Status = "sent"
	Cancelled Status = "cancelled"
	// Parked: the channel kept refusing it; an operator looks at it.
	Parked Status = "parked"
)

// Statuses lists every status, for validating queries.
var Statuses = []Status{Planned, Sent, Cancelled, Parked}

// Reminder is one planned reminder of one case.
type Reminder struct {
	// ID is stable: the same case, kind, subject and day give the same id,
	// whenever and however often the plan is made. It is the e-mail's
	// Message-ID, so that a reminder delivered twice is one message.
	ID     string
	CaseID string
	Office string
	Kind   Kind
	// Subject names what it reminds of within the case: an obligation
	// ("apply_for_id_card-1"), a payment ("waste-2026"), a document's
	// validity ("id_card-1").
	Subject string
	// What is the obligation, payment kind or document, as the API spells it.
	What string
	// DueOn is the deadline, due date or last day of validity it is about.
	DueOn calendar.Date
	// SendOn is the day it is sent; it may still go out up to LastOn (after
	// an outage), never later.
	SendOn, LastOn calendar.Date
	// OwedCZK is what is still owed, for payments.
	OwedCZK        int
	VariableSymbol string
	Account        string
	// Status is Planned or Cancelled, with the Reason for a cancellation.
	Status Status
	Reason string
}

// Due reports whether a planned reminder is to be sent on today.
func (r Reminder) Due(today calendar.Date) bool {
	return r.Status == Planned && !today.Before(r.SendOn) && !today.After(r.LastOn)
}

// MaxWindowDays is the most days a reminder may go out after its SendOn
// (LastOn - SendOn): the validity reminder's 59 days are the longest. A
// reader that looks for reminders due today looks no further back.
const MaxWindowDays = ValidityDaysBefore

// Lapsed is the reason of a reminder whose days passed unsent.
const Lapsed = "its days passed without a consent to send it"

// Plan returns the reminders of a case as of today, in the order they are
// sent. offices gives the offices' payment terms (nil: the built-in ones).
// A planned reminder whose days passed (today after LastOn) is cancelled.
func Plan(c *cases.Case, today calendar.Date, offices *money.Offices) []Reminder {
	out := Facts(c, today, offices)
	for i, r := range out {
		if r.Status == Planned && today.After(r.LastOn) {
			out[i].Status, out[i].Reason = Cancelled, Lapsed
		}
	}
	return out
}

// Facts returns the reminders of a case that its facts give, with the
// payments as of asOf: cancelled only by what happened (met, excused, paid,
// applied for anew), never by the days passing. A read model that keeps
// the plan (projections' reminder_view) stores this, and readers apply the
// day as Plan does.
func Facts(c *cases.Case, asOf calendar.Date, offices *money.Offices) []Reminder {
	if c.Disposal != nil || c.Citizen.ID == cases.Forgotten {
		// A disposed case, or a forgotten citizen's, reminds nobody.
		return nil
	}
	var out []Reminder
	add := func(r Reminder) {
		r.CaseID, r.Office = c.ID, c.Office
		r.ID = id(c.ID, r.Kind, r.Subject, r.SendOn)
		if r.Status == "" {
			r.Status = Planned
		}
		out = append(out, r)
	}
	for i, v := range c.Validity {
		r := Reminder{Kind: ValidityEnds, Subject: fmt.Sprintf("%s-%d", v.Document, i+1), What: v.Document,
			DueOn: v.ValidUntil, SendOn: v.ValidUntil.AddDays(-ValidityDaysBefore), LastOn: v.ValidUntil.AddDays(-1)}
		if on, ok := replaced(c, v.Document); ok {
			r.Status, r.Reason = Cancelled, "a new document was applied for on "+on.String()
		}
		add(r)
	}
	for i, o := range c.Obligations {
		r := Reminder{Kind: ObligationDue, Subject: fmt.Sprintf("%s-%d", o.Obligation, i+1), What: o.Obligation,
			DueOn: o.Due, SendOn: calendar.WorkingDaysBefore(o.Due, ObligationWorkingDaysBefore), LastOn: o.Due}
		switch {
		case !o.FulfilledOn.IsZero():
			r.Status, r.Reason = Cancelled, "met on "+o.FulfilledOn.String()
		case !o.ExcusedOn.IsZero():
			r.Status, r.Reason = Cancelled, "excused from "+o.ExcusedOn.String()
		case !o.JudgedOn.IsZero():
			r.Status, r.Reason = Cancelled, "judged on "+o.JudgedOn.String()
		}
		add(r)
	}
	for _, p := range c.PaymentObligations(asOf, offices) {
		// An administrative fee is due at filing and blocks the act until
		// paid; it is never overdue (docs/LAW.md §9), so there is nothing
		// to remind of.
		if p.Kind == cases.KindAdministrativeFee {
			continue
		}
		base := Reminder{Subject: p.ID, What: string(p.Kind), DueOn: p.DueOn, OwedCZK: p.OwedCZK,
			VariableSymbol: p.VariableSymbol, Account: p.Account}
		switch p.Status {
		case cases.PaymentPaid, cases.PaymentPaidLate:
			base.Status, base.Reason = Cancelled, "paid on "+p.PaidOn.String()
		case cases.PaymentExcused:
			base.Status, base.Reason = Cancelled, "exempt"
		}
		before := base
		before.Kind, before.SendOn, before.LastOn = PaymentDue, p.DueOn.AddDays(-PaymentDaysBefore), p.DueOn
		add(before)
		after := base
		after.Kind, after.SendOn = PaymentOverdue, p.DueOn.AddDays(1)
		after.LastOn = after.SendOn.AddDays(overdueWindowDays - 1)
		add(after)
	}
	return out
}

// replacing lists the documents whose application replaces a document
// whose validity ends.
var replacing = map[string][]string{
	"id_card":          {"id_card", "id_card_chip"},
	"loss_certificate": {"id_card", "id_card_chip"},
	"passport":         {"passport"},
}

// replaced returns the day a document replacing doc was applied for.
func replaced(c *cases.Case, doc string) (calendar.Date, bool) {
	for _, s := range c.SLA {
		for _, d := range replacing[doc] {
			if s.Document == d {
				return s.FiledOn, true
			}
		}
	}
	return calendar.Date{}, false
}

// id is a reminder's stable id, usable as the left part of a Message-ID
// (RFC 5322 dot-atom): case.kind.subject.yyyymmdd.
func id(caseID string, kind Kind, subject string, on calendar.Date) string {
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
				return r
			}
			return '-'
		}, s)
	}
	return fmt.Sprintf("%s.%s.%s.%04d%02d%02d", clean(caseID), kind, clean(subject), on.Year(), on.Month(), on.Day())
}
