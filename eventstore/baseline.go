package eventstore

import (
	"context"
	"fmt"
	"strings"
)

// baselineTable is the name of BaselineLog's copy of the events table.
const baselineTable = "bench_events"

// BaselineLog is a copy of the events table, with the same columns,
// constraints, indexes and rows (and its own position sequence), into which
// a benchmark inserts one row at a time with a plain autocommit INSERT, as
// the store's own append is shaped: what the database alone costs, against
// which lhuta-bench measures what the service adds to a write. It is a
// benchmark's tool, never the service's; Drop removes it.
type BaselineLog struct {
	db     *DB
	insert string
}

// CreateBaselineLog creates the copy (see BaselineLog) and fills it with the
// log's rows: inserting into a table of millions of rows (indexes larger
// than the cache) costs more than into an empty one, and the service
// inserts into the full events table.
func (db *DB) CreateBaselineLog(ctx context.Context) (*BaselineLog, error) {
	data := "$4"
	var stmts []string
	if db.Dialect.Name == Postgres.Name {
		data = "$4::jsonb"
		stmts = []string{
			`CREATE TABLE ` + baselineTable + ` (LIKE events INCLUDING ALL)`,
			`CREATE SEQUENCE ` + baselineTable + `_position_seq OWNED BY ` + baselineTable + `.position`,
			`ALTER TABLE ` + baselineTable + ` ALTER COLUMN position SET DEFAULT nextval('` + baselineTable + `_position_seq')`,
			`INSERT INTO ` + baselineTable + ` SELECT * FROM events`,
			`SELECT setval('` + baselineTable + `_position_seq', (SELECT COALESCE(MAX(position), 0) + 1 FROM ` + baselineTable + `))`,
			`ANALYZE ` + baselineTable,
		}
	} else {
		ddl, err := db.SQLiteCopyDDL(ctx, "events", baselineTable)
		if err != nil {
			return nil, err
		}
		stmts = append(ddl, `INSERT INTO `+baselineTable+` SELECT * FROM events`)
	}
	for _, stmt := range stmts {
		if _, err := db.SQL.ExecContext(ctx, stmt); err != nil {
			return nil, fmt.Errorf("baseline log: %w", err)
		}
	}
	return &BaselineLog{db: db, insert: `INSERT INTO ` + baselineTable + ` (stream_id, version, type, data, recorded_by, recorded_at, correlation_id)
		VALUES ($1, $2, $3, ` + data + `, $5, $6, $7) RETURNING position`}, nil
}

// SQLiteCopyDDL returns the DDL of a SQLite table and of its indexes,
// renamed for a copy named copyName (its indexes bench_copy_<name>):
// SQLite has no CREATE TABLE … LIKE. For benchmarks' copies of a table.
func (db *DB) SQLiteCopyDDL(ctx context.Context, table, copyName string) ([]string, error) {
	rows, err := db.SQL.QueryContext(ctx, `SELECT type, name, sql FROM sqlite_master
		WHERE tbl_name = $1 AND sql IS NOT NULL ORDER BY type = 'index', name`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ddl []string
	for rows.Next() {
		var typ, name, stmt string
		if err := rows.Scan(&typ, &name, &stmt); err != nil {
			return nil, err
		}
		if typ == "table" {
			stmt = replaceName(stmt, "TABLE", table, copyName)
		} else {
			stmt = replaceName(stmt, "INDEX", name, "bench_copy_"+name)
			stmt = replaceName(stmt, "ON", table, copyName)
		}
		ddl = append(ddl, stmt)
	}
	return ddl, rows.Err()
}

// replaceName replaces the name that follows keyword in a CREATE statement
// (quoted or not) with another.
func replaceName(stmt, keyword, old, new string) string {
	for _, form := range []string{old, `"` + old + `"`, "`" + old + "`", "[" + old + "]"} {
		for _, sep := range []string{" ", "(", "\n"} {
			from := keyword + " " + form + sep
			if i := strings.Index(stmt, from); i >= 0 {
				return stmt[:i] + keyword + " " + new + sep + stmt[i+len(from):]
			}
		}
	}
	return stmt
}

// Insert inserts one event into the copy, in one autocommit statement.
func (b *BaselineLog) Insert(ctx context.Context, e Event) error {
	var pos int64
	return b.db.SQL.QueryRowContext(ctx, b.insert, e.StreamID, e.Version, e.Type, string(e.Data), e.RecordedBy,
		e.RecordedAt, e.CorrelationID).Scan(&pos)
}

// Drop removes the copy.
func (b *BaselineLog) Drop(ctx context.Context) error {
	_, err := b.db.SQL.ExecContext(ctx, `DROP TABLE `+baselineTable)
	return err
}
