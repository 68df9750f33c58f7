// Package reminders sends the reminders that domain/reminder plans
// (docs/LAW.md §5.4) to the citizens who agreed to them, through a
// transactional outbox on watermill-sql, on PostgreSQL and on SQLite.
//
// The projection keeps the plan (reminder_view) and the consents
// (consent_view). Each tick, for the service's today, the scheduler reads
// the reminders due to consenting citizens from those views through an
// index, confirms each against the case folded from its events and, in one
// SQL transaction, marks it queued (reminder_sent, which no rebuild
// touches) and publishes its e-mail with watermill-sql's publisher: both
// happen or neither does. A watermill forwarder (components/forwarder)
// reads the outbox and hands each message over to delivery, a short write
// on the subscriber's transaction. Delivery then sends it over SMTP outside
// any transaction, checks the consent first, retries with backoff and parks
// what keeps failing. Delivery is at least once; a message delivered twice
// has the same Message-ID and the same bytes.
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
	// a minute); PollInterval how often the forwarder reads the outbox and
	// delivery looks for work (default a second).
	Interval, PollInterval time.Duration
	// Retries is how often a refused message is tried again before it is
	// parked (default 3); Backoff the wait before the first retry, doubled
	// for each next one (default 30 s).
	Retries int
	Backoff time.Duration
	Log     *slog.Logger
}

// Service plans, queues and sends reminders.
type Service struct {
	cfg     Config
	db      *eventstore.DB
	repo    *caserepo.Repository
	smtp    *smtpServer
	lease   *lease.Lease
	queued  atomic.Int64
	sent    atomic.Int64
	failed  atomic.Int64
	wmLog   watermill.LoggerAdapter
	offices *money.Offices
	wake    chan struct{}
	schema  wsql.SchemaAdapter
	offsets wsql.OffsetsAdapter
}

// New returns the reminders of db. It fails on an unreadable LHUTA_SMTP_URL,
// or one without LHUTA_MAIL_FROM.
func New(cfg Config, db *eventstore.DB) (*Service, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Today == nil {
		cfg.Today = func() calendar.Date { return calendar.Today(time.Now()) }
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
	if cfg.Backoff <= 0 {
		cfg.Backoff = 30 * time.Second
	}
	if cfg.PortalURL == "" {
		cfg.PortalURL = "/obcan/"
	}
	offices := cfg.Offices
	if offices == nil {
		offices = money.Builtin()
	}
	s := &Service{cfg: cfg, db: db, repo: caserepo.New(db.Store()), offices: offices,
		lease: lease.New(db, "reminders", cfg.Log), wmLog: watermill.NewSlogLogger(cfg.Log), wake: make(chan struct{}, 1),
		schema: wsql.DefaultPostgreSQLSchema{}, offsets: wsql.DefaultPostgreSQLOffsetsAdapter{}}
	if db.Dialect.Name != eventstore.Postgres.Name {
		s.schema, s.offsets = sqliteSchema{}, sqliteOffsets{}
	}
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
func (s *Service) Sending() bool { return s.smtp != nil }

// Run queues due reminders every Interval, forwards the outbox and
// delivers, on one instance at a time (the lease "reminders"), until ctx
// ends. Without SMTP it says so and only waits.
func (s *Service) Run(ctx context.Context) error {
	if s.smtp == nil {
		s.cfg.Log.Info("reminders: LHUTA_SMTP_URL is not set; reminders are planned and listed, not sent")
		<-ctx.Done()
		return nil
	}
	return s.lease.Run(ctx, func(ctx context.Context) {
		done := make(chan error, 1)
		go func() { done <- s.Deliver(ctx) }()
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
					s.cfg.Log.Error("reminders: delivery stopped", "err", err)
				}
				return
			case <-t.C:
			}
		}
	})
}

// dateArg binds a date as the read models store it: DATE on PostgreSQL,
// YYYY-MM-DD text on SQLite.
func (s *Service) dateArg(d calendar.Date) any {
	if s.db.Dialect.Name == eventstore.Postgres.Name {
		return d.Time()
	}
	return d.String()
}

// candidate is a reminder due today to a consenting citizen, as the read
// models have it.
type candidate struct{ id, caseID, citizenID, email string }

