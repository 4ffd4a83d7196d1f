package tables

import (
	"sort"
	"strings"
	"testing"
)

// ipAddrFlags are the boolean keys of `ip -j addr`, as our flags column names them.
var ipAddrFlags = []string{"secondary", "temporary", "nodad", "optimistic", "dadfailed", "home", "deprecated",
	"tentative", "mngtmpaddr", "noprefixroute", "autojoin", "stable-privacy"}

func TestNetlinkAddressesMatchesIP(t *testing.T) {
	lab := newLinkLab(t)
	var links []map[string]any
	lab.ns.JSON(&links, "ip", "-j", "addr", "show")
	var want []string
	for _, l := range links {
		name := l["ifname"].(string)
		if a, ok := l["address"].(string); ok {
			brd, ptp := "<null>", "<null>"
			if b, ok := l["broadcast"].(string); ok {
				if l["link_pointtopoint"] == true {
					ptp = b
				} else {
					brd = b
				}
			}
			want = append(want, strings.Join([]string{name, jsonText(l["ifindex"]), "link", a, "<null>", brd, ptp, "<null>", "<null>", "<null>", "<null>", "<null>"}, " "))
		}
		for _, ai := range l["addr_info"].([]any) {
			a := ai.(map[string]any)
			str := func(k string) string {
				if v, ok := a[k]; ok {
					return jsonText(v)
				}
				return "<null>"
			}
			lft := func(k string) string {
				if v := str(k); v != "4294967295" {
					return v
				}
				return "-1"
			}
			var flags []string
			for _, f := range ipAddrFlags {
				if a[f] == true {
					flags = append(flags, f)
				}
			}
			if a["dynamic"] != true {
				flags = append(flags, "permanent")
			}
			sort.Strings(flags)
			want = append(want, strings.Join([]string{name, jsonText(l["ifindex"]), str("family"), str("local"), str("prefixlen"),
				str("broadcast"), str("address"), str("scope"), strings.Join(flags, ","), str("label"), lft("valid_life_time"), lft("preferred_life_time")}, " "))
		}
	}
	cols := []string{"interface", "index", "family", "address", "prefix_len", "broadcast", "ptp", "scope", "flags", "label", "valid_lft", "preferred_lft"}
	var got []string
	for _, r := range tableRows(t, netlinkAddresses, lab.fd, nil, nil) {
		if r["flags"] != "<null>" {
			f := strings.Split(r["flags"], ",")
			sort.Strings(f)
			r["flags"] = strings.Join(f, ",")
		}
		var cells []string
		for _, c := range cols {
			cells = append(cells, r[c])
		}
		got = append(got, strings.Join(cells, " "))
	}
	checkLines(t, want, got, "(-ip +netlink_addresses), columns %v", cols)
	var noIndex []string
	for _, g := range got {
		noIndex = append(noIndex, dropIndex(g))
	}
	checkSeen(t, noIndex,
		"veth0 inet 10.1.0.1 24 10.1.0.255", "veth0 inet 10.1.0.5 24", "permanent,secondary",
		"veth0 inet6 2001:db8::1 64", "veth0 inet6 fe80::", "dv0 inet 10.9.0.1 32 <null> 10.9.0.2",
		"dv0 inet6 2001:db8:9::1 128 <null> 2001:db8:9::2", "dv0:1", "link",
	)
}

// dropIndex removes the index (second field) from a row line built above.
func dropIndex(line string) string {
	f := strings.Fields(line)
	if len(f) < 2 {
		return line
	}
	return strings.Join(append(f[:1:1], f[2:]...), " ")
}

func TestNetlinkAddressesNetmaskAndFamily(t *testing.T) {
	lab := newLinkLab(t)
	tests := []struct {
		name string
		cons map[string][]Constraint
		want []string
	}{
		{"inet on veth0", and(eq("family", "inet"), eq("interface", "veth0")), []string{"10.1.0.1 255.255.255.0", "10.1.0.5 255.255.255.0"}},
		{"inet6 on dv0", and(eq("family", "inet6"), eq("interface", "dv0")), nil},
		{"link of vb0", and(eq("family", "link"), eq("interface", "vb0")), nil},
		{"no such", eq("interface", "no-such"), nil},
		{"no family", eq("family", "ipx"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := tableRows(t, netlinkAddresses, lab.fd, tt.cons, []string{"interface", "family", "address", "netmask"})
			for _, r := range rows {
				if !matches(r, tt.cons) {
					continue // SQLite would drop it
				}
				switch r["family"] {
				case "inet6":
					if r["interface"] == "dv0" && !strings.HasPrefix(r["netmask"], "ffff:ffff:") {
						t.Errorf("inet6 netmask %q", r["netmask"])
					}
				case "inet":
					got := r["address"] + " " + r["netmask"]
					if !contains(tt.want, got) {
						t.Errorf("unexpected %q", got)
					}
				}
			}
			if tt.name == "no such" || tt.name == "no family" {
				if len(rows) != 0 {
					t.Errorf("%d rows, want none", len(rows))
				}
			}
			if tt.name == "link of vb0" && (len(rows) != 1 || rows[0]["family"] != "link") {
				t.Errorf("got %v, want one link row", rows)
			}
		})
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
