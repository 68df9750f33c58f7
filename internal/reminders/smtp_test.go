package reminders_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/mail"
	"sync"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// mailbox is a real SMTP server in the test's process (go-smtp) that keeps
// what it receives, by Message-ID, with the day the test's clock showed.
type mailbox struct {
	mu       sync.Mutex
	received map[string][]delivery // by Message-ID
	refuse   int                   // refuse this many DATA commands first
	day      func() string
	url      string
}

type delivery struct {
	to, day string
	raw     []byte
}

func newMailbox(t *testing.T, day func() string) *mailbox {
	t.Helper()
	mb := &mailbox{received: map[string][]delivery{}, day: day}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{mb: mb}, nil }))
	srv.Domain, srv.AllowInsecureAuth = "localhost", true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	mb.url = "smtp://lhuta:secret@" + ln.Addr().String()
	return mb
}

func (mb *mailbox) setRefuse(n int) {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	mb.refuse = n
}

// all returns a copy of what arrived.
func (mb *mailbox) all() map[string][]delivery {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	out := make(map[string][]delivery, len(mb.received))
	for k, v := range mb.received {
		out[k] = append([]delivery(nil), v...)
	}
	return out
}

type session struct {
	mb     *mailbox
	authed bool
	to     string
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "lhuta" || pass != "secret" {
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
	defer s.mb.mu.Unlock()
	if s.mb.refuse > 0 {
		s.mb.refuse--
		return &smtp.SMTPError{Code: 451, Message: "try again later"}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	id := msg.Header.Get("Message-ID")
	s.mb.received[id] = append(s.mb.received[id], delivery{to: s.to, day: s.mb.day(), raw: raw})
	return nil
}

func (s *session) Reset()        { s.to = "" }
func (s *session) Logout() error { return nil }
