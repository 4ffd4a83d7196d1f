package netlinkx_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"golang.org/x/sys/unix"
)

// ssNetlinkLine renders m as `ss -A netlink -aHn` prints it, or "" for a
// socket the comparison leaves out: sock_diag sockets other than the
// kernel's differ (ss reads through its own, we through ours), and the
// kernel's sock_diag socket's queue holds the dump request being served.
func ssNetlinkLine(m *netlinkx.NetlinkDiagMsg) string {
	rq, _ := m.RQueue()
	wq, _ := m.WQueue()
	if m.Protocol == unix.NETLINK_SOCK_DIAG {
		if m.PortID != 0 {
			return ""
		}
		rq, wq = 0, 0
	}
	peer := "*"
	if m.State == netlinkx.NETLINK_CONNECTED {
		peer = fmt.Sprintf("%d:%d", m.DstGroup, int32(m.DstPortID))
	}
	return fmt.Sprintf("UNCONN %d %d %d:%d %s", rq, wq, m.Protocol, int32(m.PortID), peer)
}

// ssNetlinkFilter drops the lines ssNetlinkLine leaves out and zeroes the
// kernel sock_diag socket's queues.
func ssNetlinkFilter(lines []string) []string {
	var out []string
	for _, l := range lines {
		var rq, wq, proto, port int
		var peer string
		if _, err := fmt.Sscanf(l, "UNCONN %d %d %d:%d %s", &rq, &wq, &proto, &port, &peer); err != nil {
			out = append(out, l)
			continue
		}
		if proto == unix.NETLINK_SOCK_DIAG {
			if port != 0 {
				continue
			}
			l = fmt.Sprintf("UNCONN 0 0 %d:%d %s", proto, port, peer)
		}
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

func TestNetlinkDiagRecorded(t *testing.T) {
	groups := map[string][]uint32{}
	got, want := decodeRecordedSockets(t, "netlink_diag", func(m *netlinkx.NetlinkDiagMsg) string {
		if g := m.GroupList(); g != nil {
			groups[m.ProtocolName()] = g
		}
		return ssNetlinkLine(m)
	})
	checkLines(t, "decoded recording vs ss -A netlink -aHn", ssNetlinkFilter(want), got)
	// The helper's route socket joined RTMGRP_LINK (group 1) and RTMGRP_IPV4_IFADDR (group 5).
	checkDiff(t, "groups (-want +got)", map[string][]uint32{"route": {1, 5}}, groups)
}

func TestNetlinkDiagLive(t *testing.T) {
	nsfd, ssOut := helperSockets(t, "ss", "-A", "netlink", "-aHn")
	var got []string
	kinds := map[string]bool{}
	err := netlinkx.DumpNetlink(t.Context(), netlinkx.NetlinkDiagReq{NetNS: nsfd, Protocol: netlinkx.NDIAG_PROTO_ALL, Show: netlinkx.NDIAG_SHOW_MEMINFO},
		func(m *netlinkx.NetlinkDiagMsg) error {
			if l := ssNetlinkLine(m); l != "" {
				got = append(got, l)
			}
			kinds[m.ProtocolName()+" "+m.TypeName()+" "+m.StateName()] = true
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, "DumpNetlink vs ss -A netlink -aHn", ssNetlinkFilter(ssOut), got)
	for _, k := range []string{"route raw NONE", "generic dgram ESTABLISHED", "sock_diag raw NONE"} {
		if !kinds[k] {
			t.Errorf("no netlink socket %q among %v", k, kinds)
		}
	}

	// One protocol only.
	err = netlinkx.DumpNetlink(t.Context(), netlinkx.NetlinkDiagReq{NetNS: nsfd, Protocol: unix.NETLINK_GENERIC}, func(m *netlinkx.NetlinkDiagMsg) error {
		if m.Protocol != unix.NETLINK_GENERIC || m.Has(netlinkx.NETLINK_DIAG_MEMINFO) {
			t.Errorf("asked for NETLINK_GENERIC without MEMINFO, got protocol %d, meminfo %v", m.Protocol, m.Has(netlinkx.NETLINK_DIAG_MEMINFO))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestNetlinkDiagUnmarshal(t *testing.T) {
	hdr := cat([]byte{unix.AF_NETLINK, unix.SOCK_RAW, unix.NETLINK_ROUTE, netlinkx.NETLINK_CONNECTED}, u32(100), u32(0), u32(3), u32(4242), u32(7), u32(0))
	base := netlinkx.NetlinkDiagMsg{Family: unix.AF_NETLINK, Type: unix.SOCK_RAW, Protocol: unix.NETLINK_ROUTE, State: netlinkx.NETLINK_CONNECTED,
		PortID: 100, DstGroup: 3, Inode: 4242, Cookie: 7}
	with := func(f func(m *netlinkx.NetlinkDiagMsg)) netlinkx.NetlinkDiagMsg { m := base; f(&m); return m }
	checkDecodeCases(t, []decodeCase[netlinkx.NetlinkDiagMsg]{
		{name: "header only", b: hdr, want: base},
		{name: "short", b: hdr[:27], wantErr: "netlink_diag_msg: 27 bytes, want at least 28"},
		{name: "groups flags meminfo, rings skipped",
			b: cat(hdr, attr(netlinkx.NETLINK_DIAG_GROUPS, cat(u32(0x11), u32(0))...), attr(netlinkx.NETLINK_DIAG_FLAGS, u32(netlinkx.NDIAG_FLAG_CAP_ACK)...),
				attr(netlinkx.NETLINK_DIAG_RX_RING, make([]byte, 16)...), attr(netlinkx.NETLINK_DIAG_MEMINFO, cat(u32(5), u32(6), u32(7))...)),
			want: with(func(m *netlinkx.NetlinkDiagMsg) {
				m.Groups, m.Flags, m.SKMemInfo = cat(u32(0x11), u32(0)), netlinkx.NDIAG_FLAG_CAP_ACK, cat(u32(5), u32(6), u32(7))
			}),
			has: []uint16{netlinkx.NETLINK_DIAG_MEMINFO, netlinkx.NETLINK_DIAG_GROUPS, netlinkx.NETLINK_DIAG_RX_RING, netlinkx.NETLINK_DIAG_FLAGS}},
		{name: "flags too long", b: cat(hdr, attr(netlinkx.NETLINK_DIAG_FLAGS, cat(u32(1), u32(2))...)), wantErr: "netlink_diag_msg inode 4242: attribute 4: 8 bytes, want 4"},
		{name: "groups ragged", b: cat(hdr, attr(netlinkx.NETLINK_DIAG_GROUPS, 1, 2)), wantErr: "netlink_diag_msg inode 4242: attribute 1: 2 bytes, not a multiple of 4"},
	})
	// Two native u32 words: bits 0, 4 and 63 of the bitmap on a little-endian host.
	m := with(func(m *netlinkx.NetlinkDiagMsg) { m.Groups = cat(u32(0x11), u32(1<<31)) })
	if nstest.LittleEndian() {
		checkDiff(t, "GroupList (-want +got)", []uint32{1, 5, 64}, m.GroupList())
	}
	if got := m.StateName(); got != "ESTABLISHED" {
		t.Errorf("StateName of a connected socket = %q", got)
	}
}

// TestNetlinkProtocolNames checks the names spelt out for other OSes against x/sys/unix.
func TestNetlinkProtocolNames(t *testing.T) {
	for p, want := range map[int]string{unix.NETLINK_ROUTE: "route", unix.NETLINK_USERSOCK: "usersock", unix.NETLINK_FIREWALL: "fw",
		unix.NETLINK_SOCK_DIAG: "sock_diag", unix.NETLINK_NFLOG: "nflog", unix.NETLINK_XFRM: "xfrm", unix.NETLINK_SELINUX: "selinux",
		unix.NETLINK_ISCSI: "iscsi", unix.NETLINK_AUDIT: "audit", unix.NETLINK_FIB_LOOKUP: "fib_lookup", unix.NETLINK_CONNECTOR: "connector",
		unix.NETLINK_NETFILTER: "netfilter", unix.NETLINK_IP6_FW: "ip6_fw", unix.NETLINK_DNRTMSG: "dnrtmsg",
		unix.NETLINK_KOBJECT_UEVENT: "kobject_uevent", unix.NETLINK_GENERIC: "generic", unix.NETLINK_SCSITRANSPORT: "scsitransport",
		unix.NETLINK_ECRYPTFS: "ecryptfs", unix.NETLINK_RDMA: "rdma", unix.NETLINK_CRYPTO: "crypto", unix.NETLINK_SMC: "smc",
		unix.NETLINK_UNUSED: "unused", 17: "17", 200: "200"} {
		if got := netlinkx.NetlinkProtocolName(uint8(p)); got != want {
			t.Errorf("NetlinkProtocolName(%d) = %q, want %q", p, got, want)
		}
	}
}

func FuzzNetlinkDiagMsg(f *testing.F) {
	fuzzDiagMsg(f, "netlink_diag", func(m *netlinkx.NetlinkDiagMsg) {
		_, _, _ = m.ProtocolName(), m.TypeName(), m.StateName()
		_ = m.GroupList()
		_, _ = m.RQueue()
		_, _ = m.WQueue()
	}, func(m *netlinkx.NetlinkDiagMsg) { m.Flags = 42 })
}
