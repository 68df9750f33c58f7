package ui_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lhuta/lhuta/internal/service"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/internal/testidp"
	"github.com/lhuta/lhuta/internal/teststack"
)

// lanAddress is an IPv4 address of this machine that is not loopback: the
// address another PC of the office would open the console at.
func lanAddress(t *testing.T) net.IP {
	t.Helper()
	ifaces, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, iface := range ifaces {
		if iface.Flags&net.FlagUp == 0 || iface.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, _ := iface.Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
				return n.IP.To4()
			}
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no non-loopback IPv4 address on this machine (CI=true: the HTTPS console test must run)")
	}
	t.Skip("no non-loopback IPv4 address on this machine")
	return nil
}

// selfSigned writes a self-signed certificate for ip and its key into a
// temporary directory and returns their paths.
func selfSigned(t *testing.T, ip net.IP) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der := teststack.SelfSigned(t, x509.Certificate{Subject: pkix.Name{CommonName: "lhuta test"}, IPAddresses: []net.IP{ip},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, key).Raw
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// A clerk at another PC of the office opens the console over HTTPS, which
// lhuta serves itself, at the machine's network address, and signs in
// through the office's identity provider in Chromium; then she opens a case,
// which bears her name, finds the citizen by name with and without accents,
// assigns the case to herself and has it in "Moje případy".
func TestBrowserSignsInOverHTTPSThroughTheProvider(t *testing.T) {
	ip := lanAddress(t)
	certFile, keyFile := selfSigned(t, ip)
	idp := testidp.Start(t, testidp.User{Username: "jana", Password: "heslo-jany", First: "Jana", Last: "Nováková",
		Groups: []string{"lhuta-clerks-nova-ves"}})
	cfg := service.Config{DB: testdb.SQLite(t), Addr: net.JoinHostPort(ip.String(), "0"), MinPositionWait: 30 * time.Second, TLSCert: certFile, TLSKey: keyFile}
	teststack.WithSSO(t, &cfg, "reader-token=clerk:ctenar", idp.Issuer, "tajne-heslo-lhuty", "lhuta-clerks-nova-ves=clerk:nova-ves")
	base := "https://" + teststack.Serve(t, cfg).String()
	idp.Register(testidp.Client{ID: "lhuta", Secret: "tajne-heslo-lhuty", RedirectURIs: []string{base + "/ui/login/sso/callback"}})

	b := chromium(t, chromedp.Flag("ignore-certificate-errors", true))
	run(b, t, "open the console at "+base, chromedp.Navigate(base+"/ui/"), chromedp.WaitVisible(chromedp.CSS(`a[href^="/ui/login/sso"]`)))
	checkA11y(b, t, "sign-in with single sign-on")
	run(b, t, "go to the identity provider", chromedp.Click(chromedp.CSS(`a[href^="/ui/login/sso"]`)),
		chromedp.WaitVisible(chromedp.CSS("#username")))
	run(b, t, "sign in at the provider",
		chromedp.SendKeys(chromedp.CSS("#username"), "jana"),
		chromedp.SendKeys(chromedp.CSS("#password"), "heslo-jany"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#f-q")))
	if who := text(b, t, ".who span"); !strings.Contains(who, "Jana Nováková") || !strings.Contains(who, "nova-ves") {
		t.Errorf("signed in as %q", who)
	}
	run(b, t, "open a case",
		chromedp.Navigate(base+"/ui/cases/new?situation=id_card_incident"),
		chromedp.WaitVisible(chromedp.CSS("#f-citizen-full_name")),
		// SetValue, not SendKeys: chromedp types no key for "č".
		chromedp.SetValue(chromedp.CSS("#f-citizen-full_name"), "Karel Občan"),
		chromedp.SendKeys(chromedp.CSS("#f-citizen-id"), "c-1042"),
		chromedp.SendKeys(chromedp.CSS("#f-citizen-birth_date"), "1980-05-17"),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#h-record")))
	caseURL := value(b, t, "the case's address", chromedp.Location())
	id, _, _ := strings.Cut(strings.TrimPrefix(caseURL, base+"/ui/cases/"), "?")
	run(b, t, "record the loss", chromedp.Navigate(base+"/ui/cases/"+id+"/record?type=IncidentReported"),
		chromedp.WaitVisible(chromedp.CSS("#f-reported_on")),
		chromedp.SetValue(chromedp.CSS("#f-kind"), "lost"),
		chromedp.SetValue(chromedp.CSS("#f-reported_to"), "municipal_office"),
		chromedp.SendKeys(chromedp.CSS("#f-reported_on"), time.Now().AddDate(0, 0, -1).Format("2. 1. 2006")),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#h-obligations")))

	// Then she finds the citizen by his name without the accents and with
	// them, opens his case, assigns it to herself and has it in "Moje
	// případy" (a clerk of another office finds nothing: TestBrowserPeople).
	for _, q := range []string{"karel obcan", "Karel Občan"} {
		run(b, t, "search "+q, chromedp.Navigate(base+"/ui/cases"), chromedp.WaitVisible(chromedp.CSS("#f-q")),
			chromedp.SetValue(chromedp.CSS("#f-q"), q), chromedp.Submit(chromedp.CSS("#f-q")), chromedp.WaitVisible(chromedp.CSS("#h-found")))
		if got := text(b, t, "table.found"); !strings.Contains(got, "Karel Občan") || !strings.Contains(got, "nova-ves/2026/") {
			t.Errorf("searching %q finds: %s", q, got)
		}
	}
	run(b, t, "open the case found", chromedp.Click(chromedp.CSS(`table.found a[href="/ui/cases/`+id+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#assign-me")))
	run(b, t, "assign it to herself", chromedp.Click(chromedp.CSS("#assign-me")), chromedp.WaitVisible(chromedp.CSS(".saved")))
	run(b, t, "open Moje případy", chromedp.Click(chromedp.CSS(`nav a[href="/ui/my"]`)), chromedp.WaitVisible(chromedp.CSS("table.worklist")))
	if got := value(b, t, "the worklist", chromedp.Evaluate[string](`document.querySelector('main').innerText`)); !strings.Contains(got, "Karel Občan") {
		t.Errorf("Moje případy of Jana: %s", got)
	}
	checkA11y(b, t, "Moje případy after single sign-on")

	pemCert, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pemCert)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}}
	req, _ := http.NewRequest(http.MethodGet, base+"/v1/cases/"+id+"/events", nil)
	req.Header.Set("Authorization", "Bearer reader-token")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"recorded_by":"Jana Nováková"`) {
		t.Errorf("the case's events: %d %s", resp.StatusCode, body)
	}
}
