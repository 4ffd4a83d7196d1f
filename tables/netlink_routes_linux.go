package tables

import (
	"context"
	"math"
	"slices"

	"github.com/netlinkq/netlinkq/netlinkx"
	"golang.org/x/sys/unix"
)

// routeRow is one row of netlink_routes: a route, or one path of a
// multipath route.
type routeRow struct {
	m *netlinkx.RouteMessage
	// nh is the path of a multipath route (RTA_MULTIPATH), nil for a route with one path.
	nh *netlinkx.RtNexthop
	// nhIndex is nh's 0-based position in RTA_MULTIPATH.
	nhIndex int
	names   linkNames // when the query needs names
}

// ifindex is the outgoing link of the row: the path's, or the route's RTA_OIF.
func (r *routeRow) ifindex() int32 {
	if r.nh != nil {
		return r.nh.Ifindex
	}
	return int32(r.m.Oif)
}

// gateway is the row's RTA_GATEWAY, or RTA_VIA when the gateway is of another family.
func (r *routeRow) gateway() Value {
	gw, via := r.m.Gateway, r.m.Via
	if r.nh != nil {
		gw, via = r.nh.Gateway, r.nh.Via
	}
	if gw.IsValid() {
		return addrValue(gw)
	}
	return addrValue(via)
}

// routeNeedNames is the need of the interface column: it costs an
// RTM_GETLINK dump beside the route dumps.
const routeNeedNames Need[routeRow] = 1 << 0

