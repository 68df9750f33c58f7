package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/internal/teststack"
)

// lhutaProcess is lhuta serve on the data directory dir with env, logging
// to dir/log.
func lhutaProcess(t *testing.T, bin, dir string, env []string) *teststack.Process {
	return &teststack.Process{T: t, Bin: bin, Args: []string{"--data-dir", dir}, Env: env, Addr: teststack.FreeAddr(t), Log: filepath.Join(dir, "log")}
}

// clerkEnv is the environment of a process whose clerk-token is a clerk's,
// whose day is clock, on backend's database, with extra settings.
func clerkEnv(t *testing.T, backend, clock string, extra ...string) []string {
	env := append(os.Environ(), "LHUTA_TOKENS=clerk-token=clerk:alice", "LHUTA_CLOCK="+clock, "DATABASE_URL=")
	if backend == "postgres" {
		env = append(env, "DATABASE_URL="+testdb.PostgresURL(t))
	}
	return append(env, extra...)
}

// rebuildStore runs `lhuta rebuild` on the stopped store of p.
func rebuildStore(p *teststack.Process) {
	p.T.Helper()
	cmd := exec.Command(p.Bin, append([]string{"rebuild"}, p.Args...)...)
	cmd.Env = p.Env
	if out, err := cmd.CombinedOutput(); err != nil {
		p.T.Fatalf("lhuta rebuild: %v\n%s", err, out)
	}
}

// outcome is what a writer knows of one request: its answer, or nothing
// (the connection broke: it may or may not have been recorded).
type outcome struct {
	status int
	body   map[string]any
	known  bool
}

// crashWriter sends a stream of requests, each with its own X-Request-ID
// (the events' correlation id). A keyed writer retries each request under its
// Idempotency-Key until it is answered; an unkeyed one cannot retry safely
// and gives up on a request whose answer it lost.
type crashWriter struct {
	name  string
	keyed bool
	base  string
	mu    *sync.Mutex
	seen  map[string]outcome
	bad   *[]string
}

func (w *crashWriter) post(client *http.Client, id, path, body string) (outcome, bool) {
	headers := map[string]string{"X-Request-ID": id}
	if w.keyed {
		headers["Idempotency-Key"] = id
	}
	for giveUp := time.Now().Add(time.Minute); ; {
		a := send(client, "POST", w.base+path, "clerk-token", headers, body)
		o := outcome{status: a.status, body: a.body, known: a.err == nil && a.status != 503}
		if o.known && a.status != 201 {
			w.mu.Lock()
			*w.bad = append(*w.bad, fmt.Sprintf("%s: %d %v", id, a.status, a.body))
			w.mu.Unlock()
		}
		if o.known || !w.keyed {
			w.mu.Lock()
			w.seen[id] = o
			w.mu.Unlock()
			if !o.known {
				time.Sleep(30 * time.Millisecond) // lhuta is down: do not spin
			}
			return o, o.known && o.status == 201
		}
		if time.Now().After(giveUp) {
			w.mu.Lock()
			*w.bad = append(*w.bad, id+": no answer for a minute")
			w.seen[id] = o
			w.mu.Unlock()
			return o, false
		}
		time.Sleep(30 * time.Millisecond) // lhuta is down: retry the same request under its key
	}
}

func (w *crashWriter) run(drain <-chan struct{}) {
	client := &http.Client{Timeout: 10 * time.Second}
	for n := 0; ; n++ {
		select {
		case <-drain:
			return
		default:
		}
		id := fmt.Sprintf("%s-%d", w.name, n)
		o, ok := w.post(client, id+"-open", "/v1/cases",
			`{"situation":"id_card_incident","office":"Praha 1","citizen":{"id":"`+id+`","birth_date":"1980-05-17","full_name":"Jana Nováková"}}`)
		if !ok {
			continue
		}
		path := "/v1/cases/" + o.body["id"].(string) + "/events"
		if _, ok := w.post(client, id+"-rep", path, `{"type":"IncidentReported","data":{"kind":"lost","reported_on":"2026-04-01","reported_to":"police"}}`); !ok {
			continue
		}
		w.post(client, id+"-used", path, `{"type":"LostCardUsed","data":{"used_on":"2026-04-05"}}`)
	}
}

