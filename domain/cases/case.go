package cases

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/fees"
	"github.com/lhuta/lhuta/domain/money"
	"github.com/lhuta/lhuta/domain/rulebook"
)

// Situation is a kind of life situation; one case is one situation.
type Situation string

// The life situations (docs/LAW.md §5) are declared each in its own file,
// with the events only it takes: id_card_incident.go, residence_change.go,
// marital_status_change.go, first_id_card.go, id_card_expiry.go,
// name_change.go, passport_application.go and local_fee.go.

// Role is what an actor may do (API.md, Authentication and roles).
type Role string

// Roles.
const (
	Clerk             Role = "clerk"
	ComplianceOfficer Role = "compliance_officer"
	Dashboard         Role = "dashboard"
	Admin             Role = "admin"
	// RecordsOfficer keeps the office's records (spisová služba): legal
	// holds, disposal proposals and the archive's approvals (docs/RETENTION.md).
	RecordsOfficer Role = "records_officer"
)

// Context is everything outside the case that a decision depends on.
type Context struct {
	Today calendar.Date
	Actor string
	Role  Role
	// Scope, if set, are the only offices whose cases the actor may open
	// and record facts on (a clerk of one municipal office); nil, or "*"
	// among them (regional supervision), means every office.
	Scope []string
	// KnownOffices are the offices configured (LHUTA_OFFICES): a case is
	// opened only for one of them. Nil accepts any office code (a demo, tests).
	KnownOffices []string
	// LossReportThreshold is after how many working days from discovery a
	// loss report gets a § 16a(1)(e) review hint; 0 means the default
	// (rulebook.DefaultLossReportThreshold).
	LossReportThreshold int
	// Offices are the offices' payment terms (fee schedules, accounts);
	// nil means the built-in ones (money.Builtin).
	Offices *money.Offices
}

// AllOffices is the office scope of regional supervision: every office.
const AllOffices = "*"

// MayWrite reports whether the actor may write the cases of office.
func (ctx Context) MayWrite(office string) bool {
	return len(ctx.Scope) == 0 || slices.Contains(ctx.Scope, AllOffices) || slices.Contains(ctx.Scope, office)
}

// Citizen is the person whose case it is.
type Citizen struct {
	ID          string        `json:"id" fact:"required,personal"`
	BirthDate   calendar.Date `json:"birth_date" fact:"required,personal"`
	FullName    string        `json:"full_name" fact:"required,personal"`
	BirthNumber string        `json:"birth_number,omitempty" fact:"personal"`
}

// Recorded is an event a decision produced, ready to be appended.
type Recorded struct {
	Type EventType
	Data any
}

// Case is the state of one case, folded from its events.
type Case struct {
	ID string
	// Reference is the number people say aloud, <office>/<year>/<sequence>,
	// given when the case is opened (by the store, CaseOpened.Reference) or,
	// for a case opened before references existed, by CaseReferenceAssigned.
	Reference   string
	Situation   Situation
	Office      string
	Citizen     Citizen
	OpenedOn    calendar.Date
	ClosedOn    calendar.Date
	Version     int64
	Obligations []Obligation
	Flags       []Flag
	SLA         []SLA
	Validity    []Validity
	// Fee is the fee of the case's latest fee-bearing fact: a residence
	// change report until a card is applied for, then the latest
	// application's; nil where the seeds state none or there is no such fact.
	Fee *fees.Fee
	// Local fees and payments (local_fee.go, payments.go).
	LocalFees  []Liability
	Exemptions []Exemption
	Increases  []Increase
	Payments   []Payment
	// Assignee is the staff member the case is assigned to, "" for none (assignment.go).
	Assignee string
	// Retention is the case's retention schedule, nil before one is recorded;
	// HeldSince the first day of its legal hold (zero: none); Disposal how it
	// was disposed of, nil while it is kept (retention.go).
	Retention *Schedule
	HeldSince calendar.Date
	Disposal  *Disposal

	// seen holds the trigger facts recorded so far: each happens once a case.
	seen map[EventType]calendar.Date
	// feeReason is why a new card is issued, from the case's trigger.
	feeReason            fees.Reason
	incident             IncidentKind
	noPermanentResidence bool
	application          *application
	// cardAppliedOn is the day of the latest application for a full card.
	cardAppliedOn calendar.Date
	flagsRaised   int
}

