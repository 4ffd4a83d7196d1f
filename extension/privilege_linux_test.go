package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/netlinkq/netlinkq/extension/internal/testbin"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"github.com/netlinkq/netlinkq/tables"
)

// The unprivileged user of the privilege tests: nobody, with no groups and
// no capabilities at all (none inheritable, an empty bounding set), so it
// has neither CAP_NET_ADMIN nor CAP_SYS_PTRACE nor CAP_SYS_ADMIN.
const privUID = 65534

var privSetpriv = []string{"setpriv", "--reuid=" + strconv.Itoa(privUID), "--regid=" + strconv.Itoa(privUID),
	"--clear-groups", "--inh-caps=-all", "--bounding-set=-all"}

// privResult is what one run of the binary left.
type privResult struct {
	stdout, stderr string
	status         int
}

// privExec runs the binary with args inside ns (as root, or as nobody when
// asNobody), killing it and failing the test if it has not exited after
// 20 s: a hang is a bug, whatever the query.
func privExec(t *testing.T, ns *nstest.NS, asNobody bool, args ...string) privResult {
	t.Helper()
	argv := []string{"netns", "exec", ns.Name}
	if asNobody {
		argv = append(argv, privSetpriv...)
	}
	argv = append(argv, testbin.Path(t))
	argv = append(argv, args...)
	return privCommand(t, exec.Command("ip", argv...))
}

// privCommand runs cmd with a 20 s limit and returns its output and status.
func privCommand(t *testing.T, cmd *exec.Cmd) privResult {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	p := testbin.Start(t, cmd, syscall.SIGKILL)
	select {
	case <-p.Exited():
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-p.Exited()
		t.Fatalf("%s: no exit within 20s (a hang); stderr:\n%s", strings.Join(cmd.Args, " "), errb.String())
	}
	return privResult{out.String(), errb.String(), cmd.ProcessState.ExitCode()}
}

// privJSON runs SQL with --json and returns the rows; the run must exit 0.
func privJSON(t *testing.T, ns *nstest.NS, asNobody bool, sql string) []map[string]string {
	t.Helper()
	r := privExec(t, ns, asNobody, "--json", sql)
	if r.status != 0 {
		t.Fatalf("%s (nobody=%v): exit %d, stderr:\n%s", sql, asNobody, r.status, r.stderr)
	}
	var rows []map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("%s: output is not JSON rows: %v\n%s", sql, err, r.stdout)
	}
	return rows
}

// privPython is a python3 that nobody can run (not a pyenv shim under /root).
func privPython(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode()&0o001 != 0 {
			return p
		}
	}
	t.Skip("needs a python3 every user can run (/usr/bin/python3, Debian package python3)")
	return ""
}

// privHolder is a python program that listens on 127.0.0.1:PORT, connects to
// itself and holds the three sockets until killed.
const privHolder = `
import socket, sys, time
port = int(sys.argv[1])
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", port))
l.listen(8)
c = socket.create_connection(("127.0.0.1", port))
a, _ = l.accept()
time.sleep(3600)
`

// privNamespace builds the namespace of the privilege tests: a veth pair up,
// a root-owned TCP listener on 7001 with a connection to it, and a
// nobody-owned one on 7002 with its connection. It returns the namespace and
// the pids of the two holders.
func privNamespace(t *testing.T) (ns *nstest.NS, rootPID, nobodyPID int) {
	t.Helper()
	nstest.NeedRoot(t)
	nstest.NeedTool(t, "setpriv", "ss")
	py := privPython(t)
	bin := testbin.Path(t)
	if out, err := exec.Command(privSetpriv[0], append(privSetpriv[1:], "test", "-x", bin)...).CombinedOutput(); err != nil {
		t.Skipf("nobody cannot run %s (is %s private?): %v %s", bin, os.TempDir(), err, out)
	}
	ns = nstest.New(t)
	// No DAD: the veths' link-local addresses are final at once, so that
	// two reads of netlink_addresses agree.
	ns.Run("sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0", "net.ipv6.conf.all.accept_dad=0")
	ns.Run("ip", "link", "add", "pva", "type", "veth", "peer", "name", "pvb")
	ns.Run("ip", "link", "set", "pva", "up")
	ns.Run("ip", "link", "set", "pvb", "up")
	ns.Run("ip", "addr", "add", "192.0.2.1/24", "dev", "pva")
	root := ns.Start(py, "-c", privHolder, "7001")
	nobody := ns.Start(append(append([]string{}, privSetpriv...), py, "-c", privHolder, "7002")...)
	// ip netns exec and setpriv exec, so each holder keeps the pid Start saw.
	nstest.Eventually(t, func() error {
		out, err := ns.Command("ss", "-tanH").Output()
		if err != nil {
			return err
		}
		for _, port := range []string{"7001", "7002"} {
			if n := strings.Count(string(out), ":"+port+" "); n < 3 {
				return fmt.Errorf("%d sockets on port %s, want 3:\n%s", n, port, out)
			}
		}
		for _, pid := range []int{root.Process.Pid, nobody.Process.Pid} {
			comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
			if err != nil || !strings.HasPrefix(string(comm), "python") {
				return fmt.Errorf("pid %d is %q, not python yet (%v)", pid, comm, err)
			}
		}
		return nil
	})
	return ns, root.Process.Pid, nobody.Process.Pid
}

