package tables

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// rulesLab is a namespace with a link veth0 and one IPv4 or IPv6 rule per
// selector and action `ip rule` knows, each at its own priority.
func rulesLab(t *testing.T) *nstest.NS {
	t.Helper()
	ns := nstest.New(t)
	ns.Script(
		"ip link add veth0 type veth peer name veth1",
		"ip link set veth0 up",
		"ip rule add from 10.1.0.0/16 table 100 pref 100",
		"ip rule add to 10.2.0.0/16 table 101 pref 101",
		"ip rule add iif lo table 102 pref 102",
		"ip rule add oif veth0 table 103 pref 103",
		"ip rule add fwmark 0x10/0xff table 104 pref 104",
		"ip rule add fwmark 0x20 table 104 pref 105",
		"ip rule add fwmark 0/0xf table 104 pref 106",
		"ip rule add uidrange 1000-2000 table 105 pref 107",
		"ip rule add ipproto tcp dport 80-90 sport 1000 table 106 pref 108",
		"ip rule add ipproto udp sport 53 dport 5353 table 106 pref 109",
		"ip rule add not from 10.3.0.0/16 table 107 pref 110",
		"ip rule add from 10.4.0.1 to 10.9.0.0/24 goto 113 pref 111",
		"ip rule add goto 999 pref 112",
		"ip rule add from 10.5.0.0/16 blackhole pref 113",
		"ip rule add from 10.6.0.0/16 unreachable pref 114",
		"ip rule add from 10.7.0.0/16 prohibit pref 115",
		"ip rule add table main suppress_prefixlength 0 pref 116",
		"ip rule add iif nosuch0 oif veth0 table 108 pref 117",
		"ip rule add tos 0x10 table 109 pref 118",
		"ip rule add nop pref 119",
		"ip rule add from 10.8.0.0/16 table 4000000 pref 120",
		"ip -6 rule add from 2001:db8::/32 to 2001:db8:1::1 table 100 pref 100",
		"ip -6 rule add not to 2001:db8:2::/48 iif veth0 table 200 pref 101",
		"ip -6 rule add fwmark 0x1 ipproto 58 table 201 pref 102",
		"ip -6 rule add from 2001:db8::5 prohibit pref 103",
		"ip -6 rule add table main suppress_prefixlength 64 pref 104")
	// An l3mdev rule needs CONFIG_NET_L3_MASTER_DEV (VRF).
	if out, err := ns.Command("ip", "rule", "add", "l3mdev", "pref", "121").CombinedOutput(); err != nil {
		t.Logf("no l3mdev rule (kernel without CONFIG_NET_L3_MASTER_DEV?): %v: %s", err, out)
	}
	return ns
}

// ruleCols are the netlink_rules columns ruleLine compares with ip.
var ruleCols = []string{"family", "priority", "not", "src", "src_len", "dst", "dst_len", "tos", "fwmark", "fwmask", "iif", "oif",
	"uid_start", "uid_end", "ipproto", "sport_start", "sport_end", "dport_start", "dport_end", "l3mdev",
	"action", "table", "goto", "suppress_prefixlen", "protocol", "flags"}

// ruleLine renders a netlink_rules row as ipRuleLines renders ip's rules:
// fwmark and fwmask in hex, fwmask 0xffffffff left out as ip does.
func ruleLine(r map[string]string) string {
	var cells []string
	for _, c := range ruleCols {
		v := r[c]
		switch c {
		case "fwmark", "fwmask", "tos":
			if n, err := strconv.ParseUint(v, 10, 32); err == nil {
				v = fmt.Sprintf("%#x", n)
				switch {
				case c == "fwmask" && n == 0xffffffff:
					v = "<null>"
				case n == 0:
					v = "0" // C's %#x, as ip prints
				}
			}
		case "flags":
			// ip shows these flags as keys; the rest are not in its JSON.
			var keep []string
			for _, f := range strings.Split(v, ",") {
				if f == "unresolved" || f == "iif_detached" || f == "oif_detached" {
					keep = append(keep, f)
				}
			}
			v = strings.Join(keep, ",")
		}
		cells = append(cells, c+"="+v)
	}
	return strings.Join(cells, " ")
}

