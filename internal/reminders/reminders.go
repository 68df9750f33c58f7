// Package reminders sends the reminders that domain/reminder plans
// (docs/LAW.md §5.4) to the citizens who agreed to them, through a
// transactional outbox on watermill-sql.
//
// Each tick, for the service's today, the scheduler finds the reminders due
// to citizens with a current consent and, for each, in one SQL transaction,
// marks it queued (reminder_sent, which no rebuild touches) and publishes
// its e-mail with watermill-sql's publisher: both happen or neither does.
// A watermill forwarder (components/forwarder) reads the outbox and hands
// each message to the e-mail channel (SMTP), with the router's retry and
// poison-queue middleware: a message the server keeps refusing is parked,
// and GET /v1/reminders shows it. Delivery is at least once; a message
// delivered twice has the same Message-ID and the same bytes.
//
// The outbox needs PostgreSQL; on SQLite the plan and the list work and
// nothing is sent (docs/decisions.md).
package reminders

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wsql "github.com/ThreeDotsLabs/watermill-sql/v3/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/components/forwarder"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/domain/money"
	"github.com/lhuta/lhuta/domain/reminder"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/caserepo"
	"github.com/lhuta/lhuta/internal/lease"
)

// Topics: the outbox (the forwarder's topic, table watermill_reminders) and
// the channel it forwards to.
const (
	outboxTopic = "reminders"
	mailTopic   = "email"
)

// Config configures the reminders.
type Config struct {
	// SMTPURL is LHUTA_SMTP_URL, smtp://[user:password@]host[:port]; without
	// it nothing is sent (the plan is still shown).
	SMTPURL string
	// From is LHUTA_MAIL_FROM, the sender's address.
	From string
	// PortalURL is the address of the citizen's portal the letters link to.
	PortalURL string
	// Today is the service's clock (LHUTA_CLOCK-aware).
	Today func() calendar.Date
	// Offices are the offices' names and payment terms (nil: built-in).
	Offices *money.Offices
	// Interval is how often the scheduler looks for due reminders (default
	// a minute); PollInterval how often the forwarder reads the outbox
	// (default a second).
	Interval, PollInterval time.Duration
	// Retries is how often a refused message is tried again, with backoff,
	// before it is parked (default 3).
	Retries int
	Log     *slog.Logger
}

// Service plans, queues and sends reminders.
type Service struct {
	cfg     Config
	db      *eventstore.DB
	store   eventstore.Store
	smtp    *smtpServer
	outbox  bool
	lease   *lease.Lease
	queued  atomic.Int64
	sent    atomic.Int64
	failed  atomic.Int64
	wmLog   watermill.LoggerAdapter
	offices *money.Offices
}

