// Package feed publishes the event log to NATS JetStream for other systems
// (a card reported lost must reach the police register): a forwarder follows
// the log in commit-safe order, as the projection does, publishes each event
// on a subject of its situation and type, and records how far it got.
//
// Delivery is at least once from lhuta and exactly once in the stream: each
// message carries the id "<case id>/<version>" (Nats-Msg-Id), so the events
// of a batch that a crash published without recording are dropped by
// JetStream's de-duplication when the restarted forwarder publishes them
// again. Payloads carry no personal data unless Config.PersonalData is set.
//
// Messages are published in the log's commit-safe order, which is not
// always the order of their positions: on PostgreSQL a transaction that
// took a position first may commit after one that took a later position,
// and its event follows in the log (the order is its transaction id, then
// its position). A consumer's high-water mark is therefore log_order, a
// string that grows with every message in publish order (compare as text;
// also a header of each message), or JetStream's stream sequence, and never
// position, which two neighbours may have swapped.
package feed

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
)

// Config says where the feed goes.
type Config struct {
	// URL is the NATS server (LHUTA_NATS_URL).
	URL string
	// Stream is the JetStream stream, created if missing (default LHUTA_EVENTS).
	Stream string
	// Subject is the subjects' prefix (default lhuta.events): an event is
	// published on <Subject>.<situation>.<EventType>.
	Subject string
	// PersonalData puts the citizen block, free-text reasons and the
	// recording clerk's name into the payloads; without it they are left out.
	PersonalData bool
	// BatchSize is how many events one step publishes before it records
	// how far it got: what a crash may publish twice (default 500).
	BatchSize int
	// Poll is how long the forwarder waits for new events once it has
	// published all there were (default 20 ms): the feed's added lag.
	Poll time.Duration
	// Duplicates is the stream's de-duplication window (default 10 min): a
	// forwarder restarted within it repeats nothing in the stream.
	Duplicates time.Duration
}

func (c *Config) setDefaults() {
	if c.Stream == "" {
		c.Stream = "LHUTA_EVENTS"
	}
	if c.Subject == "" {
		c.Subject = "lhuta.events"
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 500
	}
	if c.Poll <= 0 {
		c.Poll = 20 * time.Millisecond
	}
	if c.Duplicates <= 0 {
		c.Duplicates = 10 * time.Minute
	}
}

// Message is the payload of one published event.
type Message struct {
	CaseID   string `json:"case_id"`
	Version  int64  `json:"version"`
	Position int64  `json:"position"`
	// LogOrder is the event's place in the log (LogOrder): messages are
	// published in its order, so it is a consumer's high-water mark;
	// position is not (see the package comment).
	LogOrder  string          `json:"log_order"`
	Type      string          `json:"type"`
	Situation string          `json:"situation"`
	Data      json.RawMessage `json:"data"`
	// RecordedBy is the clerk's name, only with personal data.
	RecordedBy    string    `json:"recorded_by,omitempty"`
	RecordedAt    time.Time `json:"recorded_at"`
	CorrelationID string    `json:"correlation_id"`
}

// Forwarder follows the log and publishes it.
type Forwarder struct {
	db    *eventstore.DB
	store *eventstore.SQLStore
	cfg   Config
	log   *slog.Logger
	group string

	situations map[string]string
	// afterPublish, if set, is called after each message is published (tests).
	afterPublish func(e eventstore.Event)

	published atomic.Int64
	connected atomic.Bool
}

// New returns a forwarder of db's log to cfg's NATS; it connects when it runs.
func New(db *eventstore.DB, cfg Config, log *slog.Logger) *Forwarder {
	cfg.setDefaults()
	return &Forwarder{db: db, store: db.Store(), cfg: cfg, log: log,
		group: "feed:" + cfg.Stream, situations: map[string]string{}}
}

// Published is how many messages this forwarder has published (repeats that
// JetStream dropped as duplicates included).
func (f *Forwarder) Published() int64 { return f.published.Load() }

// Run publishes the log until ctx ends. NATS being unreachable is retried
// with backoff: the log keeps growing meanwhile, and the feed catches up
// from where it recorded it got.
func (f *Forwarder) Run(ctx context.Context) error {
	wait := 500 * time.Millisecond
	for ctx.Err() == nil {
		err := f.follow(ctx)
		if ctx.Err() != nil {
			break
		}
		f.log.Warn("event feed: interrupted; retrying", "err", err, "in", wait.String())
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		wait = min(2*wait, 15*time.Second)
	}
	return nil //nolint:nilerr // stopping is not a failure: what follow returned was logged and retried
}

