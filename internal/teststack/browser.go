package teststack

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Browser keeps cookies as a browser on localhost does (Secure cookies over
// http://127.0.0.1 too) and does not follow redirects.
type Browser struct {
	T       testing.TB
	Base    string
	Cookies map[string]string
	// Origin, if set, is sent with every request.
	Origin string
	// FormOrigin sends Base as the Origin of form posts, as a browser does.
	FormOrigin bool
	Client     *http.Client
}

// NewBrowser is a browser of the site at base, with no cookies yet.
func NewBrowser(tb testing.TB, base string) *Browser {
	return &Browser{T: tb, Base: base, Cookies: map[string]string{}, Client: &http.Client{CheckRedirect: noRedirects}}
}

func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Page is one answer the browser got.
type Page struct {
	Status   int
	Location string
	Body     string
	Header   http.Header
	// Cookies are the ones this answer set.
	Cookies []*http.Cookie
}

// Do sends a request with the browser's cookies: a form post if form is not
// nil; header holds further name, value pairs.
func (b *Browser) Do(method, path string, form url.Values, header ...string) Page {
	b.T.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.Base+path, body)
	if err != nil {
		b.T.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if b.FormOrigin {
			req.Header.Set("Origin", b.Base)
		}
	}
	if b.Origin != "" {
		req.Header.Set("Origin", b.Origin)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	for k, v := range b.Cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v}) //nolint:gosec // a test browser sends back the cookies the service set
	}
	resp, err := b.Client.Do(req)
	if err != nil {
		b.T.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.Cookies, c.Name)
		} else {
			b.Cookies[c.Name] = c.Value
		}
	}
	return Page{resp.StatusCode, resp.Header.Get("Location"), string(raw), resp.Header, resp.Cookies()}
}

// Get loads a page.
func (b *Browser) Get(path string) Page { return b.Do(http.MethodGet, path, nil) }

// Post posts a form.
func (b *Browser) Post(path string, form url.Values) Page { return b.Do(http.MethodPost, path, form) }

// Cookie is the value of the cookie name that this answer set ("" if none).
func (p Page) Cookie(name string) string {
	v := ""
	for _, c := range p.Cookies {
		if c.Name == name {
			v = c.Value
		}
	}
	return v
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// CSRF is the CSRF field of a page's form, as a browser would post it.
func CSRF(tb testing.TB, status int, body string) string {
	tb.Helper()
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		tb.Fatalf("no CSRF field on the page (%d):\n%s", status, body)
	}
	return html.UnescapeString(m[1])
}

// PortalSignIn posts the citizens' portal's sign-in form with counter
// credentials.
func PortalSignIn(b *Browser, username, password string) Page {
	b.T.Helper()
	form := b.Get("/obcan/prihlaseni")
	return b.Post("/obcan/prihlaseni", url.Values{"csrf": {CSRF(b.T, form.Status, form.Body)}, "username": {username}, "password": {password}})
}
