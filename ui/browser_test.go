package ui_test

import (
	"context"
	_ "embed"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/internal/browsertest"
	"github.com/lhuta/lhuta/internal/testdb"
)

// The browser helpers of internal/browsertest, under the short names the
// tests read with.
var (
	chromium  = browsertest.Chromium
	run       = browsertest.Run
	text      = browsertest.Text
	hasClass  = browsertest.HasClass
	checkA11y = browsertest.CheckA11y
	shot      = browsertest.Shot
	serious   = browsertest.Serious
)

func value[T any](ctx context.Context, t *testing.T, what string, a chromedp.Action[T]) T {
	t.Helper()
	return browsertest.Value(ctx, t, what, a)
}

// newCaseOfJana opens the new-case form of situation from the cases page
// and fills in the office and Jana Nováková, born 17 May 1980, as citizen id.
func newCaseOfJana(situation, office, id string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Click(chromedp.CSS(`a[href="/ui/cases/new?situation=` + situation + `"]`)),
		chromedp.WaitVisible(chromedp.CSS("#f-office")),
		chromedp.SendKeys(chromedp.CSS("#f-office"), office),
		chromedp.SendKeys(chromedp.CSS("#f-citizen-full_name"), "Jana Nováková"),
		chromedp.SendKeys(chromedp.CSS("#f-citizen-id"), id),
		chromedp.SendKeys(chromedp.CSS("#f-citizen-birth_date"), "1980-05-17"),
	}
}

