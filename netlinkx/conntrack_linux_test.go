package netlinkx_test

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"github.com/ti-mo/conntrack"
	"golang.org/x/sys/unix"
)

// ctLine renders c as `conntrack -L -o extended,id` prints it
// (libnetfilter_conntrack's snprintf_default.c), without the timeout.
func ctLine(c *netlinkx.Conntrack) string {
	var l line
	l.add("%s %s %d", map[uint8]string{unix.AF_INET: "ipv4 2", unix.AF_INET6: "ipv6 10"}[c.Family], c.ProtocolName(), c.TupleOrig.Proto.Protocol)
	s, ok := c.State()
	l.opt(ok, " %s", s)
	tuple := func(t *conntrack.Tuple, ctr *conntrack.Counter) {
		l.add(" src=%s dst=%s", t.IP.SourceAddress, t.IP.DestinationAddress)
		p := t.Proto
		l.opt(netlinkx.HasPorts(p.Protocol), " sport=%d dport=%d", p.SourcePort, p.DestinationPort)
		l.opt(netlinkx.IsICMP(p.Protocol), " type=%d code=%d id=%d", p.ICMPType, p.ICMPCode, p.ICMPID)
		l.opt(c.HasCounters, " packets=%d bytes=%d", ctr.Packets, ctr.Bytes)
	}
	tuple(&c.TupleOrig, &c.CountersOrig)
	l.opt(!c.Status.SeenReply(), " [UNREPLIED]")
	tuple(&c.TupleReply, &c.CountersReply)
	l.opt(c.Status.Assured(), " [ASSURED]")
	l.add(" mark=%d", c.Mark)
	l.opt(c.Zone != 0, " zone=%d", c.Zone)
	l.add(" use=%d id=%d", c.Use, c.ID)
	return l.String()
}

// dropTimeout removes the timeout (5th field) from conntrack -L lines: it
// counts down between two reads.
func dropTimeout(lines []string) []string {
	var out []string
	for _, l := range lines {
		if f := strings.Fields(l); len(f) >= 5 {
			out = append(out, strings.Join(slices.Delete(f, 4, 5), " "))
		}
	}
	slices.Sort(out)
	return out
}

func TestConntrackRecorded(t *testing.T) {
	payloads, lines := recorded(t, "conntrack", "entries")
	var got []string
	var c netlinkx.Conntrack
	for _, p := range payloads {
		if err := c.UnmarshalBinary(p); err != nil {
			t.Fatal(err)
		}
		got = append(got, ctLine(&c))
	}
	checkLines(t, "decoded recording vs conntrack -L -o extended,id", dropTimeout(lines), got)
}

// ctEntries are conntrack -I arguments for entries of every shape the
// decoder meets: TCP with a state, a NAT'd reply tuple, ICMP and ICMPv6,
// IPv6, SCTP, a mark and a zone.
var ctEntries = [][]string{
	{"-p", "tcp", "-s", "192.0.2.1", "-d", "192.0.2.9", "--sport", "40000", "--dport", "80", "--state", "ESTABLISHED", "-u", "SEEN_REPLY,ASSURED", "-m", "7"},
	{"-p", "tcp", "-s", "192.0.2.1", "-d", "192.0.2.9", "--sport", "40001", "--dport", "80", "--state", "TIME_WAIT", "-u", "SEEN_REPLY"},
	{"-p", "udp", "-s", "192.0.2.1", "-d", "192.0.2.9", "--sport", "5353", "--dport", "53", "-r", "192.0.2.9", "-q", "198.51.100.1", "--reply-port-src", "53", "--reply-port-dst", "61000", "-u", "SRC_NAT"},
	{"-p", "icmp", "-s", "192.0.2.1", "-d", "192.0.2.9", "--icmp-type", "8", "--icmp-code", "0", "--icmp-id", "77"},
	{"-p", "icmpv6", "-s", "2001:db8::1", "-d", "2001:db8::9", "--icmpv6-type", "128", "--icmpv6-code", "0", "--icmpv6-id", "78"},
	{"-p", "tcp", "-s", "2001:db8::1", "-d", "2001:db8::9", "--sport", "40002", "--dport", "443", "--state", "SYN_SENT"},
	{"-p", "sctp", "-s", "192.0.2.1", "-d", "192.0.2.9", "--sport", "9", "--dport", "9", "--state", "ESTABLISHED", "--orig-vtag", "1", "--reply-vtag", "2"},
	{"-p", "udp", "-s", "192.0.2.1", "-d", "192.0.2.10", "--sport", "5000", "--dport", "123", "-w", "3"},
}

