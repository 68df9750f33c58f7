package handlers_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/handlers"
	"github.com/lhuta/lhuta/internal/testdb"
)

// Hostile input gets a 4xx naming what is wrong, the same on both backends,
// and stores nothing. Before: NUL answered 500 on PostgreSQL and was stored
// on SQLite; unknown nested fields, negative expected versions, births in
// year 0 and megabyte office names were accepted; X-Request-ID was unbounded.
func TestHostileInputIsRefusedAndStoresNothing(t *testing.T) {
	eachStack(t, calendar.NewDate(2026, 4, 10), func(t *testing.T, s *stack) {
		id := lostCard(s)
		events := "/v1/cases/" + id + "/events"
		opening := func(office, name, birth string, extra string) string {
			return `{"situation":"id_card_incident","office":"` + office + `","citizen":{"id":"c-1","birth_date":"` + birth +
				`","full_name":"` + name + `"` + extra + `}}`
		}
		ok := opening("Praha 1", "Jana Nováková", "1980-05-17", "")
		closing := func(reason string) string {
			return `{"type":"CaseClosed","data":{"reason":"` + reason + `"}}`
		}
		used := `{"type":"LostCardUsed","data":{"used_on":"2026-04-05"}}`
		cases := []struct {
			name, method, path string
			headers            map[string]string
			body               string
			status             int
			field              string
		}{
			{"NUL in a name", "POST", "/v1/cases", nil, opening("Praha 1", `Jana\u0000`, "1980-05-17", ""), 400, "citizen.full_name"},
			{"NUL in the office", "POST", "/v1/cases", nil, opening(`Praha\u00001`, "Jana", "1980-05-17", ""), 400, "office"},
			{"raw invalid UTF-8 in a name", "POST", "/v1/cases", nil, opening("Praha 1", "Jana \xff\xfe", "1980-05-17", ""), 400, "citizen.full_name"},
			{"tab in the office", "POST", "/v1/cases", nil, opening(`Praha\t1`, "Jana", "1980-05-17", ""), 400, "office"},
			{"line break in a name", "POST", "/v1/cases", nil, opening("Praha 1", `Jana\nNováková`, "1980-05-17", ""), 400, "citizen.full_name"},
			{"C1 control in a name", "POST", "/v1/cases", nil, opening("Praha 1", `Jana\u0085`, "1980-05-17", ""), 400, "citizen.full_name"},
			{"unknown nested field", "POST", "/v1/cases", nil, opening("Praha 1", "Jana", "1980-05-17", `,"ssn":"123"`), 400, "citizen.ssn"},
			{"born in year 0", "POST", "/v1/cases", nil, opening("Praha 1", "Jana", "0000-01-01", ""), 400, "citizen.birth_date"},
			{"born in 1800", "POST", "/v1/cases", nil, opening("Praha 1", "Jana", "1800-05-17", ""), 400, "citizen.birth_date"},
			{"a megabyte office name", "POST", "/v1/cases", nil, opening(strings.Repeat("P", 1_000_000), "Jana", "1980-05-17", ""), 400, "office"},
			{"a 201-character name", "POST", "/v1/cases", nil, opening("Praha 1", strings.Repeat("á", 201), "1980-05-17", ""), 400, "citizen.full_name"},
			{"a body over 1 MiB", "POST", "/v1/cases", nil, opening(strings.Repeat("P", 2<<20), "Jana", "1980-05-17", ""), 413, "body"},
			{"NUL in a reason", "POST", events, nil, closing(`moved away\u0000`), 400, "data.reason"},
			{"a raw escape character in a reason", "POST", events, nil, closing("moved away \u001b[31m"), 400, "body"},
			{"an escaped escape character in a reason", "POST", events, nil, closing(`moved away \u001b[31m`), 400, "data.reason"},
			{"a reason of 2001 characters", "POST", events, nil, closing(strings.Repeat("x", 2001)), 400, "data.reason"},
			{"invalid UTF-8 in event data", "POST", events, nil, "{\"type\":\"LostCardUsed\",\"data\":{\"used_on\":\"2026-04-05\",\"x\xff\":1}}", 400, "data.x\uFFFD"},
			{"NUL in the event type", "POST", events, nil, `{"type":"LostCardUsed\u0000","data":{"used_on":"2026-04-05"}}`, 400, "type"},
			{"a date in year 9999", "POST", events, nil, `{"type":"LostCardUsed","data":{"used_on":"9999-01-01"}}`, 400, "data.used_on"},
			{"expected_version -5", "POST", events, nil, `{"type":"LostCardUsed","data":{"used_on":"2026-04-05"},"expected_version":-5}`, 400, "expected_version"},
			{"expected_version -1", "POST", events, nil, `{"type":"LostCardUsed","data":{"used_on":"2026-04-05"},"expected_version":-1}`, 400, "expected_version"},
			{"a 129-character X-Request-ID", "POST", events, map[string]string{"X-Request-ID": strings.Repeat("r", 129)}, used, 400, "X-Request-ID"},
			{"X-Request-ID with a space", "POST", events, map[string]string{"X-Request-ID": "a b"}, used, 400, "X-Request-ID"},
			{"X-Request-ID of non-ASCII bytes", "POST", events, map[string]string{"X-Request-ID": "žluť"}, used, 400, "X-Request-ID"},
			{"X-Request-ID in the old idempotency namespace, keyed", "POST", events, map[string]string{"X-Request-ID": "idem:alice:k", "Idempotency-Key": strings.Repeat("k", 201)}, used, 400, "Idempotency-Key"},
			{"Idempotency-Key of non-ASCII bytes", "POST", events, map[string]string{"Idempotency-Key": "klíč"}, used, 400, "Idempotency-Key"},
			{"a 100 KiB header", "POST", events, map[string]string{"X-Padding": strings.Repeat("p", 100<<10)}, used, 431, ""},
			{"NUL in a query parameter", "GET", "/v1/obligations?office=Praha%001", nil, "", 400, "office"},
			{"invalid UTF-8 in a query parameter", "GET", "/v1/obligations?office=%FF", nil, "", 400, "office"},
			{"a line break in a query parameter", "GET", "/v1/obligations?situation=a%0Ab", nil, "", 400, "situation"},
			{"NUL in a case id", "GET", "/v1/cases/%00", nil, "", 404, ""},
			{"a case id that is no UUID", "POST", "/v1/cases/x'%3B--/events", nil, used, 404, ""},
		}
		if r := s.send("POST", "/v1/cases", "clerk-token", nil, ok); r.status != 201 {
			t.Fatalf("the well-formed opening the table varies: %d %s", r.status, r.raw)
		}
		before := s.eventCount()
		for _, c := range cases {
			var body any
			if c.body != "" {
				body = c.body
			}
			r := s.send(c.method, c.path, "clerk-token", c.headers, body)
			if r.status != c.status {
				t.Errorf("%s: %d %.300s, want %d", c.name, r.status, r.raw, c.status)
				continue
			}
			if c.field == "" {
				continue
			}
			errs, _ := r.body["errors"].([]any)
			if len(errs) == 0 || errs[0].(map[string]any)["field"] != c.field {
				t.Errorf("%s: errors %.300v, want field %s", c.name, r.body["errors"], c.field)
			}
		}
		if after := s.eventCount(); after != before {
			t.Fatalf("refused requests stored %d events", after-before)
		}
		// Free text may hold line breaks.
		if r := s.send("POST", events, "clerk-token", nil, closing(`moved away\r\nto Brno`)); r.status != 201 {
			t.Fatalf("a reason of two lines: %d %s", r.status, r.raw)
		}
	})
}

// Before: with no ReadTimeout a client trickling its body held the
// connection for as long as it liked. Now the server stops reading at its
// read deadline, answers 400 and closes the connection; the client here
// would need five minutes to send its body.
func TestASlowBodyDoesNotHoldTheConnection(t *testing.T) {
	s := sqliteStack(t, calendar.NewDate(2026, 4, 10), handlers.Timeouts{Read: time.Second})
	id := lostCard(s)
	before := s.eventCount()
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"type":"LostCardUsed","data":{"used_on":"2026-04-05"}}` + strings.Repeat(" ", 50)
	fmt.Fprintf(conn, "POST /v1/cases/%s/events HTTP/1.1\r\nHost: lhuta\r\nAuthorization: Bearer clerk-token\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", id, len(body))
	go func() {
		for i := range body {
			if _, err := conn.Write([]byte{body[i]}); err != nil {
				return
			}
			time.Sleep(3 * time.Second)
		}
	}()
	// A bound for the test itself, far beyond the server's read timeout.
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Fatalf("a trickled body: %d, want 400", resp.StatusCode)
		}
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server still holds a trickling connection after 30 s")
	}
	if after := s.eventCount(); after != before {
		t.Fatalf("a trickled body stored %d events", after-before)
	}
}

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
