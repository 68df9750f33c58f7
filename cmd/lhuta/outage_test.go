package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lhuta/lhuta/internal/testdb"
)

// answer is what a client made of one request.
type answer struct {
	status     int
	retryAfter string
	body       map[string]any
	err        error
}

func send(client *http.Client, method, url, token string, headers map[string]string, body string) answer {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return answer{err: err}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

// startOnOwnPostgres runs lhuta serve on a PostgreSQL server of its own,
// which the test can stop and start, with a clerk's token.
func startOnOwnPostgres(t *testing.T) (pg *testdb.Server, base string, stop func()) {
	t.Helper()
	pg = testdb.NewServer(t)
	t.Setenv("DATABASE_URL", pg.URL())
	t.Setenv("LHUTA_TOKENS", "clerk-token=clerk:alice")
	t.Setenv("LHUTA_CLOCK", "2026-04-10")
	base, stop = start(t)
	return pg, base, stop
}

// openCase opens Jana Nováková's identity card case and returns its id.
func openCase(t *testing.T, base string) string {
	t.Helper()
	opened := call(t, "POST", base+"/v1/cases", "clerk-token",
		`{"situation":"id_card_incident","office":"Praha 1","citizen":{"id":"c-1","birth_date":"1980-05-17","full_name":"Jana Nováková"}}`)
	return opened["id"].(string)
}

// PostgreSQL is stopped for a few seconds under load and started again,
// while lhuta keeps running: meanwhile every request answers 503 with
// Retry-After (never 500), afterwards lhuta recovers without a restart,
// every write answered 201 is stored once and the read models skip none.
// Before: 500 on every request during the outage and on the first after it.
func TestAPostgresOutageAnswers503AndRecovers(t *testing.T) {
	pg, base, stop := startOnOwnPostgres(t)
	defer stop()
	id := openCase(t, base)
	call(t, "POST", base+"/v1/cases/"+id+"/events", "clerk-token",
		`{"type":"IncidentReported","data":{"kind":"lost","reported_on":"2026-04-01","reported_to":"police"}}`)

	var (
		mu        sync.Mutex
		written   = map[string]answer{} // by Idempotency-Key
		unavail   int
		bad       []string
		phase     = "before"
		afterDone = map[int]int{}
	)
	note := func(what string, a answer) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case a.err != nil:
			bad = append(bad, fmt.Sprintf("%s (%s): %v", what, phase, a.err))
		case a.status == 503 && a.retryAfter != "":
			unavail++
		case a.status == 503:
			bad = append(bad, fmt.Sprintf("%s (%s): 503 without Retry-After", what, phase))
		case a.status >= 300:
			bad = append(bad, fmt.Sprintf("%s (%s): %d %v", what, phase, a.status, a.body))
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 20 * time.Second}
	for w := range 2 {
		wg.Add(1)
		go func() { // a writer retrying each request under its key until it is recorded
			defer wg.Done()
			for n := 0; ctx.Err() == nil; n++ {
				key := fmt.Sprintf("w%d-%d", w, n)
				for ctx.Err() == nil {
					a := send(client, "POST", base+"/v1/cases/"+id+"/events", "clerk-token", map[string]string{"Idempotency-Key": key},
						`{"type":"LostCardUsed","data":{"used_on":"2026-04-05"}}`)
					note("write "+key, a)
					if a.status == 201 {
						mu.Lock()
						written[key] = a
						if phase == "after" {
							afterDone[w]++
						}
						mu.Unlock()
						break
					}
					time.Sleep(50 * time.Millisecond)
				}
			}
		}()
	}
	wg.Add(1)
	go func() { // a reader
		defer wg.Done()
		for ctx.Err() == nil {
			note("read", send(client, "GET", base+"/v1/cases/"+id+"/events", "clerk-token", nil, ""))
			time.Sleep(20 * time.Millisecond)
		}
	}()
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				cancel()
				wg.Wait()
				t.Fatalf("waited 30 s for %s; problems: %v", what, bad)
			}
		}
	}
	locked := func(f func() bool) func() bool {
		return func() bool { mu.Lock(); defer mu.Unlock(); return f() }
	}
	waitFor("writes before the outage", locked(func() bool { return len(written) >= 10 }))

	pg.Stop(t)
	mu.Lock()
	phase = "during"
	mu.Unlock()
	waitFor("503s during the outage", locked(func() bool { return unavail >= 10 }))
	time.Sleep(2 * time.Second) // a few seconds of outage under load
	pg.Start(t)
	mu.Lock()
	phase = "after"
	mu.Unlock()
	waitFor("writes after the outage", locked(func() bool { return afterDone[0] >= 5 && afterDone[1] >= 5 }))
	cancel()
	wg.Wait()

	// Requests cut off by the cancelled context are the test's own doing.
	var problems []string
	for _, p := range bad {
		if !strings.Contains(p, "context canceled") {
			problems = append(problems, p)
		}
	}
	if len(problems) > 0 {
		t.Errorf("answers other than 201 or 503 with Retry-After:\n%s", strings.Join(problems, "\n"))
	}
	if unavail == 0 {
		t.Errorf("no 503 during the outage")
	}

	history := call(t, "GET", base+"/v1/cases/"+id+"/events", "clerk-token", "")["items"].([]any)
	if want := 2 + len(written); len(history) != want {
		t.Errorf("the case holds %d events, want %d: 2 and one for each of the %d recorded requests", len(history), want, len(written))
	}
	stored := map[int64]int64{}
	var last int64
	for i, item := range history {
		e := item.(map[string]any)
		v, pos := int64(e["version"].(float64)), int64(e["position"].(float64))
		if v != int64(i+1) {
			t.Fatalf("versions are not 1..%d: %v", len(history), history)
		}
		stored[v] = pos
		last = max(last, pos)
	}
	for key, a := range written {
		v, pos := int64(a.body["version"].(float64)), int64(a.body["position"].(float64))
		if stored[v] != pos {
			t.Errorf("request %s answered version %d at position %d; the store holds position %d there", key, v, pos, stored[v])
		}
	}
	c := call(t, "GET", fmt.Sprintf("%s/v1/cases/%s?min_position=%d", base, id, last), "clerk-token", "")
	if c["version"] != float64(len(history)) || len(c["flags"].([]any)) != len(written) {
		t.Errorf("the read model is at version %v with %d flags; the store at %d with %d uses of the lost card",
			c["version"], len(c["flags"].([]any)), len(history), len(written))
	}
}

