package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
)

// openRequest returns a valid POST /v1/cases body.
func openRequest(r *rand.Rand, o options) []byte {
	birth := firstDay.AddYears(-70).AddDays(r.IntN(365 * 52))
	b, err := json.Marshal(map[string]any{"situation": pickSituation(r), "office": o.randomOffice(r),
		"citizen": citizen(r, 90000000+r.IntN(9999999), birth)})
	if err != nil {
		panic(err)
	}
	return b
}

// written is the answer to a write.
type written struct {
	ID       string `json:"id"`
	Version  int64  `json:"version"`
	Position int64  `json:"position"`
}

// openCase opens a case over HTTP; ok is false unless it answered 201.
func (s *service) openCase(ctx context.Context, body []byte) (written, bool, string) {
	status, raw, err := s.do(ctx, "POST", "/v1/cases", clerkToken, body)
	var w written
	if err != nil || status != http.StatusCreated || json.Unmarshal(raw, &w) != nil || w.Position == 0 {
		return w, false, fmt.Sprintf("%d %v %.200s", status, err, raw)
	}
	return w, true, ""
}

// catchUp waits until the read models include the write w (min_position),
// so that one measurement's projection backlog does not weigh on the next.
func (s *service) catchUp(ctx context.Context, w written) (time.Duration, error) {
	start := time.Now()
	if w.Position == 0 {
		return 0, nil
	}
	for time.Since(start) < 5*time.Minute {
		status, body, err := s.do(ctx, "GET", fmt.Sprintf("/v1/cases/%s?min_position=%d", w.ID, w.Position), clerkToken, nil)
		switch {
		case ctx.Err() != nil:
			return 0, ctx.Err()
		case err == nil && status == http.StatusOK:
			return time.Since(start), nil
		case err == nil && status != http.StatusServiceUnavailable:
			return 0, fmt.Errorf("catch up: %d %.200s", status, body)
		}
	}
	return 0, fmt.Errorf("the read models did not reach position %d in 5 minutes", w.Position)
}

// WriteResult is accepted commands per second over HTTP at a number of
// clients, beside single-row INSERTs of event-sized rows at as many.
type WriteResult struct {
	Clients          int     `json:"clients"`
	Seconds          float64 `json:"seconds"`
	HTTPAccepted     int64   `json:"http_accepted"`
	HTTPPerSec       float64 `json:"http_per_sec"`
	HTTPFailures     int     `json:"http_failures"`
	HTTPP50ms        float64 `json:"http_p50_ms"`
	HTTPP99ms        float64 `json:"http_p99_ms"`
	HTTPError        string  `json:"http_error,omitempty"`
	CatchUpSeconds   float64 `json:"catch_up_seconds"`
	BaselineInserts  int64   `json:"baseline_inserts"`
	BaselinePerSec   float64 `json:"baseline_per_sec"`
	BaselineFailures int     `json:"baseline_failures"`
	BaselineP50ms    float64 `json:"baseline_p50_ms"`
	BaselineP99ms    float64 `json:"baseline_p99_ms"`
	BaselineError    string  `json:"baseline_error,omitempty"`
	// Ratio is HTTP ÷ baseline throughput.
	Ratio float64 `json:"ratio"`
}

// closedLoop runs clients workers, each calling op back to back until d has
// passed, and returns the latencies of the successful calls, the failures
// and the first failure's message.
func closedLoop(ctx context.Context, clients int, d time.Duration, op func(r *rand.Rand) (bool, string)) ([]time.Duration, int, string, time.Duration) {
	var (
		mu       sync.Mutex
		all      []time.Duration
		failures int
		firstErr string
		wg       sync.WaitGroup
	)
	start := time.Now()
	end := start.Add(d)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(c), uint64(start.UnixNano())))
			var lat []time.Duration
			fails, msg := 0, ""
			for time.Now().Before(end) && ctx.Err() == nil {
				t := time.Now()
				ok, m := op(r)
				if ok {
					lat = append(lat, time.Since(t))
				} else if ctx.Err() == nil {
					fails++
					if msg == "" {
						msg = m
					}
				}
			}
			mu.Lock()
			all = append(all, lat...)
			failures += fails
			if firstErr == "" {
				firstErr = msg
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return all, failures, firstErr, time.Since(start)
}

