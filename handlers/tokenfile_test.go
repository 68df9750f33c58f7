package handlers_test

import (
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/lhuta/lhuta/handlers"
)

// README's walk-through finds the clerk's token with grep '=clerk:': the
// generated file must hold exactly one such line per role, comments included.
func TestTheGeneratedTokensFileHasOneLinePerRole(t *testing.T) {
	dir := t.TempDir()
	if _, err := handlers.LoadTokens("", dir, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(handlers.TokensFile(dir))
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range []string{"clerk", "compliance_officer", "dashboard", "admin"} {
		if n := strings.Count(string(b), "="+role+":"); n != 1 {
			t.Errorf("%d lines hold %q, want 1:\n%s", n, "="+role+":", b)
		}
	}
}
