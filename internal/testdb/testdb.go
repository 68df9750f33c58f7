// Package testdb gives each test a fresh, migrated database on a real
// backend: a SQLite file in a temporary directory, or a new PostgreSQL
// database that is dropped when the test ends.
package testdb

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx" for the admin connection

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/migrations"
	"github.com/lhuta/lhuta/projections"
)

// DefaultPostgresURL is the server the tests use unless LHUTA_TEST_POSTGRES names another.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Backends lists the backends every conformance test runs on.
var Backends = []string{"sqlite", "postgres"}

// Open returns a fresh migrated database of the named backend.
func Open(t testing.TB, backend string) *eventstore.DB {
	t.Helper()
	if backend == "postgres" {
		return Postgres(t)
	}
	return SQLite(t)
}

// Each runs fn as a parallel subtest on a fresh database of every backend.
func Each(t *testing.T, fn func(t *testing.T, db *eventstore.DB)) {
	for _, backend := range Backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			fn(t, Open(t, backend))
		})
	}
}

// EachAtVersion runs fn as a parallel subtest on a fresh database of every
// backend migrated only up to version (see AtVersion).
func EachAtVersion(t *testing.T, version int64, fn func(t *testing.T, db *eventstore.DB)) {
	for _, backend := range Backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			fn(t, AtVersion(t, backend, version))
		})
	}
}

// SQLite returns a migrated SQLite store in a temporary directory.
func SQLite(t testing.TB) *eventstore.DB {
	t.Helper()
	db, err := eventstore.OpenSQLite(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	Migrate(t, db)
	return db
}

// PostgresURL returns the URL of a new, empty database on the test server,
// dropped when the test ends. Without a server the test is skipped, except
// in CI (CI=true), where it fails: CI must run the PostgreSQL tests.
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv("LHUTA_TEST_POSTGRES")
	if admin == "" {
		admin = DefaultPostgresURL
	}
	ctx := context.Background()
	adminDB, err := sql.Open("pgx", admin)
	if err == nil {
		err = adminDB.PingContext(ctx)
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required in CI but unreachable at %s: %v", admin, err)
		}
		t.Skipf("PostgreSQL unreachable at %s (%v); set CI=true to make this a failure", admin, err)
	}
	name := "lhuta_test_" + strings.ReplaceAll(uuid.NewString(), "-", "")
	if _, err := adminDB.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		_, err := adminDB.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
		_ = adminDB.Close()
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// Postgres returns a migrated store on a new PostgreSQL database.
func Postgres(t testing.TB) *eventstore.DB {
	t.Helper()
	db, err := eventstore.OpenPostgres(context.Background(), PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	Migrate(t, db)
	return db
}

// AtVersion returns a fresh database of the backend migrated only up to
// version, for tests of what a later migration does to data written before
// it; the test migrates it further with Migrate.
func AtVersion(t testing.TB, backend string, version int64) *eventstore.DB {
	t.Helper()
	var (
		db  *eventstore.DB
		err error
	)
	if backend == "postgres" {
		db, err = eventstore.OpenPostgres(context.Background(), PostgresURL(t))
	} else {
		db, err = eventstore.OpenSQLite(t.TempDir())
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if err := migrations.UpTo(context.Background(), db.SQL, db.Dialect.Name, version); err != nil {
		t.Fatal(err)
	}
	return db
}

// Migrate applies every pending migration to db.
func Migrate(t testing.TB, db *eventstore.DB) {
	t.Helper()
	if _, err := migrations.Up(context.Background(), db.SQL, db.Dialect.Name); err != nil {
		t.Fatal(fmt.Errorf("%s: %w", db.Dialect.Name, err))
	}
	if err := projections.Prepare(context.Background(), db); err != nil {
		t.Fatal(fmt.Errorf("%s: %w", db.Dialect.Name, err))
	}
}

// WaitDrained waits until no event of store's log comes after the cursor
// that checkpoint returns (a consumer's offset: the read models', the
// feed's), failing the test with what after timeout. It waits for the log
// in its own order, not for the highest position: on PostgreSQL an event
// committed later may hold a lower position.
func WaitDrained(t testing.TB, store *eventstore.SQLStore, checkpoint func(context.Context) (eventstore.Cursor, error), timeout time.Duration, what string) {
	t.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(timeout); ; time.Sleep(20 * time.Millisecond) {
		c, err := checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n, err := store.CountAfter(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d events still after the offset %v after %s", what, n, c, timeout)
		}
	}
}
