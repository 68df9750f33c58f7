// Package ui is lhuta's web console for clerks, compliance officers and
// dashboards (docs/CONSOLE.md): server-rendered Czech pages under /ui/,
// html/template with embedded assets and no JavaScript.
//
// The console holds no rules of its own. Every page and every form goes
// through the HTTP API's handlers in-process, with the signed-in user's
// bearer token: the API authenticates the token, its route table decides
// what the role may do, the domain decides and validates, the write door
// (internal/caserepo) stores and the read models answer. What the console
// shows is what the API answered; a refusal is the API's problem document,
// its field errors shown next to the form's fields.
package ui

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/domain/money"
	"github.com/lhuta/lhuta/handlers"
	"github.com/lhuta/lhuta/internal/forwarded"
	"github.com/lhuta/lhuta/internal/signin"
	"github.com/lhuta/lhuta/internal/sso"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// Config is what the console needs.
type Config struct {
	// API is the HTTP API's handler (handlers.Server.Routes); every page
	// calls it in-process with the user's token.
	API http.Handler
	// Identify says whose a token is (handlers.Server.Identify), for the
	// sign-in form.
	Identify func(token string) (handlers.Identity, bool)
	// Today returns the service's today, the same clock the API uses; the
	// console uses it only to prefill dates in forms.
	Today func() calendar.Date
	Log   *slog.Logger
	// Offices are the offices' payment terms, for the payee's name on a
	// payment slip; without them a slip names the office by its code.
	Offices *money.Offices
	// Now is the clock sessions expire by (nil: time.Now).
	Now func() time.Time
	// SSO signs staff in through the office's identity provider (nil: the
	// token form only).
	SSO *sso.Provider
	// PublicURL is where browsers reach lhuta (LHUTA_PUBLIC_URL,
	// https://lhuta.example.cz); the provider sends them back under it.
	// "": the scheme and host each request came with.
	PublicURL string
	// SignIn limits failed sign-ins per client address (nil: a signin.New
	// of the console's own, on Now).
	SignIn *signin.Limiter
}

// SessionCookie is the name of the console's session cookie.
const SessionCookie = "lhuta_session"

// loginCookie carries the sign-in form's CSRF token (double submit) before
// there is a session.
const loginCookie = "lhuta_login"

// sessionLifetime is how long a session lasts from sign-in, and sessionIdle
// how long it lasts without a page (a counter PC left signed in).
const (
	sessionLifetime = 10 * time.Hour
	sessionIdle     = 30 * time.Minute
)

// MaxSessionsPerPerson bounds the console sessions one person (a name and
// role of a token) has at once: a sign-in past it ends their oldest
// session, so sign-ins without sign-outs (a script, a shared token) cannot
// grow the server's memory without end.
const MaxSessionsPerPerson = 5

// Console serves /ui/.
type Console struct {
	cfg   Config
	pages map[string]*template.Template
	mux   *http.ServeMux

	mu       sync.Mutex
	sessions map[string]*session
	// pending are the sign-ins sent to the identity provider, by state.
	pending map[string]pendingSignIn
}

// session is one signed-in user. The bearer token stays on the server: the
// cookie holds only a random session id.
type session struct {
	// token is the bearer token the user signed in with; "" for a person
	// the identity provider signed in, whose API calls carry who instead.
	token   string
	who     handlers.Identity
	csrf    string
	started time.Time
	expires time.Time
	// seen is when the session last asked for a page.
	seen time.Time
	// written is the position of the user's latest write: every query the
	// console makes for them waits for the read models to include it
	// (min_position), so a user never sees a page older than their own write.
	written int64
	// recent are the cases the user opened last, newest first, for the
	// case search: the API has no search by citizen.
	recent []recentCase
}

type recentCase struct{ ID, Reference, Citizen, Situation string }

// maxRecent bounds a session's list of recent cases.
const maxRecent = 10

// remember puts a case at the top of the session's recent cases.
func (con *Console) remember(s *session, c recentCase) {
	con.mu.Lock()
	defer con.mu.Unlock()
	s.recent = slices.DeleteFunc(s.recent, func(r recentCase) bool { return r.ID == c.ID })
	s.recent = append([]recentCase{c}, s.recent...)
	if len(s.recent) > maxRecent {
		s.recent = s.recent[:maxRecent]
	}
}

func (con *Console) recentCases(s *session) []recentCase {
	con.mu.Lock()
	defer con.mu.Unlock()
	return slices.Clone(s.recent)
}

// Mount returns a handler that serves the console under /ui/ and the API
// (api) everywhere else.
func Mount(api http.Handler, c Config) http.Handler {
	c.API = api
	root := http.NewServeMux()
	root.Handle("/ui/", New(c))
	root.Handle("/", api)
	return root
}