// netlinkRoutes is netlink_routes: one row per route and path of every
// routing table, what `ip route show table all` prints.
var netlinkRoutes = lazy("netlink_routes", func() *Table[routeRow] {
	return &Table[routeRow]{
		Columns: []Column[routeRow]{
			Text("family", "rtmsg.rtm_family: inet (AF_INET) or inet6 (AF_INET6)", func(r *routeRow) string { return familyName(r.m.Family) }).With(Index),
			Text("table", "RTA_TABLE (rtm_table when not sent) as ip names it: the name from rt_tables (/etc/iproute2/rt_tables, /usr/share/iproute2/rt_tables, rt_tables.d/*.conf; local, main and default are reserved), the number otherwise",
				func(r *routeRow) string { return netlinkx.RouteTableName(r.m.TableID()) }).With(Index),
			BigInt("table_id", "RTA_TABLE (rtm_table when not sent): the table's number (255 local, 254 main, 253 default)", func(r *routeRow) int64 { return int64(r.m.TableID()) }).With(Index),
			Text("destination", "RTA_DST: the destination prefix's address; 0.0.0.0 or :: for a default route (prefix_len 0), which ip prints as default", func(r *routeRow) string {
				if r.m.Dst.IsValid() {
					return r.m.Dst.String()
				}
				if r.m.Family == unix.AF_INET6 {
					return "::"
				}
				return "0.0.0.0"
			}),
			Int("prefix_len", "rtmsg.rtm_dst_len: the destination prefix's length in bits", func(r *routeRow) int64 { return int64(r.m.DstLen) }),
			Text("type", "rtmsg.rtm_type: the RTN_* type as ip names it (unicast, local, broadcast, anycast, multicast, blackhole, unreachable, prohibit, throw, nat, ...)", func(r *routeRow) string {
				return netlinkx.RouteTypeName(r.m.Type)
			}),
			Text("protocol", "rtmsg.rtm_protocol: who installed the route, as ip names RTPROT_* (kernel, boot, static, ra, dhcp, bgp, ...), the number otherwise; ip prints nothing for boot", func(r *routeRow) string {
				return netlinkx.RouteProtocolName(r.m.Protocol)
			}).With(Index),
			Text("scope", "rtmsg.rtm_scope: global, site, link, host or nowhere (RT_SCOPE_*), the number otherwise; ip prints nothing for global", func(r *routeRow) string {
				return netlinkx.ScopeName(r.m.Scope)
			}),
			Col("gateway", TypeText, "RTA_GATEWAY of the route or path, or the address of RTA_VIA (a gateway of the other family: an IPv4 route via an IPv6 neighbour); NULL when directly connected", (*routeRow).gateway),
			Col("interface", TypeText, "the name of the outgoing link (IFLA_IFNAME of RTA_OIF, or of the path's rtnh_ifindex); NULL for a route without one (blackhole, unreachable, ...)", func(r *routeRow) Value {
				return r.names.name(r.ifindex())
			}).With(Index).Needs(routeNeedNames),
			Col("index", TypeInteger, "RTA_OIF, or the path's rtnh_ifindex: the outgoing interface index; NULL when none", func(r *routeRow) Value {
				if i := r.ifindex(); i != 0 {
					return IntValue(int64(i))
				}
				return Null
			}).With(Index),
			Col("source", TypeText, "RTA_PREFSRC: the source address preferred for the route (ip's src); NULL when not set", func(r *routeRow) Value { return addrValue(r.m.PrefSrc) }),
			BigInt("metric", "RTA_PRIORITY: the route's metric (priority), lower first; 0 when the kernel sends none (an IPv4 route of metric 0)", func(r *routeRow) int64 { return int64(r.m.Priority) }),
			Text("flags", "rtmsg.rtm_flags, and the path's rtnh_flags for a path of a multipath route, as ip names them, comma-separated: dead, onlink, pervasive, offload, trap, notify, linkdown, unresolved, rt_offload, rt_trap, rt_offload_failed; unknown bits in hex",
				func(r *routeRow) string {
					f := r.m.Flags
					if r.nh != nil {
						f |= uint32(r.nh.Flags)
					}
					return netlinkx.RouteFlags(f)
				}),
			Col("nexthop_id", TypeBigInt, "RTA_NH_ID: the id of the nexthop object the route uses (`ip nexthop`, kernel 5.3+); NULL for a route with its own nexthops", func(r *routeRow) Value {
				if r.m.NHID == 0 {
					return Null
				}
				return IntValue(int64(r.m.NHID))
			}),
			Col("nexthop_index", TypeInteger, "the path's position in RTA_MULTIPATH, from 0, in the kernel's (and ip's) order; NULL for a route with one path", func(r *routeRow) Value {
				if r.nh == nil {
					return Null
				}
				return IntValue(int64(r.nhIndex))
			}),
			Col("weight", TypeInteger, "rtnexthop.rtnh_hops + 1: the path's weight, as ip prints it; NULL for a route with one path", func(r *routeRow) Value {
				if r.nh == nil {
					return Null
				}
				return IntValue(int64(r.nh.Weight()))
			}),
			routeMetric("mtu", unix.RTAX_MTU, "RTA_METRICS RTAX_MTU: the path MTU of the route, bytes"),
			routeMetric("advmss", unix.RTAX_ADVMSS, "RTA_METRICS RTAX_ADVMSS: the MSS advertised on TCP connections over the route, bytes"),
			routeMetric("hoplimit", unix.RTAX_HOPLIMIT, "RTA_METRICS RTAX_HOPLIMIT: the TTL or hop limit of packets over the route"),
			routeMetric("initcwnd", unix.RTAX_INITCWND, "RTA_METRICS RTAX_INITCWND: TCP's initial congestion window, segments"),
			routeMetric("initrwnd", unix.RTAX_INITRWND, "RTA_METRICS RTAX_INITRWND: TCP's initial receive window, segments"),
			Col("congctl", TypeText, "RTA_METRICS RTAX_CC_ALGO: the TCP congestion control algorithm of the route; NULL when not set", func(r *routeRow) Value {
				if r.m.CCAlgo == nil {
					return Null
				}
				return TextValue(string(r.m.CCAlgo))
			}),
			Col("expires", TypeBigInt, "rta_cacheinfo.rta_expires: seconds until the route expires (an IPv6 route learned from a router advertisement, or added with expires), truncated as ip prints it; NULL for a route that does not expire", func(r *routeRow) Value {
				if !r.m.HasCacheInfo || r.m.CacheInfo.Expires == 0 {
					return Null
				}
				return IntValue(int64(r.m.CacheInfo.Expires) / 100) // clock_t, USER_HZ
			}),
			Col("pref", TypeText, "RTA_PREF: the IPv6 router preference (RFC 4191) as ip prints it: low, medium or high; NULL for IPv4", func(r *routeRow) Value {
				if !r.m.HasPref {
					return Null
				}
				return TextValue(netlinkx.RoutePrefName(r.m.Pref))
			}),
			Int("tos", "rtmsg.rtm_tos: the TOS (IPv4) or DSCP the route matches, 0 for any", func(r *routeRow) int64 { return int64(r.m.TOS) }),
			Col("src", TypeText, "RTA_SRC: the source prefix's address of an IPv6 source-specific route (ip's from); NULL for other routes", func(r *routeRow) Value { return addrValue(r.m.Src) }),
			Int("src_len", "rtmsg.rtm_src_len: the source prefix's length in bits, 0 for other routes", func(r *routeRow) int64 { return int64(r.m.SrcLen) }),
			Col("realms", TypeText, "RTA_FLOW of the route or path: the IPv4 realm as ip prints it, TO or FROM/TO (numbers); NULL when not set", func(r *routeRow) Value {
				flow := r.m.Flow
				if r.nh != nil && r.nh.Flow != 0 {
					flow = r.nh.Flow
				}
				if flow == 0 {
					return Null
				}
				return TextValue(netlinkx.RouteRealms(flow))
			}),
		},
		Generate: generateRoutes,
	}
})

