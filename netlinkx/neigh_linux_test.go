package netlinkx_test

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"golang.org/x/sys/unix"
)

// neighLine is a decoded RTM_NEWNEIGH on one line, as the .txt files keep it.
func neighLine(m *netlinkx.NeighMessage) string {
	ll := "-"
	if m.LLAddr != nil {
		ll = netlinkx.HexColon(m.LLAddr)
	}
	var l line
	l.add("fam=%d if=%d dst=%s lladdr=%s state=%s flags=%s type=%s", m.Family, m.Ifindex, addrOrDash(m.Dst), ll,
		netlinkx.NeighState(m.State), netlinkx.NeighFlags(m.Flags, m.FlagsExt), netlinkx.RouteTypeName(m.Type))
	l.opt(m.HasProbes, " probes=%d", m.Probes)
	c := m.CacheInfo
	l.opt(m.HasCacheInfo, " used=%d confirmed=%d updated=%d refcnt=%d", netlinkx.ClockSeconds(c.Used), netlinkx.ClockSeconds(c.Confirmed),
		netlinkx.ClockSeconds(c.Updated), c.RefCnt)
	l.opt(m.HasProtocol, " protocol=%d", m.Protocol)
	l.opt(m.Vlan != 0 || m.Master != 0, " vlan=%d master=%d", m.Vlan, m.Master)
	return l.String()
}

// TestNeighMessageTestdata decodes each recorded RTM_NEWNEIGH and compares
// it with the line decoded at recording time (checked then against `ip -j
// -s neigh` by the tables tests).
func TestNeighMessageTestdata(t *testing.T) {
	checkRecordedLines(t, "rtnl_neigh", 4, neighLine)
}

// ndmsg builds an RTM_NEWNEIGH payload.
func ndmsg(family uint8, index int32, state uint16, flags uint8, attrs ...[]byte) []byte {
	return withAttrs(cat([]byte{family, 0, 0, 0}, u32(uint32(index)), u16(state), []byte{flags, unix.RTN_UNICAST}), attrs...)
}

func TestNeighMessageUnmarshal(t *testing.T) {
	ci := u32(6050, 199, 100, 2) // nda_cacheinfo: confirmed 60.5 s, used, updated, refcnt
	checkLineCases(t, neighLine, []lineCase{
		{name: "short", b: make([]byte, 11), wantErr: "ndmsg: 11 bytes"},
		{name: "dst of 5 bytes", b: ndmsg(unix.AF_INET, 2, unix.NUD_REACHABLE, 0, attr(unix.NDA_DST, []byte{1, 2, 3, 4, 5}...)), wantErr: "address of 5 bytes"},
		{name: "short cacheinfo", b: ndmsg(unix.AF_INET, 2, unix.NUD_STALE, 0, attr(unix.NDA_CACHEINFO, ci[:12]...)), wantErr: "NDA_CACHEINFO: 12 bytes"},
		{name: "short probes", b: ndmsg(unix.AF_INET, 2, unix.NUD_STALE, 0, attr(unix.NDA_PROBES, []byte{1, 0}...)), wantErr: "neighbour on link 2"},
		{name: "v6 router, several states, unknown attribute skipped", b: ndmsg(unix.AF_INET6, 3, unix.NUD_STALE|unix.NUD_PERMANENT|0x100, unix.NTF_ROUTER|unix.NTF_EXT_LEARNED,
			attr(unix.NDA_DST, netip.MustParseAddr("2001:db8::9").AsSlice()...), attr(unix.NDA_LLADDR, []byte{2, 0, 0, 0, 0, 0xab}...),
			attr(unix.NDA_PROBES, u32(3)...), attr(unix.NDA_CACHEINFO, ci...), attr(99, []byte{1}...),
			attr(netlinkx.NDA_FLAGS_EXT, u32(netlinkx.NTF_EXT_MANAGED|0x10)...), attr(netlinkx.NDA_PROTOCOL, []byte{4}...)),
			want: "fam=10 if=3 dst=2001:db8::9 lladdr=02:00:00:00:00:ab state=STALE,PERMANENT,0x100 flags=extern_learn,router,managed,ext:0x10 type=unicast probes=3 used=1 confirmed=60 updated=1 refcnt=2 protocol=4"},
		{name: "proxy without attributes but NDA_DST", b: ndmsg(unix.AF_INET, 4, 0, unix.NTF_PROXY, attr(unix.NDA_DST, []byte{10, 0, 0, 77}...)),
			want: "fam=2 if=4 dst=10.0.0.77 lladdr=- state=NONE flags=proxy type=unicast"},
		{name: "bridge fdb attributes", b: ndmsg(unix.AF_BRIDGE, 5, unix.NUD_NOARP, unix.NTF_SELF|unix.NTF_MASTER|0x40,
			attr(unix.NDA_LLADDR, []byte{2, 0, 0, 0, 0, 1}...), attr(unix.NDA_VLAN, []byte{10, 0}...), attr(unix.NDA_MASTER, u32(7)...)),
			want: "fam=7 if=5 dst=- lladdr=02:00:00:00:00:01 state=NOARP flags=self,master,sticky type=unicast vlan=10 master=7"},
	})
}

