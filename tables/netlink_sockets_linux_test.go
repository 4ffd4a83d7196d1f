package tables

import (
	"encoding/binary"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"golang.org/x/sys/unix"
)

// startSocketHolder holds nstest's sockets.py sockets (TCP, UDP and unix in
// known states) in a fresh namespace until the test ends.
func startSocketHolder(t *testing.T) (*nstest.NS, int) {
	t.Helper()
	ns := nstest.New(t)
	return ns, ns.HoldSockets()
}

// ssState is a psutil state name as ss prints it.
func ssState(s string) string {
	switch s {
	case "ESTABLISHED":
		return "ESTAB"
	case "NONE", "CLOSE":
		return "UNCONN"
	case "FIN_WAIT1", "FIN_WAIT2":
		return "FIN-WAIT-" + s[len(s)-1:]
	}
	return strings.ReplaceAll(s, "_", "-")
}

// ssHostPort prints an address and port as ss -n does.
func ssHostPort(family, addr, port string) string {
	if port == "0" {
		port = "*"
	}
	if family == "inet6" {
		if addr == "::" {
			return "*:" + port
		}
		return "[" + addr + "]:" + port
	}
	return addr + ":" + port
}

// ssSocket is what ss and netlink_sockets both say about a socket.
type ssSocket struct {
	Netid, State, RQ, WQ, Local, Peer, Inode, UID, PID, FD string
}

// ssInetLine is one tcp or udp line of `ss -tuan…eOH`: its fields, and
// the options after the sixth (ino:, uid:, users:, skmem: …) as key → value,
// a bare word (the congestion control) with value "".
type ssInetLine struct {
	Fields []string
	Opts   map[string]string
}

// Cookie is the socket's cookie (sk:, hexadecimal) in decimal.
func (l ssInetLine) Cookie() string {
	c, _ := strconv.ParseUint(l.Opts["sk"], 16, 64)
	return strconv.FormatUint(c, 10)
}

// UID is the socket's uid (uid:, which ss leaves out for 0).
func (l ssInetLine) UID() string {
	if uid, ok := l.Opts["uid"]; ok {
		return uid
	}
	return "0"
}

// ssInetLines reads the tcp and udp lines of `ss -tuan…eOH` output.
func ssInetLines(out string) []ssInetLine {
	var lines []ssInetLine
	for _, f := range toolRows(out, 6) {
		if f[0] != "tcp" && f[0] != "udp" {
			continue
		}
		l := ssInetLine{Fields: f, Opts: map[string]string{}}
		for _, kv := range f[6:] {
			k, v, _ := strings.Cut(kv, ":")
			l.Opts[k] = v
		}
		lines = append(lines, l)
	}
	return lines
}

// parseSSInet reads `ss -tuaneOH`-style lines (with -p when withProc) keyed by cookie in decimal.
func parseSSInet(out string) map[string]ssSocket {
	rows := map[string]ssSocket{}
	for _, l := range ssInetLines(out) {
		f := l.Fields
		r := ssSocket{Netid: f[0], State: f[1], RQ: f[2], WQ: f[3], Local: f[4], Peer: strings.Replace(f[5], "[::]:", "*:", 1),
			Inode: l.Opts["ino"], UID: l.UID(), PID: "-1", FD: "-1"}
		// users:(("python3",pid=123,fd=4))
		for _, part := range strings.Split(strings.Trim(l.Opts["users"], "()"), ",") {
			if v, ok := strings.CutPrefix(part, "pid="); ok {
				r.PID = v
			}
			if v, ok := strings.CutPrefix(part, "fd="); ok {
				r.FD = v
			}
		}
		rows[l.Cookie()] = r
	}
	return rows
}

// checkSS compares our sockets with what ss printed, keyed alike, after
// checking that we found at least least of them (those the test made).
func checkSS[K comparable, V any](t *testing.T, what string, least int, theirs, ours map[K]V) {
	t.Helper()
	if len(ours) < least {
		t.Errorf("%s: only %d sockets of ours, want at least %d", what, len(ours), least)
	}
	checkSame(t, theirs, ours, "%s (-ss +ours)", what)
}

