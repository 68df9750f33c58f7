package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/lhuta/lhuta/internal/testdb"
)

// pgTool finds a PostgreSQL client program; without it the test is
// skipped, except in CI (CI=true), where it fails.
func pgTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI: %v", name, err)
		}
		t.Skipf("%s not found; set CI=true to make this a failure", name)
	}
	return p
}

// README's PostgreSQL backup, pg_dump -Fc "$DATABASE_URL" > lhuta.dump taken
// while lhuta serves, restored with pg_restore -d URL lhuta.dump into a
// fresh database, gives a service with the same answers: cases,
// obligations, flags, office deadlines and stats, and the dashboard views.
func TestPostgresDumpRestoresToTheSameAnswers(t *testing.T) {
	sharedKEK(t)
	pgDump, pgRestore := pgTool(t, "pg_dump"), pgTool(t, "pg_restore")
	t.Setenv("LHUTA_TOKENS", "clerk-token=clerk:alice,officer-token=compliance_officer:bob")
	t.Setenv("LHUTA_CLOCK", "2026-06-10")
	original := testdb.PostgresURL(t)
	t.Setenv("DATABASE_URL", original)
	base, stop := start(t, "--data-dir", t.TempDir())
	var ids []string
	var last any
	for i := range 6 {
		body := fmt.Sprintf(`{"situation":"id_card_incident","office":"Praha %d","citizen":{"id":"c-%d","birth_date":"1980-05-17","full_name":"Jana Nováková"}}`, i%2+1, i)
		id := call(t, "POST", base+"/v1/cases", "clerk-token", body)["id"].(string)
		rec := call(t, "POST", base+"/v1/cases/"+id+"/events", "clerk-token",
			fmt.Sprintf(`{"type":"IncidentReported","data":{"kind":"lost","reported_on":"2026-04-%02d","reported_to":"police"}}`, i+1))
		if i%2 == 0 {
			rec = call(t, "POST", base+"/v1/cases/"+id+"/events", "clerk-token",
				`{"type":"ApplicationFiled","data":{"document":"id_card_chip","filed_on":"2026-04-20","track":"standard","filing_office":"municipal_office"}}`)
		}
		ids, last = append(ids, id), rec["position"]
	}
	reads := []string{"/v1/obligations?limit=100", "/v1/obligations?status=overdue", "/v1/flags", "/v1/sla",
		"/v1/stats?from=2026-01-01&to=2026-06-10", "/v1/stats?from=2026-04-01&to=2026-06-10&office=Praha%201"}
	for _, id := range ids {
		reads = append(reads, "/v1/cases/"+id, "/v1/cases/"+id+"/events")
	}
	answers := func(base string) map[string]any {
		got := map[string]any{}
		for i, path := range reads {
			if i == 0 {
				path += fmt.Sprintf("&min_position=%v", last)
			}
			got[path] = call(t, "GET", base+path, "officer-token", "")
		}
		return got
	}
	before := answers(base)

	dump := filepath.Join(t.TempDir(), "lhuta.dump")
	f, err := os.Create(dump)
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(pgDump, "-Fc", original)
	cmd.Stdout, cmd.Stderr = f, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pg_dump while lhuta serves: %v\n%s", err, stderr.String())
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	stop()

	restored := testdb.PostgresURL(t)
	if out, err := exec.Command(pgRestore, "--exit-on-error", "-d", restored, dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	t.Setenv("DATABASE_URL", restored)
	base, stop = start(t, "--data-dir", t.TempDir())
	defer stop()
	after := answers(base)
	for _, path := range reads {
		key := path
		if path == reads[0] {
			key += fmt.Sprintf("&min_position=%v", last)
		}
		if !reflect.DeepEqual(before[key], after[key]) {
			t.Errorf("GET %s differs after the restore:\nbefore %v\nafter  %v", key, before[key], after[key])
		}
	}
	// The restored service goes on taking writes after the restored log.
	rec := call(t, "POST", base+"/v1/cases/"+ids[1]+"/events", "clerk-token",
		`{"type":"ApplicationFiled","data":{"document":"id_card_chip","filed_on":"2026-06-01","track":"standard","filing_office":"municipal_office"}}`)
	if rec["position"].(float64) <= last.(float64) {
		t.Fatalf("a write after the restore got position %v, not after %v", rec["position"], last)
	}
	db, err := sql.Open("pgx", restored)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.QueryRowContext(context.Background(), `SELECT COALESCE(SUM(n), 0) FROM dash.obligations`).Scan(&n); err != nil || n != 6 {
		t.Fatalf("dash.obligations after the restore: %d obligations, %v; want 6", n, err)
	}
}
