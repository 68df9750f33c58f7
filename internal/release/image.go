package release

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The image's user: not root, with no shell, the owner of the data directory.
const (
	ImageUID  = 65532
	ImagePort = "8080/tcp"
	ImageData = "/var/lib/lhuta"
)

// ImageConfig is what the image says about itself.
type ImageConfig struct {
	Version Version
	CACerts string // the CA bundle put at /etc/ssl/certs/ca-certificates.crt
}

type archImage struct{ arch, binary string }

// WriteImage writes one OCI image per architecture, on an empty base
// (scratch): a layer with /etc/passwd and /etc/group naming the user lhuta
// (65532), the CA bundle, /tmp and the data directory owned by lhuta; a
// layer with the static binary /lhuta. Their index goes into the OCI layout
// directory dir under the reference name of the version, and the layout is
// also written as the tar archive (loaded by docker load, podman load or
// skopeo copy oci-archive:).
func WriteImage(dir, archive string, c ImageConfig, images []archImage) error {
	created := c.Version.CommitTime()
	certs, err := os.ReadFile(c.CACerts)
	if err != nil {
		return fmt.Errorf("image: the CA certificates: %w", err)
	}
	base, err := layer(created, []tarEntry{
		{name: "etc/", mode: 0o755, dir: true},
		{name: "etc/passwd", mode: 0o644, body: []byte(fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\nlhuta:x:%d:%d:lhuta:%s:/sbin/nologin\n", ImageUID, ImageUID, ImageData))},
		{name: "etc/group", mode: 0o644, body: []byte(fmt.Sprintf("root:x:0:\nlhuta:x:%d:\n", ImageUID))},
		{name: "etc/ssl/", mode: 0o755, dir: true},
		{name: "etc/ssl/certs/", mode: 0o755, dir: true},
		{name: "etc/ssl/certs/ca-certificates.crt", mode: 0o644, body: certs},
		{name: "tmp/", mode: 0o1777, dir: true},
		{name: "var/", mode: 0o755, dir: true},
		{name: "var/lib/", mode: 0o755, dir: true},
		{name: "var/lib/lhuta/", mode: 0o700, dir: true, uid: ImageUID},
	})
	if err != nil {
		return err
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, a := range images {
		binary, err := os.ReadFile(a.binary)
		if err != nil {
			return err
		}
		app, err := layer(created, []tarEntry{{name: "lhuta", mode: 0o755, body: binary}})
		if err != nil {
			return err
		}
		img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
		img, err = mutate.Append(img,
			mutate.Addendum{Layer: base, MediaType: types.OCILayer, History: v1.History{Created: v1.Time{Time: created}, CreatedBy: "lhuta-release: passwd, group, CA certificates, /tmp, " + ImageData, Comment: "base"}},
			mutate.Addendum{Layer: app, MediaType: types.OCILayer, History: v1.History{Created: v1.Time{Time: created}, CreatedBy: "lhuta-release: /lhuta " + c.Version.Version}})
		if err != nil {
			return err
		}
		cf, err := img.ConfigFile()
		if err != nil {
			return err
		}
		cf = cf.DeepCopy()
		cf.OS, cf.Architecture, cf.Created = "linux", a.arch, v1.Time{Time: created}
		cf.Config = ContainerConfig(c.Version)
		if img, err = mutate.ConfigFile(img, cf); err != nil {
			return err
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{
			Platform: &v1.Platform{OS: "linux", Architecture: a.arch},
		}})
	}
	idx = mutate.Annotations(idx, labels(c.Version)).(v1.ImageIndex)
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{
		"org.opencontainers.image.ref.name": c.Version.Version,
	})); err != nil {
		return err
	}
	return tarDir(archive, dir, created)
}

// ContainerConfig is the image's configuration: who runs what, where.
func ContainerConfig(v Version) v1.Config {
	return v1.Config{
		User:         fmt.Sprintf("%d:%d", ImageUID, ImageUID),
		Entrypoint:   []string{"/lhuta"},
		Cmd:          []string{"serve"},
		WorkingDir:   ImageData,
		ExposedPorts: map[string]struct{}{ImagePort: {}},
		Volumes:      map[string]struct{}{ImageData: {}},
		Env: []string{
			"LHUTA_ADDR=:8080",
			"LHUTA_DATA_DIR=" + ImageData,
			"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
		},
		Labels: labels(v),
		Healthcheck: &v1.HealthConfig{
			Test:        []string{"CMD", "/lhuta", "healthcheck"},
			Interval:    30 * time.Second,
			Timeout:     5 * time.Second,
			StartPeriod: 10 * time.Second,
			Retries:     3,
		},
		StopSignal: "SIGTERM",
	}
}

func labels(v Version) map[string]string {
	return map[string]string{
		"org.opencontainers.image.title":       "lhuta",
		"org.opencontainers.image.description": "Deadlines of Czech municipal offices' life-situation cases",
		"org.opencontainers.image.version":     v.Version,
		"org.opencontainers.image.revision":    v.Revision,
		"org.opencontainers.image.created":     v.Time,
		"org.opencontainers.image.licenses":    "EUPL-1.2",
		"org.opencontainers.image.source":      "https://github.com/lhuta/lhuta",
	}
}

type tarEntry struct {
	name string
	mode int64
	dir  bool
	uid  int
	body []byte
}

// layer is a gzipped tar layer of entries, all with the time t.
func layer(t time.Time, entries []tarEntry) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: e.mode, ModTime: t, Uid: e.uid, Gid: e.uid, Format: tar.FormatPAX}
		if e.dir {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}, tarball.WithMediaType(types.OCILayer))
}

// tarDir writes the files under dir as a tar archive, in name order.
func tarDir(archive, dir string, t time.Time) error {
	var names []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == dir {
			return err
		}
		names = append(names, path)
		return nil
	})
	if err != nil {
		return err
	}
	slices.Sort(names)
	f, err := os.Create(archive)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	for _, path := range names {
		fi, err := os.Stat(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		h := &tar.Header{Name: filepath.ToSlash(rel), Mode: 0o644, ModTime: t, Typeflag: tar.TypeReg, Size: fi.Size()}
		if fi.IsDir() {
			h.Name, h.Mode, h.Typeflag, h.Size = h.Name+"/", 0o755, tar.TypeDir, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if !fi.IsDir() {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if _, err := tw.Write(b); err != nil {
				return err
			}
		}
	}
	if err := tw.Close(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
