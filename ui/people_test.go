package ui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lhuta/lhuta/internal/testdb"
)

// A date is typed the Czech way, with or without spaces, in the forms that
// record events and open cases; the case page explains the fee in Czech
// and labels the assignment's "to" as a person.
func TestCzechDatesAndTheFeeInCzech(t *testing.T) {
	st := newStack(t, testdb.SQLite(t), today)
	b := st.browser()
	token := b.signIn("clerk-token")
	p := b.do(http.MethodPost, "/ui/cases", url.Values{"csrf": {token}, "idem": {"open-cz"}, "situation": {"id_card_incident"},
		"office": {"Praha 1"}, "citizen.full_name": {"Jana Nováková"}, "citizen.id": {"c-cz"}, "citizen.birth_date": {"17.5.1980"}})
	m := caseLink.FindStringSubmatch(p.location)
	if p.status != http.StatusSeeOther || m == nil {
		t.Fatalf("open a case with the birth date 17.5.1980: %d %s", p.status, p.body)
	}
	id := m[1]
	last := ""
	for i, rec := range []url.Values{
		{"type": {"IncidentReported"}, "version": {"1"}, "kind": {"lost"}, "reported_on": {"27. 3. 2026"}, "reported_to": {"police"}},
		{"type": {"ApplicationFiled"}, "version": {"2"}, "document": {"id_card"}, "filed_on": {"27.3.2026"}, "track": {"standard"},
			"filing_office": {"municipal_office"}},
	} {
		rec.Set("csrf", token)
		rec.Set("idem", "cz-"+rec.Get("type"))
		p := b.do(http.MethodPost, "/ui/cases/"+id+"/record", rec)
		if p.status != http.StatusSeeOther {
			t.Fatalf("record %d with a Czech date: %d %s", i, p.status, p.body)
		}
		last = p.location
	}
	page := b.get(last).body
	for _, want := range []string{"17. 5. 1980", "21. 4. 2026", "protože dosavadní průkaz byl ztracen: 100 Kč"} {
		if !strings.Contains(page, want) {
			t.Errorf("the case page lacks %q", want)
		}
	}
	if strings.Contains(page, "card without chip because") {
		t.Error("the case page explains the fee in English")
	}
	form := b.get("/ui/cases/" + id + "/record?type=CaseAssigned").body
	if !strings.Contains(form, `<label for="f-to">Komu (přihlašovací jméno pracovníka)`) {
		t.Errorf("the assignment form's to:\n%s", form)
	}
}
