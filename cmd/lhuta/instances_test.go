package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/internal/teststack"
	"github.com/lhuta/lhuta/projections"
)

// role is what an instance's /readyz says it does: projecting or standby
// ("" if it does not answer 200).
func role(p *teststack.Process) string {
	resp, err := http.Get(p.Base() + "/readyz")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	switch {
	case resp.StatusCode != 200:
		return ""
	case strings.Contains(string(raw), `"projection":"projecting"`):
		return "projecting"
	case strings.Contains(string(raw), `"projection":"standby"`):
		return "standby"
	}
	return "?"
}

// leaderGauge is the instance's lhuta_projection_leader metric.
func leaderGauge(t *testing.T, p *teststack.Process) string {
	t.Helper()
	resp, err := http.Get(p.Base() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for line := range strings.SplitSeq(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "lhuta_projection_leader "); ok {
			return v
		}
	}
	return "missing"
}

// keyedWrite is one write request and what it was answered.
type keyedWrite struct {
	id       string
	caseID   string // of an opened case
	status   int
	version  int64
	position int64
}

// Two instances on one database take writes on the same cases at once, with
// expected versions and Idempotency-Keys, some the same request sent to both
// at once; the projecting one is killed with SIGKILL mid-load. No answered
// event is lost or stored twice, a request answered 409 is not stored, both
// copies of a request get one answer, the other instance takes the
// projection over within seconds, and the read models equal a fresh rebuild.
func TestTwoInstancesOneDatabase(t *testing.T) {
	sharedKEK(t)
	bin := teststack.Build(t)
	url := testdb.PostgresURL(t)
	env := append(os.Environ(), "LHUTA_TOKENS=clerk-token=clerk:alice", "LHUTA_CLOCK=2026-04-10", "DATABASE_URL="+url, "LHUTA_NATS_URL=")
	newProcess := func() *teststack.Process {
		return lhutaProcess(t, bin, t.TempDir(), env)
	}
	procs := []*teststack.Process{newProcess(), newProcess()}
	for _, p := range procs {
		p.Start()
		defer p.StopIfRunning()
	}
	var leader, standby *teststack.Process
	for deadline := time.Now().Add(10 * time.Second); leader == nil; time.Sleep(20 * time.Millisecond) {
		switch r0, r1 := role(procs[0]), role(procs[1]); {
		case r0 == "projecting" && r1 == "standby":
			leader, standby = procs[0], procs[1]
		case r1 == "projecting" && r0 == "standby":
			leader, standby = procs[1], procs[0]
		case r0 == "projecting" && r1 == "projecting":
			t.Fatal("both instances say they project")
		}
		if leader == nil && time.Now().After(deadline) {
			t.Fatal("no instance took the projection within 10 s")
		}
	}
	if leaderGauge(t, leader) != "1" || leaderGauge(t, standby) != "0" {
		t.Errorf("lhuta_projection_leader: %s on the projecting instance, %s on the standby", leaderGauge(t, leader), leaderGauge(t, standby))
	}

	client := &http.Client{Timeout: 10 * time.Second}
	// post sends a keyed request to an instance; a broken connection (the
	// instance died) is retried under the same key on the other one, as a
	// load balancer's client would.
	var leaderDead atomic.Bool
	post := func(to *teststack.Process, id, path, body string) keyedWrite {
		for attempt := 0; ; attempt++ {
			a := send(client, "POST", to.Base()+path, "clerk-token", map[string]string{"X-Request-ID": id, "Idempotency-Key": id}, body)
			if a.err == nil && a.status != 503 {
				w := keyedWrite{id: id, status: a.status}
				if a.status == 201 {
					w.version, w.position = int64(a.body["version"].(float64)), int64(a.body["position"].(float64))
					w.caseID, _ = a.body["id"].(string)
				}
				return w
			}
			if attempt > 100 {
				t.Errorf("request %s: no answer: %v %d", id, a.err, a.status)
				return keyedWrite{id: id}
			}
			to = standby
			time.Sleep(20 * time.Millisecond)
		}
	}

	const nCases = 8
	caseIDs := make([]string, nCases)
	for i := range caseIDs {
		w := post(procs[i%2], fmt.Sprintf("open-%d", i), "/v1/cases",
			`{"situation":"id_card_incident","office":"Praha 1","citizen":{"id":"c`+fmt.Sprint(i)+`","birth_date":"1980-05-17","full_name":"Jana Nováková"}}`)
		if w.status != 201 {
			t.Fatalf("open a case: %d", w.status)
		}
		caseIDs[i] = w.caseID
		if r := post(procs[(i+1)%2], fmt.Sprintf("rep-%d", i), "/v1/cases/"+caseIDs[i]+"/events",
			`{"type":"IncidentReported","data":{"kind":"lost","reported_on":"2026-04-01","reported_to":"police"},"expected_version":1}`); r.status != 201 {
			t.Fatalf("report the loss: %d", r.status)
		}
	}

	var (
		mu       sync.Mutex
		answers  []keyedWrite
		pairsBad []string
		wg       sync.WaitGroup
	)
	drain := make(chan struct{})
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(answers) }
	for wr := range 6 {
		wg.Go(func() {
			known := map[string]int64{} // this writer's idea of each case's version
			for n := 0; ; n++ {
				select {
				case <-drain:
					return
				default:
				}
				to := procs[(wr+n)%2]
				if leaderDead.Load() {
					to = standby
				}
				c := caseIDs[rand.IntN(nCases)]
				id := fmt.Sprintf("w%d-%d", wr, n)
				path := "/v1/cases/" + c + "/events"
				if n%7 == 3 {
					// The same request to both instances at once: one event, one answer.
					body := `{"type":"LostCardUsed","data":{"used_on":"2026-04-05"}}`
					var a, b keyedWrite
					var pair sync.WaitGroup
					pair.Go(func() { a = post(procs[0], id, path, body) })
					pair.Go(func() { b = post(procs[1], id, path, body) })
					pair.Wait()
					mu.Lock()
					if a != b || a.status != 201 {
						pairsBad = append(pairsBad, fmt.Sprintf("%s: %+v and %+v", id, a, b))
					}
					answers = append(answers, a)
					mu.Unlock()
					continue
				}
				exp, ok := known[c]
				if !ok {
					exp = 2
				}
				w := post(to, id, path, fmt.Sprintf(`{"type":"LostCardUsed","data":{"used_on":"2026-04-05"},"expected_version":%d}`, exp))
				switch w.status {
				case 201:
					known[c] = w.version
				case 409:
					known[c] = currentVersion(client, standby, c)
				}
				mu.Lock()
				answers = append(answers, w)
				mu.Unlock()
			}
		})
	}
	for deadline := time.Now().Add(30 * time.Second); count() < 150; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the writers made no progress")
		}
	}
	leader.Stop(syscall.SIGKILL)
	leaderDead.Store(true)
	killed := time.Now()
	for deadline := killed.Add(15 * time.Second); role(standby) != "projecting"; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			standby.Fatal("the standby did not take the projection over within 15 s of the kill")
		}
	}
	t.Logf("the standby projects %s after the projecting instance was killed", time.Since(killed).Round(time.Millisecond))
	if g := leaderGauge(t, standby); g != "1" {
		t.Errorf("lhuta_projection_leader on the new projecting instance: %s", g)
	}
	for before, deadline := count(), time.Now().Add(30*time.Second); count() < before+150; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the writers made no progress after the kill")
		}
	}
	close(drain)
	wg.Wait()
	for _, s := range pairsBad {
		t.Errorf("the same request sent to both instances: %s", s)
	}

	// The killed instance comes back as a standby: the lease is taken.
	leader.Start()
	if r := role(leader); r != "standby" {
		t.Errorf("the restarted instance says %q, want standby", r)
	}

	db, err := eventstore.OpenPostgres(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stored := map[string][]keyedWrite{}
	var last int64
	for _, e := range testdb.StoredLog(t, db) {
		w := keyedWrite{id: e.CorrelationID, version: e.Version, position: e.Position}
		stored[w.id] = append(stored[w.id], w)
		last = max(last, w.position)
	}
	accepted, conflicts := 0, 0
	for _, a := range answers {
		got := stored[a.id]
		switch {
		case len(got) > 1:
			t.Errorf("request %s is stored %d times", a.id, len(got))
		case a.status == 201 && (len(got) == 0 || got[0].version != a.version || got[0].position != a.position):
			t.Errorf("request %s answered %+v, stored %v", a.id, a, got)
		case a.status == 409 && len(got) != 0:
			t.Errorf("request %s answered 409 but is stored: %v", a.id, got)
		case a.status != 201 && a.status != 409:
			t.Errorf("request %s answered %d", a.id, a.status)
		}
		if a.status == 201 {
			accepted++
		} else {
			conflicts++
		}
	}
	if want := accepted + 2*nCases; len(stored) != want {
		t.Errorf("%d requests stored, %d answered 201", len(stored), want)
	}
	if conflicts == 0 {
		t.Error("no write was refused for a stale expected version: the test did not race the instances")
	}
	t.Logf("%d writes accepted, %d refused as stale (409), through two instances", accepted, conflicts)

	// The read models catch up on the new projecting instance, and equal a rebuild.
	getJSON(t, fmt.Sprintf("%s/v1/cases/%s?min_position=%d", leader.Base(), caseIDs[0], last))
	// (and every event after the read models' offset in log order, which on
	// PostgreSQL may have a lower position than the last: none is left)
	sealWith(t, db)
	store, pipe := db.Store(), projections.New(db, nil)
	testdb.WaitDrained(t, store, pipe.Checkpoint, 30*time.Second, "the read models catching up with the log")
	diffs, err := projections.Check(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Errorf("read model %s differs from a rebuild: %d rows missing, %d extra", d.Table, d.Missing, d.Extra)
	}
}

