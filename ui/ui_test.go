package ui_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/handlers"
	"github.com/lhuta/lhuta/internal/buildinfo"
	"github.com/lhuta/lhuta/internal/credits"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/ui"
)

var today = calendar.NewDate(2026, time.March, 30)

var caseLink = regexp.MustCompile(`/ui/cases/([0-9a-f-]{36})\?min_position=\d+`)

// openIncident opens an ID card incident case through the console and
// records its report; it returns the case id.
func openIncident(t *testing.T, b *browser, token, name string) string {
	t.Helper()
	p := b.do(http.MethodPost, "/ui/cases", url.Values{"csrf": {token}, "idem": {"open-" + url.QueryEscape(name)}, "situation": {"id_card_incident"},
		"office": {"Praha 1"}, "citizen.full_name": {name}, "citizen.id": {"c-" + name}, "citizen.birth_date": {"1980-05-17"}})
	m := caseLink.FindStringSubmatch(p.location)
	if p.status != http.StatusSeeOther || m == nil {
		t.Fatalf("open a case: %d %q %s", p.status, p.location, p.body)
	}
	id := m[1]
	p = b.do(http.MethodPost, "/ui/cases/"+id+"/record", url.Values{"csrf": {token}, "idem": {"report-" + url.QueryEscape(name)}, "type": {"IncidentReported"},
		"version": {"1"}, "kind": {"lost"}, "reported_on": {"2026-03-27"}, "reported_to": {"police"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("record the report: %d %s", p.status, p.body)
	}
	if p := b.get(p.location); p.status != http.StatusOK || !strings.Contains(p.body, "21. 4. 2026") {
		t.Fatalf("the case page after the report: %d\n%s", p.status, p.body)
	}
	return id
}

// TestCSRF: a form posted without the session's CSRF token, with another
// session's, or from another origin is refused and stores nothing.
func TestCSRF(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		st := newStack(t, db, today)
		b := st.browser()

		// The sign-in form is held to its own token (double submit).
		if p := b.do(http.MethodPost, "/ui/login", url.Values{"token": {"clerk-token"}}); p.status != http.StatusForbidden {
			t.Errorf("sign-in without the CSRF token: %d, want 403", p.status)
		}
		token := b.signIn("clerk-token")
		other := st.browser().signIn("clerk-token")

		open := url.Values{"situation": {"id_card_incident"}, "office": {"Praha 1"}, "citizen.full_name": {"Jana Nováková"},
			"citizen.id": {"c-1"}, "citizen.birth_date": {"1980-05-17"}}
		before := st.head()
		for name, csrf := range map[string]string{"no token": "", "a wrong token": "x" + token, "another session's token": other} {
			form := url.Values{}
			for k, v := range open {
				form[k] = v
			}
			if csrf != "" {
				form.Set("csrf", csrf)
			}
			p := b.do(http.MethodPost, "/ui/cases", form)
			if p.status != http.StatusForbidden || !strings.Contains(p.body, "CSRF") {
				t.Errorf("open a case with %s: %d, want 403 naming CSRF\n%s", name, p.status, p.body)
			}
		}
		// Another site's page posting with a stolen token is refused by its Origin.
		b.Origin = "http://evil.example"
		open.Set("csrf", token)
		if p := b.do(http.MethodPost, "/ui/cases", open); p.status != http.StatusForbidden {
			t.Errorf("a cross-origin post: %d, want 403", p.status)
		}
		if p := b.do(http.MethodPost, "/ui/logout", url.Values{"csrf": {token}}); p.status != http.StatusForbidden {
			t.Errorf("a cross-origin sign-out: %d, want 403", p.status)
		}
		b.Origin = ""
		if after := st.head(); after != before {
			t.Errorf("refused posts stored events: head %v → %v", before, after)
		}
		// The same form with the token is accepted: the refusals above were the token's.
		id := openIncident(t, b, token, "Jana Nováková")
		if p := b.get("/ui/cases"); !strings.Contains(p.body, "Jana Nováková") || !strings.Contains(p.body, `href="/ui/cases/`+id+`"`) {
			t.Errorf("the case search does not list the case just opened:\n%s", p.body)
		}

		// Recording an event without the token stores nothing either.
		before = st.head()
		p := b.do(http.MethodPost, "/ui/cases/"+id+"/record", url.Values{"type": {"LostCardUsed"}, "used_on": {"2026-03-28"}})
		if p.status != http.StatusForbidden || st.head() != before {
			t.Errorf("record without the CSRF token: %d, head %v → %v", p.status, before, st.head())
		}

		// Sign-out needs the token too, and ends the session.
		if p := b.do(http.MethodPost, "/ui/logout", nil); p.status != http.StatusForbidden {
			t.Errorf("sign-out without the CSRF token: %d, want 403", p.status)
		}
		if p := b.do(http.MethodPost, "/ui/logout", url.Values{"csrf": {token}}); p.status != http.StatusSeeOther {
			t.Errorf("sign-out: %d", p.status)
		}
		if p := b.get("/ui/cases/" + id); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/ui/login") {
			t.Errorf("the case after sign-out: %d %q, want the sign-in form", p.status, p.location)
		}
	})
}

