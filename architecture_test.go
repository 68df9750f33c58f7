package lhuta_test

import (
	"os/exec"
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
	{"handlers", "eventstore", false, "HTTP writes through the application layer (internal/caserepo) and reads the read models; it never holds the store's types"},
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
