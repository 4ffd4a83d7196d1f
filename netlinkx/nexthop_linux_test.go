package netlinkx_test

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"golang.org/x/sys/unix"
)

// nexthopLine is a decoded RTM_NEWNEXTHOP on one line, as the .txt files keep it.
func nexthopLine(m *netlinkx.NexthopMessage) string {
	var l line
	l.add("id=%d fam=%d scope=%s proto=%s flags=%s via=%s oif=%d blackhole=%t fdb=%t encap=%d",
		m.ID, m.Family, netlinkx.ScopeName(m.Scope), netlinkx.RouteProtocolName(m.Protocol), netlinkx.NexthopFlags(m.Flags),
		addrOrDash(m.Gateway), m.OIF, m.Blackhole, m.FDB, m.EncapType)
	l.opt(len(m.Group) > 0, " group=%s", m.GroupString())
	l.opt(m.HasGroupType, " type=%s", netlinkx.NexthopGroupTypeName(m.GroupType))
	r := m.ResGroup
	l.opt(m.HasResGroup, " buckets=%d idle_timer=%g unbalanced_timer=%g unbalanced_time=%g", r.Buckets, netlinkx.ClockTimeSeconds(uint64(r.IdleTimer)),
		netlinkx.ClockTimeSeconds(uint64(r.UnbalancedTimer)), netlinkx.ClockTimeSeconds(r.UnbalancedTime))
	return l.String()
}

// nexthopLab is a namespace filled by nstest's NexthopLab: nexthops of
// every kind on links veth0 and nh0. It returns the commands.
func nexthopLab(t *testing.T) (*nstest.NS, []string) {
	t.Helper()
	ns := nstest.New(t)
	return ns, ns.NexthopLab()
}

// TestRecordNexthops re-records testdata/rtnl_nexthop with -record, from
// nexthopLab's namespace: one file per nexthop, named by id.
func TestRecordNexthops(t *testing.T) {
	needRecord(t)
	ns, cmds := nexthopLab(t)
	shown := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(ns.Run("ip", "-d", "nexthop", "show")), "\n") {
		f := strings.Fields(l)
		shown[f[1]] = strings.TrimSpace(l)
	}
	msgs := rawDump(t, ns.Open(), unix.RTM_GETNEXTHOP, unix.RTM_NEWNEXTHOP, make([]byte, 8))
	recordLines(t, "rtnl_nexthop", cmds, msgs, nexthopLine, func(m *netlinkx.NexthopMessage) (string, string, bool) {
		return fmt.Sprintf("id_%d", m.ID), "ip -d nexthop show:\n" + shown[fmt.Sprint(m.ID)], true
	})
}

// TestNexthopMessageTestdata decodes each recorded RTM_NEWNEXTHOP and
// compares it with the line decoded at recording time (checked then against
// `ip -d nexthop show`, kept beside it, and by the tables tests against `ip -j`).
func TestNexthopMessageTestdata(t *testing.T) {
	checkRecordedLines[netlinkx.NexthopMessage](t, "rtnl_nexthop", 8, nexthopLine)
}

// nhmsg builds an RTM_NEWNEXTHOP payload.
func nhmsg(family, scope, protocol uint8, flags uint32, attrs ...[]byte) []byte {
	return withAttrs(cat([]byte{family, scope, protocol, 0}, u32(flags)), attrs...)
}

// nhGrp builds one struct nexthop_grp.
func nhGrp(id uint32, weight, weightHigh uint8) []byte {
	return append(u32(id), weight, weightHigh, 0, 0)
}

