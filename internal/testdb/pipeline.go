package testdb

import (
	"context"
	"testing"

	"github.com/lhuta/lhuta/projections"
)

// RunPipeline runs p until the returned stop is called, which waits for it
// to end and fails the test if it ended with an error.
func RunPipeline(t testing.TB, p *projections.Pipeline) (stop func()) {
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