// ipRuleLines runs `ip -d -j rule show` for family (inet or inet6) and
// renders each rule as ruleLine does, from ip's keys.
func ipRuleLines(t *testing.T, ns *nstest.NS, family string) []string {
	t.Helper()
	args := []string{"ip", "-d", "-j", "rule", "show"}
	hostLen := "32"
	if family == famInet6 {
		args = []string{"ip", "-6", "-d", "-j", "rule", "show"}
		hostLen = "128"
	}
	var rules []map[string]any
	ns.JSON(&rules, args...)
	var lines []string
	for _, e := range rules {
		has := func(k string) bool { _, ok := e[k]; return ok }
		str := func(k string) string { return jsonCell(e, k) }
		flag := func(k string) string { return map[bool]string{false: "0", true: "1"}[has(k)] }
		prefix := func(addr, plen string) (string, string) {
			switch {
			case !has(addr) || str(addr) == "all":
				return "<null>", "0"
			case has(plen):
				return str(addr), str(plen)
			}
			return str(addr), hostLen
		}
		src, srcLen := prefix("src", "srclen")
		dst, dstLen := prefix("dst", "dstlen")
		port := func(p string) (string, string) {
			if has(p) {
				return str(p), str(p)
			}
			return str(p + "_start"), str(p + "_end")
		}
		sportStart, sportEnd := port("sport")
		dportStart, dportEnd := port("dport")
		action := "lookup"
		switch {
		case has("action"):
			action = str("action")
		case has("goto"):
			action = "goto"
		case has("nop"):
			action = "nop"
		}
		var flags []string
		for _, f := range []string{"unresolved", "iif_detached", "oif_detached"} {
			if has(f) {
				flags = append(flags, f)
			}
		}
		tos := str("tos")
		if tos != "<null>" {
			n, err := strconv.ParseUint(strings.TrimPrefix(tos, "0x"), 16, 8)
			if err != nil {
				t.Fatalf("tos %q: ip printed a name from rt_dsfield: %v", tos, err)
			}
			tos = fmt.Sprintf("%#x", n)
		}
		cells := map[string]string{
			"family": family, "priority": str("priority"), "not": flag("not"), "src": src, "src_len": srcLen, "dst": dst, "dst_len": dstLen,
			"tos": tos, "fwmark": str("fwmark"), "fwmask": str("fwmask"), "iif": str("iif"), "oif": str("oif"),
			"uid_start": str("uid_start"), "uid_end": str("uid_end"), "ipproto": str("ipproto"),
			"sport_start": sportStart, "sport_end": sportEnd, "dport_start": dportStart, "dport_end": dportEnd,
			"l3mdev": flag("l3mdev"), "action": action, "table": str("table"), "goto": str("goto"),
			"suppress_prefixlen": str("suppress_prefixlen"), "protocol": str("protocol"), "flags": strings.Join(flags, ","),
		}
		if cells["ipproto"] == "ipv6-icmp" {
			cells["ipproto"] = "icmpv6" // /etc/protocols' name; ours is conntrack's
		}
		var parts []string
		for _, c := range ruleCols {
			parts = append(parts, c+"="+cells[c])
		}
		lines = append(lines, strings.Join(parts, " "))
	}
	return lines
}

// ipRuleSelectors runs `ip rule show` for family and returns each rule's
// text after "PRIORITY:\t", by priority.
func ipRuleSelectors(t *testing.T, ns *nstest.NS, family string) map[string]string {
	t.Helper()
	args := []string{"ip", "rule", "show"}
	if family == famInet6 {
		args = []string{"ip", "-6", "rule", "show"}
	}
	out := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(ns.Run(args...)), "\n") {
		prio, text, ok := strings.Cut(l, ":\t")
		if !ok {
			t.Fatalf("ip rule line %q", l)
		}
		// ip names protocols from /etc/protocols; netlinkq as conntrack does.
		out[prio] = strings.ReplaceAll(strings.TrimSpace(text), "ipproto ipv6-icmp", "ipproto icmpv6")
	}
	return out
}

