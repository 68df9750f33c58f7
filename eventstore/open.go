package eventstore

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

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
	close func()
}

// Close closes the database.
func (db *DB) Close() {
	_ = db.SQL.Close()
	if db.close != nil {
		db.close()
	}
}

// Open opens PostgreSQL when databaseURL is set, else the embedded SQLite
// file lhuta.db in dataDir (created if missing).
func Open(ctx context.Context, dataDir, databaseURL string) (*DB, error) {
	if databaseURL != "" {
		return OpenPostgres(ctx, databaseURL)
	}
	return OpenSQLite(dataDir)
}

// OpenSQLite opens (creating) dataDir/lhuta.db in WAL mode. Every transaction
// begins IMMEDIATE: SQLite has one writer, and taking the write lock at BEGIN
// makes concurrent writers wait (busy_timeout) instead of failing on upgrade.
func OpenSQLite(dataDir string) (*DB, error) {
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	path := filepath.Join(dataDir, "lhuta.db")
	dsn := "file:" + path + "?_txlock=immediate" +
		"&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)&_pragma=synchronous(NORMAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := db.Ping(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return &DB{SQL: db, Dialect: SQLite, Where: path}, nil
}

// OpenPostgres opens a pgx pool on databaseURL and wraps it for database/sql.
func OpenPostgres(ctx context.Context, databaseURL string) (*DB, error) {
	pool, err := pgxpool.New(ctx, databaseURL)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to postgres at %s: %w", redact(databaseURL), err)
	}
	return &DB{SQL: stdlib.OpenDBFromPool(pool), Dialect: Postgres, Where: redact(databaseURL), close: pool.Close}, nil
}

// redact drops the password from a database URL.
func redact(databaseURL string) string {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "postgres"
	}
	return u.Redacted()
}
