package service_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/lhuta/lhuta/internal/service"
	"github.com/lhuta/lhuta/internal/testdb"
)

// publicHost is the console's address on the office's network, as the
// proxy in front of lhuta passes it on (Caddy does; nginx with
// proxy_set_header Host $host).
const publicHost = "lhuta.urad.example"

// Behind a TLS-terminating reverse proxy that lhuta trusts, the console
// works from other machines: its cookies are Secure, and a staff member
// signs in. Over plain HTTP to another machine's address the console asks
// for HTTPS in Czech, instead of failing the sign-in form's CSRF check.
func TestTheConsoleBehindATrustedProxy(t *testing.T) {
	lhuta := startWithProvider(t, testdb.SQLite(t), service.Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}, "http")
	target, _ := url.Parse(lhuta.url)
	proxy := httptest.NewTLSServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		r.SetXForwarded()
		r.Out.Host = publicHost
	}})
	defer proxy.Close()
	// The browser's own view: it asked https://lhuta.urad.example/, the
	// proxy answered; its Go client reaches the proxy by address.
	client := proxy.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	get := func(c *http.Client, u string, form url.Values, cookies ...*http.Cookie) page {
		t.Helper()
		method, body := http.MethodGet, io.Reader(nil)
		if form != nil {
			method, body = http.MethodPost, strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, u, body)
		req.Host = publicHost
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, err := c.Do(req)
		return read(t, resp, err)
	}

	p := get(client, proxy.URL+"/ui/login", nil)
	if p.status != http.StatusOK || len(p.cookies) != 1 || !p.cookies[0].Secure {
		t.Fatalf("the sign-in page through the proxy: %d, cookies %v\n%s", p.status, p.cookies, p.body)
	}
	m := csrfField.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no CSRF token:\n%s", p.body)
	}
	p = get(client, proxy.URL+"/ui/login", url.Values{"csrf": {m[1]}, "token": {"scanner-token"}}, p.cookies[0])
	var session *http.Cookie
	for _, c := range p.cookies {
		if c.Name == "lhuta_session" && c.Value != "" {
			session = c
		}
	}
	if p.status != http.StatusSeeOther || session == nil || !session.Secure {
		t.Fatalf("signing in through the proxy: %d, cookies %v\n%s", p.status, p.cookies, p.body)
	}
	if p := get(client, proxy.URL+"/ui/cases", nil, session); p.status != http.StatusOK || !strings.Contains(p.body, "skener") {
		t.Errorf("the console through the proxy: %d\n%s", p.status, p.body)
	}
	// The provider is sent back to the address the browser used, over HTTPS.
	if p := get(client, proxy.URL+"/ui/login/sso", nil); !strings.Contains(p.header.Get("Location"),
		url.QueryEscape("https://"+publicHost+"/ui/login/sso/callback")) {
		t.Errorf("the provider would send the browser back to: %s", p.header.Get("Location"))
	}

	// The same console over plain HTTP at the office's address.
	plain := &http.Client{CheckRedirect: client.CheckRedirect}
	p = get(plain, lhuta.url+"/ui/login", nil)
	if p.status != http.StatusForbidden || !strings.Contains(p.body, "přes zabezpečené spojení (HTTPS)") ||
		!strings.Contains(p.body, "https://"+publicHost+"/ui/") || strings.Contains(p.body, "CSRF") {
		t.Errorf("plain HTTP at %s: %d\n%s", publicHost, p.status, p.body)
	}
	if p := get(plain, lhuta.url+"/ui/login", url.Values{"csrf": {"x"}, "token": {"scanner-token"}}); p.status != http.StatusForbidden ||
		strings.Contains(p.body, "CSRF") || len(p.cookies) != 0 {
		t.Errorf("signing in over plain HTTP at %s: %d %v\n%s", publicHost, p.status, p.cookies, p.body)
	}
	// On this machine plain HTTP keeps working, with cookies a browser
	// keeps over http://localhost.
	req, _ := http.NewRequest(http.MethodGet, lhuta.url+"/ui/login", nil)
	req.Host = "localhost"
	resp, err := plain.Do(req)
	p = read(t, resp, err)
	if p.status != http.StatusOK || len(p.cookies) != 1 || p.cookies[0].Secure {
		t.Errorf("plain HTTP on localhost: %d, cookies %v", p.status, p.cookies)
	}
}

// X-Forwarded-Proto from an address that is not a trusted proxy is not
// believed: a client cannot talk the console into thinking it is on HTTPS.
func TestForwardedHeadersFromOthersAreIgnored(t *testing.T) {
	lhuta := startWithProvider(t, testdb.SQLite(t), service.Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}, "http")
	req, _ := http.NewRequest(http.MethodGet, lhuta.url+"/ui/login", nil)
	req.Host = publicHost
	req.Header.Set("X-Forwarded-Proto", "https")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(b), "HTTPS") {
		t.Errorf("X-Forwarded-Proto: https from 127.0.0.1, not a trusted proxy: %d\n%s", resp.StatusCode, b)
	}
}
