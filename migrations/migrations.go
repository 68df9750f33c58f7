// Package migrations holds lhuta's versioned schema for both backends,
// embedded in the binary and applied with goose at start-up and by
// `lhuta migrate`.
//
// A migration whose statements both backends share is written once, in
// shared/, naming the few column types the two spell differently as
// {{.Timestamp}} and the like (see columnTypes); one whose statements differ
// is written twice, in postgres/ and sqlite/.
package migrations

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"text/template"
	"time"

	"github.com/pressly/goose/v3"
)

//go:embed shared/*.sql sqlite/*.sql postgres/*.sql
var files embed.FS

// columnTypes are the column types a shared migration leaves to the dialect.
type columnTypes struct {
	Timestamp string // a point in time
	Position  string // a position in the event log, as events.position holds it
	SerialKey string // a primary key the database numbers
}

var dialects = map[string]struct {
	goose goose.Dialect
	types columnTypes
}{
	"sqlite": {goose.DialectSQLite3, columnTypes{
		Timestamp: "TIMESTAMP",
		Position:  "INTEGER",
		SerialKey: "INTEGER PRIMARY KEY AUTOINCREMENT",
	}},
	"postgres": {goose.DialectPostgres, columnTypes{
		Timestamp: "TIMESTAMPTZ",
		Position:  "BIGINT",
		SerialKey: "BIGSERIAL PRIMARY KEY",
	}},
}

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

// UpTo applies the pending migrations of the dialect up to version, for
// tests of what a later migration does to data written before it.
func UpTo(ctx context.Context, db *sql.DB, dialect string, version int64) error {
	p, err := provider(db, dialect)
	if err != nil {
		return err
	}
	if _, err := p.UpTo(ctx, version); err != nil {
		return fmt.Errorf("migrate %s up to %d: %w", dialect, version, err)
	}
	return nil
}

func provider(db *sql.DB, dialect string) (*goose.Provider, error) {
	d, ok := dialects[dialect]
	if !ok {
		return nil, fmt.Errorf("migrations: unknown dialect %q", dialect)
	}
	src, err := sources(dialect, d.types)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(d.goose, db, src)
}

// sources are the dialect's migration files as goose reads them: its own
// and the shared ones written out with its column types.
func sources(dialect string, types columnTypes) (memFS, error) {
	src := memFS{}
	own, err := fs.Glob(files, dialect+"/*.sql")
	if err != nil {
		return nil, err
	}
	for _, name := range own {
		if src[path.Base(name)], err = files.ReadFile(name); err != nil {
			return nil, err
		}
	}
	shared, err := template.New("").Option("missingkey=error").ParseFS(files, "shared/*.sql")
	if err != nil {
		return nil, err
	}
	for _, t := range shared.Templates() {
		if _, dup := src[t.Name()]; dup {
			return nil, fmt.Errorf("migrations: %s is both shared and in %s/", t.Name(), dialect)
		}
		var b bytes.Buffer
		if err := t.Execute(&b, types); err != nil {
			return nil, err
		}
		src[t.Name()] = b.Bytes()
	}
	return src, nil
}

// memFS is a folder of files held in memory, file name to content.
type memFS map[string][]byte

func (m memFS) Open(name string) (fs.File, error) {
	b, ok := m[name]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &memFile{Reader: bytes.NewReader(b), name: name}, nil
}

// Glob lets fs.Glob list the folder, which has no folder of its own to open.
func (m memFS) Glob(pattern string) ([]string, error) {
	var names []string
	for name := range m {
		ok, err := path.Match(pattern, name)
		if err != nil {
			return nil, err
		}
		if ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names, nil
}

type memFile struct {
	*bytes.Reader
	name string
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f, nil }
func (f *memFile) Close() error               { return nil }
func (f *memFile) Name() string               { return f.name }
func (f *memFile) Mode() fs.FileMode          { return 0o444 }
func (f *memFile) ModTime() time.Time         { return time.Time{} }
func (f *memFile) IsDir() bool                { return false }
func (f *memFile) Sys() any                   { return nil }
