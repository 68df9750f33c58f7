package vault_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
)

// A key forgotten by another instance (whose tombstones are in its own
// file) reaches this instance's file at its start; a second start adds
// nothing; a file that cannot be written stops the start.
func TestSyncTombstones(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		v := sealedDB(t, db)
		if _, err := db.Store().Append(ctx, uuid.NewString(), 0, meta, opened("CIT-1", canaryName, canaryBorn, canaryNumber)); err != nil {
			t.Fatal(err)
		}
		other := filepath.Join(t.TempDir(), "forgotten-keys")
		v.KeepTombstonesIn(other) // the other instance's file
		f, err := v.Forget(ctx, "CIT-1")
		if err != nil || f.KeyID == "" {
			t.Fatalf("forget: %+v %v", f, err)
		}
		mine := filepath.Join(t.TempDir(), "forgotten-keys")
		v.KeepTombstonesIn(mine)
		if n, err := v.SyncTombstones(ctx); err != nil || n != 1 {
			t.Fatalf("first start: added %d (%v), want 1", n, err)
		}
		if b, _ := os.ReadFile(mine); strings.TrimSpace(string(b)) != f.KeyID {
			t.Errorf("this instance's tombstones: %q, want %s", b, f.KeyID)
		}
		if n, err := v.SyncTombstones(ctx); err != nil || n != 0 {
			t.Errorf("second start: added %d (%v), want 0", n, err)
		}
		v.KeepTombstonesIn(filepath.Join(t.TempDir(), "no such directory", "forgotten-keys"))
		if _, err := v.SyncTombstones(ctx); err == nil || !strings.Contains(err.Error(), "writable") {
			t.Errorf("an unwritable tombstone file: %v", err)
		}
	})
}
