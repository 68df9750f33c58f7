package lhuta_test

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const module = "github.com/lhuta/lhuta/"

// The rooms of the house and the doors between them (docs/decisions.md,
// "One house with sealed rooms"): a rule names the packages it holds, a
// package they must not reach, and whether through any other package
// (deps) or only by importing it themselves.
var rules = []struct {
	from, forbidden string
	deps            bool
	why             string
}{
	{"domain", "", true, "the law is pure: domain/ imports nothing of lhuta outside domain/"},
	{"projections", "internal/caserepo", true, "the read side folds the log it reads through the store, not through the write side"},
	{"handlers", "eventstore", true, "HTTP writes through the application layer's port (internal/caseport, filled by internal/caserepo) and reads the read models (projections/views); it depends on no store"},
	{"handlers", "internal/caserepo", false, "handlers take the write door through their Repository interface, in internal/caseport's types"},
	{"internal/caseport", "eventstore", true, "the write door's port speaks the store's contract (internal/storeport), not the store"},
	{"internal/storeport", "", true, "the store's contract is a leaf: errors and their classification, no lhuta package"},
	{"projections/views", "eventstore", true, "the read models' queries need database/sql and the domain, never the store"},
	{"internal/reminders/listing", "eventstore", true, "the reminders' listing reads the read model and the delivery's marks, not the log"},
	{"ui", "eventstore", false, "the console calls the API in-process"},
	{"portal", "eventstore", false, "the citizen's portal calls the API in-process"},
}

type pkg struct {
	path          string
	imports, deps []string
}

// packages lists the module's packages with what they import, as go list
// sees them (test files left out: a test may set a database up by hand).
func packages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}|{{join .Imports " "}}|{{join .Deps " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var ps []pkg
	for line := range strings.Lines(strings.TrimSpace(string(out))) {
		f := strings.Split(strings.TrimSpace(line), "|")
		ps = append(ps, pkg{strings.TrimPrefix(f[0], module), ours(f[1]), ours(f[2])})
	}
	return ps
}

// ours keeps lhuta's own packages of a space-separated list, without the module prefix.
func ours(list string) []string {
	var ps []string
	for p := range strings.FieldsSeq(list) {
		if rest, ok := strings.CutPrefix(p, module); ok {
			ps = append(ps, rest)
		}
	}
	return ps
}

func under(p, dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }

func TestEveryPackageKeepsToItsRoom(t *testing.T) {
	for _, p := range packages(t) {
		for _, r := range rules {
			if !under(p.path, r.from) {
				continue
			}
			reached := p.imports
			if r.deps {
				reached = p.deps
			}
			for _, q := range reached {
				// An empty forbidden means everything outside the rule's own room.
				if (r.forbidden == "" && !under(q, r.from)) || (r.forbidden != "" && under(q, r.forbidden)) {
					t.Errorf("%s reaches %s: %s", p.path, q, r.why)
				}
			}
		}
	}
}

// eventsSQL finds SQL on the events table: a FROM, INTO or UPDATE (so
// DELETE FROM too), in any case, followed by the table's name as a whole
// word, quoted or not; events_ and other tables whose names begin so are
// not it. Comment lines are prose ("read from events recorded before…").
var eventsSQL = regexp.MustCompile(`(?i)\b(FROM|INTO|UPDATE)\s+"?events\b`)

func sqlOnEvents(line string) string {
	if strings.HasPrefix(strings.TrimSpace(line), "//") {
		return ""
	}
	return eventsSQL.FindString(line)
}

// The finder finds what the rule names and nothing else. The cases write
// the table's name as <t>, so that this file holds no such SQL itself.
func TestSQLOnTheEventsTableIsFound(t *testing.T) {
	for line, want := range map[string]bool{
		"`SELECT MAX(position) FROM <t>`":                             true,
		"q := `SELECT COUNT(*) FROM <t> WHERE x`":                     true,
		"`INSERT INTO <t> (stream_id, version)`":                      true,
		"\"UPDATE <t> SET data = $1\"":                                true,
		"`DELETE FROM <t> WHERE position = $1`":                       true,
		"`select data from <t>`":                                      true,
		"`SELECT * FROM \"<t>\"`":                                     true,
		"`SELECT * FROM\t<t>`":                                        true,
		"`SELECT * FROM <t>_archive`":                                 false,
		"`INSERT INTO event_types VALUES ($1)`":                       false,
		"`SELECT * FROM case_events`":                                 false,
		"`SELECT * FROM <t>x`":                                        false,
		"\t// ExcusedOn is read from <t> recorded before":             false,
		"`SELECT position FROM idempotency_keys` // the keyed events": false,
	} {
		if got := sqlOnEvents(strings.ReplaceAll(line, "<t>", "events")) != ""; got != want {
			t.Errorf("%s: found %v, want %v", line, got, want)
		}
	}
}

// sqlOnEventsAllowed are the files outside eventstore/ and migrations/ that
// may still hold SQL on the events table, each with its reason.
var sqlOnEventsAllowed = map[string]string{}

// Only the store touches the log's table: everything else appends and reads
// through eventstore's API (the Store, Stored for the Sealer, BulkInsert and
// BaselineLog for lhuta-bench), so that the one writer of the log and its
// reading order live in one package. migrations/ creates the table.
func TestOnlyTheStoreHasSQLOnTheEventsTable(t *testing.T) {
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		path = filepath.ToSlash(path)
		if d.IsDir() {
			if path == "eventstore" || path == "migrations" || (path != "." && strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		if _, ok := sqlOnEventsAllowed[path]; ok {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if m := sqlOnEvents(line); m != "" {
				t.Errorf("%s:%d: %q: SQL on the events table belongs in eventstore/ (use its API)", path, i+1, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for path := range sqlOnEventsAllowed {
		if _, err := os.Stat(path); err != nil {
			t.Errorf("the exception %s names no file: remove it", path)
		}
	}
}
