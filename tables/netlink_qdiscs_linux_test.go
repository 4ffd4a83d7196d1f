package tables

import (
	"regexp"
	"strings"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// tcLab is a namespace with veth0 to a peer namespace, carrying an HTB tree
// (1: with classes 1:1, 1:10 and 1:20), a pfifo leaf under 1:10, a TBF leaf
// under 1:20 and an ingress qdisc; tb0 (a second veth) has a TBF root. IPv6
// is off so that no MLD or ND traffic moves the counters between our read
// and tc's. It pings across veth0 so that counters are not all zero.
func tcLab(t *testing.T) *nstest.NS {
	t.Helper()
	nstest.NeedTool(t, "tc", "ping")
	ns, peer := nstest.NewPair(t, "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
	ns.Up("veth0", "10.6.0.1/24")
	addVeth(ns, "tb0", "tb1")
	peer.Up("veth1", "10.6.0.2/24")
	for _, c := range [][]string{
		{"qdisc", "add", "dev", "veth0", "root", "handle", "1:", "htb", "default", "20"},
		{"class", "add", "dev", "veth0", "parent", "1:", "classid", "1:1", "htb", "rate", "10mbit"},
		{"class", "add", "dev", "veth0", "parent", "1:1", "classid", "1:10", "htb", "rate", "5mbit", "ceil", "10mbit"},
		{"class", "add", "dev", "veth0", "parent", "1:1", "classid", "1:20", "htb", "rate", "1mbit", "ceil", "2mbit"},
		{"qdisc", "add", "dev", "veth0", "parent", "1:10", "handle", "10:", "pfifo", "limit", "50"},
		{"qdisc", "add", "dev", "veth0", "parent", "1:20", "handle", "20:", "tbf", "rate", "1mbit", "burst", "10kb", "latency", "50ms"},
		{"qdisc", "add", "dev", "veth0", "ingress"},
		{"qdisc", "add", "dev", "tb0", "root", "handle", "2:", "tbf", "rate", "8mbit", "burst", "20kb", "limit", "30000"},
	} {
		ns.Run(append([]string{"tc"}, c...)...)
	}
	ns.Run("ping", "-c", "3", "-i", "0.01", "-W", "2", "10.6.0.2")
	return ns
}

var tcCols = []string{"interface", "kind", "handle", "parent", "bytes", "packets", "drops", "overlimits", "requeues", "backlog", "qlen"}

// tcLine renders a table row as the tc lines below are built.
func tcLine(r map[string]string) string {
	var cells []string
	for _, c := range tcCols {
		cells = append(cells, r[c])
	}
	return strings.Join(cells, " ")
}

func TestNetlinkQdiscsMatchesTC(t *testing.T) {
	ns := tcLab(t)
	rows := tableRows(t, netlinkQdiscs, ns.Open(), nil, nil)
	var qdiscs []map[string]any
	ns.JSON(&qdiscs, "tc", "-s", "-j", "qdisc", "show")
	var want, got []string
	for _, q := range qdiscs {
		parent := "<null>"
		if q["root"] == true {
			parent = "root"
		} else if p, ok := q["parent"].(string); ok {
			parent = p
		}
		cells := []string{jsonText(q["dev"]), jsonText(q["kind"]), jsonText(q["handle"]), parent}
		for _, c := range tcCols[4:] {
			if v, ok := q[c]; ok {
				cells = append(cells, jsonText(v))
			} else {
				cells = append(cells, "<null>")
			}
		}
		want = append(want, strings.Join(cells, " "))
	}
	if len(want) < 5 {
		t.Fatalf("tc printed %d qdiscs, want at least 5: %q", len(want), want)
	}
	for _, r := range rows {
		got = append(got, tcLine(r))
	}
	checkLines(t, want, got, "(-tc +netlink_qdiscs), columns %v", tcCols)
	byHandle := map[string]map[string]string{}
	for _, r := range rows {
		byHandle[r["interface"]+" "+r["handle"]] = r
	}
	for _, tt := range []struct{ key, col, want string }{
		{"veth0 1:", "kind", "htb"},
		{"veth0 1:", "parent", "root"},
		{"veth0 10:", "limit", "50"},
		{"veth0 20:", "rate", "125000"}, // 1mbit in bytes/s
		{"veth0 ffff:", "kind", "ingress"},
		{"veth0 ffff:", "parent", "ffff:fff1"},
		{"tb0 2:", "rate", "1000000"},
		{"tb0 2:", "limit", "30000"},
	} {
		if got := byHandle[tt.key][tt.col]; got != tt.want {
			t.Errorf("%s %s = %q, want %q", tt.key, tt.col, got, tt.want)
		}
	}
	if byHandle["veth0 1:"]["packets"] == "0" {
		t.Error("the HTB root counted no packets after the ping")
	}
}

// tcClassRE matches one class of `tc -s class show` text (tc prints no JSON
// for classes): kind, id, parent, and the Sent/backlog lines when sent.
var tcClassRE = regexp.MustCompile(`(?m)^class (\S+) (\S+) (?:parent (\S+)|(root))[^\n]*\n(?: Sent (\d+) bytes (\d+) pkt \(dropped (\d+), overlimits (\d+) requeues (\d+)\) \n backlog (\d+)b (\d+)p)?`)

func TestNetlinkTclassesMatchesTC(t *testing.T) {
	ns := tcLab(t)
	rows := tableRows(t, netlinkTclasses, ns.Open(), nil, nil)
	var want []string
	for _, dev := range []string{"lo", "veth0", "tb0", "tb1"} {
		for _, m := range tcClassRE.FindAllStringSubmatch(ns.Run("tc", "-s", "class", "show", "dev", dev), -1) {
			parent := m[3]
			if m[4] != "" {
				parent = "root"
			}
			stats := []string{m[5], m[6], m[7], m[8], m[9], m[10], m[11]}
			if m[5] == "" {
				stats = strings.Fields(strings.Repeat("<null> ", 7))
			}
			want = append(want, strings.Join(append([]string{dev, m[1], m[2], parent}, stats...), " "))
		}
	}
	if len(want) < 4 {
		t.Fatalf("tc printed %d classes, want the 3 HTB classes and TBF's 1: %q", len(want), want)
	}
	var got []string
	for _, r := range rows {
		got = append(got, tcLine(r))
	}
	checkLines(t, want, got, "(-tc +netlink_tclasses), columns %v", tcCols)
	rates := map[string]string{}
	for _, r := range rows {
		rates[r["interface"]+" "+r["handle"]] = r["rate"] + "/" + r["ceil"] + " leaf " + r["leaf"]
	}
	for key, w := range map[string]string{"veth0 1:1": "1250000/1250000 leaf <null>", "veth0 1:10": "625000/1250000 leaf 10:", "veth0 1:20": "125000/250000 leaf 20:"} {
		if rates[key] != w {
			t.Errorf("%s rate/ceil leaf = %q, want %q (bytes/s)", key, rates[key], w)
		}
	}
}

// TestNetlinkQdiscsConstraints checks that interface and index constraints
// keep every matching row of both tables.
func TestNetlinkQdiscsConstraints(t *testing.T) {
	ns := tcLab(t)
	fd := ns.Open()
	// Without interface, the tables read no link names: the same rows.
	byID := func(r map[string]string) string { return r["index"] + " " + r["kind"] + " " + r["handle"] }
	for _, tb := range []Interface{netlinkQdiscs, netlinkTclasses} {
		t.Run(tb.TableName(), func(t *testing.T) {
			all := tableRows(t, tb, fd, nil, nil)
			checkNarrows(t, all, tableRows(t, tb, fd, nil, []string{"index", "kind", "handle"}), nil, byID)
			for _, cons := range []map[string][]Constraint{
				eq("interface", "veth0"), eq("interface", "tb0", "veth0"), eq("interface", "nope"), eq("index", indexOf(t, all, "veth0")),
			} {
				checkNarrows(t, all, tableRows(t, tb, fd, cons, nil), cons, tcLine)
			}
		})
	}
}
