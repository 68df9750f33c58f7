package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
)

// TokensFile is the path of the tokens file in a data directory.
func TokensFile(dataDir string) string { return filepath.Join(dataDir, "tokens") }

// LoadTokens returns the tokens of spec (LHUTA_TOKENS) when it is set;
// without it, those of the tokens file in dataDir, which is created with one
// random token per role on first start so that a service started with no
// configuration is usable and not open.
func LoadTokens(spec, dataDir string, log *slog.Logger) (Tokens, error) {
	if spec != "" {
		return ParseTokens(spec)
	}
	path := TokensFile(dataDir)
	if info, err := os.Stat(path); err == nil && info.Mode().Perm()&0o077 != 0 {
		return Tokens{}, fmt.Errorf("tokens file %s is readable or writable by others (mode %04o); run: chmod 600 %s "+
			"(and consider its tokens leaked)", path, info.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		b, err = newTokensFile(path)
		if err == nil {
			logGeneratedTokens(log, path, b)
		}
	}
	if err != nil {
		return Tokens{}, fmt.Errorf("tokens: %w", err)
	}
	t, err := ParseTokens(string(b))
	if err != nil {
		return t, fmt.Errorf("%s: %w", path, err)
	}
	log.Info("tokens loaded", "file", path, "count", t.Len())
	return t, nil
}

// AddToken appends a new random token of role for the person name (writing
// only the cases of office, "" for any) to the tokens file in dataDir,
// created as on first start if missing, and returns the token. expires is
// "" (never), the token's last day (2027-06-30) or how long from now it
// lasts (90d, 12h).
func AddToken(dataDir, role, name, office, expires string) (string, error) {
	token, err := randomToken()
	if err != nil {
		return "", err
	}
	entry := token + "=" + role + ":" + name
	if strings.ContainsAny(name, "=,:;#\n\r") || strings.TrimSpace(name) != name {
		return "", fmt.Errorf("token name %q: use letters, digits, dots and dashes (no = , : ; # or spaces at the ends)", name)
	}
	if office != "" {
		if strings.ContainsAny(office, "=,:;#\n\r") || strings.TrimSpace(office) != office {
			return "", fmt.Errorf("--office %q: an office code has no = , : ; # or spaces at the ends", office)
		}
		entry += ":" + office
	}
	now := time.Now()
	entry += ";created=" + now.UTC().Format(time.RFC3339)
	if expires != "" {
		until, err := expiry(expires, now)
		if err != nil {
			return "", err
		}
		entry += ";expires=" + until
	}
	if _, err := ParseTokens(entry); err != nil {
		return "", err
	}
	path := TokensFile(dataDir)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if _, err := newTokensFile(path); err != nil {
			return "", err
		}
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return "", fmt.Errorf("tokens file: %w", err)
	}
	if _, err := fmt.Fprintln(f, entry); err != nil {
		_ = f.Close()
		return "", err
	}
	return token, f.Close()
}

// expiry turns --expires into the expires= of a tokens file entry: a date
// stays a date, a duration from now becomes an RFC 3339 time.
func expiry(s string, now time.Time) (string, error) {
	if d, err := calendar.ParseDate(s); err == nil {
		if !now.Before(lastDayEnds(d)) {
			return "", fmt.Errorf("--expires %s: that day is over", s)
		}
		return s, nil
	}
	d, err := time.ParseDuration(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, aerr := strconv.Atoi(days); aerr == nil {
			d, err = time.Duration(n)*24*time.Hour, nil
		}
	}
	if err != nil || d <= 0 {
		return "", fmt.Errorf("--expires %q is neither a date (2027-06-30, the token's last day) nor a time from now (90d, 12h)", s)
	}
	return now.Add(d).UTC().Format(time.RFC3339), nil
}

// lastDayEnds is when a token whose last day is d stops being accepted:
// the midnight after d in Europe/Prague.
func lastDayEnds(d calendar.Date) time.Time { return midnight(d.AddDays(1)) }

// midnight is when d begins in Europe/Prague.
func midnight(d calendar.Date) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, calendar.Prague)
}

