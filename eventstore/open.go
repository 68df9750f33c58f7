package eventstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // the embedded store's driver
)

// DB is an open database of either backend.
type DB struct {
	SQL     *sql.DB
	Dialect Dialect
	// Where says which database this is, without credentials, for logs.
	Where string
	// Sealer, when set, encrypts personal values on append and opens them
	// on read for every Store that Store returns (package vault).
	Sealer Sealer
	close  func()
}

// Close closes the database.
func (db *DB) Close() {
	_ = db.SQL.Close()
	if db.close != nil {
		db.close()
	}
}

// Options are the settings of Open that have a default.
type Options struct {
	// Synchronous is SQLite's synchronous setting, "FULL" (the default) or
	// "NORMAL". FULL syncs the WAL at every commit, so an acknowledged append
	// survives a power loss; NORMAL syncs at checkpoints only and can lose the
	// last commits to a power loss (never to a crash of the process).
	Synchronous string
}

// Open opens PostgreSQL when databaseURL is set, else the embedded SQLite
// file lhuta.db in dataDir (created if missing), with default Options.
func Open(ctx context.Context, dataDir, databaseURL string) (*DB, error) {
	return OpenWith(ctx, dataDir, databaseURL, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, dataDir, databaseURL string, o Options) (*DB, error) {
	if databaseURL != "" {
		return OpenPostgres(ctx, databaseURL)
	}
	return OpenSQLiteWith(dataDir, o)
}

// OpenSQLite opens (creating) dataDir/lhuta.db with default Options.
func OpenSQLite(dataDir string) (*DB, error) { return OpenSQLiteWith(dataDir, Options{}) }

// OpenSQLiteWith opens (creating) dataDir/lhuta.db in WAL mode. Every
// transaction begins IMMEDIATE: SQLite has one writer, and taking the write
// lock at BEGIN makes concurrent writers wait (busy_timeout) instead of
// failing on upgrade. The file holds personal data: it and its -wal and -shm
// files are readable by the owner only (0600), whatever the umask.
func OpenSQLiteWith(dataDir string, o Options) (*DB, error) {
	sync := strings.ToUpper(o.Synchronous)
	switch sync {
	case "":
		sync = "FULL"
	case "FULL", "NORMAL":
	default:
		return nil, fmt.Errorf("SQLite synchronous setting %q: want FULL or NORMAL", o.Synchronous)
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	path := filepath.Join(dataDir, "lhuta.db")
	if abs, err := filepath.Abs(path); err == nil {
		path = abs // logged at start: say which file, wherever lhuta was started
	}
	// SQLite creates the -wal and -shm files with the mode of the database
	// file, so the database file is made 0600 before SQLite opens it.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	_ = f.Close()
	dsn := "file:" + path + "?_txlock=immediate" +
		"&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)&_pragma=synchronous(" + sync + ")"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := db.Ping(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Chmod(path+suffix, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			_ = db.Close()
			return nil, fmt.Errorf("restrict %s to its owner: %w", path+suffix, err)
		}
	}
	return &DB{SQL: db, Dialect: SQLite, Where: path}, nil
}

// OpenPostgres opens a pgx pool on databaseURL and wraps it for database/sql.
//
// After a database restart every pooled connection is dead, and each would
// fail the request that drew it. So the first connection that hears the
// server going away (SQLSTATE 57P01..57P03) empties the whole pool, and the
// pool also pings a connection idle for over a second before handing it out
// and checks idle ones every few seconds; the caller's one retry of a failed
// statement then runs on a fresh connection.
func OpenPostgres(ctx context.Context, databaseURL string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	cfg.HealthCheckPeriod = 5 * time.Second
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	var pool atomic.Pointer[pgxpool.Pool]
	closeOnFatal := cfg.ConnConfig.OnPgError
	cfg.ConnConfig.OnPgError = func(c *pgconn.PgConn, pgErr *pgconn.PgError) bool {
		switch pgErr.Code {
		case "57P01", "57P02", "57P03": // admin shutdown, crash shutdown, cannot connect now
			if p := pool.Load(); p != nil {
				p.Reset()
			}
		}
		return closeOnFatal == nil || closeOnFatal(c, pgErr)
	}
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	pool.Store(p)
	if err := p.Ping(ctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("connect to postgres at %s: %w", redact(databaseURL), err)
	}
	return &DB{SQL: stdlib.OpenDBFromPool(p), Dialect: Postgres, Where: redact(databaseURL), close: p.Close}, nil
}

// redact says which database a connection string names, without its
// password in whatever form it comes (a URL's user part, a password=
// parameter, the key=value form): only user, host, port and database.
func redact(databaseURL string) string {
	c, err := pgconn.ParseConfig(databaseURL)
	if err != nil {
		return "postgres (an unreadable connection string)"
	}
	u := url.URL{Scheme: "postgres", User: url.User(c.User), Host: fmt.Sprintf("%s:%d", c.Host, c.Port), Path: "/" + c.Database}
	return u.String()
}

// Backup writes a consistent copy of the embedded SQLite store to file
// (VACUUM INTO: safe while the service writes, unlike copying lhuta.db,
// which misses what is still in the -wal file). PostgreSQL is backed up
// with its own tools.
func (db *DB) Backup(ctx context.Context, file string) error {
	if db.Dialect.Name != SQLite.Name {
		return errors.New("backup copies the embedded SQLite store; back PostgreSQL up with pg_dump -Fc \"$DATABASE_URL\" > FILE (restore: pg_restore -d URL FILE)")
	}
	// The copy holds every citizen's data: it is created empty, exclusively
	// and readable by the owner only, before SQLite writes into it (VACUUM
	// INTO takes an existing empty file), never world-readable meanwhile.
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("backup: %s exists already; choose a new file", file)
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := db.SQL.ExecContext(ctx, `VACUUM INTO $1`, file); err != nil {
		_ = os.Remove(file)
		return fmt.Errorf("backup to %s: %w", file, err)
	}
	return nil
}
