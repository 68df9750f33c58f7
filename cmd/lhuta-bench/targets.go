package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/credits"
)

// noCacheQueries are the dashboard's payment totals computed fresh: a
// read with min_position skips the totals' cache (views.TotalsFresh),
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
		{"payments, unmatched credits", clerkToken, func(*rand.Rand) string {
			return "/v1/unmatched-credits?status=open&limit=100&office=" + localFeeOffice
		}},
	}
}

// seedUnmatchedCredits stores one unmatched statement credit for every
// hundred cases at the local-fee office, as imports of bank statements
// would (the generated log has none: credits are not events).
func seedUnmatchedCredits(ctx context.Context, db *eventstore.DB, n int) (int, error) {
	ledger := credits.New(db.SQL)
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	stored := 0
	for i := range max(1, n/100) {
		_, ok, err := ledger.Claim(ctx, credits.Credit{Office: localFeeOffice, BookedOn: benchToday.AddDays(-i % 300),
			AmountCZK: 100 + i%1400, VariableSymbol: strconv.Itoa(900000 + i), Message: "platba " + strconv.Itoa(i),
			CounterParty: "Neznámý plátce", BankReference: fmt.Sprintf("bench-unmatched-%d", i), Statement: "bench",
			Status: credits.Open, Reason: "no case names the payer or owes the amount"}, at)
		if err != nil {
			return stored, err
		}
		if ok {
			stored++
		}
	}
	return stored, nil
}

// localFeePayers counts the local-fee payers' cases the read models hold.
func localFeePayers(ctx context.Context, db *eventstore.DB) (int64, error) {
	var n int64
	err := db.SQL.QueryRowContext(ctx, `SELECT COUNT(*) FROM case_view WHERE situation = $1`, string(cases.LocalFee)).Scan(&n)
	return n, err
}

// printAllTargets prints every target of issue 24 with this run's figure
// and whether it was met: the payment lists and totals per case count, the
// writes' share of raw INSERTs at 8 and 32 clients, the rebuild's rate, and
// the largest case count's p99 against the smallest's.
func printAllTargets(out io.Writer, runs []*Run) {
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "MISSED"
	}
	fmt.Fprintf(out, "\n### Issue 24's targets, this run\n\n| cases | target | figure | verdict |\n|--:|---|--:|---|\n")
	for _, r := range runs {
		if r.LocalFeePayers > 0 {
			fmt.Fprintf(out, "| %d | local-fee payers ≥ 60 000 (at 1 000 000 cases) | %d | %s |\n", r.Cases, r.LocalFeePayers,
				map[bool]string{true: verdict(r.LocalFeePayers >= 60000), false: "– (not 1 000 000 cases)"}[r.Cases >= 1000000])
		}
		for _, q := range r.Queries {
			limit, ok := queryTarget(q.Name)
			if !ok {
				continue
			}
			fmt.Fprintf(out, "| %d | %s: p99 ≤ %.0f ms | %.2f ms | %s |\n", r.Cases, q.Name, limit, q.P99ms, verdict(q.P99ms <= limit && q.Failures == 0))
		}
		for _, w := range r.Writes {
			if w.Clients != 8 && w.Clients != 32 {
				continue
			}
			fmt.Fprintf(out, "| %d | writes at %d clients ≥ 50 %% of raw INSERTs | %.1f %% (%.0f of %.0f/s) | %s |\n", r.Cases, w.Clients,
				100*w.Ratio, w.HTTPPerSec, w.BaselinePerSec, verdict(w.Ratio >= 0.5))
		}
		if r.Rebuild != nil {
			fmt.Fprintf(out, "| %d | rebuild ≥ 80 000 events/s | %.0f events/s (%d events in %.1f s) | %s |\n", r.Cases, r.Rebuild.EventsPerSec,
				r.Rebuild.Events, r.Rebuild.Seconds, verdict(r.Rebuild.EventsPerSec >= 80000))
		}
	}
	if len(runs) < 2 {
		return
	}
	small, large := runs[0], runs[len(runs)-1]
	for _, lq := range large.Queries {
		if _, ok := queryTarget(lq.Name); !ok {
			continue
		}
		for _, sq := range small.Queries {
			if sq.Name == lq.Name && sq.P99ms > 0 {
				fmt.Fprintf(out, "| %d ÷ %d | %s: p99 ≤ 1.5 × | %.2f × | %s |\n", large.Cases, small.Cases, lq.Name, lq.P99ms/sq.P99ms,
					verdict(lq.P99ms <= 1.5*sq.P99ms))
			}
		}
	}
}

// queryTarget is a query's p99 target in ms: 20 for the payment lists, 50
// for the payment totals without cache.
func queryTarget(name string) (float64, bool) {
	switch {
	case strings.HasPrefix(name, "payments"):
		return 20, true
	case strings.HasPrefix(name, "stats") && strings.HasSuffix(name, "no cache"):
		return 50, true
	}
	return 0, false
}

// printTargets prints issue 24's query targets with this run's figures.
func printTargets(out io.Writer, qs []QueryResult) {
	fmt.Fprintf(out, "\ntargets (issue 24):\n")
	for _, q := range qs {
		limit, ok := queryTarget(q.Name)
		if !ok {
			continue
		}
		verdict := "met"
		if q.P99ms > limit || q.Failures > 0 {
			verdict = "MISSED"
		}
		fmt.Fprintf(out, "  %-40s p99 %7.1f ms (target ≤ %.0f ms): %s\n", q.Name, q.P99ms, limit, verdict)
	}
}
