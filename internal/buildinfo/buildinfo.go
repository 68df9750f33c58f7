// Package buildinfo tells which lhuta this is, from the build's own
// information (runtime/debug.ReadBuildInfo): the module version, the VCS
// revision and time, and the Go version. `lhuta version`, the metric
// lhuta_build_info and the console's footer all read it from here.
//
// A build from a Git checkout with VCS stamping on (go build -buildvcs=true,
// as the release build does) gets the tag as its version (v0.1.0) or a
// pseudo-version after it (v0.1.1-0.20261206154000-c93b51c8a6c2), with
// "+dirty" for uncommitted changes. A build without VCS information (the
// environment sets GOFLAGS=-buildvcs=false, or the source came from an
// archive) says "devel" unless Version is set with
// -ldflags "-X github.com/lhuta/lhuta/internal/buildinfo.Version=v1.2.3".
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Version, Revision and Time override what the build information says
// (set with -ldflags -X); empty: the build information's.
var Version, Revision, Time string

// Info is what one build of lhuta is.
type Info struct {
	Version   string // v0.1.0, a pseudo-version, or "devel"
	Revision  string // the VCS commit, "" if unknown
	Time      string // the commit's time (RFC 3339), "" if unknown
	Modified  bool   // built with uncommitted changes
	GoVersion string
	Platform  string // GOOS/GOARCH
}

var (
	once sync.Once
	info Info
)

// Get returns this binary's build information.
func Get() Info {
	once.Do(func() {
		bi, ok := debug.ReadBuildInfo()
		info = FromBuildInfo(bi, ok)
	})
	return info
}

// FromBuildInfo reads an Info out of bi (ok false: there is none), then
// applies the -X overrides.
func FromBuildInfo(bi *debug.BuildInfo, ok bool) Info {
	i := Info{Version: "devel", GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if ok && bi != nil {
		i.GoVersion = bi.GoVersion
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			i.Version = v
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				i.Revision = s.Value
			case "vcs.time":
				i.Time = s.Value
			case "vcs.modified":
				i.Modified = s.Value == "true"
			}
		}
	}
	if Version != "" {
		i.Version = Version
	}
	if Revision != "" {
		i.Revision = Revision
	}
	if Time != "" {
		i.Time = Time
	}
	return i
}

// ShortRevision is the first 12 characters of the revision ("unknown" without one).
func (i Info) ShortRevision() string {
	switch {
	case i.Revision == "":
		return "unknown"
	case len(i.Revision) > 12:
		return i.Revision[:12]
	}
	return i.Revision
}

// String is the line `lhuta version` prints:
// lhuta v0.1.0 (revision c93b51c8a6c2, 2026-12-01T10:00:00Z, go1.26.9, linux/amd64).
func (i Info) String() string {
	parts := []string{}
	if i.Revision != "" {
		rev := "revision " + i.ShortRevision()
		if i.Modified {
			rev += " with uncommitted changes"
		}
		parts = append(parts, rev)
	}
	if i.Time != "" {
		parts = append(parts, i.Time)
	}
	parts = append(parts, i.GoVersion, i.Platform)
	return fmt.Sprintf("lhuta %s (%s)", i.Version, strings.Join(parts, ", "))
}

// Short is the version and short revision, for the console's footer.
func (i Info) Short() string {
	if i.Revision == "" {
		return i.Version
	}
	return i.Version + " · " + i.ShortRevision()
}

// Collector is the gauge lhuta_build_info{version,revision,goversion}, always 1.
func Collector() prometheus.Collector {
	i := Get()
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "lhuta_build_info",
		Help: "Always 1; the labels say which build of lhuta answers (version, VCS revision, Go version).",
		ConstLabels: prometheus.Labels{
			"version": i.Version, "revision": i.Revision, "goversion": i.GoVersion,
		},
	})
	g.Set(1)
	return g
}
