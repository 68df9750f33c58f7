// Command lhuta-bench measures lhuta at scale (issue 8): it generates a
// realistic log of N cases straight into the events table, rebuilds the read
// models from it, and then runs the service in-process (the real handlers,
// wired as cmd/lhuta wires them) to measure queries, writes and projection
// lag over HTTP, each beside a baseline of what the database alone does.
//
//	go run ./cmd/lhuta-bench -backend postgres -cases 100000
//	go run ./cmd/lhuta-bench -backend sqlite -cases 1000 -duration 2s -json out.json
//
// It uses only the HTTP API, projections.Rebuild, projections.New(…).Run,
// eventstore and migrations, so that it keeps working while the read
// models' internals change.
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx" for the admin connection

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/vault"
	"github.com/lhuta/lhuta/migrations"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	_, err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "lhuta-bench:", err)
		os.Exit(1)
	}
}

// defaultPostgres is the admin URL the benchmark creates its databases on.
const defaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

var allPhases = []string{"rebuild", "queries", "writes", "lag", "rss"}

type options struct {
	Backend     string        `json:"backend"`
	Cases       []int         `json:"cases"`
	Offices     int           `json:"offices"`
	Seed        uint64        `json:"seed"`
	Only        []string      `json:"only"`
	Duration    time.Duration `json:"-"`
	DurationStr string        `json:"duration"`
	Requests    int           `json:"requests"`
	QueryBudget time.Duration `json:"-"`
	Clients     []int         `json:"clients"`
	LagRate     int           `json:"lag_rate"`
	LagClients  int           `json:"lag_clients"`
	PG          string        `json:"-"`
	Keep        bool          `json:"keep"`
	JSON        string        `json:"-"`
	Verbose     bool          `json:"-"`
	CPUProfile  string        `json:"-"`
	// PoolMaxConns is pool_max_conns of the benchmark database's URL (0: pgx's default).
	PoolMaxConns int `json:"pool_max_conns,omitempty"`
	// Seal gives the service a vault, as lhuta serve has: its writes seal
	// personal values (the generated log stays in plaintext, read as a
	// database from before sealing).
	Seal bool `json:"seal"`
}

func (o options) want(phase string) bool { return slices.Contains(o.Only, phase) }

func parseOptions(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("lhuta-bench", flag.ContinueOnError)
	fs.StringVar(&o.Backend, "backend", "postgres", "postgres or sqlite")
	casesFlag := fs.String("cases", "100000", "number of cases; a comma list runs each on a fresh database")
	fs.IntVar(&o.Offices, "offices", 200, "number of offices (office-001 …)")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the generated log")
	only := fs.String("only", strings.Join(allPhases, ","), "phases to run: "+strings.Join(allPhases, ","))
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "length of each write and lag measurement")
	fs.IntVar(&o.Requests, "requests", 300, "measured requests per query (after a warm-up of a tenth)")
	fs.DurationVar(&o.QueryBudget, "query-budget", 3*time.Minute, "time limit per query kind; fewer requests are measured past it")
	clients := fs.String("clients", "1,8,32", "concurrent clients of the write phase")
	fs.IntVar(&o.LagRate, "lag-rate", 500, "commands per second of the lag phase (open loop)")
	fs.IntVar(&o.LagClients, "lag-clients", 64, "clients sharing the lag phase's schedule")
	fs.StringVar(&o.PG, "pg", defaultPostgres, "PostgreSQL admin URL; a fresh database lhuta_bench_<random> is created on it")
	fs.BoolVar(&o.Seal, "seal", true, "seal personal values in the service's writes, as lhuta serve does (a fresh KEK in a temporary directory)")
	fs.IntVar(&o.PoolMaxConns, "pool-max-conns", 0, "connections of the service's PostgreSQL pool (pool_max_conns of DATABASE_URL; 0: pgx's default, max(4, CPUs))")
	fs.BoolVar(&o.Keep, "keep", false, "keep the benchmark database (or SQLite directory) at the end")
	fs.StringVar(&o.JSON, "json", "", "also write all results as JSON to this file")
	fs.BoolVar(&o.Verbose, "v", false, "log the service's warnings and errors to stderr")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.Backend != "postgres" && o.Backend != "sqlite" {
		return o, fmt.Errorf("-backend %q: postgres or sqlite", o.Backend)
	}
	var err error
	if o.Cases, err = intList(*casesFlag, 1); err != nil {
		return o, fmt.Errorf("-cases: %w", err)
	}
	if o.Clients, err = intList(*clients, 1); err != nil {
		return o, fmt.Errorf("-clients: %w", err)
	}
	for _, p := range strings.Split(*only, ",") {
		p = strings.TrimSpace(p)
		if !slices.Contains(allPhases, p) {
			return o, fmt.Errorf("-only: unknown phase %q (%s)", p, strings.Join(allPhases, ", "))
		}
		o.Only = append(o.Only, p)
	}
	if o.Offices < 1 || o.Offices > 999 || o.Requests < 1 || o.LagRate < 1 || o.LagClients < 1 || o.Duration <= 0 {
		return o, errors.New("-offices must be 1…999; -requests, -lag-rate, -lag-clients and -duration positive")
	}
	o.DurationStr = o.Duration.String()
	return o, nil
}

