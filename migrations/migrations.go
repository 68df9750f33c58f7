// Package migrations holds lhuta's versioned schema for both backends,
// embedded in the binary and applied with goose at start-up and by
// `lhuta migrate`.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// Up applies every pending migration of the dialect ("sqlite" or "postgres")
// and returns how many it applied.
func Up(ctx context.Context, db *sql.DB, dialect string) (int, error) {
	p, err := provider(db, dialect)
	if err != nil {
		return 0, err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return len(results), fmt.Errorf("migrate %s: %w", dialect, err)
	}
	return len(results), nil
}

func provider(db *sql.DB, dialect string) (*goose.Provider, error) {
	var d goose.Dialect
	switch dialect {
	case "sqlite":
		d = goose.DialectSQLite3
	case "postgres":
		d = goose.DialectPostgres
	default:
		return nil, fmt.Errorf("migrations: unknown dialect %q", dialect)
	}
	sub, err := fs.Sub(files, dialect)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(d, db, sub)
}
