package portal_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"html"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	"github.com/crewjam/saml/samlidp"

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/internal/teststack"
	"github.com/lhuta/lhuta/portal"
)

// personIdentifier is the eIDAS attribute NIA sends the pseudonym in.
const personIdentifier = "http://eidas.europa.eu/attributes/naturalperson/PersonIdentifier"

// testIDP is a real crewjam/saml identity provider (samlidp) in-process,
// standing in for NIA: it adds the eIDAS PersonIdentifier to its
// assertions, and can be told to spoil them the ways the tests need.
type testIDP struct {
	srv *samlidp.Server
	url string
	// audience, when set, replaces the assertions' audience; expired moves
	// the assertions an hour into the past (before they are signed).
	audience atomic.Pointer[string]
	expired  atomic.Bool
	// spMetadata is the portal's metadata as registered.
	spMetadata []byte
}

func newIDP(t testing.TB) *testIDP {
	t.Helper()
	key, cert := selfSigned(t, "NIA (test)")
	ts := httptest.NewUnstartedServer(nil)
	u, _ := url.Parse("http://" + ts.Listener.Addr().String())
	srv, err := samlidp.New(samlidp.Options{URL: *u, Key: key, Certificate: cert, Store: &samlidp.MemoryStore{},
		Logger: log.New(io.Discard, "", 0)})
	if err != nil {
		t.Fatal(err)
	}
	idp := &testIDP{srv: srv, url: u.String()}
	srv.IDP.AssertionMaker = idp
	ts.Config.Handler = srv
	ts.Start()
	t.Cleanup(ts.Close)
	return idp
}

// MakeAssertion is samlidp's assertion with NIA's pseudonym of the user,
// spoilt as the test asked.
func (idp *testIDP) MakeAssertion(req *saml.IdpAuthnRequest, session *saml.Session) error {
	if err := (saml.DefaultAssertionMaker{}).MakeAssertion(req, session); err != nil {
		return err
	}
	a := req.Assertion
	a.AttributeStatements = append(a.AttributeStatements, saml.AttributeStatement{Attributes: []saml.Attribute{{
		Name: personIdentifier, NameFormat: "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
		Values: []saml.AttributeValue{{Type: "xs:string", Value: pseudonym(session.UserName)}},
	}}})
	if aud := idp.audience.Load(); aud != nil {
		a.Conditions.AudienceRestrictions = []saml.AudienceRestriction{{Audience: saml.Audience{Value: *aud}}}
	}
	if idp.expired.Load() {
		back := -time.Hour
		a.IssueInstant = a.IssueInstant.Add(back)
		a.Conditions.NotBefore = a.Conditions.NotBefore.Add(back)
		a.Conditions.NotOnOrAfter = a.Conditions.NotOnOrAfter.Add(back)
		for i := range a.Subject.SubjectConfirmations {
			if d := a.Subject.SubjectConfirmations[i].SubjectConfirmationData; d != nil {
				d.NotOnOrAfter = d.NotOnOrAfter.Add(back)
			}
		}
	}
	return nil
}

// pseudonym is NIA's identifier of a user for the portal, as eIDAS writes
// it (country of origin / of destination / identifier).
func pseudonym(user string) string {
	d := sha256.Sum256([]byte("lhuta:" + user))
	return "CZ/CZ/" + hex.EncodeToString(d[:16])
}

// user adds a NIA user with the password "heslo-" + name.
func (idp *testIDP) user(t testing.TB, name string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": name, "password": "heslo-" + name, "email": name + "@example.cz"})
	idp.admin(t, http.MethodPut, "/users/"+name, body)
}

func (idp *testIDP) admin(t testing.TB, method, path string, body []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, idp.url+path, bytes.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		raw, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s %s at the IdP: %d %s", method, path, resp.StatusCode, raw)
	}
}

// serviceProvider is the portal's NIA configuration: a key pair made now,
// written to PEM files and read back as lhuta serve reads them.
func (idp *testIDP) serviceProvider(t testing.TB, public string) portal.NIAConfig {
	t.Helper()
	key, cert := selfSigned(t, "lhuta (test)")
	dir := t.TempDir()
	keyFile, certFile := filepath.Join(dir, "sp.key"), filepath.Join(dir, "sp.crt")
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	k, c, err := portal.LoadNIAKeyPair(keyFile, certFile)
	if err != nil {
		t.Fatal(err)
	}
	return portal.NIAConfig{MetadataURL: idp.url + "/metadata", Key: k, Certificate: c, PublicURL: public}
}