func intList(s string, least int) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.ReplaceAll(strings.TrimSpace(f), "_", ""))
		if err != nil || n < least {
			return nil, fmt.Errorf("%q is not a whole number ≥ %d", f, least)
		}
		out = append(out, n)
	}
	return out, nil
}

// Results is everything one invocation measured.
type Results struct {
	Options   options   `json:"options"`
	Machine   machine   `json:"machine"`
	StartedAt time.Time `json:"started_at"`
	Runs      []*Run    `json:"runs"`
}

type machine struct {
	CPUs      int    `json:"cpus"`
	GoVersion string `json:"go_version"`
	Database  string `json:"database"`
}

// Run is the measurements of one N on one fresh database.
type Run struct {
	Backend  string          `json:"backend"`
	Cases    int             `json:"cases"`
	Generate GenResult       `json:"generate"`
	Rebuild  *RebuildResult  `json:"rebuild,omitempty"`
	Verify   *VerifyResult   `json:"verify,omitempty"`
	Queries  []QueryResult   `json:"queries,omitempty"`
	Writes   []WriteResult   `json:"writes,omitempty"`
	Lag      *LagResult      `json:"lag,omitempty"`
	RSS      []RSSPoint      `json:"rss,omitempty"`
	Phases   []PhaseDuration `json:"phases"`
	// LocalFeePayers is how many local-fee payers' cases the read models hold.
	LocalFeePayers int64 `json:"local_fee_payers"`
	// UnmatchedCredits is how many unmatched statement credits were stored.
	UnmatchedCredits int `json:"unmatched_credits"`
	// Failures counts every request that did not get the answer it should
	// (and every fact the generator's domain refused): 0 for a valid run.
	Failures int `json:"failures"`
}

// PhaseDuration is how long a phase took, wall clock.
type PhaseDuration struct {
	Phase   string  `json:"phase"`
	Seconds float64 `json:"seconds"`
}

