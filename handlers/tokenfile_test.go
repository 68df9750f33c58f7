package handlers_test

import (
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

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

// lhuta token add --expires, list and revoke: the list shows who has which
// token and when it ends, never the token; a token past its last day is
// refused, and a revoked one is gone from the file.
func TestTokensExpireAreListedAndRevoked(t *testing.T) {
	dir := t.TempDir()
	jana, err := handlers.AddToken(dir, "clerk", "jana.novakova", "nova-ves", "2099-06-30")
	if err != nil {
		t.Fatal(err)
	}
	petr, err := handlers.AddToken(dir, "compliance_officer", "petr.dozor", "", "90d")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"2020-01-01", "tomorrow", "-5d", "0s"} {
		if _, err := handlers.AddToken(dir, "clerk", "x", "", bad); err == nil {
			t.Errorf("--expires %s accepted", bad)
		}
	}
	if _, err := handlers.AddToken(dir, "clerk", "a;b", "", ""); err == nil {
		t.Error("a name with ; accepted")
	}
	// A token whose last day has passed, written by hand in the file's format.
	f, err := os.OpenFile(handlers.TokensFile(dir), os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString("stary-token-skeneru=clerk:stary.skener;created=2025-01-02T08:00:00Z;expires=2026-06-30\n")
	_ = f.Close()

	entries, err := handlers.ListTokens(dir)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]handlers.TokenEntry{}
	for _, e := range entries {
		byName[e.Name] = e
	}
	if len(entries) != 7 {
		t.Errorf("%d tokens listed, want the 4 generated and 3 added", len(entries))
	}
	now := time.Date(2026, time.December, 7, 10, 0, 0, 0, time.UTC)
	if e := byName["jana.novakova"]; e.Office != "nova-ves" || e.Role != "clerk" || e.Created.IsZero() ||
		!e.Expires.Equal(time.Date(2099, time.June, 30, 22, 0, 0, 0, time.UTC)) || e.Expired(now) {
		t.Errorf("jana.novakova: %+v (her token lasts through 30 June 2099 in Prague)", e)
	}
	if e := byName["petr.dozor"]; e.Expires.Sub(e.Created).Round(time.Hour) != 90*24*time.Hour {
		t.Errorf("petr.dozor: %+v, want an expiry 90 days after creation", e)
	}
	if e := byName["stary.skener"]; !e.Expired(now) {
		t.Errorf("stary.skener: %+v is not expired on 7 December 2026", e)
	}
	if n, err := handlers.RevokeToken(dir, "jana.novakova"); err != nil || n != 1 {
		t.Fatalf("revoke jana.novakova: %d %v", n, err)
	}
	if _, err := handlers.RevokeToken(dir, "jana.novakova"); err == nil {
		t.Error("revoking a name that holds no token again succeeded")
	}
	b, _ := os.ReadFile(handlers.TokensFile(dir))
	if strings.Contains(string(b), jana) || !strings.Contains(string(b), petr) || !strings.HasPrefix(string(b), "# lhuta bearer tokens") {
		t.Errorf("after revoking jana.novakova the file holds:\n%s", b)
	}
	if info, _ := os.Stat(handlers.TokensFile(dir)); info.Mode().Perm() != 0o600 {
		t.Errorf("tokens file mode %v after revoke", info.Mode().Perm())
	}
}
