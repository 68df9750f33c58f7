package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/lhuta/lhuta/internal/teststack"
)

// lhuta healthcheck (the container's health check) answers for a running
// service and fails for none.
func TestHealthcheckCommand(t *testing.T) {
	t.Setenv("LHUTA_TOKENS", "clerk-token=clerk:alice")
	t.Setenv("DATABASE_URL", "")
	base, stop := start(t, "--data-dir", t.TempDir())
	defer stop()
	addr := strings.TrimPrefix(base, "http://")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"healthcheck", "--addr", addr}, &out); err != nil || out.String() != "alive\n" {
		t.Fatalf("healthcheck of a running service: %v %q", err, out.String())
	}
	if err := run(context.Background(), []string{"healthcheck", "--addr", teststack.FreeAddr(t)}, &out); err == nil {
		t.Fatal("healthcheck of no service: no error")
	}
}

// The Dockerfile builds, where a Docker engine runs (this machine kind has
// only the client, so the test skips here).
func TestDockerImageBuilds(t *testing.T) {
	if err := exec.Command("docker", "info").Run(); err != nil {
		t.Skip("no Docker engine: docker info fails")
	}
	cmd := exec.Command("docker", "build", "-q", "-t", "lhuta-test", "../..")
	cmd.Env = os.Environ()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docker build: %v\n%s", err, out)
	}
}