func writesPhase(ctx context.Context, s *service, db *eventstore.DB, o options, out io.Writer) ([]WriteResult, error) {
	baseline, err := db.CreateBaselineLog(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = baseline.Drop(context.Background()) }()
	insert := func(ctx context.Context, row []byte) error {
		return baseline.Insert(ctx, eventstore.Event{StreamID: uuid.NewString(), Version: 1, Type: string(cases.CaseOpenedType), Data: row,
			Metadata: eventstore.Metadata{RecordedBy: clerkName, RecordedAt: time.Now().UTC(), CorrelationID: uuid.NewString()}})
	}
	// Event-sized rows: the CaseOpened data the domain makes of the same bodies.
	pool := make([][]byte, 1000)
	r := rand.New(rand.NewPCG(o.Seed, 0xBA5E))
	for i := range pool {
		rec, err := cases.Open(openRequest(r, o), cases.Context{Today: benchToday, Actor: clerkName, Role: cases.Clerk})
		if err != nil {
			return nil, fmt.Errorf("baseline row: %w", err)
		}
		if pool[i], err = json.Marshal(rec.Data); err != nil {
			return nil, err
		}
	}
	var results []WriteResult
	for _, clients := range o.Clients {
		res := WriteResult{Clients: clients}
		var last written
		var lastMu sync.Mutex
		lat, fails, msg, took := closedLoop(ctx, clients, o.Duration, func(r *rand.Rand) (bool, string) {
			w, ok, m := s.openCase(ctx, openRequest(r, o))
			if ok {
				lastMu.Lock()
				if w.Position > last.Position {
					last = w
				}
				lastMu.Unlock()
			}
			return ok, m
		})
		if ctx.Err() != nil {
			return results, ctx.Err()
		}
		res.Seconds = took.Seconds()
		res.HTTPAccepted, res.HTTPFailures, res.HTTPError = int64(len(lat)), fails, msg
		res.HTTPPerSec = float64(len(lat)) / took.Seconds()
		res.HTTPP50ms, res.HTTPP99ms, _, _ = percentiles(lat)
		wait, err := s.catchUp(ctx, last)
		if err != nil {
			return results, err
		}
		res.CatchUpSeconds = wait.Seconds()

		lat, fails, msg, took = closedLoop(ctx, clients, o.Duration, func(r *rand.Rand) (bool, string) {
			if err := insert(ctx, pool[r.IntN(len(pool))]); err != nil {
				return false, err.Error()
			}
			return true, ""
		})
		if ctx.Err() != nil {
			return results, ctx.Err()
		}
		res.BaselineInserts, res.BaselineFailures, res.BaselineError = int64(len(lat)), fails, msg
		res.BaselinePerSec = float64(len(lat)) / took.Seconds()
		res.BaselineP50ms, res.BaselineP99ms, _, _ = percentiles(lat)
		if res.BaselinePerSec > 0 {
			res.Ratio = res.HTTPPerSec / res.BaselinePerSec
		}
		fmt.Fprintf(out, "writes: %2d clients: HTTP %6.0f commands/s (p50 %.1f ms, p99 %.1f ms, %d failed; read models caught up %.1f s later), INSERT %6.0f rows/s (%d failed): %.2f×\n",
			clients, res.HTTPPerSec, res.HTTPP50ms, res.HTTPP99ms, res.HTTPFailures, res.CatchUpSeconds, res.BaselinePerSec, res.BaselineFailures, res.Ratio)
		for _, e := range []string{res.HTTPError, res.BaselineError} {
			if e != "" {
				fmt.Fprintf(out, "writes:   first failure: %s\n", e)
			}
		}
		results = append(results, res)
	}
	return results, nil
}

