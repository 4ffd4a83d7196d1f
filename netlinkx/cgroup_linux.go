package netlinkx

import (
	"bufio"
	"encoding/binary"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// scanCgroups finds the cgroup2 mount and walks it, mapping each cgroup's id
// to its path relative to the mount. It returns an empty mount when there is
// no cgroup2 hierarchy; unreadable directories are skipped.
func scanCgroups() (mount string, paths map[uint64]string) {
	mount = cgroup2Mount()
	if mount == "" {
		return "", nil
	}
	paths = map[uint64]string{}
	_ = filepath.WalkDir(mount, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if d != nil && d.IsDir() && p != mount {
				return fs.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			return nil
		}
		if len(paths) >= maxCgroups {
			return fs.SkipAll
		}
		id, ok := cgroupID(p)
		if !ok {
			return nil
		}
		rel := "/" + strings.TrimPrefix(strings.TrimPrefix(p, mount), "/")
		paths[id] = rel
		return nil
	})
	return mount, paths
}

// cgroupID is the id of the cgroup at path: its kernfs node id, which
// name_to_handle_at returns as the file handle (what iproute2's
// get_cgroup2_id reads). Where file handles are refused, the directory's
// inode number, which equals the id on 64-bit kernels.
func cgroupID(path string) (uint64, bool) {
	if h, _, err := unix.NameToHandleAt(unix.AT_FDCWD, path, 0); err == nil && len(h.Bytes()) == 8 {
		return binary.NativeEndian.Uint64(h.Bytes()), true
	}
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, false
	}
	return st.Ino, true
}

// Cgroup2Mount is the mount point of the cgroup2 hierarchy the cgroup paths
// are relative to, or "" on a host without one (cgroup v1 only).
func Cgroup2Mount() string { return cgroup2Mount() }

// cgroup2Mount is the mount point of the first cgroup2 file system in
// /proc/self/mountinfo (/sys/fs/cgroup on a unified host,
// /sys/fs/cgroup/unified on a hybrid one), or "" when there is none.
func cgroup2Mount() string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 64<<10), 1<<20)
	for s.Scan() {
		// 36 35 98:0 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw
		pre, post, ok := strings.Cut(s.Text(), " - ")
		if !ok || !strings.HasPrefix(post, "cgroup2 ") {
			continue
		}
		if f := strings.Fields(pre); len(f) >= 5 {
			return unescapeMountinfo(f[4])
		}
	}
	return ""
}

// unescapeMountinfo undoes mountinfo's octal escapes (\040 for a space).
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
