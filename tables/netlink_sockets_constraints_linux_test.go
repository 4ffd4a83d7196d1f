package tables

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// moreSockets holds, next to sockets.py, the sockets it lacks: a netlink
// socket connected to another's port id, UDP-Lite, MPTCP (whose subflows are
// TCP sockets too), TCP listeners bound to lo, and a UDP and an abstract unix
// socket created with euid 65534.
const moreSockets = `
import os, socket, time
keep = []
a = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0); a.bind((0, 0)); keep.append(a)
b = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0); b.bind((0, 0)); b.connect((a.getsockname()[0], 0)); keep.append(b)
def try_(f):
    try:
        f()
    except OSError:
        pass  # no UDP-Lite or MPTCP in this kernel: the comparison holds without them
def lite():
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, 136); u.bind(("127.0.0.1", 7201)); keep.append(u)
    u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM, 136); u6.bind(("::1", 7202)); u6.connect(("::1", 7202)); keep.append(u6)
def mptcp():
    l = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262); l.bind(("127.0.0.1", 7301)); l.listen(4); keep.append(l)
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262); c.connect(("127.0.0.1", 7301)); keep.append(c)
    keep.append(l.accept()[0])
try_(lite)
try_(mptcp)
for fam, addr, port in ((socket.AF_INET, "127.0.0.1", 7401), (socket.AF_INET6, "::1", 7402)):
    d = socket.socket(fam, socket.SOCK_STREAM); d.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"lo"); d.bind((addr, port)); d.listen(1); keep.append(d)
os.setegid(65534); os.seteuid(65534)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 7501)); keep.append(u)
x = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); x.bind("\0nlq-uid-%d" % os.getpid()); keep.append(x)
os.seteuid(0); os.setegid(0)
keep.append(socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))  # unnamed, unconnected
print("ready", flush=True)
time.sleep(600)
`

// startMoreSockets runs sockets.py and moreSockets in one fresh namespace and
// returns it with moreSockets' pid.
func startMoreSockets(t *testing.T) (*nstest.NS, int) {
	t.Helper()
	ns, _ := startSocketHolder(t)
	return ns, ns.StartReady("python3", "-c", moreSockets)
}

// socketRows reads tb in ns (the used columns) once unconstrained and once
// with state = 'BOUND', as BOUND sockets come only when a query asks for
// them, and leaves out the test's own sock_diag socket. It returns the rows
// of both, and rowsFor, the rows a query with constraints cons may keep from.
func socketRows(t *testing.T, tb Interface, ns netlinkx.NetNS, used []string) (rows []map[string]string, rowsFor func(cons map[string][]Constraint) []map[string]string) {
	t.Helper()
	all := slices.DeleteFunc(tableRows(t, tb, ns, nil, used), ownDiagSocket)
	bound := slices.DeleteFunc(tableRows(t, tb, ns, eq("state", "BOUND"), used), func(r map[string]string) bool {
		return r["state"] != "BOUND" || ownDiagSocket(r)
	})
	withBound := append(slices.Clip(all), bound...)
	return withBound, func(cons map[string][]Constraint) []map[string]string {
		if cons["state"] != nil {
			return withBound
		}
		return all
	}
}

// TestNetlinkSocketsEveryValue runs netlink_sockets with `col = v` for every
// value v each constrainable column takes in the namespace, and with the
// combinations of state, family, protocol, ports and pid each row has: every
// row that matches must come back (a missing row is a bug; extra rows are
// SQLite's to drop).
func TestNetlinkSocketsEveryValue(t *testing.T) {
	ns, _ := startMoreSockets(t)
	nsfd := ns.Open()
	key := func(r map[string]string) string {
		return fmt.Sprint(r["family"], "/", r["protocol"], "/", r["type"], " ", r["local_address"], ":", r["local_port"], "->",
			r["remote_address"], ":", r["remote_port"], " ", r["state"], " ino=", r["inode"], " cookie=", r["cookie"])
	}
	all, rowsFor := socketRows(t, netlinkSockets, nsfd, nil)
	check := func(cons map[string][]Constraint) {
		t.Helper()
		got := slices.DeleteFunc(tableRows(t, netlinkSockets, nsfd, cons, nil), ownDiagSocket)
		checkKeeps(t, rowsFor(cons), got, cons, key)
	}
	cols := []string{"family", "protocol", "type", "state", "local_address", "local_port", "remote_port", "pid", "uid", "interface"}
	seen := map[string]bool{}
	for _, c := range cols {
		for _, r := range all {
			if k := c + "=" + r[c]; !seen[k] {
				seen[k] = true
				check(eq(c, r[c]))
			}
		}
	}
	for _, r := range all {
		for _, cons := range []map[string][]Constraint{
			and(eq("state", r["state"]), eq("family", r["family"]), eq("protocol", r["protocol"])),
			and(eq("state", r["state"]), eq("local_port", r["local_port"])),
			and(eq("local_port", r["local_port"]), eq("remote_port", r["remote_port"])),
			and(eq("pid", r["pid"]), eq("local_port", r["local_port"])),
		} {
			if k := fmt.Sprint(cons); !seen[k] {
				seen[k] = true
				check(cons)
			}
		}
	}
	// The comparison means little unless the namespace has every kind of
	// socket the issue names: family/protocol/type/state of at least one row each.
	kinds := map[string]bool{}
	for _, r := range all {
		kinds[r["family"]+"/"+r["protocol"]+"/"+r["type"]+"/"+r["state"]] = true
	}
	for _, want := range []string{
		"inet/tcp/stream/LISTEN", "inet6/tcp/stream/LISTEN", "inet/tcp/stream/ESTABLISHED", "inet6/tcp/stream/ESTABLISHED",
		"inet/tcp/stream/TIME_WAIT", "inet/tcp/stream/FIN_WAIT2", "inet/tcp/stream/CLOSE_WAIT",
		"inet6/tcp/stream/FIN_WAIT2", "inet6/tcp/stream/CLOSE_WAIT", "inet/tcp/stream/BOUND",
		"inet/udp/dgram/NONE", "inet/udp/dgram/ESTABLISHED", "inet6/udp/dgram/NONE", "inet6/udp/dgram/ESTABLISHED",
		"unix//stream/LISTEN", "unix//stream/ESTABLISHED", "unix//stream/NONE", "unix//seqpacket/LISTEN",
		"unix//seqpacket/ESTABLISHED", "unix//dgram/NONE", "unix//dgram/ESTABLISHED",
		"netlink/route/raw/NONE", "netlink/route/raw/ESTABLISHED",
	} {
		if !kinds[want] {
			t.Errorf("no %s socket in the namespace", want)
		}
	}
}

