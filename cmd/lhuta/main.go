// Command lhuta runs the lhuta service: `lhuta` or `lhuta serve` starts the
// HTTP API, `lhuta migrate` applies the schema, `lhuta rebuild` rebuilds the
// read models from the events. See README.md for configuration.
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
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/handlers"
	"github.com/lhuta/lhuta/internal/caserepo"
	"github.com/lhuta/lhuta/internal/feed"
	"github.com/lhuta/lhuta/internal/lease"
	"github.com/lhuta/lhuta/migrations"
	"github.com/lhuta/lhuta/projections"
	"github.com/lhuta/lhuta/ui"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "lhuta:", err)
		os.Exit(1)
	}
}

// config is the service's configuration: flags win over environment variables.
type config struct {
	command     string
	addr        string
	dataDir     string
	databaseURL string
	tokens      string
	clock       string
	// lossReportThreshold is LHUTA_LOSS_REPORT_THRESHOLD, in working days.
	lossReportThreshold int
	// rawThreshold and rawDBTimeout are those settings as given.
	rawThreshold, rawDBTimeout string
	// check makes rebuild compare instead of switching over.
	check bool
	// file is where backup and export write ("" or "-": standard output).
	file string
	// tokenRole and tokenName are what lhuta token add adds.
	tokenRole, tokenName string
	// synchronous is LHUTA_SQLITE_SYNCHRONOUS: FULL (default) or NORMAL.
	synchronous string
	// dbTimeout is LHUTA_DB_TIMEOUT, the database deadline of one request.
	dbTimeout time.Duration
	// logFormat (text, json) and logLevel (debug, info, warn, error) shape the log.
	logFormat, logLevel string
	// databaseReadURL is DATABASE_READ_URL, a streaming replica that queries read.
	databaseReadURL string
	// natsURL, natsStream, natsSubject and rawNatsPersonal configure the event feed.
	natsURL, natsStream, natsSubject, rawNatsPersonal string
	natsPersonal                                      bool
	// offices is LHUTA_OFFICES, the offices file ("" for the built-in ones);
	// office is import-statement's --office, and file its statement.
	offices, office string
}

// commands are lhuta's subcommands, each with what it does.
var commands = []struct{ name, summary string }{
	{"serve", "run the HTTP API and the projection (the default)"},
	{"migrate", "apply the database schema and exit (serve and rebuild do it too)"},
	{"rebuild", "rebuild the read models from the events beside the live ones, then switch over"},
	{"backup", "lhuta backup FILE: a consistent copy of the embedded SQLite store while it serves (PostgreSQL: pg_dump)"},
	{"export", "lhuta export [FILE]: the event log as NDJSON, in log order, to FILE or standard output"},
	{"token", "lhuta token add ROLE NAME: a new bearer token in the tokens file, printed once (then SIGHUP or restart lhuta)"},
	{"import-statement", "lhuta import-statement --office CODE FILE: record the credits of a camt.053 bank statement as payments"},
	{"healthcheck", "exit 0 if the service on --addr answers /healthz, else 1 (for container health checks)"},
	{"version", "print the version"},
	{"help", "print this help, or a command's: lhuta help COMMAND"},
}

// settings are the configuration each command takes, as a flag and as an
// environment variable (the flag wins), in the order help lists them.
type settingDef struct {
	flag, env, def, usage string
	commands              []string // the commands it applies to
	field                 func(c *config) *string
}

var (
	allDB     = []string{"serve", "migrate", "rebuild", "backup", "export", "import-statement"}
	serveOnly = []string{"serve"}
	withAddr  = []string{"serve", "healthcheck"}
	withDir   = []string{"serve", "migrate", "rebuild", "backup", "export", "token", "import-statement"}
	withMoney = []string{"serve", "import-statement"}
)