// run runs the benchmark and prints its results; it returns them too.
func run(ctx context.Context, args []string, out io.Writer) (*Results, error) {
	o, err := parseOptions(args)
	if errors.Is(err, flag.ErrHelp) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if o.CPUProfile != "" {
		f, err := os.Create(o.CPUProfile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	res := &Results{Options: o, StartedAt: time.Now().UTC(), Machine: machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}}
	level := slog.LevelError + 100
	if o.Verbose {
		level = slog.LevelWarn
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	var runErr error
	for _, n := range o.Cases {
		r, err := runOne(ctx, o, n, res, log, out)
		if r != nil {
			res.Runs = append(res.Runs, r)
		}
		if err != nil {
			runErr = fmt.Errorf("%s, %d cases: %w", o.Backend, n, err)
			break
		}
	}
	fmt.Fprintln(out)
	printReport(out, res)
	printAllTargets(out, res.Runs)
	if o.JSON != "" {
		b, err := json.MarshalIndent(res, "", "  ")
		if err == nil {
			err = os.WriteFile(o.JSON, append(b, '\n'), 0o644)
		}
		if err != nil && runErr == nil {
			runErr = fmt.Errorf("write %s: %w", o.JSON, err)
		}
	}
	return res, runErr
}

// runOne measures one N on a fresh database.
func runOne(ctx context.Context, o options, n int, res *Results, log *slog.Logger, out io.Writer) (*Run, error) {
	r := &Run{Backend: o.Backend, Cases: n}
	fmt.Fprintf(out, "== %s, %d cases, %d offices, seed %d ==\n", o.Backend, n, o.Offices, o.Seed)
	db, where, cleanup, err := freshDatabase(ctx, o)
	if err != nil {
		return nil, err
	}
	defer func() {
		db.Close()
		if o.Keep {
			fmt.Fprintf(out, "kept the database: %s\n", where)
			return
		}
		if err := cleanup(); err != nil {
			fmt.Fprintf(out, "could not remove %s: %v\n", where, err)
		}
	}()
	if db.Dialect.Name == "postgres" {
		var v string
		if err := db.SQL.QueryRowContext(ctx, `SHOW server_version`).Scan(&v); err == nil {
			res.Machine.Database = "PostgreSQL " + v
		}
	} else {
		var v string
		if err := db.SQL.QueryRowContext(ctx, `SELECT sqlite_version()`).Scan(&v); err == nil {
			res.Machine.Database = "SQLite " + v
		}
	}
	fmt.Fprintf(out, "database: %s\n", where)
	phase := func(name string, fn func() error) error {
		resetPeakRSS()
		start := time.Now()
		err := fn()
		secs := time.Since(start).Seconds()
		r.Phases = append(r.Phases, PhaseDuration{name, secs})
		if o.want("rss") {
			r.RSS = append(r.RSS, readRSS(name))
		}
		fmt.Fprintf(out, "%s: took %s\n", name, time.Duration(secs*float64(time.Second)).Round(time.Millisecond))
		return err
	}

	var samples []sampleCase
	err = phase("generate", func() error {
		var err error
		r.Generate, samples, err = generate(ctx, db, n, o.Offices, o.Seed, 20000, out)
		if err == nil {
			fmt.Fprintf(out, "generate: %d cases, %d events (%.2f per case), %.0f events/s; %.1f of %.1f s in bulk inserts\n",
				n, r.Generate.Events, r.Generate.EventsPerCase, r.Generate.EventsPerSec, r.Generate.InsertSeconds, r.Generate.Seconds)
		}
		return err
	})
	if err != nil {
		return r, err
	}
	if r.Generate.Refused > 0 {
		r.Failures += r.Generate.Refused
		fmt.Fprintf(out, "generate: the domain refused %d generated facts (left out), e.g. %s\n", r.Generate.Refused, r.Generate.LastError)
	}

	needService := o.want("queries") || o.want("writes") || o.want("lag")
	if o.want("rebuild") || needService {
		// The read models are needed by every later phase, so the rebuild runs
		// whenever one of them does; its COPY baseline only when asked for.
		err = phase("rebuild", func() error {
			var err error
			r.Rebuild, err = rebuildPhase(ctx, db, o.want("rebuild"), out)
			return err
		})
		if err != nil {
			return r, err
		}
	}
	if !needService {
		return r, nil
	}
	// The service is measured in its steady state: after millions of rows
	// were just loaded, autovacuum would otherwise run through the measurements.
	if db.Dialect.Name == "postgres" {
		err = phase("vacuum", func() error {
			_, err := db.SQL.ExecContext(ctx, `VACUUM ANALYZE`)
			return err
		})
		if err != nil {
			return r, err
		}
	}

	if r.LocalFeePayers, err = localFeePayers(ctx, db); err != nil {
		return r, err
	}
	if o.want("queries") {
		if r.UnmatchedCredits, err = seedUnmatchedCredits(ctx, db, n); err != nil {
			return r, fmt.Errorf("unmatched credits: %w", err)
		}
		fmt.Fprintf(out, "queries: %d local-fee payers; %d unmatched credits stored for the fee department's list\n", r.LocalFeePayers, r.UnmatchedCredits)
	}
	svc, err := startService(ctx, db, log)
	if err != nil {
		return r, err
	}
	defer svc.close()
	err = phase("verify", func() error {
		var err error
		r.Verify, err = verifyCases(ctx, svc, samples, 200)
		if err == nil {
			r.Failures += r.Verify.Failed
			fmt.Fprintf(out, "verify: %d sampled cases read back through HTTP, %d differ from the domain's fold\n", r.Verify.Checked, r.Verify.Failed)
			if r.Verify.Failed > 0 {
				fmt.Fprintf(out, "verify: e.g. %s\n", r.Verify.Example)
			}
		}
		return err
	})
	if err != nil {
		return r, err
	}
	if o.want("queries") {
		err = phase("queries", func() error {
			var err error
			r.Queries, err = queriesPhase(ctx, svc, samples, o, out)
			printTargets(out, r.Queries)
			for _, q := range r.Queries {
				r.Failures += q.Failures
			}
			return err
		})
		if err != nil {
			return r, err
		}
	}
	if o.want("writes") {
		err = phase("writes", func() error {
			var err error
			r.Writes, err = writesPhase(ctx, svc, db, o, out)
			for _, w := range r.Writes {
				r.Failures += w.HTTPFailures + w.BaselineFailures
			}
			return err
		})
		if err != nil {
			return r, err
		}
	}
	if o.want("lag") {
		err = phase("lag", func() error {
			var err error
			r.Lag, err = lagPhase(ctx, svc, o, out)
			if r.Lag != nil {
				r.Failures += r.Lag.WriteFailures + r.Lag.ReadFailures
			}
			return err
		})
		if err != nil {
			return r, err
		}
	}
	return r, nil
}

// freshDatabase creates and migrates an empty database: lhuta_bench_<random>
// on the PostgreSQL server, or a SQLite file in a new temporary directory.
// cleanup drops (removes) it.
func freshDatabase(ctx context.Context, o options) (*eventstore.DB, string, func() error, error) {
	var (
		db      *eventstore.DB
		where   string
		cleanup func() error
		err     error
	)
	if o.Backend == "sqlite" {
		dir, err := os.MkdirTemp("", "lhuta-bench-")
		if err != nil {
			return nil, "", nil, err
		}
		if db, err = eventstore.OpenSQLite(dir); err != nil {
			_ = os.RemoveAll(dir)
			return nil, "", nil, err
		}
		where, cleanup = db.Where, func() error { return os.RemoveAll(dir) }
	} else {
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		name := "lhuta_bench_" + hex.EncodeToString(b)
		admin, err := sql.Open("pgx", o.PG)
		if err == nil {
			_, err = admin.ExecContext(ctx, "CREATE DATABASE "+name)
		}
		if err != nil {
			if admin != nil {
				_ = admin.Close()
			}
			return nil, "", nil, fmt.Errorf("create database on %s: %w", redacted(o.PG), err)
		}
		cleanup = func() error {
			defer admin.Close()
			_, err := admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			return err
		}
		u, err := url.Parse(o.PG)
		if err != nil {
			_ = cleanup()
			return nil, "", nil, err
		}
		u.Path = "/" + name
		if o.PoolMaxConns > 0 {
			q := u.Query()
			q.Set("pool_max_conns", strconv.Itoa(o.PoolMaxConns))
			u.RawQuery = q.Encode()
		}
		if db, err = eventstore.OpenPostgres(ctx, u.String()); err != nil {
			_ = cleanup()
			return nil, "", nil, err
		}
		where = db.Where
	}
	if _, err = migrations.Up(ctx, db.SQL, db.Dialect.Name); err != nil {
		db.Close()
		_ = cleanup()
		return nil, "", nil, err
	}
	if o.Seal {
		if err := attachVault(db, &cleanup); err != nil {
			db.Close()
			_ = cleanup()
			return nil, "", nil, err
		}
	}
	return db, where, cleanup, nil
}

// attachVault gives db a vault under a fresh KEK in a temporary directory,
// removed with the database.
func attachVault(db *eventstore.DB, cleanup *func() error) error {
	dir, err := os.MkdirTemp("", "lhuta-bench-kek-")
	if err != nil {
		return err
	}
	next := *cleanup
	*cleanup = func() error { return errors.Join(next(), os.RemoveAll(dir)) }
	kek, _, _, err := vault.KEK("", dir)
	if err != nil {
		return err
	}
	v, err := vault.New(db, kek)
	if err != nil {
		return err
	}
	db.Sealer = v
	return nil
}

func redacted(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "postgres"
	}
	return u.Redacted()
}

// RSSPoint is the process's peak resident set size during a phase (the
// service runs in this process, so it is the service's and the benchmark's together).
type RSSPoint struct {
	Phase string `json:"phase"`
	// PeakMiB is VmHWM at the end of the phase. The peak is reset at each
	// phase's start where the kernel allows it (PeakReset); otherwise it is
	// the peak since the process started.
	PeakMiB   float64 `json:"peak_mib"`
	NowMiB    float64 `json:"now_mib"`
	PeakReset bool    `json:"peak_reset"`
}

var peakResetWorks bool

// resetPeakRSS resets VmHWM (Linux: writing 5 to /proc/self/clear_refs).
func resetPeakRSS() {
	peakResetWorks = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

func readRSS(phase string) RSSPoint {
	p := RSSPoint{Phase: phase, PeakReset: peakResetWorks}
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return p
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 64)
		if err != nil {
			continue
		}
		switch name {
		case "VmHWM":
			p.PeakMiB = kb / 1024
		case "VmRSS":
			p.NowMiB = kb / 1024
		}
	}
	return p
}
