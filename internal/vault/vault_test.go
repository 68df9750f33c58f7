package vault_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/internal/vault"
)

var meta = eventstore.Metadata{RecordedBy: "alice", CorrelationID: "req"}

// The canary's values: unique strings that appear nowhere else.
const (
	canaryName   = "Kanárek Zapomenutelný"
	canaryBorn   = "1987-03-14"
	canaryNumber = "870314/0009"
	canaryEmail  = "kanarek.zapomenutelny@example.org"
)

func opened(citizenID, name, born, number string) eventstore.NewEvent {
	b, _ := json.Marshal(map[string]any{"situation": "id_card_incident", "office": "PRAHA1", "opened_on": "2026-04-01",
		"citizen": map[string]any{"id": citizenID, "full_name": name, "birth_date": born, "birth_number": number}})
	return eventstore.NewEvent{Type: string(cases.CaseOpenedType), Data: b}
}

func consent(email string) eventstore.NewEvent {
	b, _ := json.Marshal(map[string]any{"email": email, "given_on": "2026-04-02"})
	return eventstore.NewEvent{Type: string(cases.ContactConsentGivenType), Data: b}
}

// rawEvents is the log as stored: the stream, type, data and recorder of
// every event.
func rawEvents(t *testing.T, db *eventstore.DB) string {
	t.Helper()
	var b strings.Builder
	for _, e := range testdb.StoredLog(t, db) {
		b.WriteString(e.StreamID + " " + e.Type + " " + string(e.Data) + " " + e.RecordedBy + "\n")
	}
	return b.String()
}

// fileBytes is the SQLite database's files (the file, its WAL), "" on PostgreSQL.
func fileBytes(t *testing.T, db *eventstore.DB) []byte {
	t.Helper()
	if db.Dialect.Name != eventstore.SQLite.Name {
		return nil
	}
	var all []byte
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(filepath.Clean(db.Where) + suffix)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

func TestPersonalValuesAreSealedAndOpened(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		testdb.Sealed(t, db)
		s := db.Store()
		id := uuid.NewString()
		rec, err := s.Append(ctx, id, 0, meta, opened("CIT-1", canaryName, canaryBorn, canaryNumber), consent(canaryEmail))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(rec[0].Data), canaryName) {
			t.Errorf("the appended event as recorded: %s", rec[0].Data)
		}
		raw := rawEvents(t, db)
		for _, v := range []string{canaryName, canaryBorn, canaryNumber, canaryEmail, "CIT-1"} {
			if strings.Contains(raw, v) {
				t.Errorf("the events table holds %q in plaintext:\n%s", v, raw)
			}
		}
		for _, public := range []string{"id_card_incident", "PRAHA1", "2026-04-01", "2026-04-02"} {
			if !strings.Contains(raw, public) {
				t.Errorf("the public value %q is not readable without a key:\n%s", public, raw)
			}
		}
		loaded, err := s.Load(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var c cases.Case
		if err := c.Replay(cases.Event{Type: cases.EventType(loaded[0].Type), Version: 1, Data: loaded[0].Data}); err != nil {
			t.Fatal(err)
		}
		if c.Citizen.FullName != canaryName || c.Citizen.BirthNumber != canaryNumber || c.Citizen.BirthDate.String() != canaryBorn {
			t.Errorf("opened citizen %+v", c.Citizen)
		}
		if !strings.Contains(string(loaded[1].Data), canaryEmail) {
			t.Errorf("opened consent %s", loaded[1].Data)
		}
		log := testdb.ReadAtLeast(t, s, 2)
		if len(log) != 2 || !strings.Contains(string(log[0].Data), canaryName) {
			t.Errorf("the log reads %v", log)
		}
	})
}

