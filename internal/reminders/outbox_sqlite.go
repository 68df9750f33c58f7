package reminders

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	wsql "github.com/ThreeDotsLabs/watermill-sql/v3/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/message"
)

// sqliteSchema is watermill-sql's SchemaAdapter for the embedded SQLite
// store, which watermill-sql does not ship. A reader may read offsets in
// plain order (offset > acked): every SQLite write transaction here begins
// IMMEDIATE, so there is one writer at a time and an offset is committed
// before the next one is handed out; none becomes visible after a greater
// one, which is what forces PostgreSQL's schema to order by transaction id.
// The tables are migration 00040's.
type sqliteSchema struct{}

func (sqliteSchema) SchemaInitializingQueries(string) []wsql.Query { return nil }

func (sqliteSchema) InsertQuery(topic string, msgs message.Messages) (wsql.Query, error) {
	args := make([]any, 0, 3*len(msgs))
	for _, msg := range msgs {
		metadata, err := json.Marshal(msg.Metadata)
		if err != nil {
			return wsql.Query{}, fmt.Errorf("metadata of message %s: %w", msg.UUID, err)
		}
		args = append(args, msg.UUID, []byte(msg.Payload), metadata)
	}
	q := `INSERT INTO ` + messagesTable(topic) + ` (uuid, payload, metadata) VALUES ` +
		strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", len(msgs)), ", ")
	return wsql.Query{Query: q, Args: args}, nil
}

func (sqliteSchema) SelectQuery(topic, consumerGroup string, offsets wsql.OffsetsAdapter) wsql.Query {
	next := offsets.NextOffsetQuery(topic, consumerGroup)
	return wsql.Query{
		Query: `SELECT "offset", uuid, payload, metadata FROM ` + messagesTable(topic) +
			` WHERE "offset" > (` + next.Query + `) ORDER BY "offset" LIMIT 100`,
		Args: next.Args,
	}
}

func (sqliteSchema) UnmarshalMessage(row wsql.Scanner) (wsql.Row, error) {
	var r wsql.Row
	if err := row.Scan(&r.Offset, &r.UUID, &r.Payload, &r.Metadata); err != nil {
		return wsql.Row{}, fmt.Errorf("scan an outbox row: %w", err)
	}
	r.Msg = message.NewMessage(string(r.UUID), r.Payload)
	if len(r.Metadata) > 0 {
		if err := json.Unmarshal(r.Metadata, &r.Msg.Metadata); err != nil {
			return wsql.Row{}, fmt.Errorf("metadata of message %s: %w", r.UUID, err)
		}
	}
	return r, nil
}

// SubscribeIsolationLevel is the default: SQLite's transactions are
// serializable, and the driver takes no other level.
func (sqliteSchema) SubscribeIsolationLevel() sql.IsolationLevel { return sql.LevelDefault }

// sqliteOffsets is watermill-sql's OffsetsAdapter for SQLite: a consumer
// group's acknowledged offset, one row per group. The subscriber's
// transaction holds the write lock, so no FOR UPDATE is needed (nor known).
type sqliteOffsets struct{}

func (sqliteOffsets) SchemaInitializingQueries(string) []wsql.Query { return nil }

func (sqliteOffsets) AckMessageQuery(topic string, row wsql.Row, consumerGroup string) wsql.Query {
	return wsql.Query{
		Query: `INSERT INTO ` + offsetsTable(topic) + ` (consumer_group, offset_acked) VALUES (?, ?)
			ON CONFLICT (consumer_group) DO UPDATE SET offset_acked = excluded.offset_acked`,
		Args: []any{consumerGroup, row.Offset},
	}
}

func (sqliteOffsets) ConsumedMessageQuery(string, wsql.Row, string, []byte) wsql.Query {
	return wsql.Query{}
}

func (sqliteOffsets) NextOffsetQuery(topic, consumerGroup string) wsql.Query {
	return wsql.Query{
		Query: `SELECT COALESCE((SELECT offset_acked FROM ` + offsetsTable(topic) + ` WHERE consumer_group = ?), 0)`,
		Args:  []any{consumerGroup},
	}
}

func (sqliteOffsets) BeforeSubscribingQueries(string, string) []wsql.Query { return nil }

func messagesTable(topic string) string { return "watermill_" + topic }
func offsetsTable(topic string) string  { return "watermill_offsets_" + topic }