// tokenDates reads the ";created=…;expires=…" end of a tokens entry.
func tokenDates(attrs string) (created, expires time.Time, err error) {
	if attrs == "" {
		return created, expires, nil
	}
	for _, attr := range strings.Split(attrs, ";") {
		key, value, _ := strings.Cut(strings.TrimSpace(attr), "=")
		var at time.Time
		if d, derr := calendar.ParseDate(value); derr == nil {
			at = lastDayEnds(d)
			if key == "created" {
				at = midnight(d)
			}
		} else if at, err = time.Parse(time.RFC3339, value); err != nil {
			return created, expires, fmt.Errorf("%s=%q is neither a date (2027-06-30) nor an RFC 3339 time", key, value)
		}
		switch key {
		case "created":
			created = at
		case "expires":
			expires = at
		default:
			return created, expires, fmt.Errorf("unknown attribute %q (known: created, expires)", key)
		}
	}
	return created, expires, nil
}

// TokenEntry is one token of the tokens file, without the token.
type TokenEntry struct {
	Identity
	// Created is when it was added and Expires when it stops being
	// accepted (zero: not recorded, never).
	Created, Expires time.Time
}

// Expired reports whether the token is past its expiry at now.
func (e TokenEntry) Expired(now time.Time) bool { return !e.Expires.IsZero() && !now.Before(e.Expires) }

// ListTokens returns the tokens of the tokens file in dataDir, in the
// file's order, without the tokens themselves.
func ListTokens(dataDir string) ([]TokenEntry, error) {
	b, err := os.ReadFile(TokensFile(dataDir))
	if err != nil {
		return nil, fmt.Errorf("tokens file: %w", err)
	}
	t, err := ParseTokens(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", TokensFile(dataDir), err)
	}
	entries := make([]TokenEntry, t.Len())
	for i := range entries {
		entries[i] = TokenEntry{t.ids[i], t.since[i], t.until[i]}
	}
	return entries, nil
}

// RevokeToken removes every token of the person name from the tokens file
// in dataDir and returns how many it removed; the running service stops
// accepting them at its next SIGHUP or start.
func RevokeToken(dataDir, name string) (int, error) {
	path := TokensFile(dataDir)
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("tokens file: %w", err)
	}
	var kept []string
	removed := 0
	lines := strings.SplitAfter(string(b), "\n")
	for _, line := range lines {
		if t, err := ParseTokens(line); err == nil && t.Len() == 1 && t.ids[0].Name == name {
			removed++
			continue
		}
		kept = append(kept, line)
	}
	if removed == 0 {
		return 0, fmt.Errorf("no token of %q in %s (lhuta token list shows the names)", name, path)
	}
	// Written beside and renamed over, so that a service reloading at this
	// moment reads the old file or the new one, never half of one.
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(strings.Join(kept, "")), 0o600); err != nil {
		return 0, fmt.Errorf("tokens file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return 0, fmt.Errorf("tokens file: %w", err)
	}
	return removed, nil
}

func randomToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

func newTokensFile(path string) ([]byte, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	content := "# lhuta bearer tokens, one token=role:name per line (same format as LHUTA_TOKENS),\n" +
		"# optionally ending in ;created=<time> and ;expires=<last day or time> (lhuta token list, add, revoke).\n" +
		"# The name is recorded as recorded_by of every event the token writes: give each person a token\n" +
		"# of their own with their name after the role (clerk:jana.novakova) - lhuta token add does it -\n" +
		"# then send lhuta SIGHUP or restart it.\n"
	// One token of each role but the records officer's, whose work needs an
	// office's retention rules first (docs/RETENTION.md): lhuta token add gives one.
	for _, role := range roles {
		if role == cases.RecordsOfficer {
			continue
		}
		token, err := randomToken()
		if err != nil {
			return nil, err
		}
		content += token + "=" + string(role) + ":" + string(role) + ";created=" + time.Now().UTC().Format(time.RFC3339) + "\n"
	}
	return []byte(content), os.WriteFile(path, []byte(content), 0o600)
}

// logGeneratedTokens prints the tokens of a tokens file that lhuta has just
// created (first start without LHUTA_TOKENS) to the log, this once, so that
// an operator who runs lhuta in a container or under systemd can read them
// from `docker compose logs` or `journalctl` without opening the data
// directory. They are never logged again: a later start reads the file and
// logs only how many tokens it holds.
func logGeneratedTokens(log *slog.Logger, path string, content []byte) {
	log.Warn("LHUTA_TOKENS is not set: created one token per role in the tokens file; "+
		"they are printed here this once (give each person a token of their own with lhuta token add)", "file", path)
	for _, line := range strings.Split(string(content), "\n") {
		token, roleName, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok || strings.HasPrefix(token, "#") {
			continue
		}
		role, _, _ := strings.Cut(roleName, ":")
		log.Warn("generated token", "role", role, "token", token)
	}
}
