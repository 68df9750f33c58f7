package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/handlers"
	lhuta "github.com/lhuta/lhuta/internal/service"
)

// service is lhuta running in this process on a real listener on 127.0.0.1.
type service struct {
	url    string
	client *http.Client
	close  func()
}

// startService runs the service as lhuta serve assembles it (package
// service) on 127.0.0.1, with today fixed at benchToday as LHUTA_CLOCK would.
func startService(ctx context.Context, db *eventstore.DB, log *slog.Logger) (*service, error) {
	tokens, err := handlers.ParseTokens(benchTokens)
	if err != nil {
		return nil, err
	}
	svc, err := lhuta.New(lhuta.Config{DB: db, Addr: "127.0.0.1:0", Tokens: tokens, Log: log,
		Today: func() calendar.Date { return benchToday }})
	if err != nil {
		return nil, err
	}
	addr, err := svc.Listen()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()

	s := &service{
		url: "http://" + addr.String(),
		client: &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
			MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}},
	}
	s.close = func() {
		cancel()
		<-done
		s.client.CloseIdleConnections()
	}
	// Ready once the projection pipeline runs (GET /readyz).
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, _, err := s.do(ctx, "GET", "/readyz", "", nil)
		if err == nil && status == http.StatusOK {
			return s, nil
		}
		select {
		case err := <-done:
			done <- err
			s.close()
			return nil, fmt.Errorf("the service stopped at start: %w", err)
		default:
		}
		if time.Now().After(deadline) {
			s.close()
			return nil, fmt.Errorf("service not ready after 30 s (last: %d %v)", status, err) //nolint:errorlint // err may be nil
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// do sends one request and reads the whole answer.
func (s *service) do(ctx context.Context, method, path, token string, body []byte) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.url+path, r)
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// VerifyResult is the check that the rebuilt read models answer the
// generated cases as the domain folded them.
type VerifyResult struct {
	Checked int    `json:"checked"`
	Failed  int    `json:"failed"`
	Example string `json:"example,omitempty"`
	// KnownCase is the first sampled case, as the domain folded it.
	KnownCase *sampleCase `json:"known_case,omitempty"`
}

// verifyCases reads up to limit sampled cases through GET /v1/cases/{id} and
// compares them with the domain's fold at generation.
func verifyCases(ctx context.Context, s *service, samples []sampleCase, limit int) (*VerifyResult, error) {
	res := &VerifyResult{}
	if len(samples) == 0 {
		return res, errors.New("no sampled cases to verify")
	}
	k := samples[0]
	res.KnownCase = &k
	step := max(1, len(samples)/limit)
	for i := 0; i < len(samples); i += step {
		want := samples[i]
		res.Checked++
		status, body, err := s.do(ctx, "GET", "/v1/cases/"+want.ID, officerToken, nil)
		if err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			res.fail("case %s: %v", want.ID, err)
			continue
		}
		if status != http.StatusOK {
			res.fail("case %s: %d %s", want.ID, status, body)
			continue
		}
		var got struct {
			Situation   string            `json:"situation"`
			Office      string            `json:"office"`
			Status      string            `json:"status"`
			Version     int64             `json:"version"`
			Obligations []json.RawMessage `json:"obligations"`
		}
		if err := json.Unmarshal(body, &got); err != nil {
			res.fail("case %s: %v", want.ID, err)
			continue
		}
		if got.Situation != want.Situation || got.Office != want.Office || got.Status != want.Status ||
			got.Version != want.Version || len(got.Obligations) != want.Obligations {
			res.fail("case %s reads situation %s, office %s, status %s, version %d, %d obligations; the domain says %s, %s, %s, %d, %d",
				want.ID, got.Situation, got.Office, got.Status, got.Version, len(got.Obligations),
				want.Situation, want.Office, want.Status, want.Version, want.Obligations)
		}
	}
	return res, nil
}

func (v *VerifyResult) fail(format string, args ...any) {
	v.Failed++
	if v.Example == "" {
		v.Example = fmt.Sprintf(format, args...)
	}
}

// QueryResult is the latency of one kind of query, one client at a time.
type QueryResult struct {
	Name     string  `json:"name"`
	Example  string  `json:"example"`
	Requests int     `json:"requests"`
	Failures int     `json:"failures"`
	P50ms    float64 `json:"p50_ms"`
	P99ms    float64 `json:"p99_ms"`
	MeanMs   float64 `json:"mean_ms"`
	MaxMs    float64 `json:"max_ms"`
	// Items is the mean number of items a list answered (1 for a case or stats).
	Items float64 `json:"items"`
	// Truncated is set when the query's time budget ended it before -requests.
	Truncated bool   `json:"truncated,omitempty"`
	Error     string `json:"error,omitempty"`
}

type query struct {
	name  string
	token string
	path  func(r *rand.Rand) string
}

func (o options) randomOffice(r *rand.Rand) string {
	return fmt.Sprintf("office-%03d", 1+r.IntN(o.Offices))
}

// randomDay returns a day of the generated ten years.
func randomDay(r *rand.Rand) string {
	return firstDay.AddDays(r.IntN(firstDay.DaysUntil(lastDay) + 1)).String()
}

