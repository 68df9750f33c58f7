package cases

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/lhuta/lhuta/domain/calendar"
)

// Situation is a kind of life situation; one case is one situation.
type Situation string

// Life situations (RULES.md §5).
const (
	IDCardIncident Situation = "id_card_incident"
)

// Role is what an actor may do (API.md, Authentication and roles).
type Role string

// Roles.
const (
	Clerk             Role = "clerk"
	ComplianceOfficer Role = "compliance_officer"
	Dashboard         Role = "dashboard"
	Admin             Role = "admin"
)

// Context is everything outside the case that a decision depends on.
type Context struct {
	Today calendar.Date
	Actor string
	Role  Role
}

// Citizen is the person whose case it is.
type Citizen struct {
	ID          string        `json:"id" fact:"required"`
	BirthDate   calendar.Date `json:"birth_date" fact:"required"`
	FullName    string        `json:"full_name" fact:"required"`
	BirthNumber string        `json:"birth_number,omitempty"`
}

// Recorded is an event a decision produced, ready to be appended.
type Recorded struct {
	Type string
	Data any
}

// Case is the state of one case, folded from its events.
type Case struct {
	ID          string
	Situation   Situation
	Office      string
	Citizen     Citizen
	OpenedOn    calendar.Date
	Version     int64
	Obligations []Obligation
	// applicationPending is set from an application's filing until its
	// document is collected.
	applicationPending bool
}

// fact is one kind of event a clerk records on a case.
type fact interface {
	// check validates the decoded fact against the case's state.
	check(c *Case, ctx Context, chk *check)
	// apply folds the fact into the case's state.
	apply(c *Case)
}

// facts maps each event type to a constructor of its data.
var facts = map[string]func() fact{
	"IncidentReported": func() fact { return new(IncidentReported) },
	"ApplicationFiled": func() fact { return new(ApplicationFiled) },
}

// situationFacts lists the events each situation accepts.
var situationFacts = map[Situation][]string{
	IDCardIncident: {"IncidentReported", "ApplicationFiled"},
}

// Situations lists the known situations in a stable order.
func Situations() []Situation {
	s := make([]Situation, 0, len(situationFacts))
	for k := range situationFacts {
		s = append(s, k)
	}
	slices.Sort(s)
	return s
}

// CaseOpenedType is the type of every case's first event.
const CaseOpenedType = "CaseOpened"

// CaseOpened is the first event of every case.
type CaseOpened struct {
	Situation Situation     `json:"situation" fact:"required"`
	Office    string        `json:"office" fact:"required"`
	Citizen   Citizen       `json:"citizen" fact:"required"`
	OpenedOn  calendar.Date `json:"opened_on"`
}

// Open validates a request to open a case (API.md, POST /v1/cases) and
// returns the case's first event.
func Open(request []byte, ctx Context) (Recorded, error) {
	if err := mayRecord(ctx); err != nil {
		return Recorded{}, err
	}
	var (
		opened CaseOpened
		chk    check
	)
	decode(request, &opened, &chk, ctx.Today, calendar.Date{})
	if _, ok := situationFacts[opened.Situation]; opened.Situation != "" && !ok {
		chk.bad("situation", "unknown situation %q; known: %s", opened.Situation, joinSituations())
	}
	if len(chk.invalid) == 0 {
		cit := check{prefix: "citizen."}
		raw, _ := json.Marshal(opened.Citizen)
		decode(raw, &opened.Citizen, &cit, ctx.Today, calendar.Date{})
		if opened.Citizen.BirthDate.After(ctx.Today) {
			cit.refuse("birth_date", "%s is in the future", opened.Citizen.BirthDate)
		}
		chk.invalid = append(chk.invalid, cit.invalid...)
		chk.rules = append(chk.rules, cit.rules...)
	}
	if err := chk.err(); err != nil {
		return Recorded{}, err
	}
	opened.OpenedOn = ctx.Today
	return Recorded{Type: CaseOpenedType, Data: opened}, nil
}

func joinSituations() string {
	names := make([]string, 0, len(situationFacts))
	for _, s := range Situations() {
		names = append(names, string(s))
	}
	return strings.Join(names, ", ")
}

func mayRecord(ctx Context) error {
	if ctx.Role != Clerk && ctx.Role != ComplianceOfficer {
		return &ForbiddenError{fmt.Sprintf("role %q may not record facts", ctx.Role)}
	}
	return nil
}

// Record validates a fact a clerk wants to record on the case and returns the
// event to append. The case is not changed: Apply does that once the event is stored.
func (c *Case) Record(eventType string, data []byte, ctx Context) (Recorded, error) {
	if err := mayRecord(ctx); err != nil {
		return Recorded{}, err
	}
	newFact, known := facts[eventType]
	if !known || !slices.Contains(situationFacts[c.Situation], eventType) {
		return Recorded{}, &InvalidError{[]FieldError{{"type", fmt.Sprintf(
			"unknown event type %q for a %s case; allowed: %s",
			eventType, c.Situation, strings.Join(situationFacts[c.Situation], ", "))}}}
	}
	f := newFact()
	chk := check{prefix: "data."}
	decode(data, f, &chk, ctx.Today, c.Citizen.BirthDate)
	if len(chk.invalid) == 0 {
		f.check(c, ctx, &chk)
	}
	if err := chk.err(); err != nil {
		return Recorded{}, err
	}
	return Recorded{Type: eventType, Data: f}, nil
}

// Apply folds one stored event into the case. It fails only on an event
// this version of lhuta cannot read.
func (c *Case) Apply(eventType string, version int64, data []byte) error {
	if eventType == CaseOpenedType {
		var o CaseOpened
		if err := json.Unmarshal(data, &o); err != nil {
			return fmt.Errorf("read %s: %w", eventType, err)
		}
		c.Situation, c.Office, c.Citizen, c.OpenedOn = o.Situation, o.Office, o.Citizen, o.OpenedOn
		c.Version = version
		return nil
	}
	newFact, ok := facts[eventType]
	if !ok {
		return fmt.Errorf("unknown event type %q", eventType)
	}
	f := newFact()
	if err := json.Unmarshal(data, f); err != nil {
		return fmt.Errorf("read %s: %w", eventType, err)
	}
	f.apply(c)
	c.Version = version
	return nil
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