// follow connects and publishes until ctx ends or something fails.
func (f *Forwarder) follow(ctx context.Context) error {
	nc, err := nats.Connect(f.cfg.URL, nats.Name("lhuta event feed"), nats.Timeout(5*time.Second), nats.MaxReconnects(-1))
	if err != nil {
		return fmt.Errorf("connect to NATS: %w", err)
	}
	defer nc.Close()
	js, err := nc.JetStream(nats.MaxWait(10 * time.Second))
	if err != nil {
		return err
	}
	if err := f.ensureStream(js); err != nil {
		return err
	}
	pub, err := wmnats.NewPublisherWithNatsConn(nc, wmnats.PublisherPublishConfig{
		Marshaler:         &wmnats.NATSMarshaler{},
		SubjectCalculator: wmnats.DefaultSubjectCalculator,
		JetStream:         wmnats.JetStreamConfig{TrackMsgId: true, ConnectOptions: []nats.JSOpt{nats.MaxWait(10 * time.Second)}},
	}, watermill.NewSlogLogger(f.log))
	if err != nil {
		return err
	}
	f.connected.Store(true)
	defer f.connected.Store(false)
	f.log.Info("event feed: publishing", "stream", f.cfg.Stream, "subjects", f.cfg.Subject+".>")
	for {
		n, err := f.step(ctx, pub)
		if err != nil || ctx.Err() != nil {
			return err
		}
		if n == 0 {
			// Caught up with the log: the notices written before now
			// follow every event of the cases they name.
			if err := f.publishNotices(ctx, js); err != nil {
				return err
			}
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(f.cfg.Poll):
			}
		}
	}
}

func (f *Forwarder) ensureStream(js nats.JetStreamContext) error {
	_, err := js.StreamInfo(f.cfg.Stream)
	if errors.Is(err, nats.ErrStreamNotFound) {
		_, err = js.AddStream(&nats.StreamConfig{Name: f.cfg.Stream, Subjects: []string{f.cfg.Subject + ".>"},
			Storage: nats.FileStorage, Duplicates: f.cfg.Duplicates})
	}
	if err != nil {
		return fmt.Errorf("JetStream stream %s: %w", f.cfg.Stream, err)
	}
	return nil
}

// step publishes the next batch of the log, if any, and records that it
// did; it returns how many events it published.
func (f *Forwarder) step(ctx context.Context, pub message.Publisher) (int, error) {
	from, err := f.offset(ctx)
	if err != nil {
		return 0, err
	}
	page, err := f.store.ReadLog(ctx, from, f.cfg.BatchSize)
	if err != nil || len(page) == 0 {
		return 0, err
	}
	for _, e := range page {
		if ctx.Err() != nil {
			return 0, nil //nolint:nilerr // stopped mid-batch: the rest is published after the restart
		}
		subject, payload, err := f.message(ctx, e)
		if err != nil {
			return 0, err
		}
		msg := message.NewMessage(e.StreamID+"/"+strconv.FormatInt(e.Version, 10), payload)
		msg.Metadata.Set("type", e.Type)
		msg.Metadata.Set("position", strconv.FormatInt(e.Position, 10))
		msg.Metadata.Set("log_order", LogOrder(e.Cursor))
		if err := pub.Publish(subject, msg); err != nil {
			return 0, fmt.Errorf("publish event %d: %w", e.Position, err)
		}
		f.published.Add(1)
		if f.afterPublish != nil {
			f.afterPublish(e)
		}
	}
	return len(page), f.setOffset(ctx, page[len(page)-1].Cursor)
}

// LogOrder is an event's place in the log as text that sorts as the log
// does: its writing transaction (0 on SQLite, whose single writer commits
// in position order) and its position, each as 20 digits.
func LogOrder(c eventstore.Cursor) string {
	return fmt.Sprintf("%020d.%020d", c.Tx, c.Position)
}

