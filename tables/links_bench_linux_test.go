package tables

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

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
		cmd := ns.Command("ip", "-batch", "-")
		cmd.Stdin = strings.NewReader(batch.String())
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("ip -batch: %v: %s", err, out)
		}
		ipTime := func() time.Duration {
			const runs = 20
			start := time.Now()
			for range runs {
				if out, err := exec.Command("ip", "-n", ns.Name, "-s", "-j", "link", "show").Output(); err != nil || len(out) == 0 {
					b.Fatalf("ip -s -j link show: %v", err)
				}
			}
			return time.Since(start) / runs
		}
		for _, tb := range []Interface{netlinkLinks, linkStats64} {
			b.Run(fmt.Sprintf("%s/links=%d", tb.Spec().Name, have), func(b *testing.B) {
				spec := tb.Spec()
				b.ReportAllocs()
				rows := 0
				start := time.Now()
				for b.Loop() {
					q := NewQuery(spec, nil, nil)
					q.NetNS = fd
					rows = 0
					err := tb.Run(context.Background(), q, func([]Value) error { rows++; return nil })
					if err != nil {
						b.Fatal(err)
					}
				}
				ours := time.Since(start) / time.Duration(b.N)
				if rows != have {
					b.Fatalf("%d rows, want %d", rows, have)
				}
				b.StopTimer()
				theirs := ipTime()
				b.ReportMetric(float64(ours)/float64(theirs), "x_ip")
				b.ReportMetric(float64(theirs.Microseconds()), "ip_us/op")
			})
		}
	}
}