var settings = []settingDef{
	{"addr", "LHUTA_ADDR", ":8080", "listen address", withAddr, func(c *config) *string { return &c.addr }},
	{"data-dir", "LHUTA_DATA_DIR", "./data", "directory of the embedded SQLite store (lhuta.db) and of the generated tokens file", withDir,
		func(c *config) *string { return &c.dataDir }},
	{"database-url", "DATABASE_URL", "", "PostgreSQL URL (postgres://user@host:5432/db); when set, the embedded store is not used; a password in a flag shows in the process list, prefer the variable", allDB,
		func(c *config) *string { return &c.databaseURL }},
	{"sqlite-synchronous", "LHUTA_SQLITE_SYNCHRONOUS", "FULL", "SQLite durability: FULL syncs every commit, NORMAL may lose the last ones to a power cut", allDB,
		func(c *config) *string { return &c.synchronous }},
	{"tokens", "LHUTA_TOKENS", "", "bearer tokens, token=role:name pairs separated by commas (default: the tokens file in the data directory); a flag shows in the process list, prefer the variable or the file", serveOnly,
		func(c *config) *string { return &c.tokens }},
	{"clock", "LHUTA_CLOCK", "", "fix today (Europe/Prague) to YYYY-MM-DD, for tests, training and demos", withMoney,
		func(c *config) *string { return &c.clock }},
	{"loss-report-threshold", "LHUTA_LOSS_REPORT_THRESHOLD", "3", "working days from discovering a loss to reporting it after which the report gets a review hint (1–60)", serveOnly,
		func(c *config) *string { return &c.rawThreshold }},
	{"db-timeout", "LHUTA_DB_TIMEOUT", "10s", "how long one request may wait for the database (100ms–5m)", serveOnly,
		func(c *config) *string { return &c.rawDBTimeout }},
	{"offices", "LHUTA_OFFICES", "", "offices file: each office's code, name, account and fee schedules (default: the built-in office nova-ves)", withMoney,
		func(c *config) *string { return &c.offices }},
	{"log-format", "LHUTA_LOG_FORMAT", "text", "log format: text or json", allDB, func(c *config) *string { return &c.logFormat }},
	{"log-level", "LHUTA_LOG_LEVEL", "info", "least level logged: debug, info, warn or error", allDB, func(c *config) *string { return &c.logLevel }},
	{"database-read-url", "DATABASE_READ_URL", "", "PostgreSQL streaming replica of DATABASE_URL that queries read (min_position waits for the replica); writes and the projection stay on DATABASE_URL", serveOnly,
		func(c *config) *string { return &c.databaseReadURL }},
	{"nats-url", "LHUTA_NATS_URL", "", "NATS server with JetStream (nats://host:4222) the event log is published to; the feed is off without it", serveOnly,
		func(c *config) *string { return &c.natsURL }},
	{"nats-stream", "LHUTA_NATS_STREAM", "LHUTA_EVENTS", "JetStream stream of the event feed (created if missing)", serveOnly,
		func(c *config) *string { return &c.natsStream }},
	{"nats-subject", "LHUTA_NATS_SUBJECT", "lhuta.events", "subject prefix of the event feed: events go to PREFIX.<situation>.<EventType>", serveOnly,
		func(c *config) *string { return &c.natsSubject }},
	{"nats-personal-data", "LHUTA_NATS_PERSONAL_DATA", "false", "true puts the citizen block, free-text reasons and the clerk's name into the feed's payloads (only for subscribers allowed to see them)", serveOnly,
		func(c *config) *string { return &c.rawNatsPersonal }},
}

// ownFlags are the flags of a single command, with no environment variable.
var ownFlags = []struct {
	command, name, usage string
	field                func(*config) any // *bool or *string
}{
	{"rebuild", "check", "build the read models beside the live ones, report how they differ, and discard them",
		func(c *config) any { return &c.check }},
	{"import-statement", "office", "code of the office whose account the statement is of (required)",
		func(c *config) any { return &c.office }},
	{"token", "office", "limit the token's writes to the cases of this office (token=role:name:office)",
		func(c *config) any { return &c.office }},
}

// errUsage is returned when help was asked for and printed.
var errUsage = errors.New("usage printed")