func TestNexthopMessageUnmarshal(t *testing.T) {
	checkLineCases(t, nexthopLine, []lineCase{
		{name: "short", b: make([]byte, 7), wantErr: "nhmsg: 7 bytes"},
		{name: "gateway of 5 bytes", b: nhmsg(unix.AF_INET, 0, 0, 0, attr(unix.NHA_ID, u32(1)...), attr(unix.NHA_GATEWAY, []byte{1, 2, 3, 4, 5}...)), wantErr: "address of 5 bytes"},
		{name: "group of 12 bytes", b: nhmsg(0, 0, 0, 0, attr(unix.NHA_ID, u32(3)...), attr(unix.NHA_GROUP, append(nhGrp(1, 0, 0), 1, 2, 3, 4)...)), wantErr: "NHA_GROUP: 12 bytes"},
		{name: "short id", b: nhmsg(unix.AF_INET, 0, 0, 0, attr(unix.NHA_ID, []byte{1, 0}...)), wantErr: "nexthop id 0"},
		{name: "short bucket count", b: nhmsg(0, 0, 0, 0, attr(unix.NHA_ID, u32(4)...), attr(unix.NLA_F_NESTED|netlinkx.NHA_RES_GROUP, attr(netlinkx.NHA_RES_GROUP_BUCKETS, []byte{1}...)...)), wantErr: "nexthop id 4"},
		{name: "v6 gateway, flags, unknown attribute skipped", b: nhmsg(unix.AF_INET6, unix.RT_SCOPE_LINK, unix.RTPROT_ZEBRA, unix.RTNH_F_ONLINK|unix.RTNH_F_LINKDOWN|0x1000,
			attr(unix.NHA_ID, u32(7)...), attr(unix.NHA_OIF, u32(3)...), attr(unix.NHA_GATEWAY, netip.MustParseAddr("fe80::1").AsSlice()...),
			attr(unix.NHA_ENCAP_TYPE, u16(1)...), attr(99, []byte{1}...)),
			want: "id=7 fam=10 scope=link proto=zebra flags=onlink,linkdown,0x1000 via=fe80::1 oif=3 blackhole=false fdb=false encap=1"},
		{name: "blackhole", b: nhmsg(unix.AF_INET, 0, unix.RTPROT_BOOT, 0, attr(unix.NHA_ID, u32(2)...), attr(unix.NHA_BLACKHOLE, nil...)),
			want: "id=2 fam=2 scope=global proto=boot flags= via=- oif=0 blackhole=true fdb=false encap=0"},
		{name: "fdb", b: nhmsg(unix.AF_INET, 0, 0, 0, attr(unix.NHA_ID, u32(14)...), attr(unix.NHA_GATEWAY, []byte{10, 0, 0, 5}...), attr(netlinkx.NHA_FDB, nil...)),
			want: "id=14 fam=2 scope=global proto=unspec flags= via=10.0.0.5 oif=0 blackhole=false fdb=true encap=0"},
		{name: "mpath group, 16-bit weight", b: nhmsg(0, 0, 0, 0, attr(unix.NHA_ID, u32(10)...),
			attr(unix.NHA_GROUP, cat(nhGrp(1, 2, 0), nhGrp(3, 0, 0), nhGrp(4, 0xff, 1))...), attr(unix.NHA_GROUP_TYPE, u16(0)...),
			attr(netlinkx.NHA_OP_FLAGS, u32(netlinkx.NHA_OP_FLAG_RESP_GRP_RESVD_0)...)),
			want: "id=10 fam=0 scope=global proto=unspec flags= via=- oif=0 blackhole=false fdb=false encap=0 group=1,3/3/4,512 type=mpath"},
		{name: "weight_high of a kernel that may leave it unset", b: nhmsg(0, 0, 0, 0, attr(unix.NHA_ID, u32(10)...),
			attr(unix.NHA_GROUP, cat(nhGrp(1, 2, 7), nhGrp(4, 0xff, 1))...)),
			want: "id=10 fam=0 scope=global proto=unspec flags= via=- oif=0 blackhole=false fdb=false encap=0 group=1,3/4,256"},
		{name: "resilient group", b: nhmsg(0, 0, 0, 0, attr(unix.NHA_ID, u32(11)...), attr(unix.NHA_GROUP, nhGrp(1, 0, 0)...), attr(unix.NHA_GROUP_TYPE, u16(1)...),
			attr(unix.NLA_F_NESTED|netlinkx.NHA_RES_GROUP, cat(
				attr(0, nil...), // NHA_RES_GROUP_PAD
				attr(netlinkx.NHA_RES_GROUP_BUCKETS, u16(8)...), attr(netlinkx.NHA_RES_GROUP_IDLE_TIMER, u32(6000)...),
				attr(netlinkx.NHA_RES_GROUP_UNBALANCED_TIMER, u32(150)...), attr(netlinkx.NHA_RES_GROUP_UNBALANCED_TIME, u64(25)...),
			)...)),
			want: "id=11 fam=0 scope=global proto=unspec flags= via=- oif=0 blackhole=false fdb=false encap=0 group=1 type=resilient buckets=8 idle_timer=60 unbalanced_timer=1.5 unbalanced_time=0.25"},
	})
}

// TestNexthopMessageReused checks that decoding into a message that held a
// group leaves nothing of it behind, and reuses the group's array.
func TestNexthopMessageReused(t *testing.T) {
	group := nhmsg(0, 0, 0, 0, attr(unix.NHA_ID, u32(10)...), attr(unix.NHA_GROUP, append(nhGrp(1, 0, 0), nhGrp(2, 0, 0)...)...),
		attr(unix.NLA_F_NESTED|netlinkx.NHA_RES_GROUP, attr(netlinkx.NHA_RES_GROUP_BUCKETS, []byte{8, 0}...)...))
	single := nhmsg(unix.AF_INET, 0, 0, 0, attr(unix.NHA_ID, u32(1)...), attr(unix.NHA_OIF, u32(2)...))
	m := checkReused(t, nexthopLine, group, single)
	if err := m.UnmarshalBinary(group); err != nil {
		t.Fatal(err)
	}
	first := &m.Group[0]
	if err := m.UnmarshalBinary(group); err != nil {
		t.Fatal(err)
	}
	if &m.Group[0] != first {
		t.Error("decoding a group again allocated a new member array")
	}
}

