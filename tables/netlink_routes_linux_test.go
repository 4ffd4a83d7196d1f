package tables

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"golang.org/x/sys/unix"
)

// routeCols are the columns routeLine renders, in order.
var routeCols = []string{"family", "table", "table_id", "destination", "prefix_len", "type", "protocol", "scope", "gateway", "interface",
	"source", "metric", "flags", "nexthop_id", "nexthop_index", "weight", "mtu", "advmss", "hoplimit", "initcwnd", "initrwnd", "congctl",
	"pref", "tos", "src", "src_len", "realms"}

// routeLine renders a table row as ipRouteLines does; flags are sorted,
// as a path's row joins the route's flags and the path's.
func routeLine(r map[string]string) string {
	var cells []string
	for _, c := range routeCols {
		v := r[c]
		if c == "flags" {
			f := strings.Split(v, ",")
			slices.Sort(f)
			v = strings.Trim(strings.Join(f, ","), ",")
		}
		cells = append(cells, v)
	}
	return strings.Join(cells, " ")
}

// ipRoute is one route of `ip -j route show`.
type ipRoute struct {
	Type, Dst, Gateway, Dev, Table, Protocol, Scope, Prefsrc, Pref, From, Tos string
	Metric, NHID                                                              *int64
	Expires                                                                   *int64
	Flags                                                                     []string
	Via                                                                       *struct{ Host string }
	Flow                                                                      *struct{ From, To string }
	Metrics                                                                   []map[string]any
	Nexthops                                                                  []struct {
		Gateway, Dev string
		Weight       int64
		Flags        []string
		Via          *struct{ Host string }
		Flow         *struct{ From, To string }
	}
}

// ipRouteLines runs `ip -j route show table all` for family (inet or
// inet6) in ns and renders each route, one line per path, with the
// defaults ip leaves out (table main, type unicast, protocol boot, scope
// global, metric 0) filled in. expires maps a line to ip's expires.
func ipRouteLines(t *testing.T, ns *nstest.NS, family string) (lines []string, expires map[string]int64) {
	t.Helper()
	var routes []ipRoute
	flag := map[string]string{famInet: "-4", famInet6: "-6"}[family]
	ns.JSON(&routes, "ip", flag, "-j", "route", "show", "table", "all")
	or := func(s, dflt string) string {
		if s == "" {
			return dflt
		}
		return s
	}
	num := func(p *int64, dflt string) string {
		if p == nil {
			return dflt
		}
		return strconv.FormatInt(*p, 10)
	}
	realms := func(f *struct{ From, To string }) string {
		switch {
		case f == nil:
			return "<null>"
		case f.From != "":
			return f.From + "/" + f.To
		}
		return f.To
	}
	expires = map[string]int64{}
	for _, r := range routes {
		dst, plen := r.Dst, ""
		if dst == "default" {
			dst, plen = map[string]string{famInet: "0.0.0.0", famInet6: "::"}[family], "0"
		} else if a, l, ok := strings.Cut(dst, "/"); ok {
			dst, plen = a, l
		} else {
			plen = map[string]string{famInet: "32", famInet6: "128"}[family]
		}
		table := or(r.Table, "main")
		tableID := strconv.FormatUint(uint64(lookupTableID(t, table)), 10)
		metrics := map[string]string{}
		for _, m := range r.Metrics {
			for k, v := range m {
				metrics[k] = jsonText(v)
			}
		}
		metric := func(k string) string { return or(metrics[k], "<null>") }
		src, srcLen := "<null>", "0"
		if r.From != "" {
			src, srcLen, _ = strings.Cut(r.From, "/")
		}
		tos := "0"
		if r.Tos != "" {
			v, err := strconv.ParseUint(r.Tos, 0, 8)
			if err != nil {
				t.Fatalf("tos %q: %v", r.Tos, err)
			}
			tos = strconv.FormatUint(v, 10)
		}
		pref := or(r.Pref, "<null>")
		line := func(gw, dev string, flags []string, nhIndex, weight, realm string) string {
			f := slices.Clone(flags)
			slices.Sort(f)
			f = slices.Compact(f)
			return strings.Join([]string{family, table, tableID, dst, plen, or(r.Type, "unicast"), or(r.Protocol, "boot"), or(r.Scope, "global"),
				gw, or(dev, "<null>"), or(r.Prefsrc, "<null>"), num(r.Metric, "0"), strings.Join(f, ","), num(r.NHID, "<null>"), nhIndex, weight,
				metric("mtu"), metric("advmss"), metric("hoplimit"), metric("initcwnd"), metric("initrwnd"), metric("congestion"),
				pref, tos, src, srcLen, realm}, " ")
		}
		gateway := func(gw string, via *struct{ Host string }) string {
			if gw == "" && via != nil {
				gw = via.Host
			}
			return or(gw, "<null>")
		}
		if len(r.Nexthops) == 0 {
			l := line(gateway(r.Gateway, r.Via), r.Dev, r.Flags, "<null>", "<null>", realms(r.Flow))
			lines = append(lines, l)
			if r.Expires != nil {
				expires[l] = *r.Expires
			}
			continue
		}
		for i, nh := range r.Nexthops {
			realm := realms(nh.Flow)
			if realm == "<null>" {
				realm = realms(r.Flow)
			}
			lines = append(lines, line(gateway(nh.Gateway, nh.Via), nh.Dev, append(slices.Clone(r.Flags), nh.Flags...), strconv.Itoa(i), strconv.FormatInt(nh.Weight, 10), realm))
		}
	}
	return lines, expires
}

