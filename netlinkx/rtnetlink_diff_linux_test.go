package netlinkx_test

import (
	"net"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jsimonetti/rtnetlink/v2"

	"github.com/netlinkq/netlinkq/netlinkx"
)

// diffLink is what both decoders read from an RTM_NEWLINK.
type diffLink struct {
	Index, Flags, MTU, TxQLen, Master, Carrier uint32
	Type                                       uint16
	Name, Alias, Qdisc, Kind, Address, Bcast   string
	OperState                                  uint8
	RxBytes, TxBytes, RxPackets, TxPackets     uint64
}

// TestLinkDecoderAgreesWithRtnetlink decodes every recorded RTM_NEWLINK with
// ours and with jsimonetti/rtnetlink v2, and compares what both read. Ours
// decodes more (and any IFLA_STATS64 length); where both decode, they agree.
func TestLinkDecoderAgreesWithRtnetlink(t *testing.T) {
	checkAgree(t, "rtnl_link", true, func(theirs *rtnetlink.LinkMessage, ours *netlinkx.LinkMessage) (want, got diffLink) {
		a := theirs.Attributes
		want = diffLink{
			Index: theirs.Index, Flags: theirs.Flags, Type: theirs.Type, MTU: a.MTU,
			Name: a.Name, Qdisc: a.QueueDisc, Address: a.Address.String(), Bcast: a.Broadcast.String(),
			OperState: uint8(a.OperationalState),
		}
		if a.Alias != nil {
			want.Alias = *a.Alias
		}
		if a.TxQueueLen != nil {
			want.TxQLen = *a.TxQueueLen
		}
		if a.Master != nil {
			want.Master = *a.Master
		}
		if a.Carrier != nil {
			want.Carrier = uint32(*a.Carrier)
		}
		if a.Info != nil {
			want.Kind = a.Info.Kind
		}
		if s := a.Stats64; s != nil {
			want.RxBytes, want.TxBytes, want.RxPackets, want.TxPackets = s.RXBytes, s.TXBytes, s.RXPackets, s.TXPackets
		}
		got = diffLink{
			Index: uint32(ours.Index), Flags: ours.Flags, Type: ours.Type, MTU: ours.MTU,
			Name: ours.Name, Alias: string(ours.IfAlias), Qdisc: string(ours.Qdisc), Kind: string(ours.Kind),
			Address: net.HardwareAddr(ours.Address).String(), Bcast: net.HardwareAddr(ours.Broadcast).String(),
			OperState: ours.OperState, TxQLen: ours.TxQLen, Master: ours.Master, Carrier: uint32(ours.Carrier),
			RxBytes: ours.Stats64.RxBytes, TxBytes: ours.Stats64.TxBytes, RxPackets: ours.Stats64.RxPackets, TxPackets: ours.Stats64.TxPackets,
		}
		return want, got
	})
}

// diffAddr is what both decoders read from an RTM_NEWADDR.
type diffAddr struct {
	Family, PrefixLen, Scope         uint8
	Index, Flags                     uint32
	Address, Local, Broadcast, Label string
	Preferred, Valid                 uint32
}

// TestAddrDecoderAgreesWithRtnetlink is the same for every recorded RTM_NEWADDR.
func TestAddrDecoderAgreesWithRtnetlink(t *testing.T) {
	ip := func(a net.IP) string {
		if a == nil {
			return ""
		}
		if v4 := a.To4(); v4 != nil && len(a) == net.IPv4len {
			a = v4
		}
		addr, _ := netip.AddrFromSlice(a)
		return addr.String()
	}
	ipOurs := func(a netip.Addr) string {
		if !a.IsValid() {
			return ""
		}
		return a.String()
	}
	checkAgree(t, "rtnl_addr", false, func(theirs *rtnetlink.AddressMessage, ours *netlinkx.AddrMessage) (want, got diffAddr) {
		a := theirs.Attributes
		want = diffAddr{
			Family: theirs.Family, PrefixLen: theirs.PrefixLength, Scope: theirs.Scope, Index: theirs.Index,
			Flags: a.Flags, Address: ip(a.Address), Local: ip(a.Local), Broadcast: ip(a.Broadcast), Label: a.Label,
			Preferred: a.CacheInfo.Preferred, Valid: a.CacheInfo.Valid,
		}
		got = diffAddr{
			Family: ours.Family, PrefixLen: ours.PrefixLen, Scope: ours.Scope, Index: ours.Index,
			Flags: ours.AllFlags, Address: ipOurs(ours.Address), Local: ipOurs(ours.Local), Broadcast: ipOurs(ours.Broadcast),
			Label: string(ours.Label), Preferred: ours.CacheInfo.Prefered, Valid: ours.CacheInfo.Valid,
		}
		return want, got
	})
}

// checkAgree decodes each recording in testdata/<dir> with
// jsimonetti/rtnetlink's decoder (T) and ours (O), and compares the views
// of what both read that view gives. With theirsMayFail, a message
// rtnetlink cannot decode is skipped: ours lifts some of its limits (any
// IFLA_STATS64 length); otherwise that fails the test.
func checkAgree[T, O any, PT lineMsg[T], PO lineMsg[O], V any](t *testing.T, dir string, theirsMayFail bool, view func(theirs PT, ours PO) (want, got V)) {
	t.Helper()
	eachRecording(t, dir, 1, func(t *testing.T, b []byte, _ string) {
		theirs, ours := PT(new(T)), PO(new(O))
		if err := theirs.UnmarshalBinary(b); err != nil && theirsMayFail {
			t.Skipf("rtnetlink cannot decode it (%v): the limit ours lifts", err)
		} else if err != nil {
			t.Fatalf("rtnetlink: %v", err)
		}
		if err := ours.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if want, got := view(theirs, ours); !cmp.Equal(want, got) {
			t.Errorf("(-rtnetlink +ours):\n%s", cmp.Diff(want, got))
		}
	})
}