// asSS prints a netlink_sockets row as ss would.
func asSS(r map[string]string) ssSocket {
	pid, fd := r["pid"], r["fd"]
	if pid == "" {
		pid, fd = "-1", "-1"
	}
	return ssSocket{
		Netid: r["protocol"], State: ssState(r["state"]), RQ: r["rx_queue"], WQ: r["tx_queue"],
		Local: ssHostPort(r["family"], r["local_address"], r["local_port"]),
		Peer:  ssHostPort(r["family"], r["remote_address"], r["remote_port"]),
		Inode: r["inode"], UID: r["uid"], PID: pid, FD: fd,
	}
}

func TestNetlinkSocketsMatchesSS(t *testing.T) {
	nstest.NeedTool(t, "ss")
	ns, _ := startSocketHolder(t)
	rows := tableRows(t, netlinkSockets, ns.Open(), nil, nil)
	ours := map[string]ssSocket{}
	for _, r := range rows {
		if r["protocol"] == "tcp" || r["protocol"] == "udp" {
			ours[r["cookie"]] = asSS(r)
		}
	}
	theirs := parseSSInet(ns.Run("ss", "-tuanepOH"))
	if netlinkSockets.Spec().Index("pid") < 0 {
		for k, r := range theirs {
			r.PID, r.FD = "-1", "-1"
			theirs[k] = r
		}
	}
	checkSS(t, "netlink_sockets vs ss -tuanepOH, by cookie", 23, theirs, ours)
	// Spot checks of what ss shows differently.
	want := map[string]string{
		"127.0.0.1:7004/LISTEN":             "rx_queue=2 tx_queue=9", // accept queue and backlog
		"::ffff:127.0.0.1:7003/ESTABLISHED": "family=inet6",
		":::7003/LISTEN":                    "family=inet6",
		"127.0.0.1:7101/NONE":               "remote_address=0.0.0.0",
		"127.0.0.1:7102/ESTABLISHED":        "protocol=udp",
	}
	for _, r := range rows {
		k := r["local_address"] + ":" + r["local_port"] + "/" + r["state"]
		if w, ok := want[k]; ok {
			for _, kv := range strings.Fields(w) {
				col, v, _ := strings.Cut(kv, "=")
				if r[col] != v {
					t.Errorf("%s: %s = %q, want %q", k, col, r[col], v)
				}
			}
			delete(want, k)
		}
	}
	if len(want) != 0 {
		t.Errorf("rows not found: %v", want)
	}
}

// TestNetlinkSocketsBound checks that BOUND sockets come only when asked for.
func TestNetlinkSocketsBound(t *testing.T) {
	ns, _ := startSocketHolder(t)
	nsfd := ns.Open()
	find := func(rows []map[string]string) string {
		for _, r := range rows {
			if r["local_port"] == "7005" {
				return r["state"]
			}
		}
		return ""
	}
	if s := find(tableRows(t, netlinkSockets, nsfd, nil, nil)); s != "" {
		t.Errorf("bound socket listed without state = 'BOUND', as %s", s)
	}
	if s := find(tableRows(t, netlinkSockets, nsfd, eq("state", "BOUND", "LISTEN"), nil)); s != "BOUND" {
		t.Errorf("state IN ('BOUND', 'LISTEN'): port 7005 in state %q, want BOUND", s)
	}
}

