package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/erasure"
	"github.com/lhuta/lhuta/internal/vault"
	"github.com/lhuta/lhuta/projections"
)

// openVault gives db the vault that seals personal values, under the KEK
// of LHUTA_KEK_FILE or, without it, the one kept in the data directory
// (said at start: that KEK is in the same place as the SQLite file, so a
// copy of the directory opens everything). The tombstones of forgotten
// keys live beside the KEK, outside the database and its backups.
func openVault(c config, db *eventstore.DB, log *slog.Logger) (*vault.Vault, error) {
	kek, path, generated, err := vault.KEK(c.kekFile, c.dataDir)
	if err != nil {
		return nil, err
	}
	if c.kekFile == "" {
		log.Warn("LHUTA_KEK_FILE is not set: the key-encryption key is kept in the data directory; keep it apart from the database and its backups (lhuta kek generate FILE)",
			"kek", path, "generated_now", generated)
	}
	v, err := vault.New(db, kek)
	if err != nil {
		return nil, err
	}
	if err := v.CheckKEK(context.Background()); err != nil {
		return nil, fmt.Errorf("the KEK %s: %w", path, err)
	}
	v.KeepTombstonesIn(filepath.Join(filepath.Dir(path), vault.TombstoneFile))
	db.Sealer = v
	return v, nil
}

// sealExisting seals the personal values a database written before
// sealing holds in plaintext (lhuta seal-existing).
func sealExisting(ctx context.Context, v *vault.Vault, out io.Writer) error {
	n, err := v.SealExisting(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "sealed the personal values of %d events\n", n)
	return nil
}

// sealOnce seals, at the first start of a release that seals, what the
// database holds from before (an upgrade from 0.1.0), and says so.
func sealOnce(ctx context.Context, v *vault.Vault, log *slog.Logger) error {
	// The tombstones beside this instance's KEK learn the forgettings other
	// instances did; a file that cannot be written stops the start here,
	// not a forgetting half-way.
	n, err := v.SyncTombstones(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		log.Info("the tombstone file learnt keys forgotten by other instances", "keys", n)
	}
	n, ran, err := v.SealExistingOnce(ctx)
	if err != nil {
		return fmt.Errorf("seal the personal values written before sealing: %w", err)
	}
	if ran && n > 0 {
		log.Warn("sealed the personal values that events written before sealing held in plaintext, and compacted the database (once, after the upgrade)", "events", n)
	}
	return nil
}

// generateKEK writes a new key-encryption key (lhuta kek generate FILE).
func generateKEK(file string, out io.Writer) error {
	if err := vault.GenerateKEK(file); err != nil {
		return err
	}
	fmt.Fprintf(out, "wrote a new key-encryption key to %s (mode 0600); set LHUTA_KEK_FILE=%s and back it up apart from the database\n", file, file)
	return nil
}

// forgetAgain forgets again, in full, before the service serves, every
// citizen whose key the tombstones beside the KEK say was destroyed but the
// database still holds (a backup restored from before a forgetting): the
// key, the events, the read models and every other table (internal/erasure),
// then rebuilds the read models from the events as they now read and
// compacts the database, so that nothing of those citizens is answered or
// left in its files.
func forgetAgain(ctx context.Context, c config, db *eventstore.DB, v *vault.Vault, log *slog.Logger) error {
	opts, err := moneyOptions(c)
	if err != nil {
		return err
	}
	e := &erasure.Eraser{DB: db, Vault: v, Pipeline: projections.New(db, log, opts...), NoCompact: true, Log: log}
	done, err := e.ForgetAgain(ctx)
	if err != nil || len(done) == 0 {
		return err
	}
	log.Warn("the database held keys of forgotten citizens (a restored backup?) or an unfinished forgetting: forgot them in full; rebuilding the read models", "keys", len(done))
	if err := rebuild(ctx, db, false, c, io.Discard); err != nil {
		return fmt.Errorf("rebuild after forgetting again: %w", err)
	}
	return vault.Compact(ctx, db)
}