func queries(o options, samples []sampleCase) []query {
	return append([]query{
		{"case by id", officerToken, func(r *rand.Rand) string { return "/v1/cases/" + samples[r.IntN(len(samples))].ID }},
		{"overdue, all offices", officerToken, func(*rand.Rand) string { return "/v1/obligations?status=overdue&limit=100" }},
		{"overdue, one office", officerToken, func(r *rand.Rand) string {
			return "/v1/obligations?status=overdue&limit=100&office=" + o.randomOffice(r)
		}},
		{"open as of a past day", officerToken, func(r *rand.Rand) string {
			return "/v1/obligations?status=open&limit=100&as_of=" + randomDay(r)
		}},
		{"due in 30 days, one office", officerToken, func(r *rand.Rand) string {
			from := firstDay.AddDays(r.IntN(firstDay.DaysUntil(lastDay) + 1))
			return fmt.Sprintf("/v1/obligations?office=%s&due_from=%s&due_to=%s&limit=100", o.randomOffice(r), from, from.AddDays(30))
		}},
		{"flags, all offices", officerToken, func(*rand.Rand) string { return "/v1/flags?limit=100" }},
		{"flags, one office", officerToken, func(r *rand.Rand) string { return "/v1/flags?limit=100&office=" + o.randomOffice(r) }},
		{"payments, overdue fines, one office", officerToken, func(r *rand.Rand) string {
			return "/v1/payments?status=overdue&kind=fine&limit=100&office=" + o.randomOffice(r)
		}},
		{"payments, all offices", officerToken, func(*rand.Rand) string { return "/v1/payments?limit=100" }},
		{"payments, overdue local fees", officerToken, func(*rand.Rand) string {
			return "/v1/payments?status=overdue&kind=local_fee&limit=100&office=" + localFeeOffice
		}},
		{"payments of a citizen", clerkToken, func(r *rand.Rand) string {
			return "/v1/citizens/" + payer(samples, r) + "/payments"
		}},
		{"stats, 2025", dashboardToken, func(*rand.Rand) string { return "/v1/stats?from=2025-01-01&to=2025-12-31" }},
		{"stats, all time", dashboardToken, func(*rand.Rand) string { return "/v1/stats?from=2016-01-01" }},
		{"stats, 2025, one office", dashboardToken, func(r *rand.Rand) string {
			return "/v1/stats?from=2025-01-01&to=2025-12-31&office=" + o.randomOffice(r)
		}},
	}, noCacheQueries(o)...)
}

// payer returns the citizen of a random sampled local-fee case (of any
// case where the samples hold none).
func payer(samples []sampleCase, r *rand.Rand) string {
	for range 100 {
		if c := samples[r.IntN(len(samples))]; c.Situation == string(cases.LocalFee) {
			return c.Citizen
		}
	}
	return samples[r.IntN(len(samples))].Citizen
}

// queriesPhase measures each query's latency over -requests requests, one
// at a time, after a warm-up of a tenth as many; every answer must be 200.
func queriesPhase(ctx context.Context, s *service, samples []sampleCase, o options, out io.Writer) ([]QueryResult, error) {
	r := rand.New(rand.NewPCG(o.Seed, 0xC0FFEE))
	var results []QueryResult
	for _, q := range queries(o, samples) {
		res := QueryResult{Name: q.name, Example: q.path(r)}
		warm := max(3, o.Requests/10)
		budget := time.Now().Add(o.QueryBudget)
		var lat []time.Duration
		items := 0
		for i := 0; i < warm+o.Requests; i++ {
			if i >= warm && time.Now().After(budget) && len(lat) > 0 {
				res.Truncated = true
				break
			}
			path := q.path(r)
			start := time.Now()
			status, body, err := s.do(ctx, "GET", path, q.token, nil)
			took := time.Since(start)
			if ctx.Err() != nil {
				return results, ctx.Err()
			}
			if err != nil || status != http.StatusOK {
				if i >= warm {
					res.Failures++
				}
				if res.Error == "" {
					res.Error = fmt.Sprintf("%s: %d %v %.200s", path, status, err, body)
				}
				continue
			}
			if i >= warm {
				lat = append(lat, took)
				var list struct {
					Items []json.RawMessage `json:"items"`
				}
				if json.Unmarshal(body, &list) == nil && list.Items != nil {
					items += len(list.Items)
				} else if !strings.Contains(path, "/v1/obligations") && !strings.Contains(path, "/v1/flags") {
					items++
				}
			}
		}
		res.Requests = len(lat) + res.Failures
		res.P50ms, res.P99ms, res.MeanMs, res.MaxMs = percentiles(lat)
		res.Items = float64(items) / float64(max(1, len(lat)))
		fmt.Fprintf(out, "queries: %-28s %4d requests, p50 %7.2f ms, p99 %7.2f ms, %5.1f items, %d failed%s\n",
			q.name, res.Requests, res.P50ms, res.P99ms, res.Items, res.Failures, map[bool]string{true: " (time budget reached)"}[res.Truncated])
		if res.Error != "" {
			fmt.Fprintf(out, "queries:   first failure: %s\n", res.Error)
		}
		results = append(results, res)
	}
	return results, nil
}

// percentiles returns p50, p99, mean and max in milliseconds (nearest rank).
func percentiles(lat []time.Duration) (p50, p99, mean, maxMs float64) {
	if len(lat) == 0 {
		return 0, 0, 0, 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	rank := func(p float64) float64 {
		i := int(p*float64(len(s))+0.999999) - 1
		return ms(s[min(len(s)-1, max(0, i))])
	}
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return rank(0.50), rank(0.99), ms(sum) / float64(len(s)), ms(s[len(s)-1])
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// newCitizens numbers the citizens of the write and lag phases' cases, each
// new (above the generated log's numbers): a random number could name a
// citizen again with other data, which the service refuses (409).
var newCitizens atomic.Int64

// openRequest returns a valid POST /v1/cases body, for a citizen of its own.
func openRequest(r *rand.Rand, o options) []byte {
	birth := firstDay.AddYears(-70).AddDays(r.IntN(365 * 52))
	b, err := json.Marshal(map[string]any{"situation": pickSituation(r), "office": o.randomOffice(r),
		"citizen": citizen(r, 90000000+int(newCitizens.Add(1)), birth)})
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
