package migrations

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"strings"
	"testing"
)

// released holds the digests of the files goose reads for each existing
// migration (sha256sum's format, dialect/name).
//
//go:embed testdata/sha256sums
var released string

// Each migration gives goose, on each backend, the very file it gave when
// it was written: a database that has applied a migration never applies it
// again, so what a migration runs may not change under it.
func TestMigrationsRunWhatTheyRan(t *testing.T) {
	read := map[string]memFS{}
	for d, of := range dialects {
		src, err := sources(d, of.types)
		if err != nil {
			t.Fatal(err)
		}
		read[d] = src
	}
	for _, line := range strings.Split(strings.TrimSpace(released), "\n") {
		want, file, _ := strings.Cut(line, "  ")
		dialect, name, _ := strings.Cut(file, "/")
		b, ok := read[dialect][name]
		if !ok {
			t.Errorf("%s: missing", file)
			continue
		}
		if got := sha256.Sum256(b); hex.EncodeToString(got[:]) != want {
			t.Errorf("%s: what goose reads has changed", file)
		}
	}
}
