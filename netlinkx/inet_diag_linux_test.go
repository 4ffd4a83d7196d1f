package netlinkx_test

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"golang.org/x/sys/unix"
)

// ssAllStates is the idiag_states mask `ss -a` sends: SS_ALL of iproute2
// 6.1, every state up to TCP_NEW_SYN_RECV.
const ssAllStates = 1<<(netlinkx.TCP_NEW_SYN_RECV+1) - 1

// startSockets holds nstest's sockets.py sockets in a fresh namespace.
func startSockets(t *testing.T) (*nstest.NS, int) {
	t.Helper()
	ns := nstest.New(t)
	return ns, ns.HoldSockets()
}

// inetRow is what both ss and DumpInet say about one inet socket.
type inetRow struct {
	Proto, State  string
	RQ, WQ        uint32
	Local, Remote string
	Inode, UID    uint32
}

// dumpAll dumps TCP and UDP over both families as `ss -tua` asks.
func dumpAll(t *testing.T, ns netlinkx.NetNS, ext uint8, fn func(*netlinkx.InetDiagMsg)) {
	t.Helper()
	for _, p := range []uint32{unix.IPPROTO_TCP, unix.IPPROTO_UDP} {
		for _, f := range []uint8{unix.AF_INET, unix.AF_INET6} {
			req := netlinkx.InetDiagReq{NetNS: ns, Family: f, Protocol: p, States: ssAllStates, Ext: ext}
			err := netlinkx.DumpInet(t.Context(), req, func(m *netlinkx.InetDiagMsg) error { fn(m); return nil })
			if err != nil {
				t.Fatal(err)
			}
		}
	}
}

func ssStateOf(proto string, state uint8) string {
	if state == netlinkx.TCP_CLOSE && proto != "tcp" {
		return "UNCONN"
	}
	return map[uint8]string{1: "ESTAB", 2: "SYN-SENT", 3: "SYN-RECV", 4: "FIN-WAIT-1", 5: "FIN-WAIT-2", 6: "TIME-WAIT",
		7: "UNCONN", 8: "CLOSE-WAIT", 9: "LAST-ACK", 10: "LISTEN", 11: "CLOSING"}[state]
}

// ssAddr prints an address and port as ss -n does.
func ssAddr(family uint8, a netip.Addr, port uint16) string {
	p := strconv.Itoa(int(port))
	if port == 0 {
		p = "*"
	}
	if family == unix.AF_INET6 {
		if a.IsUnspecified() {
			return "*:" + p // ss prints the v6 wildcard as * (and [::] as the peer of a v6only socket; normalised below)
		}
		return "[" + a.String() + "]:" + p
	}
	return a.String() + ":" + p
}

// parseSS reads `ss -tuaneOH` lines into rows by cookie.
func parseSS(t *testing.T, out string) map[uint64]inetRow {
	rows := map[uint64]inetRow{}
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) < 6 {
			continue
		}
		r := inetRow{Proto: f[0], State: f[1], Local: f[4], Remote: f[5]}
		rq, _ := strconv.ParseUint(f[2], 10, 32)
		wq, _ := strconv.ParseUint(f[3], 10, 32)
		r.RQ, r.WQ = uint32(rq), uint32(wq)
		var cookie uint64
		for _, kv := range f[6:] {
			k, v, _ := strings.Cut(kv, ":")
			switch k {
			case "ino":
				n, _ := strconv.ParseUint(v, 10, 32)
				r.Inode = uint32(n)
			case "uid":
				n, _ := strconv.ParseUint(v, 10, 32)
				r.UID = uint32(n)
			case "sk":
				cookie, _ = strconv.ParseUint(v, 16, 64)
			}
		}
		r.Remote = strings.Replace(r.Remote, "[::]:", "*:", 1)
		rows[cookie] = r
	}
	return rows
}