// Closed reports whether the case was closed.
func (c *Case) Closed() bool { return !c.ClosedOn.IsZero() }

// fact is one kind of event recorded on a case: a decide/evolve pair.
type fact interface {
	// decide validates the decoded fact against the case's state (Record);
	// it may fill in the fact's server fields.
	decide(c *Case, ctx Context, chk *check)
	// evolve folds the fact into the case's state (Replay).
	evolve(c *Case)
}

// eventDecl declares one event type, in the file of its situation or group
// beside its struct (docs/events.md).
type eventDecl struct {
	typ EventType
	// label is the event type's Czech name, as the console shows it; legal
	// terms follow the glossary (docs/LAW.md §2).
	label string
	// new returns a zero fact of the type to decode into (newFact).
	new func() fact
	// officer marks the compliance officer's decisions; every other fact is a clerk's.
	officer bool
	// trigger marks a fact that starts the case's duties and happens once.
	trigger bool
	// staff marks a fact either role that writes may record (an assignment).
	staff bool
	// system marks an event the service records itself, never taken by the API.
	system bool
	// records marks a records officer's decision (a legal hold); it may be
	// recorded on a closed case.
	records bool
}

// newFact is the constructor of an event declaration: new: newFact[IncidentReported].
func newFact[T any, P interface {
	*T
	fact
}]() fact {
	return P(new(T))
}

// situationDecl declares one life situation: its Czech name and the events
// only it takes, in its own file.
type situationDecl struct {
	situation Situation
	label     string
	events    []eventDecl
}

// situations are the known life situations (docs/LAW.md §5).
var situations = []situationDecl{idCardIncident, residenceChange, maritalStatusChange, firstIDCard,
	idCardExpiry, nameChange, passportApplication, localFee}

// commonEvents are the groups of events that are no one situation's, each
// declared in its own file: every situation takes them — the application and
// collection of a document, the officer's decisions, closing the case,
// payments, the citizen's consent to reminders, corrections of the citizen's
// identity, the case's assignment and legal holds — except the system events
// among them, which the service records itself.
var commonEvents = [][]eventDecl{applicationEvents, complianceEvents, paymentEvents, contactEvents,
	citizenEvents, assignmentEvents, retentionEvents}

// caseOpenedLabel is the Czech name of the case's first event, which Open
// takes rather than a declaration.
const caseOpenedLabel = "Případ založen"

// registry is the index of the declarations.
type registry struct {
	// events holds each event type's declaration.
	events map[EventType]eventDecl
	// situations holds each situation's declaration.
	situations map[Situation]situationDecl
	// common are the events every situation takes, in declaration order.
	common []EventType
}

// reg is assembled once from situations and commonEvents.
var reg = assemble(situations, commonEvents)

// assemble indexes the declarations. A type or situation declared twice, or
// declared without a label or constructor, is a programming error: the
// package does not start (and every test fails, naming it).
func assemble(sits []situationDecl, groups [][]eventDecl) registry {
	r := registry{events: map[EventType]eventDecl{}, situations: map[Situation]situationDecl{}}
	add := func(d eventDecl) {
		if _, dup := r.events[d.typ]; dup || d.typ == CaseOpenedType {
			panic(fmt.Sprintf("cases: event type %q declared twice", d.typ))
		}
		if d.new == nil || d.label == "" {
			panic(fmt.Sprintf("cases: event type %q declared without a constructor or a Czech label", d.typ))
		}
		r.events[d.typ] = d
	}
	for _, s := range sits {
		if _, dup := r.situations[s.situation]; dup {
			panic(fmt.Sprintf("cases: situation %q declared twice", s.situation))
		}
		r.situations[s.situation] = s
		for _, d := range s.events {
			add(d)
		}
	}
	for _, g := range groups {
		for _, d := range g {
			add(d)
			if !d.system {
				r.common = append(r.common, d.typ)
			}
		}
	}
	return r
}

// Label returns the Czech name of an event type, "" for an unknown one.
func Label(t EventType) string {
	if t == CaseOpenedType {
		return caseOpenedLabel
	}
	return reg.events[t].label
}

// SituationLabel returns the Czech name of a situation, "" for an unknown one.
func SituationLabel(s Situation) string { return reg.situations[s].label }

