package netlinkx

import (
	"net/netip"
)

// Policy routing rule constants missing from golang.org/x/sys/unix.
// From include/uapi/linux/fib_rules.h.
const (
	FRA_DSCP           = 25 // u8: the DSCP matched (kernel 6.13+), the 6-bit value without the ECN bits
	FRA_FLOWLABEL      = 26 // be32: the IPv6 flow label matched (kernel 6.14+)
	FRA_FLOWLABEL_MASK = 27 // be32: the mask applied to the flow label
	FRA_SPORT_MASK     = 28 // u16: the mask applied to the source port (kernel 6.15+)
	FRA_DPORT_MASK     = 29 // u16: the mask applied to the destination port
	FRA_DSCP_MASK      = 30 // u8: the mask applied to the DSCP
)

// FibRuleHdr is struct fib_rule_hdr, the fixed header of RTM_NEWRULE
// (linux/fib_rules.h).
type FibRuleHdr struct {
	Family uint8  // family: AF_INET, AF_INET6 (RTNL_FAMILY_IPMR, ... for multicast rules)
	DstLen uint8  // dst_len: prefix length of FRA_DST
	SrcLen uint8  // src_len: prefix length of FRA_SRC
	TOS    uint8  // tos: TOS selector, 0 for none
	Table  uint8  // table: the table id below 256, else RT_TABLE_COMPAT (FRA_TABLE has it whole)
	Action uint8  // action: FR_ACT_*
	Flags  uint32 // flags: FIB_RULE_* bits
}

// sizeofFibRuleHdr is sizeof(struct fib_rule_hdr).
const sizeofFibRuleHdr = 12

// FibRuleUIDRange is struct fib_rule_uid_range (FRA_UID_RANGE).
type FibRuleUIDRange struct {
	Start uint32 // start: first uid matched
	End   uint32 // end: last uid matched
}

// FibRulePortRange is struct fib_rule_port_range (FRA_SPORT_RANGE, FRA_DPORT_RANGE).
type FibRulePortRange struct {
	Start uint16 // start: first port matched
	End   uint16 // end: last port matched
}

