package ui_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/internal/testdb"
)

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
	run(ctx, t, "open a local fee case",
		chromedp.Click(chromedp.CSS(`a[href="/ui/cases/new?situation=local_fee"]`)),
		chromedp.WaitVisible(chromedp.CSS("#f-office")),
		chromedp.SendKeys(chromedp.CSS("#f-office"), "nova-ves"),
		chromedp.SendKeys(chromedp.CSS("#f-citizen-full_name"), "Jana Nováková"),
		chromedp.SendKeys(chromedp.CSS("#f-citizen-id"), "p-154"),
		chromedp.SendKeys(chromedp.CSS("#f-citizen-birth_date"), "1980-05-17"),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#h-record")))
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
