package netlinkx_test

import (
	"fmt"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx"
	"golang.org/x/sys/unix"
)

// ssPacketLine renders m as `ss -0 -aH` prints it in a namespace whose only
// interface is lo (ifindex 1).
func ssPacketLine(m *netlinkx.PacketDiagMsg) string {
	netid := map[uint8]string{unix.SOCK_RAW: "p_raw", unix.SOCK_DGRAM: "p_dgr"}[m.Type]
	proto := m.ProtocolName()
	if m.Num == unix.ETH_P_ALL {
		proto = "*"
	}
	iface := map[uint32]string{0: "*", 1: "lo"}[m.Info.Index]
	rq, _ := m.RQueue()
	return fmt.Sprintf("%s UNCONN %d 0 %s:%s *", netid, rq, proto, iface)
}

func TestPacketDiagRecorded(t *testing.T) {
	got, want := decodeRecordedSockets(t, "packet_diag", ssPacketLine)
	checkLines(t, "decoded recording vs ss -0 -aH", want, got)
}

func TestPacketDiagLive(t *testing.T) {
	nsfd, want := helperSockets(t, "ss", "-0", "-aH")
	var got []string
	var uids []uint32
	err := netlinkx.DumpPacket(t.Context(), netlinkx.PacketDiagReq{NetNS: nsfd, Show: netlinkx.PACKET_SHOW_INFO | netlinkx.PACKET_SHOW_MEMINFO},
		func(m *netlinkx.PacketDiagMsg) error {
			got = append(got, ssPacketLine(m))
			if m.Has(netlinkx.PACKET_DIAG_UID) {
				uids = append(uids, m.UID)
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, "DumpPacket vs ss -0 -aH", want, got)
	checkDiff(t, "PACKET_DIAG_UID of root's sockets (-want +got)", []uint32{0, 0}, uids)
}

func TestPacketDiagUnmarshal(t *testing.T) {
	hdr := cat([]byte{unix.AF_PACKET, unix.SOCK_DGRAM, 0x00, 0x08}, u32(555), u32(9), u32(0)) // pdiag_num 0x0800 (host order)
	base := netlinkx.PacketDiagMsg{Family: unix.AF_PACKET, Type: unix.SOCK_DGRAM, Num: unix.ETH_P_IP, Inode: 555, Cookie: 9}
	with := func(f func(m *netlinkx.PacketDiagMsg)) netlinkx.PacketDiagMsg { m := base; f(&m); return m }
	checkDecodeCases(t, []decodeCase[netlinkx.PacketDiagMsg]{
		{name: "header only", b: hdr, want: base},
		{name: "short", b: hdr[:15], wantErr: "packet_diag_msg: 15 bytes, want at least 16"},
		{name: "info uid fanout meminfo, mclist skipped",
			b: cat(hdr, attr(netlinkx.PACKET_DIAG_INFO, cat(u32(2), u32(1), u32(0), u32(0), u32(0), u32(netlinkx.PDI_RUNNING))...),
				attr(netlinkx.PACKET_DIAG_MCLIST, make([]byte, 44)...), attr(netlinkx.PACKET_DIAG_UID, u32(1000)...),
				attr(netlinkx.PACKET_DIAG_FANOUT, u32(0x10007)...), attr(netlinkx.PACKET_DIAG_MEMINFO, u32(768)...)),
			want: with(func(m *netlinkx.PacketDiagMsg) {
				m.Info = netlinkx.PacketDiagInfo{Index: 2, Version: 1, Flags: netlinkx.PDI_RUNNING}
				m.UID, m.Fanout, m.SKMemInfo = 1000, 0x10007, u32(768)
			}),
			has: []uint16{netlinkx.PACKET_DIAG_INFO, netlinkx.PACKET_DIAG_MCLIST, netlinkx.PACKET_DIAG_FANOUT, netlinkx.PACKET_DIAG_UID, netlinkx.PACKET_DIAG_MEMINFO}},
		{name: "info too short", b: cat(hdr, attr(netlinkx.PACKET_DIAG_INFO, make([]byte, 20)...)), wantErr: "packet_diag_msg inode 555: attribute 0: 20 bytes, want at least 24"},
		{name: "uid too short", b: cat(hdr, attr(netlinkx.PACKET_DIAG_UID, 1)), wantErr: "packet_diag_msg inode 555: attribute 5: 1 bytes, want 4"},
	})
}

// TestEthProtocolNames checks the ETH_P_* values spelt out for other OSes against x/sys/unix.
func TestEthProtocolNames(t *testing.T) {
	for p, want := range map[int]string{unix.ETH_P_IP: "ip", unix.ETH_P_IPV6: "ipv6", unix.ETH_P_ARP: "arp", unix.ETH_P_ALL: "all",
		unix.ETH_P_8021Q: "802.1Q", unix.ETH_P_8021AD: "802.1ad", unix.ETH_P_LLDP: "LLDP", unix.ETH_P_MPLS_UC: "mpls_uc",
		unix.ETH_P_CAN: "can", unix.ETH_P_TIPC: "tipc", unix.ETH_P_LOOP: "loop", unix.ETH_P_TEB: "teb", unix.ETH_P_CFM: "cfm",
		unix.ETH_P_PPP_SES: "ppp_ses", unix.ETH_P_RARP: "rarp", 0x1234: "[4660]"} {
		if got := netlinkx.EthProtocolName(uint16(p)); got != want {
			t.Errorf("EthProtocolName(%#x) = %q, want %q", p, got, want)
		}
	}
}

func FuzzPacketDiagMsg(f *testing.F) {
	fuzzDiagMsg(f, "packet_diag", func(m *netlinkx.PacketDiagMsg) {
		_, _, _ = m.ProtocolName(), m.TypeName(), m.StateName()
		_, _ = m.RQueue()
	}, func(m *netlinkx.PacketDiagMsg) { m.UID = 42 })
}

// TestSockDiagDecodeAllocs checks that decoding a recorded message of each
// family allocates nothing: the messages alias the dump buffer.
func TestSockDiagDecodeAllocs(t *testing.T) {
	var um netlinkx.UnixDiagMsg
	var nm netlinkx.NetlinkDiagMsg
	var pm netlinkx.PacketDiagMsg
	for _, c := range []struct {
		dir    string
		decode func([]byte) error
	}{
		{"unix_diag", um.UnmarshalBinary},
		{"netlink_diag", nm.UnmarshalBinary},
		{"packet_diag", pm.UnmarshalBinary},
	} {
		payloads, _ := recorded(t, c.dir, "sockets")
		allocs := testing.AllocsPerRun(10, func() {
			for _, p := range payloads {
				if err := c.decode(p); err != nil {
					t.Fatal(err)
				}
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations decoding %d messages, want 0", c.dir, allocs, len(payloads))
		}
	}
}
