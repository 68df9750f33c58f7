package main

import (
	"log/slog"
	"strings"
)

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
