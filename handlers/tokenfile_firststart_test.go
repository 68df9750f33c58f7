package handlers

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The tokens lhuta generates on a first start without LHUTA_TOKENS are in
// the log of that start, and only of that one.
func TestGeneratedTokensLoggedOnce(t *testing.T) {
	dir := t.TempDir()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	tokens, err := LoadTokens("", dir, log)
	if err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(filepath.Join(dir, "tokens"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(file), "\n") {
		token, rest, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		n++
		role, _, _ := strings.Cut(rest, ":")
		if !strings.Contains(logs.String(), "role="+role+" token="+token) {
			t.Errorf("the log of the first start lacks the %s token:\n%s", role, logs.String())
		}
	}
	if n != 4 || tokens.Len() != 4 {
		t.Fatalf("%d tokens in the file, %d loaded", n, tokens.Len())
	}

	logs.Reset()
	if _, err := LoadTokens("", dir, log); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "generated token") || strings.Contains(logs.String(), "token=") {
		t.Errorf("a second start logged tokens again:\n%s", logs.String())
	}
}
