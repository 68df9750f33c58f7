package ui_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/handlers"
	"github.com/lhuta/lhuta/internal/teststack"
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
	st := &stack{t: t, db: db}
	st.today.Store(&today)
	clock := func() calendar.Date { return *st.today.Load() }
	srv := teststack.API(t, db, tokens, handlers.Config{Today: clock, MinPositionWait: 30 * time.Second})
	ts := httptest.NewUnstartedServer(nil)
	ts.Config = handlers.HTTPServer("", teststack.Console(srv, srv.Routes(), clock, func() time.Time {
		if p := st.now.Load(); p != nil {
			return *p
		}
		return time.Now()
	}), handlers.Timeouts{})
	ts.Start()
	t.Cleanup(ts.Close)
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
type browser struct{ *teststack.Browser }

func (s *stack) browser() *browser { return &browser{teststack.NewBrowser(s.t, s.url)} }

type page struct {
	status   int
	location string
	body     string
	header   http.Header
}

func (b *browser) do(method, path string, form url.Values) page {
	b.T.Helper()
	p := b.Do(method, path, form)
	return page{p.Status, p.Location, p.Body, p.Header}
}

func (b *browser) get(path string) page { return b.do(http.MethodGet, path, nil) }

// csrf is the CSRF token of a page's forms.
func csrf(t testing.TB, p page) string {
	t.Helper()
	return teststack.CSRF(t, p.status, p.body)
}

// signIn signs in with a token and returns the CSRF token of the session.
func (b *browser) signIn(token string) string {
	b.T.Helper()
	login := b.get("/ui/login")
	p := b.do(http.MethodPost, "/ui/login", url.Values{"csrf": {csrf(b.T, login)}, "token": {token}})
	if p.status != http.StatusSeeOther {
		b.T.Fatalf("sign in with %s: %d %s", token, p.status, p.body)
	}
	return csrf(b.T, b.get(p.location))
}

// clerkSignedIn is a stack on db whose day is today, with a browser signed
// in as the clerk and the session's CSRF token.
func clerkSignedIn(t testing.TB, db *eventstore.DB, today calendar.Date) (*stack, *browser, string) {
	t.Helper()
	st := newStack(t, db, today)
	b := st.browser()
	return st, b, b.signIn("clerk-token")
}

// api calls the JSON API directly, as another client of the same service
// would; it returns the position of a write.
func (s *stack) api(method, path, token string, body any) int64 {
	s.t.Helper()
	status, _, raw := teststack.Call(s.t, method, s.url+path, token, body)
	var out struct {
		ID       string `json:"id"`
		Position int64  `json:"position"`
	}
	if status != http.StatusCreated || json.Unmarshal(raw, &out) != nil {
		s.t.Fatalf("%s %s: %d %s", method, path, status, raw)
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
