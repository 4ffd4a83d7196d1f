package tables

import (
	"strconv"
	"strings"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// neighLab is a namespace with veth0 to a peer namespace (entries learned by
// ping, v4 and v6) and a second veth pair nb0/nb1, with static entries in
// several NUD states and proxy entries on both.
func neighLab(t *testing.T) *nstest.NS {
	t.Helper()
	nstest.NeedTool(t, "ip", "ping")
	ns, peer := nstest.NewPair(t, noDAD...)
	ns.Up("veth0", "10.7.0.1/24", "2001:db8:7::1/64")
	addVeth(ns, "nb0", "nb1", "10.8.0.1/24")
	peer.Up("veth1", "10.7.0.2/24", "2001:db8:7::2/64")
	ns.Run("ping", "-c", "1", "-W", "2", "10.7.0.2")
	ns.Run("ping", "-6", "-c", "1", "-W", "2", "2001:db8:7::2")
	ns.Run("ip", "neigh", "add", "10.7.0.9", "lladdr", "02:00:00:00:00:09", "dev", "veth0", "nud", "permanent")
	ns.Run("ip", "neigh", "add", "10.7.0.10", "lladdr", "02:00:00:00:00:0a", "dev", "veth0", "nud", "stale")
	ns.Run("ip", "-6", "neigh", "add", "2001:db8:7::9", "lladdr", "02:00:00:00:00:19", "dev", "veth0", "nud", "reachable", "router")
	ns.Run("ip", "neigh", "add", "10.8.0.9", "lladdr", "02:00:00:00:00:29", "dev", "nb0", "nud", "noarp")
	ns.Run("ip", "-6", "neigh", "add", "2001:db8:8::9", "lladdr", "02:00:00:00:00:39", "dev", "nb0", "nud", "permanent")
	ns.Run("ip", "neigh", "add", "proxy", "10.7.0.77", "dev", "veth0")
	ns.Run("ip", "-6", "neigh", "add", "proxy", "2001:db8:7::77", "dev", "veth0")
	ns.Run("ip", "neigh", "add", "proxy", "10.8.0.77", "dev", "nb0")
	return ns
}

// ipNeighLines runs ip's JSON neighbour listing and renders each entry as
// "dev family dst lladdr state flags probes", like neighLine.
func ipNeighLines(t *testing.T, ns *nstest.NS, args ...string) (lines []string, ages map[string][3]int64) {
	t.Helper()
	var entries []map[string]any
	ns.JSON(&entries, append([]string{"ip", "-j", "-s"}, args...)...)
	ages = map[string][3]int64{}
	for _, e := range entries {
		str := func(k string) string {
			if v, ok := e[k]; ok {
				return jsonText(v)
			}
			return "<null>"
		}
		fam := "inet"
		if strings.Contains(str("dst"), ":") {
			fam = "inet6"
		}
		state := "NONE"
		if s, ok := e["state"].([]any); ok {
			state = strings.Replace(jsonText(s), " ", ",", -1)
		}
		var flags []string
		for _, f := range []string{"router", "proxy", "extern_learn", "offload", "managed"} {
			if _, ok := e[f]; ok {
				flags = append(flags, f)
			}
		}
		proxy := "0"
		if _, ok := e["proxy"]; ok {
			proxy, state = "1", "<null>"
		}
		lines = append(lines, strings.Join([]string{str("dev"), fam, str("dst"), str("lladdr"), state, strings.Join(flags, ","), proxy, str("probes")}, " "))
		if _, ok := e["used"]; ok {
			ages[str("dst")] = [3]int64{int64(e["used"].(float64)), int64(e["confirmed"].(float64)), int64(e["updated"].(float64))}
		}
	}
	return lines, ages
}

var neighCols = []string{"interface", "family", "address", "lladdr", "state", "flags", "proxy", "probes"}

// neighLine renders a table row as ipNeighLines does.
func neighLine(r map[string]string) string {
	var cells []string
	for _, c := range neighCols {
		v := r[c]
		if c == "flags" && v == "<null>" {
			v = ""
		}
		cells = append(cells, v)
	}
	return strings.Join(cells, " ")
}

func TestNetlinkNeighborsMatchesIP(t *testing.T) {
	ns := neighLab(t)
	fd := ns.Open()
	rows := tableRows(t, netlinkNeighbors, fd, nil, nil)
	want, ipAges := ipNeighLines(t, ns, "neigh", "show", "nud", "all")
	proxies, _ := ipNeighLines(t, ns, "neigh", "show", "proxy")
	want = append(want, proxies...)
	var got []string
	for _, r := range rows {
		got = append(got, neighLine(r))
		// Ages are whole seconds that may tick between our read and ip's (later).
		if a, ok := ipAges[r["address"]]; ok {
			for i, c := range []string{"used", "confirmed", "updated"} {
				v, err := strconv.ParseInt(r[c], 10, 64)
				if err != nil || v < a[i]-1 || v > a[i] {
					t.Errorf("%s %s = %q, ip printed %d", r["address"], c, r[c], a[i])
				}
			}
		}
	}
	checkLines(t, want, got, "(-ip +netlink_neighbors), columns %v", neighCols)
	checkSeen(t, got,
		"veth0 inet 10.7.0.2 ", " REACHABLE", "veth0 inet6 2001:db8:7::2 ", "10.7.0.9 02:00:00:00:00:09 PERMANENT",
		"10.7.0.10 02:00:00:00:00:0a STALE", "2001:db8:7::9 02:00:00:00:00:19 REACHABLE router", "nb0 inet 10.8.0.9 02:00:00:00:00:29 NOARP",
		"veth0 inet 10.7.0.77 <null> <null> proxy 1", "veth0 inet6 2001:db8:7::77 <null> <null> proxy 1", "nb0 inet 10.8.0.77",
	)
}

// TestNetlinkNeighborsConstraints checks that constraints pushed to the
// kernel (family, NDA_IFINDEX, the proxy dump) keep every matching row.
func TestNetlinkNeighborsConstraints(t *testing.T) {
	ns := neighLab(t)
	fd := ns.Open()
	all := tableRows(t, netlinkNeighbors, fd, nil, nil)
	tests := append(familyCases(), []consCase{
		{"nb0", eq("interface", "nb0")},
		{"veth0 and nb0", eq("interface", "veth0", "nb0")},
		{"no such link", eq("interface", "nope")},
		{"index of nb0", eq("index", indexOf(t, all, "nb0"))},
		{"proxy", eq("proxy", "1")},
		{"cache on nb0 inet", and(eq("proxy", "0"), eq("interface", "nb0"), eq("family", "inet"))},
	}...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkKeeps(t, all, tableRows(t, netlinkNeighbors, fd, tt.cons, nil), tt.cons, neighLine)
		})
	}
}

// indexOf is the index column of the rows of link name.
func indexOf(t *testing.T, rows []map[string]string, name string) string {
	t.Helper()
	for _, r := range rows {
		if r["interface"] == name {
			return r["index"]
		}
	}
	t.Fatalf("no row on %s", name)
	return ""
}
