package portal_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/handlers"
	"github.com/lhuta/lhuta/internal/signin"
	"github.com/lhuta/lhuta/internal/teststack"
	"github.com/lhuta/lhuta/portal"
)

const tokens = "clerk-token=clerk:alice,officer-token=compliance_officer:bob,dash-token=dashboard:grafana,admin-token=admin:root," +
	"brno-token=clerk:bara:Brno"

// stack is lhuta serve's handler (API, console and portal) on a real
// database, with a clock the test sets.
type stack struct {
	t      testing.TB
	url    string
	now    atomic.Pointer[time.Time]
	lastID string
}

func newStack(t testing.TB, db *eventstore.DB, today calendar.Date) *stack {
	t.Helper()
	return newStackNIA(t, db, today, nil)
}

// newStackNIA is newStack whose portal signs citizens in with the national
// identity at idp (nil: no NIA sign-in), and is registered there.
func newStackNIA(t testing.TB, db *eventstore.DB, today calendar.Date, idp *testIDP) *stack {
	t.Helper()
	st := &stack{t: t}
	start := time.Date(today.Year(), today.Month(), today.Day(), 9, 0, 0, 0, calendar.Prague)
	st.now.Store(&start)
	clock := func() time.Time { return *st.now.Load() }
	limiter := signin.New()
	limiter.Now = clock
	ts := httptest.NewUnstartedServer(nil)
	public := "http://" + ts.Listener.Addr().String()
	pc := portal.Config{DB: db.SQL, Log: teststack.Quiet(), Now: clock, Limiter: limiter}
	if idp != nil {
		pc.NIA = idp.serviceProvider(t, public)
	}
	citizens, err := portal.New(pc)
	if err != nil {
		t.Fatal(err)
	}
	day := func() calendar.Date { return today }
	srv := teststack.API(t, db, tokens, handlers.Config{Today: day, Portal: citizens, MinPositionWait: 30 * time.Second})
	api := srv.Routes()
	ts.Config.Handler = citizens.Mount(teststack.Console(srv, api, day, nil), api)
	ts.Start()
	t.Cleanup(ts.Close)
	st.url = ts.URL
	if idp != nil {
		idp.register(t, st.url+"/obcan/nia/metadata")
	}
	return st
}

// later moves the portal's clock on.
func (s *stack) later(d time.Duration) {
	n := s.now.Load().Add(d)
	s.now.Store(&n)
}

type answer struct {
	status int
	header http.Header
	raw    string
}

func (a answer) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(a.raw), &m); err != nil {
		t.Fatalf("%d %q: %v", a.status, a.raw, err)
	}
	return m
}

// api calls the JSON API with a bearer token (none if "").
func (s *stack) api(method, path, token string, body any) answer {
	s.t.Helper()
	status, header, raw := teststack.Call(s.t, method, s.url+path, token, body)
	return answer{status, header, string(raw)}
}

// write records through the API and waits for the read models to have it.
func (s *stack) write(method, path string, body any) {
	s.t.Helper()
	a := s.api(method, path, "clerk-token", body)
	if a.status != http.StatusCreated {
		s.t.Fatalf("%s %s: %d %s", method, path, a.status, a.raw)
	}
	m := a.json(s.t)
	if id, ok := m["id"].(string); ok {
		s.lastID = id
	}
	pos := int64(m["position"].(float64))
	if w := s.api("GET", "/v1/obligations?limit=1&min_position="+strconv.FormatInt(pos, 10), "clerk-token", nil); w.status != http.StatusOK {
		s.t.Fatalf("wait for position %d: %d %s", pos, w.status, w.raw)
	}
}

