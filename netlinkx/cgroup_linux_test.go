package netlinkx_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx"
	"golang.org/x/sys/unix"
)

// TestCgroupResolver checks ids against the cgroup directories' inodes: the
// root is "/", a cgroup made after the cache was filled is found by the next
// resolver (a miss walks again), and an id no cgroup has is not found.
func TestCgroupResolver(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates a cgroup")
	}
	mount := netlinkx.Cgroup2Mount()
	if mount == "" {
		t.Skip("needs a cgroup2 hierarchy (a cgroup v1-only host has none)")
	}
	ino := func(p string) uint64 {
		var st unix.Stat_t
		if err := unix.Stat(p, &st); err != nil {
			t.Fatal(err)
		}
		return st.Ino
	}
	var r netlinkx.CgroupResolver
	if p, ok := r.Path(ino(mount)); !ok || p != "/" {
		t.Errorf("root cgroup: %q, %v; want \"/\"", p, ok)
	}
	rel := fmt.Sprintf("/nlq-resolver-%d/child", os.Getpid())
	dir := filepath.Join(mount, rel)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Skipf("needs a writable cgroup2 hierarchy: %v", err)
	}
	defer unix.Rmdir(filepath.Dir(dir))
	defer unix.Rmdir(dir)
	var r2 netlinkx.CgroupResolver
	if p, ok := r2.Path(ino(dir)); !ok || p != rel {
		t.Errorf("new cgroup: %q, %v; want %q", p, ok, rel)
	}
	if p, ok := r2.Path(1 << 62); ok {
		t.Errorf("unknown id resolved to %q", p)
	}
}