// currentVersion is a case's version in the log, read through an instance.
func currentVersion(client *http.Client, p *teststack.Process, id string) int64 {
	a := send(client, "GET", p.Base()+"/v1/cases/"+id+"/events", "clerk-token", nil, "")
	if a.err != nil || a.status != 200 {
		return 2
	}
	items, _ := a.body["items"].([]any)
	return int64(len(items))
}

// Figures in docs/PERFORMANCE.md ("Several instances"); run with
//
//	CI=true go test ./cmd/lhuta -run '^$' -bench 'Instances|FeedLag' -benchtime 1x
//
// Each runs for a fixed time whatever b.N is.

const benchClients, benchFor = 32, 10 * time.Second

// startB runs lhuta serve until the benchmark ends, and waits until it is ready.
func startB(b *testing.B, bin string, env []string) (base string, stop func()) {
	b.Helper()
	p := &teststack.Process{T: b, Bin: bin, Args: []string{"--data-dir", b.TempDir(), "--log-level", "warn"}, Env: env, Addr: teststack.FreeAddr(b)}
	p.Start()
	return p.Base(), func() { p.Stop(syscall.SIGTERM) }
}

// BenchmarkInstances: POST /v1/cases closed loop from 32 clients for 10 s,
// spread round robin over one or two lhuta processes on one PostgreSQL database.
func BenchmarkInstances(b *testing.B) {
	bin := teststack.Build(b)
	// Each process has a pool of max(4, cores) connections; the third run
	// gives one process the two processes' eight, to tell the pool from the process.
	for _, run := range []struct {
		n    int
		pool string
	}{{1, ""}, {2, ""}, {1, "&pool_max_conns=8"}} {
		n := run.n
		b.Run(fmt.Sprintf("instances=%d%s", n, strings.ReplaceAll(run.pool, "&", ",")), func(b *testing.B) {
			env := append(os.Environ(), "LHUTA_TOKENS=clerk-token=clerk:alice", "LHUTA_CLOCK=2026-04-10", "DATABASE_URL="+testdb.PostgresURL(b)+run.pool, "LHUTA_NATS_URL=")
			var bases []string
			for range n {
				base, stop := startB(b, bin, env)
				defer stop()
				bases = append(bases, base)
			}
			closedLoop(bases, time.Second) // warm-up
			done, lat := closedLoop(bases, benchFor)
			b.ReportMetric(float64(done)/benchFor.Seconds(), "commands/s")
			b.ReportMetric(percentile(lat, 0.50), "p50-ms")
			b.ReportMetric(percentile(lat, 0.99), "p99-ms")
		})
	}
}