func TestForgettingDestroysTheKeyAndTheCiphertext(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		v := testdb.Sealed(t, db)
		s := db.Store()
		canaryCase, otherCase, secondCase := uuid.NewString(), uuid.NewString(), uuid.NewString()
		if _, err := s.Append(ctx, canaryCase, 0, meta, opened("CIT-1", canaryName, canaryBorn, canaryNumber), consent(canaryEmail)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Append(ctx, secondCase, 0, meta, opened("CIT-1", canaryName, canaryBorn, canaryNumber)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Append(ctx, otherCase, 0, meta, opened("CIT-2", "Jana Zůstává", "1990-01-02", "")); err != nil {
			t.Fatal(err)
		}
		before, _ := s.Load(ctx, canaryCase)
		sealedBefore := rawEvents(t, db)

		f, err := v.Forget(ctx, "CIT-1")
		if err != nil {
			t.Fatal(err)
		}
		if len(f.CaseIDs) != 2 || f.KeyID == "" {
			t.Errorf("forgot %+v, want both cases of CIT-1", f)
		}
		if err := vault.Compact(ctx, db); err != nil {
			t.Fatal(err)
		}
		loaded, err := s.Load(ctx, canaryCase)
		if err != nil {
			t.Fatal(err)
		}
		var c cases.Case
		for _, e := range loaded {
			if err := c.Replay(cases.Event{Type: cases.EventType(e.Type), Version: e.Version, Data: e.Data}); err != nil {
				t.Fatal(err)
			}
		}
		if c.Citizen.FullName != cases.Forgotten || c.Citizen.ID != cases.Forgotten || !c.Citizen.BirthDate.IsZero() || c.Office != "PRAHA1" {
			t.Errorf("a forgotten citizen folds to %+v", c.Citizen)
		}
		var consented struct{ Email string }
		if err := json.Unmarshal(loaded[1].Data, &consented); err != nil || consented.Email != cases.Forgotten || len(loaded) != len(before) {
			t.Errorf("the consent reads %s", loaded[1].Data)
		}
		other, _ := s.Load(ctx, otherCase)
		if !strings.Contains(string(other[0].Data), "Jana Zůstává") {
			t.Errorf("another citizen was forgotten too: %s", other[0].Data)
		}
		raw := rawEvents(t, db)
		for _, line := range strings.Split(sealedBefore, "\n") {
			if line == "" || !strings.HasPrefix(line, canaryCase) && !strings.HasPrefix(line, secondCase) {
				continue
			}
			// the ciphertext of every sealed value of the canary is gone
			for _, field := range strings.Split(line, `"`) {
				if strings.HasPrefix(field, "lhuta:sealed:") && (strings.Contains(raw, field) || bytes.Contains(fileBytes(t, db), []byte(field))) {
					t.Errorf("the ciphertext %q outlived its key", field)
				}
			}
		}
		if _, err := s.Append(ctx, canaryCase, eventstore.Any, meta, consent("new@example.org")); !errors.Is(err, vault.ErrForgotten) {
			t.Errorf("a personal value recorded for a forgotten citizen: %v", err)
		}
		if keys, _ := v.ForgottenKeys(ctx); len(keys) != 1 || keys[0] != f.KeyID {
			t.Errorf("forgotten keys %v", keys)
		}
		if again, err := v.Forget(ctx, "CIT-1"); err != nil || again.KeyID != "" {
			t.Errorf("forgetting twice: %+v %v", again, err)
		}
	})
}

// An upgrade seals what a database written before sealing holds: the
// plaintext is gone from the table (and from SQLite's file), and the
// events read as before.
func TestSealExisting(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		plain := eventstore.NewSQLStore(db.SQL, db.Dialect)
		id := uuid.NewString()
		if _, err := plain.Append(ctx, id, 0, meta, opened("CIT-1", canaryName, canaryBorn, canaryNumber), consent(canaryEmail)); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(rawEvents(t, db), canaryName) {
			t.Fatal("test set-up: the old database should hold plaintext")
		}
		v := testdb.Sealed(t, db)
		n, ran, err := v.SealExistingOnce(ctx)
		if err != nil || n != 2 || !ran {
			t.Fatalf("sealed %d events (ran %v, %v), want 2", n, ran, err)
		}
		if _, err := plain.Append(ctx, uuid.NewString(), 0, meta, opened("CIT-2", "Plaintext Written Later", canaryBorn, "")); err != nil {
			t.Fatal(err)
		}
		if n, ran, err := v.SealExistingOnce(ctx); err != nil || ran || n != 0 {
			t.Fatalf("the second start sealed %d (ran %v, %v): it should read one row, not the log", n, ran, err)
		}
		raw, file := rawEvents(t, db), fileBytes(t, db)
		for _, val := range []string{canaryName, canaryNumber, canaryEmail} {
			if strings.Contains(raw, val) || bytes.Contains(file, []byte(val)) {
				t.Errorf("%q is still in plaintext after sealing", val)
			}
		}
		loaded, err := db.Store().Load(ctx, id)
		if err != nil || !strings.Contains(string(loaded[0].Data), canaryName) || !strings.Contains(string(loaded[1].Data), canaryEmail) {
			t.Fatalf("sealed events read %v (%v)", loaded, err)
		}
		if n, err := v.SealExisting(ctx); err != nil || n != 1 {
			t.Errorf("lhuta seal-existing sealed %d (%v), want the one written in plaintext after", n, err)
		}
		if n, err := v.SealExisting(ctx); err != nil || n != 0 {
			t.Errorf("sealing again sealed %d (%v)", n, err)
		}
	})
}

