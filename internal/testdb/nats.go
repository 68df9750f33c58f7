package testdb

import (
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// NATSURL returns the test NATS server with JetStream (LHUTA_TEST_NATS, or
// 127.0.0.1:4222). Without one the test is skipped, except in CI
// (CI=true), where it fails: CI must run the feed's tests.
func NATSURL(t testing.TB) string {
	t.Helper()
	url := os.Getenv("LHUTA_TEST_NATS")
	if url == "" {
		url = "nats://127.0.0.1:4222"
	}
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(url, "nats://"), 2*time.Second) //nolint:gosec // the test server the developer names
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("NATS with JetStream is required in CI but unreachable at %s: %v", url, err)
		}
		t.Skipf("NATS unreachable at %s (%v); set CI=true to make this a failure", url, err)
	}
	_ = c.Close()
	return url
}
