package netlinkx_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/netlinkq/netlinkq/netlinkx"
)

// setNftMidRead makes ReadNftRuleset call f in the middle of each read until the test ends.
func setNftMidRead(t *testing.T, f func(try int)) {
	t.Helper()
	*netlinkx.NftMidRead = f
	t.Cleanup(func() { *netlinkx.NftMidRead = nil })
}

// TestReadNftRulesetRereads changes the ruleset during the first read (a
// chain and a rule are added after the chains were listed): the read is
// thrown away and the new ruleset read again, whole and under one generation.
func TestReadNftRulesetRereads(t *testing.T) {
	ns := nftChainNamespace(t)
	var tries []int
	setNftMidRead(t, func(try int) {
		tries = append(tries, try)
		if try == 0 {
			ns.Run("nft", "add chain inet t extra { comment \"added mid-read\"; }")
			ns.Run("nft", "add rule inet t extra counter accept")
		}
	})
	rs, err := netlinkx.ReadNftRuleset(context.Background(), ns.Open())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{0, 1}, tries); diff != "" {
		t.Errorf("reads (-want +got):\n%s", diff)
	}
	*netlinkx.NftMidRead = nil
	gen, err := netlinkx.NftGen(ns.Open())
	if err != nil {
		t.Fatal(err)
	}
	if rs.Gen != gen {
		t.Errorf("ruleset read under generation %d, the kernel is at %d", rs.Gen, gen)
	}
	var chains []string
	for i := range rs.Chains {
		if rs.Chains[i].Flags&netlinkx.NFT_CHAIN_BINDING == 0 {
			chains = append(chains, nftChainLine(&rs.Chains[i]))
		}
	}
	slices.Sort(chains)
	if diff := cmp.Diff(nftJSONChainLines(t, ns.Run("nft", "-j", "-a", "list", "chains")), chains); diff != "" {
		t.Errorf("chains vs nft -j -a list chains after the change (-want +got):\n%s", diff)
	}
	var rules []string
	for _, r := range rs.Rules {
		rules = append(rules, fmt.Sprintf("%s %s %s", r.Table, r.Chain, netlinkx.RenderNftExprs(r.Exprs, nil)))
	}
	if !slices.Contains(rules, "t extra counter packets 0 bytes 0 accept") {
		t.Errorf("the rule added mid-read is not among %q", rules)
	}
}

// TestReadNftRulesetGivesUp changes the ruleset during every read:
// ReadNftRuleset stops after NftReadTries reads with ErrNftGenMoved.
func TestReadNftRulesetGivesUp(t *testing.T) {
	ns := nftChainNamespace(t)
	var tries []int
	setNftMidRead(t, func(try int) {
		tries = append(tries, try)
		ns.Run("nft", "add rule inet t c counter")
	})
	rs, err := netlinkx.ReadNftRuleset(context.Background(), ns.Open())
	if !errors.Is(err, netlinkx.ErrNftGenMoved) {
		t.Fatalf("ReadNftRuleset = %v, %v; want ErrNftGenMoved", rs, err)
	}
	t.Logf("error: %v", err)
	if len(tries) != netlinkx.NftReadTries {
		t.Errorf("%d reads, want %d", len(tries), netlinkx.NftReadTries)
	}
}
