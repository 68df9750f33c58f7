package views

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/lhuta/lhuta/domain/calendar"
)

// NameKey folds a name for search: Unicode NFD without its combining marks
// (accents), lower case, single spaces, so that "dvořák" finds "Dvořák".
func NameKey(name string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(name) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// CaseItem is one case in a list (GET /v1/cases).
type CaseItem struct {
	ID        string        `json:"id"`
	Reference string        `json:"reference"`
	Situation string        `json:"situation"`
	Office    string        `json:"office"`
	Status    string        `json:"status"`
	OpenedOn  calendar.Date `json:"opened_on"`
	FullName  string        `json:"full_name"`
	Assignee  string        `json:"assignee"`
}

// CaseFilter selects cases for a list.
type CaseFilter struct {
	// Scope, if not nil, keeps the cases of these offices only.
	Scope []string
	AsOf  calendar.Date
	// Reference finds one case by its reference.
	Reference string
	Office    string
	Limit     int
	After     string // a cursor from a previous page
	// Sort is SortDefault (by the day opened), SortName or SortOffice.
	Sort Sort
}

// Cases lists cases by date of opening and id, a page at a time.
func (r *Reader) Cases(ctx context.Context, f CaseFilter) ([]CaseItem, string, error) {
	w := newWhere(f.AsOf, "opened_on <= $1")
	if f.Reference != "" {
		w.add("reference = ?", f.Reference)
	}
	w.offices(f.Office, f.Scope)
	order := orderingOf(f.Sort, "opened_on", "", "text")
	if err := order.after(w, f.After); err != nil {
		return nil, "", err
	}
	q := `SELECT case_id, reference, situation, office, opened_on, closed_on, full_name, assignee
		FROM case_view WHERE ` + w.sql() + order.sql() + w.limit(f.Limit)
	return pageOf(ctx, r.db, q, w.args, order, f.Limit, func(rows *sql.Rows) (CaseItem, []string, error) {
		var (
			it             CaseItem
			opened, closed DBDate
		)
		err := rows.Scan(&it.ID, &it.Reference, &it.Situation, &it.Office, &opened, &closed, &it.FullName, &it.Assignee)
		it.OpenedOn, it.Status = opened.Date, caseStatus(closed.Date, f.AsOf)
		return it, sortKey(f.Sort, it.FullName, it.Office, it.OpenedOn.String(), it.ID), err
	})
}

func caseStatus(closed, asOf calendar.Date) string {
	if !closed.IsZero() && !closed.After(asOf) {
		return "closed"
	}
	return "open"
}

// Citizen is a citizen found by a search, with the cases that name them.
type Citizen struct {
	ID          string        `json:"id"`
	FullName    string        `json:"full_name"`
	BirthDate   calendar.Date `json:"birth_date"`
	BirthNumber string        `json:"birth_number,omitempty"`
	// Cases are the ids of the citizen's cases the searcher may see.
	Cases []string `json:"cases"`
}

// CitizenQuery is what a counter search looks for: a birth date, a birth
// number's digits, or a part of a name folded by NameKey (exactly one).
type CitizenQuery struct {
	Scope       []string
	BirthDate   calendar.Date
	BirthNumber string
	Name        string
	Limit       int
}

// maxCitizenCases bounds the case rows one search reads.
const maxCitizenCases = 5000

// Citizens finds citizens by birth date, birth number or name, from their
// cases in scope; a citizen shows the name and dates of their latest case.
func (r *Reader) Citizens(ctx context.Context, q CitizenQuery) ([]Citizen, error) {
	w := &where{}
	switch {
	case !q.BirthDate.IsZero():
		w.add("birth_date = ?", q.BirthDate.String())
	case q.BirthNumber != "":
		w.add("birth_number = ?", BirthNumberDigits(q.BirthNumber))
	default:
		esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(NameKey(q.Name))
		w.add(`name_key LIKE ? ESCAPE '\'`, "%"+esc+"%")
	}
	w.scope(q.Scope)
	w.args = append(w.args, maxCitizenCases)
	rows, err := r.db.QueryContext(ctx, `SELECT citizen_id, full_name, birth_date, birth_number, case_id FROM case_view WHERE `+w.sql()+
		fmt.Sprintf(` ORDER BY citizen_id, opened_on, case_id LIMIT $%d`, len(w.args)), w.args...)
	if err != nil {
		return nil, err
	}
	found := []Citizen{}
	for rows.Next() {
		var (
			c      Citizen
			born   DBDate
			caseID string
		)
		if err := rows.Scan(&c.ID, &c.FullName, &born, &c.BirthNumber, &caseID); err != nil {
			_ = rows.Close()
			return nil, err
		}
		c.BirthDate = born.Date
		if n := len(found); n > 0 && found[n-1].ID == c.ID {
			last := &found[n-1]
			last.FullName, last.BirthDate, last.BirthNumber = c.FullName, c.BirthDate, c.BirthNumber
			last.Cases = append(last.Cases, caseID)
			continue
		}
		if q.Limit > 0 && len(found) == q.Limit {
			break
		}
		c.Cases = []string{caseID}
		found = append(found, c)
	}
	return found, errors.Join(rows.Err(), rows.Close())
}

// placeholder is a query parameter, $n.
var placeholder = regexp.MustCompile(`\$[0-9]+`)

// WorkItem is one pending obligation or office deadline of a worklist.
type WorkItem struct {
	CaseID    string `json:"case_id"`
	Reference string `json:"reference"`
	FullName  string `json:"full_name"`
	Office    string `json:"office"`
	Assignee  string `json:"assignee"`
	// Kind is "obligation" (the citizen's) or "sla" (the office's processing deadline).
	Kind string `json:"kind"`
	// What is the obligation, or the document the office issues.
	What   string        `json:"what"`
	DueOn  calendar.Date `json:"due_on"`
	Status string        `json:"status"`
}

// Worklist statuses: overdue, due within the next five working days, not
// overdue (open); "" is every pending item.
const (
	WorkOverdue = "overdue"
	WorkDueSoon = "due_soon"
	WorkOpen    = "open"
)

// WorklistFilter selects a worklist.
type WorklistFilter struct {
	Scope []string
	AsOf  calendar.Date
	// Assignee is whose cases ("" for the cases assigned to nobody).
	Assignee string
	Status   string
	// DueSoonBy is the last day of due_soon: five working days after AsOf.
	DueSoonBy calendar.Date
	Limit     int
	Sort      Sort
}

// Worklist lists the pending obligations and office deadlines of the cases
// assigned to one staff member (or to nobody) as of a day, soonest due first.
func (r *Reader) Worklist(ctx context.Context, f WorklistFilter) ([]WorkItem, error) {
	part := func(table, what, kind, pending, exists string) (string, []any) {
		w := newWhere(f.AsOf, exists)
		w.cond(pending)
		w.add("assignee = ?", f.Assignee)
		switch f.Status {
		case WorkOverdue:
			w.cond("due_on < $1")
		case WorkDueSoon:
			w.add("due_on >= $1 AND due_on <= ?", f.DueSoonBy.String())
		case WorkOpen:
			w.cond("due_on >= $1")
		}
		w.scope(f.Scope)
		return `SELECT case_id, reference, full_name, office, assignee, '` + kind + `' AS kind, ` + what + ` AS what, due_on, name_key FROM ` +
			table + ` WHERE ` + w.sql(), w.args
	}
	obligations, args := part("obligation_view", "obligation", "obligation", pendingOn, "triggered_on <= $1")
	slas, slaArgs := part("sla_view", "document", "sla", "(ready_on IS NULL OR ready_on > $1)", "filed_on <= $1")
	// Both parts number their parameters from $1; the second's move past the first's.
	shift := len(args) - 1
	slas = placeholder.ReplaceAllStringFunc(slas, func(p string) string {
		if n, _ := strconv.Atoi(p[1:]); n > 1 {
			return fmt.Sprintf("$%d", n+shift)
		}
		return p
	})
	args = append(args, slaArgs[1:]...)
	order := orderingOf(f.Sort, "due_on", "kind, what", "text").sql()
	q := `SELECT case_id, reference, full_name, office, assignee, kind, what, due_on FROM (` + obligations + ` UNION ALL ` + slas +
		`) AS work` + order
	if f.Limit > 0 {
		args = append(args, f.Limit)
		q += fmt.Sprintf(" LIMIT $%d", len(args))
	}
	return collect(ctx, r.db, q, args, func(rows *sql.Rows) (WorkItem, error) {
		var (
			it  WorkItem
			due DBDate
		)
		err := rows.Scan(&it.CaseID, &it.Reference, &it.FullName, &it.Office, &it.Assignee, &it.Kind, &it.What, &due)
		it.DueOn, it.Status = due.Date, WorkOpen
		switch {
		case due.Before(f.AsOf):
			it.Status = WorkOverdue
		case !due.After(f.DueSoonBy):
			it.Status = WorkDueSoon
		}
		return it, err
	})
}
