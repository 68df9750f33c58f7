package upgrade

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the test database's driver

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/internal/teststack"
)

// previousRelease is the release an office upgrades from, and
// previousReleaseCommit the commit it was built from: raise both with each
// release (docs/RELEASE.md). The commit is what the test builds, so that a
// clone without tags (CI clones main only) still tests the upgrade; the tag,
// where a clone has it, must name the same commit.
const (
	previousRelease       = "v0.1.0"
	previousReleaseCommit = "c93b51c8a6c21ecd25654891334392ad60766833"
)

const tokens = "clerk-token=clerk:jana.novakova,co-token=compliance_officer:eva.svobodova"

func TestUpgradeFromPreviousReleaseSQLite(t *testing.T) {
	old, cur := binaries(t)
	dir := t.TempDir()
	upgrade(t, old, cur, []string{"LHUTA_DATA_DIR=" + dir})
}

func TestUpgradeFromPreviousReleasePostgres(t *testing.T) {
	url := testdb.PostgresURL(t)
	old, cur := binaries(t)
	upgrade(t, old, cur, []string{"DATABASE_URL=" + url, "LHUTA_DATA_DIR=" + t.TempDir()})
}

// upgrade: the old binary serves and records cases; this tree's binary
// migrates the database while the old one still serves and answers; the
// old one stops, the new one starts on the same database and gives the same
// answers (it may add fields, never drop or change one), and a rebuild of
// its read models from the events equals what it serves.
func upgrade(t *testing.T, old, cur string, env []string) {
	oldSrv := start(t, old, env)
	var urls []string
	for i, who := range []string{"Jana Nováková", "Petr Dvořák", "Eva Malá"} {
		id, _ := oldSrv.post(t, "/v1/cases", map[string]any{
			"situation": "id_card_incident", "office": "Praha 1",
			"citizen": map[string]any{"id": fmt.Sprintf("c-%d", i), "birth_date": "1980-05-17", "full_name": who},
		})
		_, pos := oldSrv.post(t, "/v1/cases/"+id+"/events", map[string]any{
			"type": "IncidentReported", "expected_version": 1,
			"data": map[string]any{"kind": "lost", "reported_on": fmt.Sprintf("2026-04-0%d", i+1), "reported_to": "municipal_office"},
		})
		urls = append(urls,
			fmt.Sprintf("/v1/cases/%s?min_position=%d", id, pos),
			fmt.Sprintf("/v1/cases/%s?as_of=2026-04-02&min_position=%d", id, pos),
			"/v1/cases/"+id+"/events")
	}
	urls = append(urls, "/v1/obligations", "/v1/obligations?status=overdue", "/v1/flags")
	before := map[string]any{}
	for _, u := range urls {
		before[u] = oldSrv.get(t, u)
	}

	// Migrating beside the serving old release leaves it serving.
	if out, err := command(cur, env, "migrate").CombinedOutput(); err != nil {
		t.Fatalf("%s migrate beside the old release: %v\n%s", filepath.Base(cur), err, out)
	}
	if got := oldSrv.get(t, urls[0]); !reflect.DeepEqual(got, before[urls[0]]) {
		t.Errorf("after the migration the old release answers %v, before %v", got, before[urls[0]])
	}
	oldSrv.stop(t)

	newSrv := start(t, cur, env)
	for _, u := range urls {
		got := newSrv.get(t, u)
		if err := referenced(got, u); err != nil {
			t.Errorf("after the upgrade: %v", err)
			continue
		}
		if err := contains(got, before[u], u); err != nil {
			t.Errorf("after the upgrade: %v", err)
		}
	}
	newSrv.stop(t)
	// Its first start sealed the personal values the old release wrote in
	// plaintext (the events read the same through the store, as compared above).
	if n := plaintextNames(t, env); n != 0 {
		t.Errorf("after the upgrade %d events still hold a citizen's name in plaintext", n)
	}
	if out, err := command(cur, env, "rebuild", "--check").CombinedOutput(); err != nil {
		t.Errorf("rebuild --check after the upgrade: %v\n%s", err, out)
	}
}