// dogOwner opens a local_fee case at Nová Ves for a citizen who holds one
// dog since 5 Jan 2026 and paid 50 Kč of the year's 200 Kč on 20 Feb.
func (s *stack) dogOwner(citizen, name string) string {
	s.t.Helper()
	s.write("POST", "/v1/cases", map[string]any{"situation": "local_fee", "office": "nova-ves",
		"citizen": map[string]string{"id": citizen, "birth_date": "1980-05-17", "full_name": name}})
	id := s.lastID
	s.write("POST", "/v1/cases/"+id+"/events", map[string]any{"type": "LocalFeeLiabilityArose", "data": map[string]any{
		"fee": "dog", "arose_on": "2026-01-05", "basis": "owner", "house_number": "12", "village_part": "Vepřek", "dogs": 1}})
	s.write("POST", "/v1/cases/"+id+"/events", map[string]any{"type": "PaymentReceived", "data": map[string]any{
		"amount_czk": 50, "paid_on": "2026-02-20", "variable_symbol": "124"}})
	return id
}

// lostCard opens an identity-card case at an office for a citizen whose
// card was reported lost on a day.
func (s *stack) lostCard(citizen, office, on string) string {
	s.t.Helper()
	s.write("POST", "/v1/cases", map[string]any{"situation": "id_card_incident", "office": office,
		"citizen": map[string]string{"id": citizen, "birth_date": "1985-06-01", "full_name": "Petr Svoboda"}})
	id := s.lastID
	s.write("POST", "/v1/cases/"+id+"/events", map[string]any{"type": "IncidentReported", "data": map[string]any{
		"kind": "lost", "reported_on": on, "reported_to": "municipal_office"}})
	return id
}

// credentials has a clerk issue the citizen's portal credentials.
func (s *stack) credentials(citizen string) (string, string) {
	s.t.Helper()
	a := s.api("POST", "/v1/citizens/"+url.PathEscape(citizen)+"/portal-access", "clerk-token", nil)
	if a.status != http.StatusCreated {
		s.t.Fatalf("portal-access: %d %s", a.status, a.raw)
	}
	m := a.json(s.t)
	return m["username"].(string), m["password"].(string)
}

// browser keeps cookies as a browser on localhost does and does not
// follow redirects.
type browser struct {
	*teststack.Browser
	s *stack
}

func (s *stack) browser() *browser {
	b := teststack.NewBrowser(s.t, s.url)
	b.FormOrigin = true
	return &browser{b, s}
}

type page struct {
	status   int
	location string
	body     string
	header   http.Header
}

func (b *browser) do(method, path string, form url.Values, header ...string) page {
	b.s.t.Helper()
	p := b.Do(method, path, form, header...)
	return page{p.Status, p.Location, p.Body, p.Header}
}

func (b *browser) get(path string) page { return b.do(http.MethodGet, path, nil) }

func csrf(t testing.TB, p page) string {
	t.Helper()
	return teststack.CSRF(t, p.status, p.body)
}

// signIn posts the sign-in form and returns the answer.
func (b *browser) signIn(username, password string) page {
	b.s.t.Helper()
	p := teststack.PortalSignIn(b.Browser, username, password)
	return page{p.Status, p.Location, p.Body, p.Header}
}

// changePassword signs in with counter credentials and sets a new password.
func (b *browser) changePassword(username, password, next string) {
	b.s.t.Helper()
	if p := b.signIn(username, password); p.status != http.StatusSeeOther || p.location != "/obcan/zmena-hesla" {
		b.s.t.Fatalf("first sign-in: %d → %q, want 303 to the password change\n%s", p.status, p.location, p.body)
	}
	form := b.get("/obcan/zmena-hesla")
	p := b.do(http.MethodPost, "/obcan/zmena-hesla", url.Values{"csrf": {csrf(b.s.t, form)}, "current": {password}, "new": {next}, "again": {next}})
	if p.status != http.StatusSeeOther || p.location != "/obcan/" {
		b.s.t.Fatalf("change password: %d → %q\n%s", p.status, p.location, p.body)
	}
}

// me calls /v1/me* with the browser's cookies.
func (b *browser) me(path string) answer {
	b.s.t.Helper()
	p := b.get(path)
	return answer{p.status, p.header, p.body}
}

func regexpMust(s string) *regexp.Regexp { return regexp.MustCompile(s) }