// TestDashboardSeesNoPersonalData: a dashboard token reaches the
// dashboard and nothing else; no page it can open shows a name, a case id
// or a birth number: not the cases, the lists, nor the payments (the fee
// department's list, a QR code, a slip, the counter's page by citizen).
func TestDashboardSeesNoPersonalData(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		st := newStack(t, db, today)
		clerk := st.browser()
		name := "Jana Nováková"
		clerkToken := clerk.signIn("clerk-token")
		id := openIncident(t, clerk, clerkToken, name)
		fee := openLocalFee(t, clerk, clerkToken, "p-154")
		payment := url.PathEscape(fee + ".waste-2026")

		for _, token := range []string{"dash-token", "admin-token"} {
			b := st.browser()
			csrf := b.signIn(token)
			p := b.get("/ui/")
			if p.location != "/ui/dashboard" {
				t.Errorf("%s starts at %q, want /ui/dashboard", token, p.location)
			}
			p = b.get("/ui/dashboard?offices=Praha+1")
			if p.status != http.StatusOK || !strings.Contains(p.body, "<svg") {
				t.Errorf("%s: dashboard %d without a chart\n%s", token, p.status, p.body)
			}
			personal := []string{name, id, "c-" + name, fee, "p-154"}
			for _, path := range []string{"/ui/cases", "/ui/cases?q=" + id, "/ui/cases/" + id, "/ui/cases/" + id + "?as_of=2026-04-30",
				"/ui/cases/" + id + "/record?type=OldCardFound", "/ui/cases/" + id + "/record?type=FlagReviewed", "/ui/cases/new",
				"/ui/obligations", "/ui/obligations?status=", "/ui/obligations.csv?status=", "/ui/flags", "/ui/flags.csv",
				"/ui/sla", "/ui/sla.csv", "/ui/dashboard", "/ui/dashboard?offices=Praha+1",
				"/ui/cases/" + fee, "/ui/payments", "/ui/payments?status=unpaid&kind=local_fee", "/ui/payments.csv",
				"/ui/payments/" + payment + "/qr.svg", "/ui/payments/" + payment + "/slip", "/ui/citizens", "/ui/citizens?id=p-154",
				"/ui/cases/" + fee + "/record?type=PaymentReceived", "/ui/cases/" + fee + "/record?type=LocalFeeIncreased"} {
				p := b.get(path)
				for _, s := range personal {
					if strings.Contains(p.body, s) || strings.Contains(p.location, s) {
						t.Errorf("%s: %s shows %q (%d)", token, path, s, p.status)
					}
				}
				if p.status == http.StatusOK && !strings.HasPrefix(path, "/ui/dashboard") {
					t.Errorf("%s: %s answered 200; only the dashboard is theirs", token, path)
				}
			}
			before := st.head()
			for _, post := range []struct {
				path string
				form url.Values
			}{
				{"/ui/cases/" + id + "/record", url.Values{"csrf": {csrf}, "type": {"OldCardFound"}, "found_on": {"2026-03-28"}}},
				{"/ui/cases/" + fee + "/record", url.Values{"csrf": {csrf}, "type": {"PaymentReceived"}, "amount_czk": {"1200"},
					"paid_on": {"2026-03-28"}, "variable_symbol": {"1541"}}},
				{"/ui/cases", url.Values{"csrf": {csrf}, "situation": {"first_id_card"}, "office": {"Praha 1"},
					"citizen.full_name": {"X"}, "citizen.id": {"x"}, "citizen.birth_date": {"2011-01-01"}}},
			} {
				if p := b.do(http.MethodPost, post.path, post.form); p.status != http.StatusForbidden || strings.Contains(p.body, name) {
					t.Errorf("%s: POST %s: %d, want 403", token, post.path, p.status)
				}
			}
			if st.head() != before {
				t.Errorf("%s stored events", token)
			}
		}
	})
}

// TestRevokedToken: a session ends when its token is no longer accepted
// (tokens reloaded on SIGHUP), at the next page.
func TestRevokedToken(t *testing.T) {
	st := newStack(t, testdb.SQLite(t), today)
	b := st.browser()
	b.signIn("clerk-token")
	if p := b.get("/ui/obligations"); p.status != http.StatusOK {
		t.Fatalf("obligations: %d", p.status)
	}
	tok, err := handlers.ParseTokens("officer-token=compliance_officer:bob")
	if err != nil {
		t.Fatal(err)
	}
	st.server.SetTokens(tok)
	// The case search asks the API nothing, and shows recent cases with names.
	if p := b.get("/ui/cases"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/ui/login") {
		t.Errorf("the case search with a revoked token: %d %q, want the sign-in form", p.status, p.location)
	}
	if p := b.get("/ui/obligations"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/ui/login") {
		t.Errorf("after a revoked token the session is gone: %d %q", p.status, p.location)
	}
	if p := b.do(http.MethodPost, "/ui/login", url.Values{"csrf": {csrf(t, b.get("/ui/login"))}, "token": {"clerk-token"}}); p.status != http.StatusUnauthorized {
		t.Errorf("sign-in with the revoked token: %d, want 401", p.status)
	}
}