// lookupTableID is the id of a table name ip printed.
func lookupTableID(t *testing.T, name string) uint32 {
	t.Helper()
	ids := netlinkx.RouteTableIDs(name)
	if len(ids) == 0 {
		t.Fatalf("table %q has no id", name)
	}
	return ids[0]
}

// routeLab is a namespace filled by nstest's RouteLab, and its handle.
func routeLab(t *testing.T) (*nstest.NS, netlinkx.NetNS) {
	t.Helper()
	ns := nstest.New(t)
	ns.RouteLab()
	return ns, ns.Open()
}

func TestNetlinkRoutesMatchesIP(t *testing.T) {
	ns, fd := routeLab(t)
	rows := tableRows(t, netlinkRoutes, fd, nil, nil)
	var want []string
	ipExpires := map[string]int64{}
	for _, fam := range []string{famInet, famInet6} {
		lines, exp := ipRouteLines(t, ns, fam)
		want = append(want, lines...)
		for k, v := range exp {
			ipExpires[k] = v
		}
	}
	var got []string
	for _, r := range rows {
		l := routeLine(r)
		got = append(got, l)
		if e, ok := ipExpires[l]; ok {
			// Seconds that may tick between our read and ip's (later).
			if v, err := strconv.ParseInt(r["expires"], 10, 64); err != nil || v < e || v > e+2 {
				t.Errorf("%s expires = %q, ip printed %d", r["destination"], r["expires"], e)
			}
		} else if r["expires"] != "<null>" {
			t.Errorf("%s expires = %q, ip printed none", r["destination"], r["expires"])
		}
	}
	checkLines(t, want, got, "(-ip +netlink_routes), columns %v", routeCols)
	checkSeen(t, got,
		"inet main 254 10.50.0.0 16 unicast boot global 10.1.0.2 r0 <null> 0  <null> 0 1 ",
		"inet main 254 10.50.0.0 16 unicast boot global 10.2.0.2 r1 <null> 0  <null> 1 3 ",
		"inet 100 100 10.60.0.0 16 unicast boot global 10.1.0.3 r0 10.1.0.1 7  <null> <null> <null> 1400 ",
		"inet 200 200 10.72.0.0 16 prohibit boot global <null> <null>",
		"inet 1000 1000 10.90.0.0 16 unicast", "inet main 254 10.9.0.0 24 unicast boot global 10.1.0.4 r0 <null> 0  10 ",
		"inet main 254 10.95.0.0 24 unicast boot global 10.2.0.4 r1 <null> 0  30 1 4 ",
		"inet main 254 10.70.0.0 16 blackhole", "inet main 254 10.71.0.0 16 unreachable", "inet 100 100 10.94.0.0 16 throw",
		"inet main 254 10.80.0.0 16 unicast boot global 2001:db8:1::2 r0", "10.81.0.0 16 unicast boot global 10.1.0.9 r0 <null> 0 onlink ",
		"10.96.0.0 16 unicast boot global 10.2.0.2 r1 <null> 0 onlink <null> 1 1 ", "10.97.0.0 16 unicast boot global 10.3.0.2 r2 <null> 0 linkdown ",
		" 1300 9 10 20 reno ", " <null> 16 <null> 0 <null>", " 3/4", "inet main 254 0.0.0.0 0 unicast dhcp global 10.1.0.254 r0 <null> 100 ",
		"inet local 255 127.0.0.1 32 local kernel host <null> lo 127.0.0.1 0 ",
		"inet6 main 254 :: 0 unicast boot global 2001:db8:1::fe r0 <null> 1024 ", " low ",
		"inet6 main 254 2001:db8:5:: 64 unicast boot global 2001:db8:1::2 r0 <null> 50 ", " high ",
		"inet6 main 254 2001:db8:7:: 64 unicast boot global 2001:db8:2::2 r1 <null> 1024  <null> 1 5 ",
		" 2001:db8:a:: 64 ", "inet6 100 100 2001:db8:d:: 64 unreachable", "inet6 main 254 2001:db8:c:: 64 blackhole",
	)
}

