package migrations

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// Each migration gives goose, on each backend, the very file it gave when
// it was written: a database that has applied a migration never applies it
// again, so what a migration runs may not change under it. testdata/sha256sums
// holds the digests of those files (sha256sum's format), dialect/name.
func TestMigrationsRunWhatTheyRan(t *testing.T) {
	sums, err := os.ReadFile("testdata/sha256sums")
	if err != nil {
		t.Fatal(err)
	}
	read := map[string]memFS{}
	for d, of := range dialects {
		if read[d], err = sources(d, of.types); err != nil {
			t.Fatal(err)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(string(sums)), "\n") {
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
