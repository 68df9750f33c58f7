// Package browsertest drives headless Chromium for the browser tests of the
// staff console (ui) and the citizen's portal (portal): one way to start the
// browser, run a step, check a page with axe-core and take a screenshot.
// Only tests import it.
package browsertest

import (
	"context"
	_ "embed"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// axe is axe-core (MPL-2.0, its licence header kept), the accessibility
// engine the tests run in the page.
//
//go:embed axe.min.js
var axe string

// StepTimeout bounds one step of a browser test, so that a step that waits
// for what never comes fails with the page it was on.
const StepTimeout = 15 * time.Second

// Chromium starts a headless Chromium for one test (1366×768 unless extra
// says otherwise), or skips the test where there is none (fails under
// CI=true: .ci/run installs it).
func Chromium(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no Chromium on PATH (CI=true: the browser tests must run; .ci/run installs the Debian package chromium)")
		}
		t.Skip("no Chromium on PATH (apt-get install chromium chromium-driver)")
	}
	// A new empty profile and nothing that phones home: on a closed
	// network those stall the browser.
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1366, 768),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true), chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-extensions", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "cs-CZ"),
	}
	opts = append(opts, extra...)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	t.Cleanup(cancel)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithErrorf(func(string, ...any) {}))
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return bctx
}

// Run runs browser actions, failing the test with what was being done and
// the page it was on.
func Run(ctx context.Context, t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	if err := chromedp.Do(step, actions...); err != nil {
		body, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
		t.Fatalf("%s: %v\npage:\n%s", what, err, body)
	}
}

// Value runs a browser action that returns a value.
func Value[T any](ctx context.Context, t *testing.T, what string, a chromedp.Action[T]) T {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	v, err := chromedp.Run(step, a)
	if err != nil {
		body, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
		t.Fatalf("%s: %v\npage:\n%s", what, err, body)
	}
	return v
}

// Text is the text of the first element sel matches.
func Text(ctx context.Context, t *testing.T, sel string) string {
	t.Helper()
	return Value(ctx, t, "read "+sel, chromedp.Text(chromedp.CSS(sel)))
}

// HasClass reports whether the first element sel matches has the class.
func HasClass(ctx context.Context, t *testing.T, sel, class string) bool {
	t.Helper()
	c := Value(ctx, t, "read the class of "+sel, chromedp.AttributeValue(chromedp.CSS(sel), "class"))
	return c.Exists && strings.Contains(" "+c.Value+" ", " "+class+" ")
}

// Violation is one rule axe-core finds broken on a page.
type Violation struct {
	ID, Impact, Help string
	Nodes            []string
}

// Serious returns the serious and critical violations axe-core finds on
// the page (WCAG 2.x A and AA rules and axe's best practices), logging the
// lesser ones.
func Serious(ctx context.Context, t *testing.T, page string) []Violation {
	t.Helper()
	script := `axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations.map(v => ({
		id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(" "))}))))`
	Value(ctx, t, "load axe on "+page, chromedp.Evaluate[*runtime.RemoteObject](axe))
	out := Value(ctx, t, "axe on "+page, chromedp.Evaluate[string](script, chromedp.EvalAwaitPromise))
	var vs, bad []Violation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatalf("axe on %s: %v: %s", page, err, out)
	}
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			bad = append(bad, v)
		} else {
			t.Logf("accessibility (%s) on %s: %s: %s at %v", v.Impact, page, v.ID, v.Help, v.Nodes)
		}
	}
	return bad
}

// CheckA11y fails the test on any serious or critical violation axe-core
// finds on the page.
func CheckA11y(ctx context.Context, t *testing.T, page string) {
	t.Helper()
	for _, v := range Serious(ctx, t, page) {
		t.Errorf("accessibility (%s) on %s: %s: %s at %v", v.Impact, page, v.ID, v.Help, v.Nodes)
	}
}

// Shot saves a full-page screenshot when LHUTA_SCREENSHOTS names a folder
// (docs/screenshots: README shows them); a relative folder is relative to
// the repository root, one above the test's package.
func Shot(ctx context.Context, t *testing.T, name string) {
	t.Helper()
	dir := os.Getenv("LHUTA_SCREENSHOTS")
	if dir == "" {
		return
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", dir)
	}
	png := Value(ctx, t, "screenshot "+name, chromedp.FullScreenshot(100))
	if err := os.MkdirAll(dir, 0o755); err != nil { //nolint:gosec // docs/screenshots, committed and public
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil { //nolint:gosec // a screenshot for the docs, committed and public
		t.Fatal(err)
	}
}
