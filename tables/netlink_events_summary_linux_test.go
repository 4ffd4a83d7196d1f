package tables

import (
	"encoding/binary"
	"os"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// TestRtSummaryRecorded formats the recorded notifications of
// netlinkx/testdata/rtnl_events (see its events.txt) as netlink_events'
// summary column, close to `ip monitor`.
func TestRtSummaryRecorded(t *testing.T) {
	nstest.NeedLittleEndian(t)
	b, err := os.ReadFile("../netlinkx/testdata/rtnl_events/events.bin")
	if err != nil {
		t.Fatal(err)
	}
	names := map[int32]string{1: "lo", 2: "d1", 3: "d0"}
	var got []string
	for len(b) >= 8 {
		typ, flags, n := binary.NativeEndian.Uint16(b[0:2]), binary.NativeEndian.Uint16(b[2:4]), int(binary.NativeEndian.Uint32(b[4:8]))
		ev, ok, err := netlinkx.DecodeRtEvent(typ, flags, b[8:8+n])
		b = b[8+n:]
		if err != nil || !ok {
			t.Fatalf("type %d: %v %v", typ, ok, err)
		}
		e := &rtEvent{RtEvent: ev, ifname: names[ev.IfIndex]}
		if ev.Kind == "netconf" && ev.IfIndex < 0 {
			continue
		}
		got = append(got, e.Action+" "+rtSummary(e))
	}
	for _, w := range []string{
		"new 3: d0 inet 10.7.0.1/24 scope global permanent",
		"change 3: d0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1400 state LOWERLAYERDOWN link/ether e6:3e:0c:d1:aa:07",
		"new local 10.7.0.1 dev d0 table local proto kernel scope host src 10.7.0.1",
		"new 10.9.0.0/24 via 10.7.0.2 dev d0 proto boot scope global",
		"new 10.7.0.5 dev d0 lladdr 02:00:00:00:00:05 PERMANENT",
		"new 32765: from 10.8.0.0/16 lookup 100",
		"new inet dev d0 forwarding 1",
		"del 10.9.0.0/24 via 10.7.0.2 dev d0 proto boot scope global",
	} {
		if !slices.Contains(got, w) {
			t.Errorf("no summary %q", w)
		}
	}
	if t.Failed() {
		t.Logf("summaries:\n%s", cmp.Diff([]string(nil), got))
	}
}
