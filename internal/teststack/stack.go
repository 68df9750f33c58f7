// Package teststack holds what the tests of lhuta serve's parts share: a
// built lhuta process started and stopped (process.go); the API and the
// whole service run in the test's own process, and a request to them
// (stack.go); the console mounted on the API (console.go); a browser that
// keeps cookies as one on localhost does and the CSRF field of a form
// (browser.go); a self-signed certificate (cert.go). Only tests import it.
package teststack

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/handlers"
	"github.com/lhuta/lhuta/internal/caserepo"
	"github.com/lhuta/lhuta/internal/service"
	"github.com/lhuta/lhuta/internal/sso"
	"github.com/lhuta/lhuta/projections"
	"github.com/lhuta/lhuta/projections/views"
)

// WithSSO sets cfg's machine tokens, and its single sign-on through the
// provider at issuer, which knows lhuta as the client "lhuta" with secret
// and whose groups map to roles as groups says.
func WithSSO(tb testing.TB, cfg *service.Config, tokens, issuer, secret, groups string) {
	tb.Helper()
	mapping, err := sso.ParseGroups(groups)
	if err != nil {
		tb.Fatal(err)
	}
	cfg.SSO, err = sso.New(sso.Config{Issuer: issuer, ClientID: "lhuta", ClientSecret: secret, Groups: mapping})
	if err != nil {
		tb.Fatal(err)
	}
	cfg.Tokens, err = handlers.ParseTokens(tokens)
	if err != nil {
		tb.Fatal(err)
	}
}

// Serve runs the service as lhuta serve assembles it until the test ends,
// logging nowhere unless cfg says where; it returns the address it listens on.
func Serve(tb testing.TB, cfg service.Config) net.Addr {
	tb.Helper()
	if cfg.Log == nil {
		cfg.Log = Quiet()
	}
	svc, err := service.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	addr, err := svc.Listen()
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("service: %v", err)
		}
	})
	return addr
}

// Quiet is a logger that writes nowhere.
func Quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// API is the HTTP API's server on db as lhuta serve makes it, with tokens
// and a projection pipeline that runs until the test ends; cfg holds the
// rest (a Repo of its own, the clock, the portal).
func API(tb testing.TB, db *eventstore.DB, tokens string, cfg handlers.Config) *handlers.Server {
	tb.Helper()
	tok, err := handlers.ParseTokens(tokens)
	if err != nil {
		tb.Fatal(err)
	}
	if cfg.Log == nil {
		cfg.Log = Quiet()
	}
	if cfg.Repo == nil {
		cfg.Repo = caserepo.New(eventstore.NewSQLStore(db.SQL, db.Dialect))
	}
	pipeline := projections.New(db, cfg.Log)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = pipeline.Run(ctx); close(done) }()
	tb.Cleanup(func() { cancel(); <-done })
	cfg.Reader, cfg.Pipeline, cfg.DB, cfg.Tokens = views.NewReader(db.SQL), pipeline, db.SQL, tok
	return handlers.New(cfg)
}

// Call sends one API request with a bearer token ("" none) and a body: nil
// none, a string or []byte as it is, anything else as JSON; header holds
// further name, value pairs (one with an empty value is left out). It
// returns the answer's status, header and body.
func Call(tb testing.TB, method, url, token string, body any, header ...string) (int, http.Header, []byte) {
	tb.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			tb.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		tb.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] != "" {
			req.Header.Set(header[i], header[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, raw
}
