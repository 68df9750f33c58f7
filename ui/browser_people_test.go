package ui_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/internal/testdb"
)

// TestBrowserPeople walks the counter's people in headless Chromium: eva, a
// clerk of Praha 1, finds Jiří Dvořák by his name typed without accents and
// with them, opens his case by its reference, assigns it to herself and
// finds its overdue report and its soon-due application in "Moje případy",
// soonest first and marked. Petr, a clerk of Brno, finds nobody by the same
// name, and the case's reference finds nothing for him. axe-core checks
// each page.
func TestBrowserPeople(t *testing.T) {
	today := calendar.NewDate(2026, time.April, 14)
	st := newStack(t, testdb.SQLite(t), today)
	// Two lost cards: reported on 16 March (apply for a new one within 15
	// working days: overdue) and on 27 March (by 21 April, within the next
	// five working days); the second is eva's already.
	lost := func(on string) string {
		st.api("POST", "/v1/cases", "praha-clerk", map[string]any{"situation": "id_card_incident", "office": "Praha 1",
			"citizen": map[string]string{"id": "c-dvorak", "birth_date": "1980-04-01", "full_name": "Jiří Dvořák"}})
		id := st.lastID
		st.api("POST", "/v1/cases/"+id+"/events", "praha-clerk", map[string]any{"type": "IncidentReported",
			"data": map[string]any{"kind": "lost", "reported_on": on, "reported_to": "municipal_office"}})
		return id
	}
	id := lost("2026-03-16")
	st.api("POST", "/v1/cases/"+lost("2026-03-27")+"/events", "praha-clerk", map[string]any{"type": "CaseAssigned", "data": map[string]any{"to": "eva"}})
	overdue := calendar.WorkingDaysAfter(calendar.NewDate(2026, time.March, 16), 15)
	pos := st.api("POST", "/v1/cases", "brno-clerk", map[string]any{"situation": "id_card_incident", "office": "Brno",
		"citizen": map[string]string{"id": "c-dvorakova", "birth_date": "1975-01-02", "full_name": "Eva Dvořáková"}})
	ctx := chromium(t)

	run(ctx, t, "sign in as eva of Praha 1", chromedp.Navigate(st.url+"/ui/"), chromedp.WaitVisible(chromedp.CSS("#f-token")),
		chromedp.SendKeys(chromedp.CSS("#f-token"), "praha-clerk"+kb.Enter), chromedp.WaitVisible(chromedp.CSS("#f-q")))
	for _, q := range []string{"dvorak", "Dvořák"} {
		run(ctx, t, "search "+q, chromedp.Navigate(fmt.Sprintf("%s/ui/cases?min_position=%d", st.url, pos)),
			chromedp.WaitVisible(chromedp.CSS("#f-q")),
			chromedp.SendKeys(chromedp.CSS("#f-q"), q+kb.Enter), chromedp.WaitVisible(chromedp.CSS("#h-found")))
		got := text(ctx, t, "main")
		if !strings.Contains(got, "Jiří Dvořák") || !strings.Contains(got, "1. 4. 1980") || !strings.Contains(got, "Praha 1/2026/00001") {
			t.Errorf("searching %q finds: %s", q, got)
		}
		if strings.Contains(got, "Eva Dvořáková") {
			t.Errorf("searching %q as a clerk of Praha 1 finds Brno's citizen", q)
		}
	}
	checkA11y(ctx, t, "citizens found")
	shot(ctx, t, "15-hledani-obcana")

	run(ctx, t, "open the case by its reference", chromedp.Click(chromedp.CSS(`table.found a[href="/ui/cases/`+id+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#assign-me")))
	if got := text(ctx, t, "#assign-me"); got != "Přidělit mně (eva)" {
		t.Errorf("the assign button says %q", got)
	}
	run(ctx, t, "assign the case to herself", chromedp.Click(chromedp.CSS("#assign-me")), chromedp.WaitVisible(chromedp.CSS(".saved")))
	if got := text(ctx, t, "dl.facts"); !strings.Contains(got, "Přiděleno") || !strings.Contains(got, "eva") {
		t.Errorf("the case's facts after the assignment: %q", got)
	}
	if n := value(ctx, t, "the assign button", chromedp.Evaluate[int](`document.querySelectorAll('#assign-me').length`)); n != 0 {
		t.Error("the case assigned to eva still offers to assign it to her")
	}
	checkA11y(ctx, t, "case assigned")

	run(ctx, t, "open Moje případy", chromedp.Click(chromedp.CSS(`nav a[href="/ui/my"]`)), chromedp.WaitVisible(chromedp.CSS("table.worklist")))
	rows := value(ctx, t, "read the worklist", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('table.worklist tbody tr')].map(r => r.innerText.replace(/\s+/g, ' ').trim())`))
	if len(rows) != 2 || !strings.HasPrefix(rows[0], overdue.Czech()+" po lhůtě Praha 1/2026/00001 Jiří Dvořák Praha 1 Požádat o nový OP") ||
		!strings.HasPrefix(rows[1], "21. 4. 2026 lhůta se blíží Praha 1/2026/00002") {
		t.Errorf("Moje případy: %q", rows)
	}
	if !hasClass(ctx, t, "table.worklist tbody tr:first-child td:nth-child(2)", "status-overdue") ||
		!hasClass(ctx, t, "table.worklist tbody tr:nth-child(2) td:nth-child(2)", "status-due_soon") {
		t.Error("the overdue and due-soon items are not marked")
	}
	checkA11y(ctx, t, "Moje případy")
	shot(ctx, t, "16-moje-pripady")

	run(ctx, t, "sign out", chromedp.Click(chromedp.CSS("header form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#f-token")))
	run(ctx, t, "sign in as petr of Brno", chromedp.SendKeys(chromedp.CSS("#f-token"), "brno-clerk"+kb.Enter), chromedp.WaitVisible(chromedp.CSS("#f-q")))
	for _, q := range []string{"Jiří Dvořák", "Praha 1/2026/00001"} {
		run(ctx, t, "search "+q+" in Brno", chromedp.Navigate(st.url+"/ui/cases?q="+url.QueryEscape(q)), chromedp.WaitVisible(chromedp.CSS("#f-q")))
		if got := text(ctx, t, "main"); strings.Contains(got, "Jiří Dvořák") && !strings.Contains(got, "Mezi občany") || strings.Contains(got, "Přidělit") {
			t.Errorf("petr of Brno searching %q sees: %s", q, got)
		}
		if a := value(ctx, t, "links to the case", chromedp.Evaluate[int](`document.querySelectorAll('a[href="/ui/cases/`+id+`"]').length`)); a != 0 {
			t.Errorf("petr of Brno searching %q gets a link to Praha 1's case", q)
		}
	}
	if got := text(ctx, t, "main"); !strings.Contains(got, "Mezi občany vašich úřadů nikdo") && !strings.Contains(got, "spisovou značkou mezi případy vašich úřadů není") {
		t.Errorf("petr of Brno is not told that nothing was found: %s", got)
	}
	run(ctx, t, "open Praha 1's case by its address", chromedp.Navigate(st.url+"/ui/cases/"+id), chromedp.WaitVisible(chromedp.CSS("main")))
	if got := text(ctx, t, "main"); strings.Contains(got, "Jiří Dvořák") || !strings.Contains(got, "Nenalezeno") {
		t.Errorf("petr of Brno opening Praha 1's case sees: %s", got)
	}
}