func TestDumpInetMatchesSS(t *testing.T) {
	nstest.NeedTool(t, "ss")
	ns, _ := startSockets(t)
	nsfd := ns.Open()
	ours := map[uint64]inetRow{}
	dumpAll(t, nsfd, 0, func(m *netlinkx.InetDiagMsg) {
		proto := map[uint32]string{unix.IPPROTO_TCP: "tcp", unix.IPPROTO_UDP: "udp"}[m.Protocol]
		ours[m.ID.Cookie] = inetRow{
			Proto: proto, State: ssStateOf(proto, m.State), RQ: m.RQueue, WQ: m.WQueue,
			Local:  ssAddr(m.Family, m.SrcAddr(), m.ID.SPort),
			Remote: ssAddr(m.Family, m.DstAddr(), m.ID.DPort),
			Inode:  m.Inode, UID: m.UID,
		}
	})
	theirs := parseSS(t, ns.Run("ss", "-tuaneOH"))
	if len(ours) < 20 {
		t.Errorf("only %d sockets dumped", len(ours))
	}
	if diff := cmp.Diff(theirs, ours); diff != "" {
		t.Errorf("DumpInet vs ss -tuaneOH by cookie (-ss +ours):\n%s", diff)
	}
}

func TestDumpInetAbsentProtocol(t *testing.T) {
	nstest.NeedRoot(t)
	ns := nstest.New(t).Open()
	// This kernel may lack raw_diag or sctp_diag (ENOENT): no rows, no error.
	for _, p := range []uint32{unix.IPPROTO_RAW, unix.IPPROTO_SCTP, unix.IPPROTO_MPTCP, unix.IPPROTO_UDPLITE, 200} {
		err := netlinkx.DumpInet(t.Context(), netlinkx.InetDiagReq{NetNS: ns, Family: unix.AF_INET, Protocol: p, States: ^uint32(0)},
			func(*netlinkx.InetDiagMsg) error { return nil })
		if err != nil {
			t.Errorf("protocol %d: %v", p, err)
		}
	}
}

// TestDumpInetPortFilter asks the kernel for some ports only, one port in
// the request's id or several in a bytecode filter, and compares with the
// unfiltered dump filtered here.
func TestDumpInetPortFilter(t *testing.T) {
	ns, _ := startSockets(t)
	nsfd := ns.Open()
	dump := func(req netlinkx.InetDiagReq) []string {
		t.Helper()
		req.NetNS, req.States = nsfd, ssAllStates
		out := dumped(t, netlinkx.DumpInet, req, func(m *netlinkx.InetDiagMsg) string { return fmt.Sprintf("%d>%d", m.ID.SPort, m.ID.DPort) }, nil)
		slices.Sort(out)
		return out
	}
	all := dump(netlinkx.InetDiagReq{Family: unix.AF_INET, Protocol: unix.IPPROTO_TCP})
	many := make([]uint16, 2000)
	for i := range many {
		many[i] = uint16(20000 + i)
	}
	for _, tt := range []struct {
		name           string
		sport, dport   uint16
		sports, dports []uint16
	}{
		{name: "one local port", sport: 7004},
		{name: "local ports", sports: []uint16{7004, 7001, 9}},
		{name: "remote ports", dports: []uint16{7001, 7004}},
		{name: "local and remote", sports: []uint16{7001, 7004}, dports: []uint16{7004, 0}},
		{name: "port 0 and 65535", sports: []uint16{0, 65535}},
		{name: "2000 ports and one that is there", sports: append(slices.Clone(many), 7004)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var want []string
			in := func(p uint16, one uint16, list []uint16) bool {
				return one == 0 && list == nil || one != 0 && p == one || slices.Contains(list, p)
			}
			for _, r := range all {
				var sp, dp uint16
				fmt.Sscanf(r, "%d>%d", &sp, &dp)
				if in(sp, tt.sport, tt.sports) && in(dp, tt.dport, tt.dports) {
					want = append(want, r)
				}
			}
			got := dump(netlinkx.InetDiagReq{Family: unix.AF_INET, Protocol: unix.IPPROTO_TCP,
				SPort: tt.sport, DPort: tt.dport, SPorts: tt.sports, DPorts: tt.dports})
			checkDiff(t, "sockets (-filtered here +by the kernel)", want, got)
			if tt.name == "one local port" && len(got) != 3 { // the listener and the two connections in its accept queue
				t.Errorf("%d sockets on port 7004, want 3", len(got))
			}
		})
	}
}

