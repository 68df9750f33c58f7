package main

import (
	"fmt"
	"io"
	"strings"
)

// printReport prints the results as Markdown tables.
func printReport(out io.Writer, res *Results) {
	o := res.Options
	fmt.Fprintf(out, "## lhuta-bench results\n\n")
	fmt.Fprintf(out, "Started %s on %d CPUs, %s, %s; backend %s, %d offices, seed %d, phases %s, %s per write/lag measurement.\n",
		res.StartedAt.Format("2006-01-02 15:04 UTC"), res.Machine.CPUs, res.Machine.GoVersion, res.Machine.Database,
		o.Backend, o.Offices, o.Seed, strings.Join(o.Only, ","), o.Duration)
	fmt.Fprintf(out, "The service runs in the benchmark's process (real handlers on a 127.0.0.1 listener, projection pipeline running); "+
		"\"today\" is fixed at %s. Figures from a shared machine are noisy.\n\n", benchToday)

	fmt.Fprintf(out, "### Log and rebuild\n\n")
	fmt.Fprintf(out, "| backend | cases | events | events/case | generate events/s | rebuild s | rebuild events/s | baseline | baseline rows | baseline s | baseline rows/s | baseline ≈ events/s | rebuild ÷ baseline |\n")
	fmt.Fprintf(out, "|---|--:|--:|--:|--:|--:|--:|---|--:|--:|--:|--:|--:|\n")
	for _, r := range res.Runs {
		g := r.Generate
		line := fmt.Sprintf("| %s | %d | %d | %.2f | %.0f |", r.Backend, r.Cases, g.Events, g.EventsPerCase, g.EventsPerSec)
		if rb := r.Rebuild; rb != nil {
			line += fmt.Sprintf(" %.1f | %.0f |", rb.Seconds, rb.EventsPerSec)
			if b := rb.Baseline; b != nil {
				line += fmt.Sprintf(" %s | %d | %.2f | %.0f | %.0f | %.1f× |", b.Method, b.Rows, b.Seconds, b.RowsPerSec, b.EquivalentEventsPerSec, b.Ratio)
			} else {
				line += " – | | | | | |"
			}
		} else {
			line += " – | – | – | | | | | |"
		}
		fmt.Fprintln(out, line)
	}

	if section(out, res, func(r *Run) bool { return len(r.Queries) > 0 }, "Queries (one client, over HTTP, after the rebuild)",
		"| backend | cases | query | requests | failed | items/answer | p50 ms | p99 ms | mean ms | max ms |",
		"|---|--:|---|--:|--:|--:|--:|--:|--:|--:|") {
		for _, r := range res.Runs {
			for _, q := range r.Queries {
				note := ""
				if q.Truncated {
					note = " (time budget)"
				}
				fmt.Fprintf(out, "| %s | %d | %s `%s` | %d%s | %d | %.1f | %.2f | %.2f | %.2f | %.1f |\n", r.Backend, r.Cases, q.Name, q.Example,
					q.Requests, note, q.Failures, q.Items, q.P50ms, q.P99ms, q.MeanMs, q.MaxMs)
			}
		}
	}

	if section(out, res, func(r *Run) bool { return len(r.Writes) > 0 },
		"Writes (`POST /v1/cases`, closed loop) beside single-row INSERTs of CaseOpened-sized rows into a copy of `events` with all its rows and indexes",
		"| backend | cases | clients | HTTP commands/s | HTTP p50 ms | HTTP p99 ms | failed | INSERTs/s | INSERT p50 ms | INSERT p99 ms | failed | HTTP ÷ INSERT | read models caught up after s |",
		"|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|") {
		for _, r := range res.Runs {
			for _, w := range r.Writes {
				fmt.Fprintf(out, "| %s | %d | %d | %.0f | %.2f | %.2f | %d | %.0f | %.2f | %.2f | %d | %.2f | %.2f |\n", r.Backend, r.Cases, w.Clients,
					w.HTTPPerSec, w.HTTPP50ms, w.HTTPP99ms, w.HTTPFailures, w.BaselinePerSec, w.BaselineP50ms, w.BaselineP99ms, w.BaselineFailures, w.Ratio, w.CatchUpSeconds)
			}
		}
	}

	if section(out, res, func(r *Run) bool { return r.Lag != nil },
		"Projection lag (open loop; from a write's 201 until `GET /v1/cases/{id}?min_position=` answers)",
		"| backend | cases | rate/s | clients | s | accepted | achieved/s | lag p50 ms | lag p99 ms | lag max ms | write p50 ms | write p99 ms | late (> 10 ms) | max late ms | failed |",
		"|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|") {
		for _, r := range res.Runs {
			if l := r.Lag; l != nil {
				fmt.Fprintf(out, "| %s | %d | %d | %d | %.1f | %d | %.0f | %.2f | %.2f | %.1f | %.2f | %.2f | %d of %d | %.0f | %d |\n", r.Backend, r.Cases,
					l.Rate, l.Clients, l.Seconds, l.Accepted, l.AchievedPerSec, l.P50ms, l.P99ms, l.MaxMs, l.WriteP50ms, l.WriteP99ms,
					l.Late, l.Scheduled, l.MaxLateMs, l.WriteFailures+l.ReadFailures)
			}
		}
	}

	if section(out, res, func(r *Run) bool { return len(r.RSS) > 0 }, "Peak RSS of the process (benchmark and in-process service together), MiB",
		"| backend | cases | phase | peak (VmHWM) | at end (VmRSS) |", "|---|--:|---|--:|--:|") {
		for _, r := range res.Runs {
			for _, p := range r.RSS {
				note := ""
				if !p.PeakReset {
					note = " (since start)"
				}
				fmt.Fprintf(out, "| %s | %d | %s | %.0f%s | %.0f |\n", r.Backend, r.Cases, p.Phase, p.PeakMiB, note, p.NowMiB)
			}
		}
	}

	fmt.Fprintf(out, "\n### Phases, wall clock\n\n| backend | cases | phase | seconds |\n|---|--:|---|--:|\n")
	for _, r := range res.Runs {
		for _, p := range r.Phases {
			fmt.Fprintf(out, "| %s | %d | %s | %.1f |\n", r.Backend, r.Cases, p.Phase, p.Seconds)
		}
	}
	fmt.Fprintln(out)
	for _, r := range res.Runs {
		verified := "not verified"
		if r.Verify != nil {
			verified = fmt.Sprintf("%d sampled cases read back as the domain folded them, %d differed", r.Verify.Checked-r.Verify.Failed, r.Verify.Failed)
		}
		fmt.Fprintf(out, "%s, %d cases: %d failures in all (%s; %d generated facts refused).\n", r.Backend, r.Cases, r.Failures, verified, r.Generate.Refused)
	}
}

// section writes a table's heading and header lines if some run has rows
// for it, and reports whether it did.
func section(out io.Writer, res *Results, has func(*Run) bool, heading string, header ...string) bool {
	if !anyRun(res, has) {
		return false
	}
	fmt.Fprintf(out, "\n### %s\n\n", heading)
	for _, line := range header {
		fmt.Fprintln(out, line)
	}
	return true
}

func anyRun(res *Results, f func(*Run) bool) bool {
	for _, r := range res.Runs {
		if f(r) {
			return true
		}
	}
	return false
}
