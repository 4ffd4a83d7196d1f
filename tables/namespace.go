package tables

import (
	"bytes"
	"fmt"
	"math"
	"strconv"

	"github.com/netlinkq/netlinkq/netlinkx"
)

// Names of the two columns every table carries to select a network namespace.
const (
	colPidWithNamespace = "pid_with_namespace"
	colNetNS            = "netns"
)

// namespaceColumns are added after every table's own columns. They are
// HIDDEN (not in SELECT *) and ADDITIONAL, because osqueryd passes an
// extension no constraint for a column that is only HIDDEN.
var namespaceColumns = []ColumnDef{
	{Name: colPidWithNamespace, Type: TypeInteger, Options: Hidden | Additional,
		Doc: "Generate the table inside the network namespace of this process (/proc/PID/ns/net), as osquery's container tables do; the row carries the value asked for."},
	{Name: colNetNS, Type: TypeText, Options: Hidden | Additional,
		Doc: "Generate the table inside this network namespace: a name under /run/netns or a path such as /proc/1234/ns/net; the row carries the value asked for."},
}

// forEachNamespace calls fn once for each namespace the query selects with =
// or IN on pid_with_namespace or netns, with q.NetNS set to it and the
// value asked for in the row's cell; or once in q.NetNS (the host's default)
// with both cells NULL when it selects none. A value that names no
// namespace we can enter (no such process, a name with '/', a file that is
// not a network namespace, a namespace setns(2) refuses) yields no rows and
// a warning through q.Logf, and the other values still answer. When both
// columns are constrained, a (pid, name) pair is read when both name the
// same namespace (same inode). Values are read in ascending order, repeats
// once.
//
// Each namespace's descriptor is opened once, used for the whole run of fn
// in it (so a pid reused meanwhile cannot redirect the query), and closed
// before the next, also when fn panics. A namespace that is the caller's own
// runs as netlinkx.Own: no thread switch, and no CAP_SYS_ADMIN needed.
func forEachNamespace(q *Query, nOwn int, cells []Value, fn func(*Query) error) error {
	pidVals, byPid := q.Equals(colPidWithNamespace)
	nameVals, byName := q.Equals(colNetNS)
	if !byPid && !byName {
		cells[nOwn], cells[nOwn+1] = Null, Null
		return fn(q)
	}
	own, err := netlinkx.Own.Inode()
	if err != nil {
		return fmt.Errorf("own network namespace: %w", err)
	}
	var pids []int64
	for _, v := range dedup(pidVals) {
		pid, ok := parsePid(v)
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
		return forEachPair(q, own, pids, names, nOwn, cells, fn)
	case byPid:
		for _, pid := range pids {
			ns, err := netlinkx.OpenNetNSOfPID(int(pid))
			if err != nil {
				q.logf("table %s: skip %s = %d: %v", tableName(q), colPidWithNamespace, pid, err)
				continue
			}
			cells[nOwn], cells[nOwn+1] = IntValue(pid), Null
			label := fmt.Sprintf("%s = %d", colPidWithNamespace, pid)
			if err := runIn(q, ns, true, own, label, fn); err != nil {
				return err
			}
		}
	default:
		for _, name := range names {
			ns, err := netlinkx.OpenNetNS(name)
			if err != nil {
				q.logf("table %s: skip %s = %q: %v", tableName(q), colNetNS, name, err)
				continue
			}
			cells[nOwn], cells[nOwn+1] = Null, TextValue(name)
			label := fmt.Sprintf("%s = %q", colNetNS, name)
			if err := runIn(q, ns, true, own, label, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// forEachPair runs fn for each (pid, name) whose namespaces are the same.
// Each name is opened once, only to learn its namespace's inode.
func forEachPair(q *Query, own uint64, pids []int64, names []string, nOwn int, cells []Value, fn func(*Query) error) error {
	var byName []namedNS
	for _, name := range names {
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
		if err := pairPid(q, own, pid, byName, nOwn, cells, fn); err != nil {
			return err
		}
	}
	return nil
}

// pairPid runs fn in pid's namespace once for each name bound to it. The
// pid's descriptor is the one entered, for all its names (a name re-bound
// meanwhile cannot redirect the run), and closed on return or panic.
func pairPid(q *Query, own uint64, pid int64, byName []namedNS, nOwn int, cells []Value, fn func(*Query) error) error {
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
		if n.inode != ino {
			continue
		}
		cells[nOwn], cells[nOwn+1] = IntValue(pid), TextValue(n.name)
		label := fmt.Sprintf("%s = %d and %s = %q", colPidWithNamespace, pid, colNetNS, n.name)
		if err := runIn(q, ns, false, own, label, fn); err != nil {
			return err
		}
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
func runIn(q *Query, ns netlinkx.NetNS, owned bool, own uint64, label string, fn func(*Query) error) error {
	if owned {
		defer ns.Close()
	}
	q2 := *q
	q2.NetNS = ns
	if ino, err := ns.Inode(); err == nil && ino == own {
		q2.NetNS = netlinkx.Own
	}
	err := fn(&q2)
	if err != nil && netlinkx.IsEnterError(err) {
		q.logf("table %s: skip %s: %v", tableName(q), label, err)
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

// parsePid reads a pid_with_namespace value: a decimal integer, or a real
// with no fraction (SQLite may pass 1234.0).
func parsePid(s string) (int64, bool) {
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || f < math.MinInt32 || f > math.MaxInt32 {
		return 0, false
	}
	return int64(f), true
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
