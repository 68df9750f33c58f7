// Package teststack holds what the tests of lhuta serve's parts share: a
// built lhuta process started and stopped, the service run in the test's
// own process, a browser that keeps cookies as one on localhost does, and
// the CSRF field of a form. Only tests import it.
package teststack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/money"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/handlers"
	"github.com/lhuta/lhuta/internal/caserepo"
	"github.com/lhuta/lhuta/internal/service"
	"github.com/lhuta/lhuta/internal/sso"
	"github.com/lhuta/lhuta/projections"
	"github.com/lhuta/lhuta/projections/views"
	"github.com/lhuta/lhuta/ui"
)

// FreeAddr is a loopback address that nothing listened on a moment ago.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Build builds the main package in the test's working directory into a
// temporary directory and returns the binary's path.
func Build(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "lhuta")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// errExited is what WaitReady says when the process ended first.
var errExited = errors.New("lhuta exited before it was ready")

// WaitReady waits until base/readyz answers 200, for at most timeout; it
// gives up early when exited (if not nil) is closed.
func WaitReady(base string, timeout time.Duration, exited <-chan struct{}) error {
	for deadline := time.Now().Add(timeout); ; time.Sleep(20 * time.Millisecond) {
		select {
		case <-exited:
			return errExited
		default:
		}
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return errors.New("lhuta was not ready within " + timeout.String())
		}
	}
}

// Process is one lhuta serve process on a fixed address, which the test
// starts and stops again (with SIGKILL: a crash) as often as it likes.
type Process struct {
	T   testing.TB
	Bin string
	// Args follow "serve --addr Addr".
	Args []string
	Env  []string
	Addr string
	// Log is the file both outputs are appended to; "" is the test's stderr.
	Log string
	Cmd *exec.Cmd
	// exited is closed when the running process has exited, with exitErr
	// what its Wait returned.
	exited  chan struct{}
	exitErr error
}

// Base is the process's URL.
func (p *Process) Base() string { return "http://" + p.Addr }

// Start starts the process and waits until it is ready.
func (p *Process) Start() {
	p.T.Helper()
	var out io.Writer = os.Stderr
	if p.Log != "" {
		logf, err := os.OpenFile(p.Log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			p.T.Fatal(err)
		}
		defer logf.Close()
		out = logf
	}
	p.Cmd = exec.Command(p.Bin, append([]string{"serve", "--addr", p.Addr}, p.Args...)...)
	p.Cmd.Env, p.Cmd.Stdout, p.Cmd.Stderr = p.Env, out, out
	if err := p.Cmd.Start(); err != nil {
		p.T.Fatal(err)
	}
	exited := make(chan struct{})
	go func(cmd *exec.Cmd) { p.exitErr = cmd.Wait(); close(exited) }(p.Cmd)
	if err := WaitReady(p.Base(), 30*time.Second, exited); err != nil {
		if !errors.Is(err, errExited) {
			_ = p.Cmd.Process.Kill()
			<-exited
		}
		p.Fatal(err.Error())
	}
	p.exited = exited
}

// Fatal fails the test with msg and the end of the process's log.
func (p *Process) Fatal(msg string) {
	p.T.Helper()
	log, _ := os.ReadFile(p.Log)
	if len(log) > 4000 {
		log = log[len(log)-4000:]
	}
	p.T.Fatalf("%s; its log ends:\n%s", msg, log)
}

// Stop ends the process with sig (SIGKILL: a crash; SIGTERM: a shutdown).
func (p *Process) Stop(sig syscall.Signal) {
	p.T.Helper()
	_ = p.Cmd.Process.Signal(sig)
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		p.Fatal("lhuta did not stop within 30 s")
	}
}

// ExitErr is what the stopped process's Wait returned.
func (p *Process) ExitErr() error { return p.exitErr }

// StopIfRunning shuts a process down that was started and has not exited:
// for a deferred clean-up whatever the test did with it.
func (p *Process) StopIfRunning() {
	p.T.Helper()
	if p.exited == nil {
		return
	}
	select {
	case <-p.exited:
	default:
		p.Stop(syscall.SIGTERM)
	}
}

// WithSSO sets cfg's machine tokens, and its single sign-on through the
// provider at issuer, which knows lhuta as the client "lhuta" with secret
// and whose groups map to roles as groups says.
func WithSSO(tb testing.TB, cfg *service.Config, tokens, issuer, secret, groups string) {
	tb.Helper()
	mapping, err := sso.ParseGroups(groups)
	if err != nil {
		tb.Fatal(err)
	}
	cfg.SSO, err = sso.New(sso.Config{Issuer: issuer, ClientID: "lhuta", ClientSecret: secret, Groups: mapping})
	if err != nil {
		tb.Fatal(err)
	}
	cfg.Tokens, err = handlers.ParseTokens(tokens)
	if err != nil {
		tb.Fatal(err)
	}
}