// TestCSVDownload: the officer's list downloads as the API's CSV, with the
// same filters.
func TestCSVDownload(t *testing.T) {
	st := newStack(t, testdb.SQLite(t), today)
	clerk := st.browser()
	id := openIncident(t, clerk, clerk.signIn("clerk-token"), "Jana Nováková")
	b := st.browser()
	b.signIn("officer-token")
	p := b.get("/ui/obligations.csv?status=overdue&as_of=2026-04-22")
	if p.status != http.StatusOK || !strings.HasPrefix(p.header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(p.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("CSV: %d %v", p.status, p.header)
	}
	lines := strings.Split(strings.TrimSpace(p.body), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "case_id,") || !strings.Contains(lines[1], id) || !strings.Contains(lines[1], "2026-04-21") {
		t.Errorf("CSV body:\n%s", p.body)
	}
	if p := b.get("/ui/obligations.csv?status=overdue&as_of=2026-04-21"); strings.Contains(p.body, id) {
		t.Errorf("not yet overdue on its last day, but listed:\n%s", p.body)
	}
	if p := b.get("/ui/no-such-page"); p.status != http.StatusNotFound || !strings.Contains(p.body, "Taková stránka") {
		t.Errorf("an unknown page: %d", p.status)
	}
	if p := b.get("/v1/no-such-endpoint"); p.status != http.StatusNotFound || !strings.Contains(p.body, "problems/not-found") {
		t.Errorf("the API behind the console: %d %s", p.status, p.body)
	}
	if p := b.get("/ui/obligations?as_of=2026-13-01"); p.status != http.StatusBadRequest || !strings.Contains(p.body, "as_of") {
		t.Errorf("a bad filter: %d, want 400 naming as_of", p.status)
	}
}

var flagLink = regexp.MustCompile(`type=FlagReviewed&amp;flag=([^"&]+)`)

var fieldError = regexp.MustCompile(`(?s)id="f-fine_czk-error">(.*?)</span>\s*</div>`)

// TestFineCap: the decision form shows the cap of the offence's rule and
// the API's refusal of a fine above it next to the field; nothing is
// stored until the fine is within the cap (zákon 328/1999 § 16a: 10 000 Kč).
func TestFineCap(t *testing.T) {
	st := newStack(t, testdb.SQLite(t), calendar.NewDate(2021, time.May, 3))
	clerk := st.browser()
	token := clerk.signIn("clerk-token")
	p := clerk.do(http.MethodPost, "/ui/cases", url.Values{"csrf": {token}, "situation": {"id_card_incident"},
		"office": {"Praha 1"}, "citizen.full_name": {"Jan Novák"}, "citizen.id": {"c-2"}, "citizen.birth_date": {"1970-01-01"}})
	id := caseLink.FindStringSubmatch(p.location)[1]
	if p := clerk.do(http.MethodPost, "/ui/cases/"+id+"/record", url.Values{"csrf": {token}, "type": {"IncidentReported"},
		"kind": {"stolen"}, "reported_on": {"2021-03-01"}, "reported_to": {"police"}}); p.status != http.StatusSeeOther {
		t.Fatalf("report: %d %s", p.status, p.body)
	} else {
		clerk.get(p.location) // waits for the read models to include the report (min_position)
	}

	b := st.browser()
	token = b.signIn("officer-token")
	m := flagLink.FindStringSubmatch(b.get("/ui/flags").body)
	if m == nil {
		t.Fatal("no flag to decide on the flags page")
	}
	flag, _ := url.QueryUnescape(m[1])
	form := b.get("/ui/cases/" + id + "/record?type=FlagReviewed&flag=" + url.QueryEscape(flag))
	if !strings.Contains(form.body, "nejvýše 10\u00a0000 Kč") || !strings.Contains(form.body, `data-max="10000"`) {
		t.Errorf("the form does not show the cap:\n%s", form.body)
	}
	decide := url.Values{"csrf": {token}, "type": {"FlagReviewed"}, "flag": {flag}, "decision": {"fined"}, "fine_czk": {"10001"}, "decided_on": {"2021-05-03"}}
	before := st.head()
	p = b.do(http.MethodPost, "/ui/cases/"+id+"/record", decide)
	if e := fieldError.FindStringSubmatch(p.body); p.status != http.StatusUnprocessableEntity || e == nil || !strings.Contains(e[1], "10000") {
		t.Errorf("a fine over the cap: %d, error next to the fine %q", p.status, e)
	}
	if st.head() != before {
		t.Error("a refused fine was stored")
	}
	decide.Set("fine_czk", "10000")
	if p := b.do(http.MethodPost, "/ui/cases/"+id+"/record", decide); p.status != http.StatusSeeOther {
		t.Fatalf("a fine at the cap: %d %s", p.status, p.body)
	}
	if p := b.get("/ui/cases/" + id); !strings.Contains(p.body, "uložena pokuta") || !strings.Contains(p.body, "10\u00a0000 Kč") {
		t.Errorf("the case does not show the fine:\n%s", p.body)
	}
}

// TestPlainHTTPFromAnotherMachine: over plain HTTP at another host's
// address the console is not served (its cookies would cross the network in
// the clear, and a browser keeps no Secure cookie there): every page says in
// Czech to use HTTPS, and the sign-in form is never reached to fail its CSRF
// check. On this machine plain HTTP works, with cookies that are not Secure.
func TestPlainHTTPFromAnotherMachine(t *testing.T) {
	st := newStack(t, testdb.SQLite(t), today)
	for host, refused := range map[string]bool{"lhuta.example:8080": true, "192.0.2.2:8080": true, "localhost:8080": false, "127.0.0.1:8080": false} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			req, _ := http.NewRequest(method, st.url+"/ui/login", strings.NewReader("csrf=x&token=clerk-token"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Host = host
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var body strings.Builder
			_, _ = io.Copy(&body, resp.Body)
			resp.Body.Close()
			asked := resp.StatusCode == http.StatusForbidden && strings.Contains(body.String(), "přes zabezpečené spojení (HTTPS)")
			if asked != refused || (refused && strings.Contains(body.String(), "CSRF")) {
				t.Errorf("%s /ui/login at %s: %d, asks for HTTPS: %v, want %v\n%s", method, host, resp.StatusCode, asked, refused, body.String())
			}
			if refused && !strings.Contains(body.String(), `href="https://`+strings.TrimSuffix(strings.TrimSuffix(host, ":8080"), ":")+`/ui/"`) {
				t.Errorf("the page at %s links to no HTTPS address:\n%s", host, body.String())
			}
			for _, c := range resp.Cookies() {
				if refused || c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/ui/" {
					t.Errorf("cookie %s at %s: %+v", c.Name, host, c)
				}
			}
		}
	}
}

