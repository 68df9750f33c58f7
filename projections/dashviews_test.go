package projections_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/projections"
)

// dashDB is a migrated PostgreSQL database with seeded cases, and a
// connection to it as the dashboard role that deploy/grafana/dashboard-role.sql
// creates (under a name of the test's own: roles are the server's, shared
// by the tests running at once).
func dashDB(t *testing.T) (db *eventstore.DB, asRole *sql.DB) {
	t.Helper()
	ctx := context.Background()
	dbURL := testdb.PostgresURL(t)
	db, err := eventstore.OpenPostgres(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	testdb.Migrate(t, db)
	if err := projections.Prepare(ctx, db); err != nil {
		t.Fatal(err)
	}
	seedCases(t, db, 60)
	if _, err := projections.Rebuild(ctx, db, nil); err != nil {
		t.Fatal(err)
	}

	psql, err := exec.LookPath("psql")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("psql is required in CI")
		}
		t.Skip("psql not found; set CI=true to make this a failure")
	}
	role := "lhuta_dashboard_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	script, err := os.ReadFile(filepath.Join("..", "deploy", "grafana", "dashboard-role.sql"))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "role.sql")
	if err := os.WriteFile(file, []byte(strings.ReplaceAll(string(script), "lhuta_dashboard", role)), 0o600); err != nil {
		t.Fatal(err)
	}
	// Cleanups run last first: the role goes before its database.
	t.Cleanup(func() {
		_, _ = db.SQL.ExecContext(context.Background(), "DROP OWNED BY "+role)
		_, _ = db.SQL.ExecContext(context.Background(), "DROP ROLE IF EXISTS "+role)
	})
	// As documented, twice: running it again changes nothing.
	for range 2 {
		if out, err := exec.Command(psql, dbURL, "-v", "ON_ERROR_STOP=1", "-q", "-f", file).CombinedOutput(); err != nil {
			t.Fatalf("psql -f dashboard-role.sql: %v\n%s", err, out)
		}
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	asRole, err = sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = asRole.Close() })
	return db, asRole
}

func isPermissionDenied(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "42501"
}

func TestDashboardViewsSurviveRebuildsAndTheRoleReadsOnlyThem(t *testing.T) {
	ctx := context.Background()
	db, asRole := dashDB(t)
	views := projections.DashViews(db.Dialect)
	if len(views) == 0 {
		t.Fatal("no dashboard views on PostgreSQL")
	}
	var gen int64
	for round := range 3 {
		if round > 0 {
			// A rebuild switches generations, and the views with them.
			seedCases(t, db, 5)
			if _, err := projections.Rebuild(ctx, db, nil); err != nil {
				t.Fatalf("rebuild with the dashboard views and the role in place: %v", err)
			}
		}
		var g int64
		if err := db.SQL.QueryRowContext(ctx, `SELECT generation FROM read_model_generation`).Scan(&g); err != nil {
			t.Fatal(err)
		}
		if g == gen {
			t.Fatalf("round %d: the generation stayed %d", round, g)
		}
		gen = g
		for _, v := range views {
			var n int64
			if err := asRole.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+v).Scan(&n); err != nil {
				t.Fatalf("round %d (generation %d): the dashboard role cannot read %s: %v", round, gen, v, err)
			}
		}
		// The counts are those of the live read models.
		for _, pair := range [][2]string{{"dash.obligations", "obligation_view"}, {"dash.sla", "sla_view"},
			{"dash.cases", "case_view"}, {"dash.flags", "flag_view"}} {
			var viaDash, live int64
			if err := asRole.QueryRowContext(ctx, "SELECT COALESCE(SUM(n), 0) FROM "+pair[0]).Scan(&viaDash); err != nil {
				t.Fatal(err)
			}
			if err := db.SQL.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+pair[1]).Scan(&live); err != nil {
				t.Fatal(err)
			}
			if viaDash != live || (pair[1] != "flag_view" && live == 0) {
				t.Fatalf("round %d: %s counts %d, %s has %d rows", round, pair[0], viaDash, pair[1], live)
			}
		}
	}
	// Nothing else of the database, nor writes. (A probe the role must be
	// refused, not a read of the log: the tables are named as data.)
	forbidden := []string{"events", "case_view", "obligation_view", "stat_month", fmt.Sprintf("case_view_g%d", gen),
		"idempotency_keys", "projection_offsets"}
	for _, table := range forbidden {
		q := "SELECT * FROM " + table
		rows, err := asRole.QueryContext(ctx, q)
		if err == nil {
			_ = rows.Close()
			t.Fatalf("the dashboard role may run %q", q)
		}
		if !isPermissionDenied(err) {
			t.Fatalf("%q as the dashboard role: want permission denied, got %v", q, err)
		}
	}
	if _, err := asRole.ExecContext(ctx, "CREATE TABLE dash.mine (x int)"); err == nil {
		t.Fatal("the dashboard role may create a table in schema dash")
	}
	// No column that names or identifies a person or a case.
	rows, err := db.SQL.QueryContext(ctx, `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1`,
		projections.DashSchema)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols := 0
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			t.Fatal(err)
		}
		cols++
		for _, personal := range []string{"case_id", "citizen", "birth", "name", "flag_id"} {
			if strings.Contains(col, personal) {
				t.Errorf("dash.%s has column %s", table, col)
			}
		}
	}
	if err := rows.Err(); err != nil || cols == 0 {
		t.Fatalf("columns of schema dash: %d, %v", cols, err)
	}
	// Nor a value: no case id, no citizen, nothing of a case's stored state.
	var leaks []string
	caseRows, err := db.SQL.QueryContext(ctx, `SELECT case_id FROM case_view`)
	if err != nil {
		t.Fatal(err)
	}
	for caseRows.Next() {
		var id string
		if err := caseRows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		leaks = append(leaks, id)
	}
	if err := caseRows.Err(); err != nil || len(leaks) == 0 {
		t.Fatalf("case ids: %d, %v", len(leaks), err)
	}
	_ = caseRows.Close()
	leaks = append(leaks, "full_name", "birth_date", "birth_number", "citizen")
	for _, v := range views {
		rows, err := asRole.QueryContext(ctx, `SELECT v::text FROM `+v+` v`)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var text string
			if err := rows.Scan(&text); err != nil {
				t.Fatal(err)
			}
			n++
			for _, leak := range leaks {
				if strings.Contains(text, leak) {
					t.Errorf("%s holds %q: %s", v, leak, text)
					break
				}
			}
		}
		_ = rows.Close()
		if n == 0 && !strings.HasSuffix(v, ".stats") {
			t.Errorf("%s is empty: the check above proves nothing for it", v)
		}
	}
}

