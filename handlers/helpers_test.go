package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/handlers"
	"github.com/lhuta/lhuta/internal/caserepo"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/projections"
	"github.com/lhuta/lhuta/projections/views"
)

// stack is the whole service on a real database, as a test client sees it.
type stack struct {
	t      testing.TB
	url    string
	db     *eventstore.DB
	server *handlers.Server
	// answers reports the answers the OpenAPI document does not describe.
	answers *reporter
}

// use makes t the test of the stack's requests (a fuzz target's input).
func (s *stack) use(t testing.TB) {
	s.t = t
	s.answers.use(t)
}

const tokens = "clerk-token=clerk:alice,officer-token=compliance_officer:bob,dash-token=dashboard:grafana,admin-token=admin:root," +
	"records-token=records_officer:rita,records-nv-token=records_officer:vera:nova-ves,records-os-token=records_officer:olga:ostrava"

// newStack serves the API as lhuta serve does (handlers.HTTPServer), with
// the default timeouts unless others are given.
func newStack(t testing.TB, db *eventstore.DB, today calendar.Date, timeouts ...handlers.Timeouts) *stack {
	t.Helper()
	return newStackWith(t, db, today, func(*handlers.Config) {}, timeouts...)
}

// newStackWith is newStack with a change to the server's configuration.
func newStackWith(t testing.TB, db *eventstore.DB, today calendar.Date, configure func(*handlers.Config), timeouts ...handlers.Timeouts) *stack {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tok, err := handlers.ParseTokens(tokens)
	if err != nil {
		t.Fatal(err)
	}
	pipeline := projections.New(db, log)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = pipeline.Run(ctx); close(done) }()
	cfg := handlers.Config{
		Repo: caserepo.New(eventstore.NewSQLStore(db.SQL, db.Dialect)), Reader: views.NewReader(db.SQL),
		Pipeline: pipeline, DB: db.SQL, Tokens: tok, Today: func() calendar.Date { return today }, Log: log,
	}
	configure(&cfg)
	srv := handlers.New(cfg)
	// A test reads its own writes with min_position; on a machine loaded by
	// parallel suites the projection can take longer than the served
	// default, which is not what these tests are about.
	srv.MinPositionWait = 30 * time.Second
	ts := httptest.NewUnstartedServer(nil)
	// Every answer of every end-to-end test is held to the served OpenAPI
	// document; a benchmark measures the service alone.
	routes, answers := srv.Routes(), &reporter{t: t}
	if _, bench := t.(*testing.B); !bench {
		routes = validating(answers, servedContract(t, routes), routes)
	}
	ts.Config = handlers.HTTPServer("", routes, append(timeouts, handlers.Timeouts{})[0])
	ts.Start()
	t.Cleanup(func() { ts.Close(); cancel(); <-done })
	t.Cleanup(func() { checkEqualsRebuild(t, db) })
	s := &stack{t: t, url: ts.URL, db: db, server: srv, answers: answers}
	if _, bench := t.(*testing.B); !bench {
		t.Cleanup(func() { s.readHistories(t) })
	}
	return s
}

