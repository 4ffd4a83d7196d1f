package tables

import (
	"fmt"
	"strings"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// BenchmarkNeighbors reads netlink_neighbors (every column) in a namespace
// holding n permanent IPv4 neighbours on one veth, and runs `ip -s -j neigh
// show` there in the same run: x_ip is our time per query over ip's per
// process (ip's includes its process start, ours a Go call; ours also reads
// the proxy table and the link names).
func BenchmarkNeighbors(b *testing.B) {
	nstest.NeedTool(b, "ip")
	ns := nstest.New(b)
	fd := ns.Open()
	ns.Run("ip", "link", "add", "nv0", "type", "veth", "peer", "name", "nv1")
	ns.Run("ip", "addr", "add", "10.64.0.1/10", "dev", "nv0")
	ns.Run("ip", "link", "set", "nv0", "up")
	have := 0
	for _, n := range []int{1000, 10000} {
		var batch strings.Builder
		for ; have < n; have++ {
			fmt.Fprintf(&batch, "neigh add 10.%d.%d.%d lladdr 02:00:00:%02x:%02x:%02x dev nv0 nud permanent\n",
				64+have>>16, have>>8&0xff, have&0xff, have>>16, have>>8&0xff, have&0xff)
		}
		feed(b, ns, batch.String(), "ip", "-batch", "-")
		b.Run(fmt.Sprintf("neighbors=%d", have), func(b *testing.B) {
			ours, rows := benchRead(b, netlinkNeighbors, fd)
			if rows < have {
				b.Fatalf("%d rows, want at least %d", rows, have)
			}
			b.StopTimer()
			theirs := toolTime(b, 10, "ip", "-n", ns.Name, "-s", "-j", "neigh", "show")
			b.ReportMetric(float64(ours)/float64(theirs), "x_ip")
			b.ReportMetric(float64(theirs.Microseconds()), "ip_us/op")
		})
	}
}
