package release

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/deb"
	"github.com/goreleaser/nfpm/v2/files"
)

// DebConfig is what goes into one .deb.
type DebConfig struct {
	Root    string // the repository: deploy/deb, LICENSE, README.md, CHANGELOG.md
	Binary  string
	Arch    string // GOARCH (amd64 and arm64 are Debian's names too)
	Version Version
}

// WriteDeb writes the .deb: /usr/bin/lhuta, the unit deploy/deb/lhuta.service
// as lhuta.service, /etc/lhuta/env (a conffile dpkg keeps on upgrade), the
// documentation, and maintainer scripts that create the system user lhuta
// and its data directory /var/lib/lhuta (deploy/deb/postinst).
func WriteDeb(path string, c DebConfig) error {
	d := filepath.Join(c.Root, "deploy", "deb")
	mtime := c.Version.CommitTime()
	file := func(src, dst string, mode os.FileMode) *files.Content {
		return &files.Content{Source: src, Destination: dst, FileInfo: &files.ContentFileInfo{Mode: mode, MTime: mtime}}
	}
	env := file(filepath.Join(d, "env"), "/etc/lhuta/env", 0o600)
	env.Type = files.TypeConfigNoReplace
	info := nfpm.WithDefaults(&nfpm.Info{
		Name:     "lhuta",
		Arch:     c.Arch,
		Platform: "linux",
		Version:  c.Version.Deb(),
		// The version is Debian's already (Deb): nfpm takes it as it is.
		VersionSchema: "none",
		Section:       "net",
		Priority:      "optional",
		Maintainer:    "lhuta maintainers <lhuta@users.noreply.github.com>",
		Description: "deadlines of Czech municipal offices' life-situation cases\n" +
			"An event-sourced case-management service: clerks record what happened,\n" +
			"lhuta computes the citizens' legal obligations and their deadlines.",
		Homepage: "https://github.com/lhuta/lhuta",
		License:  "EUPL-1.2",
		MTime:    mtime,
		Overridables: nfpm.Overridables{
			Depends: []string{"adduser | passwd"},
			Contents: files.Contents{
				file(c.Binary, "/usr/bin/lhuta", 0o755),
				file(filepath.Join(d, "lhuta.service"), "/usr/lib/systemd/system/lhuta.service", 0o644),
				env,
				file(filepath.Join(c.Root, "README.md"), "/usr/share/doc/lhuta/README.md", 0o644),
				file(filepath.Join(c.Root, "CHANGELOG.md"), "/usr/share/doc/lhuta/CHANGELOG.md", 0o644),
				file(filepath.Join(c.Root, "LICENSE"), "/usr/share/doc/lhuta/copyright", 0o644),
				{Destination: "/etc/lhuta", Type: files.TypeDir, FileInfo: &files.ContentFileInfo{Mode: 0o755, MTime: mtime}},
			},
			Scripts: nfpm.Scripts{
				PostInstall: filepath.Join(d, "postinst"),
				PreRemove:   filepath.Join(d, "prerm"),
				PostRemove:  filepath.Join(d, "postrm"),
			},
		},
	})
	if err := nfpm.Validate(info); err != nil {
		return fmt.Errorf("deb %s: %w", c.Arch, err)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := deb.Default.Package(info, f); err != nil {
		_ = f.Close()
		return fmt.Errorf("deb %s: %w", c.Arch, err)
	}
	return f.Close()
}
