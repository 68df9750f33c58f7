package release

import (
	"archive/tar"
	"compress/gzip"
	"os"
	"path/filepath"
)

// WriteArchive writes lhuta_VERSION_linux_ARCH.tar.gz: a folder of that name
// with the binary, the licence, README, CHANGELOG, the systemd unit and
// compose.yaml.
func WriteArchive(path string, v Version, binary, root string) error {
	top := filepath.Base(path[:len(path)-len(".tar.gz")]) + "/"
	type entry struct {
		src, name string
		mode      int64
	}
	entries := []entry{
		{binary, "lhuta", 0o755},
		{filepath.Join(root, "LICENSE"), "LICENSE", 0o644},
		{filepath.Join(root, "README.md"), "README.md", 0o644},
		{filepath.Join(root, "CHANGELOG.md"), "CHANGELOG.md", 0o644},
		{filepath.Join(root, "deploy", "lhuta.service"), "lhuta.service", 0o644},
		{filepath.Join(root, "compose.yaml"), "compose.yaml", 0o644},
		{filepath.Join(root, ".env.example"), ".env.example", 0o644},
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw := gzip.NewWriter(f)
	tw := tar.NewWriter(zw)
	t := v.CommitTime()
	fail := func(err error) error {
		_ = f.Close()
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: top, Mode: 0o755, Typeflag: tar.TypeDir, ModTime: t}); err != nil {
		return fail(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(e.src)
		if err != nil {
			return fail(err)
		}
		if err := tw.WriteHeader(&tar.Header{Name: top + e.name, Mode: e.mode, Size: int64(len(b)), Typeflag: tar.TypeReg, ModTime: t}); err != nil {
			return fail(err)
		}
		if _, err := tw.Write(b); err != nil {
			return fail(err)
		}
	}
	if err := tw.Close(); err != nil {
		return fail(err)
	}
	if err := zw.Close(); err != nil {
		return fail(err)
	}
	return f.Close()
}
