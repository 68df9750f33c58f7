package ui

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lhuta/lhuta/handlers"
	"github.com/lhuta/lhuta/internal/forwarded"
	"github.com/lhuta/lhuta/internal/sso"
)

// ssoCookie ties a sign-in sent to the identity provider to the browser
// that started it (its value is the state). SameSite=Lax, unlike the
// console's other cookies: the provider's redirect back is a cross-site
// navigation, on which a Strict cookie is not sent.
const ssoCookie = "lhuta_sso"

// ssoWait is how long a sign-in at the provider may take.
const ssoWait = 10 * time.Minute

type pendingSignIn struct {
	sso.Pending
	next    string
	expires time.Time
}

// ssoStart sends the browser to the identity provider.
func (con *Console) ssoStart(w http.ResponseWriter, r *http.Request) {
	if con.cfg.SSO == nil {
		con.fail(w, r, nil, http.StatusNotFound, "Přihlášení přes poskytovatele identity není nastaveno.")
		return
	}
	to, pending, err := con.cfg.SSO.Start(r.Context(), con.callbackURL(r))
	if err != nil {
		con.cfg.Log.Error("single sign-on: the identity provider cannot be reached", "err", err)
		con.renderLogin(w, r, http.StatusBadGateway, safeNext(r.URL.Query().Get("next")),
			"Poskytovatel identity úřadu teď neodpovídá. Zkuste to za chvíli, nebo se přihlaste přístupovým tokenem.")
		return
	}
	now := con.cfg.Now()
	con.mu.Lock()
	for k, p := range con.pending {
		if now.After(p.expires) {
			delete(con.pending, k)
		}
	}
	con.pending[pending.State] = pendingSignIn{Pending: pending, next: safeNext(r.URL.Query().Get("next")), expires: now.Add(ssoWait)}
	con.mu.Unlock()
	cookie(w, r, ssoCookie, pending.State, int(ssoWait.Seconds()), http.SameSiteLaxMode)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// ssoCallback is where the provider sends the browser back with a code.
func (con *Console) ssoCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := q.Get("state")
	c, err := r.Cookie(ssoCookie)
	con.mu.Lock()
	pending, ok := con.pending[state]
	delete(con.pending, state)
	con.mu.Unlock()
	cookie(w, r, ssoCookie, "", -1, http.SameSiteLaxMode)
	if con.cfg.SSO == nil || err != nil || !ok || c.Value != state || con.cfg.Now().After(pending.expires) {
		con.renderLogin(w, r, http.StatusBadRequest, "", "Přihlášení přes poskytovatele identity vypršelo nebo nezačalo v tomto prohlížeči. Zkuste to znovu.")
		return
	}
	if e := q.Get("error"); e != "" {
		con.cfg.Log.Warn("single sign-on: the provider refused", "error", e, "description", q.Get("error_description"))
		con.renderLogin(w, r, http.StatusUnauthorized, pending.next, "Poskytovatel identity přihlášení odmítl nebo bylo zrušeno.")
		return
	}
	who, err := con.cfg.SSO.Finish(r.Context(), pending.Pending, q.Get("code"))
	if errors.Is(err, handlers.ErrNoRole) {
		con.renderLogin(w, r, http.StatusForbidden, pending.next, "Váš účet ("+who.Name+") nepatří do žádné skupiny, které lhuta přiděluje roli. "+
			"Požádejte správce, aby vás do příslušné skupiny zařadil.")
		return
	}
	if err != nil {
		con.cfg.Log.Error("single sign-on failed", "err", err, "remote", r.RemoteAddr)
		con.renderLogin(w, r, http.StatusBadGateway, pending.next, "Přihlášení přes poskytovatele identity se nepodařilo. Zkuste to znovu, nebo se přihlaste přístupovým tokenem.")
		return
	}
	next := con.startSession(w, r, "", who, pending.next)
	// A page of this site moves on, not a redirect: the browser arrived
	// here from the provider's site, and a redirect would carry that
	// cross-site navigation on, without the SameSite=Strict session cookie.
	con.render(w, r, http.StatusOK, "continue", nil, "Přihlášení", next)
}

// callbackURL is where the provider sends the browser back: under
// LHUTA_PUBLIC_URL, or the scheme and host the browser used.
func (con *Console) callbackURL(r *http.Request) string {
	if con.cfg.PublicURL != "" {
		return strings.TrimSuffix(con.cfg.PublicURL, "/") + "/ui/login/sso/callback"
	}
	scheme := "http"
	if forwarded.HTTPS(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/ui/login/sso/callback"
}

// needHTTPS answers a browser on another machine that came over plain
// HTTP: the console needs HTTPS there (its cookies would cross the network
// in the clear, and a browser keeps no Secure cookie from such a page).
func (con *Console) needHTTPS(w http.ResponseWriter, r *http.Request) {
	at := con.cfg.PublicURL
	if at == "" {
		host, _, err := net.SplitHostPort(r.Host)
		if err != nil {
			host = r.Host
		}
		at = (&url.URL{Scheme: "https", Host: host}).String()
	}
	con.render(w, r, http.StatusForbidden, "https", nil, "Otevřete konzoli přes HTTPS", strings.TrimSuffix(at, "/")+"/ui/")
}
