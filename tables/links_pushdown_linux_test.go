package tables

import "testing"

// TestLinkTablesPushdownKeepsEveryRow checks, for every per-link table, that
// a query narrowed by interface, index, family or their combinations returns
// every row the unconstrained query has that SQLite would keep: a missing row
// is a bug, extra rows are harmless (SQLite re-checks).
func TestLinkTablesPushdownKeepsEveryRow(t *testing.T) {
	lab := newLinkLab(t)
	idx := map[string]string{}
	for _, r := range tableRows(t, netlinkLinks, lab.fd, nil, []string{"interface", "index"}) {
		idx[r["interface"]] = r["index"]
	}
	cases := []map[string][]Constraint{
		eq("interface", "veth0"),
		eq("interface", "dv0", "lo", "no-such"),
		eq("interface", "dv-alt"), // an altname: no row has it as interface
		eq("index", idx["vb0"]),
		eq("index", idx["dv0"], "1", "99999"),
		eq("index", idx["dv0"]+".0"),
		and(eq("index", idx["veth0"]), eq("interface", "veth0")),
		and(eq("index", idx["veth0"]), eq("interface", "dv0")),
		and(eq("index", "x"), eq("interface", "br0")),
		eq("interface", "all", "default", "lo"),
		eq("index", "-1", "-2", "1"),
		and(eq("family", "inet"), eq("interface", "dv0")),
		and(eq("family", "link", "inet6"), eq("index", idx["veth0"])),
		eq("family", "inet6"),
	}
	for _, tb := range []Interface{netlinkLinks, linkStats64, linkSettings, netlinkAddresses, ifMap,
		inet6Devconf, inetDevconf, inet6Stats, icmp6Stats, inet6Interfaces} {
		t.Run(tb.Spec().Name, func(t *testing.T) {
			cols := []string{"interface", "index"}
			perFamily := tb.Spec().Index("family") >= 0
			if perFamily {
				cols = append(cols, "family", "address")
			}
			all := tableRows(t, tb, lab.fd, nil, cols)
			for _, cons := range cases {
				if _, ok := cons["family"]; !ok || perFamily {
					checkKeeps(t, all, tableRows(t, tb, lab.fd, cons, cols), cons, rowText)
				}
			}
		})
	}
}
