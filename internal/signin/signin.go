// Package signin limits failed sign-ins (API.md, "The citizen's portal"):
// per account and per address, after Free failures every further attempt
// waits, and the wait doubles with each failure up to Max. A success clears
// the account's count, not the address's: one address trying many accounts
// stays slowed down.
//
// The citizen's portal uses it for its password form and its activation
// codes, the staff console for its sign-in form, and the API for unknown
// bearer tokens (per address: a token has no account to count by).
//
// The counts are kept in the process's memory: behind a load balancer each
// instance counts on its own, so an attacker gets at most Free failures per
// instance before waiting.
//
// It also holds what the two sites staff and citizens sign in to, the
// console and the portal, do alike: their pages' headers, the writing of
// their pages and their in-process calls to the API.
package signin

import (
	"bytes"
	"html/template"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults: five free failures, then 30 s, doubling up to an hour; a key
// without a failure for a day is forgotten.
const (
	DefaultFree   = 5
	DefaultFirst  = 30 * time.Second
	DefaultMax    = time.Hour
	DefaultForget = 24 * time.Hour
)

// Limiter counts failed sign-ins by key ("account:…", "address:…").
type Limiter struct {
	// Free is how many failures pass before the first wait.
	Free int
	// First is the first wait; each further failure doubles it, up to Max.
	First, Max time.Duration
	// Forget drops a key whose last failure is older than this.
	Forget time.Duration
	// Now is the limiter's clock (nil: time.Now).
	Now func() time.Time

	mu   sync.Mutex
	keys map[string]*record
}

type record struct {
	failures int
	last     time.Time
	until    time.Time
}

// New returns a Limiter with the defaults.
func New() *Limiter {
	return &Limiter{Free: DefaultFree, First: DefaultFirst, Max: DefaultMax, Forget: DefaultForget}
}

func (l *Limiter) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// Account and Address are the keys of an account and of a client address.
func Account(name string) string { return "account:" + name }

// Address is the key of a client's address.
func Address(addr string) string { return "address:" + addr }

// ClientAddress is the address failures of a request are counted by: the
// TCP peer (a proxy in front must be trusted to pass its clients apart; it
// is not read from headers a client can set).
func ClientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// PageHeaders sets what every page of the portal and of the console is
// answered with: no script runs, none is embedded and none is framed
// (imgSrc is where images may come from), and, except for the static files
// under assets, no page is cached: pages hold personal data.
func PageHeaders(w http.ResponseWriter, r *http.Request, imgSrc, assets string) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src "+imgSrc+"; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	if !strings.HasPrefix(r.URL.Path, assets) {
		h.Set("Cache-Control", "no-store")
	}
}

// WritePage answers with status and the page t's "layout" makes of data;
// if the template fails, it answers 500 with failure instead and returns the
// template's error.
func WritePage(w http.ResponseWriter, status int, t *template.Template, data any, failure string) error {
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout", data); err != nil {
		http.Error(w, failure, http.StatusInternalServerError)
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
	return nil
}

// Recorder is the http.ResponseWriter of a call the console or the portal
// makes to the API in-process: as on the network, the first status written
// counts, and a body with none written is 200.
type Recorder struct {
	header http.Header
	status int
	Body   bytes.Buffer
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder { return &Recorder{header: http.Header{}} }

// Header is the answer's header.
func (rec *Recorder) Header() http.Header { return rec.header }

func (rec *Recorder) Write(b []byte) (int, error) {
	rec.WriteHeader(http.StatusOK)
	return rec.Body.Write(b)
}

// WriteHeader keeps the first status.
func (rec *Recorder) WriteHeader(code int) {
	if rec.status == 0 {
		rec.status = code
	}
}

// Status is the answer's status.
func (rec *Recorder) Status() int {
	if rec.status == 0 {
		return http.StatusOK
	}
	return rec.status
}

// RetryAfter sets the Retry-After header to a wait in whole seconds,
// rounded up, and returns them.
func RetryAfter(w http.ResponseWriter, wait time.Duration) int {
	secs := int((wait + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return secs
}

// Wait returns how long the keys must wait before another attempt (0: try
// now): the longest wait of any of them. Call it before checking the
// password, so that a locked account's password is not even tried.
func (l *Limiter) Wait(keys ...string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var wait time.Duration
	for _, k := range keys {
		if r := l.keys[k]; r != nil && r.until.After(now) {
			wait = max(wait, r.until.Sub(now))
		}
	}
	return wait
}

// Fail records a failed attempt under every key and returns the wait it
// brings (0 while the failures are still free).
func (l *Limiter) Fail(keys ...string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if l.keys == nil {
		l.keys = map[string]*record{}
	}
	for k, r := range l.keys {
		if now.Sub(r.last) > l.Forget && !r.until.After(now) {
			delete(l.keys, k)
		}
	}
	var wait time.Duration
	for _, k := range keys {
		r := l.keys[k]
		if r == nil {
			r = &record{}
			l.keys[k] = r
		}
		r.failures++
		r.last = now
		if over := r.failures - l.Free; over > 0 {
			d := l.First
			for i := 1; i < over && d < l.Max; i++ {
				d *= 2
			}
			d = min(d, l.Max)
			r.until = now.Add(d)
			wait = max(wait, d)
		}
	}
	return wait
}

// Succeed clears the count of the keys (the account's, after its password
// was right).
func (l *Limiter) Succeed(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		delete(l.keys, k)
	}
}