// routeMetric is a column of one RTAX_* metric: NULL when not set.
func routeMetric(name string, rtax int, doc string) Column[routeRow] {
	return Col(name, TypeBigInt, doc+"; NULL when not set", func(r *routeRow) Value {
		if v, ok := r.m.Metric(rtax); ok {
			return IntValue(int64(v))
		}
		return Null
	})
}

// generateRoutes dumps the routes of each family, table and link the
// constraints name (all of them when unconstrained) and emits a row per path.
func generateRoutes(ctx context.Context, q *Query, emit func(*routeRow) error) error {
	families := []uint8{unix.AF_UNSPEC} // both, one dump each
	if fams, ok := q.Equals("family"); ok {
		families = families[:0]
		for _, f := range dedup(fams) {
			switch f {
			case famInet:
				families = append(families, unix.AF_INET)
			case famInet6:
				families = append(families, unix.AF_INET6)
			}
		}
	}
	tables, ok := routeTablesOf(q)
	if !ok {
		tables = []uint32{0}
	}
	links, err := scopeLinks(ctx, q, routeNeedNames.In(q))
	if err != nil {
		return err
	}
	row := routeRow{names: links.names}
	oifs := links.indexes
	protocols := routeProtocols(q)
	// A dump per combination; a protocol list, which the kernel filters by
	// a byte of the header, gives way when it would multiply the dumps past
	// maxRouteDumps.
	if len(protocols) > 1 && len(families)*len(tables)*len(oifs)*len(protocols) > maxRouteDumps {
		protocols = []uint8{0}
	}
	for _, family := range families {
		for _, table := range tables {
			for _, oif := range oifs {
				for _, proto := range protocols {
					req := netlinkx.RouteRequest{NetNS: q.NetNS, Family: family, Table: table, Oif: oif, Protocol: proto}
					err := netlinkx.DumpRoutes(ctx, req, func(m *netlinkx.RouteMessage) error {
						return emitRoutePaths(&row, m, oif, emit)
					})
					if err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// maxRouteDumps is how many dumps a query may cost before netlink_routes
// stops narrowing by protocol.
const maxRouteDumps = 32

// routeProtocols are the rtm_protocol values whose names (as the protocol
// column spells them) q's = constraints ask for; [0], no narrowing, when
// the column has none or asks for unspec (0), which in the request means
// every protocol.
func routeProtocols(q *Query) []uint8 {
	vals, ok := q.Equals("protocol")
	if !ok || slices.Contains(vals, netlinkx.RouteProtocolName(0)) {
		return []uint8{0}
	}
	var out []uint8
	for i := 1; i < 256; i++ {
		if slices.Contains(vals, netlinkx.RouteProtocolName(uint8(i))) {
			out = append(out, uint8(i))
		}
	}
	return out
}

// emitRoutePaths emits m as one row, or one row per path of RTA_MULTIPATH.
// With oif set (a dump per link), only the paths through oif are emitted,
// so that a route through two of the links asked for gives each row once.
func emitRoutePaths(row *routeRow, m *netlinkx.RouteMessage, oif uint32, emit func(*routeRow) error) error {
	row.m, row.nh, row.nhIndex = m, nil, 0
	if len(m.Multipath) == 0 {
		return emit(row)
	}
	for i := range m.Multipath {
		if oif != 0 && uint32(m.Multipath[i].Ifindex) != oif {
			continue
		}
		row.nh, row.nhIndex = &m.Multipath[i], i
		if err := emit(row); err != nil {
			return err
		}
	}
	return nil
}

// routeTablesOf is the table ids q's constraints on table_id, else on
// table, allow; ok is false when neither is constrained. A constraint that
// no table can meet gives an empty list.
func routeTablesOf(q *Query) (ids []uint32, ok bool) {
	if vals, ok := q.IntEquals("table_id"); ok {
		for _, v := range vals {
			if v > 0 && v <= math.MaxUint32 {
				ids = append(ids, uint32(v))
			}
		}
		return dedup(ids), true
	}
	if names, ok := q.Equals("table"); ok {
		for _, n := range names {
			for _, id := range netlinkx.RouteTableIDs(n) {
				if id != 0 {
					ids = append(ids, id)
				}
			}
		}
		return dedup(ids), true
	}
	return nil, false
}