// New returns the console.
func New(c Config) *Console {
	if c.Log == nil {
		c.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Today == nil {
		c.Today = func() calendar.Date { return calendar.Today(time.Now()) }
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.SignIn == nil {
		c.SignIn = signin.New()
		c.SignIn.Now = c.Now
	}
	con := &Console{cfg: c, sessions: map[string]*session{}, pending: map[string]pendingSignIn{}, pages: parsePages()}
	m := http.NewServeMux()
	assets, _ := fs.Sub(assetFS, "assets")
	m.Handle("GET /ui/assets/", http.StripPrefix("/ui/assets/", http.FileServerFS(assets)))
	m.HandleFunc("GET /ui/{$}", con.home)
	m.HandleFunc("GET /ui/login", con.loginPage)
	m.HandleFunc("POST /ui/login", con.login)
	m.HandleFunc("GET /ui/login/sso", con.ssoStart)
	m.HandleFunc("GET /ui/login/sso/callback", con.ssoCallback)
	m.HandleFunc("POST /ui/logout", con.signedIn(con.logout))
	m.HandleFunc("GET /ui/cases", con.signedIn(con.findPage))
	m.HandleFunc("GET /ui/cases/new", con.signedIn(con.newCasePage))
	m.HandleFunc("POST /ui/cases", con.signedIn(con.openCase))
	m.HandleFunc("GET /ui/cases/{id}", con.signedIn(con.casePage))
	m.HandleFunc("GET /ui/cases/{id}/record", con.signedIn(con.recordPage))
	m.HandleFunc("POST /ui/cases/{id}/record", con.signedIn(con.record))
	m.HandleFunc("GET /ui/my", con.signedIn(con.myCasesPage))
	m.HandleFunc("GET /ui/worklist.csv", con.signedIn(con.csv("/v1/worklist", "moje-pripady")))
	m.HandleFunc("POST /ui/cases/{id}/assign", con.signedIn(con.assignToMe))
	// Each list page has its CSV export next to it, as the API's list at
	// api, downloaded under the file name file.
	list := func(path string, page http.HandlerFunc, api, file string) {
		m.HandleFunc("GET "+path, con.signedIn(page))
		m.HandleFunc("GET "+path+".csv", con.signedIn(con.csv(api, file)))
	}
	list("/ui/obligations", con.obligationsPage, "/v1/obligations", "lhuty")
	list("/ui/payments", con.paymentsPage, "/v1/payments", "platby")
	list("/ui/unmatched-credits", con.creditsPage, "/v1/unmatched-credits", "nesparovane-platby")
	list("/ui/flags", con.flagsPage, "/v1/flags", "prestupky")
	list("/ui/sla", con.slaPage, "/v1/sla", "lhuty-uradu")
	m.HandleFunc("GET /ui/payments/{id}/qr.svg", con.signedIn(con.paymentQR))
	m.HandleFunc("GET /ui/payments/{id}/slip", con.signedIn(con.slipPage))
	m.HandleFunc("POST /ui/unmatched-credits/{id}/assign", con.signedIn(con.assignCredit))
	m.HandleFunc("POST /ui/unmatched-credits/{id}/return", con.signedIn(con.returnCredit))
	m.HandleFunc("GET /ui/citizens", con.signedIn(con.citizensPage))
	m.HandleFunc("GET /ui/dashboard", con.signedIn(con.dashboardPage))
	m.HandleFunc("/ui/", func(w http.ResponseWriter, r *http.Request) {
		con.fail(w, r, con.session(r), http.StatusNotFound, "Taková stránka v konzoli není.")
	})
	con.mux = m
	return con
}

func (con *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	signin.PageHeaders(w, r, "'self' data:", "/ui/assets/")
	if !secureContext(r) && !strings.HasPrefix(r.URL.Path, "/ui/assets/") {
		con.needHTTPS(w, r)
		return
	}
	if r.Method == http.MethodPost && !sameOrigin(r) {
		con.fail(w, r, nil, http.StatusForbidden, "Formulář nepochází z této stránky (kontrola původu požadavku).")
		return
	}
	con.mux.ServeHTTP(w, r)
}

// sameOrigin refuses a cross-site post outright where the browser says
// where it comes from (Origin, or Sec-Fetch-Site); the CSRF token is the
// check that does not depend on those headers.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" || origin == "null" {
		return origin == ""
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// setCookie sets a console cookie: HttpOnly, SameSite=Strict, limited to
// /ui/, and Secure whenever the browser came over HTTPS (directly or
// through a trusted proxy); only plain HTTP on localhost sets it without.
func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	cookie(w, r, name, value, maxAge, http.SameSiteStrictMode)
}

// cookie sets a console cookie with its SameSite mode.
func cookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int, sameSite http.SameSite) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/ui/", MaxAge: maxAge, //nolint:gosec // Secure follows the real scheme: plain HTTP is served on localhost only (secureContext)
		Secure: forwarded.HTTPS(r), HttpOnly: true, SameSite: sameSite})
}

