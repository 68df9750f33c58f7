package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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
	"github.com/lhuta/lhuta/internal/testmail"
	"github.com/lhuta/lhuta/internal/teststack"
)

// lhutaProcess is lhuta serve on the data directory dir with env, logging
// to dir/log.
func lhutaProcess(t *testing.T, bin, dir string, env []string) *teststack.Process {
	return &teststack.Process{T: t, Bin: bin, Args: []string{"--data-dir", dir}, Env: env, Addr: teststack.FreeAddr(t), Log: filepath.Join(dir, "log")}
}

// onEachBackend runs f in parallel on each backend, with lhuta serve (not
// started yet) on a fresh data directory dir there: its clerk-token is a
// clerk's and its day is clock.
func onEachBackend(t *testing.T, clock string, f func(t *testing.T, backend, dir string, p *teststack.Process)) {
	bin := teststack.Build(t)
	for _, backend := range testdb.Backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			env := append(os.Environ(), "LHUTA_TOKENS=clerk-token=clerk:alice", "LHUTA_CLOCK="+clock, "DATABASE_URL=")
			if backend == "postgres" {
				env = append(env, "DATABASE_URL="+testdb.PostgresURL(t))
			}
			dir := t.TempDir()
			f(t, backend, dir, lhutaProcess(t, bin, dir, env))
		})
	}
}