// After PostgreSQL restarts, the very first read and write succeed: the
// pool's connections died with the old server, and a request must not be
// the one that finds out.
func TestTheFirstRequestsAfterAPostgresRestartSucceed(t *testing.T) {
	pg, base, stop := startOnOwnPostgres(t)
	defer stop()
	client := &http.Client{Timeout: 20 * time.Second}
	id := openCase(t, base)
	report := `{"type":"IncidentReported","data":{"kind":"lost","reported_on":"2026-04-01","reported_to":"police"}}`
	used := `{"type":"LostCardUsed","data":{"used_on":"2026-04-05"}}`
	for i, body := range []string{report, used} {
		// Several connections in the pool, all of which die with the server.
		concurrent := make(chan answer, 8)
		for range 8 {
			go func() { concurrent <- send(client, "GET", base+"/v1/cases/"+id+"/events", "clerk-token", nil, "") }()
		}
		for range 8 {
			<-concurrent
		}
		pg.Stop(t)
		pg.Start(t)
		if a := send(client, "GET", base+"/v1/cases/"+id+"/events", "clerk-token", nil, ""); a.status != 200 {
			t.Errorf("restart %d: the first read answered %d %v %v", i+1, a.status, a.body, a.err)
		}
		pg.Stop(t)
		pg.Start(t)
		if a := send(client, "POST", base+"/v1/cases/"+id+"/events", "clerk-token", nil, body); a.status != 201 {
			t.Errorf("restart %d: the first write answered %d %v %v", i+1, a.status, a.body, a.err)
		}
	}
}
