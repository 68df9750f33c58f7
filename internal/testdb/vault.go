package testdb

import (
	"testing"

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/vault"
)

// Sealed makes a vault with a new KEK (kept in a temporary directory) the
// Sealer of db, as a server that seals personal data has it, and returns it.
func Sealed(t testing.TB, db *eventstore.DB) *vault.Vault {
	t.Helper()
	kek, _, _, err := vault.KEK("", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return SealedBy(t, db, kek)
}

// SealedBy makes a vault with the KEK given the Sealer of db, and returns it.
func SealedBy(t testing.TB, db *eventstore.DB, kek []byte) *vault.Vault {
	t.Helper()
	v, err := vault.New(db, kek)
	if err != nil {
		t.Fatal(err)
	}
	db.Sealer = v
	return v
}