// TestBrowser walks the console in headless Chromium as a clerk and then a
// compliance officer: a clerk opens an ID card loss case and records the
// report, first with a date that does not exist (the API's error shows next
// to the field and nothing is stored), then corrected; the case page shows
// the deadline 15 working days later across Easter (Good Friday 3 April and
// Easter Monday 6 April 2026 are not counted). An officer finds the
// obligation overdue as of a later day and decides its flag, the fine held
// to its cap. Every main page passes axe-core without serious violations.
func TestBrowser(t *testing.T) {
	st := newStack(t, testdb.SQLite(t), today) // Monday 30 March 2026
	ctx := chromium(t)
	start := time.Now()

	// The check finds what it should: an image without a text alternative
	// and a field without a label are serious.
	run(ctx, t, "open a page with faults", chromedp.Navigate(`data:text/html,<!doctype html><html lang="cs"><title>x</title><main><img src="x.png"><input></main></html>`))
	if found := serious(ctx, t, "a faulty page"); len(found) < 2 {
		t.Errorf("axe found %v on a page with an unlabelled image and field", found)
	}

	// Sign in with the keyboard only: type the token, press Enter.
	run(ctx, t, "open the sign-in form", chromedp.Navigate(st.url+"/ui/"), chromedp.WaitVisible(chromedp.CSS("#f-token")))
	checkA11y(ctx, t, "sign-in")
	shot(ctx, t, "01-prihlaseni")
	run(ctx, t, "sign in as a clerk", chromedp.SendKeys(chromedp.CSS("#f-token"), "clerk-token"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("#f-q")))
	checkA11y(ctx, t, "cases")

	run(ctx, t, "open an ID card incident case", newCaseOfJana("id_card_incident", "Praha 1", "c-1042")...)
	checkA11y(ctx, t, "new case")
	shot(ctx, t, "02-novy-pripad")
	run(ctx, t, "submit the new case", chromedp.Click(chromedp.CSS("main form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#h-record")))
	if got := text(ctx, t, "main h1"); got != "Ztráta, odcizení, poškození nebo zničení OP" {
		t.Errorf("case page heading %q", got)
	}

	run(ctx, t, "open the report form",
		chromedp.Click(chromedp.CSS(`a[href$="/record?type=IncidentReported"]`)),
		chromedp.WaitVisible(chromedp.CSS("#f-reported_on")),
		chromedp.SetValue(chromedp.CSS("#f-kind"), "lost"),
		chromedp.SetValue(chromedp.CSS("#f-reported_to"), "police"),
		chromedp.SendKeys(chromedp.CSS("#f-reported_on"), "2026-02-30"))
	before := st.head()
	run(ctx, t, "submit a date that does not exist", chromedp.Click(chromedp.CSS("main form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#chyby")))
	if msg := text(ctx, t, "#f-reported_on-error"); !strings.Contains(msg, "2026-02-30") && !strings.Contains(msg, "date") {
		t.Errorf("the error next to the date says %q", msg)
	}
	if msg := text(ctx, t, "#f-kind-error"); msg != "" {
		t.Errorf("an error next to a right field: %q", msg)
	}
	if a := value(ctx, t, "aria-invalid", chromedp.AttributeValue(chromedp.CSS("#f-reported_on"), "aria-invalid")); a.Value != "true" {
		t.Errorf("the wrong field is not marked aria-invalid")
	}
	if st.head() != before {
		t.Errorf("a refused form stored an event")
	}
	checkA11y(ctx, t, "form with errors")
	shot(ctx, t, "03-chyba-u-pole")

	run(ctx, t, "correct the date", chromedp.Clear(chromedp.CSS("#f-reported_on")),
		chromedp.SendKeys(chromedp.CSS("#f-reported_on"), "2026-03-27"),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#h-obligations")))
	// Friday 27 March + 15 working days, Good Friday and Easter Monday left out.
	due := calendar.WorkingDaysAfter(calendar.NewDate(2026, time.March, 27), 15)
	if due != calendar.NewDate(2026, time.April, 21) {
		t.Fatalf("the calendar moved: %s", due)
	}
	if got := text(ctx, t, "td.due-date"); got != "21. 4. 2026" {
		t.Errorf("the deadline shown is %q, want 21. 4. 2026", got)
	}
	if !hasClass(ctx, t, `td[data-date="2026-04-21"]`, "due") {
		t.Error("the calendar does not mark 21 April as the deadline")
	}
	for _, d := range []string{"2026-04-03", "2026-04-06"} {
		if !hasClass(ctx, t, `td[data-date="`+d+`"]`, "holiday") {
			t.Errorf("the calendar does not mark %s as a holiday", d)
		}
	}
	if got := text(ctx, t, ".timeline li:first-child"); !strings.Contains(got, "alice") || !strings.Contains(got, "Ohlášení") {
		t.Errorf("the timeline's latest entry: %q", got)
	}
	checkA11y(ctx, t, "case")
	shot(ctx, t, "04-pripad")
	caseURL := value(ctx, t, "read the case's address", chromedp.Location())
	caseID := strings.TrimPrefix(strings.SplitN(caseURL, "?", 2)[0], st.url+"/ui/cases/")

	run(ctx, t, "sign out", chromedp.Click(chromedp.CSS("header form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#f-token")))

	// Five weeks later the officer looks at the overdue list as of 22 April.
	later := calendar.NewDate(2026, time.May, 4)
	st.today.Store(&later)
	run(ctx, t, "sign in as an officer", chromedp.SendKeys(chromedp.CSS("#f-token"), "officer-token"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("#f-as_of")))
	// Dates are typed as Czech people write them, with or without spaces,
	// or as YYYY-MM-DD; the filter shows them the Czech way.
	for _, c := range []struct {
		asOf, shown string
		listed      bool
	}{{"2026-04-21", "21. 4. 2026", false}, {"22.4.2026", "22. 4. 2026", true}} {
		run(ctx, t, "filter the overdue list as of "+c.asOf, chromedp.Clear(chromedp.CSS("#f-as_of")),
			chromedp.SendKeys(chromedp.CSS("#f-as_of"), c.asOf), chromedp.Click(chromedp.CSS("form.filters button")),
			chromedp.WaitVisible(chromedp.CSS(`input#f-as_of[value="`+c.shown+`"]`)))
		rows := value(ctx, t, "count rows", chromedp.Evaluate[int](`document.querySelectorAll('table.list a[href="/ui/cases/`+caseID+`"]').length`))
		if (rows == 1) != c.listed {
			t.Errorf("as of %s the case is listed %d times, want listed=%v", c.asOf, rows, c.listed)
		}
	}
	if got := text(ctx, t, "table.list tbody tr td.status-overdue"); got != "po lhůtě" {
		t.Errorf("status shown %q", got)
	}
	checkA11y(ctx, t, "overdue list")
	shot(ctx, t, "05-po-lhute")

	run(ctx, t, "open the flags", chromedp.Navigate(st.url+"/ui/flags"), chromedp.WaitVisible(chromedp.CSS(`a[href*="type=FlagReviewed"]`)))
	checkA11y(ctx, t, "flags")
	shot(ctx, t, "06-prestupky")
	// The flag is of zákon 269/2021, whose fine caps are not encoded: the
	// form says so (TestFineCap holds a capped fine of the old law).
	run(ctx, t, "open the decision form", chromedp.Click(chromedp.CSS(`a[href*="type=FlagReviewed"]`)),
		chromedp.WaitVisible(chromedp.CSS("#f-fine_czk")),
		chromedp.SetValue(chromedp.CSS("#f-decision"), "fined"),
		chromedp.SendKeys(chromedp.CSS("#f-fine_czk"), "2000"),
		chromedp.SendKeys(chromedp.CSS("#f-decided_on"), "2026-05-04"))
	if hint := text(ctx, t, "#f-fine_czk-hint"); !strings.Contains(hint, "strop") {
		t.Errorf("the fine's hint: %q", hint)
	}
	checkA11y(ctx, t, "flag decision")
	shot(ctx, t, "07-rozhodnuti")
	run(ctx, t, "decide the flag", chromedp.Click(chromedp.CSS("main form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#h-flags")))
	if got := text(ctx, t, "section[aria-labelledby=h-flags] tbody"); !strings.Contains(got, "uložena pokuta") || !strings.Contains(got, "2\u00a0000 Kč") {
		t.Errorf("the decided flag: %q", got)
	}

	// Other cases of two offices, recorded through the API, for the office
	// deadlines and the dashboard.
	pos := fmt.Sprint(st.seed())
	run(ctx, t, "open the office deadlines", chromedp.Navigate(st.url+"/ui/sla?min_position="+pos),
		chromedp.WaitVisible(chromedp.CSS("table.list td.status-breached")))
	checkA11y(ctx, t, "office deadlines")
	shot(ctx, t, "08-lhuty-uradu")
	run(ctx, t, "open the dashboard", chromedp.Navigate(st.url+"/ui/dashboard?from=2026-01-01&to=2026-05-04&offices=Praha+1,Brno&min_position="+pos),
		chromedp.WaitVisible(chromedp.CSS("svg.chart")))
	if got := text(ctx, t, ".kpi div:nth-child(2) dd"); got != "3" {
		t.Errorf("the dashboard counts %s overdue, want 3 (Brno's three)", got)
	}
	// Percentages the Czech way: a decimal comma, a no-break space before %.
	if got := text(ctx, t, ".kpi div:nth-child(3) dd"); !regexp.MustCompile("^[0-9]{1,3},[0-9]\u00a0%$").MatchString(got) {
		t.Errorf("the on-time rate is shown as %q, want 0,0 %%", got)
	}
	checkA11y(ctx, t, "dashboard")
	shot(ctx, t, "09-prehledy")
	t.Logf("browser walk took %s", time.Since(start).Round(time.Millisecond))
}

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

// media emulates a CSS media type ("print"; "" for the screen again).
func media(m string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m})
		return err
	})
}

