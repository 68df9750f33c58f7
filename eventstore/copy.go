package eventstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// CopyFrom bulk-loads n rows into table's columns with PostgreSQL's COPY,
// row(i) giving the values of the i-th row, and returns how many it copied.
// COPY is the fastest way in (see docs/PERFORMANCE.md) and has no SQLite
// counterpart, so on SQLite it is an error: batch INSERTs in a transaction
// there instead.
func (db *DB) CopyFrom(ctx context.Context, table string, columns []string, n int, row func(i int) ([]any, error)) (int64, error) {
	if db.Dialect.Name != Postgres.Name {
		return 0, errors.New("copy: COPY is PostgreSQL's; the embedded SQLite store loads with INSERT")
	}
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	var copied int64
	// database/sql has no COPY: it is pgx's, reached through the
	// connection under the pool (stdlib.OpenDBFromPool in OpenPostgres).
	err = conn.Raw(func(c any) error {
		copied, err = c.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromSlice(n, row))
		return err
	})
	if err != nil {
		return copied, fmt.Errorf("copy into %s: %w", table, err)
	}
	return copied, nil
}
