package testdb

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// Replica makes a streaming replica of s (pg_basebackup -R into a temporary
// directory), starts it on a free port as a hot standby, and stops and
// removes it when the test ends. initdb's default pg_hba.conf lets
// replication connections in from 127.0.0.1, and wal_level defaults to
// replica, so every Server can have replicas.
func (s *Server) Replica(t testing.TB) *Server {
	t.Helper()
	dir, err := os.MkdirTemp("", "lhuta-pg-replica-")
	if err != nil {
		t.Fatal(err)
	}
	r := &Server{Port: FreePort(t), bin: s.bin, dir: dir, cred: s.cred}
	t.Cleanup(func() {
		_ = r.pgCtl("stop", "-m", "immediate", "-w")
		_ = os.RemoveAll(dir)
	})
	if s.cred != nil {
		if err := os.Chown(dir, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := r.command("pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(s.Port), "-U", "postgres",
		"-D", r.data(), "-R", "-X", "stream", "-c", "fast").CombinedOutput(); err != nil {
		t.Fatalf("pg_basebackup: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(r.data(), "standby.signal")); err != nil {
		t.Fatalf("pg_basebackup -R wrote no standby.signal: %v", err)
	}
	r.Start(t)
	return r
}
