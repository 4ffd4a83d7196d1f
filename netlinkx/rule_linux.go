package netlinkx

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// DumpRules reads the policy routing rules of req.Family (RTM_GETRULE; every
// family for AF_UNSPEC) and calls emit with each, decoded. The message points
// into a reused buffer: emit must not keep it. Rules of another family than
// req names are never passed to emit.
func DumpRules(ctx context.Context, req RuleRequest, emit func(*RuleMessage) error) error {
	// fib_nl_dumprule dumps one family's rules, or all for AF_UNSPEC; with
	// strict checking the rest of the header must be zero and no attribute sent.
	return dumpRtnl(ctx, req, rtnlGet(req.NetNS, unix.RTM_GETRULE, rtnlHeader(sizeofFibRuleHdr, req.Family), ruleKey), emit)
}

// matches reports whether m is of the family req names.
func (req RuleRequest) matches(m *RuleMessage) bool {
	return req.Family == unix.AF_UNSPEC || m.Family == req.Family
}

// describe names the dump in errors.
func (req RuleRequest) describe() string { return fmt.Sprintf("rules (family %d)", req.Family) }

// ruleKey names an RTM_NEWRULE by its whole payload, for restarted dumps: a
// rule has no id, several may share a priority, and nothing in one changes
// but the detached and unresolved flags, which a restart may show anew.
func ruleKey(b []byte) (uint64, bool) {
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64(), len(b) >= sizeofFibRuleHdr
}

// UnmarshalBinary decodes one RTM_NEWRULE payload: fib_rule_hdr, then the
// FRA_* attributes. Unknown attributes are skipped; an address whose length
// fits no family, or a short range, is an error.
func (m *RuleMessage) UnmarshalBinary(b []byte) error {
	if len(b) < sizeofFibRuleHdr {
		return fmt.Errorf("fib_rule_hdr: %d bytes, want at least %d", len(b), sizeofFibRuleHdr)
	}
	*m = RuleMessage{
		FibRuleHdr: FibRuleHdr{
			Family: b[0], DstLen: b[1], SrcLen: b[2], TOS: b[3],
			Table: b[4], Action: b[7],
			Flags: binary.NativeEndian.Uint32(b[8:12]),
		},
		TableID:           uint32(b[4]),
		SuppressPrefixLen: -1,
		SuppressIfGroup:   -1,
	}
	ad, err := netlink.NewAttributeDecoder(b[sizeofFibRuleHdr:])
	if err != nil {
		return fmt.Errorf("rule (family %d): %w", m.Family, err)
	}
	for ad.Next() {
		switch ad.Type() {
		case unix.FRA_SRC:
			ad.Do(ipAttr(&m.Src))
		case unix.FRA_DST:
			ad.Do(ipAttr(&m.Dst))
		case unix.FRA_IIFNAME:
			ad.Do(cstrAttr(&m.IIfName))
		case unix.FRA_OIFNAME:
			ad.Do(cstrAttr(&m.OIfName))
		case unix.FRA_PRIORITY:
			m.Priority = ad.Uint32()
		case unix.FRA_TABLE:
			m.TableID = ad.Uint32()
		case unix.FRA_FWMARK:
			m.FwMark, m.HasFwMark = ad.Uint32(), true
		case unix.FRA_FWMASK:
			m.FwMask, m.HasFwMask = ad.Uint32(), true
		case unix.FRA_GOTO:
			m.Goto, m.HasGoto = ad.Uint32(), true
		case unix.FRA_SUPPRESS_PREFIXLEN:
			m.SuppressPrefixLen = int32(ad.Uint32())
		case unix.FRA_SUPPRESS_IFGROUP:
			m.SuppressIfGroup = int32(ad.Uint32())
		case unix.FRA_L3MDEV:
			m.L3MDev = ad.Uint8()
		case unix.FRA_UID_RANGE:
			ad.Do(structAttr("FRA_UID_RANGE", 8, func(p []byte) {
				m.UIDRange = FibRuleUIDRange{Start: binary.NativeEndian.Uint32(p[0:4]), End: binary.NativeEndian.Uint32(p[4:8])}
				m.HasUIDRange = true
			}))
		case unix.FRA_PROTOCOL:
			m.Protocol, m.HasProtocol = ad.Uint8(), true
		case unix.FRA_IP_PROTO:
			m.IPProto, m.HasIPProto = ad.Uint8(), true
		case unix.FRA_SPORT_RANGE:
			ad.Do(portRangeAttr("FRA_SPORT_RANGE", &m.SPortRange, &m.HasSPortRange))
		case unix.FRA_DPORT_RANGE:
			ad.Do(portRangeAttr("FRA_DPORT_RANGE", &m.DPortRange, &m.HasDPortRange))
		case unix.FRA_TUN_ID:
			ad.Do(func(p []byte) error {
				if len(p) != 8 {
					return fmt.Errorf("FRA_TUN_ID: %d bytes, want 8", len(p))
				}
				m.TunID, m.HasTunID = binary.BigEndian.Uint64(p), true
				return nil
			})
		case FRA_SPORT_MASK:
			m.SPortMask, m.HasSPortMask = ad.Uint16(), true
		case FRA_DPORT_MASK:
			m.DPortMask, m.HasDPortMask = ad.Uint16(), true
		case FRA_DSCP:
			m.DSCP, m.HasDSCP = ad.Uint8(), true
		case FRA_DSCP_MASK:
			m.DSCPMask, m.HasDSCPMask = ad.Uint8(), true
		case FRA_FLOWLABEL:
			ad.Do(be32Attr("FRA_FLOWLABEL", &m.FlowLabel, &m.HasFlowLabel))
		case FRA_FLOWLABEL_MASK:
			ad.Do(be32Attr("FRA_FLOWLABEL_MASK", &m.FlowLabelMask, &m.HasFlowLabelMask))
		}
	}
	if err := ad.Err(); err != nil {
		return fmt.Errorf("rule (family %d, priority %d): %w", m.Family, m.Priority, err)
	}
	return nil
}