// FuzzNexthopMessage decodes the copy into a message that held a group too.
func FuzzNexthopMessage(f *testing.F) {
	fuzzLine(f, "rtnl_nexthop", nexthopLine, func() *netlinkx.NexthopMessage {
		return &netlinkx.NexthopMessage{ID: 5, Group: []netlinkx.NexthopGrp{{ID: 1}}, HasResGroup: true, Blackhole: true}
	})
}

// TestDumpNexthopRequests checks each narrowing of a nexthop request
// against nexthopLab's objects, and that the kernel itself applies the dump
// filters DumpNexthops sends (NHA_OIF, NHA_GROUPS, nh_family).
func TestDumpNexthopRequests(t *testing.T) {
	ns, _ := nexthopLab(t)
	fd := ns.Open()
	nh0 := ns.Ifindex("nh0")
	ids := func(msgs [][]byte) []uint32 {
		var out []uint32
		for _, b := range msgs {
			var m netlinkx.NexthopMessage
			if err := m.UnmarshalBinary(b); err != nil {
				t.Fatal(err)
			}
			out = append(out, m.ID)
		}
		return out
	}
	sorted := cmpopts.SortSlices(func(a, b uint32) bool { return a < b })
	t.Run("kernel filters", func(t *testing.T) {
		oif := cat(make([]byte, 8), attr(unix.NHA_OIF, u32(nh0)...))
		groups := cat(make([]byte, 8), attr(unix.NHA_GROUPS))
		inet6 := make([]byte, 8)
		inet6[0] = unix.AF_INET6
		for _, k := range []struct {
			name string
			req  []byte
			want []uint32
		}{
			{"NHA_OIF", oif, []uint32{7, 8}},
			{"NHA_GROUPS", groups, []uint32{10, 11, 12, 13, 15}},
			{"AF_INET6", inet6, []uint32{4, 9}},
		} {
			if diff := cmp.Diff(k.want, ids(rawDump(t, fd, unix.RTM_GETNEXTHOP, unix.RTM_NEWNEXTHOP, k.req)), sorted); diff != "" {
				t.Errorf("%s (-want +kernel sent):\n%s", k.name, diff)
			}
		}
	})
	for _, tt := range []struct {
		name string
		req  netlinkx.NexthopRequest
		want []uint32
	}{
		{"all", netlinkx.NexthopRequest{}, []uint32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}},
		{"id", netlinkx.NexthopRequest{ID: 10}, []uint32{10}},
		{"no such id", netlinkx.NexthopRequest{ID: 99}, nil},
		{"id of another family", netlinkx.NexthopRequest{ID: 1, Family: unix.AF_INET6}, nil},
		{"id of a group, groups only", netlinkx.NexthopRequest{ID: 11, Groups: true}, []uint32{11}},
		{"id not a group, groups only", netlinkx.NexthopRequest{ID: 1, Groups: true}, nil},
		{"group id on a device", netlinkx.NexthopRequest{ID: 10, OIF: nh0}, nil},
		{"oif", netlinkx.NexthopRequest{OIF: nh0}, []uint32{7, 8}},
		{"inet", netlinkx.NexthopRequest{Family: unix.AF_INET}, []uint32{1, 2, 3, 5, 6, 7, 8, 14}},
		{"groups", netlinkx.NexthopRequest{Groups: true}, []uint32{10, 11, 12, 13, 15}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.NetNS = fd
			got := dumped(t, netlinkx.DumpNexthops, tt.req, func(m *netlinkx.NexthopMessage) uint32 { return m.ID }, nil)
			if diff := cmp.Diff(tt.want, got, sorted); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestDumpNexthopsWideWeight adds, over netlink (iproute2 6.1 takes weights
// up to 255 only), a group whose member has weight 1000 (weight_high, kernel
// 6.12+), and checks that the dump gives it back whole.
func TestDumpNexthopsWideWeight(t *testing.T) {
	ns, _ := nexthopLab(t)
	fd := ns.Open()
	w := uint32(1000 - 1) // the kernel takes and sends the weight minus one
	req := nhmsg(unix.AF_UNSPEC, 0, 0, 0, attr(unix.NHA_ID, u32(20)...),
		attr(unix.NHA_GROUP, append(nhGrp(1, uint8(w), uint8(w>>8)), nhGrp(7, 0, 0)...)...))
	if err := create(t, fd, unix.RTM_NEWNEXTHOP, req); err != nil {
		if netlinkx.KernelAtLeast(6, 12) {
			t.Fatalf("kernel 6.12+ refuses a nexthop weight of 1000: %v", err)
		}
		t.Skipf("kernel refuses a nexthop weight of 1000 (16-bit weights need kernel 6.12+): %v", err)
	}
	got := dumped(t, netlinkx.DumpNexthops, netlinkx.NexthopRequest{NetNS: fd, ID: 20}, (*netlinkx.NexthopMessage).GroupString, nil)
	checkLines(t, "groups", []string{"1,1000/7"}, got)
}
