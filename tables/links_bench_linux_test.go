package tables

import (
	"fmt"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// BenchmarkLinks reads netlink_links (every column) and link_stats64 in a
// namespace holding n links (veth pairs), and runs `ip -s -j link show`
// there in the same run: x_ip is our time per query over ip's per process
// (ip's includes its process start, ours a Go call; both read one dump).
func BenchmarkLinks(b *testing.B) {
	ns := nstest.New(b)
	fd := ns.Open()
	veth := func(i int) string { return fmt.Sprintf("link add bv%d type veth peer name bw%d", i, i) }
	have := 1 // lo
	for _, n := range []int{100, 1000} {
		have = feedUpTo(b, ns, have, n, 2, veth, "ip", "-batch", "-")
		for _, tb := range []Interface{netlinkLinks, linkStats64} {
			b.Run(fmt.Sprintf("%s/links=%d", tb.Spec().Name, have), func(b *testing.B) {
				benchVsTool(b, tb, fd, have, false, "ip", 20, "ip", "-n", ns.Name, "-s", "-j", "link", "show")
			})
		}
	}
}