func (con *Console) session(r *http.Request) *session {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return nil
	}
	con.mu.Lock()
	defer con.mu.Unlock()
	s := con.sessions[c.Value]
	if s == nil {
		return nil
	}
	// A session ends when it expires, and at once when its token is no
	// longer accepted as the same person and role (tokens reloaded on
	// SIGHUP), even on a page that asks the API nothing.
	now := con.cfg.Now()
	if now.After(s.expires) || now.Sub(s.seen) > sessionIdle {
		delete(con.sessions, c.Value)
		return nil
	}
	if s.token != "" {
		if who, ok := con.cfg.Identify(s.token); !ok || !who.Same(s.who) {
			delete(con.sessions, c.Value)
			return nil
		}
	}
	s.seen = now
	return s
}

type sessionKey struct{}

func current(r *http.Request) *session { return r.Context().Value(sessionKey{}).(*session) }

// signedIn lets only signed-in users through (others go to the sign-in
// form) and holds every post to the session's CSRF token.
func (con *Console) signedIn(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := con.session(r)
		if s == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/ui/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			con.fail(w, r, nil, http.StatusUnauthorized, "Nejste přihlášeni (nebo přihlášení vypršelo). Přihlaste se znovu.")
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
			if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(s.csrf)) != 1 {
				con.fail(w, r, s, http.StatusForbidden, "Formulář nemá platný bezpečnostní token (CSRF). Načtěte stránku znovu a odešlete jej znovu.")
				return
			}
		}
		h(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, s)))
	}
}

func (con *Console) home(w http.ResponseWriter, r *http.Request) {
	s := con.session(r)
	if s == nil {
		http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, startPage(s.who.Role), http.StatusSeeOther)
}

// startPage is where a role starts: a compliance officer (who may list the
// flags) at the overdue list, anyone else at the first page of their menu.
func startPage(role cases.Role) string {
	if may(role, "GET", "/v1/flags") {
		return "/ui/obligations"
	}
	for _, item := range menu(role) {
		return item.Href
	}
	return "/ui/login"
}

type loginData struct {
	CSRF, Next, Error string
	// SSO offers the sign-in through the identity provider.
	SSO bool
}

func (con *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	con.renderLogin(w, r, http.StatusOK, safeNext(r.URL.Query().Get("next")), "")
}

// renderLogin shows the sign-in form, with a new CSRF token.
func (con *Console) renderLogin(w http.ResponseWriter, r *http.Request, status int, next, msg string) {
	csrf := randomToken()
	setCookie(w, r, loginCookie, csrf, 3600)
	con.render(w, r, status, "login", nil, "Přihlášení", loginData{CSRF: csrf, Next: next, Error: msg, SSO: con.cfg.SSO != nil})
}

// secureContext reports whether the console may be used from this request:
// over HTTPS (directly or through a trusted proxy), or over plain HTTP on
// this machine (localhost), where nothing crosses a network.
func secureContext(r *http.Request) bool {
	if forwarded.HTTPS(r) {
		return true
	}
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return host == "localhost" || strings.HasSuffix(host, ".localhost") || (ip != nil && ip.IsLoopback())
}

// safeNext keeps a post-sign-in redirect within the console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/ui/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return ""
	}
	return next
}

func (con *Console) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	c, err := r.Cookie(loginCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(c.Value)) != 1 {
		con.fail(w, r, nil, http.StatusForbidden, "Přihlašovací formulář nemá platný bezpečnostní token (CSRF). Načtěte stránku znovu.")
		return
	}
	next := safeNext(r.PostFormValue("next"))
	// Failed sign-ins count per address (internal/signin); while the
	// address waits, no token is even looked at.
	address := signin.Address(signin.ClientAddress(r))
	tooMany := func(wait time.Duration) {
		secs := signin.RetryAfter(w, wait)
		con.renderLogin(w, r, http.StatusTooManyRequests, next, fmt.Sprintf("Příliš mnoho neúspěšných pokusů o přihlášení z této adresy. Zkuste to znovu za %d s.", secs))
	}
	if wait := con.cfg.SignIn.Wait(address); wait > 0 {
		tooMany(wait)
		return
	}
	who, ok := con.cfg.Identify(strings.TrimSpace(r.PostFormValue("token")))
	if !ok {
		con.cfg.Log.Warn("console sign-in refused: unknown or expired token", "remote", r.RemoteAddr)
		if wait := con.cfg.SignIn.Fail(address); wait > 0 {
			tooMany(wait)
			return
		}
		con.renderLogin(w, r, http.StatusUnauthorized, next, "Neznámý nebo prošlý přístupový token.")
		return
	}
	setCookie(w, r, loginCookie, "", -1)
	http.Redirect(w, r, con.startSession(w, r, strings.TrimSpace(r.PostFormValue("token")), who, next), http.StatusSeeOther)
}