// Situations lists the known situations in a stable order.
func Situations() []Situation {
	return slices.Sorted(maps.Keys(reg.situations))
}

// EventTypes lists the events a situation accepts, its own first.
func EventTypes(s Situation) []EventType {
	decl, ok := reg.situations[s]
	if !ok {
		return nil
	}
	types := make([]EventType, 0, len(decl.events)+len(reg.common))
	for _, d := range decl.events {
		types = append(types, d.typ)
	}
	return append(types, reg.common...)
}

// CaseOpened is the first event of every case.
type CaseOpened struct {
	Situation Situation     `json:"situation" fact:"required,public"`
	Office    string        `json:"office" fact:"required,public"`
	Citizen   Citizen       `json:"citizen" fact:"required"`
	OpenedOn  calendar.Date `json:"opened_on" fact:"server,public"`
	// Reference is given by the store in the transaction that appends the
	// event (caserepo): the next number of the office and year of opening.
	Reference string `json:"reference,omitempty" fact:"server,public"`
}

func (*CaseOpened) enums() map[string][]string {
	return map[string][]string{"situation": values(Situations()...)}
}

// ReferenceOf returns the reference <office>/<year>/<sequence> of the
// sequence-th case an office opened in a year: five digits, zero-padded.
func ReferenceOf(office string, year, sequence int) string {
	return fmt.Sprintf("%s/%d/%05d", office, year, sequence)
}

// Open validates a request to open a case (API.md, POST /v1/cases) and
// returns the case's first event.
func Open(request []byte, ctx Context) (Recorded, error) {
	if ctx.Role != Clerk {
		return Recorded{}, &ForbiddenError{fmt.Sprintf("role %q may not open cases; clerks do", ctx.Role)}
	}
	var (
		opened CaseOpened
		chk    check
	)
	decode(request, &opened, &chk, ctx.Today, calendar.Date{})
	if raw := opened.Citizen.ID; raw != "" {
		if opened.Citizen.ID = NormalizeCitizenID(raw); opened.Citizen.ID == "" {
			chk.bad("citizen.id", "holds no visible character")
		}
	}
	if ctx.KnownOffices != nil && opened.Office != "" && !slices.Contains(ctx.KnownOffices, opened.Office) {
		chk.refuse("office", "%q is not an office configured here (LHUTA_OFFICES); configured: %s", opened.Office, strings.Join(ctx.KnownOffices, ", "))
	}
	if _, ok := reg.situations[opened.Situation]; opened.Situation != "" && !ok {
		chk.bad("situation", "unknown situation %q; known: %s", opened.Situation, joinSituations())
	}
	if len(chk.invalid) == 0 {
		cit := check{prefix: "citizen."}
		if opened.Citizen.BirthDate.After(ctx.Today) {
			cit.refuse("birth_date", "%s is in the future", opened.Citizen.BirthDate)
		}
		if opened.Citizen.BirthNumber != "" {
			checkBirthNumber(&cit, opened.Citizen)
		}
		chk.invalid = append(chk.invalid, cit.invalid...)
		chk.rules = append(chk.rules, cit.rules...)
	}
	if err := chk.err(); err != nil {
		return Recorded{}, err
	}
	if !ctx.MayWrite(opened.Office) {
		return Recorded{}, &ForbiddenError{fmt.Sprintf("%s records the cases of %s, not of %q", ctx.Actor, strings.Join(ctx.Scope, ", "), opened.Office)}
	}
	opened.OpenedOn = ctx.Today
	return Recorded{Type: CaseOpenedType, Data: opened}, nil
}

