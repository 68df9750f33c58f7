// Package portal is the citizen's own door (docs/PORTAL.md): the Czech
// pages under /obcan/, where a citizen signs in with credentials from the
// counter (seed 000) and sees
// their own obligations, payments, documents, who read their data, and all
// that lhuta holds about them (docs/LAW.md §1, §9).
//
// It is apart from the staff console (/ui/) in everything that signs in:
// its own cookie (lhuta_obcan), its own session table (portal_sessions),
// its own CSRF tokens. A citizen's session is nothing to a staff route (the
// API answers 403), and a staff session is nothing here.
//
// Like the console, it holds no rules: every page reads the API's /v1/me*
// routes in-process with the citizen's own session, and shows what they
// answered.
package portal

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lhuta/lhuta/internal/signin"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// Cookie names: the session, and the sign-in form's CSRF value before there
// is a session. Neither is the console's.
const (
	SessionCookie = "lhuta_obcan"
	loginCookie   = "lhuta_obcan_login"
)

// Config is what the portal needs.
type Config struct {
	// DB holds the portal's tables (migrations 00050).
	DB *sql.DB
	// Log gets the portal's errors and sign-ins.
	Log *slog.Logger
	// Now is the portal's clock (nil: time.Now).
	Now func() time.Time
	// Limiter limits failed sign-ins (nil: a signin.New of the portal's own).
	Limiter *signin.Limiter
	// CSRFSecret keys the sign-in form's CSRF tokens (nil: random at start,
	// so a form from before a restart must be reloaded).
	CSRFSecret []byte
	// NIA is the sign-in with the national identity (MetadataURL "": none).
	NIA NIAConfig
}

// Portal serves /obcan/ and says which citizen a request comes from.
type Portal struct {
	cfg   Config
	pages map[string]*template.Template
	mux   *http.ServeMux
	api   http.Handler
	nia   *nia // nil: no NIA sign-in
}