func TestNetlinkRulesMatchesIP(t *testing.T) {
	ns := rulesLab(t)
	fd := ns.Open()
	rows := tableRows(t, netlinkRules, fd, nil, nil)
	var want, got []string
	for _, fam := range []string{famInet, famInet6} {
		want = append(want, ipRuleLines(t, ns, fam)...)
	}
	for _, r := range rows {
		got = append(got, ruleLine(r))
	}
	checkLines(t, want, got, "(-ip +netlink_rules)")
	if len(rows) < 30 {
		t.Errorf("%d rules, want the lab's and the default ones", len(rows))
	}

	// The selector is the start of ip's text line, before the action.
	texts := map[string]map[string]string{famInet: ipRuleSelectors(t, ns, famInet), famInet6: ipRuleSelectors(t, ns, famInet6)}
	for _, r := range rows {
		text := texts[r["family"]][r["priority"]]
		if rest, ok := strings.CutPrefix(text, r["selector"]); !ok || rest != "" && rest[0] != ' ' {
			t.Errorf("%s rule %s: selector %q, ip prints %q", r["family"], r["priority"], r["selector"], text)
		}
	}

	// Spot checks of what the comparison above does not pin down by itself.
	for _, tt := range []struct{ family, priority, col, want string }{
		{"inet", "100", "selector", "from 10.1.0.0/16"},
		{"inet", "104", "fwmark", "16"},
		{"inet", "104", "fwmask", "255"},
		{"inet", "105", "fwmask", "4294967295"},
		{"inet", "106", "selector", "from all fwmark 0/0xf"},
		{"inet", "108", "selector", "from all ipproto tcp sport 1000 dport 80-90"},
		{"inet", "110", "not", "1"},
		{"inet", "110", "selector", "not from 10.3.0.0/16"},
		{"inet", "111", "selector", "from 10.4.0.1 to 10.9.0.0/24"},
		{"inet", "111", "goto", "113"},
		{"inet", "111", "flags", ""},
		{"inet", "111", "table_id", "<null>"},
		{"inet", "112", "flags", "unresolved"},
		{"inet", "113", "action", "blackhole"},
		{"inet", "116", "table_id", "254"},
		{"inet", "117", "selector", "from all iif nosuch0 [detached] oif veth0"},
		{"inet", "118", "tos", "16"},
		{"inet", "119", "action", "nop"},
		{"inet", "120", "table_id", "4000000"},
		{"inet", "32767", "table", "default"},
		{"inet", "0", "protocol", "kernel"},
		{"inet", "100", "suppress_prefixlen", "<null>"},
		{"inet6", "101", "selector", "not from all to 2001:db8:2::/48 iif veth0"},
		{"inet6", "102", "ipproto", "icmpv6"},
		{"inet6", "104", "suppress_prefixlen", "64"},
	} {
		found := false
		for _, r := range rows {
			if r["family"] == tt.family && r["priority"] == tt.priority {
				found = true
				if r[tt.col] != tt.want {
					t.Errorf("%s rule %s: %s = %q, want %q", tt.family, tt.priority, tt.col, r[tt.col], tt.want)
				}
			}
		}
		if !found {
			t.Errorf("no %s rule %s", tt.family, tt.priority)
		}
	}
}

// TestNetlinkRulesFamily checks that a family constraint, which narrows the
// dump, keeps every matching row.
func TestNetlinkRulesFamily(t *testing.T) {
	ns := rulesLab(t)
	fd := ns.Open()
	all := tableRows(t, netlinkRules, fd, nil, nil)
	for _, tt := range familyCases() {
		t.Run(tt.name, func(t *testing.T) {
			// The family narrows the dump itself: no row is left for SQLite's check.
			checkNarrows(t, all, tableRows(t, netlinkRules, fd, tt.cons, nil), tt.cons, ruleLine)
		})
	}
}