func joinTypes(types []EventType) string {
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

func joinSituations() string {
	names := make([]string, 0, len(reg.situations))
	for _, s := range Situations() {
		names = append(names, string(s))
	}
	return strings.Join(names, ", ")
}

// Record validates a fact someone wants to record on the case and returns the
// event to append. The case is not changed: Replay does that once the event is stored.
func (c *Case) Record(eventType EventType, data []byte, ctx Context) (Recorded, error) {
	kind, known := reg.events[eventType]
	if !known || kind.system || !slices.Contains(EventTypes(c.Situation), eventType) {
		return Recorded{}, &InvalidError{[]FieldError{{"type", fmt.Sprintf(
			"unknown event type %q for a %s case; allowed: %s",
			eventType, c.Situation, joinTypes(EventTypes(c.Situation)))}}}
	}
	switch {
	case kind.records && ctx.Role != RecordsOfficer:
		return Recorded{}, &ForbiddenError{fmt.Sprintf("%s is a records officer's decision; role %q may not record it", eventType, ctx.Role)}
	case kind.records:
	case kind.staff && ctx.Role != Clerk && ctx.Role != ComplianceOfficer:
		return Recorded{}, &ForbiddenError{fmt.Sprintf("%s is recorded by a clerk or a compliance officer; role %q may not record it", eventType, ctx.Role)}
	case kind.staff:
	case kind.officer && ctx.Role != ComplianceOfficer:
		return Recorded{}, &ForbiddenError{fmt.Sprintf("%s is a compliance officer's decision; role %q may not record it", eventType, ctx.Role)}
	case !kind.officer && ctx.Role != Clerk:
		return Recorded{}, &ForbiddenError{fmt.Sprintf("%s is recorded by a clerk; role %q may not record it", eventType, ctx.Role)}
	}
	if !ctx.MayWrite(c.Office) {
		return Recorded{}, &ForbiddenError{fmt.Sprintf("%s records the cases of %s; this case is of %q", ctx.Actor, strings.Join(ctx.Scope, ", "), c.Office)}
	}
	f := kind.new()
	chk := check{prefix: "data."}
	decode(data, f, &chk, ctx.Today, c.Citizen.BirthDate)
	if len(chk.invalid) == 0 {
		checkEnums(f, &chk)
		f.decide(c, ctx, &chk)
	}
	// A closed case or a repeated trigger is the one thing to say about an
	// otherwise well-formed fact.
	switch {
	case c.Disposal != nil:
		chk.rules = []FieldError{{"type", fmt.Sprintf("the case was disposed of on %s (disposal %s) and takes no facts", c.Disposal.DecidedOn, c.Disposal.ID)}}
	case c.Closed() && !kind.officer && !kind.records:
		chk.rules = []FieldError{{"type", fmt.Sprintf("the case was closed on %s and takes no new facts", c.ClosedOn)}}
	case kind.trigger && !c.seen[eventType].IsZero():
		chk.rules = []FieldError{{"type", fmt.Sprintf(
			"%s was already recorded on this case (dated %s); open a new case for a new situation", eventType, c.seen[eventType])}}
	}
	if err := chk.err(); err != nil {
		return Recorded{}, err
	}
	return Recorded{Type: eventType, Data: f}, nil
}

// applyEvent folds one stored event into the case, read in its current
// shape (upcast.go). It fails only on an event this version of lhuta cannot read.
func (c *Case) applyEvent(eventType EventType, version int64, data []byte) error {
	data, err := upcast(eventType, tolerateForgotten(eventType, data))
	if err != nil {
		return err
	}
	if eventType == CaseOpenedType {
		var o CaseOpened
		if err := json.Unmarshal(data, &o); err != nil {
			return fmt.Errorf("read %s: %w", eventType, err)
		}
		c.Situation, c.Office, c.Citizen, c.OpenedOn, c.Reference = o.Situation, o.Office, o.Citizen, o.OpenedOn, o.Reference
		c.Version = version
		return nil
	}
	kind, ok := reg.events[eventType]
	if !ok {
		return fmt.Errorf("unknown event type %q", eventType)
	}
	f := kind.new()
	if err := json.Unmarshal(data, f); err != nil {
		return fmt.Errorf("read %s: %w", eventType, err)
	}
	f.evolve(c)
	if kind.trigger {
		c.reprice()
	}
	c.Version = version
	return nil
}

// firstTrigger returns the date of the case's earliest trigger fact.
func (c *Case) firstTrigger() calendar.Date {
	var first calendar.Date
	for _, d := range c.seen {
		if first.IsZero() || d.Before(first) {
			first = d
		}
	}
	return first
}

// trigger records a trigger fact's date and the fee reason it gives.
func (c *Case) trigger(eventType EventType, on calendar.Date, reason fees.Reason) {
	if c.seen == nil {
		c.seen = map[EventType]calendar.Date{}
	}
	c.seen[eventType] = on
	if reason != "" {
		c.feeReason = reason
	}
}

// oblige adds an obligation, with the flag its missed deadline would raise:
// none for a citizen under 15 on the day after the deadline, the day of the
// act (docs/LAW.md §7), and the obligation says why. A duty to apply for a card that an application already on the case meets
// is fulfilled at once: the order in which a clerk records the facts must
// not change the outcome.
func (c *Case) oblige(d rulebook.Duty) {
	o := Obligation{Duty: d}
	if !d.Offence.IsZero() {
		if f := c.raise(d.Offence, d.Due.AddDays(1), d.Obligation); f != nil {
			o.flag = f.ID
		} else {
			o.NoFlag = fmt.Sprintf("no flag: the citizen is under %d on %s, the day after the deadline, and nobody under %d is liable for a misdemeanor (%s)",
				rulebook.AgeOfLiability, d.Due.AddDays(1), rulebook.AgeOfLiability, rulebook.LiabilityBasis)
		}
	}
	c.Obligations = append(c.Obligations, o)
	if d.Obligation == rulebook.ObligationApplyForIDCard && !c.cardAppliedOn.IsZero() {
		c.fulfil(d.Obligation, c.cardAppliedOn)
	}
}

// raise adds a flag for an act on that day and returns it, or nil where the
// citizen was under 15 that day: a child is not liable for a misdemeanor
// (zákon 250/2016 Sb. § 5), so no flag is raised.
func (c *Case) raise(o rulebook.Offence, on calendar.Date, obligation string) *Flag {
	if !rulebook.Liable(c.Citizen.BirthDate, on) {
		return nil
	}
	c.flagsRaised++
	c.Flags = append(c.Flags, Flag{ID: fmt.Sprintf("%s-%d", o.Code, c.flagsRaised), Offence: o, RaisedOn: on, Obligation: obligation})
	return &c.Flags[len(c.Flags)-1]
}

// withdraw removes a flag whose ground fell away (a deadline met after all,
// an excused obligation), unless an officer has already decided on it.
func (c *Case) withdraw(id string) {
	c.Flags = slices.DeleteFunc(c.Flags, func(f Flag) bool { return f.ID == id && f.DecidedOn.IsZero() })
}

// fulfil marks every pending obligation of that name fulfilled on that day,
// and withdraws the flags of those fulfilled in time. Obligations that arise
// later than the day are left pending, except a first card: applying before
// turning 15 meets the duty that comes with the birthday (seed 003).
func (c *Case) fulfil(name string, on calendar.Date) {
	for i := range c.Obligations {
		o := &c.Obligations[i]
		if o.Obligation != name || !o.pending() || (on.Before(o.TriggeredOn) && c.Situation != FirstIDCard) {
			continue
		}
		o.FulfilledOn = on
		if !on.After(o.Due) {
			c.withdraw(o.flag)
		}
	}
}

// pending returns the latest unfulfilled, unexcused obligation of that name.
func (c *Case) pending(name string) *Obligation {
	for i := len(c.Obligations) - 1; i >= 0; i-- {
		if c.Obligations[i].Obligation == name && c.Obligations[i].pending() {
			return &c.Obligations[i]
		}
	}
	return nil
}

func (c *Case) flag(id string) *Flag {
	for i := range c.Flags {
		if c.Flags[i].ID == id {
			return &c.Flags[i]
		}
	}
	return nil
}

// oneOf checks that an enumerated field holds one of its allowed values.
func oneOf[T ~string](chk *check, field string, value T, allowed ...T) {
	if value != "" && !slices.Contains(allowed, value) {
		names := make([]string, len(allowed))
		for i, a := range allowed {
			names[i] = string(a)
		}
		chk.bad(field, "%q is not one of %s", value, strings.Join(names, ", "))
	}
}

// notBefore refuses a date earlier than an earlier fact of the case.
// orToday fills in a fact's day left out: the day it is recorded.
func (ctx Context) orToday(d *calendar.Date) {
	if d.IsZero() {
		*d = ctx.Today
	}
}

func notBefore(chk *check, field string, d, earlier calendar.Date, what string) {
	if !earlier.IsZero() && d.Before(earlier) {
		chk.refuse(field, "%s is before %s (%s)", d, what, earlier)
	}
}
