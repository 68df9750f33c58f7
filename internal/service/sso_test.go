package service_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/service"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/internal/testidp"
	"github.com/lhuta/lhuta/internal/teststack"
)

// The office's people at its identity provider: a clerk of Nová Ves, a
// regional supervisor, and the canteen's manager, whom lhuta knows no role of.
var people = []testidp.User{
	{Username: "jana", Password: "heslo-jany", First: "Jana", Last: "Nováková", Groups: []string{"zamestnanci", "lhuta-clerks-nova-ves"}},
	{Username: "petr", Password: "heslo-petra", First: "Petr", Last: "Dozor", Groups: []string{"lhuta-supervision"}},
	{Username: "eva", Password: "heslo-evy", First: "Eva", Last: "Kuchařová", Groups: []string{"zamestnanci", "kantyna"}},
}

const groups = "lhuta-clerks-nova-ves=clerk:nova-ves,lhuta-supervision=compliance_officer:*"

// machineTokens: a scanner's token, and one whose last day has passed.
const machineTokens = "scanner-token=clerk:skener;created=2026-01-05T08:00:00Z,old-token=clerk:stary-skener;expires=2026-06-30"

type running struct {
	url string
	idp *testidp.Provider
}

// startWithProvider runs the service as lhuta serve assembles it, with
// single sign-on through a real provider that knows lhuta as the client
// "lhuta" (redirect URI under the service's address).
func startWithProvider(t *testing.T, db *eventstore.DB, cfg service.Config, scheme string) running {
	t.Helper()
	idp := testidp.Start(t, people...)
	teststack.WithSSO(t, &cfg, machineTokens, idp.Issuer, "tajne-heslo-lhuty", groups)
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	cfg.DB, cfg.MinPositionWait = db, 30*time.Second
	today := calendar.NewDate(2026, time.December, 7)
	cfg.Today = func() calendar.Date { return today }
	base := scheme + "://" + teststack.Serve(t, cfg).String()
	idp.Register(testidp.Client{ID: "lhuta", Secret: "tajne-heslo-lhuty", RedirectURIs: []string{base + "/ui/login/sso/callback"}})
	return running{url: base, idp: idp}
}

// call sends one API request with a bearer token and returns the status
// and the body.
func call(t *testing.T, method, u, token, body string) (int, string) {
	t.Helper()
	contentType := "application/json"
	if body == "" {
		contentType = ""
	}
	status, _, b := teststack.Call(t, method, u, token, body, "Content-Type", contentType)
	return status, string(b)
}

func openCase(office, citizen string) string {
	return `{"situation":"id_card_incident","office":"` + office + `","citizen":{"id":"` + citizen +
		`","birth_date":"1980-05-17","full_name":"Karel Občan"}}`
}

// recordedBy is who recorded the case's first event, as the event store says.
func recordedBy(t *testing.T, base, caseID string) string {
	t.Helper()
	status, body := call(t, "GET", base+"/v1/cases/"+caseID+"/events", "scanner-token", "")
	var events struct {
		Items []struct {
			RecordedBy string `json:"recorded_by"`
		} `json:"items"`
	}
	if status != 200 || json.Unmarshal([]byte(body), &events) != nil || len(events.Items) == 0 {
		t.Fatalf("events of %s: %d %s", caseID, status, body)
	}
	return events.Items[0].RecordedBy
}

