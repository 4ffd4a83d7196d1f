package tables

import (
	"fmt"
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
	rule := func(i int) string {
		return fmt.Sprintf("add rule inet bench input tcp dport %d counter accept", i%65536)
	}
	benchSteps(b, ns, steps{"rules", []int{1000, 10000}, rule, []string{"nft", "-f", "-"}}, func(b *testing.B, have int) {
		benchVsTool(b, nftablesRules, fd, have, false, "nft", 5, "ip", "netns", "exec", ns.Name, "nft", "-j", "list", "ruleset")
	})
}