// TestPrivilegeEveryTable runs SELECT * on every table of the registry as
// nobody without capabilities: each must answer (exit 0), not fail the
// whole query because some kernel call was refused.
func TestPrivilegeEveryTable(t *testing.T) {
	ns, _, _ := privNamespace(t)
	for _, tab := range tables.All() {
		name := tab.Spec().Name
		t.Run(name, func(t *testing.T) {
			r := privExec(t, ns, true, "--json", "SELECT * FROM "+quoteIdent(name))
			if r.status != 0 {
				t.Fatalf("exit %d as nobody, stderr:\n%s", r.status, r.stderr)
			}
			var rows []map[string]string
			if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
				t.Fatalf("not JSON rows: %v\n%s", err, r.stdout)
			}
			for _, l := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
				if l != "" && !strings.HasPrefix(l, "Warning: ") {
					t.Errorf("stderr line that is not a warning: %q", l)
				}
			}
			if r.stderr != "" {
				t.Logf("%d rows, warnings:\n%s", len(rows), r.stderr)
			}
		})
	}
}

// TestPrivilegeSocketOwners checks the process columns: nobody sees its own
// sockets' owner and -1/empty for root's, while root sees both.
func TestPrivilegeSocketOwners(t *testing.T) {
	ns, rootPID, nobodyPID := privNamespace(t)
	const sql = `SELECT local_port, remote_port, state, uid, pid, fd, process_name FROM netlink_sockets
		WHERE family = 'inet' AND protocol = 'tcp' AND (local_port IN (7001, 7002) OR remote_port IN (7001, 7002))`
	for _, asNobody := range []bool{false, true} {
		t.Run(fmt.Sprintf("nobody=%v", asNobody), func(t *testing.T) {
			rows := privJSON(t, ns, asNobody, sql)
			if len(rows) != 6 {
				t.Fatalf("%d rows, want 3 sockets on each of 7001 and 7002:\n%v", len(rows), rows)
			}
			for _, r := range rows {
				ownedByNobody := r["local_port"] == "7002" || r["remote_port"] == "7002"
				got := []string{r["pid"], r["process_name"]}
				var want []string
				switch {
				case ownedByNobody:
					want = []string{strconv.Itoa(nobodyPID), "python3"}
					if r["uid"] != strconv.Itoa(privUID) {
						t.Errorf("%v: uid %s, want %d", r, r["uid"], privUID)
					}
				case asNobody:
					want = []string{"-1", ""}
				default:
					want = []string{strconv.Itoa(rootPID), "python3"}
				}
				if strings.HasPrefix(got[1], "python") {
					got[1] = "python3" // python3 or python3.11, as comm says
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("socket %s:%s→%s (-want +got pid, process_name):\n%s", r["state"], r["local_port"], r["remote_port"], diff)
				}
				fd, err := strconv.Atoi(r["fd"])
				switch {
				case err != nil:
					t.Errorf("%v: fd %q", r, r["fd"])
				case want[0] == "-1" && fd != -1:
					t.Errorf("%v: fd %d, want -1 for another user's socket", r, fd)
				case want[0] != "-1" && fd < 0:
					t.Errorf("%v: fd %d, want the holder's descriptor", r, fd)
				}
			}
		})
	}
}

