package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
)

// A backup taken while the service serves, put in place of lhuta.db in a
// fresh data directory, answers the same as the original.
func TestBackupRestoresToTheSameAnswers(t *testing.T) {
	t.Setenv("LHUTA_TOKENS", "clerk-token=clerk:alice")
	t.Setenv("DATABASE_URL", "")
	t.Setenv("LHUTA_CLOCK", "2026-04-10")
	// The KEK is not in the backup: a restore needs it (docs/RETENTION.md).
	sharedKEK(t)
	dir := t.TempDir()
	base, stop := start(t, "--data-dir", dir)
	body := `{"situation":"id_card_incident","office":"Praha 1","citizen":{"id":"c-1","birth_date":"1980-05-17","full_name":"Jana Nováková"}}`
	id := call(t, "POST", base+"/v1/cases", "clerk-token", body)["id"].(string)
	call(t, "POST", base+"/v1/cases/"+id+"/events", "clerk-token",
		`{"type":"IncidentReported","data":{"kind":"lost","reported_on":"2026-04-01","reported_to":"police"}}`)
	before := call(t, "GET", base+"/v1/cases/"+id+"?min_position=2", "clerk-token", "")
	backup := filepath.Join(t.TempDir(), "lhuta-backup.db")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"backup", "--data-dir", dir, backup}, &out); err != nil {
		t.Fatalf("backup while serving: %v", err)
	}
	if fi, err := os.Stat(backup); err != nil {
		t.Fatal(err)
	} else if fi.Mode().Perm() != 0o600 {
		t.Fatalf("the backup file has mode %v; want 0600 (it holds every citizen's data)", fi.Mode().Perm())
	}
	stop()
	if err := run(context.Background(), []string{"backup", "--data-dir", dir, backup}, &out); err == nil {
		t.Error("a backup over an existing file: no error")
	}
	restored := t.TempDir()
	b, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(restored, "lhuta.db"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	base, stop = start(t, "--data-dir", restored)
	defer stop()
	after := call(t, "GET", base+"/v1/cases/"+id, "clerk-token", "")
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("the restored case differs:\nbefore %v\nafter  %v", before, after)
	}
}

// lhuta export writes every event, in log order, and reads back as the store has it.
func TestExportRoundTripsTheLog(t *testing.T) {
	for _, backend := range testdb.Backends {
		t.Run(backend, func(t *testing.T) {
			db := testdb.Open(t, backend)
			seed(t, db, 334) // 1 002 events
			args := []string{"export", "--data-dir", filepath.Dir(db.Where)}
			t.Setenv("DATABASE_URL", "")
			if backend == "postgres" {
				t.Setenv("DATABASE_URL", db.Where)
			}
			var out bytes.Buffer
			if err := run(context.Background(), args, &out); err != nil {
				t.Fatal(err)
			}
			store := eventstore.NewSQLStore(db.SQL, db.Dialect)
			lines := bufio.NewScanner(strings.NewReader(out.String()))
			lines.Buffer(nil, 1<<20)
			n, last := 0, int64(0)
			byStream := map[string][]eventstore.Event{}
			for lines.Scan() {
				var e eventstore.Event
				if err := json.Unmarshal(lines.Bytes(), &e); err != nil {
					t.Fatalf("line %d: %v", n+1, err)
				}
				if e.Position <= last && backend == "sqlite" {
					t.Fatalf("line %d: position %d after %d", n+1, e.Position, last)
				}
				last = e.Position
				byStream[e.StreamID] = append(byStream[e.StreamID], e)
				n++
			}
			if n != 1002 {
				t.Fatalf("exported %d events, want 1002", n)
			}
			for id, exported := range byStream {
				stored, err := store.Load(context.Background(), id)
				if err != nil || len(stored) != len(exported) {
					t.Fatalf("stream %s: stored %d events (%v), exported %d", id, len(stored), err, len(exported))
				}
				for i := range stored {
					a, b := stored[i], exported[i]
					if a.Version != b.Version || a.Type != b.Type || !bytes.Equal(compact(t, a.Data), compact(t, b.Data)) ||
						a.RecordedBy != b.RecordedBy || !a.RecordedAt.Equal(b.RecordedAt) || a.CorrelationID != b.CorrelationID {
						t.Fatalf("stream %s version %d: stored %+v, exported %+v", id, a.Version, a, b)
					}
				}
			}
		})
	}
}

func compact(t *testing.T, b []byte) []byte {
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
