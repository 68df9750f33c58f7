package portal_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/lhuta/lhuta/internal/browsertest"
	"github.com/lhuta/lhuta/internal/testdb"
)

// The browser helpers of internal/browsertest, under the short names the
// tests read with.
var (
	run       = browsertest.Run
	checkA11y = browsertest.CheckA11y
	shot      = browsertest.Shot
)

// chromium starts Chromium with a phone-sized window: the portal is
// mobile-first.
func chromium(t *testing.T) context.Context {
	t.Helper()
	return browsertest.Chromium(t, chromedp.WindowSize(390, 844))
}

func value[T any](ctx context.Context, t *testing.T, what string, a chromedp.Action[T]) T {
	t.Helper()
	return browsertest.Value(ctx, t, what, a)
}

// TestBrowserJourney walks the portal in Chromium on a phone-sized screen:
// credentials from the counter, the forced password change, the dog fee
// with its amount, VS and QR code (the image loads), the printable slip,
// the documents, reads and data pages; every page passes axe-core.
func TestBrowserJourney(t *testing.T) {
	s := newStack(t, testdb.SQLite(t), today)
	id := s.dogOwner("c-psicek", "Jan Psíček")
	user, password := s.credentials("c-psicek")
	ctx := chromium(t)

	run(ctx, t, "open the portal", chromedp.Navigate(s.url+"/obcan/"), chromedp.WaitVisible(chromedp.CSS("#username")))
	checkA11y(ctx, t, "sign-in")
	shot(ctx, t, "obcan-01-prihlaseni")
	run(ctx, t, "sign in with the counter's credentials",
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), password+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("#new")))
	checkA11y(ctx, t, "password change")
	shot(ctx, t, "obcan-02-zmena-hesla")
	run(ctx, t, "change the password",
		chromedp.SendKeys(chromedp.CSS("#current"), password),
		chromedp.SendKeys(chromedp.CSS("#new"), "můj pes Alík 2026"),
		chromedp.SendKeys(chromedp.CSS("#again"), "můj pes Alík 2026"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(".cards")))
	checkA11y(ctx, t, "overview")
	shot(ctx, t, "obcan-03-prehled")
	run(ctx, t, "open the obligations", chromedp.Click(chromedp.CSS(`.cards a[href="/obcan/povinnosti"]`)),
		chromedp.WaitVisible(chromedp.CSS(".qr img")))
	body := value(ctx, t, "read the obligations", chromedp.Text(chromedp.CSS("main")))
	for _, want := range []string{"poplatek ze psů 2026", "150\u00a0Kč", "124"} {
		if !strings.Contains(body, want) {
			t.Errorf("obligations lack %q:\n%s", want, body)
		}
	}
	if w := value(ctx, t, "QR image", chromedp.Evaluate[int](`document.querySelector(".qr img").naturalWidth`)); w == 0 {
		t.Error("the QR image did not load")
	}
	checkA11y(ctx, t, "obligations")
	shot(ctx, t, "obcan-04-povinnosti")
	run(ctx, t, "open the slip", chromedp.Click(chromedp.CSS(`a[href="/obcan/platby/`+id+`.dog-2026/slozenka"]`)),
		chromedp.WaitVisible(chromedp.CSS(".slip")))
	if slip := value(ctx, t, "read the slip", chromedp.Text(chromedp.CSS(".slip"))); !strings.Contains(slip, "Jan Psíček") ||
		!strings.Contains(slip, "150\u00a0Kč") {
		t.Errorf("slip:\n%s", slip)
	}
	pdf := value(ctx, t, "print the slip", chromedp.PrintToPDF())
	if len(pdf) < 1000 || !strings.HasPrefix(string(pdf), "%PDF") {
		t.Errorf("the printed slip is %d bytes", len(pdf))
	}
	checkA11y(ctx, t, "slip")
	shot(ctx, t, "obcan-05-platebni-udaje")
	for _, p := range []struct{ path, name, wait string }{
		{"/obcan/doklady", "obcan-06-doklady", "h1"},
		{"/obcan/nahlizeni", "obcan-07-nahlizeni", "h1"},
		{"/obcan/moje-data", "obcan-08-moje-data", "#klic"},
		{"/obcan/neni-tu", "obcan-09-chyba", ".problem"},
	} {
		run(ctx, t, "open "+p.path, chromedp.Navigate(s.url+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait)))
		checkA11y(ctx, t, p.path)
		shot(ctx, t, p.name)
	}
	run(ctx, t, "sign out", chromedp.Click(chromedp.CSS(".out button")), chromedp.WaitVisible(chromedp.CSS("#username")))
}

// TestBrowserNIAJourney signs a citizen in with the national identity in
// Chromium, through a real SAML identity provider in-process: the first
// time with the activation code from the counter, which shows their
// obligations; the next time with no code.
func TestBrowserNIAJourney(t *testing.T) {
	idp := newIDP(t)
	idp.user(t, "jana")
	s := newStackNIA(t, testdb.SQLite(t), today, idp)
	s.dogOwner("c-jana", "Jana Nováková")
	code := s.api("POST", "/v1/citizens/c-jana/portal-activation", "clerk-token", nil).json(t)["code"].(string)
	ctx := chromium(t)

	run(ctx, t, "open the sign-in", chromedp.Navigate(s.url+"/obcan/prihlaseni"), chromedp.WaitVisible(chromedp.CSS(`a[href="/obcan/nia"]`)))
	checkA11y(ctx, t, "sign-in with NIA offered")
	run(ctx, t, "choose NIA", chromedp.Click(chromedp.CSS(`a[href="/obcan/nia"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="`+idp.url+`/sso"] button`)))
	checkA11y(ctx, t, "on to NIA")
	shot(ctx, t, "obcan-10-nia")
	run(ctx, t, "go on to NIA", chromedp.Click(chromedp.CSS(`form[action="`+idp.url+`/sso"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name="user"]`)))
	run(ctx, t, "sign in at NIA",
		chromedp.SendKeys(chromedp.CSS(`input[name="user"]`), "jana"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "heslo-jana"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("#code")))
	checkA11y(ctx, t, "activation code")
	shot(ctx, t, "obcan-11-aktivace")
	run(ctx, t, "enter the activation code", chromedp.SendKeys(chromedp.CSS("#code"), code+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(".cards")))
	run(ctx, t, "open the obligations", chromedp.Click(chromedp.CSS(`.cards a[href="/obcan/povinnosti"]`)),
		chromedp.WaitVisible(chromedp.CSS(".qr img")))
	if body := value(ctx, t, "read the obligations", chromedp.Text(chromedp.CSS("main"))); !strings.Contains(body, "poplatek ze psů 2026") ||
		!strings.Contains(body, "150\u00a0Kč") {
		t.Errorf("obligations after the NIA sign-in:\n%s", body)
	}
	run(ctx, t, "sign out", chromedp.Click(chromedp.CSS(".out button")), chromedp.WaitVisible(chromedp.CSS(`a[href="/obcan/nia"]`)))

	// The next time: NIA still knows the browser, and the portal the pseudonym.
	run(ctx, t, "sign in with NIA again", chromedp.Click(chromedp.CSS(`a[href="/obcan/nia"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="`+idp.url+`/sso"] button`)),
		chromedp.Click(chromedp.CSS(`form[action="`+idp.url+`/sso"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".cards")))
	if body := value(ctx, t, "read the overview", chromedp.Text(chromedp.CSS("main"))); !strings.Contains(body, "Jana Nováková") {
		t.Errorf("overview after the second NIA sign-in:\n%s", body)
	}
}
