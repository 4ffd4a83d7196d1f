package tables

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// afByInterface keys rows by their interface column.
func afByInterface(t *testing.T, rows []map[string]Value) map[string]map[string]Value {
	t.Helper()
	out := map[string]map[string]Value{}
	for _, r := range rows {
		name := r["interface"].Text
		if _, dup := out[name]; dup {
			t.Errorf("two rows for %s", name)
		}
		out[name] = r
	}
	return out
}

// afProcTree reads every readable file under dir inside ns as
// subdirectory → file → contents (stable_secret, unset, fails to read and is left out).
func afProcTree(ns *nstest.NS, dir string) map[string]map[string]string {
	out := map[string]map[string]string{}
	text := ns.Run("sh", "-c", "cd "+dir+" && grep -r . . 2>/dev/null; true")
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		path, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		parts := strings.Split(strings.TrimPrefix(path, "./"), "/")
		if len(parts) != 2 {
			continue
		}
		if out[parts[0]] == nil {
			out[parts[0]] = map[string]string{}
		}
		out[parts[0]][parts[1]] = val
	}
	return out
}

// afSetup builds the namespace the AF_SPEC tests read: lo; veth0 to a peer
// namespace with IPv6 traffic; veth2/veth3 with IPv6 disabled on veth2;
// small0/small1 with an MTU too small for IPv6; and several sysctls changed.
func afSetup(t *testing.T) *nstest.NS {
	t.Helper()
	nstest.NeedRoot(t)
	nstest.NeedTool(t, "sysctl", "ping")
	a, b := nstest.NewPair(t)
	a.Run("ip", "link", "add", "veth2", "type", "veth", "peer", "name", "veth3")
	a.Run("ip", "link", "add", "small0", "mtu", "1000", "type", "veth", "peer", "name", "small1", "mtu", "1000")
	a.Run("sysctl", "-q", "-w",
		"net.ipv6.conf.all.forwarding=1",
		"net.ipv6.conf.veth0.hop_limit=42",
		"net.ipv6.conf.veth0.accept_ra=2",
		"net.ipv6.conf.lo.accept_ra=0",
		"net.ipv6.conf.veth2.disable_ipv6=1",
		"net.ipv6.conf.veth3.router_solicitation_interval=7",
		"net.ipv6.conf.default.hop_limit=33",
		"net.ipv6.conf.veth0.addr_gen_mode=3",
		"net.ipv4.conf.all.rp_filter=1",
		"net.ipv4.conf.veth0.rp_filter=2",
		"net.ipv4.conf.veth0.arp_ignore=1",
		"net.ipv4.conf.default.arp_ignore=2",
		"net.ipv4.conf.all.forwarding=1",
	)
	a.Run("ip", "token", "set", "::1:2:3:4/64", "dev", "veth0")
	a.Run("ip", "addr", "add", "fd00::1/64", "dev", "veth0", "nodad")
	for _, l := range []string{"veth0", "veth2", "veth3", "small0", "small1"} {
		a.Run("ip", "link", "set", l, "up")
	}
	b.Run("ip", "addr", "add", "fd00::2/64", "dev", "veth1", "nodad")
	b.Up("veth1")
	a.Run("ping", "-6", "-c", "3", "-i", "0.05", "-W", "2", "fd00::2")
	a.Run("ping", "-6", "-c", "2", "-i", "0.05", "-W", "2", "::1")
	return a
}

// jiffiesSeconds are the inet6_devconf columns sent in ms whose files show seconds.
var jiffiesSeconds = map[string]bool{
	"router_solicitation_interval": true, "router_solicitation_delay": true,
	"router_probe_interval": true, "router_solicitation_max_interval": true,
}

// afCheckDevconf compares every cell of a devconf table with the sysctl files.
func afCheckDevconf(t *testing.T, tbl Interface, names []string, rows map[string]map[string]Value,
	proc map[string]map[string]string, netconf map[string]bool) {
	t.Helper()
	checkSame(t, slices.Sorted(maps.Keys(proc)), slices.Sorted(maps.Keys(rows)), "%s: interfaces (-/proc +table)", tbl.Spec().Name)
	wantIndex := map[string]string{"all": "-1", "default": "-2"}
	for iface, r := range rows {
		if w, ok := wantIndex[iface]; ok && r["index"].String() != w {
			t.Errorf("%s %s: index %s, want %s", tbl.Spec().Name, iface, r["index"].String(), w)
		}
		files := proc[iface]
		for _, name := range names {
			got := r[name]
			f, haveFile := files[name]
			want, wantNull := f, false
			switch {
			case name == "stable_secret":
				wantNull = true
			case iface == "all" || iface == "default":
				// RTM_GETNETCONF sends a value only for a feature the kernel
				// has: no sysctl file, no value (IPv6 mc_forwarding without
				// CONFIG_IPV6_MROUTE).
				wantNull = !netconf[name] || !haveFile
			case !haveFile:
				continue // a sysctl this kernel's config leaves out; the kernel still sends 0
			case jiffiesSeconds[name]:
				n, err := strconv.ParseInt(f, 10, 64)
				if err != nil {
					t.Fatal(err)
				}
				want = strconv.FormatInt(n*1000, 10)
			}
			if wantNull {
				if got.Kind != KindNull {
					t.Errorf("%s %s.%s = %s, want NULL", tbl.Spec().Name, iface, name, got.String())
				}
				continue
			}
			if got.Kind == KindNull || got.String() != want {
				t.Errorf("%s %s.%s = %q (kind %d), file says %q", tbl.Spec().Name, iface, name, got.String(), got.Kind, want)
			}
		}
	}
}

