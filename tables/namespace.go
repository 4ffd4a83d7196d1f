package tables

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/netlinkq/netlinkq/netlinkx"
)

// Names of the columns every table carries to select a network namespace
// and to name the one a row was read in.
const (
	colPidWithNamespace = "pid_with_namespace"
	colNetNS            = "netns"
	colNetNSInode       = "netns_inode"
	colNetNSName        = "netns_name"
	// allNetNS is the netns value that selects every network namespace.
	allNetNS = "*"
)

// namespaceColumns are added after every table's own columns, all HIDDEN
// (not in SELECT *). The two that select a namespace are ADDITIONAL too,
// because osqueryd passes an extension no constraint for a column that is
// only HIDDEN; the two that name it are outputs only.
var namespaceColumns = []ColumnDef{
	{Name: colPidWithNamespace, Type: TypeInteger, Options: Hidden | Additional,
		Doc: "Generate the table inside the network namespace of this process (/proc/PID/ns/net), as osquery's container tables do; the row carries the value asked for."},
	{Name: colNetNS, Type: TypeText, Options: Hidden | Additional,
		Doc: "Generate the table inside this network namespace: a name under /run/netns or a path such as /proc/1234/ns/net; the row carries the value asked for. " +
			"'*' reads every network namespace on the host in one call (each found by a process in it or a name bound to it, as netlink_namespaces lists them), " +
			"the row naming its own in netns_inode and netns_name: the form that is correct under any query plan."},
	{Name: colNetNSInode, Type: TypeBigInt, Options: Hidden,
		Doc: "The inode of the network namespace the row was read in (\"net:[INODE]\" of /proc/PID/ns/net): join with netlink_namespaces.inode."},
	{Name: colNetNSName, Type: TypeText, Options: Hidden,
		Doc: "The name under /run/netns of the network namespace the row was read in, empty when it has none."},
}

// nsWalk is one table run over the namespaces its query selects: the row's
// namespace cells (from nOwn on) are set before each run of fn.
type nsWalk struct {
	q     *Query
	nOwn  int
	cells []Value
	fn    func(*Query) error
	own   uint64
	// names are the names bound under /run/netns, by inode, read once
	// when netns_name is used.
	names map[uint64]string
}

// forEachNamespace calls fn once for each namespace the query selects with =
// or IN on pid_with_namespace or netns, with q.NetNS set to it and the
// value asked for in the row's cell; or once in q.NetNS (the host's default)
// with both cells NULL when it selects none. netns = '*' selects every
// namespace on the host. A value that names no namespace we can enter (no
// such process, a name with '/', a file that is not a network namespace, a
// namespace setns(2) refuses, one gone since it was listed) yields no rows
// and a warning through q.Logf, and the other values still answer. When
// both columns are constrained, a (pid, name) pair is read when both name
// the same namespace (same inode). Values are read in ascending order,
// repeats once. netns_inode and netns_name, when used, name the namespace
// each row was read in.
//
// Each namespace's descriptor is opened once, used for the whole run of fn
// in it (so a pid reused meanwhile cannot redirect the query), and closed
// before the next, also when fn panics. A namespace that is the caller's own
// runs as netlinkx.Own: no thread switch, and no CAP_SYS_ADMIN needed.
func forEachNamespace(q *Query, nOwn int, cells []Value, fn func(*Query) error) error {
	r := &nsWalk{q: q, nOwn: nOwn, cells: cells, fn: fn}
	pidVals, byPid := q.Equals(colPidWithNamespace)
	nameVals, byName := q.Equals(colNetNS)
	if !byPid && !byName {
		cells[nOwn], cells[nOwn+1] = Null, Null
		if err := r.identify(q.NetNS); err != nil {
			return err
		}
		return fn(q)
	}
	own, err := netlinkx.Own.Inode()
	if err != nil {
		return fmt.Errorf("own network namespace: %w", err)
	}
	r.own = own
	var pids []int64
	for _, v := range dedup(pidVals) {
		pid, ok := integral(v)
		if !ok {
			q.logf("table %s: skip %s = %q: not a process id", tableName(q), colPidWithNamespace, v)
			continue
		}
		pids = append(pids, pid)
	}
	pids = dedup(pids)
	names := dedup(nameVals)

	switch {
	case byPid && byName:
		return r.forEachPair(pids, names)
	case byPid:
		for _, pid := range pids {
			ns, err := netlinkx.OpenNetNSOfPID(int(pid))
			if err != nil {
				q.logf("table %s: skip %s = %d: %v", tableName(q), colPidWithNamespace, pid, err)
				continue
			}
			cells[nOwn], cells[nOwn+1] = IntValue(pid), Null
			if err := r.runIn(ns, true, fmt.Sprintf("%s = %d", colPidWithNamespace, pid)); err != nil {
				return err
			}
		}
	default:
		for _, name := range names {
			if name == allNetNS {
				if err := r.forEveryNamespace(); err != nil {
					return err
				}
				continue
			}
			ns, err := netlinkx.OpenNetNS(name)
			if err != nil {
				q.logf("table %s: skip %s = %q: %v", tableName(q), colNetNS, name, err)
				continue
			}
			cells[nOwn], cells[nOwn+1] = Null, TextValue(name)
			if err := r.runIn(ns, true, fmt.Sprintf("%s = %q", colNetNS, name)); err != nil {
				return err
			}
		}
	}
	return nil
}

