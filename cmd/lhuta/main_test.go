package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/internal/teststack"
)

// start runs `lhuta serve` until the test stops it, and waits until it is ready.
func start(t *testing.T, args ...string) (base string, stop func()) {
	t.Helper()
	addr := teststack.FreeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"serve", "--addr", addr}, args...), os.Stdout) }()
	base = "http://" + addr
	if err := teststack.WaitReady(base, 5*time.Second, nil); err != nil {
		cancel()
		t.Fatalf("lhuta did not become ready: %v (%v)", err, <-done)
	}
	return base, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("lhuta serve: %v", err)
		}
	}
}

func call(t *testing.T, method, url, token, body string) map[string]any {
	t.Helper()
	status, _, raw := teststack.Call(t, method, url, token, body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	if status >= 300 {
		t.Fatalf("%s %s: %d %v", method, url, status, out)
	}
	return out
}

// The README's walk-through against `lhuta` with no configuration but a data
// directory: the tokens file is made on first start, and a restart keeps every case.
func TestServeWithNoConfigurationKeepsCasesAcrossRestarts(t *testing.T) {
	for _, env := range []string{"DATABASE_URL", "LHUTA_TOKENS", "LHUTA_ADDR", "LHUTA_DATA_DIR"} {
		t.Setenv(env, "")
	}
	t.Setenv("LHUTA_CLOCK", "2026-04-01")
	dir := t.TempDir()
	base, stop := start(t, "--data-dir", dir)
	clerk := clerkToken(t, dir)
	opened := call(t, "POST", base+"/v1/cases", clerk,
		`{"situation":"id_card_incident","office":"Praha 1","citizen":{"id":"c-1","birth_date":"1980-05-17","full_name":"Jana Nováková"}}`)
	id := opened["id"].(string)
	rec := call(t, "POST", base+"/v1/cases/"+id+"/events", clerk,
		`{"type":"IncidentReported","data":{"kind":"lost","reported_on":"2026-04-01","reported_to":"municipal_office"},"expected_version":1}`)
	got := call(t, "GET", fmt.Sprintf("%s/v1/cases/%s?min_position=%v", base, id, rec["position"]), clerk, "")
	if due := got["obligations"].([]any)[0].(map[string]any)["due_on"]; due != "2026-04-24" {
		t.Fatalf("due_on = %v, want 2026-04-24", due)
	}
	stop()

	base, stop = start(t, "--data-dir", dir)
	defer stop()
	again := call(t, "GET", base+"/v1/cases/"+id, clerk, "")
	if again["version"] != 2.0 || len(again["obligations"].([]any)) != 1 {
		t.Fatalf("after a restart the case is %v", again)
	}
}

func TestMigrateAndRebuildOnPostgres(t *testing.T) {
	t.Setenv("DATABASE_URL", testdb.PostgresURL(t))
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, &out); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"rebuild"}, &out); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`schema up to date \([1-9][0-9]* migrations applied now\)`).MatchString(out.String()) || !strings.Contains(out.String(), "rebuild: done, 0 events") {
		t.Fatalf("output:\n%s", out.String())
	}
}

func TestBadConfigurationIsRefused(t *testing.T) {
	for _, args := range [][]string{{"frobnicate"}, {"serve", "extra"}} {
		if err := run(context.Background(), args, os.Stdout); err == nil {
			t.Errorf("lhuta %v: no error", args)
		}
	}
	t.Setenv("LHUTA_LOSS_REPORT_THRESHOLD", "soon")
	if err := run(context.Background(), []string{"--data-dir", t.TempDir()}, os.Stdout); err == nil || !strings.Contains(err.Error(), "LHUTA_LOSS_REPORT_THRESHOLD") {
		t.Errorf("bad LHUTA_LOSS_REPORT_THRESHOLD: %v", err)
	}
	t.Setenv("LHUTA_LOSS_REPORT_THRESHOLD", "")
	t.Setenv("LHUTA_DB_TIMEOUT", "soon")
	if err := run(context.Background(), []string{"--data-dir", t.TempDir()}, os.Stdout); err == nil || !strings.Contains(err.Error(), "LHUTA_DB_TIMEOUT") {
		t.Errorf("bad LHUTA_DB_TIMEOUT: %v", err)
	}
	t.Setenv("LHUTA_DB_TIMEOUT", "")
	t.Setenv("LHUTA_SQLITE_SYNCHRONOUS", "OFF")
	if err := run(context.Background(), []string{"--data-dir", t.TempDir()}, os.Stdout); err == nil || !strings.Contains(err.Error(), "LHUTA_SQLITE_SYNCHRONOUS") {
		t.Errorf("bad LHUTA_SQLITE_SYNCHRONOUS: %v", err)
	}
	t.Setenv("LHUTA_SQLITE_SYNCHRONOUS", "")
	t.Setenv("LHUTA_CLOCK", "2026-13-01")
	if err := run(context.Background(), []string{"--data-dir", t.TempDir(), "--addr", "127.0.0.1:0"}, os.Stdout); err == nil || !strings.Contains(err.Error(), "LHUTA_CLOCK") {
		t.Errorf("bad LHUTA_CLOCK: %v", err)
	}
	t.Setenv("LHUTA_CLOCK", "")
	t.Setenv("LHUTA_NIA_METADATA_URL", "https://nia.example.cz/metadata")
	if err := run(context.Background(), []string{"--data-dir", t.TempDir(), "--addr", "127.0.0.1:0"}, os.Stdout); err == nil || !strings.Contains(err.Error(), "LHUTA_NIA_SP_KEY") {
		t.Errorf("NIA without the service provider's key pair: %v", err)
	}
}

// Before: a tokens file anyone on the machine could read was used as it was.
func TestATokensFileReadableByOthersIsRefused(t *testing.T) {
	for _, env := range []string{"DATABASE_URL", "LHUTA_TOKENS"} {
		t.Setenv(env, "")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "tokens")
	if err := os.WriteFile(path, []byte("t1=clerk:alice\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	// Were the file accepted, lhuta would serve until the context ends.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := run(ctx, []string{"--data-dir", dir, "--addr", "127.0.0.1:0"}, os.Stdout)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "chmod 600 "+path) {
		t.Fatalf("a tokens file of mode 0644: %v, want a refusal naming the file and the chmod to run", err)
	}
}

// Before: lhuta.db and its -wal and -shm files took the umask's mode
// (typically 0644): every user of the machine could read personal data.
func TestTheSQLiteFilesAreTheOwnersOnly(t *testing.T) {
	for _, env := range []string{"DATABASE_URL", "LHUTA_TOKENS"} {
		t.Setenv(env, "")
	}
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := t.TempDir()
	base, stop := start(t, "--data-dir", dir)
	clerk := clerkToken(t, dir)
	call(t, "POST", base+"/v1/cases", clerk,
		`{"situation":"id_card_incident","office":"Praha 1","citizen":{"id":"c-1","birth_date":"1980-05-17","full_name":"Jana Nováková"}}`)
	for _, name := range []string{"lhuta.db", "lhuta.db-wal", "lhuta.db-shm", "tokens"} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %04o, want the owner's only", name, info.Mode().Perm())
		}
	}
	stop()
}

// clerkToken returns the clerk's token of the tokens file lhuta made in dir.
func clerkToken(t *testing.T, dir string) string {
	t.Helper()
	tokens, err := os.ReadFile(filepath.Join(dir, "tokens"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(tokens), "\n") {
		if token, who, ok := strings.Cut(line, "="); ok && strings.HasPrefix(who, "clerk:") {
			return token
		}
	}
	t.Fatalf("no clerk token in %s", tokens)
	return ""
}
