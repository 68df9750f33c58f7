package eventstore

import (
	"strings"
	"testing"
)

// A database's password never reaches a log line, whatever form the
// connection string has.
func TestRedactDropsThePasswordInEveryForm(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://lhuta:S3cretPw@db.example:5433/lhuta?sslmode=disable":     "postgres://lhuta@db.example:5433/lhuta",
		"postgres://lhuta@db.example/lhuta?password=S3cretPw":                 "postgres://lhuta@db.example:5432/lhuta",
		"host=db.example port=5433 user=lhuta password=S3cretPw dbname=lhuta": "postgres://lhuta@db.example:5433/lhuta",
		"host=db.example user=lhuta password='S3cretPw x' dbname=lhuta":       "postgres://lhuta@db.example:5432/lhuta",
		"postgres://lhuta:S3cretPw@db.example:notaport/lhuta":                 "postgres (an unreadable connection string)",
	} {
		got := redact(in)
		if strings.Contains(got, "S3cretPw") || got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}
