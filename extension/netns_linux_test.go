package main

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/netlinkq/netlinkq/extension/internal/testbin"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// netnsSpot is one namespace of the join test: a process in it, its name
// ("" when unnamed) and the port its listener holds.
type netnsSpot struct {
	name string
	pid  int
	port int
	ss   func() string // `ss -Htln` inside
}

// netnsSpots makes the three namespaces of issue 7: two named, one held
// only by `unshare -n sleep 600`, each with a TCP listener.
func netnsSpots(t *testing.T) []netnsSpot {
	t.Helper()
	nstest.NeedRoot(t)
	nstest.NeedTool(t, "ip", "ss", "unshare", "nsenter", "python3")
	base := 46100 + os.Getpid()%900*3
	var spots []netnsSpot
	for i := range 2 {
		ns := nstest.New(t)
		port := base + i
		pid := ns.StartReady("python3", "-c", nstest.Listener, strconv.Itoa(port))
		spots = append(spots, netnsSpot{name: ns.Name, pid: pid, port: port, ss: func() string { return ns.Run("ss", "-Htln") }})
	}
	held := nstest.NewUnshared(t)
	port := base + 2
	held.StartReady("python3", "-c", nstest.Listener, strconv.Itoa(port))
	spots = append(spots, netnsSpot{pid: held.PID, port: port, ss: func() string { return held.Run("ss", "-Htln") }})
	return spots
}

// netnsQuery runs the binary with --csv and no header (privCommand), and
// returns its rows (sorted) and standard error; a non-zero exit fails the
// test.
func netnsQuery(t *testing.T, args ...string) ([]string, string) {
	t.Helper()
	r := privCommand(t, testbin.Command(t, append([]string{"--csv", "--noheader", "--separator", ","}, args...)...))
	if r.status != 0 {
		t.Fatalf("netlinkq %s: exit %d\n%s", strings.Join(args, " "), r.status, r.stderr)
	}
	rows := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if rows[0] == "" {
		rows = nil
	}
	slices.Sort(rows)
	return rows, r.stderr
}

// netnsSSPorts is the local ports of `ss -Htln` output.
func netnsSSPorts(out string) []string {
	var ports []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if f := strings.Fields(l); len(f) >= 4 {
			ports = append(ports, f[3][strings.LastIndexByte(f[3], ':')+1:])
		}
	}
	return ports
}

// TestNetnsJoin runs issue 7's query in the embedded host: netlink_namespaces
// joined to netlink_sockets on pid_with_namespace lists every listening
// socket of every namespace, named or not, as ss inside each shows them.
func TestNetnsJoin(t *testing.T) {
	spots := netnsSpots(t)

	var want []string
	for _, sp := range spots {
		for _, port := range netnsSSPorts(sp.ss()) {
			want = append(want, fmt.Sprintf("%d,%s,%s", sp.pid, sp.name, port))
		}
	}
	slices.Sort(want)
	// ours keeps the rows of the three namespaces: other tests' come and go.
	ours := func(rows []string) []string {
		var out []string
		for _, r := range rows {
			for _, sp := range spots {
				if strings.HasPrefix(r, strconv.Itoa(sp.pid)+",") {
					out = append(out, r)
				}
			}
		}
		slices.Sort(out)
		return out
	}

	// The query, over every namespace on the host. Each spot's pid
	// is the lowest in its namespace: the one netlink_namespaces gives.
	const join = "SELECT n.pid, n.name, s.local_port FROM netlink_namespaces n " +
		"JOIN netlink_sockets s ON s.pid_with_namespace = n.pid WHERE s.state = 'LISTEN' AND s.protocol = 'tcp'"
	rows, _ := netnsQuery(t, join)
	if diff := cmp.Diff(want, ours(rows)); diff != "" {
		t.Errorf("join rows of the three namespaces (-ss +netlinkq):\n%s", diff)
	}
	var pids []string
	for _, sp := range spots {
		pids = append(pids, strconv.Itoa(sp.pid))
	}
	inOurs := " AND n.pid IN (" + strings.Join(pids, ",") + ")"

	// Its spelling with s.* (which reads the owner columns: a /proc walk per
	// namespace), limited to the three; CROSS JOIN keeps n the outer loop.
	rows, _ = netnsQuery(t, "SELECT n.name, s.* FROM netlink_namespaces n "+
		"CROSS JOIN netlink_sockets s ON s.pid_with_namespace = n.pid WHERE s.state = 'LISTEN'"+inOurs)
	for _, sp := range spots {
		if !slices.ContainsFunc(rows, func(r string) bool {
			return strings.HasPrefix(r, sp.name+",") && strings.Contains(r, ","+strconv.Itoa(sp.port)+",")
		}) {
			t.Errorf("SELECT n.name, s.* ...: no row for %q port %d", sp.name, sp.port)
		}
	}

	// No namespace constraint: the caller's namespace only.
	rows, _ = netnsQuery(t, "SELECT local_port FROM netlink_sockets WHERE state = 'LISTEN'")
	for _, sp := range spots {
		if slices.Contains(rows, strconv.Itoa(sp.port)) {
			t.Errorf("without a namespace constraint: port %d of another namespace listed", sp.port)
		}
	}

	// The join limited to the three with n.pid IN (...). The answer must not
	// depend on SQLite's join order: netlink_sockets has to be read with
	// pid_with_namespace bound, never scanned first in the default namespace.
	rows, _ = netnsQuery(t, join+inOurs)
	if diff := cmp.Diff(want, ours(rows)); diff != "" {
		t.Errorf("join limited with n.pid IN (...) (-ss +netlinkq):\n%s", diff)
	}
}

// TestNetnsBadValues: a bad value in an IN list is a warning on stderr, and
// the good values still answer; --netns is only the default.
func TestNetnsBadValues(t *testing.T) {
	spots := netnsSpots(t)
	a, c := spots[0], spots[2]
	rows, stderr := netnsQuery(t, fmt.Sprintf("SELECT pid_with_namespace, local_port FROM netlink_sockets "+
		"WHERE state = 'LISTEN' AND pid_with_namespace IN (99999999, %d, -1)", c.pid))
	if diff := cmp.Diff([]string{fmt.Sprintf("%d,%d", c.pid, c.port)}, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	for _, w := range []string{"pid_with_namespace = 99999999", "pid_with_namespace = -1"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr %q: no warning about %s", stderr, w)
		}
	}
	rows, stderr = netnsQuery(t, "SELECT netns, local_port FROM netlink_sockets "+
		"WHERE state = 'LISTEN' AND netns IN ('a/b', '/etc/passwd', '"+a.name+"')")
	if diff := cmp.Diff([]string{fmt.Sprintf("%s,%d", a.name, a.port)}, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	for _, w := range []string{`netns = "a/b"`, `netns = "/etc/passwd"`} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr %q: no warning about %s", stderr, w)
		}
	}
	// --netns a, but the query names c: c answers.
	rows, _ = netnsQuery(t, "--netns", a.name, fmt.Sprintf("SELECT local_port FROM netlink_sockets "+
		"WHERE state = 'LISTEN' AND pid_with_namespace = %d", c.pid))
	if diff := cmp.Diff([]string{strconv.Itoa(c.port)}, rows); diff != "" {
		t.Errorf("--netns with a pid_with_namespace constraint (-want +got):\n%s", diff)
	}
}
