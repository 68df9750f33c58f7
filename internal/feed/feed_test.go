package feed

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
)

// testConfig is a stream and subjects of the test's own, deleted at its end.
func testConfig(t *testing.T, url string) Config {
	t.Helper()
	id := strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	cfg := Config{URL: url, Stream: "LHUTA_TEST_" + id, Subject: "lhuta.test" + id, BatchSize: 50}
	t.Cleanup(func() { testConfigCleanup(url, cfg.Stream) })
	return cfg
}

func testConfigCleanup(url, stream string) {
	nc, err := nats.Connect(url)
	if err != nil {
		return
	}
	defer nc.Close()
	if js, err := nc.JetStream(); err == nil {
		_ = js.DeleteStream(stream)
	}
}

// jetStream is a JetStream context on a connection to url, closed at the
// test's end.
func jetStream(t *testing.T, url string) nats.JetStreamContext {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := nc.JetStream()
	if err != nil {
		t.Fatal(err)
	}
	return js
}

var quiet = slog.New(slog.DiscardHandler)

// burst appends cases of three events each, from several writers at once.
func burst(t testing.TB, store *eventstore.SQLStore, writers, casesEach int) {
	t.Helper()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range casesEach {
				id := uuid.NewString()
				meta := eventstore.Metadata{RecordedBy: "alice", CorrelationID: fmt.Sprintf("w%d-%d", w, i)}
				opened := fmt.Sprintf(`{"situation":"id_card_incident","office":"Praha 1","opened_on":"2026-04-01",
					"citizen":{"id":"c%d-%d","full_name":"Jana Nováková","birth_date":"1980-05-17","birth_number":"8055170004"}}`, w, i)
				for v, e := range []eventstore.NewEvent{
					{Type: "CaseOpened", Data: json.RawMessage(opened)},
					{Type: "IncidentReported", Data: json.RawMessage(`{"kind":"lost","reported_on":"2026-04-01","reported_to":"police"}`)},
					{Type: "CaseClosed", Data: json.RawMessage(`{"reason":"the citizen said it was found under the sofa","closed_on":"2026-04-02"}`)},
				} {
					if _, err := store.Append(context.Background(), id, int64(v), meta, e); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

// A burst is published while the forwarder is stopped in the middle of a
// batch and started again: the consumer counts every event exactly once,
// each case's events in their order, without personal data.
func TestRestartMidBurstPublishesEveryEventOnce(t *testing.T) {
	url := testdb.NATSURL(t)
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		cfg := testConfig(t, url)
		store := eventstore.NewSQLStore(db.SQL, db.Dialect)
		burst(t, store, 4, 40) // 480 events before the feed starts
		more := make(chan struct{})
		go func() { defer close(more); burst(t, store, 4, 40) }() // 480 more while it runs

		// The first forwarder stops after 130 messages: two batches of 50
		// recorded, 30 of the third published but not recorded.
		first := New(db, cfg, quiet)
		ctx, stop := context.WithCancel(context.Background())
		first.afterPublish = func(eventstore.Event) {
			if first.Published() == 130 {
				stop()
			}
		}
		if err := first.Run(ctx); err != nil {
			t.Fatal(err)
		}
		if got, _ := first.offset(context.Background()); got.Position == 0 {
			t.Fatal("the first forwarder recorded nothing")
		}

		second := New(db, cfg, quiet)
		ctx2, stop2 := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = second.Run(ctx2) }()
		<-more
		// Every event appended is published: none is left after the
		// feed's offset (on PostgreSQL the readable log may lag behind the
		// last commit while another transaction runs anywhere in the cluster).
		testdb.WaitDrained(t, store, second.offset, 30*time.Second, "the second forwarder publishing the whole log")
		stop2()
		<-done

		stored, err := eventstore.NewSQLStore(db.SQL, db.Dialect).CountAfter(context.Background(), eventstore.Start)
		if err != nil {
			t.Fatal(err)
		}
		if published := first.Published() + second.Published(); published <= stored {
			t.Errorf("%d messages published for %d events: the restart repeated nothing, so de-duplication was not shown", published, stored)
		}

		got := consume(t, url, cfg, int(stored))
		seen := map[string]bool{}
		last := map[string]int64{}
		for _, m := range got {
			key := fmt.Sprintf("%s/%d", m.CaseID, m.Version)
			if seen[key] {
				t.Errorf("event %s delivered twice", key)
			}
			seen[key] = true
			if m.Version != last[m.CaseID]+1 {
				t.Errorf("case %s: version %d after %d", m.CaseID, m.Version, last[m.CaseID])
			}
			last[m.CaseID] = m.Version
			if m.Situation != "id_card_incident" {
				t.Errorf("event %s: situation %q", key, m.Situation)
			}
			if m.RecordedBy != "" || strings.Contains(string(m.Data), "citizen") || strings.Contains(string(m.Data), "Nováková") ||
				strings.Contains(string(m.Data), "sofa") {
				t.Errorf("event %s carries personal data: %s (recorded_by %q)", key, m.Data, m.RecordedBy)
			}
		}
		if int64(len(seen)) != stored {
			t.Errorf("%d distinct events delivered, %d stored", len(seen), stored)
		}
		for id, v := range last {
			if v != 3 {
				t.Errorf("case %s: %d of its 3 events delivered", id, v)
			}
		}
	})
}

