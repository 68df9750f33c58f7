package cases

import (
	"regexp"
	"strings"
)

// Who works on the case, which every situation takes, and the case's
// reference, which the service records.
const (
	CaseAssignedType          EventType = "CaseAssigned"
	CaseUnassignedType        EventType = "CaseUnassigned"
	CaseReferenceAssignedType EventType = "CaseReferenceAssigned"
)

// assignmentEvents declares them (docs/events.md).
var assignmentEvents = []eventDecl{
	{typ: CaseAssignedType, label: "Přidělení případu", new: newFact[CaseAssigned], staff: true},
	{typ: CaseUnassignedType, label: "Zrušení přidělení případu", new: newFact[CaseUnassigned], staff: true},
	{typ: CaseReferenceAssignedType, label: "Přidělení spisové značky", new: newFact[CaseReferenceAssigned], system: true},
}

// CaseAssigned: the case was given to a staff member to work on (a
// worklist, GET /v1/worklist); it replaces an earlier assignment.
type CaseAssigned struct {
	// To is the staff member's name, as their token or sign-in names them.
	To   string `json:"to" fact:"required,public"`
	Note string `json:"note,omitempty" fact:"text"`
}

func (e *CaseAssigned) decide(c *Case, _ Context, chk *check) {
	if strings.TrimSpace(e.To) != e.To {
		chk.bad("to", "must not begin or end with white space")
	} else if c.Assignee == e.To {
		chk.refuse("to", "the case is already assigned to %s", e.To)
	}
}

func (e *CaseAssigned) evolve(c *Case) { c.Assignee = e.To }

// CaseUnassigned: the case is nobody's to work on any more.
type CaseUnassigned struct {
	Note string `json:"note,omitempty" fact:"text"`
}

func (e *CaseUnassigned) decide(c *Case, _ Context, chk *check) {
	if c.Assignee == "" {
		chk.refuse("", "the case is assigned to nobody")
	}
}

func (e *CaseUnassigned) evolve(c *Case) { c.Assignee = "" }

// CaseReferenceAssigned: the service gave a case opened before references
// existed its reference (migration 00060, in the order the cases were
// opened); the API never takes it.
type CaseReferenceAssigned struct {
	Reference string `json:"reference" fact:"required,public"`
}

// referencePattern is the shape of a reference: office, year, five digits.
var referencePattern = regexp.MustCompile(`^.+/[0-9]{4}/[0-9]{5,}$`)

func (e *CaseReferenceAssigned) decide(_ *Case, _ Context, chk *check) {
	if !referencePattern.MatchString(e.Reference) {
		chk.bad("reference", "is not <office>/<year>/<sequence>")
	}
}

func (e *CaseReferenceAssigned) evolve(c *Case) {
	if c.Reference == "" {
		c.Reference = e.Reference
	}
}
