package netlinkx

import (
	"net/netip"
	"strconv"
)

// Route constants missing from golang.org/x/sys/unix.
// From include/uapi/linux/rtnetlink.h and include/uapi/linux/icmpv6.h.
const (
	RTA_NH_ID = 30 // u32: the nexthop object the route uses (kernel 5.3+)

	ICMPV6_ROUTER_PREF_MEDIUM  = 0x0 // RTA_PREF: medium (the default)
	ICMPV6_ROUTER_PREF_HIGH    = 0x1 // RTA_PREF: high
	ICMPV6_ROUTER_PREF_INVALID = 0x2 // RTA_PREF: invalid
	ICMPV6_ROUTER_PREF_LOW     = 0x3 // RTA_PREF: low
)

// RtMsg is struct rtmsg, the fixed header of RTM_NEWROUTE (linux/rtnetlink.h).
type RtMsg struct {
	Family   uint8  // rtm_family: AF_INET, AF_INET6
	DstLen   uint8  // rtm_dst_len: prefix length of RTA_DST
	SrcLen   uint8  // rtm_src_len: prefix length of RTA_SRC
	TOS      uint8  // rtm_tos: the TOS (IPv4) or DSCP/traffic class the route matches
	Table    uint8  // rtm_table: the table id, RT_TABLE_COMPAT (252) when it does not fit; see TableID
	Protocol uint8  // rtm_protocol: RTPROT_*, who installed the route
	Scope    uint8  // rtm_scope: RT_SCOPE_*
	Type     uint8  // rtm_type: RTN_*
	Flags    uint32 // rtm_flags: RTM_F_* and, for a single path, RTNH_F_*
}

// sizeofRtMsg is sizeof(struct rtmsg).
const sizeofRtMsg = 12

// RtNexthop is one path of a multipath route: struct rtnexthop in
// RTA_MULTIPATH and the attributes nested after it.
type RtNexthop struct {
	Flags   uint8 // rtnh_flags: RTNH_F_*
	Hops    uint8 // rtnh_hops: the path's weight minus one
	Ifindex int32 // rtnh_ifindex: the outgoing link
	// Gateway is the path's RTA_GATEWAY, invalid when not sent.
	Gateway netip.Addr
	// Via is the path's RTA_VIA: a gateway of another family than the
	// route's (an IPv4 route via an IPv6 neighbour); invalid when not sent.
	Via netip.Addr
	// Flow is the path's RTA_FLOW (IPv4 realms: from << 16 | to), 0 when not sent.
	Flow uint32
}

// Weight is the path's weight as `ip route` prints it: rtnh_hops + 1.
func (nh *RtNexthop) Weight() int { return int(nh.Hops) + 1 }

// RtaCacheInfo is the part of struct rta_cacheinfo (RTA_CACHEINFO) that
// netlinkq reads.
type RtaCacheInfo struct {
	Used    uint32 // rta_used: times the route was used (IPv6)
	Expires int32  // rta_expires: clock_t (USER_HZ) until the route expires, 0 for never
	Error   uint32 // rta_error: the errno a reject route answers with
}

// sizeofRtaCacheInfo is sizeof(struct rta_cacheinfo).
const sizeofRtaCacheInfo = 32

// routeMetrics are the RTAX_* metrics (RTA_METRICS) RouteMessage keeps, by
// index: RTAX_CC_ALGO, a string, is kept apart.
const routeMetrics = 18 // RTAX_MAX of kernel 6.x is 17

// RouteMessage is one RTM_NEWROUTE message: rtmsg and the RTA_* attributes
// netlinkq reads. Addresses are invalid when the kernel did not send them.
type RouteMessage struct {
	RtMsg
	// TableAttr is RTA_TABLE, 0 when not sent; TableID picks it or rtm_table.
	TableAttr uint32
	// Dst is RTA_DST, invalid for a default route (rtm_dst_len 0).
	Dst netip.Addr
	// Src is RTA_SRC: the source prefix of an IPv6 source-specific route (rtm_src_len long).
	Src netip.Addr
	// PrefSrc is RTA_PREFSRC: the source address preferred for the route (ip's "src").
	PrefSrc netip.Addr
	// Gateway is RTA_GATEWAY of a single-path route.
	Gateway netip.Addr
	// Via is RTA_VIA of a single-path route: a gateway of another family.
	Via netip.Addr
	// Oif is RTA_OIF: the outgoing link of a single-path route, 0 when not sent.
	Oif uint32
	// Iif is RTA_IIF: the incoming link a route matches, 0 when not sent.
	Iif uint32
	// Priority is RTA_PRIORITY (ip's "metric"), valid when HasPriority.
	Priority    uint32
	HasPriority bool
	// Metrics are the RTAX_* values of RTA_METRICS by index (Metrics[unix.RTAX_MTU]);
	// MetricsSet has bit i set when Metrics[i] was sent.
	Metrics    [routeMetrics]uint32
	MetricsSet uint32
	// CCAlgo is RTAX_CC_ALGO (ip's "congctl"), aliasing the dump buffer; nil when not sent.
	CCAlgo []byte
	// Flow is RTA_FLOW (IPv4 realms: from << 16 | to), 0 when not sent.
	Flow uint32
	// NHID is RTA_NH_ID: the nexthop object the route uses (kernel 5.3+), 0 for none.
	NHID uint32
	// Pref is RTA_PREF (IPv6 router preference, ICMPV6_ROUTER_PREF_*), valid when HasPref.
	Pref    uint8
	HasPref bool
	// CacheInfo is RTA_CACHEINFO, valid when HasCacheInfo.
	CacheInfo    RtaCacheInfo
	HasCacheInfo bool
	// Multipath are the paths of RTA_MULTIPATH, empty for a single-path
	// route. UnmarshalBinary reuses its backing array.
	Multipath []RtNexthop
}

