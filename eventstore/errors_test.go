package eventstore_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lhuta/lhuta/eventstore"
)

func TestUnavailableTellsAnOutageFromAFault(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("load case-1: %w", err) }
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"admin shutdown", wrap(&pgconn.PgError{Code: "57P01"}), true},
		{"crash shutdown", wrap(&pgconn.PgError{Code: "57P02"}), true},
		{"cannot connect now", wrap(&pgconn.PgError{Code: "57P03"}), true},
		{"connection failure", wrap(&pgconn.PgError{Code: "08006"}), true},
		{"too many connections", wrap(&pgconn.PgError{Code: "53300"}), true},
		{"refused connection", wrap(&net.OpError{Op: "dial", Err: errors.New("connection refused")}), true},
		{"bad connection", wrap(driver.ErrBadConn), true},
		{"deadline", wrap(context.DeadlineExceeded), true},
		{"unique violation", wrap(&pgconn.PgError{Code: "23505"}), false},
		{"NUL in text", wrap(&pgconn.PgError{Code: "22021"}), false},
		{"a bug", errors.New("syntax error"), false},
		{"nil", nil, false},
	} {
		if got := eventstore.Unavailable(c.err); got != c.want {
			t.Errorf("%s: Unavailable = %v, want %v", c.name, got, c.want)
		}
	}
}
