package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
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
// created as on first start if missing, and returns the token.
func AddToken(dataDir, role, name, office string) (string, error) {
	token, err := randomToken()
	if err != nil {
		return "", err
	}
	entry := token + "=" + role + ":" + name
	if strings.ContainsAny(name, "=,:#\n\r") || strings.TrimSpace(name) != name {
		return "", fmt.Errorf("token name %q: use letters, digits, dots and dashes (no = , : # or spaces at the ends)", name)
	}
	if office != "" {
		if strings.ContainsAny(office, "=,:#\n\r") || strings.TrimSpace(office) != office {
			return "", fmt.Errorf("--office %q: an office code has no = , : # or spaces at the ends", office)
		}
		entry += ":" + office
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
	content := "# lhuta bearer tokens, one token=role:name per line (same format as LHUTA_TOKENS).\n" +
		"# The name is recorded as recorded_by of every event the token writes: give each person a token\n" +
		"# of their own with their name after the role (clerk:jana.novakova) - lhuta token add does it -\n" +
		"# then send lhuta SIGHUP or restart it.\n"
	for _, role := range roles {
		token, err := randomToken()
		if err != nil {
			return nil, err
		}
		content += token + "=" + string(role) + ":" + string(role) + "\n"
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