// copyTables copies the rows of the events and key tables from one database
// to another: a logical backup and its restore.
func copyTables(t *testing.T, from, to *eventstore.DB) {
	t.Helper()
	if err := to.BulkInsert(context.Background(), testdb.StoredLog(t, from)); err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct{ sel, ins string }{
		{`SELECT key_id, subject, wrapped, created_at FROM subject_keys`, `INSERT INTO subject_keys VALUES ($1, $2, $3, $4)`},
		{`SELECT stream_id, key_id FROM stream_keys`, `INSERT INTO stream_keys VALUES ($1, $2)`},
	} {
		for _, vals := range testdb.Rows(t, from.SQL, q.sel) {
			if _, err := to.SQL.Exec(q.ins, vals...); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// A backup taken before a forgetting holds the key; restored, the vault
// destroys it again from the tombstones kept beside the KEK.
func TestRestoredBackupForgetsAgain(t *testing.T) {
	for _, backend := range testdb.Backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db, restored := testdb.Open(t, backend), testdb.Open(t, backend)
			dir := t.TempDir()
			kek, _, _, err := vault.KEK("", dir)
			if err != nil {
				t.Fatal(err)
			}
			v, _ := vault.New(db, kek)
			v.KeepTombstonesIn(filepath.Join(dir, vault.TombstoneFile))
			db.Sealer = v
			id := uuid.NewString()
			if _, err := db.Store().Append(ctx, id, 0, meta, opened("CIT-1", canaryName, canaryBorn, canaryNumber)); err != nil {
				t.Fatal(err)
			}
			copyTables(t, db, restored) // the backup
			if _, err := v.Forget(ctx, "CIT-1"); err != nil {
				t.Fatal(err)
			}

			rv, _ := vault.New(restored, kek)
			rv.KeepTombstonesIn(filepath.Join(dir, vault.TombstoneFile))
			restored.Sealer = rv
			before, _ := restored.Store().Load(ctx, id)
			if !strings.Contains(string(before[0].Data), canaryName) {
				t.Fatal("test set-up: the backup should still open the canary")
			}
			done, err := rv.ReplayTombstones(ctx)
			if err != nil || len(done) != 1 || len(done[0].CaseIDs) != 1 || done[0].CaseIDs[0] != id {
				t.Fatalf("replayed %+v (%v)", done, err)
			}
			after, _ := restored.Store().Load(ctx, id)
			if strings.Contains(string(after[0].Data), canaryName) || strings.Contains(rawEvents(t, restored), "lhuta:sealed") {
				t.Errorf("the restored backup still knows the canary: %s", after[0].Data)
			}
			if again, err := rv.ReplayTombstones(ctx); err != nil || len(again) != 0 {
				t.Errorf("a second replay destroyed %+v (%v)", again, err)
			}
		})
	}
}

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

// A key forgotten by another instance (whose tombstones are in its own
// file) reaches this instance's file at its start; a second start adds
// nothing; a file that cannot be written stops the start.
func TestSyncTombstones(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		v := testdb.Sealed(t, db)
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
