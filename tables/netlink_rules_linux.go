package tables

import (
	"context"

	"github.com/netlinkq/netlinkq/netlinkx"
	"golang.org/x/sys/unix"
)

// netlinkRules is netlink_rules: one row per IPv4 and IPv6 policy routing
// rule, what `ip rule show` and `ip -6 rule show` print.
var netlinkRules = lazy("netlink_rules", func() *Table[netlinkx.RuleMessage] {
	return &Table[netlinkx.RuleMessage]{
		Columns: []Column[netlinkx.RuleMessage]{
			Text("family", "fib_rule_hdr.family: inet (AF_INET) or inet6 (AF_INET6)", func(m *netlinkx.RuleMessage) string {
				return familyName(m.Family)
			}).With(Index),
			BigInt("priority", "FRA_PRIORITY: the rule's preference, lower first (ip's pref); 0 when not sent, as ip prints it", func(m *netlinkx.RuleMessage) int64 {
				return int64(m.Priority)
			}),
			Text("selector", "the rule's selector as `ip rule show` prints it between priority and action: \"[not] from SRC[/LEN] [to DST[/LEN]] [tos T] [dscp D[/MASK]] [flowlabel L[/MASK]] [fwmark M[/MASK]] "+
				"[iif NAME] [oif NAME] [uidrange A-B] [ipproto P] [sport A[-B]|A/MASK] [dport A[-B]|A/MASK] [tun_id N]\", \"from all\" for none; tos in hex where ip may print an rt_dsfield name, ipproto as the ipproto column names it, "+
				"a mask only where it does not cover the whole field",
				(*netlinkx.RuleMessage).Selector),
			Int("not", "1 when fib_rule_hdr.flags has FIB_RULE_INVERT: the rule applies to packets its selector does not match (ip's not)", func(m *netlinkx.RuleMessage) int64 {
				return b2i(m.Flags&unix.FIB_RULE_INVERT != 0)
			}),
			Col("src", TypeText, "FRA_SRC: the source prefix matched, without its length; NULL for any source (ip's from all)", func(m *netlinkx.RuleMessage) Value {
				return addrValue(m.Src)
			}),
			Int("src_len", "fib_rule_hdr.src_len: the length of the source prefix, 0 for any (ip omits it for a host address)", func(m *netlinkx.RuleMessage) int64 {
				return int64(m.SrcLen)
			}),
			Col("dst", TypeText, "FRA_DST: the destination prefix matched, without its length; NULL for any destination", func(m *netlinkx.RuleMessage) Value {
				return addrValue(m.Dst)
			}),
			Int("dst_len", "fib_rule_hdr.dst_len: the length of the destination prefix, 0 for any", func(m *netlinkx.RuleMessage) int64 {
				return int64(m.DstLen)
			}),
			Col("tos", TypeInteger, "fib_rule_hdr.tos: the TOS byte matched; NULL for none (0)", func(m *netlinkx.RuleMessage) Value {
				return optUint(uint32(m.TOS), m.TOS != 0)
			}),
			Col("dscp", TypeInteger, "FRA_DSCP: the DSCP matched, 0-63 (kernel 6.13+, `ip rule add dscp`); NULL when not sent", func(m *netlinkx.RuleMessage) Value {
				return optUint(uint32(m.DSCP), m.HasDSCP)
			}),
			Col("dscp_mask", TypeInteger, "FRA_DSCP_MASK: the mask applied to the DSCP before comparing, 63 (0x3f) for all bits (kernel 6.15+); NULL when not sent", func(m *netlinkx.RuleMessage) Value {
				return optUint(uint32(m.DSCPMask), m.HasDSCPMask)
			}),
			Col("flowlabel", TypeBigInt, "FRA_FLOWLABEL: the IPv6 flow label matched (kernel 6.14+); NULL when not sent", func(m *netlinkx.RuleMessage) Value {
				return optUint(uint32(m.FlowLabel), m.HasFlowLabel)
			}),
			Col("flowlabel_mask", TypeBigInt, "FRA_FLOWLABEL_MASK: the mask applied to the flow label, 1048575 (0xfffff) for all bits; NULL when not sent", func(m *netlinkx.RuleMessage) Value {
				return optUint(uint32(m.FlowLabelMask), m.HasFlowLabelMask)
			}),
			Col("fwmark", TypeBigInt, "FRA_FWMARK: the packet mark matched (skb->mark AND fwmask); NULL when the rule matches no mark", func(m *netlinkx.RuleMessage) Value {
				return optUint(m.FwMark, m.HasFwMark || m.HasFwMask)
			}),
			Col("fwmask", TypeBigInt, "FRA_FWMASK: the mask applied to the packet mark, 4294967295 (0xffffffff) for all bits; NULL when the rule matches no mark", func(m *netlinkx.RuleMessage) Value {
				return optUint(uint32(m.FwMask), m.HasFwMask)
			}),
			Col("iif", TypeText, "FRA_IIFNAME: the input interface matched, by name (it need not exist: flags then has iif_detached); NULL for any", func(m *netlinkx.RuleMessage) Value {
				return bytesValue(m.IIfName)
			}),
			Col("oif", TypeText, "FRA_OIFNAME: the output interface matched (a socket bound to it), by name; NULL for any", func(m *netlinkx.RuleMessage) Value {
				return bytesValue(m.OIfName)
			}),
			Col("uid_start", TypeBigInt, "FRA_UID_RANGE start: the first socket uid matched (ip's uidrange); NULL when the rule matches no uid", func(m *netlinkx.RuleMessage) Value {
				return optUint(m.UIDRange.Start, m.HasUIDRange)
			}),
			Col("uid_end", TypeBigInt, "FRA_UID_RANGE end: the last socket uid matched; NULL when the rule matches no uid", func(m *netlinkx.RuleMessage) Value {
				return optUint(m.UIDRange.End, m.HasUIDRange)
			}),
			Col("ipproto", TypeText, "FRA_IP_PROTO: the layer-4 protocol matched, by name (tcp, udp, icmp, icmpv6, sctp, ...; ip prints /etc/protocols names, ipv6-icmp for icmpv6) or number; NULL for any", func(m *netlinkx.RuleMessage) Value {
				return optName(m.IPProto, m.HasIPProto, netlinkx.ProtocolName)
			}),
			Col("sport_start", TypeInteger, "FRA_SPORT_RANGE start: the first source port matched; NULL for any", func(m *netlinkx.RuleMessage) Value {
				return optUint(uint32(m.SPortRange.Start), m.HasSPortRange)
			}),
			Col("sport_end", TypeInteger, "FRA_SPORT_RANGE end: the last source port matched (sport_start for a single port); NULL for any", func(m *netlinkx.RuleMessage) Value {
				return optUint(uint32(m.SPortRange.End), m.HasSPortRange)
			}),
			Col("dport_start", TypeInteger, "FRA_DPORT_RANGE start: the first destination port matched; NULL for any", func(m *netlinkx.RuleMessage) Value {
				return optUint(uint32(m.DPortRange.Start), m.HasDPortRange)
			}),
			Col("dport_end", TypeInteger, "FRA_DPORT_RANGE end: the last destination port matched (dport_start for a single port); NULL for any", func(m *netlinkx.RuleMessage) Value {
				return optUint(uint32(m.DPortRange.End), m.HasDPortRange)
			}),
			Col("sport_mask", TypeInteger, "FRA_SPORT_MASK: the mask applied to the source port before comparing with sport_start, 65535 for all bits (kernel 6.15+); NULL when not sent", func(m *netlinkx.RuleMessage) Value {
				return optUint(uint32(m.SPortMask), m.HasSPortMask)
			}),
			Col("dport_mask", TypeInteger, "FRA_DPORT_MASK: the mask applied to the destination port before comparing with dport_start, 65535 for all bits (kernel 6.15+); NULL when not sent", func(m *netlinkx.RuleMessage) Value {
				return optUint(uint32(m.DPortMask), m.HasDPortMask)
			}),
			Col("tun_id", TypeUnsignedBigInt, "FRA_TUN_ID: the tunnel id matched (metadata of a collect_md tunnel); NULL for any", func(m *netlinkx.RuleMessage) Value {
				return optUint64(m.TunID, m.HasTunID)
			}),
			Int("l3mdev", "FRA_L3MDEV: 1 when the table is the one of the packet's l3mdev (VRF) device (ip's lookup [l3mdev-table]), else 0", func(m *netlinkx.RuleMessage) int64 {
				return b2i(m.L3MDev != 0)
			}),
			Text("action", "fib_rule_hdr.action (FR_ACT_*) in ip's words: lookup (FR_ACT_TO_TBL), goto, nop, blackhole, unreachable, prohibit; a number otherwise", func(m *netlinkx.RuleMessage) string {
				return netlinkx.RuleActionName(m.Action)
			}),
			Col("table", TypeText, "FRA_TABLE (else fib_rule_hdr.table): the routing table looked up, by its name in /etc/iproute2/rt_tables (local, main, default, ...) or number; NULL for none (goto, nop, blackhole, l3mdev rules)", func(m *netlinkx.RuleMessage) Value {
				return optName(m.TableID, m.TableID != 0, netlinkx.RouteTableName)
			}),
			Col("table_id", TypeBigInt, "FRA_TABLE (else fib_rule_hdr.table): the routing table looked up, by number (local 255, main 254, default 253); NULL for none", func(m *netlinkx.RuleMessage) Value {
				return optUint(m.TableID, m.TableID != 0)
			}),
			Col("goto", TypeBigInt, "FRA_GOTO: the priority of the rule a goto rule jumps to (flags has unresolved when no rule has it); NULL for other actions", func(m *netlinkx.RuleMessage) Value {
				return optUint(uint32(m.Goto), m.HasGoto)
			}),
			Col("suppress_prefixlen", TypeInteger, "FRA_SUPPRESS_PREFIXLEN: a route found in the table with a prefix this long or shorter is ignored (ip's suppress_prefixlength); NULL for none (-1)", func(m *netlinkx.RuleMessage) Value {
				return optInt(int64(m.SuppressPrefixLen), m.SuppressPrefixLen != -1)
			}),
			Col("suppress_ifgroup", TypeInteger, "FRA_SUPPRESS_IFGROUP: a route found in the table through a device of this group is ignored, by number; NULL for none (-1)", func(m *netlinkx.RuleMessage) Value {
				return optInt(int64(m.SuppressIfGroup), m.SuppressIfGroup != -1)
			}),
			Col("protocol", TypeText, "FRA_PROTOCOL: who installed the rule (RTPROT_*) as ip names it after proto (kernel for the default rules, boot for ip rule add, static, ...); NULL when not sent (kernel 4.17+)", func(m *netlinkx.RuleMessage) Value {
				return optName(m.Protocol, m.HasProtocol, netlinkx.RouteProtocolName)
			}),
			Text("flags", "fib_rule_hdr.flags: the FIB_RULE_* bits without prefix in lower case, comma-separated: permanent, invert, unresolved (a goto whose target is missing), iif_detached and oif_detached (ip's [detached]: no such device), find_saddr", func(m *netlinkx.RuleMessage) string {
				return netlinkx.RuleFlags(m.Flags)
			}),
		},
		Generate: func(ctx context.Context, q *Query, emit func(*netlinkx.RuleMessage) error) error {
			family, none := inetFamily(q)
			if none {
				return nil
			}
			return netlinkx.DumpRules(ctx, netlinkx.RuleRequest{NetNS: q.NetNS, Family: family}, func(m *netlinkx.RuleMessage) error {
				if m.Family != unix.AF_INET && m.Family != unix.AF_INET6 {
					return nil
				}
				return emit(m)
			})
		},
	}
})

// inetFamily reads the = constraints on a table's family column (inet,
// inet6) as the family to ask the kernel for: AF_INET or AF_INET6 when they
// name only one, AF_UNSPEC for both or none; none is true when they name
// neither, and no row can match.
func inetFamily(q *Query) (family uint8, none bool) {
	fams, ok := q.Equals("family")
	if !ok {
		return unix.AF_UNSPEC, false
	}
	var v4, v6 bool
	for _, f := range fams {
		v4 = v4 || f == famInet
		v6 = v6 || f == famInet6
	}
	switch {
	case !v4 && !v6:
		return unix.AF_UNSPEC, true
	case !v6:
		return unix.AF_INET, false
	case !v4:
		return unix.AF_INET6, false
	}
	return unix.AF_UNSPEC, false
}

// bytesValue is a name cell from bytes aliasing a message: NULL for nil.
func bytesValue(b []byte) Value {
	if b == nil {
		return Null
	}
	return TextValue(string(b))
}