// TestNetlinkSocketsPushdown checks the requests a query sends.
func TestNetlinkSocketsPushdown(t *testing.T) {
	ns := nstest.New(t).Open()
	type req struct {
		Family   uint8
		Protocol uint32
		States   uint32
		SPort    uint16
		Ext      uint8
	}
	run := func(tb Interface, cons map[string][]Constraint, used []string) []req {
		var got []req
		inetDumpHook = func(r netlinkx.InetDiagReq) {
			got = append(got, req{r.Family, r.Protocol, r.States, r.SPort, r.Ext})
		}
		defer func() { inetDumpHook = nil }()
		tableRows(t, tb, ns, cons, used)
		return got
	}
	const listen = 1 << netlinkx.TCP_LISTEN
	tests := []struct {
		name string
		cons map[string][]Constraint
		want []req
	}{
		{"state family protocol port", and(eq("state", "LISTEN"), eq("family", "inet"), eq("protocol", "tcp"), eq("local_port", "22")),
			[]req{{unix.AF_INET, unix.IPPROTO_TCP, listen, 22, 0}}},
		{"udp NONE", and(eq("state", "NONE"), eq("protocol", "udp")),
			[]req{{unix.AF_INET, unix.IPPROTO_UDP, 1 << netlinkx.TCP_CLOSE, 0, 0}, {unix.AF_INET6, unix.IPPROTO_UDP, 1 << netlinkx.TCP_CLOSE, 0, 0}}},
		{"tcp of both families is one dump", and(eq("state", "LISTEN"), eq("protocol", "tcp")),
			[]req{{unix.AF_UNSPEC, unix.IPPROTO_TCP, listen, 0, 0}}},
		{"tcp NONE dumps nothing", and(eq("state", "NONE"), eq("protocol", "tcp")), nil},
		{"BOUND", and(eq("state", "BOUND"), eq("protocol", "tcp"), eq("family", "inet6")),
			[]req{{unix.AF_INET6, unix.IPPROTO_TCP, 1 << netlinkx.TCP_BOUND_INACTIVE, 0, 0}}},
		{"unknown family", eq("family", "ax25"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkSame(t, tt.want, run(netlinkSockets, tt.cons, nil), "requests (-want +got)")
		})
	}
	t.Run("unconstrained", func(t *testing.T) {
		got := run(netlinkSockets, nil, nil)
		// One per family and protocol, but one for TCP of both families.
		if len(got) != 2*len(inetProtocols)-1 {
			t.Errorf("%d inet dumps, want %d", len(got), 2*len(inetProtocols)-1)
		}
		if !slices.Contains(got, req{unix.AF_UNSPEC, unix.IPPROTO_TCP, ssAllStates, 0, 0}) {
			t.Errorf("requests %+v: want TCP of both families in one (AF_UNSPEC)", got)
		}
		for _, r := range got {
			if r.States != ssAllStates || r.Ext != 0 {
				t.Errorf("unconstrained request %+v: want states %#x as ss -a, no extensions", r, ssAllStates)
			}
		}
	})
}

// TestNetlinkSocketsUnixMatchesSS compares the unix rows with `ss -xanpOH`:
// stream, dgram and seqpacket sockets with path, abstract and no names.
func TestNetlinkSocketsUnixMatchesSS(t *testing.T) {
	nstest.NeedTool(t, "ss")
	ns, _ := startSocketHolder(t)
	type unixSock struct{ Type, State, RQ, WQ, Path, Peer string }
	theirs := map[string]unixSock{}
	for _, f := range toolRows(ns.Run("ss", "-xanOH"), 8) {
		path := f[4]
		if path == "*" {
			path = ""
		}
		typ := map[string]string{"u_str": "stream", "u_dgr": "dgram", "u_seq": "seqpacket"}[f[0]]
		theirs[f[5]] = unixSock{typ, f[1], f[2], f[3], path, f[7]}
	}
	ours := map[string]unixSock{}
	for _, r := range tableRows(t, netlinkSockets, ns.Open(), eq("family", "unix"), nil) {
		if r["family"] != "unix" || r["protocol"] != "" || r["local_port"] != "0" || r["interface"] != "" {
			t.Errorf("unix row %v", r)
		}
		ours[r["inode"]] = unixSock{r["type"], ssState(r["state"]), r["rx_queue"], r["tx_queue"], r["local_address"], r["unix_peer_inode"]}
	}
	checkSS(t, "unix rows vs ss -xanOH by inode", 13, theirs, ours)
}

