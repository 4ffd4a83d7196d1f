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
		cmd := ns.Command("nft", "-f", "-")
		cmd.Stdin = strings.NewReader(batch.String())
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("nft -f: %v: %s", err, out)
		}
		b.Run(fmt.Sprintf("rules=%d", have), func(b *testing.B) {
			spec := nftablesRules.Spec()
			b.ReportAllocs()
			rows := 0
			start := time.Now()
			for b.Loop() {
				q := NewQuery(spec, nil, nil)
				q.NetNS = fd
				rows = 0
				if err := nftablesRules.Run(context.Background(), q, func([]Value) error { rows++; return nil }); err != nil {
					b.Fatal(err)
				}
			}
			ours := time.Since(start) / time.Duration(b.N)
			if rows != have {
				b.Fatalf("%d rows, want %d", rows, have)
			}
			const runs = 5
			nftStart := time.Now()
			for range runs {
				if out, err := exec.Command("ip", "netns", "exec", ns.Name, "nft", "-j", "list", "ruleset").Output(); err != nil || len(out) == 0 {
					b.Fatalf("nft -j list ruleset: %v", err)
				}
			}
			nft := time.Since(nftStart) / runs
			b.ReportMetric(float64(ours)/float64(nft), "x_nft")
		})
	}
}