func parseConfig(args []string, out io.Writer) (config, error) {
	c := config{command: "serve"}
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		c.command, args = args[0], args[1:]
	}
	switch c.command {
	case "help":
		if len(args) > 0 {
			return c, usage(out, args[0])
		}
		return c, usage(out, "")
	case "version":
		fmt.Fprintln(out, versionLine())
		return c, errUsage
	case "serve", "migrate", "rebuild", "backup", "export", "token", "healthcheck", "import-statement":
	default:
		return c, fmt.Errorf("unknown command %q (serve, migrate, rebuild, backup, export, token, healthcheck, import-statement, version, help; see lhuta help)", c.command)
	}
	fs := flag.NewFlagSet("lhuta "+c.command, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, st := range settings {
		if slices.Contains(st.commands, c.command) {
			fs.StringVar(st.field(&c), st.flag, envOr(st.env, st.def), st.usage)
		}
	}
	for _, f := range ownFlags {
		if f.command != c.command {
			continue
		}
		switch v := f.field(&c).(type) {
		case *bool:
			fs.BoolVar(v, f.name, false, f.usage)
		case *string:
			fs.StringVar(v, f.name, "", f.usage)
		}
	}
	if c.command == "token" {
		if len(args) < 3 || args[0] != "add" {
			return c, errors.New("usage: lhuta token add ROLE NAME [--office CODE] [--data-dir DIR] (roles: clerk, compliance_officer, dashboard, admin)")
		}
		c.tokenRole, c.tokenName, args = args[1], args[2], args[3:]
	}
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return c, usage(out, c.command)
	} else if err != nil {
		return c, fmt.Errorf("%w (see lhuta help %s)", err, c.command)
	}
	switch {
	case c.command == "backup" && fs.NArg() == 1, c.command == "export" && fs.NArg() <= 1:
		c.file = fs.Arg(0)
	case c.command == "backup":
		return c, errors.New("backup needs the file to write: lhuta backup FILE")
	case c.command == "import-statement" && (fs.NArg() != 1 || c.office == ""):
		return c, errors.New("usage: lhuta import-statement --office CODE FILE (a camt.053 XML statement)")
	case c.command == "import-statement":
		c.file = fs.Arg(0)
		return c, c.checkCommon()
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected argument %q (see lhuta help %s)", fs.Arg(0), c.command)
	}
	switch c.command {
	case "healthcheck", "token":
		return c, nil
	case "migrate", "rebuild", "backup", "export":
		return c, c.checkCommon()
	}
	n, err := strconv.Atoi(c.rawThreshold)
	if err != nil || n < 1 || n > 60 {
		return c, fmt.Errorf("--loss-report-threshold (LHUTA_LOSS_REPORT_THRESHOLD): %q is not a number of working days from 1 to 60", c.rawThreshold)
	}
	c.lossReportThreshold = n
	d, err := time.ParseDuration(c.rawDBTimeout)
	if err != nil || d < 100*time.Millisecond || d > 5*time.Minute {
		return c, fmt.Errorf("--db-timeout (LHUTA_DB_TIMEOUT): %q is not a duration from 100ms to 5m (e.g. 10s)", c.rawDBTimeout)
	}
	c.dbTimeout = d
	if c.natsPersonal, err = strconv.ParseBool(c.rawNatsPersonal); err != nil {
		return c, fmt.Errorf("--nats-personal-data (LHUTA_NATS_PERSONAL_DATA): %q is neither true nor false", c.rawNatsPersonal)
	}
	if c.databaseReadURL != "" && c.databaseURL == "" {
		return c, errors.New("--database-read-url (DATABASE_READ_URL) is a replica of PostgreSQL: set DATABASE_URL too")
	}
	return c, c.checkCommon()
}

// checkCommon checks the settings every database command takes.
func (c *config) checkCommon() error {
	c.synchronous = strings.ToUpper(c.synchronous)
	if c.synchronous != "FULL" && c.synchronous != "NORMAL" {
		return fmt.Errorf("--sqlite-synchronous (LHUTA_SQLITE_SYNCHRONOUS): %q is neither FULL (the default: every commit is synced) nor NORMAL", c.synchronous)
	}
	return nil
}

