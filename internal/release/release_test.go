package release

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

var testVersion = Version{Version: "v0.2.0-rc.1", Revision: "c93b51c8a6c21ecd25654891334392ad60766833", Time: "2026-12-01T12:16:56Z"}

func TestDebVersion(t *testing.T) {
	for in, want := range map[string]string{
		"v0.1.0":                               "0.1.0",
		"v0.1.0+dirty":                         "0.1.0+dirty",
		"v0.1.1-0.20261206154000-c93b51c8a6c2": "0.1.1~0.20261206154000.c93b51c8a6c2",
		"v0.1.1-0.20261206154000-c93b51c8a6c2+dirty": "0.1.1~0.20261206154000.c93b51c8a6c2+dirty",
	} {
		if got := (Version{Version: in}).Deb(); got != want {
			t.Errorf("Deb(%s) = %q, want %q", in, got, want)
		}
	}
	// dpkg orders a pre-release before its release and after the one before.
	if _, err := exec.LookPath("dpkg"); err == nil {
		for _, pair := range [][2]string{{"0.1.0", "0.1.1~0.20261206154000.c93b51c8a6c2"}, {"0.1.1~0.20261206154000.c93b51c8a6c2", "0.1.1"}} {
			if err := exec.Command("dpkg", "--compare-versions", pair[0], "lt", pair[1]).Run(); err != nil {
				t.Errorf("dpkg does not order %s before %s", pair[0], pair[1])
			}
		}
	}
}