// The API takes the provider's access tokens: the person's groups give the
// role and office, their name is recorded_by. A token for another
// application, an expired one and one signed by a key the provider does not
// publish are refused, as is a person with no mapped group.
func TestTheAPITakesTheProvidersAccessTokens(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		lhuta := startWithProvider(t, db, service.Config{}, "http")
		idp := lhuta.idp
		idp.Register(testidp.Client{ID: "jina-aplikace", Secret: "jine-heslo", RedirectURIs: []string{"http://127.0.0.1:9/callback"}})

		jana := idp.AccessToken(t, "lhuta", "jana", "heslo-jany")
		status, body := call(t, "POST", lhuta.url+"/v1/cases", jana, openCase("nova-ves", "c-1"))
		if status != http.StatusCreated {
			t.Fatalf("Jana (clerk of nova-ves) opening a case of nova-ves: %d %s", status, body)
		}
		var opened struct{ ID string }
		_ = json.Unmarshal([]byte(body), &opened)
		if got := recordedBy(t, lhuta.url, opened.ID); got != "Jana Nováková" {
			t.Errorf("recorded_by %q, want the name from the provider, Jana Nováková", got)
		}
		if status, body := call(t, "POST", lhuta.url+"/v1/cases", jana, openCase("stara-ves", "c-2")); status != http.StatusForbidden {
			t.Errorf("Jana opening a case of another office: %d %s, want 403", status, body)
		}
		petr := idp.AccessToken(t, "lhuta", "petr", "heslo-petra")
		if status, body := call(t, "GET", lhuta.url+"/v1/flags", petr, ""); status != http.StatusOK {
			t.Errorf("Petr (compliance officer) listing the flags: %d %s", status, body)
		}
		if status, body := call(t, "POST", lhuta.url+"/v1/cases", petr, openCase("nova-ves", "c-3")); status != http.StatusForbidden {
			t.Errorf("Petr (compliance officer) opening a case: %d %s, want 403", status, body)
		}
		eva := idp.AccessToken(t, "lhuta", "eva", "heslo-evy")
		if status, body := call(t, "GET", lhuta.url+"/v1/obligations", eva, ""); status != http.StatusForbidden || !strings.Contains(body, "no group") {
			t.Errorf("Eva, in no mapped group: %d %s, want 403", status, body)
		}

		now := time.Now()
		claims := func(aud string, exp time.Time) map[string]any {
			return map[string]any{"iss": idp.Issuer, "sub": "user-a", "aud": []string{aud}, "iat": now.Add(-time.Hour).Unix(),
				"exp": exp.Unix(), "name": "Jana Nováková", "groups": []string{"lhuta-clerks-nova-ves"}}
		}
		// What is refused below differs from this in one claim or the key.
		if status, body := call(t, "GET", lhuta.url+"/v1/obligations", idp.Sign(t, claims("lhuta", now.Add(time.Hour))), ""); status != http.StatusOK {
			t.Fatalf("a token signed with the provider's key: %d %s", status, body)
		}
		refused := map[string]string{
			"a token the provider issued for another application": idp.AccessToken(t, "jina-aplikace", "jana", "heslo-jany"),
			"an expired token of the provider":                    idp.Sign(t, claims("lhuta", now.Add(-time.Minute))),
			"a token signed by a key the provider does not know":  testidp.SignWithUnknownKey(t, claims("lhuta", now.Add(time.Hour))),
			"an expired machine token":                            "old-token",
			"a made-up JWT":                                       "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.",
		}
		for what, token := range refused {
			if status, body := call(t, "GET", lhuta.url+"/v1/obligations", token, ""); status != http.StatusUnauthorized {
				t.Errorf("%s: %d %s, want 401", what, status, body)
			}
		}
		if status, body := call(t, "GET", lhuta.url+"/v1/obligations", "scanner-token", ""); status != http.StatusOK {
			t.Errorf("the machine token beside single sign-on: %d %s", status, body)
		}
	})
}

// visitor is a browser over HTTP: it keeps cookies and follows redirects,
// across lhuta and the provider.
type visitor struct {
	t      *testing.T
	client *http.Client
}

func newVisitor(t *testing.T) *visitor {
	jar, _ := cookiejar.New(nil)
	return &visitor{t: t, client: &http.Client{Jar: jar}}
}

// page is what a request ended at, after the redirects followed.
type page struct {
	status  int
	url     *url.URL
	header  http.Header
	cookies []*http.Cookie
	body    string
}

// read reads and closes an answer.
func read(t *testing.T, resp *http.Response, err error) page {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return page{resp.StatusCode, resp.Request.URL, resp.Header, resp.Cookies(), string(b)}
}