// TestNetlinkRoutesConstraints checks that constraints pushed to the kernel
// (family, RTA_TABLE, RTA_OIF) keep every matching row and return no row
// twice, and that they narrow what the kernel sends.
func TestNetlinkRoutesConstraints(t *testing.T) {
	_, fd := routeLab(t)
	all := tableRows(t, netlinkRoutes, fd, nil, nil)
	r1 := indexOf(t, all, "r1")
	tests := []struct {
		name string
		cons map[string][]Constraint
		// attrs are the attributes each route dump must carry, narrower the
		// rows it may send back at most (of all of them).
		attrs  []uint16
		narrow bool
		// header are the rtmsg bytes each route dump must set (5 is
		// rtm_protocol).
		header []int
	}{
		{"inet", eq("family", "inet"), nil, true, nil},
		{"inet6", eq("family", "inet6"), nil, true, nil},
		{"both families", eq("family", "inet", "inet6"), nil, false, nil},
		{"no such family", eq("family", "link"), nil, true, nil},
		{"table main", eq("table", "main"), []uint16{unix.RTA_TABLE}, true, nil},
		{"table 100 by number", eq("table", "100"), []uint16{unix.RTA_TABLE}, true, nil},
		{"table local and 1000", eq("table", "local", "1000"), []uint16{unix.RTA_TABLE}, true, nil},
		{"no such table name", eq("table", "nope"), nil, true, nil},
		{"table_id 100", eq("table_id", "100"), []uint16{unix.RTA_TABLE}, true, nil},
		{"table_id of no table", eq("table_id", "4242"), []uint16{unix.RTA_TABLE}, true, nil},
		{"r1", eq("interface", "r1"), []uint16{unix.RTA_OIF}, true, nil},
		{"r0 and r1 (multipath routes use both)", eq("interface", "r0", "r1"), []uint16{unix.RTA_OIF}, true, nil},
		{"no such link", eq("interface", "nope"), nil, true, nil},
		{"lo (local routes, IPv6 reject routes, a blackhole nexthop object)", eq("interface", "lo"), []uint16{unix.RTA_OIF}, true, nil},
		{"index of r1", eq("index", r1), []uint16{unix.RTA_OIF}, true, nil},
		{"index of no link", eq("index", "9999"), nil, true, nil},
		{"protocol kernel", eq("protocol", "kernel"), nil, true, []int{5}},
		{"protocol bgp or dhcp", eq("protocol", "bgp", "dhcp"), nil, true, []int{5}},
		{"protocol by number", eq("protocol", "186"), nil, true, nil},
		{"protocol unspec", eq("protocol", "unspec"), nil, false, nil},
		{"type blackhole (one over a blackhole nexthop object, added as unicast)", eq("type", "blackhole"), nil, false, nil},
		{"types of reject routes in table 100", and(eq("type", "unreachable", "prohibit", "throw"), eq("table", "100")), []uint16{unix.RTA_TABLE}, true, nil},
		{"protocol list past maxRouteDumps", and(eq("protocol", "kernel", "boot", "static", "dhcp", "bgp", "ra"), eq("table_id", "100", "200", "254", "255", "1000")), []uint16{unix.RTA_TABLE}, false, nil},
		{"r1 inet6 main", and(eq("interface", "r1"), eq("family", "inet6"), eq("table", "main")), []uint16{unix.RTA_OIF, unix.RTA_TABLE}, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var reqs []netlinkx.DumpRequest
			ctx := netlinkx.WithTrace(t.Context(), &netlinkx.Trace{Dump: func(req netlinkx.DumpRequest) {
				mu.Lock()
				defer mu.Unlock()
				reqs = append(reqs, req)
			}})
			rows := tableRowsCtx(t, ctx, netlinkRoutes, fd, tt.cons, nil)
			checkKeeps(t, all, rows, tt.cons, routeLine)
			if tt.narrow && len(rows) >= len(all) {
				t.Errorf("%d rows before SQLite's check, as many as without constraint (%d)", len(rows), len(all))
			}
			for _, req := range reqs {
				if req.Type != unix.RTM_GETROUTE {
					continue
				}
				if !req.Strict {
					t.Errorf("route dump without NETLINK_GET_STRICT_CHK")
				}
				for _, i := range tt.header {
					if req.Data[i] == 0 {
						t.Errorf("route dump request % x has no rtmsg byte %d", req.Data, i)
					}
				}
				for _, a := range tt.attrs {
					if !hasAttr(req.Data[12:], a) {
						t.Errorf("route dump request % x lacks attribute %d", req.Data, a)
					}
				}
			}
		})
	}
}

