package tables

import (
	"fmt"
	"strings"
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
	have := 1 // lo
	for _, n := range []int{100, 1000} {
		var batch strings.Builder
		for ; have < n; have += 2 {
			fmt.Fprintf(&batch, "link add bv%d type veth peer name bw%d\n", have, have)
		}
		feed(b, ns, batch.String(), "ip", "-batch", "-")
		for _, tb := range []Interface{netlinkLinks, linkStats64} {
			b.Run(fmt.Sprintf("%s/links=%d", tb.Spec().Name, have), func(b *testing.B) {
				ours, rows := benchRead(b, tb, fd)
				if rows != have {
					b.Fatalf("%d rows, want %d", rows, have)
				}
				b.StopTimer()
				theirs := toolTime(b, 20, "ip", "-n", ns.Name, "-s", "-j", "link", "show")
				b.ReportMetric(float64(ours)/float64(theirs), "x_ip")
				b.ReportMetric(float64(theirs.Microseconds()), "ip_us/op")
			})
		}
	}
}
