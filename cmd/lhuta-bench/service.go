package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
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