// openStore opens the store of the stopped process p on its data directory dir.
func openStore(t *testing.T, dir string, p *teststack.Process) *eventstore.DB {
	t.Helper()
	db, err := eventstore.Open(context.Background(), dir, envValue(p.Env, "DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	return db
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
	onEachBackend(t, "2026-04-10", func(t *testing.T, _, dir string, p *teststack.Process) {
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

		db := openStore(t, dir, p)
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
	status, _, raw := teststack.Call(t, "GET", url, "clerk-token", nil)
	if status != 200 {
		t.Fatalf("GET %s: %d %s", url, status, raw)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// lhuta is killed with SIGKILL several times while it delivers reminders to
// a real SMTP server; in the end every due reminder has arrived, and no
// Message-ID arrived with two different bodies (one arriving twice with the
// same bytes is allowed: delivery is at least once).
func TestCrashesWhileDeliveringLoseNoReminderAndChangeNoLetter(t *testing.T) {
	onEachBackend(t, "2026-04-01", func(t *testing.T, backend, _ string, p *teststack.Process) {
		mb := testmail.New(t, nil)
		// Each delivery takes a while, so that kills land amid them.
		mb.SetDelay(40 * time.Millisecond)
		p.Env = append(p.Env, "LHUTA_SMTP_URL="+mb.URL, "LHUTA_MAIL_FROM=podatelna@nova-ves.cz", "LHUTA_PUBLIC_URL=https://lhuta.example.cz")
		p.Start()
		// 40 citizens who agreed, each with a card lost on Wed 18 Mar
		// 2026: apply by Fri 10 Apr, reminded on Wed 1 Apr, today.
		const citizens = 40
		want := map[string]bool{}
		var last float64
		for i := range citizens {
			citizen := fmt.Sprintf("c%02d", i)
			opened := clerkPost(t, p.Base()+"/v1/cases", `{"situation":"id_card_incident","office":"nova-ves","citizen":{"id":"`+citizen+`","birth_date":"1980-05-17","full_name":"Jana Nováková"}}`)
			id := opened["id"].(string)
			clerkPost(t, p.Base()+"/v1/cases/"+id+"/events", `{"type":"IncidentReported","data":{"kind":"lost","reported_on":"2026-03-18","reported_to":"municipal_office"}}`)
			e := clerkPost(t, p.Base()+"/v1/cases/"+id+"/events", `{"type":"ContactConsentGiven","data":{"email":"`+citizen+`@example.cz"}}`)
			last = max(last, e["position"].(float64))
			want["<"+id+".obligation_due.apply_for_id_card-1.20260401@lhuta>"] = true
		}
		// The read models hold them all; the next start's first tick queues them.
		waitProjected(t, p.Base(), int64(last))
		p.Stop(syscall.SIGKILL)

		for crash := range 4 {
			p.Start()
			before := len(mb.All())
			for deadline := time.Now().Add(30 * time.Second); len(mb.All()) < min(before+4, citizens); time.Sleep(5 * time.Millisecond) {
				if time.Now().After(deadline) {
					p.Fatal(fmt.Sprintf("no reminder was delivered after start %d", crash+2))
				}
			}
			p.Stop(syscall.SIGKILL)
		}
		p.Start()
		defer p.Stop(syscall.SIGTERM)
		for deadline := time.Now().Add(60 * time.Second); len(mb.All()) < citizens; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				p.Fatal(fmt.Sprintf("%d of %d reminders arrived", len(mb.All()), citizens))
			}
		}
		twice := 0
		for id, ds := range mb.All() {
			if !want[id] {
				t.Errorf("unexpected message %s", id)
			}
			for _, d := range ds[1:] {
				if !bytes.Equal(d.Raw, ds[0].Raw) {
					t.Errorf("%s arrived with two different bodies:\n%s\n---\n%s", id, ds[0].Raw, d.Raw)
				}
			}
			if len(ds) > 1 {
				twice++
			}
		}
		t.Logf("%s: %d reminders delivered across 5 kills; %d arrived more than once", backend, citizens, twice)
	})
}

// clerkPost posts body as the clerk and returns the answer, failing on anything but 2xx.
func clerkPost(t *testing.T, url, body string) map[string]any {
	t.Helper()
	status, _, raw := teststack.Call(t, http.MethodPost, url, "clerk-token", body, "Content-Type", "application/json")
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil || status/100 != 2 {
		t.Fatalf("POST %s: %d %v (%v)", url, status, out, err)
	}
	return out
}

// waitProjected waits until the read models include position.
func waitProjected(t *testing.T, base string, position int64) {
	t.Helper()
	url := fmt.Sprintf("%s/v1/reminders?citizen_id=c00&min_position=%d", base, position)
	if status, _, _ := teststack.Call(t, http.MethodGet, url, "clerk-token", nil); status != http.StatusOK {
		t.Fatalf("GET /v1/reminders with min_position %d: %d", position, status)
	}
}

// SIGTERM under writes: lhuta stops accepting, finishes what it answers,
// stops the projection, and exits 0 with no ERROR line; every write it
// answered 201 is in the store.
func TestSIGTERMUnderWritesExitsCleanly(t *testing.T) {
	onEachBackend(t, "2026-04-10", func(t *testing.T, _, dir string, p *teststack.Process) {
		p.Start()
		base := p.Base()

		var (
			mu       sync.Mutex
			accepted []string
			wg       sync.WaitGroup
		)
		stop := make(chan struct{})
		body := `{"situation":"id_card_incident","office":"Praha 1","citizen":{"id":"c-1","birth_date":"1980-05-17","full_name":"Jana Nováková"}}`
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				client := &http.Client{Timeout: 10 * time.Second}
				for {
					select {
					case <-stop:
						return
					default:
					}
					req, _ := http.NewRequest(http.MethodPost, base+"/v1/cases", strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer clerk-token")
					resp, err := client.Do(req)
					if err != nil {
						return // the server has stopped accepting
					}
					var answer struct{ ID string }
					_ = json.NewDecoder(resp.Body).Decode(&answer)
					resp.Body.Close()
					if resp.StatusCode == http.StatusCreated {
						mu.Lock()
						accepted = append(accepted, answer.ID)
						mu.Unlock()
					}
				}
			}()
		}
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			mu.Lock()
			n := len(accepted)
			mu.Unlock()
			if n >= 50 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("no writes accepted")
			}
		}
		p.Stop(syscall.SIGTERM)
		close(stop)
		wg.Wait()
		log, _ := os.ReadFile(p.Log)
		if err := p.ExitErr(); err != nil {
			t.Fatalf("lhuta exited with %v after SIGTERM; log:\n%s", err, log)
		}
		if strings.Contains(string(log), "level=ERROR") || !strings.Contains(string(log), "lhuta stopped") {
			t.Fatalf("the log of a clean shutdown has an ERROR line or no \"lhuta stopped\":\n%s", log)
		}

		db := openStore(t, dir, p)
		defer db.Close()
		store := eventstore.NewSQLStore(db.SQL, db.Dialect)
		for _, id := range accepted {
			if events, err := store.Load(context.Background(), id); err != nil || len(events) != 1 {
				t.Errorf("case %s was answered 201 but the store holds %d events (%v)", id, len(events), err)
			}
		}
	})
}

// A PostgreSQL that is not up yet when lhuta starts (both started by one
// boot) is waited for, with backoff, instead of lhuta exiting at once.
func TestStartWaitsForAPostgresThatIsNotUpYet(t *testing.T) {
	srv := testdb.NewServer(t)
	srv.Stop(t)
	bin := teststack.Build(t)
	dir := t.TempDir()
	addr := teststack.FreeAddr(t)
	logPath := filepath.Join(dir, "log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(bin, "serve", "--addr", addr, "--data-dir", dir)
	cmd.Env = append(os.Environ(), "LHUTA_TOKENS=clerk-token=clerk:alice", "DATABASE_URL="+srv.URL())
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); <-exited }()
	time.Sleep(1500 * time.Millisecond)
	select {
	case err := <-exited:
		log, _ := os.ReadFile(logPath)
		t.Fatalf("lhuta exited (%v) while PostgreSQL was down instead of waiting; log:\n%s", err, log)
	default:
	}
	srv.Start(t)
	if err := teststack.WaitReady("http://"+addr, 30*time.Second, nil); err != nil {
		log, _ := os.ReadFile(logPath)
		t.Fatalf("lhuta was not ready 30 s after PostgreSQL started; log:\n%s", log)
	}
	if log, _ := os.ReadFile(logPath); !strings.Contains(string(log), "cannot be reached yet; retrying") {
		t.Errorf("the log does not say it waited for the database:\n%s", log)
	}
}