// New returns the portal; Mount serves it. It fails on NIA settings that
// do not hold.
func New(c Config) (*Portal, error) {
	if c.Log == nil {
		c.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Limiter == nil {
		c.Limiter = signin.New()
	}
	if c.CSRFSecret == nil {
		c.CSRFSecret = []byte(randomID())
	}
	p := &Portal{cfg: c, pages: parsePages()}
	if c.NIA.MetadataURL != "" {
		n, err := newNIA(c.NIA, replayStore{c.DB})
		if err != nil {
			return nil, err
		}
		p.nia = n
	}
	return p, nil
}

func (p *Portal) now() time.Time {
	if p.cfg.Now != nil {
		return p.cfg.Now()
	}
	return time.Now()
}

// Citizen returns the citizen a request to the API comes from: a portal
// session cookie or a bearer token issued to the citizen, signed in and with
// no password left to change. ok is false for anyone else, staff included.
func (p *Portal) Citizen(r *http.Request) (string, bool, error) {
	if scheme, token, found := strings.Cut(r.Header.Get("Authorization"), " "); found && strings.EqualFold(scheme, "Bearer") {
		s, ok, err := p.lookup(r.Context(), kindBearer, strings.TrimSpace(token))
		return s.citizen, ok, err
	}
	if c, err := r.Cookie(SessionCookie); err == nil {
		s, ok, err := p.lookup(r.Context(), kindCookie, c.Value)
		return s.citizen, ok && !s.mustChange, err
	}
	return "", false, nil
}

// IssueAccess creates or replaces a citizen's counter credentials (POST
// /v1/citizens/{citizen_id}/portal-access); the password must be changed at
// the first sign-in.
func (p *Portal) IssueAccess(ctx context.Context, citizenID, issuedBy string) (username, password string, err error) {
	c, err := p.issueAccess(ctx, citizenID, issuedBy)
	return c.Username, c.Password, err
}

// Mount returns a handler that serves the portal under /obcan/ and next
// everywhere else; api is the HTTP API the pages read in-process.
func (p *Portal) Mount(next, api http.Handler) http.Handler {
	p.api = api
	m := http.NewServeMux()
	assets, _ := fs.Sub(assetFS, "assets")
	m.Handle("GET /obcan/assets/", http.StripPrefix("/obcan/assets/", http.FileServerFS(assets)))
	m.HandleFunc("GET /obcan/{$}", p.signedIn(p.home))
	m.HandleFunc("GET /obcan/prihlaseni", p.loginPage)
	m.HandleFunc("POST /obcan/prihlaseni", p.login)
	m.HandleFunc("GET /obcan/zmena-hesla", p.changing(p.passwordPage))
	m.HandleFunc("POST /obcan/zmena-hesla", p.changing(p.changePassword))
	m.HandleFunc("POST /obcan/odhlaseni", p.changing(p.logout))
	m.HandleFunc("GET /obcan/povinnosti", p.signedIn(p.obligationsPage))
	m.HandleFunc("GET /obcan/platby/{id}/qr.svg", p.signedIn(p.qr))
	m.HandleFunc("GET /obcan/platby/{id}/slozenka", p.signedIn(p.slipPage))
	m.HandleFunc("GET /obcan/doklady", p.signedIn(p.documentsPage))
	m.HandleFunc("GET /obcan/nahlizeni", p.signedIn(p.readsPage))
	m.HandleFunc("GET /obcan/moje-data", p.signedIn(p.dataPage))
	m.HandleFunc("GET /obcan/moje-data.json", p.signedIn(p.export))
	m.HandleFunc("POST /obcan/klic", p.signedIn(p.issueToken))
	if p.nia != nil {
		m.HandleFunc("GET /obcan/nia/metadata", p.niaMetadata)
		m.HandleFunc("GET /obcan/nia", p.niaStart)
		m.HandleFunc("POST /obcan/nia/acs", p.niaACS)
		m.HandleFunc("GET /obcan/aktivace", p.activationPage)
		m.HandleFunc("POST /obcan/aktivace", p.activate)
	}
	m.HandleFunc("/obcan/", func(w http.ResponseWriter, r *http.Request) {
		var signed *session
		if s, ok := p.current(r); ok {
			signed = &s
		}
		p.fail(w, r, signed, http.StatusNotFound, "Taková stránka na portálu není.")
	})
	p.mux = m
	root := http.NewServeMux()
	root.Handle("/obcan/", p)
	root.Handle("/", next)
	return root
}

func (p *Portal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	signin.PageHeaders(w, r, "'self'", "/obcan/assets/")
	// NIA's answer is posted from NIA's site: the request's cookie and the
	// answer's signature vouch for it instead.
	if r.Method == http.MethodPost && r.URL.Path != "/obcan/nia/acs" && !sameOrigin(r) {
		p.fail(w, r, nil, http.StatusForbidden, "Formulář nepochází z této stránky (kontrola původu požadavku).")
		return
	}
	p.mux.ServeHTTP(w, r)
}

// sameOrigin reports whether a form was posted from this site: by the
// Origin header, or Sec-Fetch-Site where a browser sends no Origin.
func sameOrigin(r *http.Request) bool {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		return err == nil && u.Host == r.Host
	}
	site := r.Header.Get("Sec-Fetch-Site")
	return site == "" || site == "same-origin" || site == "none"
}

// setCookie sets a portal cookie: Secure, HttpOnly, SameSite=Lax (a link
// to the portal from elsewhere, an e-mail's, arrives signed in) and on / so
// that /v1/me* reads it too.
func setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// current returns the request's browser session, if any.
func (p *Portal) current(r *http.Request) (session, bool) {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return session{}, false
	}
	s, ok, err := p.lookup(r.Context(), kindCookie, c.Value)
	if err != nil {
		p.cfg.Log.Error("portal session", "err", err)
	}
	return s, ok
}

type handler func(w http.ResponseWriter, r *http.Request, s session)

// changing lets through any signed-in session, a password still to change
// included; a POST must carry the session's CSRF token.
func (p *Portal) changing(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, ok := p.current(r)
		if !ok {
			http.Redirect(w, r, "/obcan/prihlaseni", http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost && subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(s.csrf)) != 1 {
			p.fail(w, r, &s, http.StatusForbidden, "Formulář vypršel nebo nepochází z této stránky. Načtěte stránku znovu.")
			return
		}
		h(w, r, s)
	}
}

// signedIn is changing for a session with nothing left to change: one that
// must change its password is sent to do so first.
func (p *Portal) signedIn(h handler) http.HandlerFunc {
	return p.changing(func(w http.ResponseWriter, r *http.Request, s session) {
		if s.mustChange {
			http.Redirect(w, r, "/obcan/zmena-hesla", http.StatusSeeOther)
			return
		}
		h(w, r, s)
	})
}