func closedLoop(bases []string, d time.Duration) (int64, []float64) {
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: benchClients}}
	var (
		done atomic.Int64
		mu   sync.Mutex
		lat  []float64
		wg   sync.WaitGroup
	)
	end := time.Now().Add(d)
	for c := range benchClients {
		wg.Go(func() {
			var mine []float64
			for i := 0; time.Now().Before(end); i++ {
				start := time.Now()
				a := send(client, "POST", bases[(c+i)%len(bases)]+"/v1/cases", "clerk-token", nil,
					`{"situation":"id_card_incident","office":"Praha 1","citizen":{"id":"b`+fmt.Sprint(c, "-", i)+`","birth_date":"1980-05-17","full_name":"Jana Nováková"}}`)
				if a.err == nil && a.status == 201 {
					done.Add(1)
					mine = append(mine, float64(time.Since(start).Microseconds())/1000)
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return done.Load(), lat
}

func percentile(v []float64, p float64) float64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	return v[min(len(v)-1, int(p*float64(len(v))))]
}

// BenchmarkFeedLag: 500 commands/s open loop for 10 s into one lhuta on
// PostgreSQL with the feed on; for each, from its 201 until a subscriber
// of the feed's subjects receives it. The database is a server of the
// benchmark's own (testdb.NewServer, fsync off): on the shared test server
// other databases' transactions hold the readable log back (docs/decisions.md).
func BenchmarkFeedLag(b *testing.B) {
	const rate = 500
	bin := teststack.Build(b)
	id := strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	stream, subject := "LHUTA_BENCH_"+id, "lhuta.bench"+id
	nc, err := nats.Connect("nats://127.0.0.1:4222")
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	js, _ := nc.JetStream()
	defer func() { _ = js.DeleteStream(stream) }()
	var (
		mu      sync.Mutex
		arrived = map[string]time.Time{}
	)
	sub, err := nc.Subscribe(subject+".>", func(m *nats.Msg) {
		var e struct {
			CaseID string `json:"case_id"`
		}
		_ = json.Unmarshal(m.Data, &e)
		mu.Lock()
		arrived[e.CaseID] = time.Now()
		mu.Unlock()
	})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	env := append(os.Environ(), "LHUTA_TOKENS=clerk-token=clerk:alice", "LHUTA_CLOCK=2026-04-10", "DATABASE_URL="+testdb.NewServer(b).URL(),
		"LHUTA_NATS_URL=nats://127.0.0.1:4222", "LHUTA_NATS_STREAM="+stream, "LHUTA_NATS_SUBJECT="+subject)
	base, stop := startB(b, bin, env)
	defer stop()

	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var (
		wg       sync.WaitGroup
		answered sync.Map // case id → time of its 201
	)
	tick := time.NewTicker(time.Second / rate)
	for i := 0; i < rate*int(benchFor.Seconds()); i++ {
		<-tick.C
		wg.Go(func() {
			a := send(client, "POST", base+"/v1/cases", "clerk-token", nil,
				`{"situation":"id_card_incident","office":"Praha 1","citizen":{"id":"f`+fmt.Sprint(i)+`","birth_date":"1980-05-17","full_name":"Jana Nováková"}}`)
			if a.err == nil && a.status == 201 {
				answered.Store(a.body["id"].(string), time.Now())
			}
		})
	}
	tick.Stop()
	wg.Wait()
	time.Sleep(3 * time.Second)
	var lags []float64
	missing, n := 0, 0
	answered.Range(func(k, v any) bool {
		n++
		mu.Lock()
		at, ok := arrived[k.(string)]
		mu.Unlock()
		if !ok {
			missing++
			return true
		}
		lags = append(lags, max(0, float64(at.Sub(v.(time.Time)).Microseconds())/1000))
		return true
	})
	b.ReportMetric(float64(n)/benchFor.Seconds(), "commands/s")
	b.ReportMetric(percentile(lags, 0.50), "lag-p50-ms")
	b.ReportMetric(percentile(lags, 0.99), "lag-p99-ms")
	b.ReportMetric(percentile(lags, 1), "lag-max-ms")
	b.ReportMetric(float64(missing), "missing")
}
