package handlers_test

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/internal/testdb"
)

// caseLength is how many facts the benchmark records on one case
// (LHUTA_BENCH_CASE_LENGTH overrides it, to measure long streams).
var caseLength = 10

// BenchmarkReadYourWrite records a fact and reads the case back with
// min_position, as a clerk's client does; it reports the median and 99th
// percentile of the read alone (the wait for the projection). Results are
// written down in docs/PERFORMANCE.md.
func BenchmarkReadYourWrite(b *testing.B) {
	if n, err := strconv.Atoi(os.Getenv("LHUTA_BENCH_CASE_LENGTH")); err == nil && n > 0 {
		caseLength = n
	}
	for _, backend := range testdb.Backends {
		b.Run(backend, func(b *testing.B) {
			s := newStack(b, testdb.Open(b, backend), calendar.NewDate(2026, 5, 15))
			var id string
			reads := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				if i%caseLength == 0 { // real cases hold tens of events, not thousands
					id, _ = s.openCase("id_card_incident", "1980-05-17")
					s.record(id, "IncidentReported", map[string]any{"kind": "lost", "reported_on": "2026-01-02", "reported_to": "police"})
				}
				// Someone keeps using the lost card: a fact that may repeat.
				pos := s.record(id, "LostCardUsed", map[string]any{"used_on": calendar.NewDate(2026, 1, 2).AddDays(i % 120).String()})
				start := time.Now()
				r := s.do("GET", fmt.Sprintf("/v1/cases/%s?min_position=%d", id, pos), "clerk-token", nil)
				reads = append(reads, time.Since(start))
				if r.status != 200 {
					b.Fatalf("read: %d %s", r.status, r.raw)
				}
			}
			b.StopTimer()
			sort.Slice(reads, func(i, j int) bool { return reads[i] < reads[j] })
			b.ReportMetric(float64(reads[len(reads)/2].Microseconds())/1000, "ms-read-p50")
			b.ReportMetric(float64(reads[len(reads)*99/100].Microseconds())/1000, "ms-read-p99")
		})
	}
}
