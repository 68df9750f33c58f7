package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/projections"
)

// progress prints a line for a long phase at most every two seconds.
type progress struct {
	out   io.Writer
	name  string
	start time.Time
	last  time.Time
}

func newProgress(out io.Writer, name string) *progress {
	now := time.Now()
	return &progress{out: out, name: name, start: now, last: now}
}

func (p *progress) report(done, total int64, unit string) {
	if time.Since(p.last) < 2*time.Second {
		return
	}
	p.last = time.Now()
	elapsed := time.Since(p.start).Seconds()
	rate := float64(done) / elapsed
	line := fmt.Sprintf("%s: %d of %d %s (%.0f%%), %.0f %s/s", p.name, done, total, unit, 100*float64(done)/float64(max(1, total)), rate, unit)
	if rate > 0 && total > done {
		line += ", ETA " + (time.Duration(float64(total-done)/rate) * time.Second).Round(time.Second).String()
	}
	fmt.Fprintln(p.out, line)
}

func (p *progress) done(n int64, unit string) {
	secs := time.Since(p.start).Seconds()
	fmt.Fprintf(p.out, "%s: done, %d %s in %.1f s (%.0f %s/s)\n", p.name, n, unit, secs, float64(n)/secs, unit)
}

// rebuild is the one call of projections.Rebuild: adapt it here when its
// signature changes.
func rebuild(ctx context.Context, db *eventstore.DB, progress func(done, total int64)) (int64, error) {
	return projections.Rebuild(ctx, db, progress, projections.UsingToday(func() calendar.Date { return benchToday }))
}

// RebuildResult is the rebuild's speed beside the database's own: COPY of
// the rebuilt read-model rows into identically indexed tables.
type RebuildResult struct {
	Events       int64   `json:"events"`
	Seconds      float64 `json:"seconds"`
	EventsPerSec float64 `json:"events_per_sec"`
	// Baseline is the plain bulk load of the same rows (COPY on PostgreSQL,
	// INSERT … SELECT on SQLite); nil if not measured.
	Baseline *CopyBaseline `json:"baseline,omitempty"`
}

// CopyBaseline is the time to load every read-model row at once.
type CopyBaseline struct {
	Method     string           `json:"method"`
	Tables     map[string]int64 `json:"tables"`
	Rows       int64            `json:"rows"`
	Seconds    float64          `json:"seconds"`
	RowsPerSec float64          `json:"rows_per_sec"`
	// RowsPerEvent is how many read-model rows the log gives per event.
	RowsPerEvent float64 `json:"rows_per_event"`
	// EquivalentEventsPerSec is events/s at the baseline's rows/s.
	EquivalentEventsPerSec float64 `json:"equivalent_events_per_sec"`
	// Ratio is rebuild time ÷ baseline time.
	Ratio float64 `json:"ratio"`
}

func rebuildPhase(ctx context.Context, db *eventstore.DB, baseline bool, out io.Writer) (*RebuildResult, error) {
	prog := newProgress(out, "rebuild")
	start := time.Now()
	n, err := rebuild(ctx, db, func(done, total int64) { prog.report(done, total, "events") })
	if err != nil {
		return nil, fmt.Errorf("rebuild stopped after %d events: %w", n, err)
	}
	prog.done(n, "events")
	secs := time.Since(start).Seconds()
	res := &RebuildResult{Events: n, Seconds: secs, EventsPerSec: float64(n) / secs}
	if !baseline {
		return res, nil
	}
	if res.Baseline, err = copyBaseline(ctx, db); err != nil {
		return res, fmt.Errorf("copy baseline: %w", err)
	}
	b := res.Baseline
	b.RowsPerEvent = float64(b.Rows) / float64(max(1, n))
	if b.RowsPerEvent > 0 {
		b.EquivalentEventsPerSec = b.RowsPerSec / b.RowsPerEvent
	}
	if b.Seconds > 0 {
		b.Ratio = secs / b.Seconds
	}
	fmt.Fprintf(out, "rebuild: baseline %s of the same %d read-model rows (%s): %.2f s, %.0f rows/s; rebuild takes %.1f× as long\n",
		b.Method, b.Rows, tableCounts(b.Tables), b.Seconds, b.RowsPerSec, b.Ratio)
	return res, nil
}

