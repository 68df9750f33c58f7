package buildinfo

import (
	"runtime/debug"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestFromBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.9",
		Main:      debug.Module{Path: "github.com/lhuta/lhuta", Version: "v0.1.1-0.20261206154000-c93b51c8a6c2+dirty"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "c93b51c8a6c21ecd25654891334392ad60766833"},
			{Key: "vcs.time", Value: "2026-12-06T15:40:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	i := FromBuildInfo(bi, true)
	if i.Version != "v0.1.1-0.20261206154000-c93b51c8a6c2+dirty" || i.Revision != bi.Settings[0].Value ||
		i.Time != "2026-12-06T15:40:00Z" || !i.Modified || i.GoVersion != "go1.26.9" {
		t.Fatalf("read %+v", i)
	}
	if got := i.String(); !strings.HasPrefix(got, "lhuta v0.1.1-0.20261206154000-c93b51c8a6c2+dirty (revision c93b51c8a6c2 with uncommitted changes, 2026-12-06T15:40:00Z, go1.26.9, ") {
		t.Errorf("String() = %q", got)
	}
	if got := i.Short(); got != "v0.1.1-0.20261206154000-c93b51c8a6c2+dirty · c93b51c8a6c2" {
		t.Errorf("Short() = %q", got)
	}
}

func TestNoVCS(t *testing.T) {
	// go build with -buildvcs=false: the main module is "(devel)", no vcs settings.
	i := FromBuildInfo(&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, true)
	if i.Version != "devel" || i.Revision != "" || i.Short() != "devel" {
		t.Fatalf("read %+v", i)
	}
	if got := i.String(); !strings.HasPrefix(got, "lhuta devel (go1.26.8, ") {
		t.Errorf("String() = %q", got)
	}
	if got := FromBuildInfo(nil, false); got.Version != "devel" || got.GoVersion == "" {
		t.Errorf("without build information: %+v", got)
	}
}

func TestOverride(t *testing.T) {
	Version, Revision = "v9.9.9", "abc"
	defer func() { Version, Revision = "", "" }()
	i := FromBuildInfo(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, true)
	if i.Version != "v9.9.9" || i.Revision != "abc" {
		t.Fatalf("read %+v", i)
	}
}

func TestCollector(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(Collector())
	want := Get()
	mfs, err := reg.Gather()
	if err != nil || len(mfs) != 1 || mfs[0].GetName() != "lhuta_build_info" || len(mfs[0].Metric) != 1 {
		t.Fatalf("gathered %v, %v", mfs, err)
	}
	labels := map[string]string{}
	for _, l := range mfs[0].Metric[0].Label {
		labels[l.GetName()] = l.GetValue()
	}
	if labels["version"] != want.Version || labels["revision"] != want.Revision || mfs[0].Metric[0].Gauge.GetValue() != 1 {
		t.Errorf("labels %v, value %v; want version %q", labels, mfs[0].Metric[0].Gauge.GetValue(), want.Version)
	}
}