// plaintextNames counts the events whose stored data holds a name the old
// release recorded.
func plaintextNames(t *testing.T, env []string) int {
	t.Helper()
	var (
		db  *eventstore.DB
		err error
	)
	for _, kv := range env {
		if url, ok := strings.CutPrefix(kv, "DATABASE_URL="); ok && url != "" {
			db, err = eventstore.OpenPostgres(context.Background(), url)
		}
	}
	if db == nil && err == nil {
		for _, kv := range env {
			if dir, ok := strings.CutPrefix(kv, "LHUTA_DATA_DIR="); ok {
				db, err = eventstore.OpenSQLite(dir)
			}
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	for after := int64(0); ; {
		page, err := eventstore.StoredIn(db.SQL).Page(context.Background(), after, 500)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return n
		}
		for _, e := range page {
			if strings.Contains(string(e.Data), "Petr Dvo") || strings.Contains(string(e.Data), "Eva Mal") {
				n++
			}
			after = e.Position
		}
	}
}

// referenced checks and takes away what the upgrade to case references
// (migration 00060) adds to an earlier case: one CaseReferenceAssigned,
// recorded by the migration with the case's reference, as its last event,
// which raises its version by one. The three cases of upgrade are of
// Praha 1 and 2026: their references follow their opening order.
func referenced(got any, at string) error {
	switch {
	case strings.HasSuffix(at, "/events"):
		m, _ := got.(map[string]any)
		items, _ := m["items"].([]any)
		if len(items) == 0 {
			return fmt.Errorf("%s: %v, want the case's events", at, got)
		}
		last, _ := items[len(items)-1].(map[string]any)
		data, _ := last["data"].(map[string]any)
		ref, _ := data["reference"].(string)
		if last["type"] != "CaseReferenceAssigned" || last["recorded_by"] != "lhuta migrate" || !strings.HasPrefix(ref, "Praha 1/2026/0000") {
			return fmt.Errorf("%s: the last event is %v, want the migration's CaseReferenceAssigned", at, last)
		}
		m["items"] = items[:len(items)-1]
	case strings.HasPrefix(at, "/v1/cases/"):
		m, _ := got.(map[string]any)
		v, _ := m["version"].(float64)
		ref, _ := m["reference"].(string)
		if !strings.HasPrefix(ref, "Praha 1/2026/0000") || v < 1 {
			return fmt.Errorf("%s: reference %q, version %v; want a Praha 1 reference of 2026", at, m["reference"], m["version"])
		}
		m["version"] = v - 1
	}
	return nil
}

// contains says where got lacks or changes what want has (got may have more
// fields).
func contains(got, want any, at string) error {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: %v, want an object", at, got)
		}
		for k, v := range w {
			if err := contains(g[k], v, at+"."+k); err != nil {
				return err
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Errorf("%s: %v, want %v", at, got, want)
		}
		for i := range w {
			if err := contains(g[i], w[i], fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	default:
		if !reflect.DeepEqual(got, want) {
			return fmt.Errorf("%s: %v, want %v", at, got, want)
		}
	}
	return nil
}

// binaries builds the previous release from its commit and this tree, once
// per test binary run.
func binaries(t *testing.T) (old, cur string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds two binaries")
	}
	buildOnce.Do(func() { buildOld, buildCur, buildErr = build() })
	if errors.Is(buildErr, errNoTag) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v: CI must test the upgrade (clone with the history, not --depth)", buildErr)
		}
		t.Skipf("%v; set CI=true to make this a failure", buildErr)
	}
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildOld, buildCur
}

var errNoTag = errors.New("no commit " + previousReleaseCommit[:12] + " (" + previousRelease + ") in this clone")