// ctNamespace makes a namespace whose conntrack table holds ctEntries, made
// with nf_conntrack_acct on (so they carry counters) except the last.
func ctNamespace(t *testing.T) *nstest.NS {
	nstest.NeedTool(t, "conntrack")
	ns := nstest.New(t)
	ns.Run("sysctl", "-qw", "net.netfilter.nf_conntrack_acct=1")
	for i, e := range ctEntries {
		if i == len(ctEntries)-1 {
			ns.Run("sysctl", "-qw", "net.netfilter.nf_conntrack_acct=0")
		}
		ns.Run(append([]string{"conntrack", "-I", "-t", "600"}, e...)...)
	}
	return ns
}

func conntrackL(ns *nstest.NS) string {
	return ns.Run("conntrack", "-L", "-f", "ipv4", "-o", "extended,id") + ns.Run("conntrack", "-L", "-f", "ipv6", "-o", "extended,id")
}

func TestConntrackLive(t *testing.T) {
	ns := ctNamespace(t)
	var got []string
	err := netlinkx.DumpConntrack(t.Context(), netlinkx.ConntrackRequest{NetNS: ns.Open()}, func(c *netlinkx.Conntrack) error {
		got = append(got, ctLine(c))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, "DumpConntrack vs conntrack -L -o extended,id", dropTimeout(strings.Split(conntrackL(ns), "\n")), got)
}

func TestRecordConntrack(t *testing.T) {
	needRecord(t)
	ns := ctNamespace(t)
	bin := framed(dumpMessages(t, netlinkx.DumpRequest{
		Protocol: unix.NETLINK_NETFILTER, NetNS: ns.Open(), Type: unix.NFNL_SUBSYS_CTNETLINK<<8 | netlinkx.IPCTNL_MSG_CT_GET,
		Flags: unix.NLM_F_DUMP, Data: []byte{unix.AF_UNSPEC, 0, 0, 0},
	}))
	var args []string
	for _, e := range ctEntries {
		args = append(args, "conntrack -I -t 600 "+strings.Join(e, " "))
	}
	txt := fmt.Sprintf("recorded by: go test -run TestRecordConntrack -record (netlinkx/conntrack_linux_test.go):\n"+
		"in a fresh namespace, with nf_conntrack_acct=1 (0 for the last),\n%s\n"+
		"then a ctnetlink dump (IPCTNL_MSG_CT_GET, AF_UNSPEC) and, below `ss:` (the section name the reader\n"+
		"shares with sock_diag), `conntrack -L -f ipv4 -o extended,id` and the same with -f ipv6:\nss:\n%s",
		strings.Join(args, "\n"), conntrackL(ns))
	writeRecording(t, "conntrack/entries", bin, txt)
}

// ctaNest is a nested conntrack attribute (NLA_F_NESTED set, as the kernel sends them).
func ctaNest(typ uint16, children ...[]byte) []byte {
	return attr(typ|unix.NLA_F_NESTED, cat(children...)...)
}

// ctTuple is a CTA_TUPLE_* nest of an IPv4 TCP/UDP tuple.
func ctTuple(typ uint16, proto uint8, src, dst string, sport, dport uint16) []byte {
	s, d := netip.MustParseAddr(src).As4(), netip.MustParseAddr(dst).As4()
	return ctaNest(typ,
		ctaNest(netlinkx.CTA_TUPLE_IP, attr(netlinkx.CTA_IP_V4_SRC, s[:]...), attr(netlinkx.CTA_IP_V4_DST, d[:]...)),
		ctaNest(netlinkx.CTA_TUPLE_PROTO, attr(netlinkx.CTA_PROTO_NUM, proto), attr(netlinkx.CTA_PROTO_SRC_PORT, be16(sport)...), attr(netlinkx.CTA_PROTO_DST_PORT, be16(dport)...)))
}

func TestConntrackUnmarshal(t *testing.T) {
	hdr := []byte{unix.AF_INET, 0, 0, 0}
	orig := ctTuple(netlinkx.CTA_TUPLE_ORIG, unix.IPPROTO_TCP, "10.0.0.1", "10.0.0.9", 40000, 80)
	snat := ctTuple(netlinkx.CTA_TUPLE_REPLY, unix.IPPROTO_TCP, "10.0.0.9", "10.0.0.2", 80, 41000)
	dnat := ctTuple(netlinkx.CTA_TUPLE_REPLY, unix.IPPROTO_TCP, "10.0.0.8", "10.0.0.1", 8080, 40000)
	tcp := ctaNest(netlinkx.CTA_PROTOINFO, ctaNest(netlinkx.CTA_PROTOINFO_TCP, attr(netlinkx.CTA_PROTOINFO_TCP_STATE, 7)))
	counters := cat(ctaNest(netlinkx.CTA_COUNTERS_ORIG, attr(netlinkx.CTA_COUNTERS_PACKETS, be64(3)...), attr(netlinkx.CTA_COUNTERS_BYTES, be64(180)...)),
		ctaNest(netlinkx.CTA_COUNTERS_REPLY, attr(netlinkx.CTA_COUNTERS_PACKETS, be64(2)...), attr(netlinkx.CTA_COUNTERS_BYTES, be64(120)...)))
	type nat struct {
		Src     string
		SrcPort int
		Dst     string
		DstPort int
	}
	tests := []struct {
		name    string
		b       []byte
		line    string
		status  string
		nat     nat
		labels  string
		wantErr string
	}{
		{name: "short", b: hdr[:3], wantErr: "nfgenmsg: 3 bytes, want at least 4"},
		{name: "snat, TIME_WAIT, counters, zone, labels",
			b: cat(hdr, orig, snat, tcp, attr(netlinkx.CTA_STATUS, be32(uint32(conntrack.StatusSeenReply|conntrack.StatusSrcNAT|conntrack.StatusConfirmed))...),
				attr(netlinkx.CTA_TIMEOUT, be32(120)...), attr(netlinkx.CTA_MARK, be32(5)...), counters, attr(netlinkx.CTA_ZONE, be16(3)...),
				attr(netlinkx.CTA_USE, be32(1)...), attr(netlinkx.CTA_ID, be32(99)...), attr(netlinkx.CTA_LABELS, 0x06, 0, 0, 0, 0, 0, 0, 0x80)),
			line:   "ipv4 2 tcp 6 TIME_WAIT src=10.0.0.1 dst=10.0.0.9 sport=40000 dport=80 packets=3 bytes=180 src=10.0.0.9 dst=10.0.0.2 sport=80 dport=41000 packets=2 bytes=120 mark=5 zone=3 use=1 id=99",
			status: "SEEN_REPLY,CONFIRMED,SRC_NAT", nat: nat{"10.0.0.2", 41000, "", 0}, labels: "1,2,63"},
		{name: "dnat, no counters, unreplied",
			b:      cat(hdr, orig, dnat, attr(netlinkx.CTA_STATUS, be32(uint32(conntrack.StatusDstNAT))...), attr(netlinkx.CTA_USE, be32(1)...), attr(netlinkx.CTA_ID, be32(1)...)),
			line:   "ipv4 2 tcp 6 src=10.0.0.1 dst=10.0.0.9 sport=40000 dport=80 [UNREPLIED] src=10.0.0.8 dst=10.0.0.1 sport=8080 dport=40000 mark=0 use=1 id=1",
			status: "DST_NAT", nat: nat{"", 0, "10.0.0.8", 8080}},
		{name: "unknown top-level attribute skipped",
			b:    cat(hdr, orig, snat, attr(200, 1, 2, 3, 4)),
			line: "ipv4 2 tcp 6 src=10.0.0.1 dst=10.0.0.9 sport=40000 dport=80 [UNREPLIED] src=10.0.0.9 dst=10.0.0.2 sport=80 dport=41000 mark=0 use=0 id=0",
			nat:  nat{"10.0.0.2", 41000, "", 0}},
		{name: "truncated attribute", b: cat(hdr, orig[:10]), wantErr: "conntrack attributes:"},
		{name: "tuple without nested flag", b: cat(hdr, attr(netlinkx.CTA_TUPLE_ORIG, orig[4:]...)), wantErr: "conntrack entry:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c netlinkx.Conntrack
			if !decoded(t, c.UnmarshalBinary(tt.b), tt.wantErr) {
				return
			}
			checkDiff(t, "line (-want +got)", tt.line, ctLine(&c))
			if got := netlinkx.StatusNames(c.Status); got != tt.status {
				t.Errorf("status %q, want %q", got, tt.status)
			}
			var got nat
			if a, ok, p, pok := c.NATSource(); ok || pok {
				got.Src, got.SrcPort = a.String(), int(p)
			}
			if a, ok, p, pok := c.NATDestination(); ok || pok {
				got.Dst, got.DstPort = a.String(), int(p)
			}
			checkDiff(t, "nat (-want +got)", tt.nat, got)
			if got := netlinkx.LabelBits(c.Labels); got != tt.labels {
				t.Errorf("labels %q, want %q", got, tt.labels)
			}
		})
	}
}