// loginCSRF is the sign-in form's token: an HMAC of the value in the
// login cookie under the portal's own secret.
func (p *Portal) loginCSRF(value string) string {
	m := hmac.New(sha256.New, p.cfg.CSRFSecret)
	m.Write([]byte("obcan-login:" + value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (p *Portal) loginPage(w http.ResponseWriter, r *http.Request) {
	if s, ok := p.current(r); ok && !s.mustChange {
		http.Redirect(w, r, "/obcan/", http.StatusSeeOther)
		return
	}
	p.showLogin(w, r, http.StatusOK, "", "")
}

func (p *Portal) showLogin(w http.ResponseWriter, r *http.Request, status int, username, problem string) {
	v := randomID()
	setCookie(w, loginCookie, v, 3600)
	p.render(w, r, status, "login", nil, map[string]any{"CSRF": p.loginCSRF(v), "Username": username, "Problem": problem, "NIA": p.nia != nil})
}

// login signs a citizen in with counter credentials (POST /obcan/prihlaseni).
func (p *Portal) login(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(loginCookie)
	if err != nil || !hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(p.loginCSRF(c.Value))) {
		p.showLogin(w, r, http.StatusForbidden, "", "Formulář vypršel. Zadejte údaje znovu.")
		return
	}
	username := strings.ToLower(strings.TrimSpace(r.PostFormValue("username")))
	keys := []string{signin.Account(username), signin.Address(signin.ClientAddress(r))}
	if wait := p.cfg.Limiter.Wait(keys...); wait > 0 {
		p.tooMany(w, r, username, wait)
		return
	}
	a, err := p.account(r.Context(), "username", username)
	ok := false
	switch {
	case errors.Is(err, errNoAccount):
		// The same work as a wrong password, so that timing does not tell
		// which usernames exist.
		_, _ = checkPassword(dummyHash, r.PostFormValue("password"))
	case err != nil:
		p.fail(w, r, nil, http.StatusServiceUnavailable, "Přihlášení se nepodařilo, zkuste to prosím za chvíli.")
		p.cfg.Log.Error("portal sign-in", "err", err)
		return
	default:
		if ok, err = checkPassword(a.hash, r.PostFormValue("password")); err != nil {
			p.cfg.Log.Error("portal sign-in: stored hash", "err", err)
		}
	}
	if !ok {
		if wait := p.cfg.Limiter.Fail(keys...); wait > 0 {
			p.tooMany(w, r, username, wait)
			return
		}
		p.showLogin(w, r, http.StatusUnauthorized, username, "Uživatelské jméno nebo heslo nesouhlasí.")
		return
	}
	p.cfg.Limiter.Succeed(keys[0])
	setCookie(w, loginCookie, "", -1)
	if err := p.startSession(w, r, a.citizen, a.mustChange); err != nil {
		p.fail(w, r, nil, http.StatusServiceUnavailable, "Přihlášení se nepodařilo, zkuste to prosím za chvíli.")
		p.cfg.Log.Error("portal session", "err", err)
		return
	}
	p.cfg.Log.Info("citizen signed in", "how", "password", "must_change", a.mustChange)
	if a.mustChange {
		http.Redirect(w, r, "/obcan/zmena-hesla", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/obcan/", http.StatusSeeOther)
}

// dummyHash is checked for a username that does not exist.
var dummyHash = hashPassword("lhuta: no such account")

func (p *Portal) tooMany(w http.ResponseWriter, r *http.Request, username string, wait time.Duration) {
	secs := signin.RetryAfter(w, wait)
	p.showLogin(w, r, http.StatusTooManyRequests, username,
		"Příliš mnoho neúspěšných pokusů. Zkuste to znovu za "+strconv.Itoa(secs)+" s.")
}

// startSession signs the citizen in under a new session id; the id the
// browser held before, if any, ends.
func (p *Portal) startSession(w http.ResponseWriter, r *http.Request, citizen string, mustChange bool) error {
	old := ""
	if c, err := r.Cookie(SessionCookie); err == nil {
		old = c.Value
	}
	s, err := p.newSession(r.Context(), kindCookie, citizen, mustChange, old)
	if err != nil {
		return err
	}
	setCookie(w, SessionCookie, s.id, int(sessionLifetime/time.Second))
	return nil
}

func (p *Portal) passwordPage(w http.ResponseWriter, r *http.Request, s session) {
	p.render(w, r, http.StatusOK, "password", &s, map[string]any{})
}

func (p *Portal) changePassword(w http.ResponseWriter, r *http.Request, s session) {
	a, err := p.account(r.Context(), "citizen_id", s.citizen)
	if errors.Is(err, errNoAccount) {
		p.fail(w, r, &s, http.StatusNotFound, "Přihlašujete se identitou občana; heslo k portálu nemáte.")
		return
	}
	if err != nil {
		p.fail(w, r, &s, http.StatusServiceUnavailable, "Heslo se nepodařilo změnit, zkuste to prosím za chvíli.")
		p.cfg.Log.Error("portal password", "err", err)
		return
	}
	current, next := r.PostFormValue("current"), r.PostFormValue("new")
	problem := ""
	if ok, _ := checkPassword(a.hash, current); !ok {
		problem = "Současné heslo nesouhlasí."
	} else if len([]rune(next)) < minPasswordLength {
		problem = "Nové heslo musí mít alespoň " + strconv.Itoa(minPasswordLength) + " znaků."
	} else if next == current {
		problem = "Nové heslo musí být jiné než heslo z přepážky."
	} else if next != r.PostFormValue("again") {
		problem = "Nové heslo a jeho zopakování se liší."
	}
	if problem != "" {
		p.render(w, r, http.StatusUnprocessableEntity, "password", &s, map[string]any{"Problem": problem})
		return
	}
	if err := p.setPassword(r.Context(), s.citizen, next, s.id); err != nil {
		p.fail(w, r, &s, http.StatusServiceUnavailable, "Heslo se nepodařilo změnit, zkuste to prosím za chvíli.")
		p.cfg.Log.Error("portal password", "err", err)
		return
	}
	http.Redirect(w, r, "/obcan/", http.StatusSeeOther)
}

func (p *Portal) logout(w http.ResponseWriter, r *http.Request, s session) {
	if err := p.endSession(r.Context(), s.id); err != nil {
		p.cfg.Log.Error("portal sign-out", "err", err)
	}
	setCookie(w, SessionCookie, "", -1)
	http.Redirect(w, r, "/obcan/prihlaseni", http.StatusSeeOther)
}

// issueToken issues a bearer token to the signed-in citizen for /v1/me*,
// shown once.
func (p *Portal) issueToken(w http.ResponseWriter, r *http.Request, s session) {
	t, err := p.newSession(r.Context(), kindBearer, s.citizen, false, "")
	if err != nil {
		p.fail(w, r, &s, http.StatusServiceUnavailable, "Klíč se nepodařilo vydat, zkuste to prosím za chvíli.")
		p.cfg.Log.Error("portal token", "err", err)
		return
	}
	p.render(w, r, http.StatusOK, "token", &s, map[string]any{"Token": t.id, "Expires": t.expires})
}

// call reads an API route in-process as the signed-in citizen (their
// session cookie, nothing else of the request).
func (p *Portal) call(r *http.Request, s session, path string) (int, http.Header, []byte) {
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, path, nil) //nolint:gosec // served in-process by p.api: no network
	if err != nil {
		return http.StatusInternalServerError, nil, nil
	}
	req.AddCookie(&http.Cookie{Name: SessionCookie, Value: s.id}) //nolint:gosec // a request's cookie, never sent to a browser
	rec := signin.NewRecorder()
	p.api.ServeHTTP(rec, req)
	return rec.Status(), rec.Header(), rec.Body.Bytes()
}

// get reads an API route into v; false (after showing the error page) when
// the API refused.
func (p *Portal) get(w http.ResponseWriter, r *http.Request, s session, path string, v any) bool {
	status, _, body := p.call(r, s, path)
	if status == http.StatusOK && json.Unmarshal(body, v) == nil {
		return true
	}
	if status == http.StatusNotFound {
		p.fail(w, r, &s, http.StatusNotFound, "Nic takového mezi vašimi údaji není.")
		return false
	}
	p.cfg.Log.Error("portal read", "path", path, "status", status)
	p.fail(w, r, &s, http.StatusServiceUnavailable, "Údaje se teď nepodařilo načíst, zkuste to prosím za chvíli.")
	return false
}

func (p *Portal) fail(w http.ResponseWriter, r *http.Request, s *session, status int, message string) {
	p.render(w, r, status, "error", s, map[string]any{"Message": message})
}

func (p *Portal) render(w http.ResponseWriter, r *http.Request, status int, page string, s *session, data map[string]any) {
	data["Signed"] = s != nil && !s.mustChange
	if s != nil {
		data["SessionCSRF"] = s.csrf
	}
	data["Path"] = r.URL.Path
	if err := signin.WritePage(w, status, p.pages[page], data, "Stránku se nepodařilo zobrazit."); err != nil {
		p.cfg.Log.Error("portal template", "page", page, "err", err)
	}
}
