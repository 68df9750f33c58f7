package vault_test

import (
	"context"
	"errors"
	"testing"

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/internal/vault"
)

// The first instance records its KEK's fingerprint; the same KEK passes
// again, another one is refused, and so is another one on a database that
// holds keys but was written before the check (no fingerprint yet).
func TestAnotherKEKIsRefused(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		kek, _, _, err := vault.KEK("", t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		other, _, _, err := vault.KEK("", t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		v, _ := vault.New(db, kek)
		db.Sealer = v
		if _, err := db.Store().Append(ctx, "case-1", 0, meta, opened("c-1", "Jana", "1980-05-17", "")); err != nil {
			t.Fatal(err)
		}
		// A database with keys and no fingerprint (written before the check).
		w, _ := vault.New(db, other)
		if err := w.CheckKEK(ctx); !errors.Is(err, vault.ErrWrongKEK) {
			t.Fatalf("another KEK on keys written before the check: %v, want ErrWrongKEK", err)
		}
		if err := v.CheckKEK(ctx); err != nil {
			t.Fatalf("the KEK the keys were wrapped with: %v", err)
		}
		if err := v.CheckKEK(ctx); err != nil {
			t.Fatalf("the same KEK again: %v", err)
		}
		if err := w.CheckKEK(ctx); !errors.Is(err, vault.ErrWrongKEK) {
			t.Fatalf("another KEK after the fingerprint was recorded: %v, want ErrWrongKEK", err)
		}
	})
}
