package tables

import "github.com/netlinkq/netlinkq/netlinkx/nstest"

// This file holds what several tables' labs do alike.

// addVeth adds the veth pair dev–peer inside ns and brings both up, dev
// with addrs.
func addVeth(ns *nstest.NS, dev, peer string, addrs ...string) {
	ns.Run("ip", "link", "add", dev, "type", "veth", "peer", "name", peer)
	ns.Up(dev, addrs...)
	ns.Up(peer)
}

// loadRuleset loads the nft ruleset into ns.
func loadRuleset(ns *nstest.NS, ruleset string) {
	ns.Run("sh", "-c", "nft -f - <<'EOF'\n"+ruleset+"\nEOF")
}
