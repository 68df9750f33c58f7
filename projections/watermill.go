package projections

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	wsql "github.com/ThreeDotsLabs/watermill-sql/v3/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/lhuta/lhuta/eventstore"
)

// topic is the Watermill topic name of the event log.
const topic = "events"

// logSchema lets watermill-sql's subscriber read lhuta's events table as a
// topic: the event store appends, Watermill only delivers. It reads in the
// dialect's commit-safe order (eventstore.Dialect).
type logSchema struct {
	dialect   eventstore.Dialect
	batchSize int
}

var _ wsql.SchemaAdapter = logSchema{}

func (s logSchema) InsertQuery(string, message.Messages) (wsql.Query, error) {
	return wsql.Query{}, errors.New("events are appended through the event store, not published")
}

func (s logSchema) SelectQuery(_ string, group string, offsets wsql.OffsetsAdapter) wsql.Query {
	next := offsets.NextOffsetQuery(topic, group)
	q := `WITH last_processed AS (` + next.Query + `) ` + s.dialect.SelectEvents() +
		` WHERE ` + s.dialect.After(
		`(SELECT last_processed_transaction_id FROM last_processed)`,
		`(SELECT offset_acked FROM last_processed)`) +
		` AND ` + s.dialect.Visible +
		` ORDER BY ` + s.dialect.LogOrder + ` LIMIT ` + strconv.Itoa(s.batchSize)
	return wsql.Query{Query: q, Args: next.Args}
}

func (s logSchema) UnmarshalMessage(scanner wsql.Scanner) (wsql.Row, error) {
	e, err := eventstore.ScanEvent(scanner)
	if err != nil {
		return wsql.Row{}, fmt.Errorf("scan event: %w", err)
	}
	payload, err := json.Marshal(e)
	if err != nil {
		return wsql.Row{}, err
	}
	row := lastRow(e)
	row.UUID = []byte(strconv.FormatInt(e.Position, 10))
	row.Payload = payload
	row.Msg = message.NewMessage(string(row.UUID), payload)
	return row, nil
}

// lastRow is the part of a watermill-sql row that acking an event needs.
func lastRow(e eventstore.Event) wsql.Row {
	return wsql.Row{Offset: e.Position, ExtraData: map[string]any{"transaction_id": strconv.FormatUint(e.Cursor.Tx, 10)}}
}

func (s logSchema) SchemaInitializingQueries(string) []wsql.Query { return nil }

func (s logSchema) SubscribeIsolationLevel() sql.IsolationLevel {
	if s.dialect.Name == eventstore.Postgres.Name {
		// A stable snapshot for the whole batch, as watermill-sql's own
		// PostgreSQL schema uses.
		return sql.LevelRepeatableRead
	}
	return sql.LevelDefault
}

// offsets keeps each consumer group's place in the log in projection_offsets.
// On PostgreSQL the row is locked FOR UPDATE for the batch, so two
// instances of lhuta never project the same events at once; SQLite's single
// writer gives the same.
type offsets struct{ dialect eventstore.Dialect }

var _ wsql.OffsetsAdapter = offsets{}

func (o offsets) forUpdate() string {
	if o.dialect.Name == eventstore.Postgres.Name {
		return " FOR UPDATE"
	}
	return ""
}

func (o offsets) NextOffsetQuery(_, group string) wsql.Query {
	return wsql.Query{
		Query: `SELECT offset_acked, last_processed_transaction_id FROM projection_offsets WHERE consumer_group = $1` + o.forUpdate(),
		Args:  []any{group},
	}
}

func (o offsets) AckMessageQuery(_ string, row wsql.Row, group string) wsql.Query {
	return wsql.Query{
		Query: `UPDATE projection_offsets SET offset_acked = $1, last_processed_transaction_id = ` + o.dialect.Xid("$2") + ` WHERE consumer_group = $3`,
		Args:  []any{row.Offset, row.ExtraData["transaction_id"], group},
	}
}

func (o offsets) ConsumedMessageQuery(string, wsql.Row, string, []byte) wsql.Query {
	return wsql.Query{}
}

func (o offsets) SchemaInitializingQueries(string) []wsql.Query { return nil }

func (o offsets) BeforeSubscribingQueries(_, group string) []wsql.Query {
	return []wsql.Query{startQuery(o.dialect, group)}
}

// startQuery creates a consumer group's offset row at the start of the log.
func startQuery(d eventstore.Dialect, group string) wsql.Query {
	return wsql.Query{
		Query: `INSERT INTO projection_offsets (consumer_group, offset_acked, last_processed_transaction_id)
			VALUES ($1, 0, ` + d.Xid("'0'") + `) ON CONFLICT (consumer_group) DO NOTHING`,
		Args: []any{group},
	}
}
