package handlers_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/projections"
)

// While a rebuild runs (in a process of its own in production: here beside
// the service, on the same database), the service's /metrics reports it
// from the database: running, events to fold; afterwards, not running.
func TestMetricsReportARebuildInProgress(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		s := newStack(t, db, calendar.NewDate(2026, 4, 10))
		for range 3 {
			id, _ := s.openCase("id_card_incident", "1980-05-17")
			s.record(id, "IncidentReported", map[string]any{"kind": "lost", "reported_on": "2026-04-01", "reported_to": "police"})
		}
		events, err := eventstore.NewSQLStore(db.SQL, db.Dialect).CountAfter(context.Background(), eventstore.Start)
		if err != nil {
			t.Fatal(err)
		}
		idle := s.do("GET", "/metrics", "", nil).raw
		if !strings.Contains(idle, "lhuta_rebuild_running 0\n") || strings.Contains(idle, "lhuta_rebuild_events_total") {
			t.Fatalf("/metrics before a rebuild:\n%s", grepRebuild(idle))
		}
		var during string
		if _, err := projections.Rebuild(context.Background(), db, func(done, total int64) {
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
