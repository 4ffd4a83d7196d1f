package tables

import (
	"fmt"
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
	ns.Run("ip", "link", "add", "nv0", "type", "veth", "peer", "name", "nv1")
	ns.Up("nv0", "10.64.0.1/10")
	fd := ns.Open()
	neigh := func(i int) string {
		return fmt.Sprintf("neigh add 10.%d.%d.%d lladdr 02:00:00:%02x:%02x:%02x dev nv0 nud permanent",
			64+i>>16, i>>8&0xff, i&0xff, i>>16, i>>8&0xff, i&0xff)
	}
	have := 0
	for _, n := range []int{1000, 10000} {
		have = feedUpTo(b, ns, have, n, 1, neigh, "ip", "-batch", "-")
		b.Run(fmt.Sprintf("neighbors=%d", have), func(b *testing.B) {
			benchVsTool(b, netlinkNeighbors, fd, have, true, "ip", 10, "ip", "-n", ns.Name, "-s", "-j", "neigh", "show")
		})
	}
}
