package portal_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/handlers"
	"github.com/lhuta/lhuta/internal/testdb"
)

var today = calendar.NewDate(2026, 3, 10)

// A clerk issues credentials at the counter; the citizen signs in, must
// change the password before anything else, and then sees the dog fee:
// what is still owed, the VS, the account, the payment history, the QR
// Platba and a printable slip.
func TestCounterCredentialsToTheDogFee(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		s := newStack(t, db, today)
		id := s.dogOwner("c-psicek", "Jan Psíček")
		user, password := s.credentials("c-psicek")
		if len(password) < 16 || user == "" {
			t.Fatalf("credentials %q / %q", user, password)
		}
		b := s.browser()
		if p := b.signIn(user, password); p.status != http.StatusSeeOther || p.location != "/obcan/zmena-hesla" {
			t.Fatalf("first sign-in: %d → %q", p.status, p.location)
		}
		// Nothing but the password change until it is done.
		if p := b.get("/obcan/povinnosti"); p.status != http.StatusSeeOther || p.location != "/obcan/zmena-hesla" {
			t.Errorf("obligations before the password change: %d → %q", p.status, p.location)
		}
		if a := b.me("/v1/me"); a.status != http.StatusUnauthorized {
			t.Errorf("/v1/me before the password change: %d", a.status)
		}
		form := b.get("/obcan/zmena-hesla")
		if p := b.do(http.MethodPost, "/obcan/zmena-hesla", url.Values{"csrf": {csrf(t, form)}, "current": {password},
			"new": {"kratke"}, "again": {"kratke"}}); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "alespoň 12 znaků") {
			t.Errorf("a short password: %d", p.status)
		}
		if p := b.do(http.MethodPost, "/obcan/zmena-hesla", url.Values{"csrf": {csrf(t, form)}, "current": {password},
			"new": {password}, "again": {password}}); p.status != http.StatusUnprocessableEntity {
			t.Errorf("keeping the counter's password: %d", p.status)
		}
		if p := b.do(http.MethodPost, "/obcan/zmena-hesla", url.Values{"csrf": {csrf(t, form)}, "current": {password},
			"new": {"můj pes Alík 2026"}, "again": {"můj pes Alík 2026"}}); p.status != http.StatusSeeOther {
			t.Fatalf("change password: %d %s", p.status, p.body)
		}
		p := b.get("/obcan/povinnosti")
		for _, want := range []string{"poplatek ze psů 2026", "150\u00a0Kč", "Variabilní symbol", "124", "50\u00a0Kč", "20. 2. 2026",
			`/obcan/platby/` + id + `.dog-2026/qr.svg`, "Platební údaje k tisku"} {
			if !strings.Contains(p.body, want) {
				t.Errorf("obligations page lacks %q:\n%s", want, p.body)
			}
		}
		if qr := b.get("/obcan/platby/" + id + ".dog-2026/qr.svg"); qr.status != http.StatusOK || !strings.HasPrefix(qr.body, "<svg") {
			t.Errorf("QR: %d %.80s", qr.status, qr.body)
		}
		slip := b.get("/obcan/platby/" + id + ".dog-2026/slozenka")
		if slip.status != http.StatusOK || !strings.Contains(slip.body, "Jan Psíček") || !strings.Contains(slip.body, "150\u00a0Kč") {
			t.Errorf("slip: %d\n%s", slip.status, slip.body)
		}
		// The counter's password no longer works; the new one does.
		b2 := s.browser()
		if p := b2.signIn(user, password); p.status != http.StatusUnauthorized {
			t.Errorf("the old password: %d", p.status)
		}
		if p := b2.signIn(user, "můj pes Alík 2026"); p.status != http.StatusSeeOther || p.location != "/obcan/" {
			t.Errorf("the new password: %d → %q", p.status, p.location)
		}
		// Re-issuing at the counter replaces the credentials and signs out.
		user2, password2 := s.credentials("c-psicek")
		if p := b2.get("/obcan/"); p.status != http.StatusSeeOther {
			t.Errorf("a session after re-issuing: %d", p.status)
		}
		if p := s.browser().signIn(user, "můj pes Alík 2026"); p.status != http.StatusUnauthorized && user2 == user {
			t.Errorf("the replaced password: %d", p.status)
		}
		if p := s.browser().signIn(user2, password2); p.status != http.StatusSeeOther || p.location != "/obcan/zmena-hesla" {
			t.Errorf("the re-issued credentials: %d → %q", p.status, p.location)
		}
	})
}

