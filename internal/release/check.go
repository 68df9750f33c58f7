package release

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// ImageReport is what CheckImage read from an OCI layout: one entry per
// platform.
type ImageReport struct {
	RefName   string
	Platforms map[string]*v1.ConfigFile // "linux/amd64" → its configuration
}

// CheckImage opens the OCI layout dir, checks each image's configuration
// against what lhuta's image must say (a non-root user, /lhuta as the
// entrypoint, port 8080, the health check, the labels of version v) and
// copies each image's /lhuta out to binaries[platform] when asked.
func CheckImage(dir string, v Version, binaries map[string]string) (*ImageReport, error) {
	p, err := layout.FromPath(dir)
	if err != nil {
		return nil, err
	}
	top, err := p.ImageIndex()
	if err != nil {
		return nil, err
	}
	tm, err := top.IndexManifest()
	if err != nil {
		return nil, err
	}
	if len(tm.Manifests) != 1 {
		return nil, fmt.Errorf("index.json holds %d entries, want 1 (the image index)", len(tm.Manifests))
	}
	r := &ImageReport{RefName: tm.Manifests[0].Annotations["org.opencontainers.image.ref.name"], Platforms: map[string]*v1.ConfigFile{}}
	if r.RefName != v.Version {
		return r, fmt.Errorf("reference name %q, want %q", r.RefName, v.Version)
	}
	idx, err := top.ImageIndex(tm.Manifests[0].Digest)
	if err != nil {
		return r, err
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return r, err
	}
	var errs []error
	for _, d := range im.Manifests {
		if d.Platform == nil {
			errs = append(errs, fmt.Errorf("manifest %s names no platform", d.Digest))
			continue
		}
		platform := d.Platform.OS + "/" + d.Platform.Architecture
		img, err := idx.Image(d.Digest)
		if err != nil {
			return r, err
		}
		cf, err := img.ConfigFile()
		if err != nil {
			return r, err
		}
		r.Platforms[platform] = cf
		if cf.OS+"/"+cf.Architecture != platform {
			errs = append(errs, fmt.Errorf("%s: the configuration says %s/%s", platform, cf.OS, cf.Architecture))
		}
		errs = append(errs, checkConfig(platform, cf.Config, v)...)
		if out := binaries[platform]; out != "" {
			if err := extract(img, "lhuta", out); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", platform, err))
			}
		}
	}
	return r, errors.Join(errs...)
}

func checkConfig(platform string, c v1.Config, v Version) []error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(platform+": "+format, args...))
	}
	if c.User == "" || c.User == "0" || c.User == "root" || c.User[0] == '0' && (len(c.User) == 1 || c.User[1] == ':') {
		bad("runs as %q, want a non-root user", c.User)
	}
	if !slices.Equal(c.Entrypoint, []string{"/lhuta"}) || !slices.Equal(c.Cmd, []string{"serve"}) {
		bad("entrypoint %q and command %q, want [/lhuta] serve", c.Entrypoint, c.Cmd)
	}
	if _, ok := c.ExposedPorts[ImagePort]; !ok || len(c.ExposedPorts) != 1 {
		bad("exposes %v, want %s", c.ExposedPorts, ImagePort)
	}
	if c.Healthcheck == nil || !slices.Equal(c.Healthcheck.Test, []string{"CMD", "/lhuta", "healthcheck"}) {
		bad("health check %+v, want CMD /lhuta healthcheck", c.Healthcheck)
	}
	for k, want := range map[string]string{
		"org.opencontainers.image.version":  v.Version,
		"org.opencontainers.image.revision": v.Revision,
		"org.opencontainers.image.title":    "lhuta",
		"org.opencontainers.image.licenses": "EUPL-1.2",
	} {
		if c.Labels[k] != want {
			bad("label %s is %q, want %q", k, c.Labels[k], want)
		}
	}
	if !slices.Contains(c.Env, "LHUTA_DATA_DIR="+ImageData) {
		bad("environment %q lacks LHUTA_DATA_DIR=%s", c.Env, ImageData)
	}
	return errs
}

// extract copies the file name out of the image's flattened file system.
func extract(img v1.Image, name, out string) error {
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("no %s in the image", name)
		}
		if err != nil {
			return err
		}
		if h.Name != name && h.Name != "/"+name && h.Name != "./"+name {
			continue
		}
		f, err := os.OpenFile(out, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755) //nolint:gosec // a program, run by the check
		if err != nil {
			return err
		}
		if _, err := io.Copy(f, tr); err != nil { //nolint:gosec // our own image's layer, of a known size
			_ = f.Close()
			return err
		}
		return f.Close()
	}
}