// TestNetlinkSocketsUnixPushdown checks when the unix_diag dump runs and what it asks for.
func TestNetlinkSocketsUnixPushdown(t *testing.T) {
	ns := nstest.New(t).Open()
	tests := []struct {
		name string
		cons map[string][]Constraint
		used []string
		want []netlinkx.UnixDiagReq
	}{
		{"listeners", eq("state", "LISTEN"), []string{"inode"}, []netlinkx.UnixDiagReq{{NetNS: ns, States: 1 << netlinkx.TCP_LISTEN}}},
		{"names and peers", nil, []string{"local_address", "unix_peer_inode"}, []netlinkx.UnixDiagReq{{NetNS: ns, Show: netlinkx.UDIAG_SHOW_NAME | netlinkx.UDIAG_SHOW_PEER}}},
		{"tcp only", eq("protocol", "tcp"), nil, nil},
		{"a port", eq("local_port", "22"), nil, nil},
		{"inet only", eq("family", "inet"), nil, nil},
		{"a state unix never has", eq("state", "TIME_WAIT"), nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []netlinkx.UnixDiagReq
			unixDumpHook = func(r netlinkx.UnixDiagReq) { got = append(got, r) }
			defer func() { unixDumpHook = nil }()
			tableRows(t, netlinkSockets, ns, tt.cons, tt.used)
			checkSame(t, tt.want, got, "unix_diag requests (-want +got)")
		})
	}
}

// ownDiagSocket is the sock_diag socket a query itself opens: a new one
// (new inode and cookie) in every run.
func ownDiagSocket(r map[string]string) bool {
	return r["family"] == "netlink" && r["protocol"] == "sock_diag" && r["local_port"] != "0"
}

// TestNetlinkSocketsOwnerWalk checks when the /proc walk runs and over which pids.
func TestNetlinkSocketsOwnerWalk(t *testing.T) {
	ns, holder := startSocketHolder(t)
	nsfd := ns.Open()
	tests := []struct {
		name  string
		cons  map[string][]Constraint
		used  []string
		walks [][]int32
	}{
		{"no process column", eq("state", "LISTEN"), []string{"local_port", "inode"}, nil},
		{"pid used", nil, []string{"inode", "pid"}, [][]int32{nil}},
		{"process_name used", nil, []string{"process_name"}, [][]int32{nil}},
		{"pid = N", eq("pid", strconv.Itoa(holder)), []string{"pid"}, [][]int32{{int32(holder)}}},
		{"pid = -1", eq("pid", "-1"), []string{"pid"}, [][]int32{nil}},
		{"pid = 0 or N", eq("pid", "0", strconv.Itoa(holder)), []string{"pid"}, [][]int32{nil}},
		{"pid = text", eq("pid", "x"), []string{"pid"}, [][]int32{nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var walks [][]int32
			ownerWalkHook = func(p []int32) { walks = append(walks, p) }
			defer func() { ownerWalkHook = nil }()
			rows := tableRows(t, netlinkSockets, nsfd, tt.cons, tt.used)
			checkSame(t, tt.walks, walks, "walks (-want +got)")
			if tt.name == "pid = N" {
				if len(rows) < 30 {
					t.Errorf("%d rows for the holder's pid", len(rows))
				}
				for _, r := range rows {
					if r["pid"] != strconv.Itoa(holder) {
						t.Errorf("pid = %d returned a row of pid %s", holder, r["pid"])
					}
				}
			}
		})
	}
}

// familiesHolder holds a bound NETLINK_ROUTE raw socket, a NETLINK_GENERIC
// dgram socket, and two packet sockets (SOCK_RAW ETH_P_ALL, SOCK_DGRAM ETH_P_IP).
const familiesHolder = `
import socket, sys, time
a = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0); a.bind((0, 0))
b = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 16); b.bind((0, 0))
p = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
d = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x800))
print("ready", flush=True)
time.sleep(600)
`

