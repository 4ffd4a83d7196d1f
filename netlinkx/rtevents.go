package netlinkx

import (
	"net/netip"
	"strconv"
)

// RtEvent is one rtnetlink notification as netlink_events shows it: the
// kind of object, what happened to it, and its main fields. Fields that do
// not apply to the kind are zero (an invalid netip value, -1 for PrefixLen).
type RtEvent struct {
	// Kind is link (RTM_*LINK), address (RTM_*ADDR), route (RTM_*ROUTE),
	// rule (RTM_*RULE), neigh (RTM_*NEIGH) or netconf (RTM_*NETCONF).
	Kind string
	// Action is new, del, or change: a link message that is not a
	// registration (ifi_change != ~0), or a route with NLM_F_REPLACE.
	Action string
	// Family is the message's address family (AF_INET, AF_INET6, AF_UNSPEC, AF_BRIDGE ...).
	Family uint8
	// IfIndex is the link the object belongs to: ifi_index, ifa_index,
	// RTA_OIF, ndm_ifindex or NETCONFA_IFINDEX; 0 for none.
	IfIndex int32
	// Link is the decoded link message (kind link only).
	Link *LinkMessage
	// Addr is the decoded address message (kind address only).
	Addr *AddrMessage
	// Address is the address of an address (IFA_LOCAL, else IFA_ADDRESS) or
	// a neighbour (NDA_DST).
	Address netip.Addr
	// PrefixLen is ifa_prefixlen or rtm_dst_len; -1 where none applies.
	PrefixLen int
	// Destination is a route's RTA_DST/rtm_dst_len (0.0.0.0/0 or ::/0 for
	// a default route) or a rule's FRA_DST.
	Destination netip.Prefix
	// Source is a rule's FRA_SRC, or a route's RTA_PREFSRC as a /32 or /128.
	Source netip.Prefix
	// Gateway is a route's RTA_GATEWAY.
	Gateway netip.Addr
	// LLAddr is a neighbour's NDA_LLADDR as raw bytes.
	LLAddr []byte
	// State is a neighbour's ndm_state (NUD_* names joined by '|').
	State string
	// Table is a route's or rule's table (RTA_TABLE / FRA_TABLE, else the
	// 8-bit rtm_table); 0 for other kinds.
	Table uint32
	// Priority is a route's RTA_PRIORITY (its metric) or a rule's FRA_PRIORITY.
	Priority uint32
	// Protocol is rtm_protocol (RTPROT_*) of a route or rule.
	Protocol uint8
	// Type is rtm_type (RTN_*) of a route, or a rule's action (FR_ACT_*).
	Type uint8
	// Scope is rtm_scope of a route or ifa_scope of an address.
	Scope uint8
	// Netconf is the decoded netconf message (kind netconf only).
	Netconf *Netconf
}

// rtProtNames are RTPROT_* (linux/rtnetlink.h) as iproute2's rt_protos names them.
var rtProtNames = map[uint8]string{
	0: "unspec", 1: "redirect", 2: "kernel", 3: "boot", 4: "static",
	8: "gated", 9: "ra", 10: "mrt", 11: "zebra", 12: "bird", 13: "dnrouted",
	14: "xorp", 15: "ntk", 16: "dhcp", 17: "mrouted", 18: "keepalived",
	42: "babel", 99: "openr", 186: "bgp", 187: "isis", 188: "ospf", 189: "rip", 192: "eigrp",
}

// RouteProtocolName is rtm_protocol as `ip route` prints it after "proto";
// a decimal number for a value without a name.
func RouteProtocolName(p uint8) string {
	return nameOf(rtProtNames, p)
}

// RouteTypeName is rtm_type (RTN_*) as `ip route` prints it; a decimal
// number for a value without a name.
func RouteTypeName(t uint8) string {
	if int(t) < len(rtnTypeNames) {
		return rtnTypeNames[t]
	}
	return strconv.Itoa(int(t))
}

// RouteTableName is a routing table id as `ip route` names it: the name
// rt_tables gives it (/etc/iproute2/rt_tables, /usr/share/iproute2/rt_tables
// and their rt_tables.d/*.conf; local 255, main 254 and default 253 are
// reserved), a decimal number otherwise. The files are read once and again
// only when they change, looked at no more than every two seconds.
func RouteTableName(t uint32) string {
	if n, ok := routeTables().byID[t]; ok {
		return n
	}
	return strconv.FormatUint(uint64(t), 10)
}