// message is the subject and payload of one event.
func (f *Forwarder) message(ctx context.Context, e eventstore.Event) (string, []byte, error) {
	situation, err := f.situation(ctx, e)
	if err != nil {
		return "", nil, err
	}
	m := Message{CaseID: e.StreamID, Version: e.Version, Position: e.Position, LogOrder: LogOrder(e.Cursor), Type: e.Type, Situation: situation,
		Data: e.Data, RecordedAt: e.RecordedAt, CorrelationID: e.CorrelationID}
	if f.cfg.PersonalData {
		m.RecordedBy = e.RecordedBy
	} else if m.Data, err = withoutPersonalData(cases.EventType(e.Type), e.Data); err != nil {
		return "", nil, fmt.Errorf("event %d: %w", e.Position, err)
	}
	payload, err := json.Marshal(m)
	return f.cfg.Subject + "." + token(situation) + "." + token(e.Type), payload, err
}

// withoutPersonalData drops the personal fields of an event's data, as the
// domain marks them (cases.PersonalFields): the citizen block of
// CaseOpened (id, name, birth date, birth number), free-text reasons, which
// a clerk may fill with anything about the person, an address, a variable
// symbol made of it, an exemption's reason.
func withoutPersonalData(eventType cases.EventType, data json.RawMessage) (json.RawMessage, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, err
	}
	for _, k := range cases.PersonalFields(eventType) {
		delete(fields, k)
	}
	return json.Marshal(fields)
}

// token makes s one subject token (no dots, spaces or wildcards).
func token(s string) string {
	if s == "" {
		return "_"
	}
	return strings.Map(func(r rune) rune {
		if r == '.' || r == '*' || r == '>' || r <= ' ' {
			return '_'
		}
		return r
	}, s)
}

// situation is the situation of e's case, from the case's first event.
func (f *Forwarder) situation(ctx context.Context, e eventstore.Event) (string, error) {
	if s, ok := f.situations[e.StreamID]; ok {
		return s, nil
	}
	data := e.Data
	if e.Version != 1 {
		first, err := eventstore.ScanEvent(f.db.SQL.QueryRowContext(ctx,
			f.db.Dialect.SelectEvents()+` WHERE stream_id = $1 AND version = 1`, e.StreamID))
		if err != nil {
			return "", fmt.Errorf("the first event of case %s: %w", e.StreamID, err)
		}
		data = first.Data
	}
	var opened struct {
		Situation string `json:"situation"`
	}
	if err := json.Unmarshal(data, &opened); err != nil {
		return "", fmt.Errorf("the situation of case %s: %w", e.StreamID, err)
	}
	if len(f.situations) > 100_000 {
		clear(f.situations)
	}
	f.situations[e.StreamID] = opened.Situation
	return opened.Situation, nil
}

// offset is how far the feed has recorded it got.
func (f *Forwarder) offset(ctx context.Context) (eventstore.Cursor, error) {
	var c eventstore.Cursor
	err := f.db.SQL.QueryRowContext(ctx, `SELECT offset_acked, `+f.db.Dialect.TxNumber("last_processed_transaction_id")+`
		FROM projection_offsets WHERE consumer_group = $1`, f.group).Scan(&c.Position, &c.Tx)
	if errors.Is(err, sql.ErrNoRows) {
		return eventstore.Start, nil
	}
	if err != nil {
		return c, fmt.Errorf("read the feed's offset: %w", err)
	}
	return c, nil
}

// setOffset records that the feed has published the log up to c; it never
// moves the offset back (a forwarder that lost its lease may still finish a batch).
func (f *Forwarder) setOffset(ctx context.Context, c eventstore.Cursor) error {
	_, err := f.db.SQL.ExecContext(ctx, `INSERT INTO projection_offsets (consumer_group, offset_acked, last_processed_transaction_id)
		VALUES ($1, $2, `+f.db.Dialect.Xid("$3")+`) ON CONFLICT (consumer_group) DO UPDATE
		SET offset_acked = excluded.offset_acked, last_processed_transaction_id = excluded.last_processed_transaction_id
		WHERE (projection_offsets.last_processed_transaction_id, projection_offsets.offset_acked)
			< (excluded.last_processed_transaction_id, excluded.offset_acked)`,
		f.group, c.Position, strconv.FormatUint(c.Tx, 10))
	if err != nil {
		return fmt.Errorf("record the feed's offset: %w", err)
	}
	return nil
}
