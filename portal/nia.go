package portal

import (
	"context"
	"crypto/rsa"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/lhuta/lhuta/internal/signin"
)

// NIAConfig configures the sign-in with the national identity: NIA
// (Národní identitní autorita) speaks SAML 2.0 with eIDAS attributes, and
// lhuta is one of its service providers (docs/PORTAL.md).
type NIAConfig struct {
	// MetadataURL is where NIA publishes its SAML metadata ("": the portal
	// offers no NIA sign-in).
	MetadataURL string
	// Key and Certificate are the service provider's: requests to NIA are
	// signed with Key, NIA encrypts its assertions to Certificate.
	Key         *rsa.PrivateKey
	Certificate *x509.Certificate
	// PublicURL is where citizens reach lhuta (https://lhuta.example.cz):
	// the service provider's entity ID is its /obcan/nia/metadata, the
	// assertion consumer service its /obcan/nia/acs.
	PublicURL string
	// HTTPClient fetches the metadata (nil: one with a 10 s timeout).
	HTTPClient *http.Client
}

// LoadNIAKeyPair reads the service provider's RSA key and certificate from
// PEM files (LHUTA_NIA_SP_KEY, LHUTA_NIA_SP_CERT).
func LoadNIAKeyPair(keyFile, certFile string) (*rsa.PrivateKey, *x509.Certificate, error) {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, nil, fmt.Errorf("NIA service provider key pair: %w", err)
	}
	key, ok := pair.PrivateKey.(*rsa.PrivateKey)
	if !ok {
		return nil, nil, errors.New("NIA service provider key: not an RSA key (NIA encrypts assertions with RSA-OAEP)")
	}
	return key, pair.Leaf, nil
}

// eIDAS's attribute of a natural person's unique identifier: NIA's
// pseudonym of the citizen for this service provider.
const personIdentifier = "http://eidas.europa.eu/attributes/naturalperson/PersonIdentifier"

// Lifetimes of the NIA sign-in: a request sent to NIA waits niaRequestLife
// for the answer; a NIA sign-in not bound yet waits pendingLife for the
// activation code; a code printed at the counter lasts activationLife.
const (
	niaRequestLife = 10 * time.Minute
	pendingLife    = 15 * time.Minute
	activationLife = 30 * 24 * time.Hour
	// metadataLife is how long NIA's metadata is used before it is fetched again.
	metadataLife = 24 * time.Hour
)

// Cookies of the NIA sign-in: the request under way (sent back by NIA's
// cross-site POST, so SameSite=None), and a sign-in waiting for its code.
const (
	niaCookie     = "lhuta_obcan_nia"
	pendingCookie = "lhuta_obcan_aktivace"
)

// nia is the portal's SAML service provider for NIA.
type nia struct {
	cfg    NIAConfig
	base   saml.ServiceProvider
	mu     sync.Mutex
	sp     *saml.ServiceProvider // base with NIA's metadata; nil until fetched
	expiry time.Time
}

