package upgrade

import (
	"fmt"
	"os"
	"sync"
	"testing"
)

var (
	buildOnce          sync.Once
	buildDir           string
	buildOld, buildCur string
	buildErr           error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lhuta-upgrade-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buildDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}
