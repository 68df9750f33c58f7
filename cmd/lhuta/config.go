package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/handlers"
	"github.com/lhuta/lhuta/internal/buildinfo"
	"github.com/lhuta/lhuta/internal/forwarded"
	"github.com/lhuta/lhuta/internal/sso"
)

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
	// rawThreshold, rawDBTimeout and rawIdempotencyTTL are those settings as given.
	rawThreshold, rawDBTimeout, rawIdempotencyTTL string
	// idempotencyTTL is LHUTA_IDEMPOTENCY_TTL, how long an Idempotency-Key answers.
	idempotencyTTL time.Duration
	// check makes rebuild compare instead of switching over.
	check bool
	// file is where backup and export write ("" or "-": standard output).
	file string
	// tokenAction is what lhuta token does (add, list, revoke); tokenRole,
	// tokenName and tokenExpires are what it adds, tokenName what it revokes.
	tokenAction, tokenRole, tokenName, tokenExpires string
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
	// smtpURL, mailFrom and publicURL configure the e-mail reminders.
	smtpURL, mailFrom, publicURL string
	// niaMetadataURL, niaSPKey and niaSPCert configure the portal's sign-in
	// with the national identity (NIA).
	niaMetadataURL, niaSPKey, niaSPCert string
	// offices is LHUTA_OFFICES, the offices file ("" for the built-in ones);
	// office is import-statement's --office, and file its statement.
	offices, office string
	// tlsCert and tlsKey make serve speak HTTPS; rawProxies is
	// LHUTA_TRUSTED_PROXIES as given, trustedProxies as parsed.
	tlsCert, tlsKey, rawProxies string
	trustedProxies              []netip.Prefix
	// oidc* configure the staff's single sign-on; rawGroups is
	// LHUTA_OIDC_GROUPS as given, oidcGroups as parsed.
	oidcIssuer, oidcClientID, oidcClientSecret, oidcAudience, oidcGroupsClaim, rawGroups string
	oidcGroups                                                                           sso.Mapping
	// kekFile is LHUTA_KEK_FILE, the key-encryption key of personal values.
	kekFile string
	// retentionFile is LHUTA_RETENTION_FILE, the offices' retention rules.
	retentionFile string
	// citizen, values and files are what verify-forgotten looks for and where.
	citizen string
	values  valueList
	files   []string
	// format is processing-record's: markdown or csv.
	format string
}

// valueList is a flag given many times (verify-forgotten --value).
type valueList []string

func (v *valueList) String() string     { return strings.Join(*v, ", ") }
func (v *valueList) Set(s string) error { *v = append(*v, s); return nil }

// settings are the configuration each command takes, as a flag and as an
// environment variable (the flag wins), in the order help lists them.
type settingDef struct {
	flag, env, def, usage string
	commands              []string // the commands it applies to
	field                 func(c *config) *string
}

