package netlinkx

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/jsimonetti/rtnetlink/v2"
	"golang.org/x/sys/unix"
)

// RtnlGroups are the rtnetlink multicast groups netlink_events joins
// (RTNLGRP_*, linux/rtnetlink.h): links, addresses, routes and rules of
// both families, neighbours and netconf.
var RtnlGroups = []uint32{
	unix.RTNLGRP_LINK, unix.RTNLGRP_NEIGH,
	unix.RTNLGRP_IPV4_IFADDR, unix.RTNLGRP_IPV6_IFADDR,
	unix.RTNLGRP_IPV4_ROUTE, unix.RTNLGRP_IPV6_ROUTE,
	unix.RTNLGRP_IPV4_RULE, unix.RTNLGRP_IPV6_RULE,
	unix.RTNLGRP_IPV4_NETCONF, unix.RTNLGRP_IPV6_NETCONF,
}

// ifiChangeAll is ifi_change of the RTM_NEWLINK sent when a link is
// registered (rtmsg_ifinfo(RTM_NEWLINK, dev, ~0U, ...)).
const ifiChangeAll = ^uint32(0)

// DecodeRtEvent decodes one rtnetlink notification: typ and flags are the
// netlink header's, b its payload. Links and addresses go through this
// package's decoders (LinkMessage, AddrMessage, RuleMessage, RouteMessage),
// netconf through DecodeNetconf, neighbours through
// jsimonetti/rtnetlink/v2's messages. ok is false for a message type
// netlink_events does not show. The result keeps no reference to b.
func DecodeRtEvent(typ, flags uint16, b []byte) (e RtEvent, ok bool, err error) {
	e = RtEvent{PrefixLen: -1, Action: "new"}
	switch typ {
	case unix.RTM_DELLINK, unix.RTM_DELADDR, unix.RTM_DELROUTE, unix.RTM_DELNEIGH, unix.RTM_DELRULE, unix.RTM_DELNETCONF:
		e.Action = "del"
	}
	switch typ {
	case unix.RTM_NEWLINK, unix.RTM_DELLINK:
		e.Kind = "link"
		m := new(LinkMessage)
		if err := m.UnmarshalBinary(b); err != nil {
			return e, false, err
		}
		m.detach()
		e.Link, e.Family, e.IfIndex = m, m.Family, m.Index
		if e.Action == "new" && m.Change != ifiChangeAll {
			e.Action = "change"
		}
	case unix.RTM_NEWADDR, unix.RTM_DELADDR:
		e.Kind = "address"
		m := new(AddrMessage)
		if err := m.UnmarshalBinary(b); err != nil {
			return e, false, err
		}
		m.Label = append([]byte(nil), m.Label...)
		e.Addr, e.Family, e.IfIndex = m, m.Family, int32(m.Index)
		e.Address, e.PrefixLen, e.Scope = m.LocalAddr(), int(m.PrefixLen), m.Scope
	case unix.RTM_NEWROUTE, unix.RTM_DELROUTE:
		e.Kind = "route"
		var m RouteMessage
		if err := m.UnmarshalBinary(b); err != nil {
			return e, false, fmt.Errorf("route message: %w", err)
		}
		e.Family, e.IfIndex = m.Family, int32(m.Oif)
		e.PrefixLen = int(m.DstLen)
		e.Destination = prefixOf(m.Dst.AsSlice(), m.Family, int(m.DstLen))
		if m.PrefSrc.IsValid() {
			e.Source = netip.PrefixFrom(m.PrefSrc, m.PrefSrc.BitLen())
		}
		e.Gateway = m.Gateway
		e.Table = m.TableID()
		e.Priority, e.Protocol, e.Type, e.Scope = m.Priority, m.Protocol, m.Type, m.Scope
		if e.Action == "new" && flags&unix.NLM_F_REPLACE != 0 {
			e.Action = "change"
		}
	case unix.RTM_NEWRULE, unix.RTM_DELRULE:
		e.Kind = "rule"
		var m RuleMessage
		if err := m.UnmarshalBinary(b); err != nil {
			return e, false, err
		}
		e.Family, e.Type, e.Table = m.Family, m.Action, m.TableID
		if m.Src.IsValid() {
			e.Source = prefixOf(m.Src.AsSlice(), m.Family, int(m.SrcLen))
		}
		if m.Dst.IsValid() {
			e.Destination = prefixOf(m.Dst.AsSlice(), m.Family, int(m.DstLen))
		}
		e.Priority, e.Protocol = m.Priority, m.Protocol
	case unix.RTM_NEWNEIGH, unix.RTM_DELNEIGH:
		e.Kind = "neigh"
		var m rtnetlink.NeighMessage
		if err := m.UnmarshalBinary(b); err != nil {
			return e, false, fmt.Errorf("neighbour message: %w", err)
		}
		e.Family, e.IfIndex, e.State = uint8(m.Family), int32(m.Index), NeighState(m.State)
		if a := m.Attributes; a != nil {
			e.Address = addrOf(a.Address)
			e.LLAddr = append([]byte(nil), a.LLAddress...)
		}
	case unix.RTM_NEWNETCONF, unix.RTM_DELNETCONF:
		e.Kind = "netconf"
		n, err := DecodeNetconf(b)
		if err != nil {
			return e, false, err
		}
		e.Netconf, e.Family, e.IfIndex = &n, n.Family, n.IfIndex
	default:
		return e, false, nil
	}
	return e, true, nil
}

// detach copies the byte slices that alias the message buffer, so that the
// message may be kept; AFSpec and the rarely shown ones are dropped.
func (m *LinkMessage) detach() {
	clone := func(b []byte) []byte { return append([]byte(nil), b...) }
	m.Address, m.Broadcast, m.PermAddress = clone(m.Address), clone(m.Broadcast), clone(m.PermAddress)
	m.Qdisc, m.IfAlias, m.Kind, m.SlaveKind = clone(m.Qdisc), clone(m.IfAlias), clone(m.Kind), clone(m.SlaveKind)
	m.AFSpec, m.PropList, m.ParentDev, m.ParentBus = nil, nil, nil, nil
}

// addrOf is ip as a netip.Addr of its length (4 or 16 bytes, as the kernel
// sent it); invalid for nil.
func addrOf(ip net.IP) netip.Addr {
	a, _ := netip.AddrFromSlice(ip)
	return a
}

// prefixOf is ip/bits; nil ip is the family's unspecified address (a
// default route).
func prefixOf(ip net.IP, family uint8, bits int) netip.Prefix {
	a := addrOf(ip)
	if !a.IsValid() {
		switch family {
		case unix.AF_INET:
			a = netip.IPv4Unspecified()
		case unix.AF_INET6:
			a = netip.IPv6Unspecified()
		default:
			return netip.Prefix{}
		}
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return netip.PrefixFrom(a, bits)
	}
	return p
}