func TestAFSpecDevconfMatchesSysctl(t *testing.T) {
	a := afSetup(t)
	ns := a.Open()

	rows6 := afByInterface(t, runRows(t, inet6Devconf, ns, nil, nil))
	proc6 := afProcTree(a, "/proc/sys/net/ipv6/conf")
	afCheckDevconf(t, inet6Devconf, netlinkx.Inet6DevconfNames, rows6, proc6,
		map[string]bool{"forwarding": true, "mc_forwarding": true, "proxy_ndp": true, "ignore_routes_with_linkdown": true})
	if _, ok := rows6["small0"]; ok {
		t.Error("inet6_devconf has a row for small0, which has no IPv6 (MTU 1000)")
	}
	if got := rows6["veth2"]["disable_ipv6"].String(); got != "1" {
		t.Errorf("veth2 disable_ipv6 = %q, want 1", got)
	}
	if got := rows6["veth0"]["hop_limit"].String(); got != "42" {
		t.Errorf("veth0 hop_limit = %q, want 42", got)
	}

	rows4 := afByInterface(t, runRows(t, inetDevconf, ns, nil, nil))
	proc4 := afProcTree(a, "/proc/sys/net/ipv4/conf")
	afCheckDevconf(t, inetDevconf, netlinkx.InetDevconfNames, rows4, proc4,
		map[string]bool{"forwarding": true, "rp_filter": true, "mc_forwarding": true, "proxy_arp": true,
			"ignore_routes_with_linkdown": true, "bc_forwarding": true})
	if got := rows4["veth0"]["arp_ignore"].String(); got != "1" {
		t.Errorf("veth0 arp_ignore = %q, want 1", got)
	}
	// Every sysctl file of a link is a column, but for those outside the enum.
	notSent := map[string]bool{"regen_min_advance": true, "ra_honor_pio_pflag": true, "force_forwarding": true}
	for file := range proc6["lo"] {
		if !slices.Contains(netlinkx.Inet6DevconfNames, file) && !notSent[file] {
			t.Errorf("/proc/sys/net/ipv6/conf/lo/%s has no inet6_devconf column", file)
		}
	}
	for file := range proc4["lo"] {
		if !slices.Contains(netlinkx.InetDevconfNames, file) {
			t.Errorf("/proc/sys/net/ipv4/conf/lo/%s has no inet_devconf column", file)
		}
	}
}

func TestAFSpecDevconfConstraints(t *testing.T) {
	a := afSetup(t)
	ns := a.Open()
	eq := func(col string, vals ...string) map[string][]Constraint {
		var cs []Constraint
		for _, v := range vals {
			cs = append(cs, Constraint{Op: OpEquals, Expr: v})
		}
		return map[string][]Constraint{col: cs}
	}
	tests := []struct {
		name  string
		tbl   Interface
		cons  map[string][]Constraint
		used  []string
		proc  string // sysctl the forwarding values come from
		iface []string
	}{
		{"all by name", inet6Devconf, eq("interface", "all"), []string{"forwarding"}, "net.ipv6.conf", []string{"all"}},
		{"default by index", inet6Devconf, eq("index", "-2"), []string{"forwarding"}, "net.ipv6.conf", []string{"default"}},
		{"link by name", inet6Devconf, eq("interface", "veth0"), []string{"forwarding"}, "net.ipv6.conf", []string{"veth0"}},
		{"all, default and a link", inetDevconf, eq("interface", "default", "all", "lo"), []string{"forwarding"}, "net.ipv4.conf", []string{"all", "default", "lo"}},
		{"no such link", inetDevconf, eq("interface", "nosuch0"), []string{"forwarding"}, "net.ipv4.conf", nil},
		{"lo by index", inetDevconf, eq("index", "1"), []string{"forwarding"}, "net.ipv4.conf", []string{"lo"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got, want []string
			for _, r := range runRows(t, tt.tbl, ns, tt.cons, append(tt.used, "interface")) {
				got = append(got, r["interface"].Text+"="+r["forwarding"].String())
			}
			for _, i := range tt.iface {
				v := strings.TrimSpace(a.Run("sysctl", "-n", tt.proc+"."+i+".forwarding"))
				want = append(want, i+"="+v)
			}
			checkLines(t, want, got, "(-want +got)")
		})
	}
}