var (
	allDB     = []string{"serve", "migrate", "rebuild", "backup", "export", "import-statement", "seal-existing", "verify-forgotten"}
	withFeed  = []string{"serve", "verify-forgotten"}
	serveOnly = []string{"serve"}
	withAddr  = []string{"serve", "healthcheck"}
	withDir   = []string{"serve", "migrate", "rebuild", "backup", "export", "token", "import-statement", "seal-existing", "verify-forgotten"}
	withMoney = []string{"serve", "import-statement"}
	// The record of processing activities says what these settings configure.
	withRecord  = []string{"serve", "processing-record"}
	withOffices = []string{"serve", "import-statement", "rebuild", "processing-record"}
	withNATS    = []string{"serve", "verify-forgotten", "processing-record"}
	withTLS     = []string{"serve", "healthcheck", "processing-record"}
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
	{"idempotency-ttl", "LHUTA_IDEMPOTENCY_TTL", "168h", "how long an Idempotency-Key gives its first answer to retries; after it the key is free (1m–8760h)", serveOnly,
		func(c *config) *string { return &c.rawIdempotencyTTL }},
	{"offices", "LHUTA_OFFICES", "", "offices file: each office's code, name, account and fee schedules (default: the built-in office nova-ves); rebuild plans the reminders with it", withOffices,
		func(c *config) *string { return &c.offices }},
	{"retention-file", "LHUTA_RETENTION_FILE", "", "retention rules file: per office and situation the mark (A, V, S), the years and the trigger (closed, settled), docs/RETENTION.md; without it no case is scheduled for disposal (lhuta ships no retention figures)", withRecord,
		func(c *config) *string { return &c.retentionFile }},
	{"kek-file", "LHUTA_KEK_FILE", "", "file of the key-encryption key (32 random bytes in base64, lhuta kek generate FILE) that wraps the citizens' data keys; default: kek.b64 in the data directory, made on first start", allDB,
		func(c *config) *string { return &c.kekFile }},
	{"log-format", "LHUTA_LOG_FORMAT", "text", "log format: text or json", allDB, func(c *config) *string { return &c.logFormat }},
	{"log-level", "LHUTA_LOG_LEVEL", "info", "least level logged: debug, info, warn or error", allDB, func(c *config) *string { return &c.logLevel }},
	{"database-read-url", "DATABASE_READ_URL", "", "PostgreSQL streaming replica of DATABASE_URL that queries read (min_position waits for the replica); writes and the projection stay on DATABASE_URL", serveOnly,
		func(c *config) *string { return &c.databaseReadURL }},
	{"nats-url", "LHUTA_NATS_URL", "", "NATS server with JetStream (nats://host:4222) the event log is published to; the feed is off without it (verify-forgotten scans its stream)", withNATS,
		func(c *config) *string { return &c.natsURL }},
	{"nats-stream", "LHUTA_NATS_STREAM", "LHUTA_EVENTS", "JetStream stream of the event feed (created if missing)", withFeed,
		func(c *config) *string { return &c.natsStream }},
	{"nats-subject", "LHUTA_NATS_SUBJECT", "lhuta.events", "subject prefix of the event feed: events go to PREFIX.<situation>.<EventType>", serveOnly,
		func(c *config) *string { return &c.natsSubject }},
	{"smtp-url", "LHUTA_SMTP_URL", "", "mail server the reminders go through, smtp://[user:password@]host[:port] (STARTTLS when offered); reminders are planned and listed but not sent without it; prefer the variable for a password", withRecord,
		func(c *config) *string { return &c.smtpURL }},
	{"mail-from", "LHUTA_MAIL_FROM", "", "sender address of the reminders (required with LHUTA_SMTP_URL)", serveOnly,
		func(c *config) *string { return &c.mailFrom }},
	{"public-url", "LHUTA_PUBLIC_URL", "", "address people reach lhuta at (https://lhuta.example.cz): the reminders link to its /obcan/, the identity provider sends staff back to its /ui/login/sso/callback, and NIA knows the portal by its /obcan/nia/ addresses (default: the address each browser used)", serveOnly,
		func(c *config) *string { return &c.publicURL }},
	{"tls-cert", "LHUTA_TLS_CERT", "", "PEM certificate (with its chain) to serve HTTPS with, directly; with --tls-key (healthcheck then asks over HTTPS)", withTLS,
		func(c *config) *string { return &c.tlsCert }},
	{"tls-key", "LHUTA_TLS_KEY", "", "PEM private key of --tls-cert", serveOnly,
		func(c *config) *string { return &c.tlsKey }},
	{"trusted-proxies", "LHUTA_TRUSTED_PROXIES", "", "reverse proxies (addresses or CIDRs, comma-separated) whose X-Forwarded-Proto and X-Forwarded-For are believed; from anyone else they are ignored", serveOnly,
		func(c *config) *string { return &c.rawProxies }},
	{"oidc-issuer", "LHUTA_OIDC_ISSUER", "", "staff single sign-on: the OpenID Connect provider's issuer URL, exactly as its discovery document says (https://login.example.cz/realms/urad)", serveOnly,
		func(c *config) *string { return &c.oidcIssuer }},
	{"oidc-client-id", "LHUTA_OIDC_CLIENT_ID", "", "lhuta's client id at the provider", serveOnly,
		func(c *config) *string { return &c.oidcClientID }},
	{"oidc-client-secret", "LHUTA_OIDC_CLIENT_SECRET", "", "lhuta's client secret at the provider (none: a public client, PKCE only); prefer the variable", serveOnly,
		func(c *config) *string { return &c.oidcClientSecret }},
	{"oidc-audience", "LHUTA_OIDC_AUDIENCE", "", "audience the API's access tokens must carry (default: the client id)", serveOnly,
		func(c *config) *string { return &c.oidcAudience }},
	{"oidc-groups", "LHUTA_OIDC_GROUPS", "", "the provider's groups as lhuta roles and offices: group=role:office, comma-separated, * for every office (lhuta-clerks-nova-ves=clerk:nova-ves,lhuta-supervision=compliance_officer:*); the first that matches wins", serveOnly,
		func(c *config) *string { return &c.rawGroups }},
	{"oidc-groups-claim", "LHUTA_OIDC_GROUPS_CLAIM", "groups", "claim of the provider's tokens that lists the person's groups or roles (roles; realm_access.roles reaches into an object)", serveOnly,
		func(c *config) *string { return &c.oidcGroupsClaim }},
	{"nia-metadata-url", "LHUTA_NIA_METADATA_URL", "", "SAML metadata of the national identity (NIA); when set, citizens may sign in to /obcan/ with it (needs LHUTA_PUBLIC_URL, LHUTA_NIA_SP_KEY and LHUTA_NIA_SP_CERT)", withRecord,
		func(c *config) *string { return &c.niaMetadataURL }},
	{"nia-sp-key", "LHUTA_NIA_SP_KEY", "", "PEM file of the RSA key lhuta signs its requests to NIA with and NIA encrypts to", serveOnly,
		func(c *config) *string { return &c.niaSPKey }},
	{"nia-sp-cert", "LHUTA_NIA_SP_CERT", "", "PEM file of the certificate of LHUTA_NIA_SP_KEY, as registered with NIA", serveOnly,
		func(c *config) *string { return &c.niaSPCert }},
	{"nats-personal-data", "LHUTA_NATS_PERSONAL_DATA", "false", "true puts the citizen block, free-text reasons and the clerk's name into the feed's payloads (only for subscribers allowed to see them)", withRecord,
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
	{"verify-forgotten", "citizen", "id of the citizen whose values are looked for (their values are read from the events while the citizen's key exists)",
		func(c *config) any { return &c.citizen }},
	{"verify-forgotten", "value", "a personal value to look for, once per value (after the forgetting, the values are the ones kept with the disposal's record, never in lhuta)",
		func(c *config) any { return &c.values }},
	{"processing-record", "format", "markdown (the default) or csv",
		func(c *config) any { return &c.format }},
	{"token", "office", "limit the token's writes to the cases of this office (token=role:name:office)",
		func(c *config) any { return &c.office }},
	{"token", "expires", "the token's last day (2027-06-30) or how long it lasts from now (90d, 12h); past it the token is refused (default: never)",
		func(c *config) any { return &c.tokenExpires }},
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
		fmt.Fprintln(out, buildinfo.Get())
		return c, errUsage
	case "kek":
		if len(args) != 2 || args[0] != "generate" {
			return c, errors.New("usage: lhuta kek generate FILE")
		}
		c.file = args[1]
		return c, nil
	case "serve", "migrate", "rebuild", "backup", "export", "token", "healthcheck", "import-statement", "seal-existing", "verify-forgotten",
		"processing-record":
	default:
		return c, fmt.Errorf("unknown command %q (serve, migrate, rebuild, backup, export, token, healthcheck, import-statement, kek, seal-existing, verify-forgotten, processing-record, version, help; see lhuta help)", c.command)
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
		case flag.Value:
			fs.Var(v, f.name, f.usage)
		}
	}
	if c.command == "token" {
		switch {
		case len(args) >= 3 && args[0] == "add":
			c.tokenAction, c.tokenRole, c.tokenName, args = args[0], args[1], args[2], args[3:]
		case len(args) >= 2 && args[0] == "revoke":
			c.tokenAction, c.tokenName, args = args[0], args[1], args[2:]
		case len(args) >= 1 && args[0] == "list":
			c.tokenAction, args = args[0], args[1:]
		default:
			return c, errors.New("usage: lhuta token add ROLE NAME [--office CODE] [--expires 2027-06-30|90d] | lhuta token list | lhuta token revoke NAME " +
				"[--data-dir DIR] (roles: clerk, compliance_officer, dashboard, admin)")
		}
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
	case c.command == "verify-forgotten":
		if c.citizen == "" && len(c.values) == 0 {
			return c, errors.New("verify-forgotten needs --citizen ID or --value VALUE (see lhuta help verify-forgotten)")
		}
		c.files = fs.Args()
		return c, c.checkCommon()
	case c.command == "processing-record" && fs.NArg() > 0:
		return c, fmt.Errorf("unexpected argument %q (see lhuta help processing-record)", fs.Arg(0))
	case c.command == "processing-record":
		if c.format = cmp.Or(c.format, "markdown"); c.format != "markdown" && c.format != "csv" {
			return c, fmt.Errorf("--format: %q is neither markdown nor csv", c.format)
		}
		personal, err := strconv.ParseBool(c.rawNatsPersonal)
		if err != nil {
			return c, fmt.Errorf("--nats-personal-data (LHUTA_NATS_PERSONAL_DATA): %q is neither true nor false", c.rawNatsPersonal)
		}
		c.natsPersonal = personal
		return c, nil
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected argument %q (see lhuta help %s)", fs.Arg(0), c.command)
	}
	switch c.command {
	case "healthcheck", "token":
		return c, nil
	case "migrate", "rebuild", "backup", "export", "seal-existing":
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
	if c.idempotencyTTL, err = time.ParseDuration(c.rawIdempotencyTTL); err != nil || c.idempotencyTTL < time.Minute || c.idempotencyTTL > 8760*time.Hour {
		return c, fmt.Errorf("--idempotency-ttl (LHUTA_IDEMPOTENCY_TTL): %q is not a duration from 1m to 8760h (e.g. 168h)", c.rawIdempotencyTTL)
	}
	if c.natsPersonal, err = strconv.ParseBool(c.rawNatsPersonal); err != nil {
		return c, fmt.Errorf("--nats-personal-data (LHUTA_NATS_PERSONAL_DATA): %q is neither true nor false", c.rawNatsPersonal)
	}
	if c.trustedProxies, err = forwarded.ParseProxies(c.rawProxies); err != nil {
		return c, fmt.Errorf("--trusted-proxies (LHUTA_TRUSTED_PROXIES): %w", err)
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return c, errors.New("--tls-cert and --tls-key (LHUTA_TLS_CERT, LHUTA_TLS_KEY) go together: the certificate and its key")
	}
	if c.oidcGroups, err = sso.ParseGroups(c.rawGroups); err != nil {
		return c, fmt.Errorf("--oidc-groups: %w", err)
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

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
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
