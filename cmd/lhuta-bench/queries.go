package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/lhuta/lhuta/domain/cases"
)

// QueryResult is the latency of one kind of query, one client at a time.
type QueryResult struct {
	Name     string  `json:"name"`
	Example  string  `json:"example"`
	Requests int     `json:"requests"`
	Failures int     `json:"failures"`
	P50ms    float64 `json:"p50_ms"`
	P99ms    float64 `json:"p99_ms"`
	MeanMs   float64 `json:"mean_ms"`
	MaxMs    float64 `json:"max_ms"`
	// Items is the mean number of items a list answered (1 for a case or stats).
	Items float64 `json:"items"`
	// Truncated is set when the query's time budget ended it before -requests.
	Truncated bool   `json:"truncated,omitempty"`
	Error     string `json:"error,omitempty"`
}

type query struct {
	name  string
	token string
	path  func(r *rand.Rand) string
}

func (o options) randomOffice(r *rand.Rand) string {
	return fmt.Sprintf("office-%03d", 1+r.IntN(o.Offices))
}

// randomDay returns a day of the generated ten years.
func randomDay(r *rand.Rand) string {
	return firstDay.AddDays(r.IntN(firstDay.DaysUntil(lastDay) + 1)).String()
}

func queries(o options, samples []sampleCase) []query {
	return append([]query{
		{"case by id", officerToken, func(r *rand.Rand) string { return "/v1/cases/" + samples[r.IntN(len(samples))].ID }},
		{"overdue, all offices", officerToken, func(*rand.Rand) string { return "/v1/obligations?status=overdue&limit=100" }},
		{"overdue, one office", officerToken, func(r *rand.Rand) string {
			return "/v1/obligations?status=overdue&limit=100&office=" + o.randomOffice(r)
		}},
		{"open as of a past day", officerToken, func(r *rand.Rand) string {
			return "/v1/obligations?status=open&limit=100&as_of=" + randomDay(r)
		}},
		{"due in 30 days, one office", officerToken, func(r *rand.Rand) string {
			from := firstDay.AddDays(r.IntN(firstDay.DaysUntil(lastDay) + 1))
			return fmt.Sprintf("/v1/obligations?office=%s&due_from=%s&due_to=%s&limit=100", o.randomOffice(r), from, from.AddDays(30))
		}},
		{"flags, all offices", officerToken, func(*rand.Rand) string { return "/v1/flags?limit=100" }},
		{"flags, one office", officerToken, func(r *rand.Rand) string { return "/v1/flags?limit=100&office=" + o.randomOffice(r) }},
		{"payments, overdue fines, one office", officerToken, func(r *rand.Rand) string {
			return "/v1/payments?status=overdue&kind=fine&limit=100&office=" + o.randomOffice(r)
		}},
		{"payments, all offices", officerToken, func(*rand.Rand) string { return "/v1/payments?limit=100" }},
		{"payments, overdue local fees", officerToken, func(*rand.Rand) string {
			return "/v1/payments?status=overdue&kind=local_fee&limit=100&office=" + localFeeOffice
		}},
		{"payments of a citizen", clerkToken, func(r *rand.Rand) string {
			return "/v1/citizens/" + payer(samples, r) + "/payments"
		}},
		{"stats, 2025", dashboardToken, func(*rand.Rand) string { return "/v1/stats?from=2025-01-01&to=2025-12-31" }},
		{"stats, all time", dashboardToken, func(*rand.Rand) string { return "/v1/stats?from=2016-01-01" }},
		{"stats, 2025, one office", dashboardToken, func(r *rand.Rand) string {
			return "/v1/stats?from=2025-01-01&to=2025-12-31&office=" + o.randomOffice(r)
		}},
	}, noCacheQueries(o)...)
}

// payer returns the citizen of a random sampled local-fee case (of any
// case where the samples hold none).
func payer(samples []sampleCase, r *rand.Rand) string {
	for range 100 {
		if c := samples[r.IntN(len(samples))]; c.Situation == string(cases.LocalFee) {
			return c.Citizen
		}
	}
	return samples[r.IntN(len(samples))].Citizen
}

// queriesPhase measures each query's latency over -requests requests, one
// at a time, after a warm-up of a tenth as many; every answer must be 200.
func queriesPhase(ctx context.Context, s *service, samples []sampleCase, o options, out io.Writer) ([]QueryResult, error) {
	r := rand.New(rand.NewPCG(o.Seed, 0xC0FFEE))
	var results []QueryResult
	for _, q := range queries(o, samples) {
		res := QueryResult{Name: q.name, Example: q.path(r)}
		warm := max(3, o.Requests/10)
		budget := time.Now().Add(o.QueryBudget)
		var lat []time.Duration
		items := 0
		for i := 0; i < warm+o.Requests; i++ {
			if i >= warm && time.Now().After(budget) && len(lat) > 0 {
				res.Truncated = true
				break
			}
			path := q.path(r)
			start := time.Now()
			status, body, err := s.do(ctx, "GET", path, q.token, nil)
			took := time.Since(start)
			if ctx.Err() != nil {
				return results, ctx.Err()
			}
			if err != nil || status != http.StatusOK {
				if i >= warm {
					res.Failures++
				}
				if res.Error == "" {
					res.Error = fmt.Sprintf("%s: %d %v %.200s", path, status, err, body)
				}
				continue
			}
			if i >= warm {
				lat = append(lat, took)
				var list struct {
					Items []json.RawMessage `json:"items"`
				}
				if json.Unmarshal(body, &list) == nil && list.Items != nil {
					items += len(list.Items)
				} else if !strings.Contains(path, "/v1/obligations") && !strings.Contains(path, "/v1/flags") {
					items++
				}
			}
		}
		res.Requests = len(lat) + res.Failures
		res.P50ms, res.P99ms, res.MeanMs, res.MaxMs = percentiles(lat)
		res.Items = float64(items) / float64(max(1, len(lat)))
		fmt.Fprintf(out, "queries: %-28s %4d requests, p50 %7.2f ms, p99 %7.2f ms, %5.1f items, %d failed%s\n",
			q.name, res.Requests, res.P50ms, res.P99ms, res.Items, res.Failures, map[bool]string{true: " (time budget reached)"}[res.Truncated])
		if res.Error != "" {
			fmt.Fprintf(out, "queries:   first failure: %s\n", res.Error)
		}
		results = append(results, res)
	}
	return results, nil
}

// percentiles returns p50, p99, mean and max in milliseconds (nearest rank).
func percentiles(lat []time.Duration) (p50, p99, mean, maxMs float64) {
	if len(lat) == 0 {
		return 0, 0, 0, 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	rank := func(p float64) float64 {
		i := int(p*float64(len(s))+0.999999) - 1
		return ms(s[min(len(s)-1, max(0, i))])
	}
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return rank(0.50), rank(0.99), ms(sum) / float64(len(s)), ms(s[len(s)-1])
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