func TestDumpInetTCPInfo(t *testing.T) {
	ns, _ := startSockets(t)
	nsfd := ns.Open()
	ext := netlinkx.ExtBit(netlinkx.INET_DIAG_INFO) | netlinkx.ExtBit(netlinkx.INET_DIAG_CONG) | netlinkx.ExtBit(netlinkx.INET_DIAG_SKMEMINFO) | netlinkx.ExtBit(netlinkx.INET_DIAG_SHUTDOWN)
	seen := 0
	dumpAll(t, nsfd, ext, func(m *netlinkx.InetDiagMsg) {
		if m.Protocol != unix.IPPROTO_TCP || m.State == netlinkx.TCP_TIME_WAIT {
			return
		}
		var ti netlinkx.TCPInfo
		sent, err := netlinkx.DecodeTCPInfo(m.Info, &ti)
		if err != nil || sent == 0 {
			t.Errorf("inode %d: tcp_info %d bytes: %v", m.Inode, sent, err)
			return
		}
		if ti.State != m.State {
			t.Errorf("inode %d: tcpi_state %d, idiag_state %d", m.Inode, ti.State, m.State)
		}
		if len(m.Cong) == 0 || !m.Has(netlinkx.INET_DIAG_SHUTDOWN) {
			t.Errorf("inode %d: cong %q, shutdown sent %v", m.Inode, m.Cong, m.Has(netlinkx.INET_DIAG_SHUTDOWN))
		}
		if _, ok := m.SKMemInfoValue(unix.SK_MEMINFO_DROPS); !ok {
			t.Errorf("inode %d: no SK_MEMINFO_DROPS in %d bytes", m.Inode, len(m.SKMemInfo))
		}
		if m.State == netlinkx.TCP_FIN_WAIT2 && m.Shutdown != 2 {
			t.Errorf("FIN_WAIT2 inode %d: shutdown %d, want SEND_SHUTDOWN", m.Inode, m.Shutdown)
		}
		seen++
	})
	if seen < 10 {
		t.Errorf("tcp_info for %d sockets", seen)
	}
}

// TestRecord re-records testdata/inet_diag from the kernel when run with -record.
func TestRecord(t *testing.T) {
	needRecord(t)
	ns, _ := startSockets(t)
	nsfd := ns.Open()
	ext := netlinkx.ExtBit(netlinkx.INET_DIAG_INFO) | netlinkx.ExtBit(netlinkx.INET_DIAG_CONG) | netlinkx.ExtBit(netlinkx.INET_DIAG_SKMEMINFO) |
		netlinkx.ExtBit(netlinkx.INET_DIAG_SHUTDOWN) | netlinkx.ExtBit(netlinkx.INET_DIAG_TOS) | netlinkx.ExtBit(netlinkx.INET_DIAG_TCLASS)
	cases := []struct {
		name   string
		family uint8
		proto  uint32
		ext    uint8
	}{
		{"tcp4", unix.AF_INET, unix.IPPROTO_TCP, 0},
		{"tcp6", unix.AF_INET6, unix.IPPROTO_TCP, 0},
		{"tcp4_info", unix.AF_INET, unix.IPPROTO_TCP, ext},
		{"tcp6_info", unix.AF_INET6, unix.IPPROTO_TCP, ext},
		{"udp4", unix.AF_INET, unix.IPPROTO_UDP, 0},
		{"udp6", unix.AF_INET6, unix.IPPROTO_UDP, 0},
	}
	for _, c := range cases {
		var bin []byte
		for _, m := range dumpMessages(t, netlinkx.DumpRequest{
			Protocol: unix.NETLINK_SOCK_DIAG, NetNS: nsfd, Type: unix.SOCK_DIAG_BY_FAMILY, Flags: unix.NLM_F_DUMP,
			Data: must(netlinkx.InetDiagReq{Family: c.family, Protocol: c.proto, States: ssAllStates, Ext: c.ext}.MarshalBinary()),
		}) {
			bin = binary.NativeEndian.AppendUint32(bin, uint32(len(m.Data)))
			bin = append(bin, m.Data...)
		}
		txt := fmt.Sprintf("recorded by `go test ./netlinkx -run TestRecord -record` (sockets.py in a fresh namespace),\n"+
			"one SOCK_DIAG_BY_FAMILY dump, family %d protocol %d, idiag_states %#x, idiag_ext %#x.\n"+
			"Format: each inet_diag_msg payload (attributes included) prefixed by its length as a native-endian uint32.\n",
			c.family, c.proto, uint32(ssAllStates), c.ext)
		dec, err := decodeRecorded(bin)
		if err != nil {
			t.Fatal(err)
		}
		writeRecording(t, "inet_diag/"+c.name, bin, txt+decodedMarker+dec)
	}
}