// A session ends after 30 minutes without a page (a counter PC left signed
// in), and each page keeps it alive.
func TestAnIdleSessionEnds(t *testing.T) {
	st := newStack(t, testdb.SQLite(t), today)
	b := st.browser()
	start := time.Now()
	st.now.Store(&start)
	b.signIn("clerk-token")
	for _, after := range []time.Duration{29 * time.Minute, 58 * time.Minute} {
		at := start.Add(after)
		st.now.Store(&at)
		if p := b.get("/ui/cases"); p.status != http.StatusOK {
			t.Fatalf("a page %s after sign-in, each within 30 minutes of the last: %d", after, p.status)
		}
	}
	idle := start.Add(58*time.Minute + 31*time.Minute)
	st.now.Store(&idle)
	if p := b.get("/ui/cases"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/ui/login") {
		t.Errorf("31 minutes without a page: %d %q, want the sign-in form", p.status, p.location)
	}
}

// One person has at most MaxSessionsPerPerson console sessions: a sign-in
// past it ends their oldest session and no other, neither theirs nor
// another person's.
func TestASignInPastTheCapEndsTheOldestSession(t *testing.T) {
	st := newStack(t, testdb.SQLite(t), today)
	start := time.Now()
	st.now.Store(&start)
	other := st.browser()
	other.signIn("officer-token")
	var clerks []*browser
	for i := range ui.MaxSessionsPerPerson + 2 {
		at := start.Add(time.Duration(i+1) * time.Minute)
		st.now.Store(&at)
		b := st.browser()
		b.signIn("clerk-token")
		clerks = append(clerks, b)
	}
	for i, b := range clerks {
		p := b.get("/ui/cases")
		ended := i < 2
		if got := p.status == http.StatusSeeOther && strings.HasPrefix(p.location, "/ui/login"); got != ended {
			t.Errorf("the clerk's sign-in %d of %d: page %d %q, session ended %v, want %v", i+1, len(clerks), p.status, p.location, got, ended)
		}
	}
	if p := other.get("/ui/cases"); p.status != http.StatusOK {
		t.Errorf("another person's session: %d %q, want it alive", p.status, p.location)
	}
}

// Before: the console's sign-in form took any number of wrong tokens. Now
// an address gets 5 failures free; then every sign-in from it waits: 429
// with Retry-After of 30 s, doubling (internal/signin).
func TestSignInIsLimitedPerAddress(t *testing.T) {
	st := newStack(t, testdb.SQLite(t), today)
	now := time.Date(2026, 4, 10, 9, 0, 0, 0, time.UTC)
	st.now.Store(&now)
	b := st.browser()
	try := func(token string) page {
		return b.do(http.MethodPost, "/ui/login", url.Values{"csrf": {csrf(t, b.get("/ui/login"))}, "token": {token}})
	}
	for i := range 5 {
		if p := try("guess-" + strconv.Itoa(i)); p.status != http.StatusUnauthorized {
			t.Fatalf("wrong token %d: %d, want 401", i+1, p.status)
		}
	}
	p := try("guess-5")
	if p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") != "30" || !strings.Contains(p.body, "Zkuste to znovu za 30 s") {
		t.Fatalf("the 6th wrong token: %d Retry-After %q\n%s", p.status, p.header.Get("Retry-After"), p.body)
	}
	if p := try("clerk-token"); p.status != http.StatusTooManyRequests {
		t.Errorf("the right token while the address waits: %d, want 429", p.status)
	}
	later := now.Add(31 * time.Second)
	st.now.Store(&later)
	if p := try("clerk-token"); p.status != http.StatusSeeOther {
		t.Errorf("the right token after the wait: %d\n%s", p.status, p.body)
	}
	if p := try("guess-6"); p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") != "60" {
		t.Errorf("the next wrong token: %d Retry-After %q, want 429 after 60 s", p.status, p.header.Get("Retry-After"))
	}
}

