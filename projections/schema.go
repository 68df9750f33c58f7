package projections

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/lhuta/lhuta/eventstore"
)

// SchemaVersion is the version of the read-model tables below and of what
// they hold: bump it when a table changes or when cases.SnapshotFormat
// does. The read models are disposable, so they are not migrated: a
// service that finds another version starts a new generation and projects
// the log into it, and `lhuta rebuild` builds one beside the old, which
// answers until the switch.
const SchemaVersion = 9

// A generation is one complete set of read-model tables, named
// <table>_g<generation>. Queries read the views named <table>, which point
// at the live generation; a rebuild fills a new generation beside the live
// one and switches the views over in one short transaction.
type table struct {
	name string
	// columns are "name TYPE" pairs; %DATE% is DATE on PostgreSQL and TEXT
	// (YYYY-MM-DD, which sorts as a date) on SQLite.
	columns []string
	key     []string
	indexes []string
}

// caseTable holds one row per case with the state the case continues from,
// the citizen's id to find a citizen's cases by (schema 4), and the case's
// reference, assignee and citizen to find and list cases by (schema 8);
// schema 9 adds retention_view (retention.go):
// name_key is the name folded for search (people.go), birth_number its digits.
var caseTable = table{
	name: "case_view",
	columns: []string{"case_id TEXT NOT NULL", "situation TEXT NOT NULL", "office TEXT NOT NULL",
		"version BIGINT NOT NULL", "opened_on %DATE% NOT NULL", "closed_on %DATE%", "state TEXT NOT NULL",
		"citizen_id TEXT NOT NULL", "reference TEXT NOT NULL", "assignee TEXT NOT NULL", "full_name TEXT NOT NULL",
		"name_key TEXT NOT NULL", "birth_date %DATE% NOT NULL", "birth_number TEXT NOT NULL"},
	key:     []string{"case_id"},
	indexes: []string{"(citizen_id, case_id)", "(reference)", "(birth_date)", "(birth_number)", "(assignee)"},
}

// obligationTable holds one row per obligation. resolved_on is the first
// day the obligation stopped being open or overdue (fulfilled, excused or
// judged): as of a day before it, or with none, the obligation is open or
// overdue by comparing its due date, which the partial indexes serve.
var obligationTable = table{
	name: "obligation_view",
	columns: []string{"case_id TEXT NOT NULL", "seq INTEGER NOT NULL", "obligation TEXT NOT NULL",
		"legal_basis TEXT NOT NULL", "triggered_on %DATE% NOT NULL", "due_on %DATE% NOT NULL",
		"fulfilled_on %DATE%", "excused_on %DATE%", "judged_on %DATE%", "resolved_on %DATE%",
		"office TEXT NOT NULL", "situation TEXT NOT NULL", "reference TEXT NOT NULL", "full_name TEXT NOT NULL",
		"assignee TEXT NOT NULL", "name_key TEXT NOT NULL"},
	key: []string{"case_id", "seq"},
	indexes: []string{
		"(assignee, due_on)",
		"(name_key, due_on, case_id, seq)",
		"(due_on, case_id, seq)",
		"(office, due_on, case_id, seq)",
		"(due_on, case_id, seq) WHERE resolved_on IS NULL",
		"(office, due_on, case_id, seq) WHERE resolved_on IS NULL",
		"(resolved_on)",
		"(triggered_on)",
		"(office, triggered_on)",
	},
}

var flagTable = table{
	name: "flag_view",
	columns: []string{"case_id TEXT NOT NULL", "flag_id TEXT NOT NULL", "offence TEXT NOT NULL",
		"legal_basis TEXT NOT NULL", "max_fine_czk INTEGER", "review_only BOOLEAN NOT NULL",
		"raised_on %DATE% NOT NULL", "obligation TEXT NOT NULL", "decision TEXT", "fine_czk INTEGER",
		"decided_on %DATE%", "office TEXT NOT NULL", "situation TEXT NOT NULL", "reference TEXT NOT NULL",
		"full_name TEXT NOT NULL", "name_key TEXT NOT NULL"},
	key: []string{"case_id", "flag_id"},
	indexes: []string{
		"(name_key, raised_on, case_id, flag_id)",
		"(raised_on, case_id, flag_id)",
		"(office, raised_on, case_id, flag_id)",
		"(raised_on, case_id, flag_id) WHERE decided_on IS NULL",
	},
}

