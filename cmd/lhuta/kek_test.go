package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/internal/teststack"
	"github.com/lhuta/lhuta/internal/vault"
	"github.com/lhuta/lhuta/migrations"
)

func TestKEKGenerate(t *testing.T) {
	file := filepath.Join(t.TempDir(), "kek")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"kek", "generate", file}, &out); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the KEK file: %v %v", fi, err)
	}
	first, _ := os.ReadFile(file)
	if err := run(context.Background(), []string{"kek", "generate", file}, &out); err == nil {
		t.Error("kek generate overwrote a KEK")
	}
	if again, _ := os.ReadFile(file); !bytes.Equal(first, again) {
		t.Error("the KEK changed")
	}
}

// An embedded store written before sealing holds names in plaintext; lhuta
// seal-existing leaves none in its file, and the events read as before.
func TestSealExistingCommand(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	ctx := context.Background()
	dir := t.TempDir()
	db, err := eventstore.OpenSQLite(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrations.Up(ctx, db.SQL, db.Dialect.Name); err != nil {
		t.Fatal(err)
	}
	const name = "Kanárek Předsealový"
	data, _ := json.Marshal(map[string]any{"situation": "id_card_incident", "office": "Praha 1", "opened_on": "2026-04-01",
		"citizen": map[string]any{"id": "c-old", "full_name": name, "birth_date": "1980-05-17"}})
	if _, err := eventstore.NewSQLStore(db.SQL, db.Dialect).Append(ctx, "case-1", 0, eventstore.Metadata{RecordedBy: "alice"},
		eventstore.NewEvent{Type: "CaseOpened", Data: data}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	kek := filepath.Join(t.TempDir(), "kek")
	var out bytes.Buffer
	if err := run(ctx, []string{"kek", "generate", kek}, &out); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"seal-existing", "--data-dir", dir, "--kek-file", kek}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "sealed the personal values of 1 events") {
		t.Errorf("seal-existing said %q", out.String())
	}
	for _, f := range []string{"lhuta.db", "lhuta.db-wal"} {
		b, _ := os.ReadFile(filepath.Join(dir, f))
		if bytes.Contains(b, []byte(name)) || bytes.Contains(b, []byte("c-old")) {
			t.Errorf("%s still holds the citizen in plaintext", f)
		}
	}
	out.Reset()
	if err := run(ctx, []string{"export", "--data-dir", dir, "--kek-file", kek}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), name) {
		t.Errorf("the sealed event does not open: %s", out.String())
	}
}

// sharedKEK gives every instance a test starts one KEK (LHUTA_KEK_FILE), as
// instances sharing a database, or a restore, must have (docs/RETENTION.md).
func sharedKEK(t *testing.T) {
	t.Helper()
	kek := filepath.Join(t.TempDir(), "kek")
	if err := run(context.Background(), []string{"kek", "generate", kek}, io.Discard); err != nil {
		t.Fatal(err)
	}
	t.Setenv("LHUTA_KEK_FILE", kek)
}

// sealWith gives db, opened by a test beside the commands it runs, the
// vault of the KEK sharedKEK set, as the commands have.
func sealWith(t *testing.T, db *eventstore.DB) {
	t.Helper()
	kek, err := vault.LoadKEK(os.Getenv("LHUTA_KEK_FILE"))
	if err != nil {
		t.Fatal(err)
	}
	testdb.SealedBy(t, db, kek)
}

// TestMain gives every test of the commands one KEK, so that no test that
// runs a command without a data directory (PostgreSQL) leaves one in the
// working directory; sharedKEK gives a test its own.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lhuta-kek")
	if err != nil {
		panic(err)
	}
	kek := filepath.Join(dir, "kek")
	if err := vault.GenerateKEK(kek); err != nil {
		panic(err)
	}
	os.Setenv("LHUTA_KEK_FILE", kek) //nolint:usetesting // for every test of the package, before any runs
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// An instance given another KEK than the one the database was first used
// with refuses to start, and says why.
func TestAnotherKEKRefusesToStart(t *testing.T) {
	dir := t.TempDir()
	sharedKEK(t)
	if err := run(context.Background(), []string{"migrate", "--data-dir", dir, "--database-url", ""}, io.Discard); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "other")
	if err := vault.GenerateKEK(other); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"serve", "--data-dir", dir, "--database-url", "", "--kek-file", other, "--addr", teststack.FreeAddr(t)}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "wrong key-encryption key") {
		t.Fatalf("serve with another KEK: %v", err)
	}
	if err := run(context.Background(), []string{"migrate", "--data-dir", dir, "--database-url", ""}, io.Discard); err != nil {
		t.Fatalf("the KEK the database was used with: %v", err)
	}
}