// portRangeAttr decodes a struct fib_rule_port_range attribute.
func portRangeAttr(name string, dst *FibRulePortRange, ok *bool) func([]byte) error {
	return structAttr(name, 4, func(p []byte) {
		*dst = FibRulePortRange{Start: binary.NativeEndian.Uint16(p[0:2]), End: binary.NativeEndian.Uint16(p[2:4])}
		*ok = true
	})
}

// be32Attr decodes a big-endian 32-bit attribute.
func be32Attr(name string, dst *uint32, ok *bool) func([]byte) error {
	return func(p []byte) error {
		if len(p) != 4 {
			return fmt.Errorf("%s: %d bytes, want 4", name, len(p))
		}
		*dst, *ok = binary.BigEndian.Uint32(p), true
		return nil
	}
}

// hostLen is the prefix length of one address of family f, as ip omits it.
func hostLen(f uint8) uint8 {
	if f == unix.AF_INET6 {
		return 128
	}
	return 32
}

// Selector is the rule's selector as `ip rule show` prints it between the
// priority and the action: "[not] from SRC[/LEN] [to DST[/LEN]] [tos T]
// [dscp D[/MASK]] [flowlabel L[/MASK]] [fwmark M[/MASK]] [iif NAME
// [detached]] [oif NAME [detached]] [uidrange A-B] [ipproto P] [sport
// A[-B]|A/MASK] [dport A[-B]|A/MASK] [tun_id N]", with "from all" when no
// source is matched. ip prints tos through rt_dsfield names where
// /etc/iproute2 has one, and ipproto by its /etc/protocols name; this prints
// tos in hex and ipproto as ProtocolName does (icmpv6 for ip's ipv6-icmp).
// A mask is shown, in hex, only where it does not cover the whole field
// (the selectors of kernels 6.13 to 6.15, which iproute2 6.1 does not know).
func (m *RuleMessage) Selector() string {
	var b strings.Builder
	if m.Flags&unix.FIB_RULE_INVERT != 0 {
		b.WriteString("not ")
	}
	b.WriteString("from ")
	switch {
	case m.Src.IsValid():
		b.WriteString(m.Src.String())
		if m.SrcLen != hostLen(m.Family) {
			b.WriteString("/" + strconv.Itoa(int(m.SrcLen)))
		}
	case m.SrcLen != 0:
		b.WriteString("0/" + strconv.Itoa(int(m.SrcLen)))
	default:
		b.WriteString("all")
	}
	switch {
	case m.Dst.IsValid():
		b.WriteString(" to " + m.Dst.String())
		if m.DstLen != hostLen(m.Family) {
			b.WriteString("/" + strconv.Itoa(int(m.DstLen)))
		}
	case m.DstLen != 0:
		b.WriteString(" to 0/" + strconv.Itoa(int(m.DstLen)))
	}
	if m.TOS != 0 {
		fmt.Fprintf(&b, " tos 0x%02x", m.TOS)
	}
	if m.HasDSCP {
		b.WriteString(" dscp " + strconv.Itoa(int(m.DSCP)))
		if m.HasDSCPMask && m.DSCPMask != 0x3f {
			b.WriteString("/" + cHex(uint64(m.DSCPMask)))
		}
	}
	if m.HasFlowLabel {
		b.WriteString(" flowlabel " + cHex(uint64(m.FlowLabel)))
		if m.HasFlowLabelMask && m.FlowLabelMask != 0xfffff {
			b.WriteString("/" + cHex(uint64(m.FlowLabelMask)))
		}
	}
	if m.HasFwMark || m.HasFwMask {
		b.WriteString(" fwmark " + cHex(uint64(m.FwMark)))
		if m.HasFwMask && m.FwMask != 0xffffffff {
			b.WriteString("/" + cHex(uint64(m.FwMask)))
		}
	}
	if m.IIfName != nil {
		b.WriteString(" iif ")
		b.Write(m.IIfName)
		if m.Flags&unix.FIB_RULE_IIF_DETACHED != 0 {
			b.WriteString(" [detached]")
		}
	}
	if m.OIfName != nil {
		b.WriteString(" oif ")
		b.Write(m.OIfName)
		if m.Flags&unix.FIB_RULE_OIF_DETACHED != 0 {
			b.WriteString(" [detached]")
		}
	}
	if m.HasUIDRange {
		fmt.Fprintf(&b, " uidrange %d-%d", m.UIDRange.Start, m.UIDRange.End)
	}
	if m.HasIPProto {
		b.WriteString(" ipproto " + ProtocolName(m.IPProto))
	}
	for _, r := range []struct {
		name    string
		has     bool
		r       FibRulePortRange
		hasMask bool
		mask    uint16
	}{{"sport", m.HasSPortRange, m.SPortRange, m.HasSPortMask, m.SPortMask}, {"dport", m.HasDPortRange, m.DPortRange, m.HasDPortMask, m.DPortMask}} {
		switch {
		case !r.has:
		case r.hasMask && r.mask != 0xffff:
			fmt.Fprintf(&b, " %s %s/%s", r.name, cHex(uint64(r.r.Start)), cHex(uint64(r.mask)))
		case r.r.End != r.r.Start:
			fmt.Fprintf(&b, " %s %d-%d", r.name, r.r.Start, r.r.End)
		default:
			fmt.Fprintf(&b, " %s %d", r.name, r.r.Start)
		}
	}
	if m.HasTunID {
		b.WriteString(" tun_id " + strconv.FormatUint(m.TunID, 10))
	}
	return b.String()
}

// cHex is v as C's printf "%#x" writes it: 0x-prefixed lower-case hex,
// but a bare 0 for zero.
func cHex(v uint64) string {
	if v == 0 {
		return "0"
	}
	return "0x" + strconv.FormatUint(v, 16)
}