// Every page's footer says which build of lhuta serves it.
func TestFooterNamesTheBuild(t *testing.T) {
	st := newStack(t, testdb.SQLite(t), today)
	b := st.browser()
	want := `<footer class="build">lhuta ` + html.EscapeString(buildinfo.Get().Short()) + `</footer>`
	if p := b.get("/ui/login"); p.status != http.StatusOK || !strings.Contains(p.body, want) {
		t.Errorf("the sign-in page (%d) lacks %s", p.status, want)
	}
	b.signIn("clerk-token")
	if p := b.get("/ui/obligations"); p.status != http.StatusOK || !strings.Contains(p.body, want) {
		t.Errorf("the obligations page (%d) lacks %s", p.status, want)
	}
}

// A date is typed the Czech way, with or without spaces, in the forms that
// record events and open cases; the case page explains the fee in Czech
// and labels the assignment's "to" as a person.
func TestCzechDatesAndTheFeeInCzech(t *testing.T) {
	_, b, token := clerkSignedIn(t, testdb.SQLite(t), today)
	p := b.do(http.MethodPost, "/ui/cases", url.Values{"csrf": {token}, "idem": {"open-cz"}, "situation": {"id_card_incident"},
		"office": {"Praha 1"}, "citizen.full_name": {"Jana Nováková"}, "citizen.id": {"c-cz"}, "citizen.birth_date": {"17.5.1980"}})
	m := caseLink.FindStringSubmatch(p.location)
	if p.status != http.StatusSeeOther || m == nil {
		t.Fatalf("open a case with the birth date 17.5.1980: %d %s", p.status, p.body)
	}
	id := m[1]
	last := ""
	for i, rec := range []url.Values{
		{"type": {"IncidentReported"}, "version": {"1"}, "kind": {"lost"}, "reported_on": {"27. 3. 2026"}, "reported_to": {"police"}},
		{"type": {"ApplicationFiled"}, "version": {"2"}, "document": {"id_card"}, "filed_on": {"27.3.2026"}, "track": {"standard"},
			"filing_office": {"municipal_office"}},
	} {
		rec.Set("csrf", token)
		rec.Set("idem", "cz-"+rec.Get("type"))
		p := b.do(http.MethodPost, "/ui/cases/"+id+"/record", rec)
		if p.status != http.StatusSeeOther {
			t.Fatalf("record %d with a Czech date: %d %s", i, p.status, p.body)
		}
		last = p.location
	}
	page := b.get(last).body
	for _, want := range []string{"17. 5. 1980", "21. 4. 2026", "protože dosavadní průkaz byl ztracen: 100 Kč"} {
		if !strings.Contains(page, want) {
			t.Errorf("the case page lacks %q", want)
		}
	}
	if strings.Contains(page, "card without chip because") {
		t.Error("the case page explains the fee in English")
	}
	form := b.get("/ui/cases/" + id + "/record?type=CaseAssigned").body
	if !strings.Contains(form, `<label for="f-to">Komu (přihlašovací jméno pracovníka)`) {
		t.Errorf("the assignment form's to:\n%s", form)
	}
}

