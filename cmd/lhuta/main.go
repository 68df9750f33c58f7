// Command lhuta runs the lhuta service: `lhuta` or `lhuta serve` starts the
// HTTP API, `lhuta migrate` applies the schema, `lhuta rebuild` rebuilds the
// read models from the events. See README.md for configuration.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"syscall"

	"github.com/lhuta/lhuta/migrations"
	"github.com/lhuta/lhuta/projections"
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

// commands are lhuta's subcommands, each with what it does.
var commands = []struct{ name, summary string }{
	{"serve", "run the HTTP API and the projection (the default)"},
	{"migrate", "apply the database schema and exit (serve and rebuild do it too)"},
	{"rebuild", "rebuild the read models from the events beside the live ones, then switch over"},
	{"backup", "lhuta backup FILE: a consistent copy of the embedded SQLite store while it serves (PostgreSQL: pg_dump)"},
	{"export", "lhuta export [FILE]: the event log as NDJSON, in log order, to FILE or standard output"},
	{"token", "lhuta token add ROLE NAME [--expires DATE|90d]: a new bearer token in the tokens file, printed once; lhuta token list: who has one (never the tokens); lhuta token revoke NAME (then SIGHUP or restart lhuta)"},
	{"import-statement", "lhuta import-statement --office CODE FILE: record each credit of a camt.053 bank statement as a payment on the one case it names (by VS and surname or a unique amount), or list it as an unmatched credit"},
	{"kek", "lhuta kek generate FILE: a new key-encryption key (LHUTA_KEK_FILE) for the citizens' data keys"},
	{"seal-existing", "seal the personal values that a database written before sealing holds in plaintext, then compact it (once, after the upgrade)"},
	{"verify-forgotten", "lhuta verify-forgotten --citizen ID [--value VALUE]... [FILE]...: look for every form of a citizen's personal values in the database (every table; on SQLite also its file and WAL), the feed's stream and the files; exit 1 on a trace"},
	{"processing-record", "lhuta processing-record [--format markdown|csv] [--retention-file F]: the record of processing activities (GDPR čl. 30) generated from the event contract's markings, the offices and the retention rules, to standard output"},
	{"healthcheck", "exit 0 if the service on --addr answers /healthz, else 1 (for container health checks)"},
	{"version", "print the version"},
	{"help", "print this help, or a command's: lhuta help COMMAND"},
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
		return healthcheck(ctx, c.addr, c.tlsCert != "", out)
	case "token":
		return token(c, out)
	case "kek":
		return generateKEK(c.file, out)
	case "processing-record":
		return processingRecord(c, out)
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
	v, err := openVault(c, db, log)
	if err != nil {
		return err
	}
	// Only the commands that project need this version's read models: a
	// rebuild builds its own generation beside whatever is live, and a
	// migration run beside an older release that still serves must leave
	// that release's read models alone (the new version's generation would
	// otherwise be filled by the old version's projection).
	if c.command == "serve" || c.command == "import-statement" {
		if err := projections.Prepare(ctx, db); err != nil {
			return err
		}
	}
	log.Info("database ready", "backend", db.Dialect.Name, "where", db.Where, "migrations_applied", applied)
	if c.command == "serve" {
		if err := sealOnce(ctx, v, log); err != nil {
			return err
		}
	}
	// Every command that reads or copies the events forgets again first
	// what a restored backup still holds of forgotten citizens (not
	// migrate, which may run beside an older release, nor verify-forgotten,
	// which reports what is there).
	if slices.Contains([]string{"serve", "export", "backup", "rebuild", "import-statement"}, c.command) {
		if err := forgetAgain(ctx, c, db, v, log); err != nil {
			return err
		}
	}

	switch c.command {
	case "migrate":
		fmt.Fprintf(out, "schema up to date (%d migrations applied now)\n", applied)
		return nil
	case "rebuild":
		return rebuild(ctx, db, c.check, c, out)
	case "backup":
		return backup(ctx, db, c.file, out)
	case "export":
		return export(ctx, db, c.file, out)
	case "import-statement":
		return importStatement(ctx, c, db, log, out)
	case "seal-existing":
		return sealExisting(ctx, v, out)
	case "verify-forgotten":
		return verifyForgotten(ctx, c, db, v, out)
	}
	return serve(ctx, c, db, log)
}