// LagResult is the projection lag at a steady rate of commands: for each
// accepted write, from its 201 until a read with its min_position answers.
type LagResult struct {
	Rate            int     `json:"rate"`
	Clients         int     `json:"clients"`
	Seconds         float64 `json:"seconds"`
	Scheduled       int     `json:"scheduled"`
	Accepted        int     `json:"accepted"`
	AchievedPerSec  float64 `json:"achieved_per_sec"`
	WriteFailures   int     `json:"write_failures"`
	ReadFailures    int     `json:"read_failures"`
	FirstError      string  `json:"first_error,omitempty"`
	LateThresholdMs float64 `json:"late_threshold_ms"`
	// Late counts writes that started more than LateThresholdMs after their slot.
	Late      int     `json:"late"`
	MaxLateMs float64 `json:"max_late_ms"`
	P50ms     float64 `json:"p50_ms"`
	P99ms     float64 `json:"p99_ms"`
	MaxMs     float64 `json:"max_ms"`
	// WriteP50ms and WriteP99ms are the writes' own latencies.
	WriteP50ms float64 `json:"write_p50_ms"`
	WriteP99ms float64 `json:"write_p99_ms"`
}

// lagPhase opens cases at a steady rate (open loop: a schedule of slots
// shared by the clients) and measures, for each, the time from its 201 until
// GET /v1/cases/{id}?min_position=<its position> answers 200.
func lagPhase(ctx context.Context, s *service, o options, out io.Writer) (*LagResult, error) {
	const lateThreshold = 10 * time.Millisecond
	res := &LagResult{Rate: o.LagRate, Clients: o.LagClients, LateThresholdMs: ms(lateThreshold)}
	interval := time.Second / time.Duration(o.LagRate)
	total := int(int64(o.Duration) / int64(interval))
	slots := make(chan time.Time, total)
	start := time.Now().Add(10 * time.Millisecond)
	go func() {
		defer close(slots)
		for k := range total {
			t := start.Add(time.Duration(k) * interval)
			time.Sleep(time.Until(t))
			if ctx.Err() != nil {
				return
			}
			slots <- t
		}
	}()
	var (
		mu           sync.Mutex
		lags, writes []time.Duration
		late, wf, rf int
		maxLate      time.Duration
		firstErr     string
		wg           sync.WaitGroup
		accepted     atomic.Int64
	)
	fail := func(counter *int, msg string) {
		mu.Lock()
		*counter++
		if firstErr == "" {
			firstErr = msg
		}
		mu.Unlock()
	}
	for c := range o.LagClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(o.Seed+uint64(c), 0x1A6))
			for slot := range slots {
				behind := time.Since(slot)
				mu.Lock()
				if behind > lateThreshold {
					late++
				}
				maxLate = max(maxLate, behind)
				mu.Unlock()
				body := openRequest(r, o)
				t := time.Now()
				w, ok, msg := s.openCase(ctx, body)
				t0 := time.Now()
				if !ok {
					if ctx.Err() == nil {
						fail(&wf, "write: "+msg)
					}
					continue
				}
				accepted.Add(1)
				status, raw, err := s.do(ctx, "GET", fmt.Sprintf("/v1/cases/%s?min_position=%d", w.ID, w.Position), clerkToken, nil)
				t1 := time.Now()
				if err != nil || status != http.StatusOK {
					if ctx.Err() == nil {
						fail(&rf, fmt.Sprintf("read: %d %v %.200s", status, err, raw))
					}
					continue
				}
				mu.Lock()
				lags = append(lags, t1.Sub(t0))
				writes = append(writes, t0.Sub(t))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	res.Seconds = time.Since(start).Seconds()
	res.Scheduled = total
	res.Accepted = int(accepted.Load())
	res.AchievedPerSec = float64(res.Accepted) / res.Seconds
	res.WriteFailures, res.ReadFailures, res.FirstError = wf, rf, firstErr
	res.Late, res.MaxLateMs = late, ms(maxLate)
	res.P50ms, res.P99ms, _, res.MaxMs = percentiles(lags)
	res.WriteP50ms, res.WriteP99ms, _, _ = percentiles(writes)
	fmt.Fprintf(out, "lag: %d commands/s scheduled for %s over %d clients: %d accepted (%.0f/s), lag p50 %.1f ms, p99 %.1f ms, max %.1f ms; %d of %d writes started over %.0f ms late (max %.0f ms); %d write and %d read failures\n",
		res.Rate, o.Duration, res.Clients, res.Accepted, res.AchievedPerSec, res.P50ms, res.P99ms, res.MaxMs,
		res.Late, total, res.LateThresholdMs, res.MaxLateMs, res.WriteFailures, res.ReadFailures)
	if firstErr != "" {
		fmt.Fprintf(out, "lag:   first failure: %s\n", firstErr)
	}
	return res, nil
}