// checkEqualsRebuild holds what the live projection made of a test's
// requests against a rebuild from the same events: every test through
// HTTP, every situation on both backends, is also a test of the
// incremental projection.
func checkEqualsRebuild(t testing.TB, db *eventstore.DB) {
	t.Helper()
	diffs, err := projections.Check(context.Background(), db, nil)
	if err != nil {
		t.Errorf("check the read models against a rebuild: %v", err)
	}
	for _, d := range diffs {
		t.Errorf("the live %s differs from a rebuild: %d rows only rebuilt, %d only live", d.Table, d.Missing, d.Extra)
	}
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// send calls the API with a bearer token (none if "") and the headers
// given; a string body is sent as it is, any other as JSON.
func (s *stack) send(method, path, token string, headers map[string]string, body any) response {
	s.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.url+path, r)
	if err != nil {
		s.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := response{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &out.body)
	return out
}

// do is send without headers of its own.
func (s *stack) do(method, path, token string, body any) response {
	s.t.Helper()
	return s.send(method, path, token, nil, body)
}

func (s *stack) openCase(situation, birth string) (id string, position int64) {
	s.t.Helper()
	// One citizen id is one person: a citizen born another day is another citizen.
	citizen := "c-1"
	if birth != "1980-05-17" {
		citizen = "c-" + birth
	}
	r := s.do("POST", "/v1/cases", "clerk-token", map[string]any{"situation": situation, "office": "Praha 1",
		"citizen": map[string]string{"id": citizen, "birth_date": birth, "full_name": "Jana Nováková"}})
	if r.status != 201 {
		s.t.Fatalf("open case: %d %s", r.status, r.raw)
	}
	return r.body["id"].(string), int64(r.body["position"].(float64))
}

func (s *stack) record(id, typ string, data map[string]any) int64 {
	s.t.Helper()
	r := s.do("POST", "/v1/cases/"+id+"/events", "clerk-token", map[string]any{"type": typ, "data": data})
	if r.status != 201 {
		s.t.Fatalf("record %s: %d %s", typ, r.status, r.raw)
	}
	return int64(r.body["position"].(float64))
}

// obligation reads the case as of a day, after the write at position, and
// returns its only obligation.
func (s *stack) obligation(id string, position int64, asOf string) map[string]any {
	s.t.Helper()
	r := s.do("GET", fmt.Sprintf("/v1/cases/%s?as_of=%s&min_position=%d", id, asOf, position), "clerk-token", nil)
	if r.status != 200 {
		s.t.Fatalf("get case: %d %s", r.status, r.raw)
	}
	obs := r.body["obligations"].([]any)
	if len(obs) != 1 {
		s.t.Fatalf("case has %d obligations, want 1: %s", len(obs), r.raw)
	}
	return obs[0].(map[string]any)
}

// appendStored appends an event to the store itself, past the service, as
// a former version or a migration wrote it, and returns its position.
func (s *stack) appendStored(id string, version int64, by, correlation, typ, data string) int64 {
	s.t.Helper()
	meta := eventstore.Metadata{RecordedBy: by, RecordedAt: time.Now(), CorrelationID: correlation}
	stored, err := eventstore.NewSQLStore(s.db.SQL, s.db.Dialect).Append(context.Background(), id, version, meta,
		eventstore.NewEvent{Type: typ, Data: json.RawMessage(data)})
	if err != nil {
		s.t.Fatal(err)
	}
	return stored[0].Position
}

func (s *stack) eventCount() int {
	n, err := eventstore.NewSQLStore(s.db.SQL, s.db.Dialect).CountAfter(context.Background(), eventstore.Start)
	if err != nil {
		s.t.Fatal(err)
	}
	return int(n)
}

// eachStack runs test on a stack of its own on each backend, the clock at today.
func eachStack(t *testing.T, today calendar.Date, test func(t *testing.T, s *stack)) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		test(t, newStack(t, db, today))
	})
}

// sqliteStack is newStack on a fresh SQLite database, for what does not
// depend on the backend.
func sqliteStack(t testing.TB, today calendar.Date, timeouts ...handlers.Timeouts) *stack {
	t.Helper()
	return newStack(t, testdb.SQLite(t), today, timeouts...)
}

// clock is a service's "today" that a test moves on.
type clock struct{ now atomic.Pointer[calendar.Date] }

// newClock starts a clock at a day written as 2006-01-02.
func newClock(day string) *clock {
	c := &clock{}
	c.set(day)
	return c
}

// set moves the clock to a day written as 2006-01-02; any other is a
// mistake in the test itself.
func (c *clock) set(day string) {
	d, err := calendar.ParseDate(day)
	if err != nil {
		panic(err)
	}
	c.now.Store(&d)
}

func (c *clock) day() calendar.Date { return *c.now.Load() }
