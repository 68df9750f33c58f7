package ui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/google/uuid"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/projections/views"
)

// --- Finding citizens and cases ---

// foundCitizen is a citizen a search found, with the cases the user may see.
type foundCitizen struct {
	views.Citizen
	Cases []views.CitizenCase
}

// maxFoundShown bounds the citizens whose cases a search page lists.
const maxFoundShown = 20

// findPage answers the search: a case's UUID or reference opens the case;
// anything else finds citizens by name (accents ignored), birth date or
// birth number through GET /v1/citizens (which audits every match).
func (con *Console) findPage(w http.ResponseWriter, r *http.Request) {
	s := current(r)
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	d := findData{Query: q, Situations: situationOptions(), CanOpen: may(s.who.Role, "POST", "/v1/cases"), Recent: con.recentCases(s)}
	if !con.permitted(w, r, s, "GET", "/v1/cases/{id}", "K této stránce nemáte oprávnění.") {
		return
	}
	status := http.StatusOK
	switch {
	case q == "":
	case isUUID(q):
		http.Redirect(w, r, "/ui/cases/"+uuid.MustParse(q).String(), http.StatusSeeOther) //nolint:gosec // a path of the console with a parsed UUID
		return
	case referencePattern.MatchString(q):
		var page apiPage[views.CaseItem]
		if !con.get(w, r, "/v1/cases", url.Values{"reference": {q}}, &page) {
			return
		}
		if len(page.Items) == 1 {
			http.Redirect(w, r, "/ui/cases/"+url.PathEscape(page.Items[0].ID), http.StatusSeeOther)
			return
		}
		d.Error, status = "Případ s touto spisovou značkou mezi případy vašich úřadů není.", http.StatusNotFound
	default:
		a := con.call(r, http.MethodGet, "/v1/citizens", url.Values{"q": {q}}, nil, nil)
		switch a.status {
		case http.StatusOK:
		case http.StatusBadRequest:
			d.Error, status = "Zadejte alespoň 2 znaky jména, datum narození (1. 4. 1980), rodné číslo, spisovou značku (Praha 1/2026/00001) nebo číslo případu.", http.StatusBadRequest
		default:
			con.refused(w, r, a)
			return
		}
		if a.status == http.StatusOK {
			var found struct {
				Items []views.Citizen `json:"items"`
			}
			if !decode(a.body, &found) {
				con.fail(w, r, s, http.StatusInternalServerError, "Odpověď služby nelze přečíst.")
				return
			}
			d.Searched = true
			for i, c := range found.Items {
				fc := foundCitizen{Citizen: c}
				if i < maxFoundShown {
					var list []views.CitizenCase
					if !con.get(w, r, "/v1/citizens/"+url.PathEscape(c.ID)+"/cases", nil, &struct {
						Items *[]views.CitizenCase `json:"items"`
					}{&list}) {
						return
					}
					fc.Cases = list
				}
				d.Found = append(d.Found, fc)
			}
		}
	}
	con.render(w, r, status, "find", s, "Případy", d)
}

// referencePattern is a case's reference, <office>/<year>/<five digits>.
var referencePattern = regexp.MustCompile(`^[^/]+/[0-9]{4}/[0-9]{5}$`)

func isUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) >= 32
}

// --- My cases ---

type myPage struct {
	Rows        []workRow
	AsOf        calendar.Date
	Overdue     int
	DueSoon     int
	CSV, Export string
}

type workRow struct {
	views.WorkItem
	What, Status string
}

// myCasesPage lists the obligations and office deadlines of the cases
// assigned to the user (GET /v1/worklist?assignee=me), soonest due first,
// overdue and due-soon ones marked.
func (con *Console) myCasesPage(w http.ResponseWriter, r *http.Request) {
	s := current(r)
	var list struct {
		Items []views.WorkItem `json:"items"`
	}
	q := url.Values{"assignee": {"me"}, "limit": {"500"}}
	if sort := r.URL.Query().Get("sort"); sort != "" {
		q.Set("sort", sort)
	}
	if !con.get(w, r, "/v1/worklist", q, &list) {
		return
	}
	p := myPage{AsOf: con.cfg.Today(), CSV: "/ui/worklist.csv?assignee=me&export=all", Export: "/ui/worklist.csv?assignee=me&export=all&csv=excel"}
	for _, it := range list.Items {
		what := label(it.What)
		if it.Kind == "sla" {
			what = "Vydat doklad: " + label(it.What)
		}
		p.Rows = append(p.Rows, workRow{WorkItem: it, What: what, Status: label(it.Status)})
		switch it.Status {
		case views.WorkOverdue:
			p.Overdue++
		case views.WorkDueSoon:
			p.DueSoon++
		}
	}
	con.render(w, r, http.StatusOK, "my", s, "Moje případy", p)
}

// assignToMe records CaseAssigned {to: the user} on the case
// (POST /v1/cases/{id}/events) and shows the case again.
func (con *Console) assignToMe(w http.ResponseWriter, r *http.Request) {
	s := current(r)
	body := map[string]any{"type": string(cases.CaseAssignedType), "data": map[string]any{"to": s.who.Name}}
	a := con.call(r, http.MethodPost, "/v1/cases/"+pathID(r)+"/events", nil, body, map[string]string{"Idempotency-Key": r.PostFormValue("idem")})
	if a.status != http.StatusCreated {
		con.refused(w, r, a)
		return
	}
	var out written
	_ = decode(a.body, &out)
	http.Redirect(w, r, fmt.Sprintf("/ui/cases/%s?min_position=%d&saved=1", pathID(r), out.Position), http.StatusSeeOther)
}

// isoDate turns a date typed the Czech way (1. 4. 1980, 1.4.1980) into
// the API's YYYY-MM-DD; anything else is sent as typed, for the API to
// refuse by name.
func isoDate(v string) string {
	if d, err := calendar.ParseCzechDate(v); err == nil {
		return d.String()
	}
	return v
}

// decode reads an API answer's JSON.
func decode(b []byte, v any) bool { return json.Unmarshal(b, v) == nil }

// dateHint is the hint of a date field.
const dateHint = "d. m. rrrr, např. 1. 4. 2026 (nebo RRRR-MM-DD)"