// TestBrowserPayments walks the payments in headless Chromium: a clerk
// opens a local fee case at Nová Ves, records seed 004's liability (a
// resident of house 154 in the part Nová Ves from 15 January 2026) with the
// form of the event contract, and sees 1 200 Kč owed by 28 February 2026 (a Saturday, so by Monday 2 March)
// with VS 1541 and its QR Platba image; the slip prints alone (print media
// emulated: no menu, the slip and its QR shown); the fee department's list
// and the counter's page by citizen show it. axe-core checks each page.
func TestBrowserPayments(t *testing.T) {
	st := newStack(t, testdb.SQLite(t), calendar.NewDate(2026, time.February, 2))
	ctx := chromium(t)

	run(ctx, t, "sign in as a clerk", chromedp.Navigate(st.url+"/ui/"), chromedp.WaitVisible(chromedp.CSS("#f-token")),
		chromedp.SendKeys(chromedp.CSS("#f-token"), "clerk-token"+kb.Enter), chromedp.WaitVisible(chromedp.CSS("#f-citizen")))
	run(ctx, t, "open a local fee case", append(newCaseOfJana("local_fee", "nova-ves", "p-154"),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#h-record")))...)
	run(ctx, t, "record the liability",
		chromedp.Click(chromedp.CSS(`a[href$="/record?type=LocalFeeLiabilityArose"]`)),
		chromedp.WaitVisible(chromedp.CSS("#f-arose_on")),
		chromedp.SetValue(chromedp.CSS("#f-fee"), "waste"),
		chromedp.SendKeys(chromedp.CSS("#f-arose_on"), "2026-01-15"),
		chromedp.SendKeys(chromedp.CSS("#f-basis"), "permanent_residence"),
		chromedp.SendKeys(chromedp.CSS("#f-house_number"), "154"),
		chromedp.SendKeys(chromedp.CSS("#f-village_part"), "Nová Ves"))
	checkA11y(ctx, t, "local fee liability form")
	run(ctx, t, "submit the liability", chromedp.Click(chromedp.CSS("main form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#h-payments")))
	row := text(ctx, t, "table.payments tbody tr")
	for _, want := range []string{"poplatek za komunální odpad 2026", "1\u00a0200\u00a0Kč", "2. 3. 2026", "1541", "nezaplaceno"} {
		if !strings.Contains(row, want) {
			t.Errorf("the payment row %q lacks %q", row, want)
		}
	}
	// The QR image is loaded (an SVG from the API through the console) and shown.
	loaded := value(ctx, t, "the QR image", chromedp.Evaluate[bool](`(() => { const i = document.querySelector('.slip .qr img');
		return !!i && i.complete && i.naturalWidth > 100 && i.getBoundingClientRect().width >= 150; })()`))
	if !loaded {
		t.Error("the QR Platba image is not loaded and visible on the case page")
	}
	if got := text(ctx, t, ".slip .slip-facts"); !strings.Contains(got, "CZ6308000000000460043319") || !strings.Contains(got, "Obecní úřad Nová Ves") ||
		!strings.Contains(got, "Nováková") {
		t.Errorf("the slip on the case page: %q", got)
	}
	checkA11y(ctx, t, "case with a payment")
	shot(ctx, t, "10-platby-pripad")

	run(ctx, t, "open the slip", chromedp.Click(chromedp.CSS(`a[href*="/slip"]`)), chromedp.WaitVisible(chromedp.CSS("main > .slip")))
	printCSS := value(ctx, t, "the print stylesheet", chromedp.Evaluate[bool](`!!document.querySelector('link[rel=stylesheet][media=print][href="/ui/assets/print.css"]')`))
	if !printCSS {
		t.Error("the slip page does not link print.css for print")
	}
	checkA11y(ctx, t, "payment slip")
	run(ctx, t, "print media", media("print"))
	printed := value(ctx, t, "what prints", chromedp.Evaluate[string](`(() => {
		const shown = s => { const e = document.querySelector(s); return !!e && getComputedStyle(e).display !== 'none'; };
		return [shown('header.top'), shown('main > h1'), shown('main > .slip'), shown('.slip .qr img')].join(','); })()`))
	if printed != "false,false,true,true" {
		t.Errorf("printing the slip shows menu, heading, slip, QR = %s, want false,false,true,true", printed)
	}
	shot(ctx, t, "11-platebni-udaje-tisk")
	run(ctx, t, "screen media", media(""))

	run(ctx, t, "open the payments list", chromedp.Navigate(st.url+"/ui/payments"), chromedp.WaitVisible(chromedp.CSS("#f-kind")),
		chromedp.SetValue(chromedp.CSS("#f-kind"), "local_fee"), chromedp.SetValue(chromedp.CSS("#f-status"), "unpaid"))
	// The unfiltered list already shows unpaid rows: wait for the filtered
	// page the click loads, not for a row of the old one.
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("form.filters button"))); err != nil {
		t.Fatalf("filter the payments list: %v", err)
	}
	run(ctx, t, "the filtered payments list", chromedp.WaitVisible(chromedp.CSS(`table.list td.status-unpaid`)))
	if got := text(ctx, t, "table.list tbody"); !strings.Contains(got, "1541") || !strings.Contains(got, "1\u00a0200 Kč") {
		t.Errorf("the payments list: %q", got)
	}
	checkA11y(ctx, t, "payments list")
	shot(ctx, t, "12-platby")

	run(ctx, t, "find the citizen", chromedp.Navigate(st.url+"/ui/cases"), chromedp.WaitVisible(chromedp.CSS("#f-citizen")),
		chromedp.SendKeys(chromedp.CSS("#f-citizen"), "p-154"+kb.Enter), chromedp.WaitVisible(chromedp.CSS("#h-citizen-payments")))
	if got := text(ctx, t, "section[aria-labelledby=h-citizen-cases] tbody"); !strings.Contains(got, "Místní poplatek") || !strings.Contains(got, "nova-ves") {
		t.Errorf("the citizen's cases: %q", got)
	}
	checkA11y(ctx, t, "citizen")
	shot(ctx, t, "13-obcan")

	listCredit(t, st.db, "R-SHARED", 1200, "odpad")
	run(ctx, t, "open the unmatched credits", chromedp.Navigate(st.url+"/ui/unmatched-credits"),
		chromedp.WaitVisible(chromedp.CSS(`table.list input[name=case_id]`)))
	if got := text(ctx, t, "table.list tbody"); !strings.Contains(got, "R-SHARED") || !strings.Contains(got, "čeká na rozhodnutí") {
		t.Errorf("the unmatched credits: %q", got)
	}
	checkA11y(ctx, t, "unmatched credits")
	shot(ctx, t, "14-nesparovane-platby")
}