// openLocalFee opens a local_fee case at Nová Ves through the console and
// records seed 004's liability: a resident of house 154 in the part Nová
// Ves from 15 January 2026. It returns the case id.
func openLocalFee(t *testing.T, b *browser, token, citizen string) string {
	t.Helper()
	p := b.do(http.MethodPost, "/ui/cases", url.Values{"csrf": {token}, "idem": {"open-" + citizen}, "situation": {"local_fee"},
		"office": {"nova-ves"}, "citizen.full_name": {"Jana Nováková"}, "citizen.id": {citizen}, "citizen.birth_date": {"1980-05-17"}})
	m := caseLink.FindStringSubmatch(p.location)
	if p.status != http.StatusSeeOther || m == nil {
		t.Fatalf("open a local_fee case: %d %q %s", p.status, p.location, p.body)
	}
	id := m[1]
	form := b.get("/ui/cases/" + id + "/record?type=LocalFeeLiabilityArose")
	for _, f := range []string{`id="f-fee"`, `id="f-arose_on"`, `id="f-basis"`, `id="f-house_number"`, `id="f-village_part"`, `id="f-dogs"`,
		"poplatek za komunální odpad"} {
		if !strings.Contains(form.body, f) {
			t.Errorf("the liability form lacks %s:\n%s", f, form.body)
		}
	}
	p = b.do(http.MethodPost, "/ui/cases/"+id+"/record", url.Values{"csrf": {token}, "idem": {"arose-" + citizen}, "type": {"LocalFeeLiabilityArose"},
		"version": {"1"}, "fee": {"waste"}, "arose_on": {"2026-01-15"}, "basis": {"permanent_residence"}, "house_number": {"154"}, "village_part": {"Nová Ves"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("record the liability: %d %s", p.status, p.body)
	}
	b.get(p.location) // waits for the read models (min_position)
	return id
}

var qrLink = regexp.MustCompile(`src="(/ui/payments/[^"]+/qr\.svg[^"]*)"`)

// TestPayments: a local_fee case shows what is owed (1 200 Kč by 28 Feb
// 2026, a Saturday, so by Monday 2 Mar, VS 1541) with its QR Platba image and slip; the fee department's
// list and the counter's page by citizen show it; a payment recorded
// through the console's form settles it and its QR goes away.
func TestPayments(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		st, b, token := clerkSignedIn(t, db, calendar.NewDate(2026, time.February, 2))
		id := openLocalFee(t, b, token, "p-154")

		p := b.get("/ui/cases/" + id)
		for _, want := range []string{`id="h-payments"`, "poplatek za komunální odpad 2026", "1\u00a0200\u00a0Kč", "2. 3. 2026",
			"1541", "CZ6308000000000460043319", "460043319/0800", "Obecní úřad Nová Ves", `class="slip"`, "Nováková",
			"nezaplaceno (před splatností)"} {
			if !strings.Contains(p.body, want) {
				t.Errorf("the case page lacks %q", want)
			}
		}
		if strings.Contains(p.body, `id="h-fee"`) {
			t.Error("a local_fee case shows the administrative fee section")
		}
		m := qrLink.FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("no QR image on the case page:\n%s", p.body)
		}
		src := strings.ReplaceAll(m[1], "&amp;", "&")
		qr := b.get(src)
		if qr.status != http.StatusOK || qr.header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(qr.body, "<svg") {
			t.Errorf("QR %s: %d %s %.60s", src, qr.status, qr.header.Get("Content-Type"), qr.body)
		}
		slip := b.get("/ui/payments/" + url.PathEscape(id+".waste-2026") + "/slip")
		if slip.status != http.StatusOK || !strings.Contains(slip.body, `class="slip"`) || !strings.Contains(slip.body, "Specifický symbol") ||
			!strings.Contains(slip.body, "/ui/assets/print.css") || !qrLink.MatchString(slip.body) {
			t.Errorf("slip page: %d\n%s", slip.status, slip.body)
		}

		// The fee department's list, by status and kind, and the counter.
		for path, listed := range map[string]bool{
			"/ui/payments": true, "/ui/payments?status=unpaid&kind=local_fee&office=nova-ves": true,
			"/ui/payments?status=overdue": false, "/ui/payments?status=overdue&as_of=2026-03-03": true, "/ui/payments?kind=fine": false} {
			p := b.get(path)
			if p.status != http.StatusOK || strings.Contains(p.body, `href="/ui/cases/`+id+`"`) != listed {
				t.Errorf("%s: %d, listed %v", path, p.status, !listed)
			}
		}
		if p := b.get("/ui/payments?status=nonsense"); p.status != http.StatusBadRequest || !strings.Contains(p.body, "status") {
			t.Errorf("a bad status filter: %d", p.status)
		}
		if p := b.get("/ui/payments.csv?kind=local_fee"); p.status != http.StatusOK || !strings.HasPrefix(p.body, "id,case_id,") || !strings.Contains(p.body, "1541") {
			t.Errorf("payments CSV: %d\n%s", p.status, p.body)
		}
		counter := b.get("/ui/citizens?id=p-154")
		if counter.status != http.StatusOK || !strings.Contains(counter.body, `href="/ui/cases/`+id+`"`) || !strings.Contains(counter.body, "Místní poplatek") ||
			!strings.Contains(counter.body, "1\u00a0200\u00a0Kč") || !qrLink.MatchString(counter.body) {
			t.Errorf("the counter page: %d\n%s", counter.status, counter.body)
		}
		if p := b.get("/ui/citizens?id=nobody"); p.status != http.StatusOK || !strings.Contains(p.body, "žádný případ") {
			t.Errorf("an unknown citizen: %d", p.status)
		}

		// The officer's increase is the officer's: not offered to the clerk.
		if strings.Contains(p.body, "type=LocalFeeIncreased") {
			t.Error("the clerk is offered the officer's LocalFeeIncreased")
		}
		if p := b.get("/ui/cases/" + id + "/record?type=PaymentReceived"); p.status != http.StatusOK || !strings.Contains(p.body, `id="f-variable_symbol"`) {
			t.Fatalf("the payment form: %d", p.status)
		}
		pay := url.Values{"csrf": {token}, "idem": {"pay-1"}, "type": {"PaymentReceived"}, "amount_czk": {"1200"},
			"paid_on": {"2026-02-02"}, "variable_symbol": {"1541"}, "bank_reference": {"B-1"}}
		if p := b.do(http.MethodPost, "/ui/cases/"+id+"/record", pay); p.status != http.StatusSeeOther {
			t.Fatalf("record the payment: %d %s", p.status, p.body)
		} else if p := b.get(p.location); !strings.Contains(p.body, ">zaplaceno<") || qrLink.MatchString(p.body) || strings.Contains(p.body, `class="slip"`) {
			t.Errorf("after paying in full the case still asks for money:\n%s", p.body)
		}
		if p := b.get(src); p.status != http.StatusNotFound {
			t.Errorf("the QR of a paid obligation: %d, want 404", p.status)
		}

		officer := st.browser()
		otoken := officer.signIn("officer-token")
		p = officer.get("/ui/cases/" + id)
		if !strings.Contains(p.body, "type=LocalFeeIncreased") {
			t.Errorf("the officer is not offered LocalFeeIncreased:\n%s", p.body)
		}
		form := officer.get("/ui/cases/" + id + "/record?type=LocalFeeIncreased")
		for _, f := range []string{`id="f-fee"`, `id="f-year"`, `id="f-increase_czk"`, `id="f-decided_on"`, `id="f-due_on"`, `id="f-reason"`} {
			if !strings.Contains(form.body, f) {
				t.Errorf("the increase form lacks %s", f)
			}
		}
		// Paid in full: there is nothing unpaid to raise, and the API says so next to a field.
		before := st.head()
		p = officer.do(http.MethodPost, "/ui/cases/"+id+"/record", url.Values{"csrf": {otoken}, "idem": {"inc-1"}, "type": {"LocalFeeIncreased"},
			"fee": {"waste"}, "year": {"2026"}, "increase_czk": {"2400"}, "decided_on": {"2026-02-02"}, "due_on": {"2026-02-20"},
			"reason": {"no answer to two written reminders"}})
		if p.status == http.StatusSeeOther || !strings.Contains(p.body, "Nic nebylo uloženo") || st.head() != before {
			t.Errorf("raising a paid fee: %d, head %v → %v", p.status, before, st.head())
		}
	})
}

