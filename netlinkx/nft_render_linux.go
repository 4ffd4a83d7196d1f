package netlinkx

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/google/nftables/expr"
	"github.com/google/nftables/xt"
	"golang.org/x/sys/unix"
)

// NftRegister is what an nf_tables register holds while a rule is rendered:
// the selector that loaded it (as nft spells it: "ip saddr", "tcp dport",
// "ct state") and how its bytes read as a value.
type nftRegister struct {
	name string
	kind nftValueKind
	mask []byte // the bitwise mask applied (ct state bits, an address prefix)
	full int    // an address's full length when the load took only its prefix bytes
}

// nftValueKind says how a selector's bytes print.
type nftValueKind int

const (
	nftHex nftValueKind = iota
	nftAddr
	nftPort    // big-endian integer
	nftIfname  // NUL-padded string
	nftL4Proto // IPPROTO_*
	nftNfproto // NFPROTO_*
	nftCtState // bitmask
	nftHostInt // host-endian integer (mark, uid)
	nftEther   // a MAC address
)

// RenderNftExprs renders one rule's expressions as `nft list ruleset` prints
// them, for the common expressions (payload, meta, ct, cmp, bitwise, lookup,
// range, immediate, counter, nat, masq, redirect, reject, log, limit, quota,
// xt match/target, notrack). It is a pure function: sets names anonymous
// sets' elements (already rendered, "{ 22, 80 }") and may be nil. An
// expression it cannot render prints as unknown(NAME), NAME being its
// NFTA_EXPR_NAME; rendering never fails.
func RenderNftExprs(exprs []NftExpr, sets map[string]string) string {
	regs := map[uint32]nftRegister{}
	var out []string
	pending := "" // a dependency (meta l4proto tcp) that a following tcp dport makes implicit
	l4 := ""      // the protocol that dependency named
	emit := func(s string) {
		if pending != "" {
			out = append(out, pending)
			pending = ""
		}
		out = append(out, s)
	}
	skip := -1 // an expression already rendered with the one before it
	for i, x := range exprs {
		if i == skip {
			continue
		}
		switch e := x.Expr.(type) {
		case *expr.Meta:
			if e.SourceRegister {
				emit("meta " + nftMetaName(e.Key) + " set " + regs[e.Register].name)
				continue
			}
			r := nftRegister{name: "meta " + nftMetaName(e.Key), kind: nftHostInt}
			switch e.Key {
			case expr.MetaKeyIIFNAME, expr.MetaKeyOIFNAME:
				r = nftRegister{name: nftMetaName(e.Key), kind: nftIfname}
			case expr.MetaKeyIIF, expr.MetaKeyOIF:
				r.name = nftMetaName(e.Key)
			case expr.MetaKeyL4PROTO:
				r.kind = nftL4Proto
			case expr.MetaKeyNFPROTO:
				r.kind = nftNfproto
			}
			regs[e.Register] = r
		case *expr.Ct:
			r := nftRegister{name: "ct " + nftCtName(e.Key), kind: nftHostInt}
			if e.Key == expr.CtKeySTATE {
				r.kind = nftCtState
			}
			regs[e.Register] = r
		case *expr.Payload:
			if e.OperationType != expr.PayloadLoad {
				emit("unknown(payload set)")
				continue
			}
			name, kind, full := nftPayloadName(e, l4)
			if pending != "" && (strings.HasPrefix(name, l4+" ") || strings.HasPrefix(pending, "meta nfproto")) {
				pending = "" // implied by the selector, as nft leaves it out
			}
			regs[e.DestRegister] = nftRegister{name: name, kind: kind, full: full}
		case *expr.Bitwise:
			r := regs[e.SourceRegister]
			r.mask = e.Mask
			if r.kind != nftCtState && !allZero(e.Xor) {
				r.name += " ^ 0x" + fmt.Sprintf("%x", e.Xor)
			}
			regs[e.DestRegister] = r
		case *expr.Cmp:
			r := regs[e.Register]
			if r.kind == nftCtState && e.Op == expr.CmpOpNeq && allZero(e.Data) {
				// ct state & mask != 0: printed as the mask, set by the bitwise before.
				emit(r.name + " " + nftValue(nftCtState, r.mask))
				continue
			}
			v := nftValue(r.kind, e.Data)
			op := nftCmpOp(e.Op)
			if r.kind == nftL4Proto && r.name == "meta l4proto" && e.Op == expr.CmpOpEq {
				if pending != "" {
					out = append(out, pending)
				}
				pending, l4 = "meta l4proto "+v, v
				continue
			}
			if r.kind == nftNfproto && e.Op == expr.CmpOpEq {
				pending = "meta nfproto " + v
				continue
			}
			if r.kind == nftAddr && (r.full > len(e.Data) || r.mask != nil) {
				// A prefix: nft loads only the prefix bytes, or masks the address.
				bits := len(e.Data) * 8
				if r.mask != nil {
					bits = prefixLen(r.mask)
				}
				full := make([]byte, max(r.full, len(e.Data)))
				copy(full, e.Data)
				v = nftValue(nftAddr, full) + "/" + fmt.Sprint(bits)
			}
			if op == ">= " && i+1 < len(exprs) {
				if c, ok := exprs[i+1].Expr.(*expr.Cmp); ok && c.Op == expr.CmpOpLte && c.Register == e.Register {
					skip = i + 1 // nft's range a-b, when the kernel lacks the range expression's form
					v = v + "-" + nftValue(r.kind, c.Data)
					op = ""
				}
			}
			emit(strings.TrimSpace(r.name + " " + op + v))
		case *expr.Range:
			r := regs[e.Register]
			op := ""
			if e.Op == expr.CmpOpNeq {
				op = "!= "
			}
			emit(r.name + " " + op + nftValue(r.kind, e.FromData) + "-" + nftValue(r.kind, e.ToData))
		case *expr.Lookup:
			r := regs[e.SourceRegister]
			set := "@" + e.SetName
			if s, ok := sets[e.SetName]; ok {
				set = s
			}
			op := ""
			if e.Invert {
				op = "!= "
			}
			if e.IsDestRegSet {
				regs[e.DestRegister] = nftRegister{name: r.name + " map " + set}
				continue
			}
			emit(r.name + " " + op + set)
		case *expr.Immediate:
			regs[e.Register] = nftRegister{name: "0x" + fmt.Sprintf("%x", e.Data), kind: nftHex}
			if len(e.Data) == 4 {
				regs[e.Register] = nftRegister{name: nftImmediate(e.Data)}
			}
			if len(e.Data) == 2 {
				regs[e.Register] = nftRegister{name: fmt.Sprint(binary.BigEndian.Uint16(e.Data))}
			}
		case *expr.Verdict:
			emit(nftVerdict(e))
		case *expr.Counter:
			emit(fmt.Sprintf("counter packets %d bytes %d", e.Packets, e.Bytes))
		case *expr.NAT:
			s := "snat"
			if e.Type == expr.NATTypeDestNAT {
				s = "dnat"
			}
			to := ""
			if e.RegAddrMin != 0 {
				to = regs[e.RegAddrMin].name
				if e.RegAddrMax != 0 && e.RegAddrMax != e.RegAddrMin {
					to += "-" + regs[e.RegAddrMax].name
				}
			}
			if e.RegProtoMin != 0 {
				to += ":" + regs[e.RegProtoMin].name
				if e.RegProtoMax != 0 && e.RegProtoMax != e.RegProtoMin {
					to += "-" + regs[e.RegProtoMax].name
				}
			}
			emit(s + " to " + to)
		case *expr.Masq:
			s := "masquerade"
			if e.ToPorts {
				s += " to :" + regs[e.RegProtoMin].name
			}
			emit(s + nftNatFlags(e.Random, e.FullyRandom, e.Persistent))
		case *expr.Redir:
			s := "redirect"
			if e.RegisterProtoMin != 0 {
				s += " to :" + regs[e.RegisterProtoMin].name
			}
			emit(s)
		case *expr.Reject:
			emit(nftReject(e))
		case *expr.Log:
			s := "log"
			if e.Key&(1<<unix.NFTA_LOG_PREFIX) != 0 {
				s += fmt.Sprintf(" prefix %q", strings.TrimRight(string(e.Data), "\x00"))
			}
			if e.Key&(1<<unix.NFTA_LOG_GROUP) != 0 {
				s += fmt.Sprintf(" group %d", e.Group)
			}
			emit(s)
		case *expr.Limit:
			s := "limit rate " + nftOver(e.Over)
			u := map[expr.LimitTime]string{expr.LimitTimeSecond: "second", expr.LimitTimeMinute: "minute",
				expr.LimitTimeHour: "hour", expr.LimitTimeDay: "day", expr.LimitTimeWeek: "week"}[e.Unit]
			if u == "" {
				u = fmt.Sprintf("%ds", e.Unit)
			}
			if e.Type == expr.LimitTypePktBytes {
				s += fmt.Sprintf("%d bytes/%s", e.Rate, u)
			} else {
				s += fmt.Sprintf("%d/%s", e.Rate, u)
			}
			if e.Burst != 0 && e.Burst != 5 {
				s += fmt.Sprintf(" burst %d packets", e.Burst)
			}
			emit(s)
		case *expr.Quota:
			emit("quota " + nftOver(e.Over) + fmt.Sprintf("%d bytes", e.Bytes))
		case *expr.Match:
			if c, ok := e.Info.(*xt.Comment); ok {
				emit(fmt.Sprintf("xt match %q %q", e.Name, string(*c))) // the -m comment text
				continue
			}
			emit(fmt.Sprintf("xt match %q", e.Name))
		case *expr.Target:
			emit(fmt.Sprintf("xt target %q", e.Name))
		case *expr.Notrack:
			emit("notrack")
		default:
			emit("unknown(" + x.Name + ")")
		}
	}
	if pending != "" {
		out = append(out, pending)
	}
	return strings.Join(out, " ")
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func prefixLen(mask []byte) int {
	n := 0
	for _, c := range mask {
		for i := 7; i >= 0; i-- {
			if c&(1<<i) != 0 {
				n++
			}
		}
	}
	return n
}

// nftOver is the "over " that limit and quota print before an inverted
// rate or amount ("" when it is not inverted).
func nftOver(over bool) string {
	if over {
		return "over "
	}
	return ""
}

func nftCmpOp(op expr.CmpOp) string {
	switch op {
	case expr.CmpOpNeq:
		return "!= "
	case expr.CmpOpLt:
		return "< "
	case expr.CmpOpLte:
		return "<= "
	case expr.CmpOpGt:
		return "> "
	case expr.CmpOpGte:
		return ">= "
	}
	return ""
}

var nftMetaNames = map[expr.MetaKey]string{
	expr.MetaKeyLEN: "length", expr.MetaKeyPROTOCOL: "protocol", expr.MetaKeyPRIORITY: "priority",
	expr.MetaKeyMARK: "mark", expr.MetaKeyIIF: "iif", expr.MetaKeyOIF: "oif", expr.MetaKeyIIFNAME: "iifname",
	expr.MetaKeyOIFNAME: "oifname", expr.MetaKeyIIFTYPE: "iiftype", expr.MetaKeyOIFTYPE: "oiftype",
	expr.MetaKeySKUID: "skuid", expr.MetaKeySKGID: "skgid", expr.MetaKeyNFTRACE: "nftrace",
	expr.MetaKeyNFPROTO: "nfproto", expr.MetaKeyL4PROTO: "l4proto", expr.MetaKeyPKTTYPE: "pkttype",
	expr.MetaKeyCPU: "cpu", expr.MetaKeyCGROUP: "cgroup",
}

func nftMetaName(k expr.MetaKey) string { return nftKeyName(nftMetaNames, "meta", k) }

var nftCtNames = map[expr.CtKey]string{
	expr.CtKeySTATE: "state", expr.CtKeyDIRECTION: "direction", expr.CtKeySTATUS: "status",
	expr.CtKeyMARK: "mark", expr.CtKeyEXPIRATION: "expiration", expr.CtKeyHELPER: "helper",
	expr.CtKeyL3PROTOCOL: "l3proto", expr.CtKeyPROTOCOL: "protocol", expr.CtKeyZONE: "zone",
	expr.CtKeyPKTS: "packets", expr.CtKeyBYTES: "bytes",
}

func nftCtName(k expr.CtKey) string { return nftKeyName(nftCtNames, "ct", k) }

// nftKeyName is names[k], or "unknown(what k)" for a key names has not.
func nftKeyName[K ~uint32](names map[K]string, what string, k K) string {
	if n, ok := names[k]; ok {
		return n
	}
	return fmt.Sprintf("unknown(%s %d)", what, k)
}

// nftPayloadName names a payload load as nft does; l4 is the protocol a
// preceding meta l4proto matched ("" when none).
func nftPayloadName(e *expr.Payload, l4 string) (string, nftValueKind, int) {
	in := func(off, size uint32) bool { return e.Offset == off && e.Len >= 1 && e.Len <= size }
	switch e.Base {
	case expr.PayloadBaseNetworkHeader:
		switch {
		case in(12, 4):
			return "ip saddr", nftAddr, 4
		case in(16, 4):
			return "ip daddr", nftAddr, 4
		case e.Offset == 9 && e.Len == 1:
			return "ip protocol", nftL4Proto, 0
		case in(8, 16) && e.Len >= 4: // shorter loads at 8 are IPv4 ttl/protocol
			return "ip6 saddr", nftAddr, 16
		case in(24, 16) && e.Len >= 4:
			return "ip6 daddr", nftAddr, 16
		case e.Offset == 6 && e.Len == 1:
			return "ip6 nexthdr", nftL4Proto, 0
		}
	case expr.PayloadBaseTransportHeader:
		p := l4
		if p == "" {
			p = "th"
		}
		switch {
		case e.Offset == 0 && e.Len == 2:
			return p + " sport", nftPort, 0
		case e.Offset == 2 && e.Len == 2:
			return p + " dport", nftPort, 0
		}
	}
	return fmt.Sprintf("@%s,%d,%d", [...]string{"ll", "nh", "th", "ih"}[e.Base&3], e.Offset*8, e.Len*8), nftHex, 0
}

var nftProtoNames = map[byte]string{unix.IPPROTO_TCP: "tcp", unix.IPPROTO_UDP: "udp", unix.IPPROTO_ICMP: "icmp",
	unix.IPPROTO_ICMPV6: "ipv6-icmp", unix.IPPROTO_SCTP: "sctp", unix.IPPROTO_UDPLITE: "udplite", unix.IPPROTO_DCCP: "dccp",
	unix.IPPROTO_ESP: "esp", unix.IPPROTO_AH: "ah", unix.IPPROTO_GRE: "gre"}

// nftCtStates are the ct state bits in nft's order (NF_CT_STATE_* of nf_conntrack_common.h).
var nftCtStates = []struct {
	bit  uint32
	name string
}{{1 << 0, "invalid"}, {1 << 3, "new"}, {1 << 1, "established"}, {1 << 2, "related"}, {1 << 6, "untracked"}}

// nftValue prints a register's bytes as the value kind nft would.
func nftValue(k nftValueKind, b []byte) string {
	switch k {
	case nftAddr:
		if a, ok := netip.AddrFromSlice(b); ok {
			return a.String()
		}
	case nftPort:
		if len(b) == 2 {
			return fmt.Sprint(binary.BigEndian.Uint16(b))
		}
	case nftIfname:
		return fmt.Sprintf("%q", strings.TrimRight(string(b), "\x00"))
	case nftL4Proto:
		if len(b) == 1 {
			if n, ok := nftProtoNames[b[0]]; ok {
				return n
			}
			return fmt.Sprint(b[0])
		}
	case nftNfproto:
		if len(b) == 1 {
			switch b[0] {
			case unix.NFPROTO_IPV4:
				return "ipv4"
			case unix.NFPROTO_IPV6:
				return "ipv6"
			}
			return fmt.Sprint(b[0])
		}
	case nftCtState:
		if len(b) == 4 {
			v := binary.NativeEndian.Uint32(b)
			var names []string
			for _, s := range nftCtStates {
				if v&s.bit != 0 {
					names = append(names, s.name)
				}
			}
			return strings.Join(names, ",")
		}
	case nftEther:
		if len(b) == 6 {
			return net.HardwareAddr(b).String()
		}
	case nftHostInt:
		switch len(b) {
		case 4:
			return fmt.Sprint(binary.NativeEndian.Uint32(b))
		case 2:
			return fmt.Sprint(binary.NativeEndian.Uint16(b))
		case 1:
			return fmt.Sprint(b[0])
		}
	}
	return fmt.Sprintf("0x%x", b)
}

// nftImmediate prints a 4-byte immediate: an IPv4 address (the NAT target) in nft's way.
func nftImmediate(b []byte) string { return netip.AddrFrom4([4]byte(b)).String() }

func nftVerdict(v *expr.Verdict) string {
	switch v.Kind {
	case expr.VerdictAccept:
		return "accept"
	case expr.VerdictDrop:
		return "drop"
	case expr.VerdictReturn:
		return "return"
	case expr.VerdictContinue:
		return "continue"
	case expr.VerdictJump:
		return "jump " + v.Chain
	case expr.VerdictGoto:
		return "goto " + v.Chain
	case expr.VerdictQueue:
		return "queue"
	}
	return fmt.Sprintf("unknown(verdict %d)", v.Kind)
}

func nftNatFlags(random, fully, persistent bool) string {
	var f []string
	if random {
		f = append(f, "random")
	}
	if fully {
		f = append(f, "fully-random")
	}
	if persistent {
		f = append(f, "persistent")
	}
	if len(f) == 0 {
		return ""
	}
	return " " + strings.Join(f, ",")
}

var nftIcmpUnreach = map[uint8]string{0: "net-unreachable", 1: "host-unreachable", 2: "prot-unreachable",
	3: "port-unreachable", 9: "net-prohibited", 10: "host-prohibited", 13: "admin-prohibited"}

func nftReject(e *expr.Reject) string {
	switch e.Type {
	case unix.NFT_REJECT_TCP_RST:
		return "reject with tcp reset"
	case unix.NFT_REJECT_ICMP_UNREACH:
		if e.Code == 3 {
			return "reject"
		}
		return "reject with icmp " + nftIcmpUnreach[e.Code]
	case unix.NFT_REJECT_ICMPX_UNREACH:
		if e.Code == unix.NFT_REJECT_ICMPX_PORT_UNREACH {
			return "reject"
		}
		return fmt.Sprintf("reject with icmpx %d", e.Code)
	}
	return "reject"
}