func newNIA(c NIAConfig, replay saml.AssertionReplayCache) (*nia, error) {
	public, err := url.Parse(strings.TrimSuffix(c.PublicURL, "/"))
	if err != nil || public.Scheme == "" || public.Host == "" {
		return nil, fmt.Errorf("NIA sign-in needs the public URL (LHUTA_PUBLIC_URL), got %q", c.PublicURL)
	}
	if c.Key == nil || c.Certificate == nil {
		return nil, errors.New("NIA sign-in needs the service provider's key and certificate (LHUTA_NIA_SP_KEY, LHUTA_NIA_SP_CERT)")
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	metadata, acs := *public, *public
	metadata.Path += "/obcan/nia/metadata"
	acs.Path += "/obcan/nia/acs"
	return &nia{cfg: c, base: saml.ServiceProvider{
		EntityID:    metadata.String(),
		Key:         c.Key,
		Certificate: c.Certificate,
		MetadataURL: metadata,
		AcsURL:      acs,
		// NIA keeps one pseudonym per citizen and service provider.
		AuthnNameIDFormat:                saml.PersistentNameIDFormat,
		SignatureMethod:                  dsig.RSASHA256SignatureMethod,
		AssertionConsumerServiceBindings: []string{saml.HTTPPostBinding},
		RejectSHA1Signatures:             true,
		ReplayCache:                      replay,
	}}, nil
}

// provider returns the service provider with NIA's metadata, fetched at the
// first sign-in and again after metadataLife; metadata that cannot be
// fetched again leaves the old one in use.
func (n *nia) provider(ctx context.Context) (*saml.ServiceProvider, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.sp != nil && time.Now().Before(n.expiry) {
		return n.sp, nil
	}
	u, err := url.Parse(n.cfg.MetadataURL)
	if err != nil {
		return nil, fmt.Errorf("NIA metadata URL: %w", err)
	}
	md, err := samlsp.FetchMetadata(ctx, n.cfg.HTTPClient, *u)
	if err != nil {
		if n.sp != nil {
			return n.sp, nil
		}
		return nil, fmt.Errorf("fetch NIA metadata: %w", err)
	}
	sp := n.base
	sp.IDPMetadata = md
	n.sp, n.expiry = &sp, time.Now().Add(metadataLife)
	return n.sp, nil
}

// niaMetadata serves the service provider's metadata (GET /obcan/nia/metadata),
// what NIA's registration of lhuta is made from.
func (p *Portal) niaMetadata(w http.ResponseWriter, _ *http.Request) {
	b, err := xmlBytes(p.nia.base.Metadata())
	if err != nil {
		http.Error(w, "metadata", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	_, _ = w.Write(b)
}

// niaStart signs a request to NIA (GET /obcan/nia) and shows the form that
// carries it there (HTTP-POST binding, with an enveloped signature): the
// citizen goes on with a button, as the portal runs no script.
func (p *Portal) niaStart(w http.ResponseWriter, r *http.Request) {
	sp, err := p.nia.provider(r.Context())
	if err != nil {
		p.cfg.Log.Error("NIA sign-in", "err", err)
		p.fail(w, r, nil, http.StatusServiceUnavailable, "Přihlášení identitou občana (NIA) je teď nedostupné. Zkuste to prosím za chvíli, nebo se přihlaste jménem a heslem z úřadu.")
		return
	}
	sso, err := url.Parse(sp.GetSSOBindingLocation(saml.HTTPPostBinding))
	var req *saml.AuthnRequest
	if err == nil && sso.Host == "" {
		err = errors.New("NIA's metadata offers no HTTP-POST single sign-on service")
	}
	if err == nil {
		req, err = sp.MakeAuthenticationRequest(sso.String(), saml.HTTPPostBinding, saml.HTTPPostBinding)
	}
	var reqXML []byte
	if err == nil {
		doc := etree.NewDocument()
		doc.SetRoot(req.Element())
		reqXML, err = doc.WriteToBytes()
	}
	relay := randomID()
	if err == nil {
		err = p.storeNIARequest(r.Context(), relay, req.ID)
	}
	if err != nil {
		p.cfg.Log.Error("NIA sign-in", "err", err)
		p.fail(w, r, nil, http.StatusServiceUnavailable, "Přihlášení identitou občana (NIA) se nepodařilo zahájit. Zkuste to prosím za chvíli.")
		return
	}
	//nolint:gosec // G124: SameSite=None on purpose: NIA posts its answer from its own site; Secure and HttpOnly are set
	http.SetCookie(w, &http.Cookie{Name: niaCookie, Value: relay, Path: "/obcan/nia/", MaxAge: int(niaRequestLife / time.Second),
		Secure: true, HttpOnly: true, SameSite: http.SameSiteNoneMode})
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' "+
		sso.Scheme+"://"+sso.Host+"; frame-ancestors 'none'; base-uri 'none'")
	p.render(w, r, http.StatusOK, "nia", nil, map[string]any{"Action": sso.String(),
		"SAMLRequest": base64.StdEncoding.EncodeToString(reqXML), "RelayState": relay})
}

const unsignedRefusal = "Odpověď NIA není platně podepsaná. Přihlášení odmítáme."

// carriesSignature reports whether a SAML response (base64) carries a
// signature or an encrypted assertion (whose signature is inside): the
// library refuses one that carries neither without saying why in a way a
// caller can test.
func carriesSignature(response string) bool {
	raw, err := base64.StdEncoding.DecodeString(response)
	doc := etree.NewDocument()
	if err != nil || doc.ReadFromBytes(raw) != nil {
		return true // malformed, not unsigned: the general refusal
	}
	return doc.FindElement("//Signature") != nil || doc.FindElement("//EncryptedAssertion") != nil
}

// niaRefusal is what a citizen reads when NIA's answer is refused: no
// session is started.
func niaRefusal(err error) string {
	switch {
	case errors.Is(err, saml.ErrAssertionReplayed):
		return "Tato odpověď NIA už byla jednou použita a podruhé neplatí. Přihlaste se prosím znovu."
	case errors.Is(err, saml.ErrAudienceMismatch):
		return "Odpověď NIA není určena tomuto portálu. Přihlášení odmítáme; přihlaste se prosím znovu."
	case errors.Is(err, saml.ErrExpired), errors.Is(err, saml.ErrNotYetValid):
		return "Odpověď NIA už neplatí (vypršela). Přihlaste se prosím znovu."
	case errors.As(err, new(saml.ErrBadStatus)):
		return "NIA přihlášení nedokončila (bylo zrušeno nebo odmítnuto). Můžete to zkusit znovu."
	case errors.Is(err, saml.ErrInvalidSignature), errors.Is(err, saml.ErrUntrustedCertificate):
		return unsignedRefusal
	}
	return "Odpověď NIA se nepodařilo ověřit. Přihlášení odmítáme; přihlaste se prosím znovu."
}

// niaACS receives NIA's answer (POST /obcan/nia/acs): a citizen whose
// pseudonym is bound is signed in; any other is asked for the activation
// code from the counter.
func (p *Portal) niaACS(w http.ResponseWriter, r *http.Request) {
	//nolint:gosec // G124: SameSite=None on purpose, as the cookie it ends
	http.SetCookie(w, &http.Cookie{Name: niaCookie, Value: "", Path: "/obcan/nia/", MaxAge: -1,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteNoneMode})
	relay := r.PostFormValue("RelayState")
	c, err := r.Cookie(niaCookie)
	if err != nil || relay == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(relay)) != 1 {
		p.fail(w, r, nil, http.StatusForbidden, "Přihlášení přes NIA nezačalo v tomto prohlížeči, nebo vypršelo. Začněte prosím znovu.")
		return
	}
	requestID, ok, err := p.niaRequest(r.Context(), relay)
	if err == nil && !ok {
		p.fail(w, r, nil, http.StatusForbidden, "Přihlášení přes NIA vypršelo. Začněte prosím znovu.")
		return
	}
	var sp *saml.ServiceProvider
	if err == nil {
		sp, err = p.nia.provider(r.Context())
	}
	if err != nil {
		p.cfg.Log.Error("NIA sign-in", "err", err)
		p.fail(w, r, nil, http.StatusServiceUnavailable, "Přihlášení se nepodařilo, zkuste to prosím za chvíli.")
		return
	}
	assertion, err := parseResponse(sp, r, requestID)
	if err != nil {
		detail := err
		if ire := new(saml.InvalidResponseError); errors.As(err, &ire) && ire.PrivateErr != nil {
			detail = ire.PrivateErr
		}
		p.cfg.Log.Warn("NIA answer refused", "err", detail.Error())
		message := niaRefusal(err)
		if !carriesSignature(r.PostFormValue("SAMLResponse")) {
			message = unsignedRefusal
		}
		p.fail(w, r, nil, http.StatusForbidden, message)
		return
	}
	pseudonym := pseudonymOf(assertion)
	if pseudonym == "" {
		p.cfg.Log.Warn("NIA answer refused", "err", "no eIDAS PersonIdentifier")
		p.fail(w, r, nil, http.StatusForbidden, "NIA neposlala identifikátor osoby. Přihlášení odmítáme.")
		return
	}
	citizen, linked, err := p.linkedCitizen(r.Context(), pseudonym)
	if err == nil && linked {
		err = p.startSession(w, r, citizen, false)
	}
	if err == nil && !linked {
		err = p.startPending(w, r, pseudonym)
	}
	if err != nil {
		p.cfg.Log.Error("NIA sign-in", "err", err)
		p.fail(w, r, nil, http.StatusServiceUnavailable, "Přihlášení se nepodařilo, zkuste to prosím za chvíli.")
		return
	}
	p.cfg.Log.Info("citizen signed in", "how", "nia", "bound", linked)
	if !linked {
		http.Redirect(w, r, "/obcan/aktivace", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/obcan/", http.StatusSeeOther)
}

// parseResponse is sp.ParseResponse with its known panic turned into a
// refusal: crewjam/saml v0.6.3 (GO-2026-6909, no fixed release) dereferences
// a missing <saml:Issuer> of a signed assertion. The panic would only end
// the request, but a refusal is what the citizen should see.
func parseResponse(sp *saml.ServiceProvider, r *http.Request, requestID string) (a *saml.Assertion, err error) {
	defer func() {
		if v := recover(); v != nil {
			a, err = nil, fmt.Errorf("the SAML library failed on the answer (an assertion without its Issuer?): %v", v)
		}
	}()
	return sp.ParseResponse(r, []string{requestID})
}

// pseudonymOf is NIA's identifier of the person: the eIDAS PersonIdentifier
// attribute, which NIA always sends. The assertion's NameID is not used:
// crewjam/saml reads a NameID of any XML namespace into it (GO-2026-6909),
// so it could be another element than NIA meant.
func pseudonymOf(a *saml.Assertion) string {
	for _, st := range a.AttributeStatements {
		for _, at := range st.Attributes {
			if at.Name == personIdentifier && len(at.Values) > 0 {
				return strings.TrimSpace(at.Values[0].Value)
			}
		}
	}
	return ""
}

// startPending keeps a NIA sign-in whose pseudonym is not bound yet until
// the citizen enters the activation code.
func (p *Portal) startPending(w http.ResponseWriter, r *http.Request, pseudonym string) error {
	id, csrf := randomID(), randomID()
	if err := p.storePending(r.Context(), id, pseudonym, csrf); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: pendingCookie, Value: id, Path: "/obcan/aktivace", MaxAge: int(pendingLife / time.Second),
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	return nil
}

// activationPage asks for the code from the counter (GET /obcan/aktivace).
func (p *Portal) activationPage(w http.ResponseWriter, r *http.Request) {
	pend, ok := p.currentPending(r)
	if !ok {
		http.Redirect(w, r, "/obcan/prihlaseni", http.StatusSeeOther)
		return
	}
	p.render(w, r, http.StatusOK, "activation", nil, map[string]any{"CSRF": pend.csrf})
}

// activate binds the pseudonym of a pending NIA sign-in to the citizen of
// an activation code, once (POST /obcan/aktivace); failures count as failed
// sign-ins of the address.
func (p *Portal) activate(w http.ResponseWriter, r *http.Request) {
	pend, ok := p.currentPending(r)
	if !ok {
		http.Redirect(w, r, "/obcan/prihlaseni", http.StatusSeeOther)
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(pend.csrf)) != 1 {
		p.render(w, r, http.StatusForbidden, "activation", nil, map[string]any{"CSRF": pend.csrf, "Problem": "Formulář vypršel. Zadejte kód znovu."})
		return
	}
	keys := []string{signin.Address(signin.ClientAddress(r))}
	if wait := p.cfg.Limiter.Wait(keys...); wait > 0 {
		p.tooManyCodes(w, r, pend.csrf, wait)
		return
	}
	citizen, ok, err := p.redeemActivation(r.Context(), r.PostFormValue("code"), pend)
	if err != nil {
		p.cfg.Log.Error("portal activation", "err", err)
		p.fail(w, r, nil, http.StatusServiceUnavailable, "Aktivace se nepodařila, zkuste to prosím za chvíli.")
		return
	}
	if !ok {
		if wait := p.cfg.Limiter.Fail(keys...); wait > 0 {
			p.tooManyCodes(w, r, pend.csrf, wait)
			return
		}
		p.render(w, r, http.StatusUnprocessableEntity, "activation", nil, map[string]any{"CSRF": pend.csrf,
			"Problem": "Aktivační kód nesouhlasí, už byl použit, nebo vypršel. Nový vám vydá přepážka úřadu."})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: pendingCookie, Value: "", Path: "/obcan/aktivace", MaxAge: -1,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	if err := p.startSession(w, r, citizen, false); err != nil {
		p.cfg.Log.Error("portal session", "err", err)
		p.fail(w, r, nil, http.StatusServiceUnavailable, "Přihlášení se nepodařilo, zkuste to prosím za chvíli.")
		return
	}
	p.cfg.Log.Info("citizen's national identity bound", "how", "activation code")
	http.Redirect(w, r, "/obcan/", http.StatusSeeOther)
}

func (p *Portal) tooManyCodes(w http.ResponseWriter, r *http.Request, csrf string, wait time.Duration) {
	secs := signin.RetryAfter(w, wait)
	p.render(w, r, http.StatusTooManyRequests, "activation", nil, map[string]any{"CSRF": csrf,
		"Problem": fmt.Sprintf("Příliš mnoho neúspěšných pokusů. Zkuste to znovu za %d s.", secs)})
}

// currentPending is the request's NIA sign-in waiting for its code.
func (p *Portal) currentPending(r *http.Request) (pending, bool) {
	c, err := r.Cookie(pendingCookie)
	if err != nil {
		return pending{}, false
	}
	pend, ok, err := p.pending(r.Context(), c.Value)
	if err != nil {
		p.cfg.Log.Error("portal activation", "err", err)
	}
	return pend, ok
}

// IssueActivation issues a one-time code that binds the citizen's national
// identity at their first NIA sign-in (POST
// /v1/citizens/{citizen_id}/portal-activation); earlier codes of the
// citizen not used yet end.
func (p *Portal) IssueActivation(ctx context.Context, citizenID, issuedBy string) (string, time.Time, error) {
	return p.issueActivation(ctx, citizenID, issuedBy)
}

// xmlBytes is an XML document of v.
func xmlBytes(v any) ([]byte, error) {
	b, err := xml.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), b...), nil
}
