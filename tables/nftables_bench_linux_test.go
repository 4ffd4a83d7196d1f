package tables

import (
	"fmt"
	"strings"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// BenchmarkNftablesRules reads nftables_rules in a namespace holding n rules
// (tcp dport N counter accept) and runs `nft -j list ruleset` there in the
// same run: x_nft is our time per query over nft's per process.
func BenchmarkNftablesRules(b *testing.B) {
	nstest.NeedTool(b, "nft")
	ns := nstest.New(b)
	fd := ns.Open()
	ns.Run("nft", "add table inet bench; add chain inet bench input { type filter hook input priority 0; }")
	have := 0
	for _, n := range []int{1000, 10000} {
		var batch strings.Builder
		for ; have < n; have++ {
			fmt.Fprintf(&batch, "add rule inet bench input tcp dport %d counter accept\n", have%65536)
		}
		feed(b, ns, batch.String(), "nft", "-f", "-")
		b.Run(fmt.Sprintf("rules=%d", have), func(b *testing.B) {
			ours, rows := benchRead(b, nftablesRules, fd)
			if rows != have {
				b.Fatalf("%d rows, want %d", rows, have)
			}
			nft := toolTime(b, 5, "ip", "netns", "exec", ns.Name, "nft", "-j", "list", "ruleset")
			b.ReportMetric(float64(ours)/float64(nft), "x_nft")
		})
	}
}
