package tables

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/netlinkq/netlinkq/netlinkx"
	"golang.org/x/sys/unix"
)

// needNSID marks the netnsid column: it costs one RTM_GETNSID per namespace.
const needNSID Need[netnsRow] = 1

// netnsRow is one row of netlink_namespaces.
type netnsRow struct {
	netlinkx.NetNSEntry
	// nsid is the id the namespace asked assigned to this one; valid when hasNSID.
	nsid    int32
	hasNSID bool
}

// netlinkNamespaces is netlink_namespaces: one row per network namespace on
// the host, what `lsns -t net` and `ip netns list` show together.
//
// Discovery always shows the host's view (every /proc/PID/ns/net and every
// name under /run/netns), whatever namespace the query runs in: a namespace
// is not a thing inside a namespace. The namespace the query selects with
// pid_with_namespace or netns (or the embedded host's --netns) is the one
// asked for netnsid, as `ip netns list-id` run there would show; the rows
// carry the value asked for in those columns, as on every table.
var netlinkNamespaces = lazy("netlink_namespaces", func() *Table[netnsRow] {
	return &Table[netnsRow]{
		Columns: []Column[netnsRow]{
			BigInt("inode", "The namespace's inode on nsfs, as in /proc/PID/ns/net (\"net:[INODE]\") and `ip netns identify`",
				func(r *netnsRow) int64 { return int64(r.Inode) }).With(Index),
			Text("name", "Its name under /run/netns (`ip netns add`), empty when unnamed; of several names the first in byte order",
				func(r *netnsRow) string {
					if len(r.Names) == 0 {
						return ""
					}
					return r.Names[0]
				}).With(Index),
			Col("netnsid", TypeInteger, "The id (netnsid) the namespace the query runs in has assigned to this one, RTM_GETNSID, "+
				"as `ip netns list-id` shows; -1 when none (NETNSA_NSID_NOT_ASSIGNED); NULL when its last process exited meanwhile",
				func(r *netnsRow) Value {
					if !r.hasNSID {
						return Null
					}
					return IntValue(int64(r.nsid))
				}).Needs(needNSID),
			Col("pid", TypeInteger, "The lowest process id in the namespace; NULL when no process is and only a name holds it",
				func(r *netnsRow) Value {
					if r.PID == 0 {
						return Null
					}
					return IntValue(int64(r.PID))
				}),
			Int("process_count", "Processes (thread groups) whose /proc/PID/ns/net is this namespace",
				func(r *netnsRow) int64 { return int64(r.Processes) }),
			Int("is_host", "1 for the namespace of PID 1 (the host's, outside a container), else 0. "+
				"Where /proc/1/ns/net may not be read, 1 for the initial namespace (init_net, inode 0xEFFFFFF9 on recent kernels)",
				func(r *netnsRow) int64 {
					if r.Host {
						return 1
					}
					return 0
				}),
		},
		Generate: func(ctx context.Context, q *Query, emit func(*netnsRow) error) error {
			scan, err := netlinkx.ScanNetNS(ctx)
			if err != nil {
				return fmt.Errorf("list network namespaces: %w", err)
			}
			if scan.Denied > 0 {
				what := "processes"
				if scan.Denied == 1 {
					what = "process"
				}
				q.logf("table netlink_namespaces: %d %s not readable (/proc/PID/ns/net: permission denied); their namespaces may be missing", scan.Denied, what)
			}
			inodes, byInode := q.IntEquals("inode")
			names, byName := q.Equals("name")
			var row netnsRow
			for _, e := range scan.Namespaces {
				if byInode && !containsInode(inodes, e.Inode) {
					continue
				}
				if byName && !containsName(names, e.Names) {
					continue
				}
				row = netnsRow{NetNSEntry: e}
				if needNSID.In(q) {
					row.nsid, row.hasNSID, err = nsidOf(ctx, q.NetNS, &e)
					if err != nil {
						return fmt.Errorf("netnsid of namespace %d: %w", e.Inode, err)
					}
				}
				if err := emit(&row); err != nil {
					return err
				}
			}
			return nil
		},
	}
})

// nsidOf asks namespace in for the id of e: by its lowest pid, or, when the
// process is gone or none holds it, by opening its name. ok is false when
// neither names it any more.
func nsidOf(ctx context.Context, in netlinkx.NetNS, e *netlinkx.NetNSEntry) (nsid int32, ok bool, err error) {
	if e.PID != 0 {
		nsid, err = netlinkx.GetNSID(ctx, netlinkx.NSIDRequest{NetNS: in, PID: e.PID})
		if err == nil {
			// The pid may have been reused by a process in another namespace.
			if same, serr := pidInNetNS(e.PID, e.Inode); serr == nil && same {
				return nsid, true, nil
			}
		} else if !errors.Is(err, unix.ESRCH) {
			return 0, false, err
		}
	}
	for _, name := range e.Names {
		peer, err := netlinkx.OpenNetNS(name)
		if err != nil {
			continue // deleted meanwhile
		}
		ino, ierr := peer.Inode()
		if ierr != nil || ino != e.Inode {
			peer.Close()
			continue // re-bound to another namespace meanwhile
		}
		nsid, err = netlinkx.GetNSID(ctx, netlinkx.NSIDRequest{NetNS: in, Peer: peer})
		peer.Close()
		if err != nil {
			return 0, false, err
		}
		return nsid, true, nil
	}
	return 0, false, nil
}

// pidInNetNS reports whether process pid is still in the namespace with inode ino.
func pidInNetNS(pid int, ino uint64) (bool, error) {
	var st unix.Stat_t
	if err := unix.Stat("/proc/"+strconv.Itoa(pid)+"/ns/net", &st); err != nil {
		return false, err
	}
	return st.Ino == ino, nil
}

func containsInode(vals []int64, ino uint64) bool {
	for _, v := range vals {
		if uint64(v) == ino {
			return true
		}
	}
	return false
}

func containsName(vals, names []string) bool {
	first := ""
	if len(names) > 0 {
		first = names[0]
	}
	for _, v := range vals {
		if v == first {
			return true
		}
	}
	return false
}