// TestNetlinkSocketsNetlinkAndPacketMatchSS compares the netlink and packet
// rows of netlink_sockets with `ss -A netlink -aHn` and `ss -0 -aHne` in a
// namespace the test made: the same sockets (protocol and port id; packet
// inode), the same queues, and the holder's pid on its own sockets.
func TestNetlinkSocketsNetlinkAndPacketMatchSS(t *testing.T) {
	nstest.NeedTool(t, "ss", "python3")
	n := nstest.New(t)
	holder := strconv.Itoa(n.StartReady("python3", "-c", familiesHolder))
	ns := n.Open()

	// netlink: "UNCONN RQ WQ PROTO:PORTID *"; the dumping sockets of ss and of
	// this test (sock_diag with a port id) differ between the two and are left out.
	type nlSock struct{ RQ, WQ string }
	theirs := map[string]nlSock{}
	for _, f := range toolRows(n.Run("ss", "-A", "netlink", "-aHn"), 4) {
		proto, port, _ := strings.Cut(f[3], ":")
		pn, err := strconv.Atoi(proto)
		if err != nil {
			t.Fatalf("ss line %q", f)
		}
		name := netlinkx.NetlinkProtocolName(uint8(pn))
		if name == "sock_diag" && port != "0" {
			continue
		}
		theirs[name+":"+port] = nlSock{f[1], f[2]}
	}
	ours := map[string]nlSock{}
	var holderRows []string
	for _, r := range tableRows(t, netlinkSockets, ns, eq("family", "netlink", "packet"), nil) {
		if r["pid"] == holder {
			holderRows = append(holderRows, r["family"]+"/"+r["protocol"]+"/"+r["type"])
		}
		if r["family"] != "netlink" || ownDiagSocket(r) {
			continue
		}
		ours[r["protocol"]+":"+r["local_port"]] = nlSock{r["rx_queue"], r["tx_queue"]}
	}
	if len(theirs) < 3 {
		t.Fatalf("ss lists only %d netlink sockets", len(theirs))
	}
	checkSame(t, theirs, ours, "netlink sockets vs ss -A netlink -aHn (-ss +ours)")
	want := []string{"netlink/route/raw", "netlink/generic/dgram", "packet/all/raw", "packet/ip/dgram"}
	checkLines(t, want, holderRows, "the holder's sockets by pid (-want +got)")

	// packet: "p_raw UNCONN RQ WQ LOCAL * ino:INODE sk:..."
	type pktSock struct{ Type, RQ, WQ string }
	theirPkts := map[string]pktSock{}
	for _, f := range toolRows(n.Run("ss", "-0", "-aHne"), 7) {
		if !strings.HasPrefix(f[6], "ino:") {
			continue
		}
		typ := map[string]string{"p_raw": "raw", "p_dgr": "dgram"}[f[0]]
		theirPkts[strings.TrimPrefix(f[6], "ino:")] = pktSock{typ, f[2], f[3]}
	}
	ourPkts := map[string]pktSock{}
	for _, r := range tableRows(t, netlinkSockets, ns, eq("family", "packet"), nil) {
		ourPkts[r["inode"]] = pktSock{r["type"], r["rx_queue"], r["tx_queue"]}
	}
	if len(theirPkts) != 2 {
		t.Errorf("ss -0 lists %d packet sockets, want the holder's 2", len(theirPkts))
	}
	checkSame(t, theirPkts, ourPkts, "packet sockets vs ss -0 -aHne by inode (-ss +ours)")
}

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

