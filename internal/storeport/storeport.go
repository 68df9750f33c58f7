// Package storeport is the event store's contract that the layers above it
// speak without importing the store: its errors, the expected version that
// accepts any, and which errors say the database is unavailable. It holds
// no SQL; eventstore re-exports all of it, so errors.Is matches either name.
package storeport

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrUnavailable wraps an error that says the database cannot be reached or
// did not answer in time: the request may succeed if sent again later (HTTP
// 503 with Retry-After), as opposed to a bug or a refused request.
var ErrUnavailable = errors.New("the database is unavailable")

// ErrCommitUnknown wraps an error that broke the connection while a
// transaction was committing: the append may or may not have been recorded,
// so it must not be blindly repeated (a client retries it safely with an
// Idempotency-Key).
var ErrCommitUnknown = errors.New("the connection failed while committing; the outcome is unknown")

// ErrConflict is returned when an append's expected version is stale: someone
// else appended to the stream first. Nothing is written.
var ErrConflict = errors.New("stream was changed by someone else (stale expected version)")

// ErrDuplicateRequest is returned when an append's idempotency key (see
// eventstore.Idempotency) was already recorded. Nothing is written.
var ErrDuplicateRequest = errors.New("this request was already recorded")

// ErrNotFound is returned when a stream has no events.
var ErrNotFound = errors.New("stream not found")

// Any is the expected version that accepts whatever the stream's version is.
const Any int64 = -1

// Unavailable reports whether err says the database is unreachable, down,
// restarting or too slow, rather than that a statement was wrong: connection
// errors of pgx and net, driver.ErrBadConn, SQLSTATE class 08 (connection
// exception), 57P01..57P03 (shutdown, crash, cannot connect now), 53300 (too
// many connections), an expired deadline, and SQLite's busy and locked.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.ErrUnexpectedEOF) ||
		pgconn.Timeout(err) {
		return true
	}
	var (
		connectErr *pgconn.ConnectError
		pgErr      *pgconn.PgError
		netErr     net.Error
		liteErr    *sqlite.Error
	)
	switch {
	case errors.As(err, &connectErr), errors.As(err, &netErr):
		return true
	case errors.As(err, &pgErr):
		switch pgErr.Code {
		case "57P01", "57P02", "57P03", "53300":
			return true
		}
		return len(pgErr.Code) == 5 && pgErr.Code[:2] == "08"
	case errors.As(err, &liteErr):
		code := liteErr.Code() & 0xff
		return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
	}
	return false
}
