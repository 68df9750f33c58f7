// Command lhuta-release builds lhuta's release artefacts into a directory:
// for linux/amd64 and linux/arm64 the binary, an archive, a .deb and a
// CycloneDX SBOM; one OCI image index for both (an OCI layout directory and
// its tar); checksums.txt. No Docker engine and no network are needed.
//
//	go run ./cmd/lhuta-release -out /tmp/lhuta-dist
//
// docs/RELEASE.md says what each artefact is and how CI checks it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/lhuta/lhuta/internal/release"
)

func main() {
	out := flag.String("out", "", "directory to write the artefacts to (must be empty or missing)")
	arches := flag.String("arch", "amd64,arm64", "GOARCH values to build, comma-separated (linux only)")
	root := flag.String("root", ".", "the repository's root")
	certs := flag.String("ca-certs", release.DefaultCACerts, "CA bundle to put into the image")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: lhuta-release -out DIR [-arch amd64,arm64] [-root .]")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *root, *out, strings.Split(*arches, ","), *certs); err != nil {
		fmt.Fprintln(os.Stderr, "lhuta-release:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, root, out string, arches []string, certs string) error {
	start := time.Now()
	root, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	v, err := release.Describe(ctx, root)
	if err != nil {
		return err
	}
	fmt.Printf("lhuta %s (revision %s, %s)\n", v.Version, v.Revision, v.Time)
	a, err := release.Build(ctx, release.Options{Root: root, Out: out, Arches: arches, Version: v, CACerts: certs, Log: os.Stdout})
	if err != nil {
		return err
	}
	b, err := os.ReadFile(a.Checksums)
	if err != nil {
		return err
	}
	fmt.Printf("%s\nreleased into %s in %s\n", b, out, time.Since(start).Round(time.Second))
	return nil
}
