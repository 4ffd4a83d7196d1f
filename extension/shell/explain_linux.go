package shell

import (
	"encoding/binary"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/netlinkq/netlinkq/netlinkx"
)

// describeDump is one dump request for .explain: the netlink protocol and
// message type, and for sock_diag what the kernel is asked to filter. It
// reads the request header netlinkx built (the first bytes of struct
// inet_diag_req_v2, unix_diag_req, ...) for display only; nothing is
// decoded from the kernel here.
func describeDump(req netlinkx.DumpRequest) string {
	proto := name(netlinkProtocols, uint32(req.Protocol))
	var typ string
	switch req.Protocol {
	case unix.NETLINK_ROUTE:
		typ = name(rtmTypes, uint32(req.Type))
	case unix.NETLINK_SOCK_DIAG:
		typ = name(map[uint32]string{unix.SOCK_DIAG_BY_FAMILY: "SOCK_DIAG_BY_FAMILY"}, uint32(req.Type))
	case unix.NETLINK_NETFILTER:
		typ = fmt.Sprintf("%s msg %d", name(nfnlSubsystems, uint32(req.Type>>8)), req.Type&0xff)
	default:
		typ = fmt.Sprintf("type %d", req.Type)
	}
	s := proto + " " + typ
	if req.Protocol == unix.NETLINK_SOCK_DIAG && req.Type == unix.SOCK_DIAG_BY_FAMILY {
		s += describeSockDiag(req.Data)
	}
	return s
}

// describeSockDiag shows a sock_diag request's filter: family, protocol,
// states, ports and the attributes asked for.
func describeSockDiag(b []byte) string {
	if len(b) < 2 {
		return ""
	}
	var out []string
	family := b[0]
	out = append(out, name(families, uint32(family)))
	switch family {
	case unix.AF_INET, unix.AF_INET6:
		const sizeofInetDiagReqV2 = 56
		if len(b) < sizeofInetDiagReqV2 {
			return " " + strings.Join(out, " ")
		}
		protocol := uint32(b[1])
		var bytecode int
		for a := b[sizeofInetDiagReqV2:]; len(a) >= unix.NLA_HDRLEN; {
			n := int(binary.NativeEndian.Uint16(a[0:2]))
			if n < unix.NLA_HDRLEN || n > len(a) {
				break
			}
			switch binary.NativeEndian.Uint16(a[2:4]) {
			case netlinkx.INET_DIAG_REQ_PROTOCOL:
				if n >= unix.NLA_HDRLEN+4 {
					protocol = binary.NativeEndian.Uint32(a[unix.NLA_HDRLEN:])
				}
			case netlinkx.INET_DIAG_REQ_BYTECODE:
				bytecode = n - unix.NLA_HDRLEN
			}
			a = a[min(len(a), (n+unix.NLA_ALIGNTO-1)&^(unix.NLA_ALIGNTO-1)):]
		}
		states := stateMask(binary.NativeEndian.Uint32(b[4:8]))
		if protocol == unix.IPPROTO_SCTP { // SCTP_* states, not TCP_*
			states = fmt.Sprintf("%#x", binary.NativeEndian.Uint32(b[4:8]))
		}
		out = append(out, netlinkx.InetDiagProtocolName(protocol), "states "+states)
		if ext := b[2]; ext != 0 {
			var names []string
			for i, n := range inetDiagExt {
				if ext&(1<<i) != 0 {
					names = append(names, n)
				}
			}
			out = append(out, "ext "+strings.Join(names, ","))
		}
		if p := binary.BigEndian.Uint16(b[8:10]); p != 0 {
			out = append(out, fmt.Sprintf("sport %d", p))
		}
		if p := binary.BigEndian.Uint16(b[10:12]); p != 0 {
			out = append(out, fmt.Sprintf("dport %d", p))
		}
		if bytecode > 0 {
			out = append(out, fmt.Sprintf("port filter (%d bytes of bytecode)", bytecode))
		}
	case unix.AF_UNIX:
		if len(b) >= 8 {
			out = append(out, "states "+stateMask(binary.NativeEndian.Uint32(b[4:8])))
		}
	default:
		out = append(out, fmt.Sprintf("protocol %d", b[1]))
	}
	return " " + strings.Join(out, " ")
}

// stateMask names the TCP_* states of an idiag_states mask; "all" for
// every state from TCP_ESTABLISHED to TCP_NEW_SYN_RECV.
func stateMask(m uint32) string {
	const every = 1<<(unix.BPF_TCP_NEW_SYN_RECV+1) - 2
	if m&every == every {
		return "all"
	}
	var names []string
	for i := range 32 {
		if m&(1<<i) != 0 {
			names = append(names, netlinkx.TCPStateName(uint8(i)))
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ",")
}

// name is names[v], or v as a number.
func name(names map[uint32]string, v uint32) string {
	if n, ok := names[v]; ok {
		return n
	}
	return fmt.Sprint(v)
}

var netlinkProtocols = map[uint32]string{
	unix.NETLINK_ROUTE:     "NETLINK_ROUTE",
	unix.NETLINK_SOCK_DIAG: "NETLINK_SOCK_DIAG",
	unix.NETLINK_NETFILTER: "NETLINK_NETFILTER",
	unix.NETLINK_GENERIC:   "NETLINK_GENERIC",
}

var rtmTypes = map[uint32]string{
	unix.RTM_GETLINK:    "RTM_GETLINK",
	unix.RTM_GETADDR:    "RTM_GETADDR",
	unix.RTM_GETROUTE:   "RTM_GETROUTE",
	unix.RTM_GETNEIGH:   "RTM_GETNEIGH",
	unix.RTM_GETRULE:    "RTM_GETRULE",
	unix.RTM_GETQDISC:   "RTM_GETQDISC",
	unix.RTM_GETTCLASS:  "RTM_GETTCLASS",
	unix.RTM_GETTFILTER: "RTM_GETTFILTER",
	unix.RTM_GETNETCONF: "RTM_GETNETCONF",
	unix.RTM_GETNSID:    "RTM_GETNSID",
	unix.RTM_GETSTATS:   "RTM_GETSTATS",
}

var nfnlSubsystems = map[uint32]string{
	unix.NFNL_SUBSYS_CTNETLINK: "NFNL_SUBSYS_CTNETLINK",
	unix.NFNL_SUBSYS_NFTABLES:  "NFNL_SUBSYS_NFTABLES",
}

var families = map[uint32]string{
	unix.AF_INET:    "AF_INET",
	unix.AF_INET6:   "AF_INET6",
	unix.AF_UNIX:    "AF_UNIX",
	unix.AF_NETLINK: "AF_NETLINK",
	unix.AF_PACKET:  "AF_PACKET",
}

// inetDiagExt names the idiag_ext bits: bit i asks for INET_DIAG_* i+1.
var inetDiagExt = [...]string{"MEMINFO", "INFO", "VEGASINFO", "CONG", "TOS", "TCLASS", "SKMEMINFO", "SHUTDOWN"}