// lastScan is the last list of namespaces netns = '*' read, kept for
// snapshotAge: a join that asks for '*' once per outer row walks /proc
// once. A namespace made since may be missed for that long; one gone since
// is skipped with a warning.
var lastScan struct {
	sync.Mutex
	at   time.Time
	scan netlinkx.NetNSScan
}

// recentNetNSScan is netlinkx.ScanNetNS, at most snapshotAge old.
func recentNetNSScan() (netlinkx.NetNSScan, error) {
	lastScan.Lock()
	defer lastScan.Unlock()
	if time.Since(lastScan.at) < snapshotAge {
		return lastScan.scan, nil
	}
	scan, err := netlinkx.ScanNetNS(context.Background())
	if err != nil {
		return scan, err
	}
	lastScan.at, lastScan.scan = time.Now(), scan
	return scan, nil
}

// forEveryNamespace runs fn in every network namespace on the host, with
// netns '*' in the row: the scan of netlink_namespaces, each namespace opened
// by a name bound to it or else by its lowest process.
func (r *nsWalk) forEveryNamespace() error {
	scan, err := recentNetNSScan()
	if err != nil {
		return fmt.Errorf("list network namespaces: %w", err)
	}
	for _, e := range scan.Namespaces {
		var ns netlinkx.NetNS
		var err error
		label := fmt.Sprintf("%s = '*' (namespace %d)", colNetNS, e.Inode)
		if len(e.Names) > 0 {
			ns, err = netlinkx.OpenNetNS(e.Names[0])
		} else {
			ns, err = netlinkx.OpenNetNSOfPID(e.PID)
		}
		if err == nil {
			if ino, ierr := ns.Inode(); ierr != nil || ino != e.Inode {
				ns.Close() // gone, and the name or pid reused since the scan
				err = fmt.Errorf("namespace changed since it was listed")
			}
		}
		if err != nil {
			r.q.logf("table %s: skip %s: %v", tableName(r.q), label, err)
			continue
		}
		r.cells[r.nOwn], r.cells[r.nOwn+1] = Null, TextValue(allNetNS)
		if err := r.runIn(ns, true, label); err != nil {
			return err
		}
	}
	return nil
}

// forEachPair runs fn for each (pid, name) whose namespaces are the same.
// Each name is opened once, only to learn its namespace's inode; '*' pairs
// with every pid.
func (r *nsWalk) forEachPair(pids []int64, names []string) error {
	q := r.q
	var byName []namedNS
	for _, name := range names {
		if name == allNetNS {
			byName = append(byName, namedNS{name, 0})
			continue
		}
		ns, err := netlinkx.OpenNetNS(name)
		if err != nil {
			q.logf("table %s: skip %s = %q: %v", tableName(q), colNetNS, name, err)
			continue
		}
		ino, err := ns.Inode()
		ns.Close()
		if err != nil {
			q.logf("table %s: skip %s = %q: %v", tableName(q), colNetNS, name, err)
			continue
		}
		byName = append(byName, namedNS{name, ino})
	}
	for _, pid := range pids {
		if err := r.pairPid(pid, byName); err != nil {
			return err
		}
	}
	return nil
}

