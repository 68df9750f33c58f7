package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/internal/teststack"
)

// `lhuta rebuild` killed with SIGKILL half-way leaves the live read models
// untouched; the next run succeeds, and a check finds them equal to the log.
func TestRebuildKilledHalfWayLeavesTheLiveReadModels(t *testing.T) {
	bin := teststack.Build(t)
	for _, backend := range testdb.Backends {
		t.Run(backend, func(t *testing.T) {
			var env []string
			db := testdb.Open(t, backend)
			dataDir := filepath.Dir(db.Where)
			if backend == "postgres" {
				db.Close()
				url := testdb.PostgresURL(t)
				env = append(env, "DATABASE_URL="+url)
				var err error
				if db, err = eventstore.OpenPostgres(context.Background(), url); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(db.Close)
			}
			lhuta := func(args ...string) *exec.Cmd {
				cmd := exec.Command(bin, append(args, "--data-dir", dataDir)...)
				cmd.Env = append(os.Environ(), env...)
				return cmd
			}
			if out, err := lhuta("migrate").CombinedOutput(); err != nil {
				t.Fatalf("migrate: %v\n%s", err, out)
			}
			seed(t, db, 6000)
			if out, err := lhuta("rebuild").CombinedOutput(); err != nil {
				t.Fatalf("rebuild: %v\n%s", err, out)
			}
			before := fingerprint(t, db.SQL)

			cmd := lhuta("rebuild")
			stdout, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := bufio.NewScanner(stdout)
			for lines.Scan() && !strings.Contains(lines.Text(), "events/s") {
			}
			if !strings.Contains(lines.Text(), "of 18000 events") || strings.Contains(lines.Text(), "(100%)") {
				t.Fatalf("the rebuild to kill printed %q; the test wants it half-way", lines.Text())
			}
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			if after := fingerprint(t, db.SQL); after != before {
				t.Fatalf("a killed rebuild changed the live read models:\nbefore %s\nafter  %s", before, after)
			}
			if out, err := lhuta("rebuild").CombinedOutput(); err != nil || !strings.Contains(string(out), "rebuild: done, 18000 events") {
				t.Fatalf("the rebuild after a killed one: %v\n%s", err, out)
			}
			if out, err := lhuta("rebuild", "--check").CombinedOutput(); err != nil || !strings.Contains(string(out), "equal the live ones") {
				t.Fatalf("check: %v\n%s", err, out)
			}
		})
	}
}

// seed appends n cases of three events each.
func seed(t *testing.T, db *eventstore.DB, n int) {
	t.Helper()
	store := eventstore.NewSQLStore(db.SQL, db.Dialect)
	day := calendar.NewDate(2026, 3, 2)
	js := func(v any) []byte { b, _ := json.Marshal(v); return b }
	for i := range n {
		reported := day.AddDays(i % 60)
		_, err := store.Append(context.Background(), uuid.NewString(), 0, eventstore.Metadata{RecordedBy: "seed", CorrelationID: uuid.NewString()},
			eventstore.NewEvent{Type: string(cases.CaseOpenedType), Data: js(cases.CaseOpened{Situation: cases.IDCardIncident,
				Office: fmt.Sprint("office-", i%5), OpenedOn: day,
				Citizen: cases.Citizen{ID: fmt.Sprint("c", i), BirthDate: calendar.NewDate(1980, 1, 1), FullName: "Test"}})},
			eventstore.NewEvent{Type: "IncidentReported", Data: js(map[string]string{"kind": "lost", "reported_on": reported.String(), "reported_to": "police"})},
			eventstore.NewEvent{Type: "ApplicationFiled", Data: js(map[string]string{"document": "id_card_chip",
				"filed_on": reported.AddDays(i % 25).String(), "track": "standard", "filing_office": "municipal_office"})})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// fingerprint sums up the live read models: their generation and a hash of every row.
func fingerprint(t *testing.T, db *sql.DB) string {
	t.Helper()
	h := sha256.New()
	var gen int64
	if err := db.QueryRow(`SELECT generation FROM read_model_generation`).Scan(&gen); err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, q := range []string{
		`SELECT case_id, version, state FROM case_view ORDER BY case_id`,
		`SELECT case_id, seq, due_on, resolved_on FROM obligation_view ORDER BY case_id, seq`,
		`SELECT kind, day, month, situation, status, n FROM stat_day ORDER BY 1, 2, 3, 4, 5`,
	} {
		r, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := r.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for r.Next() {
			if err := r.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(h, vals...)
			rows++
		}
		_ = r.Close()
	}
	return fmt.Sprintf("generation %d, %d rows, %x", gen, rows, h.Sum(nil)[:8])
}
