package feed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/lhuta/lhuta/eventstore"
)

// SubjectForgottenType is the type of the notice the feed publishes when a
// citizen is forgotten (internal/erasure): a consumer drops what it keeps
// of the cases it names. It is not an event of the log: the log's events of
// those cases stay, their personal values read as "[zapomenuto]".
const SubjectForgottenType = "SubjectForgotten"

// SubjectForgotten is the payload of a SubjectForgotten notice: the cases
// of the forgotten citizen, by id only.
type SubjectForgotten struct {
	Type        string    `json:"type"`
	CaseIDs     []string  `json:"case_ids"`
	ForgottenAt time.Time `json:"forgotten_at"`
}

// NoticeSubject is the subject a notice of type typ is published on.
func (c Config) NoticeSubject(typ string) string {
	c.setDefaults()
	return c.Subject + ".subject." + token(typ)
}

// AddSubjectForgotten records a SubjectForgotten notice for the forwarder to
// publish once it has published every event before it; id makes it once
// (the erasure's key id), a second call with the same id changes nothing.
func AddSubjectForgotten(ctx context.Context, db *eventstore.DB, id string, caseIDs []string) error {
	if caseIDs == nil {
		caseIDs = []string{}
	}
	now := time.Now().UTC()
	payload, err := json.Marshal(SubjectForgotten{Type: SubjectForgottenType, CaseIDs: caseIDs, ForgottenAt: now})
	if err != nil {
		return err
	}
	_, err = db.SQL.ExecContext(ctx, `INSERT INTO feed_notices (id, type, payload, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO NOTHING`, SubjectForgottenType+"/"+id, SubjectForgottenType, string(payload), now)
	return err
}

type notice struct {
	id, typ, payload string
}

// publishNotices publishes the notices not published yet, oldest first.
// Before a SubjectForgotten, when the payloads carry personal data
// (Config.PersonalData), the earlier messages of its cases are deleted from
// the stream, their bytes overwritten (JetStream's secure delete): the
// stream must not keep what the database forgot.
func (f *Forwarder) publishNotices(ctx context.Context, js nats.JetStreamContext) error {
	rows, err := f.db.SQL.QueryContext(ctx, `SELECT id, type, payload FROM feed_notices WHERE published_at IS NULL ORDER BY created_at, id`)
	if err != nil {
		return fmt.Errorf("read the feed's notices: %w", err)
	}
	var pending []notice
	for rows.Next() {
		var n notice
		if err := rows.Scan(&n.id, &n.typ, &n.payload); err != nil {
			_ = rows.Close()
			return err
		}
		pending = append(pending, n)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	for _, n := range pending {
		if n.typ == SubjectForgottenType && f.cfg.PersonalData {
			var sf SubjectForgotten
			if err := json.Unmarshal([]byte(n.payload), &sf); err != nil {
				return fmt.Errorf("notice %s: %w", n.id, err)
			}
			if err := f.deleteCases(js, sf.CaseIDs); err != nil {
				return fmt.Errorf("notice %s: delete the cases' messages from the stream: %w", n.id, err)
			}
		}
		msg := nats.NewMsg(f.cfg.NoticeSubject(n.typ))
		msg.Data = []byte(n.payload)
		msg.Header.Set(nats.MsgIdHdr, n.id)
		msg.Header.Set("type", n.typ)
		if _, err := js.PublishMsg(msg, nats.Context(ctx)); err != nil {
			return fmt.Errorf("publish notice %s: %w", n.id, err)
		}
		if _, err := f.db.SQL.ExecContext(ctx, `UPDATE feed_notices SET published_at = $1 WHERE id = $2`, time.Now().UTC(), n.id); err != nil {
			return fmt.Errorf("record notice %s: %w", n.id, err)
		}
		f.published.Add(1)
	}
	return nil
}

// deleteCases deletes every message of the cases from the stream: it reads
// the stream's headers (each message's id is "<case id>/<version>") and
// securely deletes the messages whose id names one of the cases.
func (f *Forwarder) deleteCases(js nats.JetStreamContext, caseIDs []string) error {
	if len(caseIDs) == 0 {
		return nil
	}
	want := map[string]bool{}
	for _, id := range caseIDs {
		want[id] = true
	}
	seqs, err := StreamSeqs(js, f.cfg.Stream, func(msgID string) bool {
		caseID, _, ok := strings.Cut(msgID, "/")
		return ok && want[caseID]
	})
	if err != nil {
		return err
	}
	for _, seq := range seqs {
		if err := js.SecureDeleteMsg(f.cfg.Stream, seq); err != nil && !errors.Is(err, nats.ErrMsgNotFound) {
			return fmt.Errorf("delete message %d: %w", seq, err)
		}
	}
	return nil
}

// StreamSeqs returns the sequences of the stream's messages whose id
// (Nats-Msg-Id) match accepts, reading headers only.
func StreamSeqs(js nats.JetStreamContext, stream string, match func(msgID string) bool) ([]uint64, error) {
	info, err := js.StreamInfo(stream)
	if err != nil {
		return nil, err
	}
	if info.State.Msgs == 0 {
		return nil, nil
	}
	last := info.State.LastSeq
	sub, err := js.SubscribeSync("", nats.BindStream(stream), nats.OrderedConsumer(), nats.DeliverAll(), nats.HeadersOnly())
	if err != nil {
		return nil, err
	}
	defer func() { _ = sub.Unsubscribe() }()
	var seqs []uint64
	for {
		m, err := sub.NextMsg(10 * time.Second)
		if err != nil {
			return nil, fmt.Errorf("read the stream %s: %w", stream, err)
		}
		md, err := m.Metadata()
		if err != nil {
			return nil, err
		}
		if match(m.Header.Get(nats.MsgIdHdr)) {
			seqs = append(seqs, md.Sequence.Stream)
		}
		// The last message may have been deleted since StreamInfo (an
		// earlier forgetting's deletion): nothing pending is the end too.
		if md.Sequence.Stream >= last || md.NumPending == 0 {
			return seqs, nil
		}
	}
}