type delivered struct {
	Message
	subject string
}

// consume reads the whole stream with an ordered consumer, failing if it
// holds more than want messages or fewer after a few seconds.
func consume(t *testing.T, url string, cfg Config, want int) []delivered {
	t.Helper()
	js := jetStream(t, url)
	info, err := js.StreamInfo(cfg.Stream)
	if err != nil {
		t.Fatal(err)
	}
	if int(info.State.Msgs) != want {
		t.Errorf("the stream holds %d messages for %d events", info.State.Msgs, want)
	}
	sub, err := js.SubscribeSync(cfg.Subject+".>", nats.OrderedConsumer(), nats.DeliverAll())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	var got []delivered
	for {
		msg, err := sub.NextMsg(2 * time.Second)
		if err != nil {
			break // no more within 2 s
		}
		var m delivered
		if err := json.Unmarshal(msg.Data, &m.Message); err != nil {
			t.Fatalf("message on %s: %v", msg.Subject, err)
		}
		m.subject = msg.Subject
		if want := cfg.Subject + "." + m.Situation + "." + m.Type; msg.Subject != want {
			t.Errorf("event %s/%d on subject %s, want %s", m.CaseID, m.Version, msg.Subject, want)
		}
		if id := msg.Header.Get(nats.MsgIdHdr); id != fmt.Sprintf("%s/%d", m.CaseID, m.Version) {
			t.Errorf("event %s/%d has message id %q", m.CaseID, m.Version, id)
		}
		got = append(got, m)
	}
	return got
}

// With personal data allowed, the citizen block and the clerk's name are
// in the payload; without, neither is.
func TestPersonalDataOnlyWhenAllowed(t *testing.T) {
	db := testdb.SQLite(t)
	e := eventstore.Event{StreamID: "c1", Version: 1, Type: "CaseOpened", Metadata: eventstore.Metadata{RecordedBy: "alice"},
		Data: json.RawMessage(`{"situation":"residence_change","office":"Brno","citizen":{"id":"x","full_name":"Jan Novák","birth_date":"1990-01-01"}}`)}
	for _, allowed := range []bool{false, true} {
		f := New(db, Config{PersonalData: allowed}, quiet)
		subject, payload, err := f.message(context.Background(), e)
		if err != nil {
			t.Fatal(err)
		}
		if subject != "lhuta.events.residence_change.CaseOpened" {
			t.Errorf("subject %s", subject)
		}
		has := strings.Contains(string(payload), "Jan Novák") && strings.Contains(string(payload), `"recorded_by":"alice"`)
		none := !strings.Contains(string(payload), "citizen") && !strings.Contains(string(payload), "alice")
		if allowed && !has || !allowed && !none || !strings.Contains(string(payload), `"office":"Brno"`) {
			t.Errorf("personal data allowed=%v: payload %s", allowed, payload)
		}
	}
}