// snmp6Columns maps the /proc/net/dev_snmp6 names to inet6_stats and
// icmp6_stats columns: the file's name less its prefix, in snake case.
var snmp6Columns = map[string]string{
	"Ip6InReceives": "in_receives", "Ip6InHdrErrors": "in_hdr_errors", "Ip6InTooBigErrors": "in_too_big_errors",
	"Ip6InNoRoutes": "in_no_routes", "Ip6InAddrErrors": "in_addr_errors", "Ip6InUnknownProtos": "in_unknown_protos",
	"Ip6InTruncatedPkts": "in_truncated_pkts", "Ip6InDiscards": "in_discards", "Ip6InDelivers": "in_delivers",
	"Ip6OutForwDatagrams": "out_forw_datagrams", "Ip6OutRequests": "out_requests", "Ip6OutDiscards": "out_discards",
	"Ip6OutNoRoutes": "out_no_routes", "Ip6ReasmTimeout": "reasm_timeout", "Ip6ReasmReqds": "reasm_reqds",
	"Ip6ReasmOKs": "reasm_oks", "Ip6ReasmFails": "reasm_fails", "Ip6FragOKs": "frag_oks", "Ip6FragFails": "frag_fails",
	"Ip6FragCreates": "frag_creates", "Ip6InMcastPkts": "in_mcast_pkts", "Ip6OutMcastPkts": "out_mcast_pkts",
	"Ip6InOctets": "in_octets", "Ip6OutOctets": "out_octets", "Ip6InMcastOctets": "in_mcast_octets",
	"Ip6OutMcastOctets": "out_mcast_octets", "Ip6InBcastOctets": "in_bcast_octets", "Ip6OutBcastOctets": "out_bcast_octets",
	"Ip6InNoECTPkts": "in_no_ect_pkts", "Ip6InECT1Pkts": "in_ect1_pkts", "Ip6InECT0Pkts": "in_ect0_pkts",
	"Ip6InCEPkts": "in_ce_pkts", "Ip6OutTransmits": "out_transmits",
	"Icmp6InMsgs": "icmp6.in_msgs", "Icmp6InErrors": "icmp6.in_errors", "Icmp6OutMsgs": "icmp6.out_msgs",
	"Icmp6OutErrors": "icmp6.out_errors", "Icmp6InCsumErrors": "icmp6.csum_errors",
}

// afSnmp6 reads /proc/net/dev_snmp6 inside ns as interface → column → value.
func afSnmp6(t *testing.T, ns *nstest.NS) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	text := ns.Run("sh", "-c", `cd /proc/net/dev_snmp6 && for f in *; do echo "== $f"; cat "$f"; done`)
	var cur map[string]string
	for _, line := range strings.Split(text, "\n") {
		if iface, ok := strings.CutPrefix(line, "== "); ok {
			cur = map[string]string{}
			out[iface] = cur
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 || f[0] == "ifIndex" {
			continue
		}
		col, ok := snmp6Columns[f[0]]
		if !ok {
			if strings.HasPrefix(f[0], "Icmp6") {
				continue // per-type icmpv6msg counters: not sent over netlink
			}
			t.Errorf("dev_snmp6 counter %s has no column", f[0])
			continue
		}
		cur[col] = f[1]
	}
	return out
}

func TestAFSpecStatsMatchDevSnmp6(t *testing.T) {
	a := afSetup(t)
	ns := a.Open()
	// Counters move (MLD reports, neighbour discovery): compare a table read
	// taken between two equal reads of the file.
	var after, got map[string]map[string]string
	nstest.Eventually(t, func() error {
		before := afSnmp6(t, a)
		got = map[string]map[string]string{}
		for _, r := range runRows(t, inet6Stats, ns, nil, nil) {
			m := map[string]string{}
			for _, n := range netlinkx.Inet6StatsNames {
				if r[n].Kind == KindNull {
					t.Errorf("inet6_stats %s.%s is NULL", r["interface"].Text, n)
				}
				m[n] = r[n].String()
			}
			got[r["interface"].Text] = m
		}
		for _, r := range runRows(t, icmp6Stats, ns, nil, nil) {
			m := got[r["interface"].Text]
			if m == nil {
				t.Fatalf("icmp6_stats has %s, inet6_stats does not", r["interface"].Text)
			}
			for _, n := range netlinkx.ICMP6StatsNames {
				m["icmp6."+n] = r[n].String()
			}
		}
		if after = afSnmp6(t, a); !maps.EqualFunc(before, after, maps.Equal) {
			return errors.New("/proc/net/dev_snmp6 never held still for a read")
		}
		return nil
	})
	// Keep only what the file shows: five columns have no line in it.
	for iface, m := range got {
		for col := range m {
			if _, ok := after[iface][col]; !ok {
				delete(m, col)
			}
		}
	}
	checkSame(t, after, got, "inet6_stats/icmp6_stats vs /proc/net/dev_snmp6 (-file +table)")
	if v, _ := strconv.Atoi(got["veth0"]["icmp6.in_msgs"]); v < 3 {
		t.Errorf("veth0 icmp6 in_msgs = %d after 3 echo replies", v)
	}
}