// New returns the reminders of db. It fails on an unreadable LHUTA_SMTP_URL,
// or one without LHUTA_MAIL_FROM.
func New(cfg Config, db *eventstore.DB) (*Service, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Interval <= 0 {
		cfg.Interval = time.Minute
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.Retries <= 0 {
		cfg.Retries = 3
	}
	if cfg.PortalURL == "" {
		cfg.PortalURL = "/obcan/"
	}
	offices := cfg.Offices
	if offices == nil {
		offices = money.Builtin()
	}
	s := &Service{cfg: cfg, db: db, store: eventstore.NewSQLStore(db.SQL, db.Dialect), offices: offices,
		outbox: db.Dialect.Name == eventstore.Postgres.Name, lease: lease.New(db, "reminders", cfg.Log),
		wmLog: watermill.NewSlogLogger(cfg.Log)}
	if cfg.SMTPURL != "" {
		srv, err := parseSMTPURL(cfg.SMTPURL)
		if err != nil {
			return nil, err
		}
		if !strings.Contains(cfg.From, "@") || strings.ContainsAny(cfg.From, "\r\n<> ") {
			return nil, fmt.Errorf("LHUTA_MAIL_FROM: %q is not a plain e-mail address; LHUTA_SMTP_URL needs one", cfg.From)
		}
		s.smtp = &srv
	}
	return s, nil
}

// Sending reports whether reminders leave the service at all.
func (s *Service) Sending() bool { return s.smtp != nil && s.outbox }

// Run queues due reminders every Interval and forwards the outbox to the
// e-mail channel, on one instance at a time (the lease "reminders"), until
// ctx ends. Without SMTP, or on SQLite, it says so and only waits.
func (s *Service) Run(ctx context.Context) error {
	switch {
	case s.smtp == nil:
		s.cfg.Log.Info("reminders: LHUTA_SMTP_URL is not set; reminders are planned and listed, not sent")
		<-ctx.Done()
		return nil
	case !s.outbox:
		s.cfg.Log.Warn("reminders: the outbox needs PostgreSQL; on the embedded SQLite store reminders are planned and listed, not sent")
		<-ctx.Done()
		return nil
	}
	return s.lease.Run(ctx, func(ctx context.Context) {
		done := make(chan error, 1)
		go func() { done <- s.Forward(ctx) }()
		t := time.NewTicker(s.cfg.Interval)
		defer t.Stop()
		for {
			if _, err := s.Tick(ctx); err != nil && ctx.Err() == nil {
				s.cfg.Log.Error("reminders: queueing failed; next try at the next tick", "err", err)
			}
			select {
			case <-ctx.Done():
				<-done
				return
			case err := <-done:
				if ctx.Err() == nil {
					s.cfg.Log.Error("reminders: the forwarder stopped", "err", err)
				}
				return
			case <-t.C:
			}
		}
	})
}

// Tick queues the reminders due today to every citizen whose consent holds
// now, and returns how many it queued. A reminder already queued, by this
// instance or another, is not queued again.
func (s *Service) Tick(ctx context.Context) (int, error) {
	if !s.Sending() {
		return 0, nil
	}
	today := s.cfg.Today()
	rows, err := s.db.SQL.QueryContext(ctx, `SELECT DISTINCT v.office, v.citizen_id FROM events e
		JOIN case_view v ON v.case_id = e.stream_id WHERE e.type IN ($1, $2) ORDER BY 1, 2`,
		string(cases.ContactConsentGivenType), string(cases.ContactConsentWithdrawnType))
	if err != nil {
		return 0, fmt.Errorf("reminders: find consents: %w", err)
	}
	type citizen struct{ office, id string }
	var consenting []citizen
	for rows.Next() {
		var c citizen
		if err := rows.Scan(&c.office, &c.id); err != nil {
			_ = rows.Close()
			return 0, err
		}
		consenting = append(consenting, c)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, err
	}
	n := 0
	for _, c := range consenting {
		email, err := s.consent(ctx, c.office, c.id)
		if err != nil {
			return n, err
		}
		if email == "" {
			continue
		}
		ids, err := s.caseIDs(ctx, `citizen_id = $1 AND office = $2`, c.id, c.office)
		if err != nil {
			return n, err
		}
		for _, id := range ids {
			cs, err := s.load(ctx, id)
			if err != nil {
				return n, err
			}
			for _, r := range reminder.Plan(cs, today, s.offices) {
				if !r.Due(today) {
					continue
				}
				ok, err := s.queue(ctx, r, c.id, email)
				if err != nil {
					return n, fmt.Errorf("reminders: queue %s: %w", r.ID, err)
				}
				if ok {
					n++
				}
			}
		}
	}
	return n, nil
}

// consent returns the address the citizen's latest consent at the office
// gives, or "" where the latest was withdrawn or none was given. The log is
// read, not a read model: the consent decides whether personal data leave
// the office, so it is never taken from a copy that may lag.
func (s *Service) consent(ctx context.Context, office, citizenID string) (string, error) {
	var (
		typ  string
		data []byte
	)
	err := s.db.SQL.QueryRowContext(ctx, `SELECT e.type, e.data FROM events e JOIN case_view v ON v.case_id = e.stream_id
		WHERE v.citizen_id = $1 AND v.office = $2 AND e.type IN ($3, $4) ORDER BY e.position DESC LIMIT 1`,
		citizenID, office, string(cases.ContactConsentGivenType), string(cases.ContactConsentWithdrawnType)).Scan(&typ, &data)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && typ != string(cases.ContactConsentGivenType)) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reminders: read consent: %w", err)
	}
	var given cases.ContactConsentGiven
	if err := json.Unmarshal(data, &given); err != nil {
		return "", fmt.Errorf("reminders: read consent: %w", err)
	}
	return given.Email, nil
}

