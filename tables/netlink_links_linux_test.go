package tables

import (
	"sort"
	"strings"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// noDAD are the sysctls that turn IPv6 duplicate address detection off in a
// lab's namespaces: addresses must not change flags between our read and a
// tool's.
var noDAD = []string{"net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0"}

// linkLab is a namespace with the links the link tables are tested on, and
// a second namespace at the far end of veth0.
type linkLab struct {
	ns, peer *nstest.NS
	fd       netlinkx.NetNS
	skipped  []string // features the kernel refused, by name
}

// newLinkLab builds: veth0 (peer veth1 in the other namespace) with IPv4
// primary and secondary addresses, a broadcast, IPv6 global and link-local;
// br0 with member vb0; a veth dv0 with an alias, an altname, a labelled address
// and a point-to-point peer; a vlan on veth0 and a macvlan on dv0 where
// the kernel allows. Then it pings across veth0 so counters move.
func newLinkLab(t *testing.T) *linkLab {
	t.Helper()
	nstest.NeedTool(t, "ip")
	ns, peer := nstest.NewPair(t, noDAD...)
	lab := &linkLab{ns: ns, peer: peer}
	ns.Run("ip", "link", "add", "br0", "type", "bridge")
	ns.Run("ip", "link", "add", "vb0", "type", "veth", "peer", "name", "vb1")
	ns.Run("ip", "link", "set", "vb0", "master", "br0")
	ns.Run("ip", "link", "add", "dv0", "type", "veth", "peer", "name", "dv1")
	ns.Run("ip", "link", "set", "dv0", "alias", "lab dummy")
	try := func(feature string, args ...string) {
		if out, err := ns.Command(args...).CombinedOutput(); err != nil {
			lab.skipped = append(lab.skipped, feature)
			t.Logf("kernel refused %s (%s): %v: %s", feature, strings.Join(args, " "), err, out)
		}
	}
	try("altname (kernel 5.5+)", "ip", "link", "property", "add", "dev", "dv0", "altname", "dv-alt")
	try("vlan (8021q)", "ip", "link", "add", "link", "veth0", "name", "veth0.10", "type", "vlan", "id", "10")
	try("macvlan", "ip", "link", "add", "mv0", "link", "dv0", "type", "macvlan", "mode", "bridge")
	ns.Run("ip", "addr", "add", "10.1.0.1/24", "brd", "+", "dev", "veth0")
	ns.Run("ip", "addr", "add", "10.1.0.5/24", "dev", "veth0") // secondary
	ns.Run("ip", "-6", "addr", "add", "2001:db8::1/64", "dev", "veth0", "nodad")
	ns.Run("ip", "addr", "add", "10.2.0.1/24", "dev", "dv0", "label", "dv0:1")
	ns.Run("ip", "addr", "add", "10.9.0.1", "peer", "10.9.0.2/32", "dev", "dv0")
	ns.Run("ip", "-6", "addr", "add", "2001:db8:9::1", "peer", "2001:db8:9::2/128", "dev", "dv0", "nodad")
	for _, l := range []string{"veth0", "br0", "vb0", "vb1", "dv0", "dv1", "veth0.10", "mv0"} {
		_ = ns.Command("ip", "link", "set", l, "up").Run() // vlan/macvlan may not exist
	}
	peer.Up("veth1", "10.1.0.2/24")
	nstest.NeedTool(t, "ping")
	ns.Run("ping", "-c", "3", "-i", "0.01", "-W", "2", "10.1.0.2")
	lab.fd = ns.Open()
	return lab
}

// ipLinks runs `ip -s -s -d -j link show` in the namespace.
func ipLinks(t *testing.T, ns *nstest.NS) map[string]map[string]any {
	t.Helper()
	var links []map[string]any
	ns.JSON(&links, "ip", "-s", "-s", "-d", "-j", "link", "show")
	out := map[string]map[string]any{}
	for _, l := range links {
		out[l["ifname"].(string)] = l
	}
	return out
}

func TestNetlinkLinksMatchesIP(t *testing.T) {
	lab := newLinkLab(t)
	rows := tableRows(t, netlinkLinks, lab.fd, nil, nil)
	ip := ipLinks(t, lab.ns)
	if len(rows) != len(ip) {
		t.Errorf("%d rows, ip shows %d links", len(rows), len(ip))
	}
	// ip's JSON key for each of our columns that ip prints.
	keys := map[string]string{
		"index": "ifindex", "address": "address", "broadcast": "broadcast", "perm_address": "permaddr",
		"type": "link_type", "flags": "flags", "operstate": "operstate", "linkmode": "linkmode",
		"mtu": "mtu", "min_mtu": "min_mtu", "max_mtu": "max_mtu", "promiscuity": "promiscuity",
		"allmulti": "allmulti", "qdisc": "qdisc", "txqlen": "txqlen", "num_tx_queues": "num_tx_queues",
		"num_rx_queues": "num_rx_queues", "gso_max_size": "gso_max_size", "gso_max_segs": "gso_max_segs",
		"gro_max_size": "gro_max_size", "master": "master", "link_netnsid": "link_netnsid", "alias": "ifalias",
		"altnames": "altnames", "parent_bus": "parentbus", "parent_dev": "parentdev",
	}
	seen := map[string]bool{}
	for _, r := range rows {
		l, ok := ip[r["interface"]]
		if !ok {
			t.Errorf("row for %s, which ip does not show", r["interface"])
			continue
		}
		want, got := map[string]string{}, map[string]string{}
		for col, key := range keys {
			if v, ok := l[key]; ok {
				want[col], got[col] = jsonText(v), r[col]
				seen[col] = true
			}
		}
		// ip adds M-DOWN when the lower link is down: not a flag of this link.
		want["flags"] = strings.TrimSuffix(strings.ReplaceAll(want["flags"], ",M-DOWN", ""), "M-DOWN")
		if g, ok := l["group"].(string); ok {
			if g == "default" {
				g = "0"
			}
			want["group"], got["group"] = g, r["group"]
		}
		kind := ""
		if li, ok := l["linkinfo"].(map[string]any); ok {
			if k, ok := li["info_kind"].(string); ok {
				kind = k
			}
		}
		want["kind"], got["kind"] = kind, r["kind"]
		// ip prints the lower link by name in this namespace, by index in another.
		if v, ok := l["link_index"]; ok {
			want["link_index"], got["link_index"] = jsonText(v), r["link_index"]
		} else if name, ok := l["link"].(string); ok {
			want["link_index"], got["link_index"] = jsonText(ip[name]["ifindex"]), r["link_index"]
		}
		if pd, ok := l["proto_down"]; ok {
			want["proto_down"], got["proto_down"] = jsonText(pd), r["proto_down"]
		}
		up := strings.Contains(","+jsonText(l["flags"])+",", ",UP,")
		want["up"], got["up"] = jsonText(up), r["up"]
		lowerUp := strings.Contains(","+jsonText(l["flags"])+",", ",LOWER_UP,")
		want["carrier"], got["carrier"] = jsonText(lowerUp), r["carrier"]
		if s, ok := l["stats64"].(map[string]any); ok {
			if cc, ok := s["tx"].(map[string]any)["carrier_changes"]; ok {
				want["carrier_changes"], got["carrier_changes"] = jsonText(cc), r["carrier_changes"]
			}
		}
		checkSame(t, want, got, "%s (-ip +netlink_links)", r["interface"])
	}
	for _, col := range []string{"index", "address", "type", "flags", "operstate", "mtu", "master", "alias", "qdisc"} {
		if !seen[col] {
			t.Errorf("ip printed no %s for any link: the comparison is hollow", col)
		}
	}
	byName := map[string]map[string]string{}
	for _, r := range rows {
		byName[r["interface"]] = r
	}
	for name, want := range map[string]map[string]string{
		"veth0": {"kind": "veth", "master": "<null>", "link_netnsid": "0"},
		"vb0":   {"kind": "veth", "master": "br0"},
		"br0":   {"kind": "bridge", "type": "ether"},
		"dv0":   {"kind": "veth", "alias": "lab dummy"},
		"lo":    {"kind": "", "type": "loopback", "operstate": "UNKNOWN"},
	} {
		got := map[string]string{}
		for k := range want {
			got[k] = byName[name][k]
		}
		checkSame(t, want, got, "%s (-want +got)", name)
	}
}

func TestNetlinkLinksConstraints(t *testing.T) {
	lab := newLinkLab(t)
	all := tableRows(t, netlinkLinks, lab.fd, nil, []string{"interface", "index", "master"})
	idx := map[string]string{}
	for _, r := range all {
		idx[r["interface"]] = r["index"]
	}
	tests := []struct {
		name string
		cons map[string][]Constraint
		want []string
	}{
		{"interface", eq("interface", "vb0"), []string{"vb0"}},
		{"interface IN", eq("interface", "vb0", "br0", "vb0"), []string{"br0", "vb0"}},
		{"index", eq("index", idx["dv0"]), []string{"dv0"}},
		{"no such interface", eq("interface", "no-such"), nil},
		{"no such index", eq("index", "99999"), nil},
		{"name too long", eq("interface", strings.Repeat("x", 40)), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, tb := range []Interface{netlinkLinks, linkStats64, linkSettings} {
				rows := tableRows(t, tb, lab.fd, tt.cons, []string{"interface", "index"})
				var got []string
				for _, r := range rows {
					got = append(got, r["interface"])
				}
				sort.Strings(got)
				checkSame(t, tt.want, got, "%s (-want +got)", tb.Spec().Name)
			}
		})
	}
	// One link asked for by name still gets its master's name.
	rows := tableRows(t, netlinkLinks, lab.fd, eq("interface", "vb0"), []string{"interface", "master"})
	if len(rows) != 1 || rows[0]["master"] != "br0" {
		t.Errorf("vb0 alone: %v, want master br0", rows)
	}
}
