package release

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

// compose.yaml parses; its long-running services restart; lhuta's
// environment names only settings of README's table; its secrets come from
// the operator's .env, each named in .env.example, and none is written in.
func TestCompose(t *testing.T) {
	b := repoFile(t, "compose.yaml")
	var compose struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Build       any               `yaml:"build"`
			Restart     string            `yaml:"restart"`
			Profiles    []string          `yaml:"profiles"`
			Environment map[string]string `yaml:"environment"`
			Volumes     []string          `yaml:"volumes"`
		} `yaml:"services"`
		Volumes map[string]any `yaml:"volumes"`
	}
	if err := yaml.Unmarshal(b, &compose); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	readme := repoFile(t, "README.md")
	settings := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `--[a-z-]+` \\| `([A-Z_]+)` \\|").FindAllSubmatch(readme, -1) {
		settings[string(m[1])] = true
	}
	if len(settings) < 10 {
		t.Fatalf("README's settings table: found %d settings", len(settings))
	}
	lhuta, ok := compose.Services["lhuta"]
	if !ok {
		t.Fatal("no service lhuta")
	}
	for name := range lhuta.Environment {
		if !settings[name] {
			t.Errorf("service lhuta sets %s, which is no setting of README's table", name)
		}
	}
	if !slices.Contains(lhuta.Volumes, "lhuta-data:/var/lib/lhuta") {
		t.Errorf("lhuta's data directory (its tokens file) is in no volume: %v", lhuta.Volumes)
	}
	for name, s := range compose.Services {
		if s.Restart != "unless-stopped" && s.Restart != "always" && !(name == "dashboard-role" && s.Restart == "no") {
			t.Errorf("service %s: restart %q", name, s.Restart)
		}
		for k, v := range s.Environment {
			if strings.Contains(k, "PASSWORD") || k == "LHUTA_TOKENS" || k == "DATABASE_URL" {
				if strings.Contains(v, "@") && !strings.Contains(v, ":${") || !strings.Contains(v, "${") {
					t.Errorf("service %s: %s=%q is written in, not taken from .env", name, k, v)
				}
			}
		}
	}
	example := repoFile(t, ".env.example")
	for _, m := range regexp.MustCompile(`\$\{([A-Z_]+)`).FindAllSubmatch(b, -1) {
		if !regexp.MustCompile("(?m)^" + string(m[1]) + "=").Match(example) {
			t.Errorf("compose.yaml uses ${%s}, which .env.example does not name", m[1])
		}
	}
	ignore, _ := os.ReadFile("../../.gitignore")
	if !regexp.MustCompile(`(?m)^/?\.env$`).Match(ignore) {
		t.Error(".gitignore does not keep .env out of git")
	}
}

// repoFile is a file of the repository, by its path from the top.
func repoFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../..", path))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