// register tells the IdP about the portal, from the portal's own metadata.
func (idp *testIDP) register(t testing.TB, metadataURL string) {
	t.Helper()
	resp, err := http.Get(metadataURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	idp.spMetadata, _ = io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(idp.spMetadata, []byte("/obcan/nia/acs")) {
		t.Fatalf("the portal's SAML metadata: %d\n%s", resp.StatusCode, idp.spMetadata)
	}
	idp.admin(t, http.MethodPut, "/services/lhuta", idp.spMetadata)
}

// withoutEncryption registers the portal as a service provider that takes
// its assertions in the clear (so that a test can tamper with them), and
// undoes it at the end of the test.
func (idp *testIDP) withoutEncryption(t testing.TB) {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(idp.spMetadata); err != nil {
		t.Fatal(err)
	}
	for _, kd := range doc.FindElements("//KeyDescriptor[@use='encryption']") {
		kd.Parent().RemoveChild(kd)
	}
	clear, _ := doc.WriteToBytes()
	idp.admin(t, http.MethodPut, "/services/lhuta", clear)
	t.Cleanup(func() { idp.admin(t, http.MethodPut, "/services/lhuta", idp.spMetadata) })
}

func selfSigned(t testing.TB, name string) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return key, teststack.SelfSigned(t, x509.Certificate{Subject: pkix.Name{CommonName: name},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment}, key)
}

var (
	samlRequestField  = regexp.MustCompile(`name="SAMLRequest" value="([^"]+)"`)
	samlResponseField = regexp.MustCompile(`name="SAMLResponse" value="([^"]+)"`)
	relayStateField   = regexp.MustCompile(`name="RelayState" value="([^"]*)"`)
)

// niaAnswer is what NIA's page posts back to the portal.
type niaAnswer struct{ response, relay string }

var formAction = regexp.MustCompile(`<form method="post" action="([^"]+)"`)

// toNIA starts the NIA sign-in in the browser, signs in at the IdP as user
// and returns NIA's answer, not posted yet.
func (b *browser) toNIA(idp *testIDP, user string) niaAnswer {
	t := b.s.t
	t.Helper()
	start := b.get("/obcan/nia")
	action := formAction.FindStringSubmatch(start.body)
	req, relay := samlRequestField.FindStringSubmatch(start.body), relayStateField.FindStringSubmatch(start.body)
	if start.status != http.StatusOK || action == nil || html.UnescapeString(action[1]) != idp.url+"/sso" || req == nil || relay == nil {
		t.Fatalf("GET /obcan/nia: %d, want the form to the IdP\n%s", start.status, start.body)
	}
	if xml, _ := base64.StdEncoding.DecodeString(html.UnescapeString(req[1])); !bytes.Contains(xml, []byte("rsa-sha256")) {
		t.Errorf("the authentication request is not signed with RSA-SHA256:\n%s", xml)
	}
	form := url.Values{"user": {user}, "password": {"heslo-" + user}, "SAMLRequest": {html.UnescapeString(req[1])},
		"RelayState": {html.UnescapeString(relay[1])}}
	resp, err := http.PostForm(idp.url+"/sso", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	m, r := samlResponseField.FindSubmatch(raw), relayStateField.FindSubmatch(raw)
	if resp.StatusCode != http.StatusOK || m == nil || r == nil {
		t.Fatalf("sign-in at the IdP: %d\n%s", resp.StatusCode, raw)
	}
	return niaAnswer{html.UnescapeString(string(m[1])), html.UnescapeString(string(r[1]))}
}

// postNIA posts NIA's answer to the portal as NIA's page does (from NIA's origin).
func (b *browser) postNIA(idp *testIDP, a niaAnswer) page {
	b.s.t.Helper()
	return b.do(http.MethodPost, "/obcan/nia/acs", url.Values{"SAMLResponse": {a.response}, "RelayState": {a.relay}}, "Origin", idp.url)
}

// unsigned strips every XML signature off a SAML response.
func unsigned(t testing.TB, response string) string {
	t.Helper()
	raw, _ := base64.StdEncoding.DecodeString(response)
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		t.Fatal(err)
	}
	sigs := doc.FindElements("//Signature")
	if len(sigs) == 0 {
		t.Fatalf("the IdP's response has no signature to strip:\n%s", raw)
	}
	for _, s := range sigs {
		s.Parent().RemoveChild(s)
	}
	out, _ := doc.WriteToBytes()
	return base64.StdEncoding.EncodeToString(out)
}