func tableCounts(t map[string]int64) string {
	names := make([]string, 0, len(t))
	for k := range t {
		names = append(names, k)
	}
	slices.Sort(names)
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = fmt.Sprintf("%s %d", k, t[k])
	}
	return strings.Join(parts, ", ")
}

// notReadModels are the tables that are not read models.
var notReadModels = []string{"events", "projection_offsets", "goose_db_version"}

// readModelTables lists the read-model tables, whatever they are: every
// table but the log's, the offsets', the migrations' and the benchmark's own.
func readModelTables(ctx context.Context, db *eventstore.DB) ([]string, error) {
	q := `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
	if db.Dialect.Name == "sqlite" {
		q = `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	}
	names, err := eventstore.Strings(ctx, db.SQL, q)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, name := range names {
		if !slices.Contains(notReadModels, name) && !strings.HasPrefix(name, "bench_") {
			out = append(out, name)
		}
	}
	return out, nil
}

// copyBaseline loads every read-model row into an identically indexed copy
// of its table in one bulk operation and times it: on PostgreSQL the rows
// are read into memory first and the COPY alone is timed; on SQLite an
// INSERT … SELECT in one transaction.
func copyBaseline(ctx context.Context, db *eventstore.DB) (*CopyBaseline, error) {
	tables, err := readModelTables(ctx, db)
	if err != nil {
		return nil, err
	}
	b := &CopyBaseline{Tables: map[string]int64{}}
	var elapsed time.Duration
	for _, t := range tables {
		copyName := "bench_copy_" + t
		var n int64
		var took time.Duration
		if db.Dialect.Name == "postgres" {
			b.Method = "COPY"
			n, took, err = copyPostgres(ctx, db, t, copyName)
		} else {
			b.Method = "INSERT … SELECT"
			n, took, err = copySQLite(ctx, db, t, copyName)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t, err)
		}
		if _, err := db.SQL.ExecContext(ctx, `DROP TABLE `+copyName); err != nil {
			return nil, err
		}
		b.Tables[t] = n
		b.Rows += n
		elapsed += took
	}
	b.Seconds = elapsed.Seconds()
	if b.Seconds > 0 {
		b.RowsPerSec = float64(b.Rows) / b.Seconds
	}
	return b, nil
}

func copyPostgres(ctx context.Context, db *eventstore.DB, table, copyName string) (int64, time.Duration, error) {
	if _, err := db.SQL.ExecContext(ctx, `CREATE TABLE `+copyName+` (LIKE `+table+` INCLUDING ALL)`); err != nil {
		return 0, 0, err
	}
	columns, all, err := eventstore.ScanAll(ctx, db.SQL, `SELECT * FROM `+table)
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	n, err := db.CopyFrom(ctx, copyName, columns, len(all), func(i int) ([]any, error) { return all[i], nil })
	return n, time.Since(start), err
}

func copySQLite(ctx context.Context, db *eventstore.DB, table, copyName string) (int64, time.Duration, error) {
	if err := copySQLiteSchema(ctx, db, table, copyName); err != nil {
		return 0, 0, err
	}
	start := time.Now()
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, err
	}
	defer func() { _ = tx.Rollback() }()
	r, err := tx.ExecContext(ctx, `INSERT INTO `+copyName+` SELECT * FROM `+table)
	if err != nil {
		return 0, 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, err
	}
	n, err := r.RowsAffected()
	return n, time.Since(start), err
}

// copySQLiteSchema creates copyName with the DDL of table and of its
// indexes (SQLite has no CREATE TABLE … LIKE).
func copySQLiteSchema(ctx context.Context, db *eventstore.DB, table, copyName string) error {
	ddl, err := db.SQLiteCopyDDL(ctx, table, copyName)
	if err != nil {
		return err
	}
	for _, stmt := range ddl {
		if _, err := db.SQL.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return nil
}