// The statuses of the views are the domain's, as of today in Prague.
func TestDashboardStatusesAreTheDomains(t *testing.T) {
	ctx := context.Background()
	db, asRole := dashDB(t)
	today := calendar.Today(time.Now())
	want := map[string]int64{}
	rows, err := db.SQL.QueryContext(ctx, `SELECT due_on, fulfilled_on, excused_on, judged_on FROM obligation_view`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var due time.Time
		var fulfilled, excused, judged sql.NullTime
		if err := rows.Scan(&due, &fulfilled, &excused, &judged); err != nil {
			t.Fatal(err)
		}
		var o cases.Obligation
		o.Due = calendar.DateOf(due)
		o.FulfilledOn, o.ExcusedOn, o.JudgedOn = nullDate(fulfilled), nullDate(excused), nullDate(judged)
		want["obligation "+string(o.StatusOn(today))]++
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	rows, err = db.SQL.QueryContext(ctx, `SELECT filed_on, due_on, ready_on FROM sla_view`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var filed, due time.Time
		var ready sql.NullTime
		if err := rows.Scan(&filed, &due, &ready); err != nil {
			t.Fatal(err)
		}
		d := cases.SLA{FiledOn: calendar.DateOf(filed), Due: calendar.DateOf(due), ReadyOn: nullDate(ready)}
		want["sla "+d.StatusOn(today)]++
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for kind, view := range map[string]string{"obligation": "dash.obligations", "sla": "dash.sla"} {
		rows, err := asRole.QueryContext(ctx, "SELECT status, SUM(n) FROM "+view+" GROUP BY status")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var status string
			var n int64
			if err := rows.Scan(&status, &n); err != nil {
				t.Fatal(err)
			}
			got[kind+" "+status] = n
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || len(want) < 2 {
		t.Fatalf("statuses today (%s):\nviews  %v\ndomain %v", today, got, want)
	}
}

func nullDate(t sql.NullTime) calendar.Date {
	if !t.Valid {
		return calendar.Date{}
	}
	return calendar.DateOf(t.Time)
}

// grafanaMacro matches the Grafana macros the dashboard may use.
var grafanaMacro = regexp.MustCompile(`\$__timeFilter\([^)]*\)|\$__time(From|To)\(\)|\$\{?office\}?`)

// The provisioned dashboard parses, reads only the dashboard views through
// the provisioned data source, and each of its queries runs as the
// dashboard role (macros replaced by what is always true).
func TestGrafanaDashboardQueriesRunAsTheDashboardRole(t *testing.T) {
	ctx := context.Background()
	_, asRole := dashDB(t)
	raw, err := os.ReadFile(filepath.Join("..", "deploy", "grafana", "dashboards", "lhuta.json"))
	if err != nil {
		t.Fatal(err)
	}
	type target struct {
		RefID      string `json:"refId"`
		RawSQL     string `json:"rawSql"`
		Datasource struct {
			UID string `json:"uid"`
		} `json:"datasource"`
	}
	type panel struct {
		ID      int      `json:"id"`
		Title   string   `json:"title"`
		Targets []target `json:"targets"`
		Panels  []panel  `json:"panels"`
	}
	var dash struct {
		UID        string  `json:"uid"`
		Panels     []panel `json:"panels"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Query string `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("dashboard JSON: %v", err)
	}
	ds, err := os.ReadFile(filepath.Join("..", "deploy", "grafana", "provisioning", "datasources", "lhuta.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	uid := regexp.MustCompile(`(?m)^\s*uid:\s*(\S+)`).FindSubmatch(ds)
	if uid == nil {
		t.Fatal("the data source provisioning names no uid")
	}
	type query struct{ name, sql string }
	var queries []query
	var walk func(ps []panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			for _, tg := range p.Targets {
				if tg.Datasource.UID != string(uid[1]) {
					t.Errorf("panel %q reads data source %q, not the provisioned %q", p.Title, tg.Datasource.UID, uid[1])
				}
				queries = append(queries, query{fmt.Sprintf("panel %d %q %s", p.ID, p.Title, tg.RefID), tg.RawSQL})
			}
			walk(p.Panels)
		}
	}
	walk(dash.Panels)
	for _, v := range dash.Templating.List {
		queries = append(queries, query{"variable " + v.Name, v.Query})
	}
	if len(queries) < 5 {
		t.Fatalf("the dashboard has %d queries", len(queries))
	}
	from := regexp.MustCompile(`(?i)\b(FROM|JOIN)\s+([\w.]+)`)
	withRows := 0
	for _, q := range queries {
		for _, m := range from.FindAllStringSubmatch(q.sql, -1) {
			if !strings.HasPrefix(m[2], projections.DashSchema+".") {
				t.Errorf("%s reads %s, not a dashboard view", q.name, m[2])
			}
		}
		sqlText := grafanaMacro.ReplaceAllStringFunc(q.sql, func(m string) string {
			switch {
			case strings.HasPrefix(m, "$__timeFilter"):
				return "true"
			case strings.HasPrefix(m, "$__time"):
				return "now()"
			}
			return "'office-1'"
		})
		if strings.Contains(sqlText, "$") {
			t.Errorf("%s: a Grafana macro the test does not know: %s", q.name, sqlText)
			continue
		}
		rows, err := asRole.QueryContext(ctx, sqlText)
		if err != nil {
			t.Errorf("%s: %v\n%s", q.name, err, sqlText)
			continue
		}
		n := 0
		for rows.Next() {
			n++
		}
		if err := rows.Err(); err != nil {
			t.Errorf("%s: %v", q.name, err)
		}
		_ = rows.Close()
		if n > 0 {
			withRows++
		}
	}
	// The seeded cases have overdue obligations and office deadlines, of office-1 too.
	if withRows < len(queries)/2 {
		t.Fatalf("only %d of %d dashboard queries returned rows", withRows, len(queries))
	}
}

// compose.yaml gives Grafana what the provisioning files expect: the
// dashboards where the provider looks, the provisioning directory, and
// every variable the data source reads.
func TestComposeMountsTheGrafanaProvisioning(t *testing.T) {
	read := func(parts ...string) string {
		b, err := os.ReadFile(filepath.Join(append([]string{".."}, parts...)...))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	compose := read("compose.yaml")
	provider := read("deploy", "grafana", "provisioning", "dashboards", "lhuta.yaml")
	datasource := read("deploy", "grafana", "provisioning", "datasources", "lhuta.yaml")
	path := regexp.MustCompile(`(?m)^\s*path:\s*(\S+)`).FindStringSubmatch(provider)
	if path == nil {
		t.Fatal("the dashboard provider names no path")
	}
	for _, mount := range []string{"./deploy/grafana/dashboards:" + path[1] + ":ro", "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro",
		"./deploy/grafana/dashboard-role.sql:"} {
		if !strings.Contains(compose, mount) {
			t.Errorf("compose.yaml does not mount %s", mount)
		}
	}
	vars := regexp.MustCompile(`\$\{(\w+)\}`).FindAllStringSubmatch(datasource, -1)
	if len(vars) == 0 {
		t.Fatal("the data source reads no variables")
	}
	for _, v := range vars {
		if !strings.Contains(compose, "      "+v[1]+":") {
			t.Errorf("compose.yaml does not give Grafana %s", v[1])
		}
	}
}
