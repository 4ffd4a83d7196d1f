package tables

import (
	"fmt"
	"strings"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// BenchmarkRoutes reads netlink_routes (every column) in a namespace
// holding 10,000 then 100,000 IPv4 /32 routes via a gateway on one veth,
// and runs `ip -j route show table all` there in the same run: x_ip is our
// time per query over ip's per process (ip's includes its process start,
// ours a Go call; both read the IPv4 and IPv6 dumps, ours also the link
// names).
func BenchmarkRoutes(b *testing.B) {
	nstest.NeedTool(b, "ip")
	ns := nstest.New(b)
	fd := ns.Open()
	ns.Run("ip", "link", "add", "rb0", "type", "veth", "peer", "name", "rb1")
	ns.Run("ip", "addr", "add", "10.0.0.1/24", "dev", "rb0")
	ns.Run("ip", "link", "set", "rb0", "up")
	ns.Run("ip", "link", "set", "rb1", "up")
	have := 0
	for _, n := range []int{10000, 100000} {
		var batch strings.Builder
		for ; have < n; have++ {
			fmt.Fprintf(&batch, "route add 11.%d.%d.%d/32 via 10.0.0.2 dev rb0\n", have>>16, have>>8&0xff, have&0xff)
		}
		feed(b, ns, batch.String(), "ip", "-batch", "-")
		b.Run(fmt.Sprintf("routes=%d", have), func(b *testing.B) {
			ours, rows := benchRead(b, netlinkRoutes, fd)
			if rows < have {
				b.Fatalf("%d rows, want at least %d", rows, have)
			}
			b.StopTimer()
			theirs := toolTime(b, 5, "ip", "-n", ns.Name, "-j", "route", "show", "table", "all")
			b.ReportMetric(float64(ours)/float64(theirs), "x_ip")
			b.ReportMetric(float64(theirs.Microseconds()), "ip_us/op")
		})
	}
}
