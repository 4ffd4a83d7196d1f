package tables

import (
	"fmt"
	"testing"
)

// BenchmarkRoutes reads netlink_routes (every column) in a namespace
// holding 10,000 then 100,000 IPv4 /32 routes via a gateway on one veth,
// and runs `ip -j route show table all` there in the same run: x_ip is our
// time per query over ip's per process (ip's includes its process start,
// ours a Go call; both read the IPv4 and IPv6 dumps, ours also the link
// names).
func BenchmarkRoutes(b *testing.B) {
	ns, fd := vethBench(b, "rb0", "rb1", "10.0.0.1/24")
	route := func(i int) string {
		return fmt.Sprintf("route add 11.%d.%d.%d/32 via 10.0.0.2 dev rb0", i>>16, i>>8&0xff, i&0xff)
	}
	benchSteps(b, ns, steps{"routes", []int{10000, 100000}, route, ipBatch}, func(b *testing.B, have int) {
		benchVsTool(b, netlinkRoutes, fd, have, true, "ip", 5, "ip", "-n", ns.Name, "-j", "route", "show", "table", "all")
	})
}
