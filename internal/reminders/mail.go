package reminders

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/smtp"
	"net/url"
	"strings"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/reminder"
)

// smtpTimeout bounds one delivery attempt: it runs inside the outbox
// subscriber's transaction, which holds back every reader of the log on
// PostgreSQL while it is open (docs/decisions.md).
const smtpTimeout = 5 * time.Second

// smtpServer is where LHUTA_SMTP_URL says mail goes.
type smtpServer struct {
	addr, host, user, pass string
}

// parseSMTPURL reads smtp://[user:pass@]host[:port] (port 25 by default).
func parseSMTPURL(raw string) (smtpServer, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "smtp" || u.Hostname() == "" || (u.Path != "" && u.Path != "/") {
		return smtpServer{}, fmt.Errorf("LHUTA_SMTP_URL: %q is not smtp://[user:password@]host[:port]", redactURL(raw))
	}
	s := smtpServer{host: u.Hostname(), addr: u.Host}
	if u.Port() == "" {
		s.addr = net.JoinHostPort(s.host, "25")
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	return s, nil
}

func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		u.User = url.User(u.User.Username())
		return u.String()
	}
	return "(unreadable)"
}

// send delivers one message: STARTTLS where the server offers it, then
// PLAIN authentication where credentials are given (net/smtp refuses to
// send a password unencrypted to any host but localhost).
func (s smtpServer) send(ctx context.Context, from, to string, msg []byte) error {
	ctx, cancel := context.WithTimeout(ctx, smtpTimeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return err
	}
	deadline, _ := ctx.Deadline()
	if err := conn.SetDeadline(deadline); err != nil {
		_ = conn.Close()
		return err
	}
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		_ = conn.Close()
		return err
	}
	defer func() { _ = c.Close() }()
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}); err != nil {
			return fmt.Errorf("STARTTLS: %w", err)
		}
	}
	if s.user != "" {
		if err := c.Auth(smtp.PlainAuth("", s.user, s.pass, s.host)); err != nil {
			return fmt.Errorf("AUTH: %w", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// MessageID is the Message-ID of a reminder's e-mail: its stable id, so
// that a reminder delivered twice is one message to the citizen's client.
func MessageID(reminderID string) string { return "<" + reminderID + "@lhuta>" }

// letter is what a reminder says, in Czech.
type letter struct {
	subject, body string
}

// documents and obligations name what a reminder is about in Czech.
var (
	documents = map[string]string{
		"id_card":          "občanský průkaz",
		"loss_certificate": "potvrzení o občanském průkazu",
		"passport":         "cestovní pas",
	}
	obligations = map[string]string{
		"apply_for_id_card":    "požádat o nový občanský průkaz",
		"surrender_found_card": "odevzdat nalezený občanský průkaz",
		"surrender_id_card":    "odevzdat občanský průkaz",
	}
	payments = map[string]string{
		"local_fee": "místní poplatek",
		"fine":      "pokuta",
	}
)

func named(m map[string]string, key string) string {
	if v, ok := m[key]; ok {
		return v
	}
	return key
}

// czechDate writes a date as Czech letters do: 1. 4. 2026.
func czechDate(d calendar.Date) string {
	return fmt.Sprintf("%d. %d. %d", d.Day(), d.Month(), d.Year())
}

// write composes a reminder's letter. It names no one and carries no birth
// number: the letter may be read by anyone with access to the mailbox, so it
// says only what is due when, and where the citizen sees the rest.
func write(r reminder.Reminder, officeName, portal string) letter {
	var l letter
	switch r.Kind {
	case reminder.ValidityEnds:
		l.subject = "Připomínka: platnost dokladu končí " + czechDate(r.DueOn)
		l.body = fmt.Sprintf("platnost dokladu (%s) končí dne %s. Úřad doporučuje požádat o nový doklad nejméně 60 dní předem.",
			named(documents, r.What), czechDate(r.DueOn))
	case reminder.ObligationDue:
		l.subject = "Připomínka: lhůta končí " + czechDate(r.DueOn)
		l.body = fmt.Sprintf("lhůta, do které je třeba %s, končí dne %s.", named(obligations, r.What), czechDate(r.DueOn))
	case reminder.PaymentDue:
		l.subject = fmt.Sprintf("Připomínka: platba %d Kč je splatná %s", r.OwedCZK, czechDate(r.DueOn))
		l.body = fmt.Sprintf("%s ve výši %d Kč je splatná dne %s.\nÚčet: %s, variabilní symbol: %s.",
			capitalised(named(payments, r.What)), r.OwedCZK, czechDate(r.DueOn), r.Account, r.VariableSymbol)
	case reminder.PaymentOverdue:
		l.subject = fmt.Sprintf("Platba %d Kč je po splatnosti", r.OwedCZK)
		l.body = fmt.Sprintf("%s ve výši %d Kč byla splatná dne %s a dosud nebyla uhrazena.\nÚčet: %s, variabilní symbol: %s.",
			capitalised(named(payments, r.What)), r.OwedCZK, czechDate(r.DueOn), r.Account, r.VariableSymbol)
	}
	l.body = "Dobrý den,\n\n" + l.body + "\n\nPodrobnosti najdete na portálu občana: " + portal +
		"\n\nTuto připomínku posílá " + officeName + " jako službu, o kterou jste požádali; nejde o úřední výzvu." +
		" Odvolat ji můžete na úřadě nebo na portálu občana.\n"
	return l
}

func capitalised(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

// compose writes the whole RFC 5322 message once, when the reminder enters
// the outbox: every retry then sends the same bytes under the same Message-ID.
func compose(from, to, reminderID string, l letter, at time.Time) ([]byte, error) {
	if strings.ContainsAny(from+to, "\r\n") {
		return nil, errors.New("an address holds a line break")
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\n", from, to)
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.BEncoding.Encode("UTF-8", l.subject))
	fmt.Fprintf(&b, "Message-ID: %s\r\nDate: %s\r\n", MessageID(reminderID), at.Format(time.RFC1123Z))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(strings.ReplaceAll(l.body, "\n", "\r\n"))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
