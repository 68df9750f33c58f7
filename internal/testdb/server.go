package testdb

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
)

// Server is a PostgreSQL server of one test's own (initdb and pg_ctl in a
// temporary directory, on a free port), for tests that stop and start the
// database under load. The machine's shared server is never touched.
type Server struct {
	// Port is the server's TCP port on 127.0.0.1.
	Port int
	bin  string
	dir  string
	cred *syscall.Credential
}

// NewServer initialises and starts a throwaway server, stopped and removed
// when the test ends. Without PostgreSQL's binaries (under
// /usr/lib/postgresql/*/bin, or LHUTA_TEST_PG_BIN) the test is skipped,
// except in CI (CI=true), where it fails.
func NewServer(t testing.TB) *Server {
	t.Helper()
	bin := os.Getenv("LHUTA_TEST_PG_BIN")
	if bin == "" {
		found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
		slices.Sort(found)
		if len(found) > 0 {
			bin = filepath.Dir(found[len(found)-1])
		}
	}
	if _, err := os.Stat(filepath.Join(bin, "pg_ctl")); bin == "" || err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL's initdb and pg_ctl are required in CI but were not found (set LHUTA_TEST_PG_BIN)")
		}
		t.Skip("PostgreSQL's initdb and pg_ctl not found (set LHUTA_TEST_PG_BIN); set CI=true to make this a failure")
	}
	// t.TempDir's parents are private to the test's user; PostgreSQL, which
	// refuses to run as root, may run as another user and needs its own directory.
	dir, err := os.MkdirTemp("", "lhuta-pg-")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Port: FreePort(t), bin: bin, dir: dir}
	t.Cleanup(func() {
		_ = s.pgCtl("stop", "-m", "immediate", "-w")
		_ = os.RemoveAll(dir)
	})
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, PostgreSQL needs the postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := s.command("initdb", "-D", s.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	s.Start(t)
	return s
}

// URL is the server's postgres database.
func (s *Server) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.Port)
}

// Start starts the server and waits until it accepts connections.
func (s *Server) Start(t testing.TB) {
	t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", s.Port, s.dir)
	if err := s.pgCtl("start", "-w", "-t", "30", "-l", filepath.Join(s.dir, "log"), "-o", opts); err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "log"))
		t.Fatalf("pg_ctl start: %v\n%s", err, log)
	}
}

// Stop stops the server the way an operator's restart does (fast shutdown:
// sessions are terminated with SQLSTATE 57P01).
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if err := s.pgCtl("stop", "-m", "fast", "-w", "-t", "30"); err != nil {
		t.Fatalf("pg_ctl stop: %v", err)
	}
}

func (s *Server) data() string { return filepath.Join(s.dir, "data") }

func (s *Server) pgCtl(args ...string) error {
	out, err := s.command("pg_ctl", append([]string{"-D", s.data()}, args...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: %s", err, out)
	}
	return nil
}

func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Dir = s.dir
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	return cmd
}

// FreePort is a loopback TCP port that nothing listened on a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