func (v *visitor) do(u string, form url.Values) page {
	v.t.Helper()
	if form != nil {
		resp, err := v.client.PostForm(u, form)
		return read(v.t, resp, err)
	}
	resp, err := v.client.Get(u)
	return read(v.t, resp, err)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signInAtProvider starts the console's sign-in through the provider and
// signs in on the provider's login form; it returns the page lhuta answers.
func (v *visitor) signInAtProvider(base, username, password string) page {
	v.t.Helper()
	p := v.do(base+"/ui/login/sso?next=/ui/cases", nil)
	id := p.url.Query().Get("authRequestID")
	if id == "" || !strings.Contains(p.body, `name="password"`) {
		v.t.Fatalf("lhuta did not send the browser to the provider's login form: %s\n%s", p.url, p.body)
	}
	login := *p.url
	login.RawQuery = ""
	return v.do(login.String(), url.Values{"id": {id}, "username": {username}, "password": {password}})
}

// A clerk signs in to the console through the provider: the console knows
// her name, role and office, and what she records bears her name; a person
// in no mapped group is told so in Czech.
func TestConsoleSignInThroughTheProvider(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		lhuta := startWithProvider(t, db, service.Config{}, "http")
		jana := newVisitor(t)
		if p := jana.do(lhuta.url+"/ui/login", nil); !strings.Contains(p.body, "Přihlásit se účtem úřadu") {
			t.Fatalf("the sign-in page offers no sign-in through the provider:\n%s", p.body)
		}
		p := jana.signInAtProvider(lhuta.url, "jana", "heslo-jany")
		if p.status != http.StatusOK || !strings.Contains(p.body, `http-equiv="refresh" content="0;url=/ui/cases"`) {
			t.Fatalf("after the provider: %d %s\n%s", p.status, p.url, p.body)
		}
		p = jana.do(lhuta.url+"/ui/cases/new", nil)
		if p.status != http.StatusOK || !strings.Contains(p.body, "Jana Nováková") || !strings.Contains(p.body, "nova-ves") {
			t.Fatalf("Jana's console: %d %s\n%s", p.status, p.url, p.body)
		}
		m := csrfField.FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("no CSRF token on the form:\n%s", p.body)
		}
		p = jana.do(lhuta.url+"/ui/cases", url.Values{"csrf": {m[1]}, "idem": {"form-1"},
			"situation": {"id_card_incident"}, "office": {"nova-ves"}, "citizen.full_name": {"Karel Občan"},
			"citizen.id": {"c-77"}, "citizen.birth_date": {"1980-05-17"}})
		caseID, _, _ := strings.Cut(strings.TrimPrefix(p.url.Path, "/ui/cases/"), "?")
		if p.status != http.StatusOK || len(caseID) != 36 {
			t.Fatalf("opening a case in the console: %d %s\n%s", p.status, p.url, p.body)
		}
		if got := recordedBy(t, lhuta.url, caseID); got != "Jana Nováková" {
			t.Errorf("recorded_by %q, want Jana Nováková", got)
		}

		eva := newVisitor(t)
		p = eva.signInAtProvider(lhuta.url, "eva", "heslo-evy")
		if p.status != http.StatusForbidden || !strings.Contains(p.body, "nepatří do žádné skupiny") || !strings.Contains(p.body, "Eva Kuchařová") {
			t.Errorf("Eva, in no mapped group: %d\n%s", p.status, p.body)
		}
		if p := eva.do(lhuta.url+"/ui/cases", nil); !strings.HasSuffix(p.url.Path, "/ui/login") {
			t.Errorf("Eva reached %s without a role", p.url)
		}
		// A callback that no sign-in of this browser started is refused.
		p = newVisitor(t).do(lhuta.url+"/ui/login/sso/callback?code=x&state=y", nil)
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, "nezačalo v tomto prohlížeči") {
			t.Errorf("a callback nobody started: %d\n%s", p.status, p.body)
		}
	})
}

// With the provider down, lhuta still starts and its machine tokens work;
// an access token cannot be checked (503, not 401: it may be good), and the
// console says the provider does not answer and offers the token form.
func TestTheProviderDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	_ = ln.Close() // nothing listens there now
	cfg := service.Config{DB: testdb.SQLite(t), Addr: "127.0.0.1:0"}
	teststack.WithSSO(t, &cfg, machineTokens, issuer, "", groups)
	base := "http://" + teststack.Serve(t, cfg).String()

	if status, body := call(t, "GET", base+"/v1/obligations", "scanner-token", ""); status != http.StatusOK {
		t.Errorf("a machine token with the provider down: %d %s", status, body)
	}
	jwt := testidp.SignWithUnknownKey(t, map[string]any{"iss": issuer, "aud": "lhuta", "exp": time.Now().Add(time.Hour).Unix()})
	if status, body := call(t, "GET", base+"/v1/obligations", jwt, ""); status != http.StatusServiceUnavailable {
		t.Errorf("an access token with the provider down: %d %s, want 503", status, body)
	}
	p := newVisitor(t).do(base+"/ui/login/sso", nil)
	if p.status != http.StatusBadGateway || !strings.Contains(p.body, "Poskytovatel identity úřadu teď neodpovídá") || !strings.Contains(p.body, `id="f-token"`) {
		t.Errorf("signing in through a provider that is down: %d\n%s", p.status, p.body)
	}
}