func TestConntrackNames(t *testing.T) {
	if got := netlinkx.StatusNames(conntrack.Status(1<<15 | 1<<20 | 1)); got != "EXPECTED,HW_OFFLOAD,0x100000" {
		t.Errorf("StatusNames = %q", got)
	}
	for p, want := range map[uint8]string{unix.IPPROTO_TCP: "tcp", unix.IPPROTO_ICMPV6: "icmpv6", unix.IPPROTO_GRE: "gre", 253: "253"} {
		if got := netlinkx.ProtocolName(p); got != want {
			t.Errorf("ProtocolName(%d) = %q, want %q", p, got, want)
		}
	}
	for _, err := range []error{unix.EPROTONOSUPPORT, fmt.Errorf("dump: %w", unix.EOPNOTSUPP)} {
		if !netlinkx.IsConntrackUnavailable(err) {
			t.Errorf("IsConntrackUnavailable(%v) = false", err)
		}
	}
	if netlinkx.IsConntrackUnavailable(unix.EPERM) {
		t.Error("IsConntrackUnavailable(EPERM) = true")
	}
}

func FuzzConntrack(f *testing.F) {
	payloads, _ := recorded(f, "conntrack", "entries")
	for _, p := range payloads {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var c netlinkx.Conntrack
		if err := c.UnmarshalBinary(b); err != nil {
			return
		}
		_, _ = c.State()
		_, _, _ = netlinkx.StatusNames(c.Status), netlinkx.LabelBits(c.Labels), c.ProtocolName()
		_, _, _, _ = c.NATSource()
		_, _, _, _ = c.NATDestination()
		// Decoding keeps nothing from the last message.
		again := netlinkx.Conntrack{Family: 99, HasCounters: true}
		again.Mark = 42
		if err := again.UnmarshalBinary(b); err != nil {
			t.Fatalf("second decode: %v", err)
		}
		if diff := cmp.Diff(c, again, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
			t.Fatalf("decode not repeatable (-first +second):\n%s", diff)
		}
	})
}
