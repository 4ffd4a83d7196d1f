package nstest

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx"
)

// Cgroup makes a cgroup v2 directory for the test, /nlq-<test>-<pid>-<n>
// under the cgroup2 mount, and removes it when the test ends: after the
// processes the test starts in it later, which are stopped first. It returns
// the path relative to the mount, as ss and /proc show it, and the full
// path. It skips when not root, without a cgroup2 hierarchy (a cgroup
// v1-only host) or where that is not writable.
func Cgroup(t testing.TB) (rel, dir string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates a cgroup")
	}
	mount := netlinkx.Cgroup2Mount()
	if mount == "" {
		t.Skip("needs a cgroup2 hierarchy (a cgroup v1-only host has none)")
	}
	rel = "/" + uniqueName(t)
	dir = filepath.Join(mount, rel)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Skipf("needs a writable cgroup2 hierarchy at %s: %v", mount, err)
	}
	t.Cleanup(func() {
		if err := syscall.Rmdir(dir); err != nil {
			t.Errorf("remove test cgroup %s: %v", dir, err)
		}
	})
	return rel, dir
}