// usage prints the help of one command, or of lhuta with "".
func usage(out io.Writer, command string) error {
	if command == "" {
		fmt.Fprintln(out, "lhuta: deadlines of Czech municipal offices' life-situation cases (see README.md)")
		fmt.Fprintln(out, "\nUsage: lhuta [COMMAND] [FLAGS]\n\nCommands:")
		width := 0
		for _, cmd := range commands {
			width = max(width, len(cmd.name))
		}
		for _, cmd := range commands {
			fmt.Fprintf(out, "  %-*s  %s\n", width, cmd.name, cmd.summary)
		}
		fmt.Fprintln(out, "\nEvery flag can also be set by its environment variable; the flag wins.")
		fmt.Fprintln(out, "lhuta help COMMAND lists a command's flags.")
		return errUsage
	}
	known := false
	for _, cmd := range commands {
		if cmd.name == command {
			known = true
			fmt.Fprintf(out, "lhuta %s: %s\n", cmd.name, cmd.summary)
		}
	}
	if !known {
		return fmt.Errorf("unknown command %q (see lhuta help)", command)
	}
	any := false
	for _, st := range settings {
		if !slices.Contains(st.commands, command) {
			continue
		}
		if !any {
			fmt.Fprintln(out, "\nFlags (environment variable, default):")
			any = true
		}
		def := st.def
		if def == "" {
			def = "none"
		}
		fmt.Fprintf(out, "  --%s (%s, %s)\n      %s\n", st.flag, st.env, def, st.usage)
	}
	for _, f := range ownFlags {
		if f.command == command {
			if !any {
				fmt.Fprintln(out, "\nFlags (environment variable, default):")
				any = true
			}
			fmt.Fprintf(out, "  --%s\n      %s\n", f.name, f.usage)
		}
	}
	return errUsage
}

// version is set at build time: go build -ldflags "-X main.version=1.2.3".
var version = "devel"

func versionLine() string {
	goVersion := "unknown Go"
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
	}
	return fmt.Sprintf("lhuta %s (%s, %s/%s)", version, goVersion, runtime.GOOS, runtime.GOARCH)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// run runs one command until it ends or ctx is cancelled (SIGINT, SIGTERM).
func run(ctx context.Context, args []string, out io.Writer) error {
	c, err := parseConfig(args, out)
	if errors.Is(err, errUsage) {
		return nil
	}
	if err != nil {
		return err
	}
	switch c.command {
	case "healthcheck":
		return healthcheck(ctx, c.addr, out)
	case "token":
		return addToken(c, out)
	}
	log, err := newLogger(os.Stderr, c.logFormat, c.logLevel)
	if err != nil {
		return err
	}

	db, err := openDB(ctx, c, log)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := migrations.Up(ctx, db.SQL, db.Dialect.Name)
	if err != nil {
		return err
	}
	// A rebuild builds its own generation beside whatever is live.
	if c.command != "rebuild" {
		if err := projections.Prepare(ctx, db); err != nil {
			return err
		}
	}
	log.Info("database ready", "backend", db.Dialect.Name, "where", db.Where, "migrations_applied", applied)

	switch c.command {
	case "migrate":
		fmt.Fprintf(out, "schema up to date (%d migrations applied now)\n", applied)
		return nil
	case "rebuild":
		opts, err := moneyOptions(c)
		if err != nil {
			return err
		}
		return rebuild(ctx, db, c.check, out, opts...)
	case "backup":
		if err := db.Backup(ctx, c.file); err != nil {
			return err
		}
		fmt.Fprintf(out, "backup: %s written; to restore, stop lhuta and put it in place of %s (without -wal and -shm)\n", c.file, db.Where)
		return nil
	case "export":
		return export(ctx, db, c.file, out)
	case "import-statement":
		return importStatement(ctx, c, db, log, out)
	}
	return serve(ctx, c, db, log)
}

