package eventstore

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/lhuta/lhuta/internal/storeport"
)

// The store's errors and its classification of unavailability live in
// internal/storeport, so that the layers above speak them without importing
// the store; these names are the same values.
var (
	// ErrUnavailable: see storeport.ErrUnavailable.
	ErrUnavailable = storeport.ErrUnavailable
	// ErrCommitUnknown: see storeport.ErrCommitUnknown.
	ErrCommitUnknown = storeport.ErrCommitUnknown
)

// Unavailable reports whether err says the database is unreachable, down,
// restarting or too slow (storeport.Unavailable).
func Unavailable(err error) bool { return storeport.Unavailable(err) }

// connectFailed reports whether a failed statement certainly did nothing:
// the connection was never made, pgx knows nothing was sent, or the server
// answered with an error.
func connectFailed(err error) bool {
	var (
		connectErr *pgconn.ConnectError
		pgErr      *pgconn.PgError
	)
	return errors.As(err, &connectErr) || errors.As(err, &pgErr) || pgconn.SafeToRetry(err)
}
