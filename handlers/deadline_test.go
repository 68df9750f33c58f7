package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/handlers"
	"github.com/lhuta/lhuta/internal/testdb"
)

// A database that stops answering (here: a lock held on the events table)
// makes requests answer 503 with Retry-After at the request's database
// deadline. Before: no deadline, the requests hung for as long as the lock.
func TestAHungDatabaseAnswers503AtTheDeadline(t *testing.T) {
	db := testdb.Postgres(t)
	s := newStackWith(t, db, calendar.NewDate(2026, 4, 10), func(c *handlers.Config) { c.DBTimeout = 500 * time.Millisecond })
	id := lostCard(s)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, "LOCK TABLE events IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	// A bound for the test itself, far beyond the deadline.
	client := &http.Client{Timeout: 20 * time.Second}
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/v1/cases/" + id + "/events", `{"type":"LostCardUsed","data":{"used_on":"2026-04-05"}}`},
		{"GET", "/v1/cases/" + id + "/events", ""},
	} {
		req, _ := http.NewRequest(c.method, s.url+c.path, strings.NewReader(c.body))
		req.Header.Set("Authorization", "Bearer clerk-token")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s on a hung database: %v", c.method, c.path, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s %s on a hung database: %d (Retry-After %q), want 503 with Retry-After", c.method, c.path, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	_ = tx.Rollback()
	if r := s.do("GET", "/v1/cases/"+id+"/events", "clerk-token", nil); r.status != 200 || len(r.body["items"].([]any)) != 2 {
		t.Fatalf("after the lock: %d %s", r.status, r.raw)
	}
}
