package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/handlers"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/projections"
)

// /metrics says what an operator alerts on: accepted commands by event
// type, the projection's position and lag, whether it fails, the database
// pool, and requests by numeric status code; no case ids anywhere.
func TestMetricsForAlerting(t *testing.T) {
	eachStack(t, calendar.NewDate(2026, 4, 10), func(t *testing.T, s *stack) {
		id, _ := s.openCase("id_card_incident", "1980-05-17")
		pos := s.record(id, "IncidentReported", map[string]any{"kind": "lost", "reported_on": "2026-04-01", "reported_to": "police"})
		s.caseAt(id, pos, "2026-04-10") // waits until the projection holds the report
		m := s.do("GET", "/metrics", "", nil).raw
		for _, want := range []string{
			`lhuta_commands_accepted_total{type="CaseOpened"} 1`,
			`lhuta_commands_accepted_total{type="IncidentReported"} 1`,
			`lhuta_http_requests_total{code="201",route="/v1/cases"} 1`,
			`lhuta_projection_lag_events 0`,
			`lhuta_projection_lag_seconds 0`,
			`lhuta_projection_failing 0`,
			`lhuta_projection_lag_up 1`,
			`go_sql_max_open_connections{db_name="lhuta"}`,
		} {
			if !strings.Contains(m, want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
		if !regexp.MustCompile(`(?m)^lhuta_projection_position [1-9]`).MatchString(m) {
			t.Error("/metrics has no projection position past 0")
		}
		if strings.Contains(m, id) {
			t.Error("/metrics names a case id")
		}
	})
}

// Reading a case or its history (personal data) leaves an audit line with
// the actor and the case; a list of obligations does not name the reader.
func TestReadsOfPersonalDataAreAudited(t *testing.T) {
	var logged bytes.Buffer
	s := newStackWith(t, testdb.SQLite(t), calendar.NewDate(2026, 4, 10), func(c *handlers.Config) {
		c.Log = slog.New(slog.NewTextHandler(&logged, nil))
	})
	id, pos := s.openCase("id_card_incident", "1980-05-17")
	s.caseAt(id, pos, "2026-04-10")
	if r := s.do("GET", "/v1/cases/"+id+"/events", "officer-token", nil); r.status != 200 {
		t.Fatalf("history: %d", r.status)
	}
	lines := strings.Split(logged.String(), "\n")
	var audits []string
	for _, l := range lines {
		if strings.Contains(l, "audit=true") {
			audits = append(audits, l)
		}
	}
	if len(audits) != 2 || !strings.Contains(audits[0], "actor=alice") || !strings.Contains(audits[0], "case_id="+id) ||
		!strings.Contains(audits[1], "actor=bob") || !strings.Contains(audits[1], "route=/v1/cases/{id}/events") {
		t.Fatalf("audit lines:\n%s", strings.Join(audits, "\n"))
	}
}

// A list's reads are kept a row a case (what GET /v1/me/reads answers
// from), in statements of a bounded number of rows: five cases over
// statements of two rows each.
func TestAListKeepsAReadRowForEachCase(t *testing.T) {
	old := handlers.SetReadsPerStatement(2)
	t.Cleanup(func() { handlers.SetReadsPerStatement(old) })
	eachStack(t, calendar.NewDate(2026, 4, 10), func(t *testing.T, s *stack) {
		want := map[string]bool{}
		var pos int64
		for range 5 {
			var id string
			id, pos = s.openCase("id_card_incident", "1980-05-17")
			want[id] = true
		}
		if r := s.do("GET", fmt.Sprintf("/v1/cases?min_position=%d", pos), "officer-token", nil); r.status != 200 {
			t.Fatalf("list: %d %s", r.status, r.raw)
		}
		rows := testdb.Rows(t, s.db.SQL, `SELECT case_id, actor, role, route FROM personal_data_reads WHERE route = '/v1/cases'`)
		got := map[string]bool{}
		for _, r := range rows {
			if r[1] != "bob" || r[2] != "compliance_officer" {
				t.Errorf("read row %v", r)
			}
			got[r[0].(string)] = true
		}
		if len(rows) != 5 || len(got) != 5 {
			t.Fatalf("%d read rows for %d cases listed: %v", len(rows), len(want), rows)
		}
		for id := range want {
			if !got[id] {
				t.Errorf("no read row of case %s", id)
			}
		}
	})
}

// While a rebuild runs (in a process of its own in production: here beside
// the service, on the same database), the service's /metrics reports it
// from the database: running, events to fold; afterwards, not running.
func TestMetricsReportARebuildInProgress(t *testing.T) {
	eachStack(t, calendar.NewDate(2026, 4, 10), func(t *testing.T, s *stack) {
		for range 3 {
			lostCard(s)
		}
		events := s.eventCount()
		idle := s.do("GET", "/metrics", "", nil).raw
		if !strings.Contains(idle, "lhuta_rebuild_running 0\n") || strings.Contains(idle, "lhuta_rebuild_events_total") {
			t.Fatalf("/metrics before a rebuild:\n%s", grepRebuild(idle))
		}
		var during string
		if _, err := projections.Rebuild(context.Background(), s.db, func(done, total int64) {
			if during == "" {
				during = s.do("GET", "/metrics", "", nil).raw
			}
		}); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"lhuta_rebuild_running 1\n", fmt.Sprintf("lhuta_rebuild_events_total %d\n", events)} {
			if !strings.Contains(during, want) {
				t.Errorf("/metrics during the rebuild lacks %q:\n%s", want, grepRebuild(during))
			}
		}
		if !regexp.MustCompile(`(?m)^lhuta_rebuild_events_done \d+$`).MatchString(during) ||
			!regexp.MustCompile(`(?m)^lhuta_rebuild_updated_timestamp_seconds [1-9]`).MatchString(during) {
			t.Errorf("/metrics during the rebuild:\n%s", grepRebuild(during))
		}
		after := s.do("GET", "/metrics", "", nil).raw
		if !strings.Contains(after, "lhuta_rebuild_running 0\n") || strings.Contains(after, "lhuta_rebuild_events_done") {
			t.Fatalf("/metrics after the rebuild:\n%s", grepRebuild(after))
		}
	})
}

func grepRebuild(metrics string) string {
	var lines []string
	for _, l := range strings.Split(metrics, "\n") {
		if strings.HasPrefix(l, "lhuta_rebuild") {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}