var slaTable = table{
	name: "sla_view",
	columns: []string{"case_id TEXT NOT NULL", "seq INTEGER NOT NULL", "document TEXT NOT NULL",
		"track TEXT NOT NULL", "filed_on %DATE% NOT NULL", "due_on %DATE% NOT NULL", "ready_on %DATE%",
		"office TEXT NOT NULL", "situation TEXT NOT NULL", "reference TEXT NOT NULL", "full_name TEXT NOT NULL",
		"assignee TEXT NOT NULL", "name_key TEXT NOT NULL"},
	key:     []string{"case_id", "seq"},
	indexes: []string{"(name_key, due_on, case_id, seq)", "(due_on, case_id, seq)", "(office, due_on, case_id, seq)", "(filed_on)", "(office, filed_on)", "(assignee, due_on)"},
}

// The dashboard aggregates count status changes (see stats.go): how many
// obligations (kind "obligation") or office deadlines (kind "sla") of all
// offices whose fact happened in month entered (n > 0) or left (n < 0) a
// status, per day of the change and, summed, per month of the change.
var statDayTable = table{
	name: "stat_day",
	columns: []string{"kind TEXT NOT NULL", "day %DATE% NOT NULL", "month TEXT NOT NULL",
		"situation TEXT NOT NULL", "status TEXT NOT NULL", "n BIGINT NOT NULL"},
	key: []string{"kind", "day", "month", "situation", "status"},
}

var statMonthTable = table{
	name: "stat_month",
	columns: []string{"kind TEXT NOT NULL", "month TEXT NOT NULL", "changed TEXT NOT NULL",
		"situation TEXT NOT NULL", "status TEXT NOT NULL", "n BIGINT NOT NULL"},
	key: []string{"kind", "month", "changed", "situation", "status"},
}

// tables are every read-model table of a generation.
var tables = []*table{&caseTable, &obligationTable, &flagTable, &slaTable, &statDayTable, &statMonthTable, &payerTable, &bankRefTable,
	&paymentTable, &paymentDayTable, &paymentTermsTable, &reminderTable, &consentTable, &retentionTable}

func (t *table) physical(gen int64) string { return fmt.Sprintf("%s_g%d", t.name, gen) }

func (t *table) columnNames() []string {
	names := make([]string, len(t.columns))
	for i, c := range t.columns {
		names[i], _, _ = strings.Cut(c, " ")
	}
	return names
}

// create returns the statements that create the table of a generation
// with its key and indexes.
func (t *table) create(d eventstore.Dialect, gen int64) []string {
	return append(t.createBare(d, gen, true), t.createIndexes(gen)...)
}

// createBare returns the statement that creates the table of a generation
// without its secondary indexes, and without its primary key unless
// withKey: a bulk load fills a bare table and builds what it left out once
// at the end (addKeys), in one sort per index instead of an index insert
// per row.
func (t *table) createBare(d eventstore.Dialect, gen int64, withKey bool) []string {
	// On PostgreSQL text compares byte by byte ("C"), as on SQLite: ids
	// and codes need no language's collation, and it is several times faster.
	date, text := "TEXT", "TEXT"
	if d.Name == eventstore.Postgres.Name {
		date, text = "DATE", `TEXT COLLATE "C"`
	}
	cols := strings.Join(t.columns, ", ")
	cols = strings.ReplaceAll(strings.ReplaceAll(cols, " TEXT", " "+text), "%DATE%", date)
	if withKey {
		cols += fmt.Sprintf(", PRIMARY KEY (%s)", strings.Join(t.key, ", "))
	}
	return []string{fmt.Sprintf("CREATE TABLE %s (%s)", t.physical(gen), cols)}
}

// createIndexes returns the statements that create the table's secondary
// indexes.
func (t *table) createIndexes(gen int64) []string {
	name := t.physical(gen)
	var stmts []string
	for i, ix := range t.indexes {
		stmts = append(stmts, fmt.Sprintf("CREATE INDEX %s_%d ON %s %s", name, i+1, name, ix))
	}
	return stmts
}

