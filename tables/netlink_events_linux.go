package tables

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/netlinkq/netlinkq/netlinkx"
	"golang.org/x/sys/unix"
)

// rtEvent is one row of netlink_events: the decoded notification, the name
// of its link as known when it arrived, and its one-line summary.
type rtEvent struct {
	netlinkx.RtEvent
	ifname  string
	summary string
}

// rtEventStream fills netlink_events.
var rtEventStream = &eventStream[rtEvent]{
	name:       "netlink_events",
	protocol:   unix.NETLINK_ROUTE,
	groups:     netlinkx.RtnlGroups,
	newDecoder: newRtEventDecoder,
}

// linkNamesTimeout bounds the link dump that seeds a subscription's names.
const linkNamesTimeout = 5 * time.Second

// newRtEventDecoder returns the decoder of one namespace's notifications:
// it knows the namespace's link names from a dump at the start and from the
// link notifications since (a deleted link keeps its name for the events
// that follow its deletion).
func newRtEventDecoder(ns netlinkx.NetNS) (eventDecoder[rtEvent], error) {
	names := map[int32]string{}
	ctx, cancel := context.WithTimeout(context.Background(), linkNamesTimeout)
	defer cancel()
	err := netlinkx.DumpLinks(ctx, netlinkx.LinkRequest{NetNS: ns, ExtMask: netlinkx.RTEXT_FILTER_SKIP_STATS}, func(m *netlinkx.LinkMessage) error {
		names[m.Index] = m.Name
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("link names: %w", err)
	}
	return func(typ, flags uint16, b []byte) (*rtEvent, int64, bool, error) {
		ev, ok, err := netlinkx.DecodeRtEvent(typ, flags, b)
		if err != nil || !ok {
			return nil, 0, false, err
		}
		e := &rtEvent{RtEvent: ev}
		if e.Link != nil && e.Link.Name != "" {
			names[e.Link.Index] = e.Link.Name
		}
		switch {
		case e.Kind == "netconf" && e.IfIndex == netlinkx.NETCONFA_IFINDEX_ALL:
			e.ifname = "all"
		case e.Kind == "netconf" && e.IfIndex == netlinkx.NETCONFA_IFINDEX_DEFAULT:
			e.ifname = "default"
		case e.IfIndex > 0:
			e.ifname = names[e.IfIndex]
		}
		e.summary = rtSummary(e)
		size := int64(unsafe.Sizeof(*e)) + int64(len(e.summary)+len(e.ifname)+len(e.LLAddr))
		if e.Link != nil {
			size += int64(unsafe.Sizeof(*e.Link))
		}
		if e.Addr != nil {
			size += int64(unsafe.Sizeof(*e.Addr))
		}
		if e.Netconf != nil {
			size += int64(unsafe.Sizeof(*e.Netconf))
		}
		return e, size, true, nil
	}, nil
}

// rtSummary is the event in one line, close to what `ip monitor` prints
// (without its "Deleted " prefix: action says it).
func rtSummary(e *rtEvent) string {
	var b strings.Builder
	dev := e.ifname
	if dev == "" && e.IfIndex > 0 {
		dev = "if" + strconv.Itoa(int(e.IfIndex))
	}
	switch e.Kind {
	case "link":
		l := e.Link
		fmt.Fprintf(&b, "%d: %s: <%s> mtu %d state %s", l.Index, l.Name, netlinkx.LinkFlags(l.Flags), l.MTU, netlinkx.OperStateName(l.OperState))
		if l.Has(unix.IFLA_ADDRESS) {
			fmt.Fprintf(&b, " link/%s %s", strings.ToLower(netlinkx.ARPHRDName(l.Type)), netlinkx.LLAddr(l.Address, l.Type))
		}
	case "address":
		a := e.Addr
		fmt.Fprintf(&b, "%d: %s %s %s/%d", a.Index, dev, familyName(a.Family), a.LocalAddr(), a.PrefixLen)
		if p := a.Peer(); p.IsValid() {
			fmt.Fprintf(&b, " peer %s", p)
		}
		if a.Broadcast.IsValid() {
			fmt.Fprintf(&b, " brd %s", a.Broadcast)
		}
		fmt.Fprintf(&b, " scope %s", netlinkx.ScopeName(a.Scope))
		if f := netlinkx.AddrFlags(a.AllFlags, a.Family); f != "" {
			b.WriteString(" " + f)
		}
	case "route":
		if e.Type != unix.RTN_UNICAST {
			b.WriteString(netlinkx.RouteTypeName(e.Type) + " ")
		}
		switch d := e.Destination; {
		case d.Bits() == 0:
			b.WriteString("default")
		case d.Bits() == d.Addr().BitLen():
			b.WriteString(d.Addr().String()) // a host route, as ip prints it
		default:
			b.WriteString(d.String())
		}
		if e.Gateway.IsValid() {
			fmt.Fprintf(&b, " via %s", e.Gateway)
		}
		if dev != "" {
			fmt.Fprintf(&b, " dev %s", dev)
		}
		if e.Table != unix.RT_TABLE_MAIN {
			fmt.Fprintf(&b, " table %s", netlinkx.RouteTableName(e.Table))
		}
		fmt.Fprintf(&b, " proto %s scope %s", netlinkx.RouteProtocolName(e.Protocol), netlinkx.ScopeName(e.Scope))
		if e.Source.IsValid() {
			fmt.Fprintf(&b, " src %s", e.Source.Addr())
		}
		if e.Priority != 0 {
			fmt.Fprintf(&b, " metric %d", e.Priority)
		}
	case "rule":
		fmt.Fprintf(&b, "%d: from ", e.Priority)
		if e.Source.IsValid() && e.Source.Bits() > 0 {
			b.WriteString(e.Source.String())
		} else {
			b.WriteString("all")
		}
		if e.Destination.IsValid() && e.Destination.Bits() > 0 {
			fmt.Fprintf(&b, " to %s", e.Destination)
		}
		fmt.Fprintf(&b, " lookup %s", netlinkx.RouteTableName(e.Table))
	case "neigh":
		fmt.Fprintf(&b, "%s dev %s", e.Address, dev)
		if len(e.LLAddr) > 0 {
			fmt.Fprintf(&b, " lladdr %s", netlinkx.LLAddr(e.LLAddr, unix.ARPHRD_ETHER))
		}
		b.WriteString(" " + e.State)
	case "netconf":
		n := e.Netconf
		fmt.Fprintf(&b, "%s %s", familyName(n.Family), netconfDev(e))
		for _, a := range netconfAttrs {
			if v, ok := n.Get(a.attr); ok {
				fmt.Fprintf(&b, " %s %d", a.name, v)
			}
		}
	}
	return b.String()
}

// netconfDev is how `ip monitor netconf` names the entry: "dev NAME", "all" or "default".
func netconfDev(e *rtEvent) string {
	if e.IfIndex > 0 {
		return "dev " + e.ifname
	}
	return e.ifname
}

// netlinkEvents is netlink_events.
var netlinkEvents = newEventTable(rtEventStream, "netlink_events",
	func() []Column[rtEvent] {
		return []Column[rtEvent]{
			Text("kind", "the object: link (RTM_NEWLINK/DELLINK), address (RTM_*ADDR), route (RTM_*ROUTE), rule (RTM_*RULE), neigh (RTM_*NEIGH) or netconf (RTM_*NETCONF)",
				func(e *rtEvent) string { return e.Kind }),
			Text("action", "new (RTM_NEW*), del (RTM_DEL*), or change: an RTM_NEWLINK for a link that existed (ifi_change not ~0) or a route with NLM_F_REPLACE; "+
				"other updates (a neighbour's state) come as new",
				func(e *rtEvent) string { return e.Action }),
			Col("interface", TypeText, "the link's name (IFLA_IFNAME, or the name its ifindex had when the event arrived); all or default for netconf entries; NULL for none",
				func(e *rtEvent) Value {
					if e.ifname == "" {
						return Null
					}
					return TextValue(e.ifname)
				}),
			Int("index", "the link's ifindex: ifi_index, ifa_index, RTA_OIF, ndm_ifindex or NETCONFA_IFINDEX (-1 all, -2 default); 0 for none",
				func(e *rtEvent) int64 { return int64(e.IfIndex) }),
			Text("family", "the message's family: inet, inet6, or a number (0 AF_UNSPEC for links, 7 AF_BRIDGE ...)", func(e *rtEvent) string { return familyName(e.Family) }),
			Col("address", TypeText, "address: IFA_LOCAL, else IFA_ADDRESS; neigh: NDA_DST; NULL otherwise", func(e *rtEvent) Value { return addrValue(e.Address) }),
			Col("prefix_len", TypeInteger, "address: ifa_prefixlen; route: rtm_dst_len; NULL otherwise", func(e *rtEvent) Value {
				if e.PrefixLen < 0 {
					return Null
				}
				return IntValue(int64(e.PrefixLen))
			}),
			Col("destination", TypeText, "route: RTA_DST/rtm_dst_len (0.0.0.0/0 or ::/0 for default); rule: FRA_DST; NULL otherwise", func(e *rtEvent) Value { return prefixValue(e.Destination) }),
			Col("source", TypeText, "route: RTA_PREFSRC; rule: FRA_SRC; NULL otherwise", func(e *rtEvent) Value { return prefixValue(e.Source) }),
			Col("gateway", TypeText, "route: RTA_GATEWAY; NULL otherwise", func(e *rtEvent) Value { return addrValue(e.Gateway) }),
			Col("lladdr", TypeText, "link: IFLA_ADDRESS; neigh: NDA_LLADDR; as `ip` prints them", func(e *rtEvent) Value {
				switch {
				case e.Link != nil && e.Link.Has(unix.IFLA_ADDRESS):
					return TextValue(netlinkx.LLAddr(e.Link.Address, e.Link.Type))
				case len(e.LLAddr) > 0:
					return TextValue(netlinkx.LLAddr(e.LLAddr, unix.ARPHRD_ETHER))
				}
				return Null
			}),
			Col("state", TypeText, "link: IFLA_OPERSTATE without IF_OPER_ (UP, DOWN ...); neigh: ndm_state's NUD_* names joined by | (REACHABLE, PERMANENT ...); NULL otherwise",
				func(e *rtEvent) Value {
					switch {
					case e.Link != nil && e.Link.Has(unix.IFLA_OPERSTATE):
						return TextValue(netlinkx.OperStateName(e.Link.OperState))
					case e.Kind == "neigh":
						return TextValue(e.State)
					}
					return Null
				}),
			Col("flags", TypeText, "link: ifi_flags as `ip link` prints them (UP,LOWER_UP ...); address: IFA_FLAGS as `ip addr` prints them; NULL otherwise",
				func(e *rtEvent) Value {
					switch {
					case e.Link != nil:
						return TextValue(netlinkx.LinkFlags(e.Link.Flags))
					case e.Addr != nil:
						return TextValue(netlinkx.AddrFlags(e.Addr.AllFlags, e.Addr.Family))
					}
					return Null
				}),
			Col("mtu", TypeInteger, "link: IFLA_MTU, bytes; NULL otherwise", func(e *rtEvent) Value {
				if e.Link == nil || !e.Link.Has(unix.IFLA_MTU) {
					return Null
				}
				return IntValue(int64(e.Link.MTU))
			}),
			Col("table", TypeBigInt, "route: RTA_TABLE (254 main, 255 local); rule: FRA_TABLE; NULL otherwise", func(e *rtEvent) Value {
				if e.Kind != "route" && e.Kind != "rule" {
					return Null
				}
				return IntValue(int64(e.Table))
			}),
			Col("priority", TypeBigInt, "route: RTA_PRIORITY (metric); rule: FRA_PRIORITY; NULL otherwise", func(e *rtEvent) Value {
				if e.Kind != "route" && e.Kind != "rule" {
					return Null
				}
				return IntValue(int64(e.Priority))
			}),
			Col("protocol", TypeText, "route or rule: rtm_protocol as `ip route` names it (kernel, boot, static, dhcp, ra ...); NULL otherwise", func(e *rtEvent) Value {
				if e.Kind != "route" && e.Kind != "rule" {
					return Null
				}
				return TextValue(netlinkx.RouteProtocolName(e.Protocol))
			}),
			Text("summary", "the event in one line, close to `ip monitor` (without its \"Deleted\" prefix)", func(e *rtEvent) string { return e.summary }),
		}
	})

// prefixValue is a prefix cell: NULL for the zero prefix.
func prefixValue(p netip.Prefix) Value {
	if !p.IsValid() {
		return Null
	}
	return TextValue(p.String())
}
