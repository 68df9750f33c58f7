package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
)

// noCacheQueries are the dashboard's payment totals computed fresh: a
// read with min_position skips the totals' cache (projections.TotalsFresh),
// so these measure what the aggregates cost.
func noCacheQueries(o options) []query {
	return []query{
		{"stats, 2025, no cache", dashboardToken, func(*rand.Rand) string {
			return "/v1/stats?from=2025-01-01&to=2025-12-31&min_position=1"
		}},
		{"stats, this year, no cache", dashboardToken, func(*rand.Rand) string {
			return "/v1/stats?from=2026-01-01&to=" + benchToday.String() + "&min_position=1"
		}},
		{"stats, 2025, one office, no cache", dashboardToken, func(r *rand.Rand) string {
			return "/v1/stats?from=2025-01-01&to=2025-12-31&min_position=1&office=" + o.randomOffice(r)
		}},
		{"payments, overdue, all offices", officerToken, func(*rand.Rand) string { return "/v1/payments?status=overdue&limit=100" }},
		{"payments, paid late, one office", officerToken, func(r *rand.Rand) string {
			return "/v1/payments?status=paid_late&limit=100&office=" + o.randomOffice(r)
		}},
	}
}

// printTargets prints issue 24's query targets with this run's figures.
func printTargets(out io.Writer, qs []QueryResult) {
	fmt.Fprintf(out, "\ntargets (issue 24):\n")
	for _, q := range qs {
		var limit float64
		switch {
		case strings.HasPrefix(q.Name, "payments"):
			limit = 20
		case strings.HasPrefix(q.Name, "stats") && strings.HasSuffix(q.Name, "no cache"):
			limit = 50
		default:
			continue
		}
		verdict := "met"
		if q.P99ms > limit || q.Failures > 0 {
			verdict = "MISSED"
		}
		fmt.Fprintf(out, "  %-40s p99 %7.1f ms (target ≤ %.0f ms): %s\n", q.Name, q.P99ms, limit, verdict)
	}
}