// addKey returns the statement that gives a table created without its
// primary key (createBare) that key, under the name PostgreSQL would have
// given it inline.
func (t *table) addKey(gen int64) string {
	name := t.physical(gen)
	return fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s_pkey PRIMARY KEY (%s)", name, name, strings.Join(t.key, ", "))
}

// meta is the row of read_model_generation: the live generation.
type meta struct {
	generation int64
	schema     int
}

func liveGeneration(ctx context.Context, q querier) (meta, error) {
	var m meta
	err := q.QueryRowContext(ctx, `SELECT generation, schema_version FROM read_model_generation`).Scan(&m.generation, &m.schema)
	if errors.Is(err, sql.ErrNoRows) {
		return meta{}, nil
	}
	return m, err
}

// ErrOtherSchema is the projection's refusal to write into read models of
// another schema: during an upgrade, an instance of the other release still
// running would otherwise fill the new generation with its own format. The
// pipeline retries (and is not ready) until that instance stops or this one
// is replaced.
var ErrOtherSchema = errors.New("read models of another schema")

// ownGeneration is the live generation when its schema is this release's,
// for what writes into it: an instance of another release still running
// during an upgrade would otherwise fill the new generation with its own
// format (ErrOtherSchema). No generation yet (0) is no refusal.
func ownGeneration(ctx context.Context, q querier) (meta, error) {
	m, err := liveGeneration(ctx, q)
	if err == nil && m.generation != 0 && m.schema != SchemaVersion {
		err = fmt.Errorf("%w: the live read models are of schema %d, this release writes schema %d: stop the instances of the other release", ErrOtherSchema, m.schema, SchemaVersion)
	}
	return m, err
}

// querier is what *sql.DB, *sql.Tx and *sql.Conn have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Prepare makes sure the read models exist in this version's schema. On a
// new database, or one whose read models are of another version, it
// creates an empty generation and points the projection at the start of the
// log, so the pipeline fills it (for a large log, run `lhuta rebuild`, which
// keeps the old tables answering while it builds).
func Prepare(ctx context.Context, db *eventstore.DB) error {
	m, err := liveGeneration(ctx, db.SQL)
	if err != nil {
		return err
	}
	if m.schema == SchemaVersion {
		return refreshDashViews(ctx, db)
	}
	return eventstore.InTx(ctx, db.SQL, func(tx *sql.Tx) error {
		// Instances starting together: one creates, the others find it done.
		if db.Dialect.Name == eventstore.Postgres.Name {
			if _, err := tx.ExecContext(ctx, `LOCK TABLE read_model_generation IN EXCLUSIVE MODE`); err != nil {
				return err
			}
		}
		if m, err = liveGeneration(ctx, tx); err != nil || m.schema == SchemaVersion {
			return err
		}
		gen := m.generation + 1
		if err := createGeneration(ctx, tx, db.Dialect, gen); err != nil {
			return err
		}
		if err := switchTo(ctx, tx, db.Dialect, m.generation, gen); err != nil {
			return err
		}
		return setOffset(ctx, tx, db.Dialect, eventstore.Start)
	})
}

func createGeneration(ctx context.Context, q querier, d eventstore.Dialect, gen int64) error {
	for _, t := range tables {
		if err := execAll(ctx, q, t.create(d, gen)); err != nil {
			return fmt.Errorf("create read models of generation %d: %w", gen, err)
		}
	}
	return nil
}

// createBareGeneration creates a generation's tables for a bulk load: on
// PostgreSQL without keys or indexes, on SQLite (which cannot add a primary
// key to a table) with keys only. indexGeneration completes them.
func createBareGeneration(ctx context.Context, q querier, d eventstore.Dialect, gen int64) error {
	for _, t := range tables {
		if err := execAll(ctx, q, t.createBare(d, gen, d.Name != eventstore.Postgres.Name)); err != nil {
			return fmt.Errorf("create read models of generation %d: %w", gen, err)
		}
	}
	return nil
}