// lhuta token add writes a token for a person; SIGHUP makes the running
// service accept it without a restart. lhuta token list shows who holds a
// token and until when, never the tokens; lhuta token revoke and SIGHUP
// end one.
func TestTokenAddAndReloadOnSIGHUP(t *testing.T) {
	bin := teststack.Build(t)
	dir := t.TempDir()
	env := append(os.Environ(), "LHUTA_TOKENS=", "DATABASE_URL=")
	p := lhutaProcess(t, bin, dir, env)
	p.Start()
	defer p.Stop(syscall.SIGTERM)
	// tokenAdd runs lhuta token add and returns the token it prints first.
	tokenAdd := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append(append([]string{"token", "add"}, args...), "--data-dir", dir)...)
		cmd.Env = env
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("token add %v: %v", args, err)
		}
		token, _, _ := strings.Cut(string(out), "\n")
		return token
	}
	token := tokenAdd("clerk", "jana.novakova")
	scoped := tokenAdd("clerk", "petr.svoboda", "--office", "CZ0412")
	obligations := func(token string) int {
		status, _, _ := teststack.Call(t, "GET", p.Base()+"/v1/obligations", token, nil)
		return status
	}
	status := func() int { return obligations(token) }
	if got := status(); got != 401 {
		t.Fatalf("the new token before SIGHUP: %d, want 401", got)
	}
	_ = p.Cmd.Process.Signal(syscall.SIGHUP)
	for deadline := time.Now().Add(10 * time.Second); status() != 200; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			p.Fatal("the new token was not accepted within 10 s of SIGHUP")
		}
	}
	// The token added with --office opens cases of its office only.
	open := func(office string) int {
		body := `{"situation":"id_card_incident","office":"` + office + `","citizen":{"id":"c-1","birth_date":"1980-05-17","full_name":"Jana Nováková"}}`
		status, _, _ := teststack.Call(t, "POST", p.Base()+"/v1/cases", scoped, body)
		return status
	}
	if got := open("CZ0806"); got != 403 {
		t.Errorf("a CZ0412 token opening a case of CZ0806: %d, want 403", got)
	}
	if got := open("CZ0412"); got != 201 {
		t.Errorf("a CZ0412 token opening a case of CZ0412: %d, want 201", got)
	}

	tokenCmd := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append(append([]string{"token"}, args...), "--data-dir", dir)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("lhuta token %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	tokenCmd("add", "dashboard", "nastenka", "--expires", "2099-12-31")
	f, err := os.OpenFile(filepath.Join(dir, "tokens"), os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString("stary-token-skeneru=clerk:stary.skener;created=2025-01-02T08:00:00Z;expires=2026-06-30\n")
	_ = f.Close()
	list := tokenCmd("list")
	rows := map[string][]string{}
	for _, line := range strings.Split(list, "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			rows[f[0]] = f[1:]
		}
	}
	for name, want := range map[string]string{"jana.novakova": "clerk - ", "petr.svoboda": "clerk CZ0412 ", "nastenka": "dashboard - ",
		"stary.skener": "clerk - 2025-01-02 09:00 2026-06-30 (expired)"} {
		if got := strings.Join(rows[name], " "); !strings.HasPrefix(got, want) {
			t.Errorf("lhuta token list shows %s as %q, want it to start %q:\n%s", name, got, want, list)
		}
	}
	if got := strings.Join(rows["nastenka"], " "); !strings.HasSuffix(got, " 2099-12-31") {
		t.Errorf("nastenka's token lasts through 2099-12-31, the list says %q", got)
	}
	if strings.Contains(list, token) || strings.Contains(list, scoped) || strings.Contains(list, "stary-token-skeneru") {
		t.Errorf("lhuta token list shows a token:\n%s", list)
	}
	tokenCmd("revoke", "jana.novakova")
	if strings.Contains(tokenCmd("list"), "jana.novakova") {
		t.Error("jana.novakova is still listed after revoke")
	}
	_ = p.Cmd.Process.Signal(syscall.SIGHUP)
	for deadline := time.Now().Add(10 * time.Second); status() != 401; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			p.Fatal("the revoked token was still accepted 10 s after SIGHUP")
		}
	}
	if got := obligations("stary-token-skeneru"); got != 401 {
		t.Errorf("an expired token: %d, want 401", got)
	}
}