// hasAttr reports whether the attributes in b include one of type typ.
func hasAttr(b []byte, typ uint16) bool {
	for len(b) >= 4 {
		l := int(binary.NativeEndian.Uint16(b[0:2]))
		if binary.NativeEndian.Uint16(b[2:4]) == typ {
			return true
		}
		if l < 4 {
			return false
		}
		b = b[min((l+3)&^3, len(b)):]
	}
	return false
}

// TestNetlinkRoutesHidesCache makes path MTU exceptions (cloned routes,
// RTM_F_CLONED) for an IPv4 and an IPv6 destination behind a router whose
// far link has a smaller MTU, and checks that the table shows what `ip
// route show table all` does: the routes, not the cache `ip route show
// cache` lists.
func TestNetlinkRoutesHidesCache(t *testing.T) {
	nstest.NeedTool(t, "ping")
	a, r, c := nstest.New(t), nstest.New(t), nstest.New(t)
	for _, n := range []*nstest.NS{a, r, c} {
		n.Run("sysctl", "-qw", "net.ipv6.conf.default.addr_gen_mode=1", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0")
	}
	a.Run("ip", "link", "add", "x0", "type", "veth", "peer", "name", "x0p", "netns", r.Name)
	r.Run("ip", "link", "add", "y0", "type", "veth", "peer", "name", "y0p", "netns", c.Name)
	for _, cmd := range [][]string{
		{"ip", "addr", "add", "10.1.0.1/24", "dev", "x0"}, {"ip", "-6", "addr", "add", "fd01::1/64", "dev", "x0", "nodad"},
		{"ip", "link", "set", "x0", "up"}, {"ip", "route", "add", "default", "via", "10.1.0.2"}, {"ip", "-6", "route", "add", "default", "via", "fd01::2"},
	} {
		a.Run(cmd...)
	}
	for _, cmd := range [][]string{
		{"sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"},
		{"ip", "addr", "add", "10.1.0.2/24", "dev", "x0p"}, {"ip", "-6", "addr", "add", "fd01::2/64", "dev", "x0p", "nodad"},
		{"ip", "addr", "add", "10.5.0.1/24", "dev", "y0"}, {"ip", "-6", "addr", "add", "fd05::1/64", "dev", "y0", "nodad"},
		{"ip", "link", "set", "x0p", "up"}, {"ip", "link", "set", "y0", "up", "mtu", "1300"},
	} {
		r.Run(cmd...)
	}
	for _, cmd := range [][]string{
		{"ip", "addr", "add", "10.5.0.2/24", "dev", "y0p"}, {"ip", "-6", "addr", "add", "fd05::2/64", "dev", "y0p", "nodad"},
		{"ip", "link", "set", "y0p", "up", "mtu", "1300"}, {"ip", "route", "add", "default", "via", "10.5.0.1"}, {"ip", "-6", "route", "add", "default", "via", "fd05::1"},
	} {
		c.Run(cmd...)
	}
	// The router answers "fragmentation needed" / "packet too big": the
	// pings fail, and leave an exception behind.
	nstest.Eventually(t, func() error {
		_ = a.Command("ping", "-c", "1", "-W", "1", "-M", "do", "-s", "1400", "10.5.0.2").Run()
		_ = a.Command("ping", "-6", "-c", "1", "-W", "1", "-s", "1400", "fd05::2").Run()
		cache := a.Run("ip", "route", "show", "cache") + a.Run("ip", "-6", "route", "show", "cache")
		for _, dst := range []string{"10.5.0.2 ", "fd05::2 "} {
			if !strings.Contains(cache, dst) || !strings.Contains(cache, "mtu 1300") {
				return fmt.Errorf("no exception for %s yet:\n%s", dst, cache)
			}
		}
		return nil
	})
	rows := tableRows(t, netlinkRoutes, a.Open(), nil, nil)
	var want, got []string
	for _, fam := range []string{famInet, famInet6} {
		lines, _ := ipRouteLines(t, a, fam)
		want = append(want, lines...)
	}
	for _, r := range rows {
		got = append(got, routeLine(r))
	}
	checkLines(t, want, got, "(-ip +netlink_routes)")
	for _, g := range got {
		if strings.Contains(g, " 10.5.0.2 ") || strings.Contains(g, " fd05::2 ") {
			t.Errorf("a cached route is shown: %s", g)
		}
	}
}
