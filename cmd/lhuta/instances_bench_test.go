package main

import (
	"encoding/json"
	"fmt"
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

	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/internal/teststack"
)

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