// janaWithCredentials is a stack where Jana Nová (c-1) owes the dog fee and
// holds the portal's credentials, with a browser not signed in yet.
func janaWithCredentials(t *testing.T) (s *stack, user, password string, b *browser) {
	t.Helper()
	s = newStack(t, testdb.SQLite(t), today)
	s.dogOwner("c-1", "Jana Nová")
	user, password = s.credentials("c-1")
	return s, user, password, s.browser()
}

// After five wrong passwords the account waits (429 with Retry-After),
// even for the right password, and the wait grows; another account from
// the same address waits too.
func TestFailedSignInsAreLimited(t *testing.T) {
	s, user, password, b := janaWithCredentials(t)
	for i := range 5 {
		if p := b.signIn(user, "wrong"); p.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, p.status)
		}
	}
	p := b.signIn(user, "wrong")
	if p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") != "30" {
		t.Fatalf("sixth failure: %d Retry-After %q", p.status, p.header.Get("Retry-After"))
	}
	if p := b.signIn(user, password); p.status != http.StatusTooManyRequests {
		t.Errorf("the right password while waiting: %d", p.status)
	}
	s.later(31 * 1e9)
	if p := b.signIn(user, "wrong"); p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") != "60" {
		t.Errorf("seventh failure: %d Retry-After %q, want 60", p.status, p.header.Get("Retry-After"))
	}
	if p := b.signIn("someone-else", "x"); p.status != http.StatusTooManyRequests {
		t.Errorf("another account from the same address: %d", p.status)
	}
}

// A session id the browser brought before signing in is not the one it
// holds after, and is worth nothing then: neither one the attacker chose
// nor one of an earlier sign-in.
func TestSignInGivesANewSessionID(t *testing.T) {
	s, user, password, b := janaWithCredentials(t)
	b.Cookies["lhuta_obcan"] = "chosen-by-the-attacker"
	if p := b.signIn(user, password); p.status != http.StatusSeeOther {
		t.Fatalf("sign in: %d", p.status)
	}
	first := b.Cookies["lhuta_obcan"]
	if first == "" || first == "chosen-by-the-attacker" {
		t.Fatalf("the session id after sign-in is %q", first)
	}
	// Signing in again (the password not changed yet) gives another id.
	if p := b.signIn(user, password); p.status != http.StatusSeeOther {
		t.Fatalf("sign in again: %d", p.status)
	}
	if second := b.Cookies["lhuta_obcan"]; second == first || second == "" {
		t.Fatalf("the second sign-in kept the id %q", second)
	}
	for _, old := range []string{"chosen-by-the-attacker", first} {
		attacker := s.browser()
		attacker.Cookies["lhuta_obcan"] = old
		if p := attacker.get("/obcan/zmena-hesla"); p.status != http.StatusSeeOther || p.location != "/obcan/prihlaseni" {
			t.Errorf("the id %q after the sign-in: %d → %q", old, p.status, p.location)
		}
	}
}