// decodedMarker starts the expected decoding in a testdata .txt file.
const decodedMarker = "# decoded, one line per message (checked by TestInetDiagRecorded):\n"

// inetRecords splits a recorded .bin into its inet_diag_msg payloads, each
// prefixed there by its length as a native-endian uint32. After an error it
// returns the payloads before it.
func inetRecords(bin []byte) ([][]byte, error) {
	var out [][]byte
	for len(bin) >= 4 {
		n := int(binary.NativeEndian.Uint32(bin))
		if 4+n > len(bin) {
			return out, fmt.Errorf("record of %d bytes with %d left", n, len(bin)-4)
		}
		out = append(out, bin[4:4+n])
		bin = bin[4+n:]
	}
	if len(bin) != 0 {
		return out, fmt.Errorf("%d trailing bytes", len(bin))
	}
	return out, nil
}

// decodeRecorded decodes a recorded .bin and prints each message on a line.
func decodeRecorded(bin []byte) (string, error) {
	recs, err := inetRecords(bin)
	if err != nil {
		return "", err
	}
	var l line
	var m netlinkx.InetDiagMsg
	for _, r := range recs {
		if err := m.UnmarshalBinary(r); err != nil {
			return "", err
		}
		l.add("family=%d state=%s src=%s:%d dst=%s:%d if=%d rq=%d wq=%d uid=%d inode=%d timer=%d",
			m.Family, netlinkx.TCPStateName(m.State), m.SrcAddr(), m.ID.SPort, m.DstAddr(), m.ID.DPort, m.ID.If, m.RQueue, m.WQueue, m.UID, m.Inode, m.Timer)
		if m.Info != nil {
			var ti netlinkx.TCPInfo
			sent, err := netlinkx.DecodeTCPInfo(m.Info, &ti)
			if err != nil {
				return "", err
			}
			l.add(" info=%d tcpi_state=%d snd_mss=%d rcv_mss=%d advmss=%d pmtu=%d bytes_received=%d", sent, ti.State, ti.SndMSS, ti.RcvMSS, ti.AdvMSS, ti.PMTU, ti.BytesReceived)
		}
		l.opt(m.Cong != nil, " cong=%s", m.Cong)
		l.opt(m.SKMemInfo != nil, " skmeminfo=%d", len(m.SKMemInfo)/4)
		l.opt(m.Has(netlinkx.INET_DIAG_SHUTDOWN), " shutdown=%d", m.Shutdown)
		l.opt(m.Has(netlinkx.INET_DIAG_TOS), " tos=%d", m.TOS)
		l.opt(m.Has(netlinkx.INET_DIAG_TCLASS), " tclass=%d", m.TClass)
		l.opt(m.Has(netlinkx.INET_DIAG_SKV6ONLY), " v6only=%d", m.V6Only)
		l.add("\n")
	}
	return l.String(), nil
}

func TestInetDiagRecorded(t *testing.T) {
	eachRecording(t, "inet_diag", 1, func(t *testing.T, bin []byte, txt string) {
		got, err := decodeRecorded(bin)
		if err != nil {
			t.Fatal(err)
		}
		checkDiff(t, "decoding (-want +got)", section(t, txt, decodedMarker), got)
	})
}