// refused checks that a NIA answer was refused with a Czech message and
// signed no one in.
func refused(t *testing.T, b *browser, p page, message string) {
	t.Helper()
	if p.status != http.StatusForbidden || !strings.Contains(p.body, message) {
		t.Errorf("want 403 with %q, got %d:\n%s", message, p.status, p.body)
	}
	if _, ok := b.Cookies[portal.SessionCookie]; ok {
		t.Errorf("a refused NIA answer started a session")
	}
	if a := b.me("/v1/me"); a.status != http.StatusUnauthorized {
		t.Errorf("/v1/me after a refused NIA answer: %d %s", a.status, a.raw)
	}
}

func TestNIASignInBindsByActivationCodeOnce(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		idp := newIDP(t)
		idp.user(t, "jana")
		idp.user(t, "petr")
		s := newStackNIA(t, db, today, idp)
		s.dogOwner("cz-jana", "Jana Nováková")

		// The clerk's route: a code shown once, for the clerk's office only.
		if a := s.api("POST", "/v1/citizens/cz-jana/portal-activation", "brno-token", nil); a.status != http.StatusNotFound {
			t.Errorf("another office's clerk: %d %s, want 404", a.status, a.raw)
		}
		if a := s.api("POST", "/v1/citizens/cz-jana/portal-activation", "officer-token", nil); a.status != http.StatusForbidden {
			t.Errorf("a compliance officer: %d %s, want 403", a.status, a.raw)
		}
		first := s.api("POST", "/v1/citizens/cz-jana/portal-activation", "clerk-token", nil)
		issued := s.api("POST", "/v1/citizens/cz-jana/portal-activation", "clerk-token", nil)
		if issued.status != http.StatusCreated {
			t.Fatalf("portal-activation: %d %s", issued.status, issued.raw)
		}
		m := issued.json(t)
		code := m["code"].(string)
		if !regexp.MustCompile(`^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$`).MatchString(code) || m["expires_at"] != "2026-04-09T08:00:00Z" {
			t.Errorf("portal-activation answered %v, want a 12-character code expiring in 30 days", m)
		}

		// The first NIA sign-in asks for the code and signs no one in yet.
		b := s.browser()
		p := b.postNIA(idp, b.toNIA(idp, "jana"))
		if p.status != http.StatusSeeOther || p.location != "/obcan/aktivace" {
			t.Fatalf("first NIA sign-in: %d → %q\n%s", p.status, p.location, p.body)
		}
		if a := b.me("/v1/me"); a.status != http.StatusUnauthorized {
			t.Errorf("/v1/me before the activation code: %d", a.status)
		}
		form := b.get("/obcan/aktivace")
		for _, bad := range []string{"", "aaaa-aaaa-aaaa", first.json(t)["code"].(string)} {
			p = b.do(http.MethodPost, "/obcan/aktivace", url.Values{"csrf": {csrf(t, form)}, "code": {bad}})
			if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "Aktivační kód nesouhlasí") {
				t.Errorf("code %q (empty, unknown, replaced by a newer one): %d\n%s", bad, p.status, p.body)
			}
		}
		// Typed in capitals with spaces, it is the same code.
		typed := strings.ToUpper(strings.ReplaceAll(code, "-", " "))
		p = b.do(http.MethodPost, "/obcan/aktivace", url.Values{"csrf": {csrf(t, form)}, "code": {typed}})
		if p.status != http.StatusSeeOther || p.location != "/obcan/" {
			t.Fatalf("activation: %d → %q\n%s", p.status, p.location, p.body)
		}
		if a := b.me("/v1/me"); a.status != http.StatusOK || a.json(t)["citizen_id"] != "cz-jana" {
			t.Fatalf("/v1/me after activation: %d %s", a.status, a.raw)
		}

		// The code is used up: another NIA user cannot take it.
		other := s.browser()
		if p := other.postNIA(idp, other.toNIA(idp, "petr")); p.location != "/obcan/aktivace" {
			t.Fatalf("petr's NIA sign-in: %d → %q", p.status, p.location)
		}
		form = other.get("/obcan/aktivace")
		if p := other.do(http.MethodPost, "/obcan/aktivace", url.Values{"csrf": {csrf(t, form)}, "code": {code}}); p.status != http.StatusUnprocessableEntity {
			t.Errorf("a used code again: %d → %q", p.status, p.location)
		}
		if a := other.me("/v1/me"); a.status != http.StatusUnauthorized {
			t.Errorf("petr signed in with jana's used code: %d %s", a.status, a.raw)
		}

		// The next sign-in needs no code.
		again := s.browser()
		p = again.postNIA(idp, again.toNIA(idp, "jana"))
		if p.status != http.StatusSeeOther || p.location != "/obcan/" {
			t.Fatalf("second NIA sign-in: %d → %q\n%s", p.status, p.location, p.body)
		}
		if a := again.me("/v1/me/payments"); a.status != http.StatusOK || !strings.Contains(a.raw, "dog-2026") {
			t.Errorf("payments after the second NIA sign-in: %d %s", a.status, a.raw)
		}
		testMyRoutesRefuseAnUnknownQueryParameter(t, again)
	})
}

