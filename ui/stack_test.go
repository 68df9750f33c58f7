package ui_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/money"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/handlers"
	"github.com/lhuta/lhuta/internal/caserepo"
	"github.com/lhuta/lhuta/projections"
	"github.com/lhuta/lhuta/projections/views"
	"github.com/lhuta/lhuta/ui"
)

const tokens = "clerk-token=clerk:alice,officer-token=compliance_officer:bob,dash-token=dashboard:grafana,admin-token=admin:root" +
	",praha-clerk=clerk:eva:Praha 1,brno-clerk=clerk:petr:Brno"

// stack is lhuta serve's handler (the API with the console mounted) on a
// real database, with a clock the test sets.
type stack struct {
	t      testing.TB
	url    string
	db     *eventstore.DB
	server *handlers.Server
	today  atomic.Pointer[calendar.Date]
	// now, if set, is the console's clock for sessions.
	now    atomic.Pointer[time.Time]
	lastID string
}

func newStack(t testing.TB, db *eventstore.DB, today calendar.Date) *stack {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tok, err := handlers.ParseTokens(tokens)
	if err != nil {
		t.Fatal(err)
	}
	st := &stack{t: t, db: db}
	st.today.Store(&today)
	clock := func() calendar.Date { return *st.today.Load() }
	pipeline := projections.New(db, log)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = pipeline.Run(ctx); close(done) }()
	srv := handlers.New(handlers.Config{
		Repo: caserepo.New(eventstore.NewSQLStore(db.SQL, db.Dialect)), Reader: views.NewReader(db.SQL),
		Pipeline: pipeline, DB: db.SQL, Tokens: tok, Today: clock, Log: log, MinPositionWait: 30 * time.Second,
	})
	ts := httptest.NewUnstartedServer(nil)
	ts.Config = handlers.HTTPServer("", ui.Mount(srv.Routes(), ui.Config{Identify: srv.Identify, Today: clock, Log: log, Offices: money.Builtin(),
		Now: func() time.Time {
			if p := st.now.Load(); p != nil {
				return *p
			}
			return time.Now()
		}}), handlers.Timeouts{})
	ts.Start()
	t.Cleanup(func() { ts.Close(); cancel(); <-done })
	st.url, st.server = ts.URL, srv
	return st
}

// head is the log's head: unchanged when nothing was stored.
func (s *stack) head() eventstore.Cursor {
	s.t.Helper()
	c, err := eventstore.NewSQLStore(s.db.SQL, s.db.Dialect).Head(context.Background())
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

// browser is a plain HTTP client that keeps the console's cookies the way
// a browser on localhost does (Secure cookies over http://127.0.0.1) and
// does not follow redirects.
type browser struct {
	t       testing.TB
	base    string
	cookies map[string]string
	origin  string
}

func (s *stack) browser() *browser {
	return &browser{t: s.t, base: s.url, cookies: map[string]string{}}
}

type page struct {
	status   int
	location string
	body     string
	header   http.Header
}

func (b *browser) do(method, path string, form url.Values) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.origin != "" {
		req.Header.Set("Origin", b.origin)
	}
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return page{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(raw), header: resp.Header}
}

func (b *browser) get(path string) page { return b.do(http.MethodGet, path, nil) }

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the CSRF token of a page's forms.
func csrf(t testing.TB, p page) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no CSRF token on the page (%d):\n%s", p.status, p.body)
	}
	return m[1]
}

// signIn signs in with a token and returns the CSRF token of the session.
func (b *browser) signIn(token string) string {
	b.t.Helper()
	login := b.get("/ui/login")
	p := b.do(http.MethodPost, "/ui/login", url.Values{"csrf": {csrf(b.t, login)}, "token": {token}})
	if p.status != http.StatusSeeOther {
		b.t.Fatalf("sign in with %s: %d %s", token, p.status, p.body)
	}
	return csrf(b.t, b.get(p.location))
}

// api calls the JSON API directly, as another client of the same service
// would; it returns the position of a write.
func (s *stack) api(method, path, token string, body any) int64 {
	s.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, s.url+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		ID       string `json:"id"`
		Position int64  `json:"position"`
	}
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(raw, &out) != nil {
		s.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out.ID != "" {
		s.lastID = out.ID
	}
	return out.Position
}

// seed records a few cases of two offices through the API, for the lists
// and the dashboard to show; it returns the last write's position.
func (s *stack) seed() int64 {
	s.t.Helper()
	var pos int64
	open := func(situation, office, name string) string {
		s.api("POST", "/v1/cases", "clerk-token", map[string]any{"situation": situation, "office": office,
			"citizen": map[string]string{"id": "c-" + name, "birth_date": "1985-06-01", "full_name": name}})
		return s.lastID
	}
	record := func(id, typ string, data map[string]any) {
		pos = s.api("POST", "/v1/cases/"+id+"/events", "clerk-token", map[string]any{"type": typ, "data": data})
	}
	incident := func(on string) map[string]any {
		return map[string]any{"kind": "lost", "reported_on": on, "reported_to": "municipal_office"}
	}
	record(open("id_card_incident", "Brno", "Petr Svoboda"), "IncidentReported", incident("2026-01-12"))
	record(open("residence_change", "Brno", "Eva Dvořáková"), "ResidenceChangeReported", map[string]any{"reported_on": "2026-02-10", "registration_office": "Brno-střed"})
	record(open("name_change", "Brno", "Marie Černá"), "NameChanged", map[string]any{"decision_effective_on": "2026-03-02"})
	id := open("id_card_incident", "Praha 1", "Tomáš Procházka")
	record(id, "IncidentReported", incident("2026-02-16"))
	record(id, "ApplicationFiled", map[string]any{"document": "id_card_chip", "filed_on": "2026-02-20", "track": "standard", "filing_office": "municipal_office"})
	record(open("id_card_incident", "Praha 1", "Lucie Veselá"), "IncidentReported", incident("2026-04-20"))
	return pos
}