// The citizen's session reaches no staff route, a staff token no /v1/me*,
// the console's session nothing on /obcan/, and another citizen's payment
// or QR is not found.
func TestCitizensAndStaffAreApart(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		s := newStack(t, db, today)
		mine := s.dogOwner("c-mine", "Jan Psíček")
		theirs := s.dogOwner("c-theirs", "Eva Kočková")
		user, password := s.credentials("c-mine")
		b := s.browser()
		b.changePassword(user, password, "moje heslo je dlouhé")
		for _, rule := range handlers.Rules() {
			if rule.Roles == nil || slices.Contains(rule.Roles, handlers.Citizen) {
				continue
			}
			path := strings.NewReplacer("{id}", mine, "{citizen_id}", "c-mine", "{payment_id}", mine+".dog-2026").Replace(rule.Path)
			var p page
			if rule.Method == http.MethodPost {
				p = b.do(rule.Method, path, url.Values{})
			} else {
				p = b.get(path)
			}
			if p.status != http.StatusForbidden {
				t.Errorf("a citizen's session on %s %s: %d, want 403", rule.Method, rule.Path, p.status)
			}
		}
		// The citizen's bearer token too.
		form := b.get("/obcan/moje-data")
		tok := b.do(http.MethodPost, "/obcan/klic", url.Values{"csrf": {csrf(t, form)}})
		token := regexpToken.FindStringSubmatch(tok.body)
		if token == nil {
			t.Fatalf("no token on the page:\n%s", tok.body)
		}
		if a := s.api("GET", "/v1/me/payments", token[1], nil); a.status != http.StatusOK {
			t.Errorf("the citizen's token on /v1/me/payments: %d", a.status)
		}
		if a := s.api("GET", "/v1/cases/"+mine, token[1], nil); a.status != http.StatusForbidden {
			t.Errorf("the citizen's token on a staff route: %d", a.status)
		}
		for _, rule := range handlers.Rules() {
			if !slices.Contains(rule.Roles, handlers.Citizen) {
				continue
			}
			path := strings.ReplaceAll(rule.Path, "{payment_id}", mine+".dog-2026")
			for _, token := range []string{"clerk-token", "officer-token", "dash-token", "admin-token"} {
				if a := s.api(rule.Method, path, token, nil); a.status != http.StatusForbidden {
					t.Errorf("%s on %s: %d, want 403", token, rule.Path, a.status)
				}
			}
			if a := s.api(rule.Method, path, "", nil); a.status != http.StatusUnauthorized {
				t.Errorf("no one on %s: %d, want 401", rule.Path, a.status)
			}
		}
		for _, path := range []string{"/v1/me/payments/" + theirs + ".dog-2026/qr.svg", "/v1/me/payments/" + theirs + ".dog-2026/qr.png",
			"/obcan/platby/" + theirs + ".dog-2026/qr.svg", "/obcan/platby/" + theirs + ".dog-2026/slozenka"} {
			if p := b.get(path); p.status != http.StatusNotFound {
				t.Errorf("another citizen's %s: %d, want 404", path, p.status)
			}
		}
		if a := b.me("/v1/me/payments"); a.status != http.StatusOK || strings.Contains(a.raw, theirs) || !strings.Contains(a.raw, mine) {
			t.Errorf("my payments: %d %s", a.status, a.raw)
		}
		// The console's session is nothing here.
		staff := s.browser()
		login := staff.get("/ui/login")
		if p := staff.do(http.MethodPost, "/ui/login", url.Values{"csrf": {csrf(t, login)}, "token": {"clerk-token"}}); p.status != http.StatusSeeOther {
			t.Fatalf("console sign-in: %d", p.status)
		}
		if p := staff.get("/obcan/povinnosti"); p.status != http.StatusSeeOther || p.location != "/obcan/prihlaseni" {
			t.Errorf("the console's session on the portal: %d → %q", p.status, p.location)
		}
		if p := staff.get("/v1/me"); p.status != http.StatusUnauthorized {
			t.Errorf("the console's session on /v1/me: %d", p.status)
		}
		if p := b.get("/ui/cases"); p.status == http.StatusOK {
			t.Errorf("the citizen's session on the console: %d", p.status)
		}
	})
}

var regexpToken = regexpMust(`<code class="secret">([^<]+)</code>`)

// A clerk bound to an office issues credentials only to citizens of that
// office; another's is not found.
func TestPortalAccessIsOfficeScoped(t *testing.T) {
	db := testdb.SQLite(t)
	s := newStack(t, db, today)
	s.lostCard("c-praha", "Praha 1", "2026-03-02")
	s.lostCard("c-brno", "Brno", "2026-03-02")
	if a := s.api("POST", "/v1/citizens/c-praha/portal-access", "brno-token", nil); a.status != http.StatusNotFound {
		t.Errorf("Brno's clerk for a Prague citizen: %d", a.status)
	}
	if a := s.api("POST", "/v1/citizens/c-brno/portal-access", "brno-token", nil); a.status != http.StatusCreated {
		t.Errorf("Brno's clerk for a Brno citizen: %d %s", a.status, a.raw)
	}
	if a := s.api("POST", "/v1/citizens/nobody/portal-access", "clerk-token", nil); a.status != http.StatusNotFound {
		t.Errorf("an unknown citizen: %d", a.status)
	}
	if a := s.api("POST", "/v1/citizens/c-brno/portal-access", "officer-token", nil); a.status != http.StatusForbidden {
		t.Errorf("a compliance officer: %d", a.status)
	}
}

