package eventstore

import (
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// Dialect is what differs between the two backends: how an event is inserted
// and how the global log is read in an order in which no event is skipped.
type Dialect struct {
	Name string

	insertEvent string
	// insertChecked inserts one event at the stream's next version if the
	// stream is at the expected version ($2, or any if negative).
	insertChecked string
	selectEvents  string
	readLog       string
	includes      string
	// LogOrder is the ORDER BY of the global log.
	LogOrder string
	// Visible is the WHERE condition that keeps back events whose place in
	// the log order is not final yet.
	Visible string
	// after is the WHERE condition for "after the cursor (tx, pos)".
	after func(tx, pos string) string
	tx    bool
}

// eventColumns are the columns ScanEvent reads, in its order; the transaction
// id is cast so that it scans into a uint64 on every driver.
const eventColumns = `position, %TX%, stream_id, version, type, data, recorded_by, recorded_at, correlation_id`

// SQLite has a single writer: positions are handed out and committed in one
// order, so the log is read by position alone.
var SQLite = newDialect(Dialect{
	Name:     "sqlite",
	LogOrder: "position",
	Visible:  "1 = 1",
	after:    func(_, pos string) string { return "position > " + pos },
}, "0")

// Postgres reads the log in (transaction id, position) order and only below
// the oldest transaction still running: a position handed out to a
// transaction that commits later than a higher one must not be skipped
// (see ARCHITECTURE.md, "Known facts").
var Postgres = newDialect(Dialect{
	Name:     "postgres",
	LogOrder: "transaction_id, position",
	Visible:  "transaction_id < pg_snapshot_xmin(pg_current_snapshot())",
	after: func(tx, pos string) string {
		return "((transaction_id = " + tx + " AND position > " + pos + ") OR transaction_id > " + tx + ")"
	},
	tx: true,
}, "transaction_id::text::bigint")

func newDialect(d Dialect, txColumn string) Dialect {
	cols := strings.ReplaceAll(eventColumns, "%TX%", txColumn)
	data := "$4"
	if d.tx {
		data = "$4::jsonb"
	}
	d.insertEvent = `INSERT INTO events (stream_id, version, type, data, recorded_by, recorded_at, correlation_id)
		VALUES ($1, $2, $3, ` + data + `, $5, $6, $7) RETURNING position`
	d.insertChecked = `INSERT INTO events (stream_id, version, type, data, recorded_by, recorded_at, correlation_id)
		SELECT $1, cur.v + 1, $3, ` + data + `, $5, $6, $7
		FROM (SELECT COALESCE(MAX(version), 0) AS v FROM events WHERE stream_id = $1) AS cur
		WHERE $2::bigint < 0 OR cur.v = $2::bigint
		RETURNING position, version`
	d.selectEvents = `SELECT ` + cols + ` FROM events`
	d.readLog = d.selectEvents + ` WHERE ` + d.After("$1", "$2") + ` AND ` + d.Visible + ` ORDER BY ` + d.LogOrder + ` LIMIT $3`
	if d.tx {
		d.includes = `SELECT EXISTS (SELECT 1 FROM events WHERE position = $3
			AND (transaction_id < ($1)::text::xid8 OR (transaction_id = ($1)::text::xid8 AND position <= $2)))`
	} else {
		d.includes = `SELECT EXISTS (SELECT 1 FROM events WHERE position = $3 AND position <= $2)`
	}
	return d
}

// After is the WHERE condition "after the cursor (tx, pos)", given SQL
// expressions for the cursor's transaction id (as text or xid8) and position.
func (d Dialect) After(tx, pos string) string { return d.after(d.Xid(tx), pos) }

// Xid turns a transaction-id expression given as text into the column's type.
func (d Dialect) Xid(expr string) string {
	if d.tx {
		return "(" + expr + ")::text::xid8"
	}
	return expr
}

// TxNumber turns a transaction-id column into a number that scans into uint64.
func (d Dialect) TxNumber(col string) string {
	if d.tx {
		return col + "::text::bigint"
	}
	return col
}

// SelectEvents is "SELECT <the columns ScanEvent reads> FROM events", to be
// followed by a WHERE clause.
func (d Dialect) SelectEvents() string { return d.selectEvents }

func (d Dialect) logArgs(after Cursor, limit int) []any {
	return []any{txArg(after), after.Position, limit}
}

func (d Dialect) includesArgs(c Cursor, position int64) []any {
	return []any{txArg(c), c.Position, position}
}

// txArg passes the transaction id as text: xid8 has no int8 cast, and SQLite
// ignores it anyway.
func txArg(c Cursor) string { return strconv.FormatUint(c.Tx, 10) }

// uniqueViolation reports whether err is a unique-key violation: a version
// taken by another writer, or an idempotency key already recorded.
func (d Dialect) uniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}