// startSession signs who in (with the bearer token they gave, or "" when
// the identity provider vouched for them), sets the session cookie and
// returns where they go next.
func (con *Console) startSession(w http.ResponseWriter, r *http.Request, token string, who handlers.Identity, next string) string {
	id := randomToken()
	con.mu.Lock()
	now := con.cfg.Now()
	for k, s := range con.sessions {
		if now.After(s.expires) || now.Sub(s.seen) > sessionIdle {
			delete(con.sessions, k)
		}
	}
	con.endOldest(who)
	con.sessions[id] = &session{token: token, who: who, csrf: randomToken(), started: now, expires: now.Add(sessionLifetime), seen: now}
	con.mu.Unlock()
	setCookie(w, r, SessionCookie, id, 0)
	how := "token"
	if token == "" {
		how = "sso"
	}
	con.cfg.Log.Info("console sign-in", "actor", who.Name, "role", string(who.Role), "via", how, "remote", r.RemoteAddr)
	if next == "" {
		next = startPage(who.Role)
	}
	return next
}

// endOldest ends who's oldest sessions until a new one fits under
// MaxSessionsPerPerson; con.mu is held.
func (con *Console) endOldest(who handlers.Identity) {
	for {
		var ids []string
		for id, s := range con.sessions {
			if s.who.Same(who) {
				ids = append(ids, id)
			}
		}
		if len(ids) < MaxSessionsPerPerson {
			return
		}
		oldest := slices.MinFunc(ids, func(a, b string) int {
			return cmp.Or(con.sessions[a].started.Compare(con.sessions[b].started), strings.Compare(a, b))
		})
		delete(con.sessions, oldest)
		con.cfg.Log.Info("console session ended: the person signed in again past the limit",
			"actor", who.Name, "role", string(who.Role), "limit", MaxSessionsPerPerson)
	}
}

func (con *Console) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(SessionCookie); err == nil {
		con.mu.Lock()
		delete(con.sessions, c.Value)
		con.mu.Unlock()
	}
	setCookie(w, r, SessionCookie, "", -1)
	http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
}

// may reports whether the role may use an API route, from the API's own
// route table: the console shows what the API allows.
func may(role cases.Role, method, path string) bool {
	for _, rule := range handlers.Rules() {
		if rule.Method == method && rule.Path == path {
			return rule.Roles == nil || slices.Contains(rule.Roles, role)
		}
	}
	return false
}

// permitted reports whether the session's role may use an API route; if
// not, it shows the refusal.
func (con *Console) permitted(w http.ResponseWriter, r *http.Request, s *session, method, path, refusal string) bool {
	if may(s.who.Role, method, path) {
		return true
	}
	con.fail(w, r, s, http.StatusForbidden, refusal)
	return false
}

type menuItem struct{ Href, Label string }

// menu lists the pages a role may open, each behind the API route it reads.
func menu(role cases.Role) []menuItem {
	var items []menuItem
	add := func(method, path, href, label string) {
		if may(role, method, path) {
			items = append(items, menuItem{href, label})
		}
	}
	add("GET", "/v1/cases/{id}", "/ui/cases", "Případy")
	add("GET", "/v1/worklist", "/ui/my", "Moje případy")
	add("GET", "/v1/citizens/{citizen_id}/cases", "/ui/citizens", "Občané")
	add("GET", "/v1/obligations", "/ui/obligations", "Lhůty občanů")
	add("GET", "/v1/payments", "/ui/payments", "Platby")
	add("GET", "/v1/unmatched-credits", "/ui/unmatched-credits", "Nespárované platby")
	add("GET", "/v1/flags", "/ui/flags", "Podezření z přestupků")
	add("GET", "/v1/sla", "/ui/sla", "Lhůty úřadu")
	add("GET", "/v1/stats", "/ui/dashboard", "Přehledy")
	return items
}