// TestNetlinkSocketsConstraints checks that every pushed-down constraint
// gives the rows SQLite would keep from the unconstrained table.
func TestNetlinkSocketsConstraints(t *testing.T) {
	ns, holder := startSocketHolder(t)
	nsfd := ns.Open()
	key := func(r map[string]string) string {
		return fmt.Sprint(r["family"], r["protocol"], r["local_address"], r["local_port"], r["remote_address"], r["remote_port"], r["state"], r["inode"], r["cookie"])
	}
	all := slices.DeleteFunc(tableRows(t, netlinkSockets, nsfd, nil, nil), ownDiagSocket)
	many := make([]string, 5000)
	for i := range many {
		many[i] = strconv.Itoa(i + 6000)
	}
	tests := []consCase{
		{"state LISTEN", eq("state", "LISTEN")},
		{"state NONE", eq("state", "NONE")},
		{"state CLOSE", eq("state", "CLOSE")},
		{"state IN", eq("state", "ESTABLISHED", "TIME_WAIT", "FIN_WAIT2", "CLOSE_WAIT")},
		{"state SYN_RECV", eq("state", "SYN_RECV")},
		{"state nonsense", eq("state", "listen")},
		{"family inet6", eq("family", "inet6")},
		{"family unix", eq("family", "unix")},
		{"protocol udp", eq("protocol", "udp")},
		{"protocol tcp inet", and(eq("protocol", "tcp"), eq("family", "inet"))},
		{"protocol empty", eq("protocol", "")},
		{"local_port", eq("local_port", "7001")},
		{"remote_port", eq("remote_port", "7001")},
		{"both ports", and(eq("local_port", "7001"), eq("remote_port", "7001"))},
		{"local_port IN", eq("local_port", "7001", "7101", "7002")},
		{"local_port huge IN", eq("local_port", many...)},
		{"local_port http", eq("local_port", "http")},
		{"local_port 0", eq("local_port", "0")},
		{"local_port 70000", eq("local_port", "70000")},
		{"pid", eq("pid", strconv.Itoa(holder))},
		{"pid IN", eq("pid", strconv.Itoa(holder), "1")},
		{"pid -1", eq("pid", "-1")},
		{"pid text", eq("pid", "python3")},
		{"pid huge", eq("pid", "99999999999")},
		{"process_name", eq("process_name", "python3")},
		{"everything", and(eq("state", "LISTEN"), eq("family", "inet"), eq("protocol", "tcp"), eq("local_port", "7004"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkKeeps(t, all, slices.DeleteFunc(tableRows(t, netlinkSockets, nsfd, tt.cons, nil), ownDiagSocket), tt.cons, key)
		})
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
	checkSame(t, theirs, ours, "interface and uid vs ss -tuaneH by cookie (-ss +ours)")
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

// TestSocketsCgroup moves a listener into a test cgroup before it opens its
// sockets and finds that cgroup's path in the cgroup column of
// netlink_sockets and tcp_info, as `ss -Htan --cgroup` shows it.
func TestSocketsCgroup(t *testing.T) {
	nstest.NeedTool(t, "ss", "python3", "nsenter")
	ns := nstest.New(t)
	rel, dir := nstest.Cgroup(t)
	const port = 47311
	// The shell joins the cgroup, then becomes the listener (same pid):
	// a socket belongs to the cgroup its creator was in at socket().
	// nsenter, not ip netns exec: that mounts a sysfs of its own, without
	// the cgroup2 hierarchy under /sys/fs/cgroup.
	nsenter := func(args ...string) *exec.Cmd {
		return exec.Command("nsenter", append([]string{"--net=/run/netns/" + ns.Name}, args...)...)
	}
	nstest.StartReady(t, nsenter("sh", "-c", `echo $$ > "$0/cgroup.procs" && exec python3 -c "$1" "$2"`, dir, nstest.Listener, strconv.Itoa(port)))
	id := strconv.FormatUint(nstest.FileInode(t, dir), 10)
	fd := ns.Open()

	// ss -Htan --cgroup: "STATE RQ SQ LOCAL PEER cgroup:PATH", one line per socket.
	var want []string
	out, err := nsenter("ss", "-Htan", "--cgroup").Output()
	if err != nil {
		t.Fatalf("ss -Htan --cgroup: %v", err)
	}
	for _, f := range toolRows(string(out), 6) {
		if !strings.HasPrefix(f[5], "cgroup:") {
			continue
		}
		want = append(want, f[3]+" "+f[4]+" "+strings.TrimPrefix(f[5], "cgroup:"))
	}
	if len(want) != 3 {
		t.Fatalf("ss shows %d sockets with a cgroup, want 3: %q", len(want), want)
	}
	for _, l := range want {
		if !strings.HasSuffix(l, " "+rel) {
			t.Errorf("ss shows %q, want cgroup %s", l, rel)
		}
	}
	for _, tb := range []Interface{netlinkSockets, tcpInfo} {
		t.Run(tb.Spec().Name, func(t *testing.T) {
			cons := eq("family", "inet")
			var got []string
			for _, r := range tableRows(t, tb, fd, cons, []string{"family", "local_address", "local_port", "remote_address", "remote_port", "cgroup_id", "cgroup"}) {
				if r["cgroup_id"] != id {
					t.Errorf("cgroup_id %s, want %s (the inode of %s)", r["cgroup_id"], id, dir)
				}
				peer := r["remote_address"] + ":" + r["remote_port"]
				if r["remote_port"] == "0" {
					peer = "0.0.0.0:*"
				}
				got = append(got, r["local_address"]+":"+r["local_port"]+" "+peer+" "+r["cgroup"])
			}
			checkLines(t, want, got, "(-ss --cgroup +%s)", tb.Spec().Name)
		})
	}
	// A constraint on cgroup narrows no dump and starts no /proc walk.
	walked := false
	ownerWalkHook = func([]int32) { walked = true }
	defer func() { ownerWalkHook = nil }()
	rows := tableRows(t, netlinkSockets, fd, eq("cgroup", rel), []string{"cgroup", "local_port"})
	n := 0
	for _, r := range rows {
		if r["cgroup"] == rel {
			n++
		}
	}
	if n != 3 || walked {
		t.Errorf("WHERE cgroup = %q: %d matching rows (want 3), /proc walked: %v", rel, n, walked)
	}
}

// sctpDiagMsg builds an inet_diag_msg as sctp_diag sends it: a socket with
// its local addresses (INET_DIAG_LOCALS), or, with peers, an association
// that also carries INET_DIAG_PEERS.
func sctpDiagMsg(state uint8, peers bool) []byte {
	b := make([]byte, 72)
	b[0], b[1] = unix.AF_INET, state
	attr := func(typ uint16, n int) {
		h := make([]byte, 4+n)
		binary.NativeEndian.PutUint16(h[0:2], uint16(4+n))
		binary.NativeEndian.PutUint16(h[2:4], typ)
		b = append(b, h...)
	}
	attr(netlinkx.INET_DIAG_LOCALS, 128) // one sockaddr_storage
	if peers {
		attr(netlinkx.INET_DIAG_PEERS, 128)
	}
	return b
}

// TestSCTPStates checks the state names of SCTP rows: a socket's state is
// TCP_* (SCTP_SS_LISTENING is TCP_LISTEN), an association's SCTP_STATE_*.
// No kernel here has sctp_diag, so the messages are built as the kernel's
// net/sctp/diag.c fills them.
func TestSCTPStates(t *testing.T) {
	tests := []struct {
		name  string
		proto uint32
		state uint8
		peers bool
		want  string
	}{
		{"listening socket", unix.IPPROTO_SCTP, netlinkx.TCP_LISTEN, false, "LISTEN"},
		{"one-to-one socket", unix.IPPROTO_SCTP, netlinkx.TCP_ESTABLISHED, false, "ESTABLISHED"},
		{"closed socket", unix.IPPROTO_SCTP, netlinkx.TCP_CLOSE, false, "CLOSE"},
		{"association, COOKIE_WAIT", unix.IPPROTO_SCTP, 1, true, "COOKIE_WAIT"},
		{"association, COOKIE_ECHOED", unix.IPPROTO_SCTP, 2, true, "COOKIE_ECHOED"},
		{"association, ESTABLISHED", unix.IPPROTO_SCTP, 3, true, "ESTABLISHED"},
		{"association, SHUTDOWN_ACK_SENT", unix.IPPROTO_SCTP, 7, true, "SHUTDOWN_ACK_SENT"},
		{"association, CLOSED", unix.IPPROTO_SCTP, 0, true, "CLOSED"},
		{"association, unknown state", unix.IPPROTO_SCTP, 10, true, "UNKNOWN"},
		{"TCP is never an association", unix.IPPROTO_TCP, netlinkx.TCP_SYN_SENT, true, "SYN_SENT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m netlinkx.InetDiagMsg
			if err := m.UnmarshalBinary(sctpDiagMsg(tt.state, tt.peers)); err != nil {
				t.Fatal(err)
			}
			m.Protocol = tt.proto
			if got := (&inetSock{InetDiagMsg: &m}).StateName(); got != tt.want {
				t.Errorf("state = %q, want %q", got, tt.want)
			}
		})
	}
}
