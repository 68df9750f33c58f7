package release

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// TestReleaseArtefacts checks a release build (go run ./cmd/lhuta-release
// -out DIR) given as LHUTA_RELEASE_DIR; .ci/release runs it. The checksums
// match; each image's configuration is lhuta's (a non-root user, /lhuta
// serve, port 8080, the health check, the labels) and its /lhuta is the
// built binary, which runs here and says its version; each SBOM is of that
// binary's modules.
func TestReleaseArtefacts(t *testing.T) {
	dist := os.Getenv("LHUTA_RELEASE_DIR")
	if dist == "" {
		t.Skip("LHUTA_RELEASE_DIR is not set (.ci/release sets it)")
	}
	sums, err := os.ReadFile(filepath.Join(dist, "checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	listed := 0
	for _, line := range strings.Split(strings.TrimSpace(string(sums)), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok {
			t.Fatalf("checksums.txt: %q", line)
		}
		got, err := sha256File(filepath.Join(dist, name))
		if err != nil || got != sum {
			t.Errorf("%s: sha256 %s, checksums.txt says %s (%v)", name, got, sum, err)
		}
		listed++
	}
	debs, _ := filepath.Glob(filepath.Join(dist, "*.deb"))
	archives, _ := filepath.Glob(filepath.Join(dist, "*.tar.gz"))
	sboms, _ := filepath.Glob(filepath.Join(dist, "*.sbom.cdx.json"))
	if len(debs) != 2 || len(archives) != 2 || len(sboms) != 2 || listed != 7 {
		t.Errorf("%d .debs, %d archives, %d SBOMs, %d checksums; want 2, 2, 2 and 7 (with the OCI archive)", len(debs), len(archives), len(sboms), listed)
	}

	// The version the binary was built as, from its own `lhuta version`.
	host := filepath.Join(dist, "linux_"+runtime.GOARCH, "lhuta")
	out, err := exec.Command(host, "version").Output()
	if err != nil {
		t.Fatalf("%s version: %v", host, err)
	}
	fields := strings.Fields(string(out)) // lhuta VERSION (revision REV, ...
	if len(fields) < 4 || fields[2] != "(revision" {
		t.Fatalf("lhuta version says %q", out)
	}
	v := Version{Version: fields[1]}
	t.Logf("%s", bytes.TrimSpace(out))

	// The labels carry the full revision; read it from the image's own
	// label only after checking the version, then check everything else.
	extracted := map[string]string{}
	for _, arch := range []string{"amd64", "arm64"} {
		extracted["linux/"+arch] = filepath.Join(t.TempDir(), "lhuta-"+arch)
	}
	r, _ := CheckImage(filepath.Join(dist, "oci"), v, nil)
	if r == nil || r.Platforms["linux/amd64"] == nil {
		t.Fatalf("the OCI layout has no linux/amd64 image: %+v", r)
	}
	v.Revision = r.Platforms["linux/amd64"].Config.Labels["org.opencontainers.image.revision"]
	if !strings.HasPrefix(v.Revision, strings.TrimSuffix(fields[3], ",")) {
		t.Errorf("the image's revision label %q is not the binary's revision %s", v.Revision, fields[3])
	}
	if _, err := CheckImage(filepath.Join(dist, "oci"), v, extracted); err != nil {
		t.Fatal(err)
	}
	for platform, path := range extracted {
		built, _ := os.ReadFile(filepath.Join(dist, "linux_"+strings.TrimPrefix(platform, "linux/"), "lhuta"))
		inImage, _ := os.ReadFile(path)
		if len(built) == 0 || !bytes.Equal(built, inImage) {
			t.Errorf("%s: the image's /lhuta (%d bytes) is not the built binary (%d bytes)", platform, len(inImage), len(built))
		}
	}
	if out, err := exec.Command(extracted["linux/"+runtime.GOARCH], "version").Output(); err != nil || !strings.Contains(string(out), v.Version) {
		t.Errorf("the image's lhuta version: %q, %v", out, err)
	}
	c := r.Platforms["linux/amd64"].Config
	t.Logf("image: user %s, entrypoint %q %q, ports %v, health check %q, labels %v", c.User, c.Entrypoint, c.Cmd, c.ExposedPorts, c.Healthcheck.Test, c.Labels)

	for _, path := range sboms {
		var bom cdx.BOM
		b, _ := os.ReadFile(path)
		if err := json.Unmarshal(b, &bom); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		names := map[string]bool{}
		for _, c := range *bom.Components {
			names[c.Name] = true
		}
		if bom.Metadata.Component.Version != v.Version || !names["github.com/jackc/pgx/v5"] || !names["modernc.org/sqlite"] || !names["std"] {
			t.Errorf("%s: version %s, %d components", filepath.Base(path), bom.Metadata.Component.Version, len(names))
		}
	}
}