// TestKnownAt: the case page shows a case as the office knew it at an
// instant: a fact recorded later is not on it, and nothing can be recorded
// on that view.
func TestKnownAt(t *testing.T) {
	_, b, token := clerkSignedIn(t, testdb.SQLite(t), today)
	opened := time.Now().UTC().Format(time.RFC3339Nano)
	time.Sleep(20 * time.Millisecond)
	id := openIncident(t, b, token, "Jana Nováková")
	p := b.get("/ui/cases/" + id + "?known_at=" + url.QueryEscape(opened))
	if p.status != http.StatusNotFound {
		t.Errorf("known at an instant before the case was opened: %d, want 404", p.status)
	}
	now := time.Now().UTC().Add(time.Second).Format(time.RFC3339)
	p = b.get("/ui/cases/" + id + "?known_at=" + url.QueryEscape(now))
	if p.status != http.StatusOK || !strings.Contains(p.body, "21. 4. 2026") || !strings.Contains(p.body, `id="known-at-note"`) ||
		strings.Contains(p.body, `id="h-record"`) || !strings.Contains(p.body, `value="`+now+`"`) {
		t.Errorf("known at now: %d\n%s", p.status, p.body)
	}
	if p := b.get("/ui/cases/" + id + "?known_at=yesterday"); p.status != http.StatusBadRequest || !strings.Contains(p.body, "known_at") {
		t.Errorf("a bad known_at: %d", p.status)
	}
}

// TestNoFlagAndNewFields: a child's missed deadline says on the case page
// why it raises no flag (no_flag), and the event forms carry the optional
// fields the contract gained (obstacle_from, consent_obstacle,
// permanent_residence_in_cz, surname_changed_on), labelled in Czech.
func TestNoFlagAndNewFields(t *testing.T) {
	st := newStack(t, testdb.SQLite(t), calendar.NewDate(2026, time.May, 1))
	st.api("POST", "/v1/cases", "clerk-token", map[string]any{"situation": "residence_change", "office": "Praha 1",
		"citizen": map[string]string{"id": "c-child", "birth_date": "2015-01-10", "full_name": "Karel Malý"}})
	child := st.lastID
	pos := st.api("POST", "/v1/cases/"+child+"/events", "clerk-token", map[string]any{"type": "ResidenceChangeReported",
		"data": map[string]any{"reported_on": "2026-04-01", "registration_office": "Praha 1"}})
	b := st.browser()
	b.signIn("clerk-token")
	p := b.get("/ui/cases/" + child + "?min_position=" + strconv.FormatInt(pos, 10))
	if !strings.Contains(p.body, `class="noflag"`) || !strings.Contains(p.body, "Bez podezření z přestupku") || !strings.Contains(p.body, "under 15") {
		t.Errorf("the child's overdue obligation does not say why it raises no flag:\n%s", p.body)
	}
	st.api("POST", "/v1/cases", "clerk-token", map[string]any{"situation": "residence_change", "office": "Praha 1",
		"citizen": map[string]string{"id": "c-adult", "birth_date": "1980-01-10", "full_name": "Karel Velký"}})
	adult := st.lastID
	pos = st.api("POST", "/v1/cases/"+adult+"/events", "clerk-token", map[string]any{"type": "ResidenceChangeReported",
		"data": map[string]any{"reported_on": "2026-04-01", "registration_office": "Praha 1"}})
	if p := b.get("/ui/cases/" + adult + "?min_position=" + strconv.FormatInt(pos, 10)); strings.Contains(p.body, `class="noflag"`) {
		t.Error("an adult's obligation says it raises no flag")
	}

	for _, c := range []struct{ situation, birth, event, field, label string }{
		{"passport_application", "2012-01-10", "ApplicationFiled", "consent_obstacle", "Překážka souhlasu zákonného zástupce"},
		{"first_id_card", "2011-01-10", "CitizenTurned15", "permanent_residence_in_cz", "Trvalý pobyt v ČR"},
		{"marital_status_change", "1980-01-10", "MaritalStatusChanged", "surname_changed_on", "Datum změny příjmení"},
	} {
		pos := st.api("POST", "/v1/cases", "clerk-token", map[string]any{"situation": c.situation, "office": "Praha 1",
			"citizen": map[string]string{"id": "c-" + c.event, "birth_date": c.birth, "full_name": "Eva Nová"}})
		p := b.get("/ui/cases/" + st.lastID + "/record?type=" + c.event + "&min_position=" + strconv.FormatInt(pos, 10))
		if p.status != http.StatusOK || !strings.Contains(p.body, `id="f-`+c.field+`"`) || !strings.Contains(p.body, c.label) {
			t.Errorf("%s form: %d, no field %s labelled %q\n%s", c.event, p.status, c.field, c.label, p.body)
		}
	}
	officer := st.browser()
	officer.signIn("officer-token")
	if p := officer.get("/ui/cases/" + child + "/record?type=ObligationExcused"); !strings.Contains(p.body, `id="f-obstacle_from"`) || !strings.Contains(p.body, "Překážka od") {
		t.Errorf("ObligationExcused form without obstacle_from:\n%s", p.body)
	}
}