func (s *Service) caseIDs(ctx context.Context, where string, args ...any) ([]string, error) {
	rows, err := s.db.SQL.QueryContext(ctx, `SELECT case_id FROM case_view WHERE `+where+` ORDER BY case_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("reminders: find cases: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			_ = rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, errors.Join(rows.Err(), rows.Close())
}

// load folds a case from its events: a reminder must not go out on a read
// model that has not yet seen the obligation met.
func (s *Service) load(ctx context.Context, id string) (*cases.Case, error) {
	events, err := s.store.Load(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("reminders: load case %s: %w", id, err)
	}
	c := &cases.Case{ID: id}
	if err := caserepo.Replay(c, events); err != nil {
		return nil, err
	}
	return c, nil
}

// queue marks a reminder queued and puts its e-mail into the outbox in one
// transaction; false means it was queued before.
func (s *Service) queue(ctx context.Context, r reminder.Reminder, citizenID, email string) (bool, error) {
	name := r.Office
	if o, ok := s.offices.Office(r.Office); ok && o.Name != "" {
		name = o.Name
	}
	now := time.Now().UTC()
	raw, err := compose(s.cfg.From, email, r.ID, write(r, name, s.cfg.PortalURL), now)
	if err != nil {
		return false, err
	}
	payload, err := json.Marshal(mail{To: email, Message: raw})
	if err != nil {
		return false, err
	}
	tx, err := s.db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer func() { _ = tx.Rollback() }()
	res, err := tx.ExecContext(ctx, `INSERT INTO reminder_sent (reminder_id, case_id, citizen_id, office, kind, send_on, queued_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (reminder_id) DO NOTHING`,
		r.ID, r.CaseID, citizenID, r.Office, string(r.Kind), r.SendOn.String(), now)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	pub, err := wsql.NewPublisher(tx, wsql.PublisherConfig{SchemaAdapter: wsql.DefaultPostgreSQLSchema{}}, s.wmLog)
	if err != nil {
		return false, err
	}
	msg := message.NewMessage(r.ID, payload)
	if err := forwarder.NewPublisher(pub, forwarder.PublisherConfig{ForwarderTopic: outboxTopic}).Publish(mailTopic, msg); err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, err
	}
	s.queued.Add(1)
	return true, nil
}

// mail is an outbox message's payload: the recipient and the whole message.
type mail struct {
	To      string `json:"to"`
	Message []byte `json:"message"`
}

// Forward runs the forwarder from the outbox to the e-mail channel until
// ctx ends.
func (s *Service) Forward(ctx context.Context) error {
	sub, err := wsql.NewSubscriber(s.db.SQL, wsql.SubscriberConfig{
		ConsumerGroup:  mailTopic,
		PollInterval:   s.cfg.PollInterval,
		SchemaAdapter:  wsql.DefaultPostgreSQLSchema{},
		OffsetsAdapter: wsql.DefaultPostgreSQLOffsetsAdapter{},
	}, s.wmLog)
	if err != nil {
		return err
	}
	poison, err := middleware.PoisonQueue(parking{s}, "reminders_parked")
	if err != nil {
		return err
	}
	retry := middleware.Retry{MaxRetries: s.cfg.Retries, InitialInterval: 200 * time.Millisecond,
		MaxInterval: 2 * time.Second, Multiplier: 2, Logger: s.wmLog}
	f, err := forwarder.NewForwarder(sub, channel{s}, s.wmLog, forwarder.Config{
		ForwarderTopic: outboxTopic,
		Middlewares:    []message.HandlerMiddleware{poison, retry.Middleware},
		CloseTimeout:   smtpTimeout,
	})
	if err != nil {
		return err
	}
	return f.Run(ctx)
}

// exec runs a statement in the subscriber's transaction where the message
// carries one, so that what it records commits with the message's ack.
func (s *Service) exec(msg *message.Message, query string, args ...any) error {
	ctx := msg.Context()
	if tx, ok := wsql.TxFromContext(ctx); ok {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	}
	_, err := s.db.SQL.ExecContext(ctx, query, args...)
	return err
}

// channel is the e-mail channel as a watermill publisher: the forwarder
// publishes each outbox message to it.
type channel struct{ s *Service }

func (c channel) Publish(_ string, msgs ...*message.Message) error {
	for _, msg := range msgs {
		var m mail
		if err := json.Unmarshal(msg.Payload, &m); err != nil {
			return fmt.Errorf("reminder %s: %w", msg.UUID, err)
		}
		if err := c.s.smtp.send(msg.Context(), c.s.cfg.From, m.To, m.Message); err != nil {
			c.s.failed.Add(1)
			c.s.cfg.Log.Warn("reminders: the mail server refused a reminder", "reminder", msg.UUID, "err", err)
			if uerr := c.s.exec(msg, `UPDATE reminder_sent SET attempts = attempts + 1, last_error = $1 WHERE reminder_id = $2`,
				err.Error(), msg.UUID); uerr != nil {
				return errors.Join(err, uerr)
			}
			return fmt.Errorf("reminder %s: %w", msg.UUID, err)
		}
		if err := c.s.exec(msg, `UPDATE reminder_sent SET attempts = attempts + 1, delivered_at = $1, last_error = NULL WHERE reminder_id = $2`,
			time.Now().UTC(), msg.UUID); err != nil {
			return err
		}
		c.s.sent.Add(1)
	}
	return nil
}

func (channel) Close() error { return nil }

// parking takes the messages the poison-queue middleware gives up on: they
// are marked parked with the last error, for an operator to look at.
type parking struct{ s *Service }

func (p parking) Publish(_ string, msgs ...*message.Message) error {
	for _, msg := range msgs {
		// The forwarder's envelope names the reminder's message.
		var envelope struct {
			UUID string `json:"uuid"`
		}
		if err := json.Unmarshal(msg.Payload, &envelope); err != nil || envelope.UUID == "" {
			return fmt.Errorf("park %s: not a forwarder envelope", msg.UUID)
		}
		if err := p.s.exec(msg, `UPDATE reminder_sent SET parked_at = $1, last_error = $2 WHERE reminder_id = $3`,
			time.Now().UTC(), msg.Metadata.Get(middleware.ReasonForPoisonedKey), envelope.UUID); err != nil {
			return err
		}
		p.s.cfg.Log.Error("reminders: a reminder is parked after its retries", "reminder", envelope.UUID)
	}
	return nil
}

func (parking) Close() error { return nil }
