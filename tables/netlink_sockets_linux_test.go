package tables

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) < 6 || (f[0] != "tcp" && f[0] != "udp") {
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
	if diff := cmp.Diff(theirs, ours); diff != "" {
		t.Errorf("%s (-ss +ours):\n%s", what, diff)
	}
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
			if diff := cmp.Diff(tt.want, run(netlinkSockets, tt.cons, nil)); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
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
	for line := range strings.Lines(ns.Run("ss", "-xanOH")) {
		f := strings.Fields(line)
		if len(f) < 8 {
			continue
		}
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
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("unix_diag requests (-want +got):\n%s", diff)
			}
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
			if diff := cmp.Diff(tt.walks, walks); diff != "" {
				t.Errorf("walks (-want +got):\n%s", diff)
			}
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