// indexGeneration adds to a generation made by createBareGeneration the
// keys and indexes createGeneration gives it. On PostgreSQL each table's
// builds share one transaction with more memory for their sorts than a
// session's default.
func indexGeneration(ctx context.Context, db *eventstore.DB, gen int64) error {
	for _, t := range tables {
		stmts := t.createIndexes(gen)
		if db.Dialect.Name == eventstore.Postgres.Name {
			stmts = append([]string{`SET LOCAL maintenance_work_mem = '256MB'`, t.addKey(gen)}, stmts...)
		}
		if err := eventstore.InTx(ctx, db.SQL, func(tx *sql.Tx) error { return execAll(ctx, tx, stmts) }); err != nil {
			return fmt.Errorf("index read models of generation %d: %w", gen, err)
		}
	}
	return nil
}

// dropGeneration drops a generation's tables, if they exist.
func dropGeneration(ctx context.Context, q querier, gen int64) error {
	for _, t := range tables {
		if _, err := q.ExecContext(ctx, "DROP TABLE IF EXISTS "+t.physical(gen)); err != nil {
			return err
		}
	}
	return nil
}

// switchTo points the views at generation gen and records it as live.
func switchTo(ctx context.Context, q querier, d eventstore.Dialect, old, gen int64) error {
	if err := dropDashViews(ctx, q, d); err != nil {
		return err
	}
	for _, t := range tables {
		stmts := []string{"DROP VIEW IF EXISTS " + t.name,
			fmt.Sprintf("CREATE VIEW %s AS SELECT * FROM %s", t.name, t.physical(gen))}
		if err := execAll(ctx, q, stmts); err != nil {
			return err
		}
	}
	if err := createDashViews(ctx, q, d); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM read_model_generation`); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO read_model_generation (generation, schema_version) VALUES ($1, $2)`, gen, SchemaVersion); err != nil {
		return err
	}
	if old != 0 && old != gen {
		return dropGeneration(ctx, q, old)
	}
	return nil
}

func execAll(ctx context.Context, q querier, stmts []string) error {
	for _, s := range stmts {
		if _, err := q.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// payerTable holds one row per case that may owe money, with the span in
// which its obligations can arise (cases.Case.OwingSpan): arises_until is
// NULL while a liability lasts; fee_only marks a case whose only possible
// obligation is an administrative fee, which counts only at offices that
// accept transfers. money is what the obligations are computed from
// (cases.Case.MarshalMoney), a smaller read than the case's whole state.
var payerTable = table{
	name: "payer_view",
	columns: []string{"case_id TEXT NOT NULL", "office TEXT NOT NULL", "citizen_id TEXT NOT NULL",
		"fee_only BOOLEAN NOT NULL", "arises_from %DATE% NOT NULL", "arises_until %DATE%", "money TEXT NOT NULL"},
	key:     []string{"case_id"},
	indexes: []string{"(office, case_id)", "(citizen_id)", "(arises_from)"},
}

// bankRefTable holds the bank reference of every payment recorded with one.
var bankRefTable = table{
	name:    "bank_payment_view",
	columns: []string{"case_id TEXT NOT NULL", "bank_reference TEXT NOT NULL", "office TEXT NOT NULL"},
	key:     []string{"case_id", "bank_reference"},
	indexes: []string{"(bank_reference)"},
}

// retentionTable holds one row per case with a retention schedule
// (RetentionScheduled): its period, whether it is on legal hold and whether
// it was disposed of (docs/RETENTION.md). It names the case by its
// reference, never its citizen: the list goes to the archive.
var retentionTable = table{
	name: "retention_view",
	columns: []string{"case_id TEXT NOT NULL", "office TEXT NOT NULL", "situation TEXT NOT NULL", "reference TEXT NOT NULL",
		"mark TEXT NOT NULL", "years INTEGER NOT NULL", "rule_trigger TEXT NOT NULL", "trigger_on %DATE% NOT NULL",
		"ends_on %DATE% NOT NULL", "held_since %DATE%", "disposed_on %DATE%", "disposal_id TEXT", "disposition TEXT"},
	key:     []string{"case_id"},
	indexes: []string{"(ends_on, case_id)", "(office, ends_on, case_id)"},
}