// Serve runs the service as lhuta serve assembles it until the test ends,
// logging nowhere unless cfg says where; it returns the address it listens on.
func Serve(tb testing.TB, cfg service.Config) net.Addr {
	tb.Helper()
	if cfg.Log == nil {
		cfg.Log = Quiet()
	}
	svc, err := service.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	addr, err := svc.Listen()
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("service: %v", err)
		}
	})
	return addr
}

// Quiet is a logger that writes nowhere.
func Quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// API is the HTTP API's server on db as lhuta serve makes it, with tokens
// and a projection pipeline that runs until the test ends; cfg holds the
// rest (a Repo of its own, the clock, the portal).
func API(tb testing.TB, db *eventstore.DB, tokens string, cfg handlers.Config) *handlers.Server {
	tb.Helper()
	tok, err := handlers.ParseTokens(tokens)
	if err != nil {
		tb.Fatal(err)
	}
	if cfg.Log == nil {
		cfg.Log = Quiet()
	}
	if cfg.Repo == nil {
		cfg.Repo = caserepo.New(eventstore.NewSQLStore(db.SQL, db.Dialect))
	}
	pipeline := projections.New(db, cfg.Log)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = pipeline.Run(ctx); close(done) }()
	tb.Cleanup(func() { cancel(); <-done })
	cfg.Reader, cfg.Pipeline, cfg.DB, cfg.Tokens = views.NewReader(db.SQL), pipeline, db.SQL, tok
	return handlers.New(cfg)
}

// Call sends one API request with a bearer token ("" none) and a body: nil
// none, a string or []byte as it is, anything else as JSON; header holds
// further name, value pairs (one with an empty value is left out). It returns the answer's status, header and body.
func Call(tb testing.TB, method, url, token string, body any, header ...string) (int, http.Header, []byte) {
	tb.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			tb.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		tb.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] != "" {
			req.Header.Set(header[i], header[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, raw
}

// Console mounts the staff console on api, srv's routes, as lhuta serve
// does, with the built-in offices; today is its day and now (nil: the real
// time) its clock.
func Console(srv *handlers.Server, api http.Handler, today func() calendar.Date, now func() time.Time) http.Handler {
	return ui.Mount(api, ui.Config{Identify: srv.Identify, Today: today, Log: Quiet(), Offices: money.Builtin(), Now: now})
}

// Browser keeps cookies as a browser on localhost does (Secure cookies over
// http://127.0.0.1 too) and does not follow redirects.
type Browser struct {
	T       testing.TB
	Base    string
	Cookies map[string]string
	// Origin, if set, is sent with every request.
	Origin string
	// FormOrigin sends Base as the Origin of form posts, as a browser does.
	FormOrigin bool
	Client     *http.Client
}

// NewBrowser is a browser of the site at base, with no cookies yet.
func NewBrowser(tb testing.TB, base string) *Browser {
	return &Browser{T: tb, Base: base, Cookies: map[string]string{}, Client: &http.Client{CheckRedirect: noRedirects}}
}

func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Page is one answer the browser got.
type Page struct {
	Status   int
	Location string
	Body     string
	Header   http.Header
	// Cookies are the ones this answer set.
	Cookies []*http.Cookie
}

// Do sends a request with the browser's cookies: a form post if form is not
// nil; header holds further name, value pairs.
func (b *Browser) Do(method, path string, form url.Values, header ...string) Page {
	b.T.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.Base+path, body)
	if err != nil {
		b.T.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if b.FormOrigin {
			req.Header.Set("Origin", b.Base)
		}
	}
	if b.Origin != "" {
		req.Header.Set("Origin", b.Origin)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	for k, v := range b.Cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := b.Client.Do(req)
	if err != nil {
		b.T.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.Cookies, c.Name)
		} else {
			b.Cookies[c.Name] = c.Value
		}
	}
	return Page{resp.StatusCode, resp.Header.Get("Location"), string(raw), resp.Header, resp.Cookies()}
}

// Get loads a page.
func (b *Browser) Get(path string) Page { return b.Do(http.MethodGet, path, nil) }

// Post posts a form.
func (b *Browser) Post(path string, form url.Values) Page { return b.Do(http.MethodPost, path, form) }

// Cookie is the value of the cookie name that this answer set ("" if none).
func (p Page) Cookie(name string) string {
	v := ""
	for _, c := range p.Cookies {
		if c.Name == name {
			v = c.Value
		}
	}
	return v
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// CSRF is the CSRF field of a page's form, as a browser would post it.
func CSRF(tb testing.TB, status int, body string) string {
	tb.Helper()
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		tb.Fatalf("no CSRF field on the page (%d):\n%s", status, body)
	}
	return html.UnescapeString(m[1])
}

// PortalSignIn posts the citizens' portal's sign-in form with counter
// credentials.
func PortalSignIn(b *Browser, username, password string) Page {
	b.T.Helper()
	form := b.Get("/obcan/prihlaseni")
	return b.Post("/obcan/prihlaseni", url.Values{"csrf": {CSRF(b.T, form.Status, form.Body)}, "username": {username}, "password": {password}})
}
