package tables

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

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
		cols := []string{"interface", "index"}
		if tb.Spec().Index("family") >= 0 {
			cols = append(cols, "family", "address")
		}
		key := func(r map[string]string) string {
			var s []string
			for _, c := range cols {
				s = append(s, r[c])
			}
			return strings.Join(s, " ")
		}
		all := tableRows(t, tb, lab.fd, nil, cols)
		for _, cons := range cases {
			if _, ok := cons["family"]; ok && tb.Spec().Index("family") < 0 {
				continue
			}
			var want, got []string
			for _, r := range all {
				if matches(r, cons) {
					want = append(want, key(r))
				}
			}
			for _, r := range tableRows(t, tb, lab.fd, cons, cols) {
				if matches(r, cons) {
					got = append(got, key(r))
				}
			}
			slices.Sort(want)
			slices.Sort(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s WHERE %v (-unconstrained +constrained):\n%s", tb.Spec().Name, fmt.Sprint(cons), diff)
			}
		}
	}
}
