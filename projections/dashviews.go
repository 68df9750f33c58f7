package projections

import (
	"context"
	"database/sql"
	"strings"

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/projections/views"
)

// DashSchema is the PostgreSQL schema of the dashboard views: counts over
// the read models for Grafana, without case ids, citizen ids, birth numbers
// or names, so that a role that may read only this schema
// (deploy/grafana/dashboard-role.sql) sees nothing personal. The read
// models hold no names or birth numbers; case ids are left out too, since
// with API access they lead to a citizen and a count needs none.
//
// The views read the views <name> of the live generation, so they are
// dropped and created again in the transaction that switches a generation
// (PostgreSQL refuses to drop a view others depend on): a rebuild never
// leaves them missing or pointing at a dropped generation, and the default
// privileges of the schema give the dashboard role SELECT on the new ones.
// On SQLite there are none: Grafana reads PostgreSQL.
const DashSchema = "dash"

// dashToday is today in Europe/Prague, the day the views tell statuses as
// of (LHUTA_CLOCK does not reach them).
const dashToday = `(SELECT (now() AT TIME ZONE 'Europe/Prague')::date AS today) t`

// dashViews are the dashboard views by name, in dependency-free order.
var dashViews = []struct{ name, query string }{
	// Every view counts by month, never by day: a day's row of a small office
	// (a 15th birthday, the day a card was lost) could single a person out.
	//
	// Cases by office, situation, status today (open, closed) and the months
	// they were opened and closed.
	{"cases", `SELECT office, situation,
		CASE WHEN closed_on IS NOT NULL AND closed_on <= t.today THEN 'closed' ELSE 'open' END AS status,
		date_trunc('month', opened_on)::date AS opened_month, date_trunc('month', closed_on)::date AS closed_month,
		COUNT(*) AS n
		FROM case_view, ` + dashToday + `
		GROUP BY office, situation, status, opened_month, closed_month`},
	// Obligations by office, situation, obligation, month due and status
	// today (views.StatusSQL: open, overdue, met, met_late, excused, judged).
	{"obligations", `SELECT office, situation, obligation, legal_basis,
		date_trunc('month', due_on)::date AS due_month, ` + strings.ReplaceAll(views.StatusSQL, "$1", "t.today") + ` AS status,
		COUNT(*) AS n
		FROM obligation_view, ` + dashToday + `
		GROUP BY office, situation, obligation, legal_basis, due_month, status`},
	// Misdemeanor flags by offence, month raised and status today (raised,
	// dismissed, proceedings_opened, fined), with the sum of the fines.
	{"flags", `SELECT office, situation, offence, legal_basis, review_only,
		date_trunc('month', raised_on)::date AS raised_month,
		CASE WHEN decided_on IS NOT NULL AND decided_on <= t.today THEN decision ELSE 'raised' END AS status,
		COUNT(*) AS n, COALESCE(SUM(fine_czk) FILTER (WHERE decided_on <= t.today), 0) AS fines_czk
		FROM flag_view, ` + dashToday + `
		GROUP BY office, situation, offence, legal_basis, review_only, raised_month, status`},
	// Office deadlines (SLA) by document, track, month due and status today
	// (open, met, breached).
	{"sla", `SELECT office, situation, document, track,
		date_trunc('month', due_on)::date AS due_month,
		CASE WHEN ready_on IS NOT NULL AND ready_on <= t.today THEN
			CASE WHEN ready_on > due_on THEN 'breached' ELSE 'met' END
		WHEN t.today > due_on THEN 'breached' ELSE 'open' END AS status,
		COUNT(*) AS n
		FROM sla_view, ` + dashToday + `
		GROUP BY office, situation, document, track, due_month, status`},
	// The all-office aggregates behind GET /v1/stats: per kind, month of
	// the fact, month of the change, situation and status, how many entered
	// (n > 0) or left (n < 0) the status; summed over changed <= M, the
	// counts as of the end of month M.
	{"stats", `SELECT kind, month, changed, situation, status, n FROM stat_month WHERE n <> 0`},
}

// dropDashViews drops the dashboard views, before the views they read are.
// It first locks read_model_generation, which every switch of generation
// writes: the views are always locked after it, so two of these
// transactions (a rebuild's switch, a start's refresh) wait for each other
// instead of deadlocking.
func dropDashViews(ctx context.Context, q querier, d eventstore.Dialect) error {
	if d.Name != eventstore.Postgres.Name {
		return nil
	}
	if _, err := q.ExecContext(ctx, `LOCK TABLE read_model_generation IN EXCLUSIVE MODE`); err != nil {
		return err
	}
	for _, v := range dashViews {
		if _, err := q.ExecContext(ctx, "DROP VIEW IF EXISTS "+DashSchema+"."+v.name); err != nil {
			return err
		}
	}
	return nil
}

// createDashViews creates the schema, if missing, and the dashboard views.
func createDashViews(ctx context.Context, q querier, d eventstore.Dialect) error {
	if d.Name != eventstore.Postgres.Name {
		return nil
	}
	stmts := []string{"CREATE SCHEMA IF NOT EXISTS " + DashSchema}
	for _, v := range dashViews {
		stmts = append(stmts, "CREATE VIEW "+DashSchema+"."+v.name+" AS "+v.query)
	}
	return execAll(ctx, q, stmts)
}

// refreshDashViews creates the dashboard views again over the live
// generation, for a database whose read models are already of this
// version (one served by an older lhuta, or whose views changed).
func refreshDashViews(ctx context.Context, db *eventstore.DB) error {
	if db.Dialect.Name != eventstore.Postgres.Name {
		return nil
	}
	return eventstore.InTx(ctx, db.SQL, func(tx *sql.Tx) error {
		if err := dropDashViews(ctx, tx, db.Dialect); err != nil {
			return err
		}
		return createDashViews(ctx, tx, db.Dialect)
	})
}

// DashViews lists the dashboard views, schema-qualified (none on SQLite).
func DashViews(d eventstore.Dialect) []string {
	if d.Name != eventstore.Postgres.Name {
		return nil
	}
	var names []string
	for _, v := range dashViews {
		names = append(names, DashSchema+"."+v.name)
	}
	return names
}
