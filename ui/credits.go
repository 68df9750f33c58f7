package ui

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/lhuta/lhuta/internal/credits"
)

// --- Unmatched credits (docs/LAW.md §9.1): the fee department's list ---

// unmatchedCredit is one credit as the API answered it, with its Czech status.
type unmatchedCredit struct{ credits.Credit }

// StatusLabel is the credit's status in Czech.
func (c unmatchedCredit) StatusLabel() string {
	switch c.Status {
	case credits.Open:
		return "čeká na rozhodnutí"
	case credits.Assigned:
		return "přiřazeno"
	case credits.Returned:
		return "k vrácení plátci"
	}
	return string(c.Status)
}

// ShortCase is the start of the case's id; the link carries all of it.
func (c unmatchedCredit) ShortCase() string { return shortID(c.CaseID) }

type creditsPage struct {
	Filters     []formField
	Credits     []unmatchedCredit
	Next, First string
	CSV         string
}

// creditsPage lists the unmatched credits (GET /v1/unmatched-credits), the
// open ones unless another status is chosen, each open one with a form to
// assign it to a case and one to mark it for refund.
func (con *Console) creditsPage(w http.ResponseWriter, r *http.Request) {
	s := current(r)
	q, list, ok := readList[credits.Credit](con, w, r, "/v1/unmatched-credits", string(credits.Open), "status", "office")
	if !ok {
		return
	}
	p := creditsPage{Filters: filterFields(r, q,
		formField{Name: "status", Kind: "select", Options: []option{{"", "všechny"}, {"open", "čeká na rozhodnutí"},
			{"assigned", "přiřazeno"}, {"returned", "k vrácení plátci"}}},
		formField{Name: "office", Kind: "line"}, formField{Name: "limit", Kind: "number"})}
	for _, c := range list.Items {
		p.Credits = append(p.Credits, unmatchedCredit{c})
	}
	p.Next, p.First, p.CSV, _, _ = pageLinks("/ui/unmatched-credits", q, list.Next)
	con.render(w, r, http.StatusOK, "credits", s, "Nespárované platby", p)
}

// assignCredit sends the assignment form to the API and, once it recorded
// the payment, shows the list again.
func (con *Console) assignCredit(w http.ResponseWriter, r *http.Request) {
	con.decideCredit(w, r, "assign", map[string]string{"case_id": strings.TrimSpace(r.PostFormValue("case_id"))})
}

// returnCredit sends the refund form to the API.
func (con *Console) returnCredit(w http.ResponseWriter, r *http.Request) {
	con.decideCredit(w, r, "return", map[string]string{"reason": strings.TrimSpace(r.PostFormValue("reason"))})
}

func (con *Console) decideCredit(w http.ResponseWriter, r *http.Request, action string, body map[string]string) {
	a := con.call(r, http.MethodPost, "/v1/unmatched-credits/"+pathID(r)+"/"+action, nil, body, nil)
	if a.status != http.StatusOK && a.status != http.StatusCreated {
		con.refused(w, r, a)
		return
	}
	http.Redirect(w, r, "/ui/unmatched-credits?"+url.Values{"status": {"open"}}.Encode(), http.StatusSeeOther)
}
