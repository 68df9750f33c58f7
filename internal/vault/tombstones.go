package vault

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
)

// TombstoneFile is the list of destroyed keys kept beside the KEK, outside
// the database and so outside its backups: a backup restored from before a
// forgetting still holds the key, and ReplayTombstones destroys it again
// before the service serves (docs/RETENTION.md). It holds random key ids
// only, nothing about anybody.
const TombstoneFile = "forgotten-keys"

// KeepTombstonesIn makes the vault append each key it destroys to the file
// at path and replay that file (ReplayTombstones).
func (v *Vault) KeepTombstonesIn(path string) { v.tombstones = path }

func (v *Vault) bury(keyID string) error {
	if v.tombstones == "" {
		return nil
	}
	f, err := os.OpenFile(v.tombstones, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("record the forgotten key: %w", err)
	}
	if _, err := f.WriteString(keyID + "\n"); err != nil {
		_ = f.Close()
		return fmt.Errorf("record the forgotten key: %w", err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// ReplayTombstones destroys every key of the tombstone file that the
// database still holds (a restored backup) and returns what it destroyed.
func (v *Vault) ReplayTombstones(ctx context.Context) ([]Forgetting, error) {
	var done []Forgetting
	err := v.eachHeldTombstone(ctx, func(keyID string) error {
		fg, err := v.ForgetKey(ctx, keyID)
		if err != nil {
			return err
		}
		done = append(done, fg)
		return nil
	})
	return done, err
}

// eachHeldTombstone calls fn, in the tombstone file's order, with each key
// it lists that the database holds when fn's turn comes, until fn fails.
func (v *Vault) eachHeldTombstone(ctx context.Context, fn func(keyID string) error) error {
	if v.tombstones == "" {
		return nil
	}
	f, err := os.Open(v.tombstones)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		keyID := strings.TrimSpace(sc.Text())
		if keyID == "" {
			continue
		}
		var n int
		if err := v.db.SQL.QueryRowContext(ctx, `SELECT COUNT(*) FROM subject_keys WHERE key_id = $1`, keyID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			continue
		}
		if err := fn(keyID); err != nil {
			return err
		}
	}
	return sc.Err()
}

// SyncTombstones appends to the tombstone file every key the database
// records as forgotten (forgotten_keys) that the file does not list yet,
// and so checks at start that the file can be written: with several
// instances each keeps its own file beside its KEK, and a forgetting done
// by another instance reaches this one's file at its next start (a backup
// restored beside it then forgets it too). It returns how many it added.
func (v *Vault) SyncTombstones(ctx context.Context) (int, error) {
	if v.tombstones == "" {
		return 0, nil
	}
	listed := map[string]bool{}
	if b, err := os.ReadFile(v.tombstones); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			listed[strings.TrimSpace(line)] = true
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return 0, fmt.Errorf("the tombstone file: %w", err)
	}
	f, err := os.OpenFile(v.tombstones, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return 0, fmt.Errorf("the tombstone file must be writable, as forgetting appends to it: %w", err)
	}
	rows, err := v.db.SQL.QueryContext(ctx, `SELECT key_id FROM forgotten_keys ORDER BY forgotten_at, key_id`)
	if err != nil {
		_ = f.Close()
		return 0, err
	}
	added := 0
	for rows.Next() {
		var keyID string
		if err = rows.Scan(&keyID); err != nil {
			break
		}
		if listed[keyID] {
			continue
		}
		if _, err = f.WriteString(keyID + "\n"); err != nil {
			break
		}
		listed[keyID] = true
		added++
	}
	err = errors.Join(err, rows.Err(), rows.Close())
	if added > 0 {
		err = errors.Join(err, f.Sync())
	}
	return added, errors.Join(err, f.Close())
}
