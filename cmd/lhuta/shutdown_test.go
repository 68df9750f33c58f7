package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/internal/teststack"
)

// SIGTERM under writes: lhuta stops accepting, finishes what it answers,
// stops the projection, and exits 0 with no ERROR line; every write it
// answered 201 is in the store.
func TestSIGTERMUnderWritesExitsCleanly(t *testing.T) {
	bin := teststack.Build(t)
	for _, backend := range testdb.Backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			env := clerkEnv(t, backend, "2026-04-10")
			p := lhutaProcess(t, bin, dir, env)
			p.Start()
			base := p.Base()

			var (
				mu       sync.Mutex
				accepted []string
				wg       sync.WaitGroup
			)
			stop := make(chan struct{})
			body := `{"situation":"id_card_incident","office":"Praha 1","citizen":{"id":"c-1","birth_date":"1980-05-17","full_name":"Jana Nováková"}}`
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					client := &http.Client{Timeout: 10 * time.Second}
					for {
						select {
						case <-stop:
							return
						default:
						}
						req, _ := http.NewRequest(http.MethodPost, base+"/v1/cases", strings.NewReader(body))
						req.Header.Set("Authorization", "Bearer clerk-token")
						resp, err := client.Do(req)
						if err != nil {
							return // the server has stopped accepting
						}
						var answer struct{ ID string }
						_ = json.NewDecoder(resp.Body).Decode(&answer)
						resp.Body.Close()
						if resp.StatusCode == http.StatusCreated {
							mu.Lock()
							accepted = append(accepted, answer.ID)
							mu.Unlock()
						}
					}
				}()
			}
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
				mu.Lock()
				n := len(accepted)
				mu.Unlock()
				if n >= 50 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("no writes accepted")
				}
			}
			p.Stop(syscall.SIGTERM)
			close(stop)
			wg.Wait()
			log, _ := os.ReadFile(p.Log)
			if err := p.ExitErr(); err != nil {
				t.Fatalf("lhuta exited with %v after SIGTERM; log:\n%s", err, log)
			}
			if strings.Contains(string(log), "level=ERROR") || !strings.Contains(string(log), "lhuta stopped") {
				t.Fatalf("the log of a clean shutdown has an ERROR line or no \"lhuta stopped\":\n%s", log)
			}

			db, err := eventstore.Open(context.Background(), dir, envValue(env, "DATABASE_URL"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			store := eventstore.NewSQLStore(db.SQL, db.Dialect)
			for _, id := range accepted {
				if events, err := store.Load(context.Background(), id); err != nil || len(events) != 1 {
					t.Errorf("case %s was answered 201 but the store holds %d events (%v)", id, len(events), err)
				}
			}
		})
	}
}

// A PostgreSQL that is not up yet when lhuta starts (both started by one
// boot) is waited for, with backoff, instead of lhuta exiting at once.
func TestStartWaitsForAPostgresThatIsNotUpYet(t *testing.T) {
	srv := testdb.NewServer(t)
	srv.Stop(t)
	bin := teststack.Build(t)
	dir := t.TempDir()
	addr := teststack.FreeAddr(t)
	logPath := filepath.Join(dir, "log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(bin, "serve", "--addr", addr, "--data-dir", dir)
	cmd.Env = append(os.Environ(), "LHUTA_TOKENS=clerk-token=clerk:alice", "DATABASE_URL="+srv.URL())
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); <-exited }()
	time.Sleep(1500 * time.Millisecond)
	select {
	case err := <-exited:
		log, _ := os.ReadFile(logPath)
		t.Fatalf("lhuta exited (%v) while PostgreSQL was down instead of waiting; log:\n%s", err, log)
	default:
	}
	srv.Start(t)
	if err := teststack.WaitReady("http://"+addr, 30*time.Second, nil); err != nil {
		log, _ := os.ReadFile(logPath)
		t.Fatalf("lhuta was not ready 30 s after PostgreSQL started; log:\n%s", log)
	}
	if log, _ := os.ReadFile(logPath); !strings.Contains(string(log), "cannot be reached yet; retrying") {
		t.Errorf("the log does not say it waited for the database:\n%s", log)
	}
}

