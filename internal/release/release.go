// Package release builds what an office installs: for each architecture a
// static lhuta binary, an archive of it, a .deb (nfpm), a CycloneDX SBOM
// (cyclonedx-gomod, from the binary's build information), and one OCI
// image index for all of them written as an OCI layout directory
// (go-containerregistry, no Docker engine), with SHA-256 checksums of every
// file. cmd/lhuta-release runs it; docs/RELEASE.md describes the result.
package release

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Options say what to build from where.
type Options struct {
	Root    string   // the repository's root
	Out     string   // the directory the artefacts go to (created; must be empty or missing)
	Arches  []string // GOARCH values, linux only
	Version Version  // which lhuta this is (Describe)
	// CACerts is the CA bundle copied into the image (default: the machine's).
	CACerts string
	// Log gets one line per step.
	Log io.Writer
}

// Artefacts are the files written, by kind.
type Artefacts struct {
	Binaries   map[string]string // GOARCH → the binary
	Archives   []string
	Debs       map[string]string // GOARCH → the .deb
	SBOMs      []string
	OCILayout  string // the OCI layout directory
	OCIArchive string // the same as a tar (docker load, podman load, skopeo)
	Checksums  string
}

// DefaultCACerts is Debian's CA bundle.
const DefaultCACerts = "/etc/ssl/certs/ca-certificates.crt"

// Build builds every artefact into o.Out.
func Build(ctx context.Context, o Options) (*Artefacts, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.CACerts == "" {
		o.CACerts = DefaultCACerts
	}
	if len(o.Arches) == 0 {
		o.Arches = []string{"amd64", "arm64"}
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil { //nolint:gosec // artefacts to publish
		return nil, err
	}
	if entries, err := os.ReadDir(o.Out); err != nil {
		return nil, err
	} else if len(entries) > 0 {
		return nil, fmt.Errorf("%s is not empty", o.Out)
	}
	a := &Artefacts{Binaries: map[string]string{}, Debs: map[string]string{}}
	v := o.Version
	var images []archImage
	for _, arch := range o.Arches {
		start := time.Now()
		bin := filepath.Join(o.Out, "linux_"+arch, "lhuta")
		if err := BuildBinary(ctx, o.Root, arch, v, bin); err != nil {
			return nil, err
		}
		a.Binaries[arch] = bin
		fmt.Fprintf(o.Log, "built %s (%s)\n", bin, time.Since(start).Round(time.Millisecond))

		archive := filepath.Join(o.Out, fmt.Sprintf("lhuta_%s_linux_%s.tar.gz", v.Plain(), arch))
		if err := WriteArchive(archive, v, bin, o.Root); err != nil {
			return nil, err
		}
		a.Archives = append(a.Archives, archive)

		deb := filepath.Join(o.Out, fmt.Sprintf("lhuta_%s_%s.deb", v.Deb(), arch))
		if err := WriteDeb(deb, DebConfig{Root: o.Root, Binary: bin, Arch: arch, Version: v}); err != nil {
			return nil, err
		}
		a.Debs[arch] = deb

		sbom := filepath.Join(o.Out, fmt.Sprintf("lhuta_%s_linux_%s.sbom.cdx.json", v.Plain(), arch))
		if err := WriteSBOM(sbom, bin, v); err != nil {
			return nil, err
		}
		a.SBOMs = append(a.SBOMs, sbom)
		images = append(images, archImage{arch: arch, binary: bin})
		fmt.Fprintf(o.Log, "wrote %s, %s, %s\n", filepath.Base(archive), filepath.Base(deb), filepath.Base(sbom))
	}
	a.OCILayout = filepath.Join(o.Out, "oci")
	a.OCIArchive = filepath.Join(o.Out, fmt.Sprintf("lhuta_%s_oci.tar", v.Plain()))
	if err := WriteImage(a.OCILayout, a.OCIArchive, ImageConfig{Version: v, CACerts: o.CACerts}, images); err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Log, "wrote the OCI image index for %s to %s and %s\n", strings.Join(o.Arches, ", "), a.OCILayout, filepath.Base(a.OCIArchive))

	files := append(append([]string{}, a.Archives...), a.SBOMs...)
	for _, arch := range o.Arches {
		files = append(files, a.Debs[arch])
	}
	files = append(files, a.OCIArchive)
	slices.Sort(files)
	a.Checksums = filepath.Join(o.Out, "checksums.txt")
	if err := WriteChecksums(a.Checksums, files); err != nil {
		return nil, err
	}
	return a, nil
}

// BuildBinary builds a static lhuta for linux/arch with the version in it:
// the build information says it by itself in a Git clone (-buildvcs=auto),
// and the -X settings say the same where it cannot (a Git worktree, whose
// .git is a file that the go command does not take for a repository).
func BuildBinary(ctx context.Context, root, arch string, v Version, out string) error {
	pkg := "github.com/lhuta/lhuta/internal/buildinfo"
	ldflags := fmt.Sprintf("-s -w -X %s.Version=%s -X %s.Revision=%s -X %s.Time=%s", pkg, v.Version, pkg, v.Revision, pkg, v.Time)
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=auto", "-ldflags", ldflags, "-o", out, "./cmd/lhuta")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build for linux/%s: %w\n%s", arch, err, b)
	}
	return nil
}

// WriteChecksums writes sha256sum's format: "HASH  NAME" per file, by base name.
func WriteChecksums(path string, files []string) error {
	var b strings.Builder
	for _, f := range files {
		sum, err := sha256File(f)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s  %s\n", sum, filepath.Base(f))
	}
	return os.WriteFile(path, []byte(b.String()), 0o644) //nolint:gosec // published with the artefacts
}

func sha256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