// TestPrivilegeSameAnswers checks that the tables with nothing to hide
// answer nobody exactly as they answer root (NULL shown as NULL, through
// quote()), and records which link_settings cells the kernel gives an
// unprivileged reader.
func TestPrivilegeSameAnswers(t *testing.T) {
	ns, _, _ := privNamespace(t)
	// quoted selects every visible column through quote(), so NULL and ''
	// differ in the JSON output.
	quoted := func(name string) string {
		var cols []string
		for _, c := range tables.Lookup(name).Spec().Columns {
			if c.Options&tables.Hidden == 0 {
				cols = append(cols, fmt.Sprintf("quote(%s) AS %s", quoteIdent(c.Name), quoteIdent(c.Name)))
			}
		}
		return "SELECT " + strings.Join(cols, ", ") + " FROM " + quoteIdent(name)
	}
	for _, name := range []string{"if_map", "netlink_addresses", "inet_devconf", "inet6_devconf"} {
		t.Run(name, func(t *testing.T) {
			sql := quoted(name)
			nstest.Eventually(t, func() error {
				asRoot, asNobody := privJSON(t, ns, false, sql), privJSON(t, ns, true, sql)
				if len(asRoot) == 0 {
					return fmt.Errorf("no rows as root")
				}
				if diff := cmp.Diff(asRoot, asNobody); diff != "" {
					return fmt.Errorf("nobody sees other rows than root (-root +nobody):\n%s", diff)
				}
				return nil
			})
		})
	}

	t.Run("link_settings", func(t *testing.T) {
		sql := quoted("link_settings") + " ORDER BY interface"
		asRoot, asNobody := privJSON(t, ns, false, sql), privJSON(t, ns, true, sql)
		if len(asRoot) != len(asNobody) {
			t.Fatalf("%d rows as root, %d as nobody:\n%v\n%v", len(asRoot), len(asNobody), asRoot, asNobody)
		}
		var filled, refused []string
		for i, r := range asNobody {
			for col, v := range r {
				switch rv := asRoot[i][col]; {
				case v == rv && v != "NULL":
					if r["interface"] == "'pva'" {
						filled = append(filled, col)
					}
				case v == "NULL" && rv != "NULL":
					refused = append(refused, r["interface"]+"."+col)
				case v != rv:
					t.Errorf("%s.%s: %s as nobody, %s as root: want the same or NULL", r["interface"], col, v, rv)
				}
			}
		}
		slices.Sort(filled)
		slices.Sort(refused)
		// On 6.18 ethtool's link modes, link info and ETHTOOL_GDRVINFO all
		// answer without CAP_NET_ADMIN: nothing is refused for a veth.
		t.Logf("link_settings of a veth as nobody: filled %v; NULL where root has a value: %v", filled, refused)
		if r := asNobody[slices.IndexFunc(asNobody, func(r map[string]string) bool { return r["interface"] == "'pva'" })]; r["isup"] != "1" {
			t.Errorf("pva as nobody: isup %s, want 1 (from rtnetlink, never refused)", r["isup"])
		}
	})

	t.Run("tcp_info", func(t *testing.T) {
		const sql = `SELECT local_port, remote_port, state, rtt_us IS NOT NULL AS has_rtt, congestion FROM tcp_info ORDER BY local_port, remote_port`
		asRoot, asNobody := privJSON(t, ns, false, sql), privJSON(t, ns, true, sql)
		if len(asRoot) < 6 {
			t.Fatalf("%d tcp_info rows as root, want the 6 sockets of the holders: %v", len(asRoot), asRoot)
		}
		if diff := cmp.Diff(asRoot, asNobody); diff != "" {
			t.Errorf("tcp_info differs for nobody (-root +nobody):\n%s", diff)
		}
		for _, r := range asNobody {
			if r["state"] == "ESTABLISHED" && r["has_rtt"] != "1" {
				t.Errorf("%v: no rtt_us for an ESTABLISHED socket as nobody", r)
			}
		}
	})
}

// TestPrivilegeNamespaces checks the namespace columns without
// CAP_SYS_ADMIN: a namespace nobody cannot enter gives no rows and a
// warning, not a failed query; its own namespace, named, still answers.
func TestPrivilegeNamespaces(t *testing.T) {
	ns, _, _ := privNamespace(t)
	other := nstest.New(t)
	other.Run("ip", "link", "add", "pother", "type", "veth", "peer", "name", "pother2")
	own := privJSON(t, ns, true, "SELECT interface FROM netlink_links ORDER BY interface")
	tests := []struct {
		name     string
		where    string
		wantRows []map[string]string
		warning  string
	}{
		{"pid 1's namespace", "pid_with_namespace = 1", nil, "permission denied"},
		{"another namespace by name", "netns = " + sqlQuote(other.Name), nil, "operation not permitted"},
		{"its own namespace by name", "netns = " + sqlQuote(ns.Name), own, ""},
		{"its own namespace and another", "netns IN (" + sqlQuote(ns.Name) + ", " + sqlQuote(other.Name) + ")", own, "operation not permitted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := privExec(t, ns, true, "--json", "SELECT interface FROM netlink_links WHERE "+tt.where+" ORDER BY interface")
			if r.status != 0 {
				t.Fatalf("exit %d, stderr:\n%s", r.status, r.stderr)
			}
			var rows []map[string]string
			if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
				t.Fatalf("not JSON rows: %v\n%s", err, r.stdout)
			}
			if diff := cmp.Diff(tt.wantRows, rows, cmpEmptyIsNil); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			switch {
			case tt.warning == "" && r.stderr != "":
				t.Errorf("stderr %q, want none", r.stderr)
			case tt.warning != "" && (!strings.HasPrefix(r.stderr, "Warning: ") || !strings.Contains(r.stderr, tt.warning)):
				t.Errorf("stderr %q, want a warning naming %q", r.stderr, tt.warning)
			}
		})
	}

	// --netns names the namespace for the whole run: one it cannot enter is
	// a one-line error.
	r := privExec(t, ns, true, "--netns", other.Name, "SELECT * FROM netlink_links")
	if r.status != 1 || strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "Error: ") {
		t.Errorf("--netns %s as nobody: exit %d, stderr %q; want 1 and one \"Error: \" line", other.Name, r.status, r.stderr)
	}
}

// cmpEmptyIsNil makes an empty result equal to no rows.
var cmpEmptyIsNil = cmp.FilterValues(func(a, b []map[string]string) bool { return len(a) == 0 && len(b) == 0 },
	cmp.Comparer(func(a, b []map[string]string) bool { return true }))

// sqlQuote is s as an SQL string literal.
func sqlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
