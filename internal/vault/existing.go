package vault

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/lhuta/lhuta/eventstore"
)

// sealPage is how many events SealExisting reads at a time.
const sealPage = 500

// SealExisting seals the personal values that a database written before
// sealing holds in plaintext (lhuta seal-existing, once after the upgrade),
// in log order so that each case's CaseOpened makes or finds its citizen's
// key first, then compacts the database so that the plaintext is gone from
// its files too (SQLite: VACUUM and a truncated WAL; PostgreSQL: VACUUM
// FULL of the events table). It returns how many events it sealed; run
// again it seals nothing.
func (v *Vault) SealExisting(ctx context.Context) (int, error) {
	n := 0
	for after := int64(0); ; {
		page, err := eventstore.StoredIn(v.db.SQL).Page(ctx, after, sealPage)
		if err != nil {
			return n, err
		}
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			after = e.Position
			data, err := v.Seal(ctx, e.StreamID, e.Type, e.Data)
			if err != nil {
				return n, fmt.Errorf("seal event %d: %w", e.Position, err)
			}
			if string(data) == string(e.Data) {
				continue
			}
			if err := eventstore.StoredIn(v.db.SQL).Rewrite(ctx, e.Position, data); err != nil {
				return n, fmt.Errorf("seal event %d: %w", e.Position, err)
			}
			n++
		}
	}
	if n > 0 {
		if err := Compact(ctx, v.db); err != nil {
			return n, err
		}
	}
	_, err := v.db.SQL.ExecContext(ctx, `INSERT INTO sealed_existing (done_at, events) VALUES ($1, $2)`, time.Now().UTC(), n)
	return n, err
}

// SealExistingOnce is SealExisting the first time a database meets a
// release that seals (lhuta serve runs it before it serves; not lhuta
// migrate, which may run beside an older release that reads the events in
// plaintext). It reports whether it ran; afterwards it reads one row.
func (v *Vault) SealExistingOnce(ctx context.Context) (n int, ran bool, err error) {
	var done int
	if err := v.db.SQL.QueryRowContext(ctx, `SELECT COUNT(*) FROM sealed_existing`).Scan(&done); err != nil || done > 0 {
		return 0, false, err
	}
	n, err = v.SealExisting(ctx)
	return n, true, err
}

// Compact rewrites the database's files so that values overwritten or
// deleted are gone from them, not only from its tables: on SQLite the free
// pages and the WAL, on PostgreSQL the dead versions of the events' rows.
func Compact(ctx context.Context, db *eventstore.DB) error {
	stmts := []string{`VACUUM FULL events`}
	if db.Dialect.Name != eventstore.Postgres.Name {
		stmts = []string{`PRAGMA wal_checkpoint(TRUNCATE)`, `VACUUM`, `PRAGMA wal_checkpoint(TRUNCATE)`}
	}
	for _, s := range stmts {
		if err := exec(ctx, db.SQL, s); err != nil {
			return fmt.Errorf("compact (%s): %w", s, err)
		}
	}
	return nil
}

func exec(ctx context.Context, db *sql.DB, stmt string) error {
	_, err := db.ExecContext(ctx, stmt)
	return err
}