func TestAFSpecInet6Interfaces(t *testing.T) {
	a := afSetup(t)
	ns := a.Open()
	rows := afByInterface(t, runRows(t, inet6Interfaces, ns, nil, nil))
	conf := afProcTree(a, "/proc/sys/net/ipv6/conf")
	neigh := afProcTree(a, "/proc/sys/net/ipv6/neigh")
	delete(conf, "all")
	delete(conf, "default")
	checkSame(t, slices.Sorted(maps.Keys(conf)), slices.Sorted(maps.Keys(rows)), "interfaces (-/proc/sys/net/ipv6/conf +table)")
	modes := map[string]string{"0": "eui64", "1": "none", "2": "stable_privacy", "3": "random"}
	known := map[string]bool{"rs_sent": true, "ra_rcvd": true, "ra_managed": true, "ra_otherconf": true, "ready": true}
	for iface, r := range rows {
		check := func(col, want string) {
			t.Helper()
			if got := r[col].String(); got != want {
				t.Errorf("%s.%s = %q, want %q", iface, col, got, want)
			}
		}
		check("addr_gen_mode", modes[conf[iface]["addr_gen_mode"]])
		check("retrans_time", neigh[iface]["retrans_time_ms"])
		check("max_reasm_len", "65535")
		check("ra_mtu", "") // sent only once a router advertisement carried an MTU
		base, _ := strconv.ParseInt(neigh[iface]["base_reachable_time_ms"], 10, 64)
		if rt := r["reachable_time"].Int; rt < base/2 || rt > base*3/2 {
			t.Errorf("%s.reachable_time = %d, want within [%d, %d]", iface, rt, base/2, base*3/2)
		}
		if r["tstamp"].Kind == KindNull {
			t.Errorf("%s.tstamp is NULL", iface)
		}
		wantToken := "::"
		if iface == "veth0" {
			wantToken = "::1:2:3:4"
		}
		check("token", wantToken)
		for _, f := range strings.Split(r["flags"].String(), ",") {
			if f != "" && !known[f] {
				t.Errorf("%s.flags has %q", iface, f)
			}
		}
	}
	for _, iface := range []string{"lo", "veth0"} {
		if !strings.Contains(rows[iface]["flags"].String(), "ready") {
			t.Errorf("%s.flags = %q, want ready (the link is up)", iface, rows[iface]["flags"].String())
		}
	}
	if tok := strings.TrimSpace(a.Run("ip", "token", "get", "dev", "veth0")); !strings.Contains(tok, "::1:2:3:4") {
		t.Errorf("ip token get: %q", tok)
	}
}

// TestAFSpecTablesNoIPv6 checks that links without struct inet6_dev (an MTU
// below 1280) have no inet6 rows and cause no error, asked for by name or not.
func TestAFSpecTablesNoIPv6(t *testing.T) {
	nstest.NeedRoot(t)
	a := nstest.New(t)
	a.Run("ip", "link", "add", "small0", "mtu", "1000", "type", "veth", "peer", "name", "small1", "mtu", "1000")
	ns := a.Open()
	byName := map[string][]Constraint{"interface": {{Op: OpEquals, Expr: "small0"}, {Op: OpEquals, Expr: "small1"}}}
	for _, tbl := range []Interface{inet6Stats, icmp6Stats, inet6Interfaces, inet6Devconf} {
		if rows := runRows(t, tbl, ns, byName, nil); len(rows) != 0 {
			t.Errorf("%s WHERE interface IN (small0, small1): %d rows, want none", tbl.Spec().Name, len(rows))
		}
	}
	got := afByInterface(t, runRows(t, inet6Devconf, ns, nil, []string{"interface", "forwarding"}))
	checkSame(t, []string{"all", "default", "lo"}, slices.Sorted(maps.Keys(got)), "inet6_devconf rows (-want +got)")
	got = afByInterface(t, runRows(t, inetDevconf, ns, nil, []string{"interface", "forwarding"}))
	checkSame(t, []string{"all", "default", "lo", "small0", "small1"}, slices.Sorted(maps.Keys(got)), "inet_devconf rows (-want +got)")
}
