package release

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// Version is which lhuta a release build is, as the go command would stamp
// it: the tag at HEAD (v0.1.0), else a pseudo-version after the latest tag
// (v0.1.1-0.20261206154000-c93b51c8a6c2), "+dirty" with uncommitted changes.
type Version struct {
	Version  string // as the Go module version
	Revision string // the full commit hash
	Time     string // the commit's time, RFC 3339 UTC
	Dirty    bool
}

// Plain is the version without its leading v (0.1.0), for file names.
func (v Version) Plain() string { return strings.TrimPrefix(v.Version, "v") }

// Deb is the version as Debian orders it: a pre-release sorts before its
// release with "~" (0.1.1~0.20261206154000.c93b51c8a6c2), "+dirty" stays.
func (v Version) Deb() string {
	s := v.Plain()
	s, meta, hasMeta := strings.Cut(s, "+")
	if core, pre, ok := strings.Cut(s, "-"); ok {
		s = core + "~" + strings.ReplaceAll(pre, "-", ".")
	}
	if hasMeta {
		s += "+" + meta
	}
	return s
}

// CommitTime parses Time.
func (v Version) CommitTime() time.Time {
	t, err := time.Parse(time.RFC3339, v.Time)
	if err != nil {
		return time.Unix(0, 0).UTC()
	}
	return t
}

// Describe asks git in root which version HEAD is.
func Describe(ctx context.Context, root string) (Version, error) {
	git := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = root
		out, err := cmd.Output()
		if err != nil {
			var stderr string
			if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
				stderr = string(ee.Stderr)
			}
			return "", fmt.Errorf("git %s: %w %s", strings.Join(args, " "), err, stderr)
		}
		return strings.TrimSpace(string(out)), nil
	}
	var v Version
	var err error
	if v.Revision, err = git("rev-parse", "HEAD"); err != nil {
		return v, err
	}
	unix, err := git("log", "-1", "--format=%ct", "HEAD")
	if err != nil {
		return v, err
	}
	var secs int64
	if _, err := fmt.Sscan(unix, &secs); err != nil {
		return v, fmt.Errorf("commit time %q: %w", unix, err)
	}
	commitTime := time.Unix(secs, 0).UTC()
	v.Time = commitTime.Format(time.RFC3339)
	status, err := git("status", "--porcelain", "--untracked-files=no")
	if err != nil {
		return v, err
	}
	v.Dirty = status != ""
	exact, _ := git("tag", "--points-at", "HEAD", "--list", "v*")
	var tag string
	for _, t := range strings.Fields(exact) {
		if semver.IsValid(t) && (tag == "" || semver.Compare(t, tag) > 0) {
			tag = t
		}
	}
	if tag != "" {
		v.Version = tag
	} else {
		base, _ := git("describe", "--tags", "--abbrev=0", "--match", "v[0-9]*", "HEAD")
		if !semver.IsValid(base) {
			base = ""
		}
		v.Version = module.PseudoVersion("v0", base, commitTime, v.Revision[:12])
	}
	if v.Dirty {
		v.Version += "+dirty"
	}
	return v, nil
}
