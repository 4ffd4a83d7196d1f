package netlinkx

import "sync"

// maxCgroups bounds the cgroup cache: a walk stops after this many
// directories (a host with more cgroups gets NULL for the rest).
const maxCgroups = 200_000

// cgroupCache is the process-wide map from cgroup v2 id to path, shared by
// queries. It is replaced whole by each walk, so ids of removed cgroups drop out.
var cgroupCache struct {
	sync.Mutex
	scanned bool
	mount   string            // the cgroup2 mount point; "" when there is none
	paths   map[uint64]string // cgroup id → path relative to mount, "/" for its root
}

// CgroupResolver maps the cgroup v2 ids sock_diag reports
// (INET_DIAG_CGROUP_ID) to cgroup paths as `ss --cgroup` prints them:
// relative to the cgroup2 mount, "/system.slice/nginx.service". One resolver
// serves one query: the shared cache is walked again on a miss at most once
// per resolver, so a query with many unknown ids costs one walk, and a cgroup
// made since the last walk is found. The zero value is ready to use.
type CgroupResolver struct {
	rescanned bool
}

// Path returns the path of cgroup id, or ok false when no cgroup2 hierarchy
// is mounted (a cgroup v1-only host) or the id names no cgroup there (removed,
// or outside this process's cgroup namespace).
func (r *CgroupResolver) Path(id uint64) (path string, ok bool) {
	c := &cgroupCache
	c.Lock()
	defer c.Unlock()
	if !c.scanned {
		c.mount, c.paths = scanCgroups()
		c.scanned = true
		r.rescanned = true
	}
	if p, ok := c.paths[id]; ok {
		return p, true
	}
	if r.rescanned || c.mount == "" {
		return "", false
	}
	r.rescanned = true
	c.mount, c.paths = scanCgroups()
	p, ok := c.paths[id]
	return p, ok
}
