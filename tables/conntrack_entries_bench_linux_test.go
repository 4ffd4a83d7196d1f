package tables

import (
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mdlayher/netlink"
	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/ti-mo/conntrack"
	"golang.org/x/sys/unix"
)

// benchConntrackSizes are the table sizes BenchmarkConntrack runs at:
// NLQ_BENCH_CONNTRACK, comma separated (mk/ct.mk sets 5000,50000), or 50,000.
func benchConntrackSizes(b *testing.B) []int {
	s := os.Getenv("NLQ_BENCH_CONNTRACK")
	if s == "" {
		return []int{50000}
	}
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			b.Fatalf("NLQ_BENCH_CONNTRACK=%q: want sizes like 5000,50000", s)
		}
		out = append(out, v)
	}
	return out
}

// BenchmarkConntrack reads conntrack_entries (every column) in a namespace
// whose table holds n UDP entries (made with ti-mo/conntrack's Create), and
// runs `conntrack -L` there in the same run: x_conntrack is our time per
// query over conntrack's per process (its process start included; both read
// one ctnetlink dump, conntrack prints text, we build rows); x_floor is our
// time over the bare dump's (netlinkx.Dump, nothing decoded).
func BenchmarkConntrack(b *testing.B) {
	ns, fd := benchNS(b, "conntrack")
	c, err := conntrack.Dial(&netlink.Config{NetNS: int(fd)})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	have := 0
	for _, n := range benchConntrackSizes(b) {
		for ; have < n; have++ {
			src := netip.AddrFrom4([4]byte{10, byte(have >> 16), byte(have >> 8), byte(have)})
			f := conntrack.NewFlow(unix.IPPROTO_UDP, 0, src, netip.MustParseAddr("192.0.2.1"), 1024+uint16(have%60000), 53, 3600, 0)
			if err := c.Create(f); err != nil {
				b.Fatalf("create entry %d: %v", have, err)
			}
		}
		b.Run(fmt.Sprintf("entries=%d", have), func(b *testing.B) {
			ours := benchVsTool(b, conntrackEntries, fd, have, false, "conntrack", 5, "ip", "netns", "exec", ns.Name, "conntrack", "-L")
			// The floor: the same ctnetlink dump with nothing decoded.
			const runs = 5
			fstart := time.Now()
			for range runs {
				err := netlinkx.Dump(b.Context(), netlinkx.DumpRequest{Protocol: unix.NETLINK_NETFILTER, NetNS: fd,
					Type: unix.NFNL_SUBSYS_CTNETLINK<<8 | netlinkx.IPCTNL_MSG_CT_GET, Flags: unix.NLM_F_DUMP, Data: []byte{unix.AF_UNSPEC, 0, 0, 0}},
					func(netlink.Header, []byte) error { return nil })
				if err != nil {
					b.Fatal(err)
				}
			}
			floor := time.Since(fstart) / runs
			b.ReportMetric(float64(ours)/float64(floor), "x_floor")
		})
	}
}
