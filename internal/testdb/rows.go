package testdb

import (
	"context"
	"database/sql"
	"testing"

	"github.com/lhuta/lhuta/eventstore"
)

// Rows returns every row of a query, a value the driver gives as []byte as
// a string, for tests that compare or copy what tables hold.
func Rows(t testing.TB, db *sql.DB, q string, args ...any) [][]any {
	t.Helper()
	_, all, err := eventstore.ScanAll(context.Background(), db, q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	for _, vals := range all {
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = string(b)
			}
		}
	}
	return all
}