// TestNetlinkSocketsInterfaceAndUID compares interface (the %dev ss prints
// after a bound socket's address) and uid with `ss -tuaneH` by cookie, and
// checks the uid of a unix socket created with euid 65534 (ss shows none).
func TestNetlinkSocketsInterfaceAndUID(t *testing.T) {
	nstest.NeedTool(t, "ss")
	ns, pid := startMoreSockets(t)
	type ifUID struct{ Interface, UID string }
	theirs := map[string]ifUID{}
	for _, l := range ssInetLines(ns.Run("ss", "-tuaneH")) {
		r := ifUID{UID: l.UID()}
		if local := l.Fields[4]; strings.LastIndexByte(local, '%') >= 0 {
			r.Interface = local[strings.LastIndexByte(local, '%')+1 : strings.LastIndexByte(local, ':')]
		}
		theirs[l.Cookie()] = r
	}
	ours := map[string]ifUID{}
	unixUID := ""
	for _, r := range tableRows(t, netlinkSockets, ns.Open(), nil, []string{"family", "protocol", "local_address", "cookie", "interface", "uid"}) {
		if r["protocol"] == "tcp" || r["protocol"] == "udp" {
			ours[r["cookie"]] = ifUID{r["interface"], r["uid"]}
		}
		if r["local_address"] == fmt.Sprintf("@nlq-uid-%d", pid) {
			unixUID = r["uid"]
		}
	}
	if diff := cmp.Diff(theirs, ours); diff != "" {
		t.Errorf("interface and uid vs ss -tuaneH by cookie (-ss +ours):\n%s", diff)
	}
	var bound, other int
	for _, r := range ours {
		if r.Interface == "lo" {
			bound++
		}
		if r.UID == "65534" {
			other++
		}
	}
	if bound != 2 || other != 1 {
		t.Errorf("%d sockets bound to lo (want 2), %d of uid 65534 (want 1)", bound, other)
	}
	if unixUID != "65534" {
		t.Errorf("unix socket made with euid 65534: uid %q", unixUID)
	}
}

// TestTCPInfoEveryValue is TestNetlinkSocketsEveryValue for tcp_info, whose
// dumps the same plan narrows.
func TestTCPInfoEveryValue(t *testing.T) {
	ns, _ := startMoreSockets(t)
	nsfd := ns.Open()
	used := []string{"cookie", "family", "local_address", "local_port", "remote_address", "remote_port", "state", "inode"}
	all, rowsFor := socketRows(t, tcpInfo, nsfd, used)
	if len(all) < 20 {
		t.Fatalf("only %d tcp_info rows", len(all))
	}
	seen := map[string]bool{}
	for _, r := range all {
		for _, cons := range []map[string][]Constraint{
			eq("family", r["family"]), eq("state", r["state"]), eq("local_port", r["local_port"]), eq("remote_port", r["remote_port"]),
			and(eq("state", r["state"]), eq("family", r["family"]), eq("local_port", r["local_port"]), eq("remote_port", r["remote_port"])),
		} {
			if k := fmt.Sprint(cons); !seen[k] {
				seen[k] = true
				checkKeeps(t, rowsFor(cons), tableRows(t, tcpInfo, nsfd, cons, used), cons, rowText)
			}
		}
	}
}