// lhuta token add writes a token for a person; SIGHUP makes the running
// service accept it without a restart. lhuta token list shows who holds a
// token and until when, never the tokens; lhuta token revoke and SIGHUP
// end one.
func TestTokenAddAndReloadOnSIGHUP(t *testing.T) {
	bin := teststack.Build(t)
	dir := t.TempDir()
	env := append(os.Environ(), "LHUTA_TOKENS=", "DATABASE_URL=")
	p := lhutaProcess(t, bin, dir, env)
	p.Start()
	defer p.Stop(syscall.SIGTERM)
	cmd := exec.Command(bin, "token", "add", "clerk", "jana.novakova", "--data-dir", dir)
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("token add: %v", err)
	}
	token, _, _ := strings.Cut(string(out), "\n")
	cmd = exec.Command(bin, "token", "add", "clerk", "petr.svoboda", "--office", "CZ0412", "--data-dir", dir)
	cmd.Env = env
	out, err = cmd.Output()
	if err != nil {
		t.Fatalf("token add --office: %v", err)
	}
	scoped, _, _ := strings.Cut(string(out), "\n")
	status := func() int {
		req, _ := http.NewRequest("GET", p.Base()+"/v1/obligations", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := status(); got != 401 {
		t.Fatalf("the new token before SIGHUP: %d, want 401", got)
	}
	_ = p.Cmd.Process.Signal(syscall.SIGHUP)
	for deadline := time.Now().Add(10 * time.Second); status() != 200; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			p.Fatal("the new token was not accepted within 10 s of SIGHUP")
		}
	}
	// The token added with --office opens cases of its office only.
	open := func(office string) int {
		body := `{"situation":"id_card_incident","office":"` + office + `","citizen":{"id":"c-1","birth_date":"1980-05-17","full_name":"Jana Nováková"}}`
		req, _ := http.NewRequest("POST", p.Base()+"/v1/cases", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+scoped)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := open("CZ0806"); got != 403 {
		t.Errorf("a CZ0412 token opening a case of CZ0806: %d, want 403", got)
	}
	if got := open("CZ0412"); got != 201 {
		t.Errorf("a CZ0412 token opening a case of CZ0412: %d, want 201", got)
	}

	tokenCmd := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append(append([]string{"token"}, args...), "--data-dir", dir)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("lhuta token %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	tokenCmd("add", "dashboard", "nastenka", "--expires", "2099-12-31")
	f, err := os.OpenFile(filepath.Join(dir, "tokens"), os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString("stary-token-skeneru=clerk:stary.skener;created=2025-01-02T08:00:00Z;expires=2026-06-30\n")
	_ = f.Close()
	list := tokenCmd("list")
	rows := map[string][]string{}
	for _, line := range strings.Split(list, "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			rows[f[0]] = f[1:]
		}
	}
	for name, want := range map[string]string{"jana.novakova": "clerk - ", "petr.svoboda": "clerk CZ0412 ", "nastenka": "dashboard - ",
		"stary.skener": "clerk - 2025-01-02 09:00 2026-06-30 (expired)"} {
		if got := strings.Join(rows[name], " "); !strings.HasPrefix(got, want) {
			t.Errorf("lhuta token list shows %s as %q, want it to start %q:\n%s", name, got, want, list)
		}
	}
	if got := strings.Join(rows["nastenka"], " "); !strings.HasSuffix(got, " 2099-12-31") {
		t.Errorf("nastenka's token lasts through 2099-12-31, the list says %q", got)
	}
	if strings.Contains(list, token) || strings.Contains(list, scoped) || strings.Contains(list, "stary-token-skeneru") {
		t.Errorf("lhuta token list shows a token:\n%s", list)
	}
	tokenCmd("revoke", "jana.novakova")
	if strings.Contains(tokenCmd("list"), "jana.novakova") {
		t.Error("jana.novakova is still listed after revoke")
	}
	_ = p.Cmd.Process.Signal(syscall.SIGHUP)
	for deadline := time.Now().Add(10 * time.Second); status() != 401; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			p.Fatal("the revoked token was still accepted 10 s after SIGHUP")
		}
	}
	req, _ := http.NewRequest("GET", p.Base()+"/v1/obligations", nil)
	req.Header.Set("Authorization", "Bearer stary-token-skeneru")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("an expired token: %d, want 401", resp.StatusCode)
	}
}