func build() (old, cur string, err error) {
	root, err := filepath.Abs("../..")
	if err != nil {
		return "", "", err
	}
	if err := exec.Command("git", "-C", root, "cat-file", "-e", previousReleaseCommit+"^{commit}").Run(); err != nil {
		return "", "", errNoTag
	}
	if tag, err := exec.Command("git", "-C", root, "rev-parse", "--verify", "--quiet", previousRelease+"^{commit}").Output(); err == nil &&
		strings.TrimSpace(string(tag)) != previousReleaseCommit {
		return "", "", fmt.Errorf("tag %s names %s, the test builds %s: raise previousReleaseCommit with the release", previousRelease, strings.TrimSpace(string(tag)), previousReleaseCommit)
	}
	tmp := buildDir
	src := filepath.Join(tmp, "src-"+previousRelease)
	archive, err := exec.Command("git", "-C", root, "archive", "--format=tar", previousReleaseCommit).Output()
	if err != nil {
		return "", "", fmt.Errorf("git archive %s: %w", previousRelease, err)
	}
	if err := untar(bytes.NewReader(archive), src); err != nil {
		return "", "", err
	}
	old, cur = filepath.Join(tmp, "lhuta-"+previousRelease), filepath.Join(tmp, "lhuta-current")
	for _, b := range []struct{ dir, out, ldflags string }{
		{src, old, "-X main.version=" + previousRelease},
		{root, cur, ""},
	} {
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", b.ldflags, "-o", b.out, "./cmd/lhuta")
		cmd.Dir = b.dir
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", "", fmt.Errorf("build %s: %w\n%s", b.out, err, out)
		}
	}
	return old, cur, nil
}

func untar(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		p := filepath.Join(dir, filepath.FromSlash(h.Name))
		if !strings.HasPrefix(p, dir+string(filepath.Separator)) {
			return fmt.Errorf("archive entry %q leaves the directory", h.Name)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			b, err := io.ReadAll(tr)
			if err != nil {
				return err
			}
			if err := os.WriteFile(p, b, 0o644); err != nil {
				return err
			}
		}
	}
}

type server struct {
	base string
	cmd  *exec.Cmd
	log  *bytes.Buffer
}

func command(bin string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Env = append(cmd.Env, "LHUTA_TOKENS="+tokens, "LHUTA_CLOCK=2026-05-20")
	return cmd
}

func start(t *testing.T, bin string, env []string) *server {
	t.Helper()
	addr := teststack.FreeAddr(t)
	s := &server{base: "http://" + addr, log: &bytes.Buffer{}}
	s.cmd = command(bin, append(env, "LHUTA_ADDR="+addr), "serve")
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			_ = s.cmd.Process.Kill()
			_ = s.cmd.Wait()
		}
	})
	if err := teststack.WaitReady(s.base, 60*time.Second, nil); err != nil {
		t.Fatalf("%s did not get ready: %v\n%s", filepath.Base(bin), err, s.log)
	}
	return s
}

func (s *server) stop(t *testing.T) {
	t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("stop: %v\n%s", err, s.log)
	}
}

func (s *server) do(t *testing.T, method, path string, body any) map[string]any {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, method, s.base+path, r)
	req.Header.Set("Authorization", "Bearer clerk-token")
	if strings.HasPrefix(path, "/v1/flags") {
		req.Header.Set("Authorization", "Bearer co-token")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %s\n%s", method, path, resp.StatusCode, b, s.log)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s %s: %v: %s", method, path, err, b)
	}
	return v
}

func (s *server) post(t *testing.T, path string, body any) (id string, position int64) {
	v := s.do(t, http.MethodPost, path, body)
	id, _ = v["id"].(string)
	pos, _ := v["position"].(float64)
	return id, int64(pos)
}

func (s *server) get(t *testing.T, path string) map[string]any {
	return s.do(t, http.MethodGet, path, nil)
}