// pairPid runs fn in pid's namespace once for each name bound to it. The
// pid's descriptor is the one entered, for all its names (a name re-bound
// meanwhile cannot redirect the run), and closed on return or panic.
func (r *nsWalk) pairPid(pid int64, byName []namedNS) error {
	q := r.q
	ns, err := netlinkx.OpenNetNSOfPID(int(pid))
	if err != nil {
		q.logf("table %s: skip %s = %d: %v", tableName(q), colPidWithNamespace, pid, err)
		return nil
	}
	defer ns.Close()
	ino, err := ns.Inode()
	if err != nil {
		q.logf("table %s: skip %s = %d: %v", tableName(q), colPidWithNamespace, pid, err)
		return nil
	}
	for _, n := range byName {
		if n.inode != ino && n.name != allNetNS {
			continue
		}
		r.cells[r.nOwn], r.cells[r.nOwn+1] = IntValue(pid), TextValue(n.name)
		label := fmt.Sprintf("%s = %d and %s = %q", colPidWithNamespace, pid, colNetNS, n.name)
		if err := r.runIn(ns, false, label); err != nil {
			return err
		}
	}
	return nil
}

// identify sets the row's netns_inode and netns_name cells to ns's, when
// the query uses them.
func (r *nsWalk) identify(ns netlinkx.NetNS) error {
	r.cells[r.nOwn+2], r.cells[r.nOwn+3] = Null, Null
	if !r.q.usedAt(r.nOwn+2) && !r.q.usedAt(r.nOwn+3) {
		return nil
	}
	ino, err := ns.Inode()
	if err != nil {
		return fmt.Errorf("network namespace inode: %w", err)
	}
	r.cells[r.nOwn+2] = IntValue(int64(ino))
	if r.q.usedAt(r.nOwn + 3) {
		if r.names == nil {
			if r.names, err = netlinkx.NetNSNames(); err != nil {
				return fmt.Errorf("network namespace names: %w", err)
			}
		}
		r.cells[r.nOwn+3] = TextValue(r.names[ino])
	}
	return nil
}

// namedNS is a netns value and the inode of the namespace it names.
type namedNS struct {
	name  string
	inode uint64
}

// runIn runs fn with q.NetNS set to ns, and closes ns after when owned
// (even if fn panics). A namespace that is the caller's own runs as
// netlinkx.Own. An error entering the namespace (setns refused) is a
// warning, not the query's error.
func (r *nsWalk) runIn(ns netlinkx.NetNS, owned bool, label string) error {
	if owned {
		defer ns.Close()
	}
	q2 := *r.q
	q2.NetNS = ns
	if ino, err := ns.Inode(); err == nil && ino == r.own {
		q2.NetNS = netlinkx.Own
	}
	if err := r.identify(ns); err != nil {
		r.q.logf("table %s: skip %s: %v", tableName(r.q), label, err)
		return nil
	}
	err := r.fn(&q2)
	if err != nil && netlinkx.IsEnterError(err) {
		r.q.logf("table %s: skip %s: %v", tableName(r.q), label, err)
		return nil
	}
	return err
}

// tableName names q's table in warnings.
func tableName(q *Query) string {
	if q.spec == nil {
		return "?"
	}
	return q.spec.Name
}

// panicSite returns where a recovered panic happened, "func (file:line)", the
// first frame after runtime's own, so that osquery's one-line error names it.
func panicSite(stack []byte) string {
	lines := bytes.Split(stack, []byte("\n"))
	for i, l := range lines {
		if bytes.HasPrefix(l, []byte("panic(")) && i+3 < len(lines) {
			fn := bytes.TrimSpace(lines[i+2])
			loc := bytes.TrimSpace(lines[i+3])
			if j := bytes.LastIndexByte(loc, ' '); j > 0 {
				loc = loc[:j]
			}
			return string(fn) + " (" + string(loc) + ")"
		}
	}
	return "unknown site"
}