// lhuta is killed with SIGKILL several times under writers with and without
// Idempotency-Keys, and restarted: every request answered 201 is in the store
// exactly once where its answer said, no request is stored twice, the read
// models caught up with the last event and equal a fresh rebuild.
func TestCrashesLoseNoAnsweredWriteAndRecordNoneTwice(t *testing.T) {
	bin := teststack.Build(t)
	for _, backend := range testdb.Backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			env := clerkEnv(t, backend, "2026-04-10")
			p := lhutaProcess(t, bin, dir, env)

			var (
				mu   sync.Mutex
				seen = map[string]outcome{}
				bad  []string
				wg   sync.WaitGroup
			)
			drain := make(chan struct{})
			answered := func() int {
				mu.Lock()
				defer mu.Unlock()
				n := 0
				for _, o := range seen {
					if o.known {
						n++
					}
				}
				return n
			}
			p.Start()
			for i := range 4 {
				w := &crashWriter{name: fmt.Sprintf("w%d", i), keyed: i%2 == 0, base: p.Base(), mu: &mu, seen: seen, bad: &bad}
				wg.Add(1)
				go func() { defer wg.Done(); w.run(drain) }()
			}
			for crash := range 3 {
				if crash > 0 {
					p.Start()
				}
				before := answered()
				for deadline := time.Now().Add(30 * time.Second); answered() < before+40; time.Sleep(10 * time.Millisecond) {
					if time.Now().After(deadline) {
						p.Fatal(fmt.Sprintf("writers made no progress after start %d", crash+1))
					}
				}
				p.Stop(syscall.SIGKILL)
			}
			p.Start()
			close(drain) // the keyed writers finish the request they were retrying
			wg.Wait()
			p.Stop(syscall.SIGTERM)
			if len(bad) > 0 {
				t.Errorf("answers other than 201 or 503:\n%s", strings.Join(bad, "\n"))
			}

			db, err := eventstore.Open(context.Background(), dir, envValue(env, "DATABASE_URL"))
			if err != nil {
				t.Fatal(err)
			}
			type stored struct {
				stream            string
				version, position int64
			}
			byRequest := map[string][]stored{}
			streams := map[string]bool{}
			var last int64
			for _, e := range testdb.StoredLog(t, db) {
				s := stored{e.StreamID, e.Version, e.Position}
				byRequest[e.CorrelationID] = append(byRequest[e.CorrelationID], s)
				streams[s.stream] = true
				last = max(last, s.position)
			}
			db.Close()
			unknown := 0
			for id, o := range seen {
				got := byRequest[id]
				switch {
				case len(got) > 1:
					t.Errorf("request %s is stored %d times: %v", id, len(got), got)
				case !o.known:
					unknown++
				case len(got) == 0:
					t.Errorf("request %s answered %d %v but is not stored", id, o.status, o.body)
				case int64(o.body["version"].(float64)) != got[0].version || int64(o.body["position"].(float64)) != got[0].position:
					t.Errorf("request %s answered %v but is stored as %+v", id, o.body, got[0])
				}
			}
			for id := range byRequest {
				if _, ok := seen[id]; !ok {
					t.Errorf("the store holds request %s, which no writer sent", id)
				}
			}
			events := 0
			for _, got := range byRequest {
				events += len(got)
			}
			t.Logf("%d requests answered, %d lost their answer to a crash, %d events in %d cases",
				len(seen)-unknown, unknown, events, len(streams))

			read := func() map[string]any {
				p.Start()
				defer p.Stop(syscall.SIGTERM)
				views := map[string]any{}
				for id := range streams {
					views[id] = getJSON(t, fmt.Sprintf("%s/v1/cases/%s?min_position=%d", p.Base(), id, last))
				}
				var items []any
				for cursor := ""; ; {
					page := getJSON(t, fmt.Sprintf("%s/v1/obligations?limit=500&min_position=%d&cursor=%s", p.Base(), last, cursor)).(map[string]any)
					items = append(items, page["items"].([]any)...)
					if cursor, _ = page["next_cursor"].(string); cursor == "" {
						break
					}
				}
				views["obligations"] = items
				return views
			}
			live := read()
			rebuildStore(p)
			if rebuilt := read(); !reflect.DeepEqual(live, rebuilt) {
				t.Errorf("the read models after the crashes differ from a fresh rebuild")
				for k, v := range live {
					if !reflect.DeepEqual(v, rebuilt[k]) {
						t.Logf("%s:\n live    %v\n rebuilt %v", k, v, rebuilt[k])
					}
				}
			}
		})
	}
}

func envValue(env []string, name string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == name {
			v = val
		}
	}
	return v
}

func getJSON(t *testing.T, url string) any {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer clerk-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, raw)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}