// Tick queues the reminders due today to every citizen whose consent holds,
// and returns how many it queued. A reminder already queued, by this
// instance or another, is not queued again.
func (s *Service) Tick(ctx context.Context) (int, error) {
	if !s.Sending() {
		return 0, nil
	}
	today := s.cfg.Today()
	// The index on reminder_view (send_on, office, citizen_id) WHERE planned
	// bounds the read to the last reminder.MaxWindowDays days' reminders.
	rows, err := s.db.SQL.QueryContext(ctx, `SELECT r.reminder_id, r.case_id, r.citizen_id, c.email
		FROM reminder_view r JOIN consent_view c ON c.office = r.office AND c.citizen_id = r.citizen_id
		WHERE r.status = 'planned' AND r.send_on <= $1 AND r.send_on >= $2 AND r.last_on >= $1
		AND c.email IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM reminder_sent s WHERE s.reminder_id = r.reminder_id)
		ORDER BY r.send_on, r.reminder_id`,
		s.dateArg(today), s.dateArg(today.AddDays(-reminder.MaxWindowDays)))
	if err != nil {
		return 0, fmt.Errorf("reminders: find due reminders: %w", err)
	}
	var due []candidate
	for rows.Next() {
		var c candidate
		if err := rows.Scan(&c.id, &c.caseID, &c.citizenID, &c.email); err != nil {
			_ = rows.Close()
			return 0, err
		}
		due = append(due, c)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, err
	}
	n := 0
	for _, c := range due {
		// The read model finds the candidates; the case's own events
		// confirm them, so that no reminder goes out on a read model that
		// has not yet seen the obligation met.
		cs, err := s.repo.Load(ctx, c.caseID)
		if err != nil {
			return n, fmt.Errorf("reminders: load case %s: %w", c.caseID, err)
		}
		for _, r := range reminder.Plan(cs, today, s.offices) {
			if r.ID != c.id || !r.Due(today) {
				continue
			}
			ok, err := s.queue(ctx, r, c.citizenID, c.email)
			if err != nil {
				return n, fmt.Errorf("reminders: queue %s: %w", r.ID, err)
			}
			if ok {
				n++
			}
		}
	}
	return n, nil
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
		r.ID, r.CaseID, citizenID, r.Office, string(r.Kind), s.dateArg(r.SendOn), now)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	pub, err := wsql.NewPublisher(tx, wsql.PublisherConfig{SchemaAdapter: s.schema}, s.wmLog)
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

// Deliver runs the forwarder from the outbox to delivery, and delivery
// itself, until ctx ends.
func (s *Service) Deliver(ctx context.Context) error {
	done := make(chan struct{})
	go func() { defer close(done); s.deliverLoop(ctx) }()
	err := s.forward(ctx)
	<-done
	return err
}

// forward runs watermill's forwarder from the outbox to the hand-off.
func (s *Service) forward(ctx context.Context) error {
	sub, err := wsql.NewSubscriber(s.db.SQL, wsql.SubscriberConfig{
		ConsumerGroup:  mailTopic,
		PollInterval:   s.cfg.PollInterval,
		SchemaAdapter:  s.schema,
		OffsetsAdapter: s.offsets,
	}, s.wmLog)
	if err != nil {
		return err
	}
	poison, err := middleware.PoisonQueue(parking{s}, "reminders_parked")
	if err != nil {
		return err
	}
	retry := middleware.Retry{MaxRetries: 3, InitialInterval: 100 * time.Millisecond,
		MaxInterval: time.Second, Multiplier: 2, Logger: s.wmLog}
	f, err := forwarder.NewForwarder(sub, handoff{s}, s.wmLog, forwarder.Config{
		ForwarderTopic: outboxTopic,
		Middlewares:    []message.HandlerMiddleware{poison, retry.Middleware},
		CloseTimeout:   5 * time.Second,
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

// handoff is the e-mail channel as the forwarder sees it: a watermill
// publisher that only writes the letter into the reminder's row for
// delivery. It runs inside the outbox subscriber's transaction, which on
// SQLite holds the only write lock, so it does no network I/O; the first
// hand-off wins and a repeated one (a crash before the ack) changes nothing.
type handoff struct{ s *Service }

func (h handoff) Publish(_ string, msgs ...*message.Message) error {
	for _, msg := range msgs {
		var m mail
		if err := json.Unmarshal(msg.Payload, &m); err != nil {
			return fmt.Errorf("reminder %s: %w", msg.UUID, err)
		}
		if err := h.s.exec(msg, `UPDATE reminder_sent SET handed_at = $1, recipient = $2, message = $3
			WHERE reminder_id = $4 AND handed_at IS NULL`, time.Now().UTC(), m.To, m.Message, msg.UUID); err != nil {
			return fmt.Errorf("hand reminder %s over: %w", msg.UUID, err)
		}
	}
	select {
	case h.s.wake <- struct{}{}:
	default:
	}
	return nil
}

func (handoff) Close() error { return nil }

// parking takes the messages the poison-queue middleware gives up on (the
// hand-off kept failing): they are marked parked with the last error.
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
		p.s.cfg.Log.Error("reminders: a reminder is parked: it could not be handed over", "reminder", envelope.UUID)
	}
	return nil
}

func (parking) Close() error { return nil }

// consentOf returns the address the citizen's consent at the office gives
// now, "" when withdrawn or never given.
func (s *Service) consentOf(ctx context.Context, office, citizenID string) (string, error) {
	var email sql.NullString
	err := s.db.SQL.QueryRowContext(ctx, `SELECT email FROM consent_view WHERE office = $1 AND citizen_id = $2`,
		office, citizenID).Scan(&email)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return email.String, err
}
