// Package testmail is a real SMTP server (github.com/emersion/go-smtp) for
// tests, in the test's process: it keeps what it receives by Message-ID, can
// refuse or slow down deliveries, and checks PLAIN credentials.
package testmail

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/mail"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// User and Password are the credentials the server accepts.
const (
	User     = "lhuta"
	Password = "secret"
)

// Mailbox is a running SMTP server and what it received.
type Mailbox struct {
	// URL is the server as LHUTA_SMTP_URL names it, with the credentials.
	URL string

	mu       sync.Mutex
	received map[string][]Delivery // by Message-ID
	refuse   int
	delay    time.Duration
	day      func() string
}

// Delivery is one message the server took.
type Delivery struct {
	// To is the recipient, Day what the test's clock showed (day's "" when none).
	To, Day string
	Raw     []byte
}

// New starts a server on a free local port until the test ends; day, if
// not nil, stamps each delivery with the test's day.
func New(t testing.TB, day func() string) *Mailbox {
	t.Helper()
	mb := &Mailbox{received: map[string][]Delivery{}, day: day}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{mb: mb}, nil }))
	srv.Domain, srv.AllowInsecureAuth = "localhost", true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	mb.URL = "smtp://" + User + ":" + Password + "@" + ln.Addr().String()
	return mb
}

// SetRefuse makes the server refuse the next n messages (451).
func (mb *Mailbox) SetRefuse(n int) {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	mb.refuse = n
}

// SetDelay makes the server wait d before it takes each message.
func (mb *Mailbox) SetDelay(d time.Duration) {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	mb.delay = d
}

// All returns a copy of what arrived, by Message-ID.
func (mb *Mailbox) All() map[string][]Delivery {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	out := make(map[string][]Delivery, len(mb.received))
	for k, v := range mb.received {
		out[k] = append([]Delivery(nil), v...)
	}
	return out
}

type session struct {
	mb     *Mailbox
	authed bool
	to     string
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != User || pass != Password {
			return errors.New("bad credentials")
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Mail(string, *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error { s.to = to; return nil }

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.mb.mu.Lock()
	delay := s.mb.delay
	s.mb.mu.Unlock()
	time.Sleep(delay)
	s.mb.mu.Lock()
	defer s.mb.mu.Unlock()
	if s.mb.refuse > 0 {
		s.mb.refuse--
		return &smtp.SMTPError{Code: 451, Message: "try again later"}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	day := ""
	if s.mb.day != nil {
		day = s.mb.day()
	}
	id := msg.Header.Get("Message-ID")
	s.mb.received[id] = append(s.mb.received[id], Delivery{To: s.to, Day: day, Raw: raw})
	return nil
}

func (s *session) Reset()        { s.to = "" }
func (s *session) Logout() error { return nil }