// FuzzInetDiagMsg decodes arbitrary bytes as an inet_diag_msg: it must not
// panic, must decode the same way twice, and whatever INET_DIAG_INFO it finds
// must decode as tcp_info.
func FuzzInetDiagMsg(f *testing.F) {
	for _, name := range recordingNames("inet_diag") {
		b, _ := readRecording(f, name)
		recs, _ := inetRecords(b)
		for _, r := range recs {
			f.Add(r)
		}
	}
	f.Add(make([]byte, 72))
	f.Fuzz(func(t *testing.T, b []byte) {
		var m1, m2 netlinkx.InetDiagMsg
		err1 := m1.UnmarshalBinary(b)
		err2 := m2.UnmarshalBinary(b)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("decoding twice: %v, then %v", err1, err2)
		}
		if err1 != nil {
			return
		}
		_ = m1.SrcAddr().String() + m1.DstAddr().String()
		for i := range netlinkx.SKMemInfoNames {
			m1.SKMemInfoValue(i)
		}
		var ti netlinkx.TCPInfo
		sent, err := netlinkx.DecodeTCPInfo(m1.Info, &ti)
		if err != nil || sent > netlinkx.SizeofTCPInfo || sent > len(m1.Info) {
			t.Fatalf("tcp_info of %d bytes: sent %d, %v", len(m1.Info), sent, err)
		}
	})
}

// TestDumpInetBothFamilies checks the one-dump form for TCP (Family
// AF_UNSPEC, the compat TCPDIAG_GETSOCK request): it returns exactly the
// sockets of an AF_INET and an AF_INET6 dump together, with the same
// states, ports, port lists and extensions honoured, and refuses other
// protocols.
func TestDumpInetBothFamilies(t *testing.T) {
	ns, _ := startSockets(t)
	nsfd := ns.Open()
	dump := func(req netlinkx.InetDiagReq) []string {
		t.Helper()
		req.NetNS, req.Protocol = nsfd, unix.IPPROTO_TCP
		return dumped(t, netlinkx.DumpInet, req, func(m *netlinkx.InetDiagMsg) string {
			return fmt.Sprintf("%d %s %s:%d>%s:%d inode %d cookie %d info %t",
				m.Family, netlinkx.TCPStateName(m.State), m.SrcAddr(), m.ID.SPort, m.DstAddr(), m.ID.DPort, m.Inode, m.ID.Cookie, m.Info != nil)
		}, nil)
	}
	info := netlinkx.ExtBit(netlinkx.INET_DIAG_INFO)
	for _, tt := range []struct {
		name string
		req  netlinkx.InetDiagReq
	}{
		{"every state", netlinkx.InetDiagReq{States: ssAllStates}},
		{"listening", netlinkx.InetDiagReq{States: 1 << netlinkx.TCP_LISTEN}},
		{"bound, not listening", netlinkx.InetDiagReq{States: 1 << netlinkx.TCP_BOUND_INACTIVE}},
		{"tcp_info asked", netlinkx.InetDiagReq{States: ssAllStates, Ext: info}},
		{"one local port", netlinkx.InetDiagReq{States: ssAllStates, SPort: 7004}},
		{"local ports", netlinkx.InetDiagReq{States: ssAllStates, SPorts: []uint16{7004, 7001, 9}}},
		{"remote ports", netlinkx.InetDiagReq{States: ssAllStates, DPorts: []uint16{7001, 7004}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var want []string
			for _, f := range []uint8{unix.AF_INET, unix.AF_INET6} {
				req := tt.req
				req.Family = f
				want = append(want, dump(req)...)
			}
			slices.Sort(want)
			req := tt.req
			req.Family = unix.AF_UNSPEC
			checkLines(t, "one dump of both families vs two dumps", want, dump(req))
		})
	}
	if got := dump(netlinkx.InetDiagReq{States: ssAllStates}); !slices.ContainsFunc(got, func(s string) bool { return s[0] == '2' }) ||
		!slices.ContainsFunc(got, func(s string) bool { return s[:2] == "10" }) {
		t.Errorf("the lab should hold TCP sockets of both families: %q", got)
	}
	err := netlinkx.DumpInet(t.Context(), netlinkx.InetDiagReq{NetNS: nsfd, Protocol: unix.IPPROTO_UDP, States: ssAllStates}, func(*netlinkx.InetDiagMsg) error { return nil })
	if err == nil {
		t.Error("AF_UNSPEC for UDP: no error")
	}
}