func TestNIARefusesBadAnswers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		idp := newIDP(t)
		idp.user(t, "jana")
		s := newStackNIA(t, db, today, idp)

		t.Run("replayed", func(t *testing.T) {
			b := s.browser()
			answer := b.toNIA(idp, "jana")
			relay := b.Cookies["lhuta_obcan_nia"]
			if p := b.postNIA(idp, answer); p.status != http.StatusSeeOther {
				t.Fatalf("first use: %d\n%s", p.status, p.body)
			}
			// Someone who captured the answer and the browser's cookie posts it again.
			thief := s.browser()
			thief.Cookies["lhuta_obcan_nia"] = relay
			refused(t, thief, thief.postNIA(idp, answer), "už byla jednou použita")
		})
		t.Run("wrong audience", func(t *testing.T) {
			other := "https://jiny-urad.example.cz/saml"
			idp.audience.Store(&other)
			defer idp.audience.Store(nil)
			b := s.browser()
			refused(t, b, b.postNIA(idp, b.toNIA(idp, "jana")), "není určena tomuto portálu")
		})
		t.Run("expired", func(t *testing.T) {
			idp.expired.Store(true)
			defer idp.expired.Store(false)
			b := s.browser()
			refused(t, b, b.postNIA(idp, b.toNIA(idp, "jana")), "už neplatí")
		})
		t.Run("unsigned", func(t *testing.T) {
			idp.withoutEncryption(t)
			b := s.browser()
			a := b.toNIA(idp, "jana")
			a.response = unsigned(t, a.response)
			refused(t, b, b.postNIA(idp, a), "není platně podepsaná")
		})
		t.Run("not started in this browser", func(t *testing.T) {
			b := s.browser()
			a := b.toNIA(idp, "jana")
			delete(b.Cookies, "lhuta_obcan_nia")
			refused(t, b, b.postNIA(idp, a), "nezačalo v tomto prohlížeči")
		})
	})
}

func TestNIASettingsThatDoNotHoldAreRefused(t *testing.T) {
	key, cert := selfSigned(t, "lhuta (test)")
	for _, c := range []struct {
		nia  portal.NIAConfig
		want string
	}{
		{portal.NIAConfig{MetadataURL: "https://nia.example.cz/metadata", Key: key, Certificate: cert}, "LHUTA_PUBLIC_URL"},
		{portal.NIAConfig{MetadataURL: "https://nia.example.cz/metadata", PublicURL: "https://lhuta.example.cz"}, "LHUTA_NIA_SP_KEY"},
	} {
		if _, err := portal.New(portal.Config{NIA: c.nia}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error naming %s", c.nia, err, c.want)
		}
	}
	if _, _, err := portal.LoadNIAKeyPair(filepath.Join(t.TempDir(), "no.key"), filepath.Join(t.TempDir(), "no.crt")); err == nil {
		t.Error("a key pair from files that are not there")
	}
}

// testMyRoutesRefuseAnUnknownQueryParameter: like every staff route
// (handlers' TestAnUnknownQueryParameterIsRefusedOnEveryRoute), /v1/me*
// answers 400 naming a query parameter it does not take, for a signed-in
// citizen.
func testMyRoutesRefuseAnUnknownQueryParameter(t *testing.T, b *browser) {
	t.Helper()
	for _, path := range []string{"/v1/me", "/v1/me/obligations", "/v1/me/payments", "/v1/me/documents", "/v1/me/reads", "/v1/me/export"} {
		if a := b.me(path + "?stauts=overdue"); a.status != http.StatusBadRequest || !strings.Contains(a.raw, `"field":"stauts"`) {
			t.Errorf("%s?stauts=overdue: %d %s, want 400 naming stauts", path, a.status, a.raw)
		}
	}
}