// export writes the event log as NDJSON, one event a line, in log order.
func export(ctx context.Context, db *eventstore.DB, file string, out io.Writer) (err error) {
	w := out
	if file != "" && file != "-" {
		f, err := os.OpenFile(file, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer func() {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}()
		w = f
	}
	type line struct {
		StreamID      string          `json:"stream_id"`
		Version       int64           `json:"version"`
		Position      int64           `json:"position"`
		Type          string          `json:"type"`
		Data          json.RawMessage `json:"data"`
		RecordedBy    string          `json:"recorded_by"`
		RecordedAt    time.Time       `json:"recorded_at"`
		CorrelationID string          `json:"correlation_id"`
	}
	store := eventstore.NewSQLStore(db.SQL, db.Dialect)
	// Everything appended before the export starts is exported: on
	// PostgreSQL a transaction open anywhere in the cluster holds the
	// readable log back for a moment, so an empty page is the end only
	// once the log's last event at the start is in.
	var end int64
	if err := db.SQL.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) FROM events`).Scan(&end); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	enc := json.NewEncoder(w)
	n := 0
	for cursor := eventstore.Start; ; {
		page, err := store.ReadLog(ctx, cursor, 5000)
		if err != nil {
			return fmt.Errorf("export after %d events: %w", n, err)
		}
		if len(page) == 0 {
			done, err := store.Includes(ctx, cursor, end)
			if err != nil {
				return fmt.Errorf("export: %w", err)
			}
			if done || end == 0 {
				break
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(10 * time.Millisecond):
			}
			continue
		}
		for _, e := range page {
			if err := enc.Encode(line{e.StreamID, e.Version, e.Position, e.Type, e.Data, e.RecordedBy, e.RecordedAt, e.CorrelationID}); err != nil {
				return fmt.Errorf("export: %w", err)
			}
		}
		n += len(page)
		cursor = page[len(page)-1].Cursor
	}
	if w != out {
		fmt.Fprintf(out, "export: %d events written to %s\n", n, file)
	}
	return nil
}

func rebuild(ctx context.Context, db *eventstore.DB, check bool, out io.Writer, opts ...projections.Option) error {
	start := time.Now()
	last := time.Time{}
	progress := func(done, total int64) {
		if time.Since(last) < time.Second && done < total {
			return
		}
		last = time.Now()
		elapsed := time.Since(start).Seconds()
		rate := float64(done) / max(elapsed, 1e-3)
		pct, eta := 100.0, "0s"
		if total > 0 {
			pct = 100 * float64(done) / float64(total)
		}
		if rate > 0 && total > done {
			eta = (time.Duration(float64(total-done)/rate) * time.Second).Round(time.Second).String()
		}
		fmt.Fprintf(out, "rebuild: %d of %d events (%.0f%%), %.0f events/s, ETA %s\n", done, total, pct, rate, eta)
	}
	if check {
		diffs, err := projections.Check(ctx, db, progress, opts...)
		if err != nil {
			return fmt.Errorf("check: %w", err)
		}
		if len(diffs) == 0 {
			fmt.Fprintf(out, "check: the rebuilt read models equal the live ones (%s)\n", time.Since(start).Round(time.Millisecond))
			return nil
		}
		for _, d := range diffs {
			fmt.Fprintf(out, "check: %s: %d rows only in the rebuilt table, %d only in the live one\n", d.Table, d.Missing, d.Extra)
		}
		return fmt.Errorf("check: the live read models differ from a rebuild in %d tables; run lhuta rebuild", len(diffs))
	}
	n, err := projections.Rebuild(ctx, db, progress, opts...)
	if err != nil {
		return fmt.Errorf("rebuild stopped after %d events; the live read models are unchanged: %w", n, err)
	}
	elapsed := time.Since(start)
	fmt.Fprintf(out, "rebuild: done, %d events in %s (%.0f events/s); queries now read the new tables\n",
		n, elapsed.Round(time.Millisecond), float64(n)/max(elapsed.Seconds(), 1e-3))
	return nil
}

func serve(ctx context.Context, c config, db *eventstore.DB, log *slog.Logger) error {
	today, err := clock(c.clock)
	if err != nil {
		return err
	}
	tokens, err := loadTokens(c, log)
	if err != nil {
		return err
	}
	offices, err := loadOffices(c.offices)
	if err != nil {
		return err
	}
	// The projection runs until the HTTP server has finished its requests
	// (a request may wait for it with min_position), not until the signal.
	pipeCtx, stopPipeline := context.WithCancel(context.WithoutCancel(ctx))
	defer stopPipeline()
	pipeline := projections.New(db, log, projections.UsingOffices(offices), projections.UsingToday(today))
	reads := db
	if c.databaseReadURL != "" {
		rc := c
		rc.databaseURL = c.databaseReadURL
		if reads, err = openDB(ctx, rc, log); err != nil {
			return fmt.Errorf("DATABASE_READ_URL: %w", err)
		}
		defer reads.Close()
		pipeline.ReadFrom(reads)
		log.Info("queries read the replica", "where", reads.Where)
	}
	var collectors []prometheus.Collector
	var forwarder *feed.Forwarder
	if c.natsURL != "" {
		forwarder = feed.New(db, feed.Config{URL: c.natsURL, Stream: c.natsStream, Subject: c.natsSubject, PersonalData: c.natsPersonal}, log)
		collectors = append(collectors, forwarder.Collector())
	}
	// One instance of all those on the database projects (and feeds): the
	// one holding the lease; the others stand by and take over when it dies.
	projecting := lease.New(db, "projections", log)
	pipeErr := make(chan error, 1)
	go func() {
		pipeErr <- projecting.Run(pipeCtx, func(ctx context.Context) {
			var wg sync.WaitGroup
			if forwarder != nil {
				wg.Go(func() { _ = forwarder.Run(ctx) })
			}
			if err := pipeline.Run(ctx); err != nil {
				log.Error("projection stopped", "err", err)
			}
			wg.Wait()
		})
	}()

	srv := handlers.New(handlers.Config{
		Repo:       caserepo.New(eventstore.NewSQLStore(db.SQL, db.Dialect)),
		Reader:     projections.NewReader(reads.SQL).WithOffices(offices),
		Offices:    offices,
		Projecting: projecting.Held,
		Collectors: collectors,
		ReadDB:     readDB(reads, db),
		Pipeline:   pipeline,
		DB:         db.SQL,
		Tokens:     tokens,
		Today:      today,
		Log:        log,

		LossReportThreshold: c.lossReportThreshold,
		DBTimeout:           c.dbTimeout,
	})
	// The web console (/ui/, docs/CONSOLE.md) calls the API in-process.
	console := ui.Config{Identify: srv.Identify, Today: today, Log: log, Offices: offices}
	httpSrv := handlers.HTTPServer(c.addr, ui.Mount(srv.Routes(), console), handlers.DefaultTimeouts)
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		stopPipeline()
		<-pipeErr
		return fmt.Errorf("listen on %s: %w", c.addr, err)
	}
	httpErr := make(chan error, 1)
	go func() { httpErr <- httpSrv.Serve(ln) }()
	reload := make(chan os.Signal, 1)
	signal.Notify(reload, syscall.SIGHUP)
	defer signal.Stop(reload)
	go func() {
		for {
			select {
			case <-pipeCtx.Done():
				return
			case <-reload:
			}
			t, err := loadTokens(c, log)
			if err != nil {
				log.Error("SIGHUP: the tokens were not reloaded; the old ones stay", "err", err)
				continue
			}
			srv.SetTokens(t)
			log.Info("SIGHUP: tokens reloaded", "count", t.Len())
		}
	}()
	log.Info("lhuta is listening", "addr", ln.Addr().String(), "today", today().String())

	pipelineDone := false
	select {
	case err = <-httpErr:
	case err = <-pipeErr:
		pipelineDone = true
		if err == nil {
			err = errors.New("projection pipeline stopped")
		}
	case <-ctx.Done():
		log.Info("stopping: finishing the requests under way")
	}
	// Stop accepting and finish the requests under way, then stop the
	// projection after its current page, then close the database (deferred).
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if serr := httpSrv.Shutdown(shutdown); serr != nil && err == nil {
		err = fmt.Errorf("shut the HTTP server down: %w", serr)
	}
	stopPipeline()
	if !pipelineDone {
		if perr := <-pipeErr; perr != nil && err == nil {
			err = perr
		}
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	if err != nil {
		return err
	}
	log.Info("lhuta stopped")
	return nil
}

// readDB is the replica's pool when queries read one, else nil.
func readDB(reads, db *eventstore.DB) *sql.DB {
	if reads == db {
		return nil
	}
	return reads.SQL
}

// healthcheck asks the service listening on addr whether it is alive.
func healthcheck(ctx context.Context, addr string, out io.Writer) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("healthcheck: --addr %q: %w", addr, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: /healthz answered %d", resp.StatusCode)
	}
	fmt.Fprintln(out, "alive")
	return nil
}

// startupWait bounds how long lhuta waits at start for a database that
// cannot be reached yet (a PostgreSQL starting beside it, say).
const startupWait = time.Minute

// openDB opens the database, retrying with backoff for up to startupWait
// while it is unreachable; any other error (a wrong password, a bad URL)
// ends at once.
func openDB(ctx context.Context, c config, log *slog.Logger) (*eventstore.DB, error) {
	deadline := time.Now().Add(startupWait)
	for wait := 500 * time.Millisecond; ; wait = min(2*wait, 8*time.Second) {
		db, err := eventstore.OpenWith(ctx, c.dataDir, c.databaseURL, eventstore.Options{Synchronous: c.synchronous})
		if err == nil || !eventstore.Unavailable(err) || time.Now().Add(wait).After(deadline) {
			return db, err
		}
		log.Warn("the database cannot be reached yet; retrying", "err", err, "in", wait.String())
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(wait):
		}
	}
}

// newLogger returns the service's logger: text or JSON lines on w, from level on.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level (LHUTA_LOG_LEVEL): %q is none of debug, info, warn, error", level)
	}
	opts := &slog.HandlerOptions{Level: l, ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.LevelKey && a.Value.Any() == handlers.LevelAudit {
			a.Value = slog.StringValue("AUDIT")
		}
		return a
	}}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format (LHUTA_LOG_FORMAT): %q is neither text nor json", format)
}

// clock returns today's Europe/Prague date, or LHUTA_CLOCK's fixed date.
func clock(fixed string) (func() calendar.Date, error) {
	if fixed == "" {
		return func() calendar.Date { return calendar.Today(time.Now()) }, nil
	}
	d, err := calendar.ParseDate(fixed)
	if err != nil {
		return nil, fmt.Errorf("LHUTA_CLOCK: %w", err)
	}
	return func() calendar.Date { return d }, nil
}

// loadTokens reads LHUTA_TOKENS; without it, the tokens file in the data
// directory, which is created with one random token per role on first start
// so that a service started with no configuration is usable and not open.
func loadTokens(c config, log *slog.Logger) (handlers.Tokens, error) {
	if c.tokens != "" {
		return handlers.ParseTokens(c.tokens)
	}
	path := filepath.Join(c.dataDir, "tokens")
	if info, err := os.Stat(path); err == nil && info.Mode().Perm()&0o077 != 0 {
		return handlers.Tokens{}, fmt.Errorf("tokens file %s is readable or writable by others (mode %04o); run: chmod 600 %s "+
			"(and consider its tokens leaked)", path, info.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		b, err = newTokensFile(path)
		if err == nil {
			log.Info("LHUTA_TOKENS is not set: created one token per role", "file", path)
		}
	}
	if err != nil {
		return handlers.Tokens{}, fmt.Errorf("tokens: %w", err)
	}
	t, err := handlers.ParseTokens(string(b))
	if err != nil {
		return t, fmt.Errorf("%s: %w", path, err)
	}
	log.Info("tokens loaded", "file", path, "count", t.Len())
	return t, nil
}

// addToken appends a new random token for a person to the tokens file
// (created as on first start if missing) and prints it once.
func addToken(c config, out io.Writer) error {
	token, err := randomToken()
	if err != nil {
		return err
	}
	entry := token + "=" + c.tokenRole + ":" + c.tokenName
	if strings.ContainsAny(c.tokenName, "=,:#\n\r") || strings.TrimSpace(c.tokenName) != c.tokenName {
		return fmt.Errorf("token name %q: use letters, digits, dots and dashes (no = , : # or spaces at the ends)", c.tokenName)
	}
	if c.office != "" {
		if strings.ContainsAny(c.office, "=,:#\n\r") || strings.TrimSpace(c.office) != c.office {
			return fmt.Errorf("--office %q: an office code has no = , : # or spaces at the ends", c.office)
		}
		entry += ":" + c.office
	}
	if _, err := handlers.ParseTokens(entry); err != nil {
		return err
	}
	path := filepath.Join(c.dataDir, "tokens")
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if _, err := newTokensFile(path); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("tokens file: %w", err)
	}
	if _, err := fmt.Fprintln(f, entry); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	scope := c.tokenRole
	if c.office != "" {
		scope += ", office " + c.office
	}
	fmt.Fprintf(out, "%s\nadded to %s for %s (%s); give it to them only, then send lhuta SIGHUP or restart it\n",
		token, path, c.tokenName, scope)
	if os.Getenv("LHUTA_TOKENS") != "" {
		fmt.Fprintln(out, "note: LHUTA_TOKENS is set, so the service does not read the tokens file")
	}
	return nil
}

func randomToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

func newTokensFile(path string) ([]byte, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	content := "# lhuta bearer tokens, one token=role:name per line (same format as LHUTA_TOKENS).\n" +
		"# The name is recorded as recorded_by of every event the token writes: give each person a token\n" +
		"# of their own with their name after the role (clerk:jana.novakova) - lhuta token add does it -\n" +
		"# then send lhuta SIGHUP or restart it.\n"
	for _, role := range []string{"clerk", "compliance_officer", "dashboard", "admin"} {
		token, err := randomToken()
		if err != nil {
			return nil, err
		}
		content += token + "=" + role + ":" + role + "\n"
	}
	return []byte(content), os.WriteFile(path, []byte(content), 0o600)
}
