package tables

import (
	"fmt"
	"strings"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// nexthopCols are the netlink_nexthops columns nexthopLine compares with ip.
var nexthopCols = []string{"id", "gateway", "interface", "scope", "blackhole", "fdb", "protocol", "flags", "group", "group_type",
	"buckets", "idle_timer", "unbalanced_timer", "unbalanced_time"}

// nexthopLine renders a netlink_nexthops row as ipNexthopLines renders ip's.
func nexthopLine(r map[string]string) string {
	var cells []string
	for _, c := range nexthopCols {
		cells = append(cells, c+"="+r[c])
	}
	return strings.Join(cells, " ")
}

// ipNexthopLines runs `ip -d -j nexthop show` and renders each nexthop as
// nexthopLine does, from ip's keys.
func ipNexthopLines(t *testing.T, ns *nstest.NS) []string {
	t.Helper()
	var nhs []map[string]any
	ns.JSON(&nhs, "ip", "-d", "-j", "nexthop", "show")
	var lines []string
	for _, e := range nhs {
		has := func(k string) bool { _, ok := e[k]; return ok }
		str := func(k string) string { return jsonCell(e, k) }
		cells := map[string]string{
			"id": str("id"), "gateway": str("gateway"), "interface": str("dev"), "scope": str("scope"),
			"blackhole": map[bool]string{false: "0", true: "1"}[has("blackhole")],
			"fdb":       map[bool]string{false: "0", true: "1"}[has("fdb")],
			"protocol":  str("protocol"), "group": "<null>", "group_type": "<null>",
			"buckets": "<null>", "idle_timer": "<null>", "unbalanced_timer": "<null>", "unbalanced_time": "<null>",
		}
		var flags []string
		if fs, ok := e["flags"].([]any); ok {
			for _, f := range fs {
				flags = append(flags, jsonText(f))
			}
		}
		cells["flags"] = strings.Join(flags, ",")
		if g, ok := e["group"].([]any); ok {
			var members []string
			for _, m := range g {
				m := m.(map[string]any)
				s := jsonText(m["id"])
				if w, ok := m["weight"]; ok {
					s += "," + jsonText(w)
				}
				members = append(members, s)
			}
			cells["group"] = strings.Join(members, "/")
			cells["group_type"] = "mpath" // ip prints no type for it
			if has("type") {
				cells["group_type"] = str("type")
			}
		}
		if ra, ok := e["resilient_args"].(map[string]any); ok {
			for _, k := range []string{"buckets", "idle_timer", "unbalanced_timer", "unbalanced_time"} {
				if v, ok := ra[k]; ok {
					cells[k] = jsonText(v)
				}
			}
		}
		var parts []string
		for _, c := range nexthopCols {
			parts = append(parts, c+"="+cells[c])
		}
		lines = append(lines, strings.Join(parts, " "))
	}
	return lines
}

func TestNetlinkNexthopsMatchesIP(t *testing.T) {
	ns := nstest.New(t)
	ns.NexthopLab()
	fd := ns.Open()
	rows := tableRows(t, netlinkNexthops, fd, nil, nil)
	var got []string
	for _, r := range rows {
		got = append(got, nexthopLine(r))
	}
	checkLines(t, ipNexthopLines(t, ns), got, "(-ip +netlink_nexthops)")
	// What ip's JSON does not show: the family, the index, and the
	// group and flag spellings the comparison above takes from ip.
	for _, tt := range []struct{ id, col, want string }{
		{"1", "family", "inet"},
		{"1", "index", fmt.Sprint(ns.Ifindex("veth0"))},
		{"2", "family", "inet"},
		{"2", "index", "<null>"},
		{"4", "family", "inet6"},
		{"6", "flags", "onlink"},
		{"7", "flags", ""},
		{"8", "protocol", "zebra"},
		{"9", "family", "inet6"},
		{"10", "family", "<null>"},
		{"10", "group", "1,3/3"},
		{"11", "group_type", "resilient"},
		{"11", "idle_timer", "60"},
		{"13", "group", "7/8,200"},
		{"14", "fdb", "1"},
	} {
		found := false
		for _, r := range rows {
			if r["id"] == tt.id {
				found = true
				if r[tt.col] != tt.want {
					t.Errorf("nexthop %s: %s = %q, want %q", tt.id, tt.col, r[tt.col], tt.want)
				}
			}
		}
		if !found {
			t.Errorf("no nexthop %s", tt.id)
		}
	}
}

// TestNetlinkNexthopsConstraints checks that the constraints sent to the
// kernel (NHA_ID gets, family, NHA_OIF, NHA_GROUPS) keep every matching row.
func TestNetlinkNexthopsConstraints(t *testing.T) {
	ns := nstest.New(t)
	ns.NexthopLab()
	fd := ns.Open()
	all := tableRows(t, netlinkNexthops, fd, nil, nil)
	veth0, nh0 := fmt.Sprint(ns.Ifindex("veth0")), fmt.Sprint(ns.Ifindex("nh0"))
	for _, tt := range []struct {
		name string
		cons map[string][]Constraint
		n    int // rows that match
	}{
		{"id", eq("id", "1"), 1},
		{"ids of a nexthop and groups", eq("id", "10", "4", "11"), 3},
		{"no such id", eq("id", "999"), 0},
		{"id out of range", eq("id", "4294967296", "-1"), 0},
		{"inet", eq("family", "inet"), 8},
		{"inet6", eq("family", "inet6"), 2},
		{"no such family", eq("family", "link"), 0},
		{"index", eq("index", veth0), 5},
		{"indexes", eq("index", veth0, nh0), 7},
		{"interface", eq("interface", "nh0"), 2},
		{"no such interface", eq("interface", "nope"), 0},
		{"resilient groups", eq("group_type", "resilient"), 1},
		{"groups", eq("group_type", "mpath", "resilient"), 5},
		{"id and family", and(eq("id", "4", "1"), eq("family", "inet6")), 1},
		{"group id and interface", and(eq("id", "10"), eq("interface", "veth0")), 0},
		{"id and group_type", and(eq("id", "11", "1"), eq("group_type", "resilient")), 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if n := checkKeeps(t, all, tableRows(t, netlinkNexthops, fd, tt.cons, nil), tt.cons, nexthopLine); n != tt.n {
				t.Errorf("%d rows match without pushdown, want %d", n, tt.n)
			}
		})
	}
}
