package teststack

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/lhuta/lhuta/internal/testdb"
)

// FreeAddr is a loopback address that nothing listened on a moment ago.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(testdb.FreePort(tb)))
}

// Build builds the main package in the test's working directory into a
// temporary directory and returns the binary's path.
func Build(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "lhuta")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// errExited is what WaitReady says when the process ended first.
var errExited = errors.New("lhuta exited before it was ready")

// WaitReady waits until base/readyz answers 200, for at most timeout; it
// gives up early when exited (if not nil) is closed.
func WaitReady(base string, timeout time.Duration, exited <-chan struct{}) error {
	for deadline := time.Now().Add(timeout); ; time.Sleep(20 * time.Millisecond) {
		select {
		case <-exited:
			return errExited
		default:
		}
		if resp, err := http.Get(base + "/readyz"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return errors.New("lhuta was not ready within " + timeout.String())
		}
	}
}

// Process is one lhuta serve process on a fixed address, which the test
// starts and stops again (with SIGKILL: a crash) as often as it likes.
type Process struct {
	T   testing.TB
	Bin string
	// Args follow "serve --addr Addr".
	Args []string
	Env  []string
	Addr string
	// Log is the file both outputs are appended to; "" is the test's stderr.
	Log string
	Cmd *exec.Cmd
	// exited is closed when the running process has exited, with exitErr
	// what its Wait returned.
	exited  chan struct{}
	exitErr error
}

// Base is the process's URL.
func (p *Process) Base() string { return "http://" + p.Addr }

// Start starts the process and waits until it is ready.
func (p *Process) Start() {
	p.T.Helper()
	var out io.Writer = os.Stderr
	if p.Log != "" {
		logf, err := os.OpenFile(p.Log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			p.T.Fatal(err)
		}
		defer logf.Close()
		out = logf
	}
	p.Cmd = exec.Command(p.Bin, append([]string{"serve", "--addr", p.Addr}, p.Args...)...)
	p.Cmd.Env, p.Cmd.Stdout, p.Cmd.Stderr = p.Env, out, out
	if err := p.Cmd.Start(); err != nil {
		p.T.Fatal(err)
	}
	exited := make(chan struct{})
	go func(cmd *exec.Cmd) { p.exitErr = cmd.Wait(); close(exited) }(p.Cmd)
	if err := WaitReady(p.Base(), 30*time.Second, exited); err != nil {
		if !errors.Is(err, errExited) {
			_ = p.Cmd.Process.Kill()
			<-exited
		}
		p.Fatal(err.Error())
	}
	p.exited = exited
}

// Fatal fails the test with msg and the end of the process's log.
func (p *Process) Fatal(msg string) {
	p.T.Helper()
	log, _ := os.ReadFile(p.Log)
	if len(log) > 4000 {
		log = log[len(log)-4000:]
	}
	p.T.Fatalf("%s; its log ends:\n%s", msg, log)
}

// Stop ends the process with sig (SIGKILL: a crash; SIGTERM: a shutdown).
func (p *Process) Stop(sig syscall.Signal) {
	p.T.Helper()
	_ = p.Cmd.Process.Signal(sig)
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		p.Fatal("lhuta did not stop within 30 s")
	}
}

// ExitErr is what the stopped process's Wait returned.
func (p *Process) ExitErr() error { return p.exitErr }

// StopIfRunning shuts a process down that was started and has not exited:
// for a deferred clean-up whatever the test did with it.
func (p *Process) StopIfRunning() {
	p.T.Helper()
	if p.exited == nil {
		return
	}
	select {
	case <-p.exited:
	default:
		p.Stop(syscall.SIGTERM)
	}
}