// The feed publishes in log order, which on PostgreSQL is not position
// order: a transaction that took its xid first but its position last (it
// wrote after another began and committed) is published before the other.
// log_order grows with every message a consumer receives, on both backends,
// so it is the consumer's high-water mark; on PostgreSQL the test makes two
// neighbours' positions swap, so position is shown not to be one.
func TestLogOrderGrowsInPublishOrderWherePositionsSwap(t *testing.T) {
	url := testdb.NATSURL(t)
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		cfg := testConfig(t, url)
		store := eventstore.NewSQLStore(db.SQL, db.Dialect)
		burst(t, store, 1, 5) // one writer: no swaps but the test's own
		swapped := 0
		if db.Dialect.Name == eventstore.Postgres.Name {
			opened := eventstore.NewEvent{Type: "CaseOpened",
				Data: []byte(`{"situation":"id_card_incident","office":"Praha 1","opened_on":"2026-04-01"}`)}
			meta := eventstore.Metadata{RecordedBy: "alice", CorrelationID: "swap"}
			for range 3 {
				// a takes its transaction id first, b appends and commits
				// meanwhile, then a writes: a's position is the later, its
				// xid the earlier.
				_, err := store.AppendWith(ctx, uuid.NewString(), 0, meta, func(ctx context.Context, a *sql.Tx) (eventstore.NewEvent, error) {
					if _, err := a.ExecContext(ctx, `SELECT pg_current_xact_id()`); err != nil {
						return eventstore.NewEvent{}, err
					}
					if _, err := store.Append(ctx, uuid.NewString(), 0, meta, opened); err != nil {
						return eventstore.NewEvent{}, fmt.Errorf("b: %w", err)
					}
					return opened, nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		burst(t, store, 1, 5) // one writer: no swaps but the test's own
		f := New(db, cfg, quiet)
		fctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); _ = f.Run(fctx) }()
		testdb.WaitDrained(t, store, f.offset, 30*time.Second, "the forwarder publishing the whole log")
		stop()
		<-done
		stored, err := store.CountAfter(ctx, eventstore.Start)
		if err != nil {
			t.Fatal(err)
		}
		got := consume(t, url, cfg, int(stored))
		if int64(len(got)) != stored {
			t.Fatalf("%d messages for %d events", len(got), stored)
		}
		for i := 1; i < len(got); i++ {
			prev, m := got[i-1], got[i]
			if m.LogOrder <= prev.LogOrder {
				t.Errorf("message %d: log_order %s after %s", i, m.LogOrder, prev.LogOrder)
			}
			if m.Position < prev.Position {
				swapped++
			}
		}
		if want := map[bool]int{true: 3, false: 0}[db.Dialect.Name == eventstore.Postgres.Name]; swapped != want {
			t.Errorf("%d neighbours with swapped positions, want %d (%s)", swapped, want, fmt.Sprint(db.Dialect.Name))
		}
	})
}

// BenchmarkCatchUp: the forwarder publishes a backlog of 12 000 events (4 000
// cases) on PostgreSQL to JetStream, as after a NATS outage; figures in
// docs/PERFORMANCE.md. Run with
//
//	CI=true go test ./internal/feed -run '^$' -bench CatchUp -benchtime 1x
func BenchmarkCatchUp(b *testing.B) {
	url := testdb.NATSURL(b)
	db := testdb.Postgres(b)
	store := eventstore.NewSQLStore(db.SQL, db.Dialect)
	burst(b, store, 8, 500)
	stored, err := store.CountAfter(context.Background(), eventstore.Start)
	if err != nil {
		b.Fatal(err)
	}
	cfg := Config{URL: url, Stream: "LHUTA_BENCH_CATCHUP", Subject: "lhuta.benchcatchup"}
	f := New(db, cfg, quiet)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	start := time.Now()
	go func() { defer close(done); _ = f.Run(ctx) }()
	for {
		c, err := f.offset(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if n, _ := store.CountAfter(context.Background(), c); n == 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	elapsed := time.Since(start)
	stop()
	<-done
	b.ReportMetric(float64(stored)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(stored), "events")
	testConfigCleanup(url, cfg.Stream)
}
