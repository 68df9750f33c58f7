package views_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/lhuta/lhuta/projections"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// errKilled stands for the process dying half-way through a batch.
var errKilled = errors.New("killed")

func runPipeline(t *testing.T, p *projections.Pipeline) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("pipeline: %v", err)
		}
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
