package vault

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// ErrWrongKEK is returned by CheckKEK when the database's data keys were
// wrapped by another key-encryption key.
var ErrWrongKEK = errors.New("wrong key-encryption key")

// fingerprintOf is what identifies a KEK in the database: an HMAC under
// it, which tells nothing about the key.
func fingerprintOf(kek []byte) string {
	m := hmac.New(sha256.New, kek)
	m.Write([]byte("lhuta KEK fingerprint"))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// CheckKEK makes sure the vault's KEK is the one the database's data keys
// are wrapped with: on first use it records the KEK's fingerprint in
// kek_check (a database written before the check is first tried by
// unwrapping one of its keys); later it compares. A service given another
// KEK must not start: it could open nothing, and would make keys nobody
// else can open.
func (v *Vault) CheckKEK(ctx context.Context) error {
	var stored string
	err := v.db.SQL.QueryRowContext(ctx, `SELECT fingerprint FROM kek_check WHERE id = 1`).Scan(&stored)
	if err == nil {
		if stored != v.fingerprint {
			return fmt.Errorf("%w: the database's data keys are wrapped by the KEK with fingerprint %s, and this one's is %s; give lhuta the KEK this database was used with (LHUTA_KEK_FILE)",
				ErrWrongKEK, stored, v.fingerprint)
		}
		return nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read the KEK's fingerprint: %w", err)
	}
	var keyID string
	err = v.db.SQL.QueryRowContext(ctx, `SELECT key_id FROM subject_keys ORDER BY created_at, key_id LIMIT 1`).Scan(&keyID)
	switch {
	case err == nil:
		if _, kerr := v.key(ctx, keyID); kerr != nil {
			return fmt.Errorf("%w: it does not open the database's data keys (%s); give lhuta the KEK this database was used with (LHUTA_KEK_FILE)", ErrWrongKEK, kerr.Error())
		}
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	_, err = v.db.SQL.ExecContext(ctx, `INSERT INTO kek_check (id, fingerprint, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING`,
		v.fingerprint, time.Now().UTC())
	if err != nil {
		return fmt.Errorf("record the KEK's fingerprint: %w", err)
	}
	return v.CheckKEK(ctx)
}