// TableID is the route's table: RTA_TABLE when sent (ids above 255 fit
// only there), else rtm_table.
func (m *RouteMessage) TableID() uint32 {
	if m.TableAttr != 0 {
		return m.TableAttr
	}
	return uint32(m.Table)
}

// Metric returns RTA_METRICS's value of RTAX_* i and whether it was sent.
func (m *RouteMessage) Metric(i int) (uint32, bool) {
	if i < 0 || i >= routeMetrics || m.MetricsSet&(1<<i) == 0 {
		return 0, false
	}
	return m.Metrics[i], true
}

// UsesLink reports whether the route leaves through link ifindex: its
// RTA_OIF or the rtnh_ifindex of one of its paths.
func (m *RouteMessage) UsesLink(ifindex uint32) bool {
	if m.Oif == ifindex {
		return true
	}
	for i := range m.Multipath {
		if uint32(m.Multipath[i].Ifindex) == ifindex {
			return true
		}
	}
	return false
}

// RouteRequest narrows a route dump. The kernel applies its fields under
// strict checking (NETLINK_GET_STRICT_CHK, kernel 4.20+); DumpRoutes applies
// them again for older kernels.
type RouteRequest struct {
	// NetNS is the namespace to read.
	NetNS NetNS
	// Family is AF_INET or AF_INET6, or AF_UNSPEC (0) for both, one dump each.
	Family uint8
	// Table, when not 0, asks for the routes of that table only (RTA_TABLE).
	Table uint32
	// Oif, when not 0, asks for the routes that leave through that link
	// (RTA_OIF), a multipath route when one of its paths does.
	Oif uint32
	// Protocol, when not 0, asks for the routes of that rtm_protocol only (RTPROT_*).
	// There is no such field for rtm_type: the kernel filters by the type a
	// route was added with, and reports a route over a blackhole nexthop
	// object, added as unicast, as RTN_BLACKHOLE.
	Protocol uint8
}

// routeFlagNames are the RTNH_F_* and RTM_F_* bits of rtm_flags and
// rtnh_flags in the order and spelling of iproute2's print_rt_flags.
var routeFlagNames = []flagName[uint32]{
	{0x1, "dead"},                     // RTNH_F_DEAD
	{0x4, "onlink"},                   // RTNH_F_ONLINK
	{0x2, "pervasive"},                // RTNH_F_PERVASIVE
	{0x8, "offload"},                  // RTNH_F_OFFLOAD
	{0x40, "trap"},                    // RTNH_F_TRAP
	{0x100, "notify"},                 // RTM_F_NOTIFY
	{0x10, "linkdown"},                // RTNH_F_LINKDOWN
	{0x20, "unresolved"},              // RTNH_F_UNRESOLVED
	{0x200, "cloned"},                 // RTM_F_CLONED (ip prints "cache" in its own place)
	{0x4000, "rt_offload"},            // RTM_F_OFFLOAD
	{0x8000, "rt_trap"},               // RTM_F_TRAP
	{0x20000000, "rt_offload_failed"}, // RTM_F_OFFLOAD_FAILED
}

// RouteFlags formats rtm_flags (or rtm_flags | rtnh_flags for a path) as a
// comma-separated list of iproute2's names (dead, onlink, pervasive,
// offload, trap, notify, linkdown, unresolved, rt_offload, rt_trap,
// rt_offload_failed), unknown bits in hex.
func RouteFlags(flags uint32) string { return formatFlags(flags, routeFlagNames, ",", "0x") }

// routePrefNames are the ICMPV6_ROUTER_PREF_* values of RTA_PREF as
// iproute2 names them.
var routePrefNames = map[uint8]string{
	ICMPV6_ROUTER_PREF_LOW: "low", ICMPV6_ROUTER_PREF_MEDIUM: "medium", ICMPV6_ROUTER_PREF_HIGH: "high",
}

// RoutePrefName is RTA_PREF as `ip -6 route` prints it after "pref": low,
// medium, high; a decimal number otherwise.
func RoutePrefName(p uint8) string { return nameOf(routePrefNames, p) }

// RouteRealms formats RTA_FLOW as `ip route` prints it after "realm" or
// "realms": the destination realm, or source/destination when the source
// realm is not 0 (numbers; rt_realms names are not read).
func RouteRealms(flow uint32) string {
	to := strconv.FormatUint(uint64(flow&0xffff), 10)
	if from := flow >> 16; from != 0 {
		return strconv.FormatUint(uint64(from), 10) + "/" + to
	}
	return to
}