func FuzzNeighMessage(f *testing.F) {
	fuzzLine[netlinkx.NeighMessage](f, "rtnl_neigh", neighLine)
}

// recordLab builds the namespace both recordings use: veth0 to a peer with
// learned v4 and v6 entries, static entries in several states, proxy
// entries, and an HTB/TBF/pfifo/ingress tc tree. It returns the commands.
func recordLab(t *testing.T) (*nstest.NS, []string) {
	t.Helper()
	nstest.NeedTool(t, "ip", "tc", "ping")
	ns, peer := nstest.New(t), nstest.New(t)
	var cmds []string
	run := func(n *nstest.NS, args ...string) {
		n.Run(args...)
		c := strings.Join(args, " ")
		if n != ns {
			c = "(peer) " + c
		}
		cmds = append(cmds, c)
	}
	for _, n := range []*nstest.NS{ns, peer} {
		run(n, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0")
	}
	run(ns, "ip", "link", "add", "veth0", "type", "veth", "peer", "name", "veth1", "netns", peer.Name)
	run(ns, "ip", "addr", "add", "10.7.0.1/24", "dev", "veth0")
	run(ns, "ip", "-6", "addr", "add", "2001:db8:7::1/64", "dev", "veth0", "nodad")
	run(ns, "ip", "link", "set", "veth0", "up")
	run(peer, "ip", "addr", "add", "10.7.0.2/24", "dev", "veth1")
	run(peer, "ip", "-6", "addr", "add", "2001:db8:7::2/64", "dev", "veth1", "nodad")
	run(peer, "ip", "link", "set", "veth1", "up")
	for _, c := range [][]string{
		{"tc", "qdisc", "add", "dev", "veth0", "root", "handle", "1:", "htb", "default", "20"},
		{"tc", "class", "add", "dev", "veth0", "parent", "1:", "classid", "1:1", "htb", "rate", "10mbit"},
		{"tc", "class", "add", "dev", "veth0", "parent", "1:1", "classid", "1:20", "htb", "rate", "1mbit", "ceil", "2mbit"},
		{"tc", "qdisc", "add", "dev", "veth0", "parent", "1:20", "handle", "20:", "tbf", "rate", "1mbit", "burst", "10kb", "latency", "50ms"},
		{"tc", "qdisc", "add", "dev", "veth0", "ingress"},
		{"ping", "-c", "1", "-W", "2", "10.7.0.2"},
		{"ping", "-6", "-c", "1", "-W", "2", "2001:db8:7::2"},
		{"ip", "neigh", "add", "10.7.0.9", "lladdr", "02:00:00:00:00:09", "dev", "veth0", "nud", "permanent"},
		{"ip", "neigh", "add", "10.7.0.10", "lladdr", "02:00:00:00:00:0a", "dev", "veth0", "nud", "stale"},
		{"ip", "-6", "neigh", "add", "2001:db8:7::9", "lladdr", "02:00:00:00:00:19", "dev", "veth0", "nud", "reachable", "router"},
		{"ip", "neigh", "add", "proxy", "10.7.0.77", "dev", "veth0"},
		{"ip", "-6", "neigh", "add", "proxy", "2001:db8:7::77", "dev", "veth0"},
	} {
		run(ns, c...)
	}
	return ns, cmds
}

// rawDump returns the payloads of the replies of type reply to a dump request.
func rawDump(t *testing.T, ns netlinkx.NetNS, typ, reply uint16, data []byte) [][]byte {
	var out [][]byte
	for _, m := range dumpMessages(t, netlinkx.DumpRequest{Protocol: unix.NETLINK_ROUTE, NetNS: ns, Type: typ, Flags: unix.NLM_F_DUMP, Data: data}) {
		if uint16(m.Header.Type) == reply {
			out = append(out, m.Data)
		}
	}
	return out
}

// TestRecordNeighTc re-records testdata/rtnl_neigh and testdata/tc with
// -record, from recordLab's namespace.
func TestRecordNeighTc(t *testing.T) {
	needRecord(t)
	ns, cmds := recordLab(t)
	fd := ns.Open()
	for _, proxy := range []bool{false, true} {
		hdr := make([]byte, 12)
		shown := "ip -j -s neigh show nud all:\n" + ns.Run("ip", "-j", "-s", "neigh", "show", "nud", "all")
		if proxy {
			hdr[10] = unix.NTF_PROXY
			shown = "ip -j neigh show proxy:\n" + ns.Run("ip", "-j", "neigh", "show", "proxy")
		}
		recordLines(t, "rtnl_neigh", cmds, rawDump(t, fd, unix.RTM_GETNEIGH, unix.RTM_NEWNEIGH, hdr), neighLine,
			func(m *netlinkx.NeighMessage) (string, string, bool) {
				name := netlinkx.NeighState(m.State) + "_" + m.Dst.String()
				if proxy {
					name = "proxy_" + m.Dst.String()
				}
				return name, shown, !m.Dst.IsMulticast()
			})
	}
	for _, class := range []bool{false, true} {
		hdr := make([]byte, 20)
		typ, reply, what := uint16(unix.RTM_GETQDISC), uint16(unix.RTM_NEWQDISC), "qdisc"
		shown := "tc -s -j qdisc show:\n" + ns.Run("tc", "-s", "-j", "qdisc", "show")
		if class {
			typ, reply, what = unix.RTM_GETTCLASS, unix.RTM_NEWTCLASS, "class"
			copy(hdr[4:8], u32(ns.Ifindex("veth0"))) // tcm_ifindex
			shown = "tc -s class show dev veth0:\n" + ns.Run("tc", "-s", "class", "show", "dev", "veth0")
		}
		recordLines(t, "tc", cmds, rawDump(t, fd, typ, reply, hdr), tcLine, func(m *netlinkx.TcMessage) (string, string, bool) {
			return fmt.Sprintf("%s_%d_%s_%s", what, m.Ifindex, m.Kind, netlinkx.TcHandle(m.Handle)), shown, true
		})
	}
}

// TestDumpNeighRequests checks each narrowing of a neighbour dump against
// the entries recordLab made: NDA_IFINDEX, the family, and the proxy table.
func TestDumpNeighRequests(t *testing.T) {
	ns, _ := recordLab(t)
	fd := ns.Open()
	ns.Run("ip", "link", "add", "nb0", "type", "veth", "peer", "name", "nb1")
	ns.Run("ip", "link", "set", "nb0", "up")
	ns.Run("ip", "neigh", "add", "10.8.0.9", "lladdr", "02:00:00:00:00:29", "dev", "nb0", "nud", "permanent")
	ns.Run("ip", "neigh", "add", "proxy", "10.8.0.77", "dev", "nb0")
	veth0, nb0 := ns.Ifindex("veth0"), ns.Ifindex("nb0")
	tests := []struct {
		name string
		req  netlinkx.NeighRequest
		want []string
	}{
		{"nb0", netlinkx.NeighRequest{Ifindex: nb0}, []string{"10.8.0.9 PERMANENT"}},
		{"nb0 proxy", netlinkx.NeighRequest{Ifindex: nb0, Proxy: true}, []string{"10.8.0.77 NONE"}},
		{"veth0 inet6 unicast", netlinkx.NeighRequest{Ifindex: veth0, Family: unix.AF_INET6}, []string{"2001:db8:7::2 REACHABLE", "2001:db8:7::9 REACHABLE"}},
		{"proxy inet6", netlinkx.NeighRequest{Family: unix.AF_INET6, Proxy: true}, []string{"2001:db8:7::77 NONE"}},
		{"inet", netlinkx.NeighRequest{Family: unix.AF_INET}, []string{"10.7.0.10 STALE", "10.7.0.2 REACHABLE", "10.7.0.9 PERMANENT", "10.8.0.9 PERMANENT"}},
	}
	t.Run("kernel filters by NDA_IFINDEX", func(t *testing.T) {
		msgs := rawDump(t, fd, unix.RTM_GETNEIGH, unix.RTM_NEWNEIGH, cat(make([]byte, 12), attr(unix.NDA_IFINDEX, u32(nb0)...)))
		for _, b := range msgs {
			var m netlinkx.NeighMessage
			if err := m.UnmarshalBinary(b); err != nil || m.Ifindex != int32(nb0) {
				t.Errorf("the kernel sent an entry of link %d (%v) for NDA_IFINDEX %d", m.Ifindex, err, nb0)
			}
		}
		if len(msgs) == 0 {
			t.Error("no entry of nb0")
		}
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.NetNS = fd
			got := dumped(t, netlinkx.DumpNeigh, tt.req, func(m *netlinkx.NeighMessage) string {
				return m.Dst.String() + " " + netlinkx.NeighState(m.State)
			}, func(m *netlinkx.NeighMessage) bool { return !m.Dst.IsMulticast() })
			checkLines(t, "entries", tt.want, got)
		})
	}
}
