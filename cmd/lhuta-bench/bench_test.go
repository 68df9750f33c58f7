package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// postgresAdmin returns the PostgreSQL server the tests use (the same rule
// as internal/testdb.PostgresURL): skipped when unreachable, except in CI.
func postgresAdmin(t *testing.T) string {
	t.Helper()
	admin := os.Getenv("LHUTA_TEST_POSTGRES")
	if admin == "" {
		admin = defaultPostgres
	}
	db, err := sql.Open("pgx", admin)
	if err == nil {
		defer db.Close()
		err = db.PingContext(context.Background())
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required in CI but unreachable at %s: %v", redacted(admin), err)
		}
		t.Skipf("PostgreSQL unreachable at %s (%v); set CI=true to make this a failure", redacted(admin), err)
	}
	return admin
}

// The whole program at a tiny scale on both backends: every phase runs, no
// request fails, and the rebuilt read models answer the generated cases
// (a known one among them) as the domain folded them.
func TestEveryPhaseRunsWithoutFailures(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			jsonPath := filepath.Join(t.TempDir(), "out.json")
			args := []string{"-backend", backend, "-cases", "300", "-duration", "300ms", "-requests", "20", "-json", jsonPath}
			if backend == "postgres" {
				args = append(args, "-pg", postgresAdmin(t))
			}
			var out bytes.Buffer
			res, err := run(context.Background(), args, &out)
			if err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			if len(res.Runs) != 1 {
				t.Fatalf("%d runs, want 1", len(res.Runs))
			}
			r := res.Runs[0]
			if r.Failures != 0 {
				t.Errorf("%d failures\n%s", r.Failures, out.String())
			}
			if r.Generate.Events < 600 || r.Generate.Refused != 0 {
				t.Errorf("generated %d events for 300 cases, %d refused (%s)", r.Generate.Events, r.Generate.Refused, r.Generate.LastError)
			}
			if r.Rebuild == nil || r.Rebuild.Events != r.Generate.Events || r.Rebuild.Baseline == nil || r.Rebuild.Baseline.Rows == 0 {
				t.Errorf("rebuild: %+v", r.Rebuild)
			} else if len(r.Rebuild.Baseline.Tables) == 0 {
				t.Errorf("no read-model tables found for the baseline")
			}
			if v := r.Verify; v == nil || v.KnownCase == nil || v.Checked < 50 || v.Failed != 0 {
				t.Errorf("verify: %+v", v)
			} else if k := v.KnownCase; k.ID == "" || k.Version < 1 || !strings.HasPrefix(k.Office, "office-") {
				t.Errorf("known case: %+v", k)
			}
			if len(r.Queries) != len(queries(res.Options, []sampleCase{{}})) {
				t.Errorf("%d queries measured", len(r.Queries))
			}
			for _, q := range r.Queries {
				if q.Requests < 20 || q.Failures != 0 || q.P50ms <= 0 {
					t.Errorf("query %s: %+v", q.Name, q)
				}
			}
			if len(r.Writes) != 3 {
				t.Errorf("%d write measurements, want 3 (1, 8, 32 clients)", len(r.Writes))
			}
			for _, w := range r.Writes {
				if w.HTTPAccepted == 0 || w.BaselineInserts == 0 || w.HTTPFailures+w.BaselineFailures != 0 {
					t.Errorf("writes at %d clients: %+v", w.Clients, w)
				}
			}
			if r.Lag == nil || r.Lag.Accepted == 0 || r.Lag.WriteFailures+r.Lag.ReadFailures != 0 || r.Lag.P50ms <= 0 {
				t.Errorf("lag: %+v", r.Lag)
			}
			var phases []string
			for _, p := range r.Phases {
				phases = append(phases, p.Phase)
			}
			want := "generate,rebuild,verify,queries,writes,lag"
			if backend == "postgres" {
				want = "generate,rebuild,vacuum,verify,queries,writes,lag"
			}
			if got := strings.Join(phases, ","); got != want {
				t.Errorf("phases %s, want %s", got, want)
			}
			if len(r.RSS) != len(r.Phases) || r.RSS[0].PeakMiB <= 0 {
				t.Errorf("rss: %+v", r.RSS)
			}
			var fromFile Results
			if b, err := os.ReadFile(jsonPath); err != nil || json.Unmarshal(b, &fromFile) != nil || len(fromFile.Runs) != 1 {
				t.Errorf("JSON output %s: %v", jsonPath, err)
			}
			if !strings.Contains(out.String(), "## lhuta-bench results") || !strings.Contains(out.String(), "| "+backend+" | 300 |") {
				t.Errorf("no Markdown report:\n%s", out.String())
			}
		})
	}
}
