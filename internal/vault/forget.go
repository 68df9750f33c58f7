package vault

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
)

// Forgetting is what a forgetting destroyed: the key, and the cases whose
// personal values it sealed.
type Forgetting struct {
	KeyID   string
	CaseIDs []string
}

// CaseIDs returns the ids of the cases whose personal values the citizen's
// key seals (none for a citizen without a key).
func (v *Vault) CaseIDs(ctx context.Context, citizenID string) ([]string, error) {
	var keyID string
	err := v.db.SQL.QueryRowContext(ctx, `SELECT key_id FROM subject_keys WHERE subject = $1`, v.subject(citizenID)).Scan(&keyID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return streamsOf(ctx, v.db.SQL, keyID)
}

// Forget destroys the citizen's data key and scrubs what it sealed from the
// events table, in one transaction: the sealed values become
// cases.Forgotten. A citizen without a key (never seen, or forgotten
// before) is forgotten already: the answer has no KeyID.
func (v *Vault) Forget(ctx context.Context, citizenID string) (Forgetting, error) {
	var keyID string
	err := v.db.SQL.QueryRowContext(ctx, `SELECT key_id FROM subject_keys WHERE subject = $1`, v.subject(citizenID)).Scan(&keyID)
	if errors.Is(err, sql.ErrNoRows) {
		return Forgetting{}, nil
	}
	if err != nil {
		return Forgetting{}, fmt.Errorf("forget: %w", err)
	}
	return v.ForgetKey(ctx, keyID)
}

// ForgetKey destroys one data key by its id (as ForgottenKeys lists them)
// and scrubs what it sealed; a key already gone changes nothing.
func (v *Vault) ForgetKey(ctx context.Context, keyID string) (Forgetting, error) {
	f := Forgetting{KeyID: keyID}
	err := eventstore.InTx(ctx, v.db.SQL, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM subject_keys WHERE key_id = $1`, keyID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO forgotten_keys (key_id, forgotten_at) VALUES ($1, $2)
			ON CONFLICT (key_id) DO NOTHING`, keyID, time.Now().UTC()); err != nil {
			return err
		}
		var err error
		if f.CaseIDs, err = streamsOf(ctx, tx, keyID); err != nil {
			return err
		}
		for _, id := range f.CaseIDs {
			if err := scrubStream(ctx, tx, id, keyID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return f, fmt.Errorf("forget key %s: %w", keyID, err)
	}
	v.mu.Lock()
	delete(v.keys, keyID)
	v.mu.Unlock()
	return f, v.bury(keyID)
}

func streamsOf(ctx context.Context, q eventstore.Queryer, keyID string) ([]string, error) {
	return eventstore.Strings(ctx, q, `SELECT stream_id FROM stream_keys WHERE key_id = $1 ORDER BY stream_id`, keyID)
}

// scrubStream replaces the values sealed with keyID in a stream's events by
// cases.Forgotten: the ciphertext goes with the key.
func scrubStream(ctx context.Context, tx *sql.Tx, streamID, keyID string) error {
	stored := eventstore.StoredIn(tx)
	events, err := stored.Stream(ctx, streamID)
	if err != nil {
		return err
	}
	for _, e := range events {
		if !strings.Contains(string(e.Data), prefix+keyID+":") {
			continue
		}
		doc, err := parse(e.Data)
		if err != nil {
			return err
		}
		scrubbed, err := marshal(scrub(doc, keyID))
		if err != nil {
			return err
		}
		if err := stored.Rewrite(ctx, e.Position, scrubbed); err != nil {
			return err
		}
	}
	return nil
}

func scrub(val any, keyID string) any {
	switch x := val.(type) {
	case map[string]any:
		for k, inner := range x {
			x[k] = scrub(inner, keyID)
		}
	case string:
		if id, _, ok := sealed(x); ok && id == keyID {
			return cases.Forgotten
		}
	}
	return val
}

// ForgottenKeys lists the ids of the keys destroyed in this database.
func (v *Vault) ForgottenKeys(ctx context.Context) ([]string, error) {
	return eventstore.Strings(ctx, v.db.SQL, `SELECT key_id FROM forgotten_keys ORDER BY key_id`)
}

// KeyOf returns the id of the citizen's data key, "" when the citizen has
// none (never seen, or forgotten).
func (v *Vault) KeyOf(ctx context.Context, citizenID string) (string, error) {
	var keyID string
	err := v.db.SQL.QueryRowContext(ctx, `SELECT key_id FROM subject_keys WHERE subject = $1`, v.subject(citizenID)).Scan(&keyID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return keyID, err
}

// Subject is the name the vault gives a citizen in its tables: an HMAC of
// the citizen's id under a key derived from the KEK, which names nobody
// without the KEK.
func (v *Vault) Subject(citizenID string) string { return v.subject(citizenID) }

// KeyCases returns the ids of the cases a key seals (or sealed, once it is
// destroyed: stream_keys outlives a forgetting).
func (v *Vault) KeyCases(ctx context.Context, keyID string) ([]string, error) {
	return streamsOf(ctx, v.db.SQL, keyID)
}

// Buried lists the key ids of the tombstone file that the database still
// holds: the keys a restored backup must forget again.
func (v *Vault) Buried(ctx context.Context) ([]string, error) {
	var held []string
	err := v.eachHeldTombstone(ctx, func(keyID string) error {
		held = append(held, keyID)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return held, nil
}
