package handlers_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/handlers"
	"github.com/lhuta/lhuta/internal/signin"
	"github.com/lhuta/lhuta/internal/testdb"
)

// Before: a wrong bearer token could be tried as often as one liked. Now an
// address gets 5 unknown tokens free; then every request of it, with any
// token, waits: 429 with Retry-After of 30 s, doubling with each further
// failure (internal/signin).
func TestUnknownTokensAreLimitedPerAddress(t *testing.T) {
	now := time.Date(2026, 4, 10, 9, 0, 0, 0, time.UTC)
	limiter := signin.New()
	limiter.Now = func() time.Time { return now }
	s := newStackWith(t, testdb.SQLite(t), calendar.NewDate(2026, 4, 10), func(c *handlers.Config) { c.SignIn = limiter })
	for i := range signin.DefaultFree {
		if r := s.do("GET", "/v1/obligations", "guess-"+strconv.Itoa(i), nil); r.status != http.StatusUnauthorized {
			t.Fatalf("unknown token %d: %d, want 401", i+1, r.status)
		}
	}
	r := s.do("GET", "/v1/obligations", "guess-5", nil)
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "30" || r.body["type"] != "/problems/too-many-failures" {
		t.Fatalf("the 6th unknown token: %d Retry-After %q %s, want 429 after 30 s", r.status, r.header.Get("Retry-After"), r.raw)
	}
	// While the address waits, a right token waits too: a guess that
	// happens to be right is not told apart from a wrong one.
	if r := s.do("GET", "/v1/obligations", "clerk-token", nil); r.status != http.StatusTooManyRequests {
		t.Errorf("a right token during the wait: %d, want 429", r.status)
	}
	now = now.Add(31 * time.Second)
	if r := s.do("GET", "/v1/obligations", "clerk-token", nil); r.status != http.StatusOK {
		t.Errorf("a right token after the wait: %d %s", r.status, r.raw)
	}
	if r := s.do("GET", "/v1/obligations", "guess-6", nil); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "60" {
		t.Errorf("the next unknown token: %d Retry-After %q, want 429 after 60 s", r.status, r.header.Get("Retry-After"))
	}
}

// Every route of the router has a declared rule (handlers.Rules), and the
// rule is what the router enforces: 401 without a token or with a wrong one,
// 403 for a role the rule leaves out, through to the handler for the others.
// The routes come from walking the router itself, so a route added without
// a rule fails here. Before: a clerk could list every flag.
func TestEveryRouteEnforcesItsDeclaredRoles(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		// Every route is tried with a wrong token: the limit of unknown
		// tokens per address (TestUnknownTokensAreLimitedPerAddress) is off.
		s := newStackWith(t, db, calendar.NewDate(2026, 4, 10), func(c *handlers.Config) { c.SignIn = &signin.Limiter{Free: 1 << 20} })
		id, _ := s.openCase("id_card_incident", "1980-05-17")
		router, ok := s.server.Routes().(*mux.Router)
		if !ok {
			t.Fatalf("Routes is a %T, not a *mux.Router", s.server.Routes())
		}
		rules := map[string]handlers.Rule{}
		for _, r := range handlers.Rules() {
			rules[r.Method+" "+r.Path] = r
		}
		walked := map[string]bool{}
		err := router.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
			path, err := route.GetPathTemplate()
			if err != nil {
				return err
			}
			methods, err := route.GetMethods()
			if err != nil {
				t.Errorf("route %s matches every method; each route names its method", path)
				return nil
			}
			for _, m := range methods {
				walked[m+" "+path] = true
				if _, ok := rules[m+" "+path]; !ok {
					t.Errorf("route %s %s has no rule in handlers.Rules", m, path)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(walked) == 0 {
			t.Fatal("the walk found no routes")
		}
		tokens := map[cases.Role]string{cases.Clerk: "clerk-token", cases.ComplianceOfficer: "officer-token",
			cases.Dashboard: "dash-token", cases.Admin: "admin-token"}
		for key, rule := range rules {
			if !walked[key] {
				t.Errorf("rule %s has no route", key)
				continue
			}
			path := strings.ReplaceAll(rule.Path, "{id}", id)
			var body any
			if rule.Method == http.MethodPost {
				body = `{}`
			}
			if rule.Roles == nil {
				if r := s.do(rule.Method, path, "", body); r.status == 401 || r.status == 403 {
					t.Errorf("%s is public but answered %d without a token", key, r.status)
				}
				continue
			}
			if r := s.do(rule.Method, path, "", body); r.status != 401 || r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s without a token: %d, want 401 with WWW-Authenticate", key, r.status)
			}
			if r := s.do(rule.Method, path, "not-a-token", body); r.status != 401 {
				t.Errorf("%s with a wrong token: %d, want 401", key, r.status)
			}
			for role, token := range tokens {
				r := s.do(rule.Method, path, token, body)
				allowed := slices.Contains(rule.Roles, role)
				switch {
				case allowed && (r.status == 401 || r.status == 403):
					t.Errorf("%s as %s: %d %s, want it allowed", key, role, r.status, r.raw)
				case !allowed && r.status != 403:
					t.Errorf("%s as %s: %d, want 403", key, role, r.status)
				}
			}
		}
		if rules["GET /v1/flags"].Roles == nil || slices.Contains(rules["GET /v1/flags"].Roles, cases.Clerk) {
			t.Errorf("flags are for compliance officers: %v", rules["GET /v1/flags"].Roles)
		}
	})
}

// A token scoped to an office (token=role:name:office) opens and writes only
// that office's cases; what it is refused stores nothing.
func TestATokenOfOneOfficeWritesOnlyItsCases(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		s := newStackWith(t, db, calendar.NewDate(2026, 4, 10), func(c *handlers.Config) {
			tok, err := handlers.ParseTokens(tokens + ",praha-token=clerk:eva:Praha 1")
			if err != nil {
				t.Fatal(err)
			}
			c.Tokens = tok
		})
		open := func(token, office string) response {
			return s.do("POST", "/v1/cases", token, map[string]any{"situation": "id_card_incident", "office": office,
				"citizen": map[string]string{"id": "c-1", "birth_date": "1980-05-17", "full_name": "Jana Nováková"}})
		}
		report := map[string]any{"type": "IncidentReported",
			"data": map[string]any{"kind": "lost", "reported_on": "2026-04-01", "reported_to": "police"}}
		own := open("praha-token", "Praha 1")
		if own.status != 201 {
			t.Fatalf("a Praha 1 token opening a Praha 1 case: %d %s", own.status, own.raw)
		}
		before := s.eventCount()
		if r := open("praha-token", "Brno"); r.status != 403 {
			t.Errorf("a Praha 1 token opening a Brno case: %d, want 403", r.status)
		}
		brno := open("clerk-token", "Brno")
		if brno.status != 201 {
			t.Fatal(brno.raw)
		}
		before++
		if r := s.do("POST", "/v1/cases/"+brno.body["id"].(string)+"/events", "praha-token", report); r.status != 403 {
			t.Errorf("a Praha 1 token recording on a Brno case: %d, want 403", r.status)
		}
		if n := s.eventCount(); n != before {
			t.Errorf("refused requests stored %d events", n-before)
		}
		if r := s.do("POST", "/v1/cases/"+own.body["id"].(string)+"/events", "praha-token", report); r.status != 201 {
			t.Errorf("a Praha 1 token recording on its own case: %d %s", r.status, r.raw)
		}
	})
}
