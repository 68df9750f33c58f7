package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/internal/teststack"
)

// lhuta with DATABASE_READ_URL on a real streaming replica: a query with
// min_position waits until the replica has replayed the write. While the
// replica's replay is paused, the write is accepted by the primary and the
// query answers 503 with Retry-After; once replay resumes it returns the write.
// With the replica stopped, /readyz answers 503.
func TestMinPositionReadsThroughAStreamingReplica(t *testing.T) {
	bin := teststack.Build(t)
	primary := testdb.NewServer(t)
	replica := primary.Replica(t)
	dir := t.TempDir()
	env := append(os.Environ(), "LHUTA_TOKENS=clerk-token=clerk:alice", "LHUTA_CLOCK=2026-04-10", "LHUTA_NATS_URL=",
		"DATABASE_URL="+primary.URL(), "DATABASE_READ_URL="+replica.URL())
	p := lhutaProcess(t, bin, dir, env)
	p.Start()
	defer p.Stop(syscall.SIGTERM)

	replicaDB, err := sql.Open("pgx", replica.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer replicaDB.Close()
	var standby bool
	if err := replicaDB.QueryRow(`SELECT pg_is_in_recovery()`).Scan(&standby); err != nil || !standby {
		t.Fatalf("the replica is not a standby in recovery: %v %v", standby, err)
	}
	client := &http.Client{Timeout: 20 * time.Second}
	open := func(n int) (string, int64) {
		a := send(client, "POST", p.Base()+"/v1/cases", "clerk-token", nil,
			fmt.Sprintf(`{"situation":"id_card_incident","office":"Praha 1","citizen":{"id":"r%d","birth_date":"1980-05-17","full_name":"Jana Nováková"}}`, n))
		if a.err != nil || a.status != 201 {
			t.Fatalf("open a case: %v %d %v", a.err, a.status, a.body)
		}
		return a.body["id"].(string), int64(a.body["position"].(float64))
	}

	id, pos := open(1)
	a := send(client, "GET", fmt.Sprintf("%s/v1/cases/%s?min_position=%d", p.Base(), id, pos), "clerk-token", nil, "")
	if a.err != nil || a.status != 200 || a.body["id"] != id {
		t.Fatalf("read through the replica: %v %d %v", a.err, a.status, a.body)
	}

	// Replay paused: the primary takes the write and projects it; the
	// replica does not have it, so the query waits and answers 503.
	if _, err := replicaDB.Exec(`SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	id, pos = open(2)
	a = send(client, "GET", fmt.Sprintf("%s/v1/cases/%s?min_position=%d", p.Base(), id, pos), "clerk-token", nil, "")
	if a.err != nil || a.status != 503 || a.retryAfter == "" {
		t.Fatalf("with the replica's replay paused: %v %d (Retry-After %q) %v, want 503 with Retry-After", a.err, a.status, a.retryAfter, a.body)
	}
	// The log itself is read on the primary: the write is there.
	if h := send(client, "GET", p.Base()+"/v1/cases/"+id+"/events", "clerk-token", nil, ""); h.status != 200 {
		t.Fatalf("the case's history on the primary: %d", h.status)
	}
	var offset int64
	if err := primaryOffset(primary.URL(), &offset); err != nil || offset < pos {
		t.Fatalf("the primary's read models are at %d (%v), not at the write's %d", offset, err, pos)
	}

	if _, err := replicaDB.Exec(`SELECT pg_wal_replay_resume()`); err != nil {
		t.Fatal(err)
	}
	a = send(client, "GET", fmt.Sprintf("%s/v1/cases/%s?min_position=%d", p.Base(), id, pos), "clerk-token", nil, "")
	if a.err != nil || a.status != 200 || a.body["id"] != id {
		t.Fatalf("read through the replica after replay resumed: %v %d %v", a.err, a.status, a.body)
	}

	// The replica stops: the instance is not ready (its queries would fail).
	replicaDB.Close()
	replica.Stop(t)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		a = send(client, "GET", p.Base()+"/readyz", "", nil, "")
		if a.status == 503 && a.retryAfter != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz with the replica stopped: %v %d %v, want 503", a.err, a.status, a.body)
		}
	}
}

func primaryOffset(url string, offset *int64) error {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.QueryRowContext(context.Background(), `SELECT offset_acked FROM projection_offsets WHERE consumer_group = 'read_models'`).Scan(offset)
}
