// Package upgrade holds the test of the upgrade path from the previous
// release to this tree (docs/RELEASE.md, "Upgrading"): the previous
// release's binary, built from its Git tag, serves and writes; this tree's
// binary migrates beside it, takes over the same database and must give the
// same answers. It has no code of its own.
package upgrade