// For citizens with random cases (cards lost on random days, some found
// and surrendered, at two offices), the citizen's obligations are the
// staff's view of the same cases, item for item, without the office's
// internal fields.
func TestTheCitizensObligationsAreTheStaffView(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		s := newStack(t, db, today)
		rng := rand.New(rand.NewPCG(21, 2026))
		for c := range 3 {
			citizen := fmt.Sprintf("c-%d", c)
			for range 1 + rng.IntN(3) {
				office := []string{"Brno", "Praha 1"}[rng.IntN(2)]
				lost := today.AddDays(-1 - rng.IntN(60))
				id := s.lostCard(citizen, office, lost.String())
				if rng.IntN(2) == 0 {
					found := lost.AddDays(rng.IntN(20))
					if found.After(today) {
						found = today
					}
					s.write("POST", "/v1/cases/"+id+"/events", map[string]any{"type": "OldCardFound", "data": map[string]any{"found_on": found.String()}})
				}
			}
			user, password := s.credentials(citizen)
			b := s.browser()
			b.changePassword(user, password, "heslo občana "+citizen)
			mine := b.me("/v1/me/obligations")
			if mine.status != http.StatusOK {
				t.Fatalf("/v1/me/obligations: %d %s", mine.status, mine.raw)
			}
			var got struct{ Items []map[string]any }
			_ = json.Unmarshal([]byte(mine.raw), &got)
			var want []map[string]any
			var list struct {
				Items []struct {
					CaseID string `json:"case_id"`
				}
			}
			_ = json.Unmarshal([]byte(s.api("GET", "/v1/citizens/"+citizen+"/cases", "clerk-token", nil).raw), &list)
			for _, c := range list.Items {
				var v struct{ Obligations []map[string]any }
				_ = json.Unmarshal([]byte(s.api("GET", "/v1/cases/"+c.CaseID, "officer-token", nil).raw), &v)
				for _, o := range v.Obligations {
					delete(o, "no_flag")
					want = append(want, o)
				}
			}
			if len(want) == 0 {
				t.Fatalf("%s has no obligations to compare", citizen)
			}
			key := func(o map[string]any) string { return fmt.Sprint(o["case_id"], o["obligation"], o["due_on"]) }
			sortBy := func(a, b map[string]any) int { return strings.Compare(key(a), key(b)) }
			slices.SortFunc(want, sortBy)
			slices.SortFunc(got.Items, sortBy)
			if !reflect.DeepEqual(got.Items, want) {
				t.Errorf("%s sees\n%v\nthe staff see\n%v", citizen, got.Items, want)
			}
		}
	})
}

// A clerk's read of the citizen's case shows on the citizen's page of
// reads with when, the office and the role, never the clerk's name; the
// documents page says the card was reported lost and points to the state's
// portal; the export holds the cases, their facts, purposes and legal
// bases and says honestly that retention is not configured.
func TestReadsDocumentsAndExport(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		s := newStack(t, db, today)
		id := s.lostCard("c-1", "Brno", "2026-03-02")
		user, password := s.credentials("c-1")
		b := s.browser()
		b.changePassword(user, password, "heslo občana c-1")
		if p := b.get("/obcan/nahlizeni"); !strings.Contains(p.body, "zatím nikdo") {
			t.Errorf("reads before any: %s", p.body)
		}
		if a := s.api("GET", "/v1/cases/"+id, "brno-token", nil); a.status != http.StatusOK {
			t.Fatalf("clerk reads the case: %d", a.status)
		}
		reads := b.me("/v1/me/reads")
		if reads.status != http.StatusOK || !strings.Contains(reads.raw, `"role":"clerk"`) || !strings.Contains(reads.raw, `"office":"Brno"`) ||
			strings.Contains(reads.raw, "bara") {
			t.Errorf("reads: %d %s", reads.status, reads.raw)
		}
		if p := b.get("/obcan/nahlizeni"); !strings.Contains(p.body, "referent úřadu") || strings.Contains(p.body, "bara") {
			t.Errorf("reads page:\n%s", p.body)
		}
		docs := b.get("/obcan/doklady")
		for _, want := range []string{"ohlášen jako ztracený dne 2. 3. 2026", "https://obcan.portal.gov.cz"} {
			if !strings.Contains(docs.body, want) {
				t.Errorf("documents page lacks %q:\n%s", want, docs.body)
			}
		}
		x := b.get("/obcan/moje-data.json")
		if x.status != http.StatusOK || !strings.Contains(x.header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export: %d %v", x.status, x.header)
		}
		var export map[string]any
		if err := json.Unmarshal([]byte(x.body), &export); err != nil {
			t.Fatal(err)
		}
		ends, _ := export["retention_ends"].([]any)
		if len(ends) != 1 || ends[0].(map[string]any)["retention"] != "retention rules: not yet configured" || ends[0].(map[string]any)["case_id"] != id {
			t.Errorf("retention ends: %v", export["retention_ends"])
		}
		if export["retention"] != "retention rules: not yet configured" || len(export["purposes"].([]any)) == 0 ||
			len(export["cases"].([]any)) != 1 || len(export["events"].(map[string]any)[id].([]any)) < 2 {
			t.Errorf("export: %s", x.body)
		}
		if strings.Contains(x.body, "alice") || strings.Contains(x.body, "bara") {
			t.Errorf("the export names staff: %s", x.body)
		}
	})
}
