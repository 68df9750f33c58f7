package handlers

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/internal/caseport"
	"github.com/lhuta/lhuta/projections/views"
)

// listCases answers GET /v1/cases: the cases in the caller's scope by date
// of opening, or the one case of ?reference=. Items name the citizen, so
// each case listed is logged as a personal-data read.
func (s *Server) listCases(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := views.CaseFilter{Scope: scope(r), Reference: strings.TrimSpace(q.Get("reference")), Office: q.Get("office"), After: q.Get("cursor")}
	var ok bool
	if f.AsOf, ok = s.asOfParam(w, r); !ok {
		return
	}
	if f.Sort, f.Limit, ok = s.pageParams(w, r, undatedSorts); !ok {
		return
	}
	serveFiltered(s, w, r, &f, &f.After, &f.Limit, s.reader.Cases, func(items []views.CaseItem) {
		s.audit(r, caseIDs(items, func(it views.CaseItem) string { return it.ID })...)
	})
}

// birthNumberQuery is what a birth number looks like in a search: six
// digits, an optional slash, three or four digits.
var birthNumberQuery = regexp.MustCompile(`^[0-9]{6}/?[0-9]{3,4}$`)

// maxCitizens bounds the citizens one search answers.
const maxCitizens = 50

// findCitizens answers GET /v1/citizens?q=: citizens of the caller's
// offices by birth date (d. m. rrrr, d.m.rrrr or YYYY-MM-DD), birth number,
// or a part of the name (accents and case ignored). Each case of each
// citizen found is logged as a personal-data read.
func (s *Server) findCitizens(w http.ResponseWriter, r *http.Request) {
	raw := strings.TrimSpace(r.URL.Query().Get("q"))
	query := views.CitizenQuery{Scope: scope(r), Limit: maxCitizens}
	switch {
	case len([]rune(raw)) < 2:
		badRequest(w, "q", "give at least 2 characters of a name, a birth date (1. 4. 1980) or a birth number")
		return
	case len(raw) > 200:
		badRequest(w, "q", "is longer than 200 bytes")
		return
	case birthNumberQuery.MatchString(raw):
		query.BirthNumber = raw
	default:
		if d, err := calendar.ParseCzechDate(raw); err == nil {
			query.BirthDate = d
		} else if strings.ContainsAny(raw, "0123456789") {
			badRequest(w, "q", "is neither a date that exists (d. m. rrrr or YYYY-MM-DD) nor a birth number (######/####)")
			return
		} else {
			query.Name = raw
		}
	}
	if !notKnownAt(w, r) || !s.waitMinPosition(w, r) {
		return
	}
	found, err := caseport.Read(r.Context(), func() ([]views.Citizen, error) { return s.reader.Citizens(r.Context(), query) })
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	var read []string
	for _, c := range found {
		read = append(read, c.Cases...)
	}
	s.audit(r, read...)
	writeJSON(w, http.StatusOK, map[string]any{"items": found})
}

// dueSoonDays is how many working days ahead due_soon looks.
const dueSoonDays = 5

var workStatuses = []string{views.WorkOverdue, views.WorkDueSoon, views.WorkOpen}

// worklist answers GET /v1/worklist?assignee=me|<name>|none&status=…: the
// pending obligations and office deadlines of the cases assigned to
// someone (or to nobody) in the caller's scope, soonest due first.
func (s *Server) worklist(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := views.WorklistFilter{Scope: scope(r), Status: q.Get("status")}
	switch a := strings.TrimSpace(q.Get("assignee")); a {
	case "", "me":
		f.Assignee = identity(r).Name
	case "none":
	default:
		f.Assignee = a
	}
	if !oneOf(w, "status", f.Status, workStatuses) {
		return
	}
	var ok bool
	if f.AsOf, ok = s.asOfParam(w, r); !ok {
		return
	}
	f.DueSoonBy = calendar.WorkingDaysAfter(f.AsOf, dueSoonDays)
	if f.Sort, f.Limit, ok = s.pageParams(w, r, datedSorts); !ok {
		return
	}
	export := q.Get("export") == "all"
	if export {
		f.Limit = 0 // the whole worklist, which is one page
	}
	items, err := caseport.Read(r.Context(), func() ([]views.WorkItem, error) { return s.reader.Worklist(r.Context(), f) })
	if err == nil {
		s.audit(r, caseIDs(items, func(it views.WorkItem) string { return it.CaseID })...)
	}
	if export && err == nil {
		writeCSV(w, r, items, "")
		return
	}
	s.writeList(w, r, items, "", err)
}
