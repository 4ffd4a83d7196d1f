package netlinkx_test

import (
	"os"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"golang.org/x/sys/unix"
)

// TestCgroupResolver checks ids against the cgroup directories' inodes: the
// root is "/", a cgroup made after the cache was filled is found by the next
// resolver (a miss walks again), and an id no cgroup has is not found.
func TestCgroupResolver(t *testing.T) {
	parent, parentDir := nstest.Cgroup(t)
	var r netlinkx.CgroupResolver
	if p, ok := r.Path(nstest.FileInode(t, netlinkx.Cgroup2Mount())); !ok || p != "/" {
		t.Errorf("root cgroup: %q, %v; want \"/\"", p, ok)
	}
	// A cgroup two levels down, made after r's cache was filled.
	rel, dir := parent+"/child", parentDir+"/child"
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	defer unix.Rmdir(dir)
	var r2 netlinkx.CgroupResolver
	if p, ok := r2.Path(nstest.FileInode(t, dir)); !ok || p != rel {
		t.Errorf("new cgroup: %q, %v; want %q", p, ok, rel)
	}
	if p, ok := r2.Path(1 << 62); ok {
		t.Errorf("unknown id resolved to %q", p)
	}
}