// answer is what the API answered one in-process call.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// problem is the API's RFC 9457 problem document.
type problem struct {
	Type   string             `json:"type"`
	Title  string             `json:"title"`
	Status int                `json:"status"`
	Detail string             `json:"detail"`
	Errors []cases.FieldError `json:"errors"`
}

func (a answer) problem() problem {
	var p problem
	_ = json.Unmarshal(a.body, &p)
	if p.Status == 0 {
		p.Status = a.status
	}
	return p
}

// call sends one request to the API in-process, as the signed-in user.
func (con *Console) call(r *http.Request, method, path string, query url.Values, body any, header map[string]string) answer {
	var rd io.Reader = http.NoBody
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	s := current(r)
	if method == http.MethodGet && query.Get("min_position") == "" {
		con.mu.Lock()
		pos := s.written
		con.mu.Unlock()
		if pos > 0 {
			query = cloneValues(query)
			query.Set("min_position", strconv.FormatInt(pos, 10))
		}
	}
	u := path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(r.Context(), method, u, rd)
	if err != nil {
		return answer{status: http.StatusBadRequest, body: []byte(`{"detail":"bad request"}`)}
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	} else {
		req = req.WithContext(handlers.SignedIn(req.Context(), s.who))
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	req.RemoteAddr = r.RemoteAddr
	rec := signin.NewRecorder()
	con.cfg.API.ServeHTTP(rec, req)
	status := rec.Status()
	if method == http.MethodPost && status == http.StatusCreated {
		var out written
		if json.Unmarshal(rec.Body.Bytes(), &out) == nil {
			con.mu.Lock()
			s.written = max(s.written, out.Position)
			con.mu.Unlock()
		}
	}
	return answer{status: status, header: rec.Header(), body: rec.Body.Bytes()}
}

// get calls a query of the API and decodes its JSON answer into v. It
// answers the page itself and returns false on anything but 200.
func (con *Console) get(w http.ResponseWriter, r *http.Request, path string, query url.Values, v any) bool {
	a := con.call(r, http.MethodGet, path, query, nil, nil)
	if a.status != http.StatusOK {
		con.refused(w, r, a)
		return false
	}
	if err := json.Unmarshal(a.body, v); err != nil {
		con.cfg.Log.Error("console: unreadable API answer", "path", path, "err", err)
		con.fail(w, r, current(r), http.StatusInternalServerError, "Odpověď služby nelze přečíst.")
		return false
	}
	return true
}

// refused shows the API's refusal as a page; an unknown or revoked token
// ends the session.
func (con *Console) refused(w http.ResponseWriter, r *http.Request, a answer) {
	p := a.problem()
	s := current(r)
	msg := ""
	switch a.status {
	case http.StatusUnauthorized:
		con.mu.Lock()
		for k, v := range con.sessions {
			if v == s {
				delete(con.sessions, k)
			}
		}
		con.mu.Unlock()
		setCookie(w, r, SessionCookie, "", -1)
		s = nil
		msg = "Váš přístupový token už neplatí. Přihlaste se znovu."
	case http.StatusForbidden:
		msg = "K této stránce nemáte oprávnění."
	case http.StatusNotFound:
		msg = "Nenalezeno."
	case http.StatusServiceUnavailable:
		if ra := a.header.Get("Retry-After"); ra != "" {
			w.Header().Set("Retry-After", ra)
		}
		msg = "Služba je dočasně nedostupná nebo data ještě nejsou aktuální; zkuste to za chvíli znovu."
	default:
		msg = "Požadavek byl odmítnut."
	}
	con.render(w, r, a.status, "error", s, "Chyba", errorData{Message: msg, Detail: p.Detail, Errors: p.Errors})
}

type errorData struct {
	Message, Detail string
	Errors          []cases.FieldError
}

func (con *Console) fail(w http.ResponseWriter, r *http.Request, s *session, status int, msg string) {
	con.render(w, r, status, "error", s, "Chyba", errorData{Message: msg})
}

// page is what every template gets.
type page struct {
	Title string
	User  *handlers.Identity
	Menu  []menuItem
	Path  string
	CSRF  string
	Data  any
}

func (con *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, s *session, title string, data any) {
	p := page{Title: title, Path: r.URL.Path, Data: data}
	if s != nil {
		who := s.who
		p.User, p.Menu, p.CSRF = &who, menu(who.Role), s.csrf
	}
	if err := signin.WritePage(w, status, con.pages[name], p, "internal error"); err != nil {
		con.cfg.Log.Error("console: template failed", "page", name, "err", err)
	}
}

// pathID is the {id} of the console's route, as the API's route spells it.
func pathID(r *http.Request) string { return url.PathEscape(r.PathValue("id")) }
