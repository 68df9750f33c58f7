package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lhuta/lhuta/domain/cases"
)

// lhuta processing-record writes the record from the settings alone: the
// rules file's periods, every personal field of the contract, and which
// recipients the settings turn on.
func TestProcessingRecordCommand(t *testing.T) {
	rules := filepath.Join(t.TempDir(), "skartace.txt")
	if err := os.WriteFile(rules, []byte("# the office's plan\n*  passport_application  S  7  closed\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("LHUTA_NATS_URL", "nats://feed.example:4222")
	t.Setenv("LHUTA_NATS_PERSONAL_DATA", "true")
	var md bytes.Buffer
	if err := run(context.Background(), []string{"processing-record", "--retention-file", rules}, &md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| passport_application | nova-ves | skartační znak S, 7 let od uzavření případu (closed), od 1. ledna následujícího roku (skartace.txt:2) |",
		"| local_fee | nova-ves | nenastaveno", "| nova-ves | Obecní úřad Nová Ves |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("the record lacks %q:\n%s", want, md.String())
		}
	}
	for _, typ := range cases.AllEventTypes() {
		for _, p := range cases.PersonalPaths(typ) {
			if !strings.Contains(md.String(), p) {
				t.Errorf("the record lacks %s.%s", typ, p)
			}
		}
	}
	for l := range strings.Lines(md.String()) {
		if strings.HasPrefix(l, "| Odběratelé proudu událostí") && !strings.HasSuffix(strings.TrimSpace(l), "| zapnuto |") {
			t.Errorf("the feed with personal data is not a recipient here: %s", l)
		}
	}
	var csv bytes.Buffer
	if err := run(context.Background(), []string{"processing-record", "--format", "csv", "--retention-file", rules}, &csv); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(csv.String(), "section,item,detail\n") || !strings.Contains(csv.String(), "retention,passport_application @ nova-ves,") {
		t.Errorf("the CSV record:\n%s", csv.String())
	}
	if err := run(context.Background(), []string{"processing-record", "--format", "pdf"}, &csv); err == nil {
		t.Error("--format pdf is accepted")
	}
	bad := filepath.Join(t.TempDir(), "bad.txt")
	if err := os.WriteFile(bad, []byte("*  local_fee  X  5  closed\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"processing-record", "--retention-file", bad}, &csv); err == nil || !strings.Contains(err.Error(), "bad.txt:1") {
		t.Errorf("an invalid rules file: %v", err)
	}
}
