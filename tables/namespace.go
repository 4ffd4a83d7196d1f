package tables

import (
	"bytes"
	"slices"
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

// nsTarget is one namespace a query asked for, and the cells its rows carry.
type nsTarget struct {
	pid, name Value
	open      func() (netlinkx.NetNS, error)
	label     string
}

// forEachNamespace calls fn once for each namespace the query selects with =
// or IN on pid_with_namespace or netns, or once in q.NetNS (the host's
// default) when it selects none. A value that names no namespace we can
// enter yields no rows and a warning, and the other values still answer.
// When both columns are constrained, a pair is read when both name the same
// namespace (same inode).
func forEachNamespace(q *Query, nOwn int, cells []Value, fn func(*Query) error) error {
	pids, byPid := q.IntEquals(colPidWithNamespace)
	names, byName := q.Equals(colNetNS)
	if !byPid && !byName {
		cells[nOwn], cells[nOwn+1] = Null, Null
		return fn(q)
	}
	var targets []nsTarget
	if byPid {
		slices.Sort(pids)
		for _, pid := range slices.Compact(pids) {
			targets = append(targets, nsTarget{pid: IntValue(pid), label: "pid " + strconv.FormatInt(pid, 10),
				open: func() (netlinkx.NetNS, error) { return netlinkx.OpenNetNSOfPID(int(pid)) }})
		}
	}
	if byName {
		slices.Sort(names)
		var named []nsTarget
		for _, name := range slices.Compact(names) {
			named = append(named, nsTarget{name: TextValue(name), label: "netns " + strconv.Quote(name),
				open: func() (netlinkx.NetNS, error) { return netlinkx.OpenNetNS(name) }})
		}
		if byPid {
			targets = pairByInode(q, targets, named)
		} else {
			targets = named
		}
	}
	for _, tg := range targets {
		ns, err := tg.open()
		if err != nil {
			q.logf("skip %s: %v", tg.label, err)
			continue
		}
		q2 := *q
		q2.NetNS = ns
		cells[nOwn], cells[nOwn+1] = tg.pid, tg.name
		err = fn(&q2)
		ns.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// pairByInode keeps the (pid, name) pairs that name one namespace.
func pairByInode(q *Query, byPid, byName []nsTarget) []nsTarget {
	inode := func(tg nsTarget) (uint64, bool) {
		ns, err := tg.open()
		if err != nil {
			q.logf("skip %s: %v", tg.label, err)
			return 0, false
		}
		defer ns.Close()
		ino, err := ns.Inode()
		return ino, err == nil
	}
	var out []nsTarget
	for _, p := range byPid {
		pi, ok := inode(p)
		if !ok {
			continue
		}
		for _, n := range byName {
			if ni, ok := inode(n); ok && ni == pi {
				out = append(out, nsTarget{pid: p.pid, name: n.name, open: p.open, label: p.label + " and " + n.label})
			}
		}
	}
	return out
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