// RuleMessage is one RTM_NEWRULE message: fib_rule_hdr and the FRA_*
// attributes netlinkq reads. Zero values and Has* flags say what the
// kernel left out.
type RuleMessage struct {
	FibRuleHdr
	// Src is FRA_SRC, with SrcLen bits; invalid when the rule matches any source.
	Src netip.Addr
	// Dst is FRA_DST, with DstLen bits; invalid when the rule matches any destination.
	Dst netip.Addr
	// IIfName is FRA_IIFNAME, the input interface matched, aliasing the dump buffer; nil when not sent.
	IIfName []byte
	// OIfName is FRA_OIFNAME, the output interface matched, aliasing the dump buffer; nil when not sent.
	OIfName []byte
	// Priority is FRA_PRIORITY, the rule's preference; 0 when not sent.
	Priority uint32
	// TableID is FRA_TABLE, else fib_rule_hdr.table: the table looked up, 0 for none.
	TableID uint32
	// FwMark is FRA_FWMARK, the packet mark matched, valid when HasFwMark.
	FwMark    uint32
	HasFwMark bool
	// FwMask is FRA_FWMASK, the mask applied to the mark, valid when HasFwMask.
	FwMask    uint32
	HasFwMask bool
	// Goto is FRA_GOTO, the priority of the rule a goto rule jumps to, valid when HasGoto.
	Goto    uint32
	HasGoto bool
	// SuppressPrefixLen is FRA_SUPPRESS_PREFIXLEN: a lookup result with a
	// prefix this long or shorter is ignored; -1 for none (or not sent).
	SuppressPrefixLen int32
	// SuppressIfGroup is FRA_SUPPRESS_IFGROUP: a lookup result through a
	// device of this group is ignored; -1 for none (or not sent).
	SuppressIfGroup int32
	// L3MDev is FRA_L3MDEV: 1 when the table comes from the l3mdev (VRF) device of the packet.
	L3MDev uint8
	// UIDRange is FRA_UID_RANGE, valid when HasUIDRange.
	UIDRange    FibRuleUIDRange
	HasUIDRange bool
	// Protocol is FRA_PROTOCOL: who installed the rule (RTPROT_*), valid when HasProtocol (kernel 4.17+).
	Protocol    uint8
	HasProtocol bool
	// IPProto is FRA_IP_PROTO, the layer-4 protocol matched, valid when HasIPProto (kernel 4.17+).
	IPProto    uint8
	HasIPProto bool
	// SPortRange is FRA_SPORT_RANGE, valid when HasSPortRange (kernel 4.17+).
	SPortRange    FibRulePortRange
	HasSPortRange bool
	// DPortRange is FRA_DPORT_RANGE, valid when HasDPortRange (kernel 4.17+).
	DPortRange    FibRulePortRange
	HasDPortRange bool
	// TunID is FRA_TUN_ID, the tunnel id matched (sent big-endian), valid when HasTunID.
	TunID    uint64
	HasTunID bool
	// SPortMask is FRA_SPORT_MASK, the mask applied to the source port, valid when HasSPortMask (kernel 6.15+).
	SPortMask    uint16
	HasSPortMask bool
	// DPortMask is FRA_DPORT_MASK, the mask applied to the destination port, valid when HasDPortMask (kernel 6.15+).
	DPortMask    uint16
	HasDPortMask bool
	// DSCP is FRA_DSCP, the DSCP matched, valid when HasDSCP (kernel 6.13+).
	DSCP    uint8
	HasDSCP bool
	// DSCPMask is FRA_DSCP_MASK, the mask applied to the DSCP, valid when HasDSCPMask (kernel 6.15+).
	DSCPMask    uint8
	HasDSCPMask bool
	// FlowLabel is FRA_FLOWLABEL, the IPv6 flow label matched (sent big-endian), valid when HasFlowLabel (kernel 6.14+).
	FlowLabel    uint32
	HasFlowLabel bool
	// FlowLabelMask is FRA_FLOWLABEL_MASK, the mask applied to the flow label (sent big-endian), valid when HasFlowLabelMask.
	FlowLabelMask    uint32
	HasFlowLabelMask bool
}

// RuleRequest narrows a rule dump.
type RuleRequest struct {
	// NetNS is the namespace to read.
	NetNS NetNS
	// Family is AF_INET or AF_INET6, or AF_UNSPEC (0) for the rules of every family.
	Family uint8
}

// ruleActionNames are FR_ACT_* as ip rule prints them: lookup for
// FR_ACT_TO_TBL, and rtnl_rtntype_n2a's names for the drop actions, whose
// values are the RTN_* of the same name.
var ruleActionNames = []string{"", "lookup", "goto", "nop", "", "", "blackhole", "unreachable", "prohibit"}

// RuleActionName is fib_rule_hdr.action in ip's words: lookup, goto, nop,
// blackhole, unreachable, prohibit; a decimal number otherwise.
func RuleActionName(a uint8) string { return indexName(ruleActionNames, a) }

// fibRuleFlagNames are the FIB_RULE_* bits (linux/fib_rules.h), named
// after the constants without prefix, in lower case.
var fibRuleFlagNames = []flagName[uint32]{
	{0x1, "permanent"},      // FIB_RULE_PERMANENT
	{0x2, "invert"},         // FIB_RULE_INVERT, ip's "not"
	{0x4, "unresolved"},     // FIB_RULE_UNRESOLVED: a goto whose target does not exist
	{0x8, "iif_detached"},   // FIB_RULE_IIF_DETACHED: FRA_IIFNAME names no device
	{0x10, "oif_detached"},  // FIB_RULE_OIF_DETACHED: FRA_OIFNAME names no device
	{0x10000, "find_saddr"}, // FIB_RULE_FIND_SADDR
}

// RuleFlags formats fib_rule_hdr.flags as a comma-separated list of the
// FIB_RULE_* names without prefix in lower case (permanent, invert,
// unresolved, iif_detached, oif_detached, find_saddr), unknown bits in hex.
func RuleFlags(flags uint32) string {
	return formatFlags(flags, fibRuleFlagNames, ",", "0x")
}
