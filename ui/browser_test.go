package ui_test

import (
	"context"
	_ "embed"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

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

	run(ctx, t, "open an ID card incident case",
		chromedp.Click(chromedp.CSS(`a[href="/ui/cases/new?situation=id_card_incident"]`)),
		chromedp.WaitVisible(chromedp.CSS("#f-office")),
		chromedp.SendKeys(chromedp.CSS("#f-office"), "Praha 1"),
		chromedp.SendKeys(chromedp.CSS("#f-citizen-full_name"), "Jana Nováková"),
		chromedp.SendKeys(chromedp.CSS("#f-citizen-id"), "c-1042"),
		chromedp.SendKeys(chromedp.CSS("#f-citizen-birth_date"), "1980-05-17"))
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