// Describe names a tagged commit by its tag, a later one by a
// pseudo-version as the go command would, and uncommitted changes +dirty.
func TestDescribe(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	dir := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_DATE=2026-12-01T10:00:00Z", "GIT_COMMITTER_DATE=2026-12-01T10:00:00Z")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	write := func(s string) {
		if err := os.WriteFile(filepath.Join(dir, "f"), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git("init", "-q")
	git("config", "user.email", "t@example.org")
	git("config", "user.name", "t")
	write("1")
	git("add", "f")
	git("commit", "-qm", "one")
	git("tag", "-a", "v0.1.0", "-m", "0.1.0")
	ctx := context.Background()
	v, err := Describe(ctx, dir)
	if err != nil || v.Version != "v0.1.0" || v.Time != "2026-12-01T10:00:00Z" || len(v.Revision) != 40 {
		t.Fatalf("at the tag: %+v, %v", v, err)
	}
	write("2")
	git("commit", "-qam", "two")
	v, err = Describe(ctx, dir)
	if err != nil || v.Version != "v0.1.1-0.20261201100000-"+v.Revision[:12] {
		t.Fatalf("after the tag: %+v, %v", v, err)
	}
	write("3")
	if v, err = Describe(ctx, dir); err != nil || !strings.HasSuffix(v.Version, "+dirty") || !v.Dirty {
		t.Fatalf("with a change: %+v, %v", v, err)
	}
}

// The image built from two "binaries" says what lhuta's image must say,
// on each platform, and gives each binary back unchanged.
func TestImage(t *testing.T) {
	dir := t.TempDir()
	certs := filepath.Join(dir, "ca.crt")
	bins := map[string][]byte{"amd64": []byte("amd64 binary"), "arm64": []byte("arm64 binary")}
	var images []archImage
	for arch, b := range bins {
		p := filepath.Join(dir, arch)
		if err := os.WriteFile(p, b, 0o755); err != nil {
			t.Fatal(err)
		}
		images = append(images, archImage{arch: arch, binary: p})
	}
	if err := os.WriteFile(certs, []byte("-----BEGIN CERTIFICATE-----\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	layoutDir, archive := filepath.Join(dir, "oci"), filepath.Join(dir, "oci.tar")
	if err := WriteImage(layoutDir, archive, ImageConfig{Version: testVersion, CACerts: certs}, images); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{"linux/amd64": filepath.Join(dir, "x-amd64"), "linux/arm64": filepath.Join(dir, "x-arm64")}
	r, err := CheckImage(layoutDir, testVersion, out)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Platforms) != 2 {
		t.Fatalf("platforms %v", r.Platforms)
	}
	for arch, b := range bins {
		got, err := os.ReadFile(out["linux/"+arch])
		if err != nil || !bytes.Equal(got, b) {
			t.Errorf("%s: /lhuta is %q, %v", arch, got, err)
		}
	}
	if fi, err := os.Stat(archive); err != nil || fi.Size() == 0 {
		t.Errorf("archive: %v", err)
	}
	// Another version's labels, or a root user, are refused.
	if _, err := CheckImage(layoutDir, Version{Version: testVersion.Version, Revision: "other"}, nil); err == nil {
		t.Error("a revision label that differs passed")
	}
	c := ContainerConfig(testVersion)
	c.User = "0:0"
	c.Healthcheck = nil
	if errs := checkConfig("linux/amd64", c, testVersion); len(errs) != 2 {
		t.Errorf("root and no health check: %v", errs)
	}
}

// The .deb holds the binary, the unit, the configuration as a conffile and
// the maintainer scripts.
func TestDeb(t *testing.T) {
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		t.Skip("no dpkg-deb to read the package with")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "lhuta")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	deb := filepath.Join(dir, "lhuta.deb")
	if err := WriteDeb(deb, DebConfig{Root: "../..", Binary: bin, Arch: "arm64", Version: testVersion}); err != nil {
		t.Fatal(err)
	}
	contents, err := exec.Command("dpkg-deb", "--contents", deb).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`-rwxr-xr-x root/root .* \./usr/bin/lhuta`,
		`-rw-r--r-- root/root .* \./usr/lib/systemd/system/lhuta\.service`,
		`-rw------- root/root .* \./etc/lhuta/env`,
		`\./usr/share/doc/lhuta/copyright`,
	} {
		if !regexp.MustCompile(want).Match(contents) {
			t.Errorf("no %s in\n%s", want, contents)
		}
	}
	for field, want := range map[string]string{"Version": "0.2.0~rc.1", "Architecture": "arm64", "Package": "lhuta"} {
		got, err := exec.Command("dpkg-deb", "--field", deb, field).Output()
		if err != nil || strings.TrimSpace(string(got)) != want {
			t.Errorf("%s: %q, want %q (%v)", field, got, want, err)
		}
	}
	ctrl := filepath.Join(dir, "control")
	if out, err := exec.Command("dpkg-deb", "--control", deb, ctrl).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if b, _ := os.ReadFile(filepath.Join(ctrl, "conffiles")); strings.TrimSpace(string(b)) != "/etc/lhuta/env" {
		t.Errorf("conffiles: %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(ctrl, "postinst")); !bytes.Contains(b, []byte("useradd --system")) {
		t.Errorf("postinst creates no user:\n%s", b)
	}
}

// The package's unit is deploy/lhuta.service adapted: the same hardening,
// a real user instead of a dynamic one, the package's binary.
func TestDebUnitFollowsTheUnit(t *testing.T) {
	directives := func(path string) map[string]bool {
		m := map[string]bool{}
		for _, line := range strings.Split(string(repoFile(t, path)), "\n") {
			if line != "" && !strings.HasPrefix(line, "#") {
				m[line] = true
			}
		}
		return m
	}
	unit, debUnit := directives("deploy/lhuta.service"), directives("deploy/deb/lhuta.service")
	adapted := map[string]bool{"ExecStart=/usr/local/bin/lhuta serve": true, "DynamicUser=yes": true}
	for d := range unit {
		if !adapted[d] && !debUnit[d] {
			t.Errorf("deploy/deb/lhuta.service lacks %q of deploy/lhuta.service", d)
		}
	}
	for _, d := range []string{"ExecStart=/usr/bin/lhuta serve", "User=lhuta", "Group=lhuta", "ExecReload=/bin/kill -HUP $MAINPID", "EnvironmentFile=-/etc/lhuta/env"} {
		if !debUnit[d] {
			t.Errorf("deploy/deb/lhuta.service lacks %q", d)
		}
	}
	if debUnit["DynamicUser=yes"] {
		t.Error("the package's unit has a dynamic user: the data directory's owner would change")
	}
}

// The SBOM of a Go binary names the main module and the modules linked
// into it, from the binary's build information.
func TestSBOM(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "sbomprog")
	if out, err := exec.Command("go", "build", "-o", exe, "./testdata/sbomprog").CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	path := filepath.Join(dir, "sbom.json")
	if err := WriteSBOM(path, exe, testVersion); err != nil {
		t.Fatal(err)
	}
	var bom cdx.BOM
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &bom); err != nil {
		t.Fatal(err)
	}
	if bom.BOMFormat != "CycloneDX" || bom.Metadata == nil || bom.Metadata.Component == nil ||
		bom.Metadata.Component.Name != "github.com/lhuta/lhuta" || bom.Metadata.Component.Version != testVersion.Version {
		t.Fatalf("metadata %+v", bom.Metadata)
	}
	found := map[string]bool{}
	for _, c := range *bom.Components {
		found[c.Name] = true
	}
	for _, want := range []string{"github.com/google/uuid", "std"} {
		if !found[want] {
			t.Errorf("no component %s among %d", want, len(found))
		}
	}
}