// listCredit puts an unmatched credit of Nová Ves in the ledger, as an
// import of a statement does, and returns its id.
func listCredit(t *testing.T, db *eventstore.DB, ref string, amount int, message string) string {
	t.Helper()
	c, mine, err := credits.New(db.SQL).Claim(context.Background(), credits.Credit{Office: "nova-ves", BookedOn: calendar.NewDate(2026, 2, 20),
		AmountCZK: amount, VariableSymbol: "1541", Message: message, CounterParty: "PLATCE", BankReference: ref, Statement: "s",
		Status: credits.Open, Reason: "the variable symbol is shared"}, time.Now())
	if err != nil || !mine {
		t.Fatalf("list a credit: %v %v", mine, err)
	}
	return c.ID
}

// TestUnmatchedCredits: the fee department sees the open unmatched credits
// ("Nespárované platby"), assigns one to a case through its form (the case
// then holds the payment and owes nothing) and marks another for refund;
// both leave the open list.
func TestUnmatchedCredits(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		_, b, token := clerkSignedIn(t, db, calendar.NewDate(2026, time.March, 10))
		caseID := openLocalFee(t, b, token, "p-154")
		assign := listCredit(t, db, "R-1", 1200, "odpad")
		refund := listCredit(t, db, "R-2", 300, "omylem")

		p := b.get("/ui/unmatched-credits")
		for _, want := range []string{"Nespárované platby", `href="/ui/unmatched-credits" aria-current="page"`, "20. 2. 2026", "1\u00a0200\u00a0Kč",
			"odpad", "R-1", "R-2", "čeká na rozhodnutí", `action="/ui/unmatched-credits/` + assign + `/assign"`,
			`for="case-` + assign + `"`, `for="reason-` + refund + `"`} {
			if !strings.Contains(p.body, want) {
				t.Errorf("the list lacks %q", want)
			}
		}
		if r := b.do(http.MethodPost, "/ui/unmatched-credits/"+assign+"/assign", url.Values{"case_id": {caseID}}); r.status != http.StatusForbidden {
			t.Errorf("an assignment without the CSRF token: %d", r.status)
		}
		r := b.do(http.MethodPost, "/ui/unmatched-credits/"+assign+"/assign", url.Values{"csrf": {token}, "case_id": {caseID}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("assign: %d %s", r.status, r.body)
		}
		r = b.do(http.MethodPost, "/ui/unmatched-credits/"+refund+"/return", url.Values{"csrf": {token}, "reason": {"neznámý plátce"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("return: %d %s", r.status, r.body)
		}
		if p := b.get(r.location); strings.Contains(p.body, "R-1") || strings.Contains(p.body, "R-2") {
			t.Errorf("decided credits are still listed as open:\n%s", p.body)
		}
		if p := b.get("/ui/unmatched-credits?status=assigned"); !strings.Contains(p.body, "přiřazeno") || !strings.Contains(p.body, "/ui/cases/"+caseID) {
			t.Errorf("the assigned credit does not link its case:\n%s", p.body)
		}
		if p := b.get("/ui/cases/" + caseID); !strings.Contains(p.body, "zaplaceno") || !strings.Contains(p.body, "R-1") {
			t.Errorf("the case does not show the assigned payment:\n%s", p.body)
		}
		// Assigning the refunded credit is refused with the API's reason.
		if r := b.do(http.MethodPost, "/ui/unmatched-credits/"+refund+"/assign", url.Values{"csrf": {token}, "case_id": {caseID}}); r.status != http.StatusConflict ||
			!strings.Contains(r.body, "returned to the payer") {
			t.Errorf("assigning a returned credit: %d %s", r.status, r.body)
		}
	})
}
