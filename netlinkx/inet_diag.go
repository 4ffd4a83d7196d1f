package netlinkx

import (
	"encoding/binary"
	"net/netip"
)

// InetDiagSockID is struct inet_diag_sockid (linux/inet_diag.h): the
// identity of an inet socket. The kernel sends ports and addresses in network
// byte order; the ports here are in host order, the addresses as sent.
type InetDiagSockID struct {
	SPort uint16   // idiag_sport, host byte order
	DPort uint16   // idiag_dport, host byte order
	Src   [16]byte // idiag_src: 4 bytes for AF_INET, 16 for AF_INET6
	Dst   [16]byte // idiag_dst
	If    uint32   // idiag_if: the bound device's ifindex, 0 when none
	// Cookie is idiag_cookie[0] | idiag_cookie[1]<<32, the kernel's socket
	// cookie (sock_gen_cookie): unique for the boot, the same value that
	// unix_diag, netlink_diag and SO_COOKIE give.
	Cookie uint64
}

// InetDiagMsg is one SOCK_DIAG_BY_FAMILY reply for an inet socket: struct
// inet_diag_msg and the INET_DIAG_* attributes after it. Decoding allocates
// nothing: the byte-slice fields alias the dump buffer, and Has tells which
// attributes the kernel sent.
type InetDiagMsg struct {
	Family  uint8 // idiag_family, AF_INET or AF_INET6
	State   uint8 // idiag_state, TCP_* (UDP and raw use TCP_CLOSE and TCP_ESTABLISHED)
	Timer   uint8 // idiag_timer: which timer is pending (1 retransmit, 2 keepalive, 3 TIME_WAIT, 4 zero window probe)
	Retrans uint8 // idiag_retrans
	ID      InetDiagSockID
	Expires uint32 // idiag_expires, ms until the timer fires
	// RQueue is idiag_rqueue: bytes to read, or for a LISTEN socket the accept
	// queue's length (sk_ack_backlog), as ss shows in Recv-Q.
	RQueue uint32
	// WQueue is idiag_wqueue: bytes not yet acknowledged, or for a LISTEN
	// socket the backlog limit (sk_max_ack_backlog), as ss shows in Send-Q.
	WQueue uint32
	UID    uint32 // idiag_uid
	Inode  uint32 // idiag_inode, 0 for TIME_WAIT and request sockets

	// Protocol is the IPPROTO_* the dump asked for (IPPROTO_RAW for all raw
	// sockets); the message itself does not carry it.
	Protocol uint32

	SKProtocol uint8  // INET_DIAG_PROTOCOL: sk_protocol (a raw socket's IP protocol)
	Shutdown   uint8  // INET_DIAG_SHUTDOWN: sk_shutdown, bit 0 RCV_SHUTDOWN, bit 1 SEND_SHUTDOWN
	TOS        uint8  // INET_DIAG_TOS
	TClass     uint8  // INET_DIAG_TCLASS (AF_INET6)
	V6Only     uint8  // INET_DIAG_SKV6ONLY
	Mark       uint32 // INET_DIAG_MARK (sk_mark). The kernel sends it only to CAP_NET_ADMIN callers.
	ClassID    uint32 // INET_DIAG_CLASS_ID (cgroup v1 net_cls classid)
	CgroupID   uint64 // INET_DIAG_CGROUP_ID: the cgroup v2 id of the socket's owner, kernel 5.7+
	Cong       []byte // INET_DIAG_CONG: the congestion control's name, NUL trimmed
	Info       []byte // INET_DIAG_INFO: struct tcp_info for TCP (see DecodeTCPInfo)
	SKMemInfo  []byte // INET_DIAG_SKMEMINFO: __u32 values indexed by SK_MEMINFO_*
	MemInfo    []byte // INET_DIAG_MEMINFO: struct inet_diag_meminfo

	attrs uint64 // bit t set when attribute type t was present
}

// sizeofInetDiagMsg is sizeof(struct inet_diag_msg).
const sizeofInetDiagMsg = 72

// sizeofInetDiagReqV2 is sizeof(struct inet_diag_req_v2).
const sizeofInetDiagReqV2 = 56

// sizeofInetDiagReq is sizeof(struct inet_diag_req), the compat request.
const sizeofInetDiagReq = 60

// TCPDIAG_GETSOCK is the compat inet_diag request type (linux/inet_diag.h):
// struct inet_diag_req for TCP, answered for both families in one dump.
const TCPDIAG_GETSOCK = 18

// Has reports whether the message carried attribute typ (INET_DIAG_*).
func (m *InetDiagMsg) Has(typ uint16) bool { return typ < 64 && m.attrs&(1<<typ) != 0 }

// SrcAddr is idiag_src as an address of the message's family.
func (m *InetDiagMsg) SrcAddr() netip.Addr { return inetAddr(m.Family, &m.ID.Src) }

// DstAddr is idiag_dst as an address of the message's family.
func (m *InetDiagMsg) DstAddr() netip.Addr { return inetAddr(m.Family, &m.ID.Dst) }

func inetAddr(family uint8, a *[16]byte) netip.Addr {
	if family == inetDiagAFInet {
		return netip.AddrFrom4([4]byte(a[:4]))
	}
	return netip.AddrFrom16(*a)
}

// inetDiagAFInet is AF_INET, spelt here so that this file builds on every OS.
const inetDiagAFInet = 2

// SKMemInfoValue returns INET_DIAG_SKMEMINFO's value at index i (an
// SK_MEMINFO_* constant); ok is false when the kernel did not send it.
func (m *InetDiagMsg) SKMemInfoValue(i int) (v uint32, ok bool) {
	if i < 0 || (i+1)*4 > len(m.SKMemInfo) {
		return 0, false
	}
	return binary.NativeEndian.Uint32(m.SKMemInfo[i*4:]), true
}

// SKMemInfoNames are the SK_MEMINFO_* indexes of INET_DIAG_SKMEMINFO in
// order (linux/sock_diag.h), in the kernel's spelling without the prefix,
// lower case: the column names of tcp_info's socket memory.
var SKMemInfoNames = []string{
	"rmem_alloc",  // SK_MEMINFO_RMEM_ALLOC
	"rcvbuf",      // SK_MEMINFO_RCVBUF
	"wmem_alloc",  // SK_MEMINFO_WMEM_ALLOC
	"sndbuf",      // SK_MEMINFO_SNDBUF
	"fwd_alloc",   // SK_MEMINFO_FWD_ALLOC
	"wmem_queued", // SK_MEMINFO_WMEM_QUEUED
	"optmem",      // SK_MEMINFO_OPTMEM
	"backlog",     // SK_MEMINFO_BACKLOG
	"drops",       // SK_MEMINFO_DROPS
}

// InetDiagReq is one inet_diag dump: struct inet_diag_req_v2 for a family
// and protocol. The zero values of the filter fields ask for everything.
type InetDiagReq struct {
	// NetNS is the namespace to read.
	NetNS NetNS
	// Family is sdiag_family: AF_INET or AF_INET6; or, for TCP only,
	// AF_UNSPEC: both families in one dump (the compat TCPDIAG_GETSOCK
	// request), which walks the kernel's TCP hash tables once where a dump
	// per family walks them twice (about 1 ms a walk of a 262,144-bucket
	// established table, however few sockets it holds).
	Family uint8
	// Protocol is IPPROTO_TCP, _UDP, _UDPLITE, _RAW, _SCTP or _MPTCP; values
	// above 255 travel in INET_DIAG_REQ_PROTOCOL, as ss sends them.
	Protocol uint32
	// Ext is idiag_ext: bit (INET_DIAG_x - 1) asks for attribute INET_DIAG_x,
	// for x up to INET_DIAG_SHUTDOWN.
	Ext uint8
	// States is idiag_states, a mask of 1<<TCP_*. Zero means no socket.
	States uint32
	// SPort and DPort (host order), when non-zero, ask the kernel for
	// sockets with that local or remote port only (id.idiag_sport/dport).
	SPort, DPort uint16
	// SPorts and DPorts, when SPort and DPort are 0, ask the kernel for
	// sockets whose port is one of them, with an INET_DIAG_REQ_BYTECODE
	// filter; more than 3000 ports in a list are not sent (a full dump).
	SPorts, DPorts []uint16
}

// ExtBit is the idiag_ext bit that asks for attribute typ (INET_DIAG_MEMINFO
// up to INET_DIAG_SHUTDOWN); 0 for attributes that cannot be asked for.
func ExtBit(typ uint16) uint8 {
	if typ == 0 || typ > 8 {
		return 0
	}
	return 1 << (typ - 1)
}

// TCPStateName is the psutil name of a TCP state (TCP_ESTABLISHED →
// "ESTABLISHED"); TCP_BOUND_INACTIVE is "BOUND", an unknown value "UNKNOWN".
func TCPStateName(state uint8) string { return stateName(tcpStateNames[:], state) }

// stateName is names[state], or "UNKNOWN" for a value without a name.
func stateName(names []string, state uint8) string {
	if int(state) < len(names) && names[state] != "" {
		return names[state]
	}
	return "UNKNOWN"
}

// tcpStateNames are indexed by TCP_* (include/net/tcp_states.h).
var tcpStateNames = [...]string{
	1:  "ESTABLISHED",
	2:  "SYN_SENT",
	3:  "SYN_RECV",
	4:  "FIN_WAIT1",
	5:  "FIN_WAIT2",
	6:  "TIME_WAIT",
	7:  "CLOSE",
	8:  "CLOSE_WAIT",
	9:  "LAST_ACK",
	10: "LISTEN",
	11: "CLOSING",
	12: "NEW_SYN_RECV",
	13: "BOUND",
}

// SCTPStateName is the state of an SCTP association (SCTP_STATE_*,
// include/net/sctp/constants.h, which sctp_diag puts in idiag_state for an
// association) in RFC 9260's words, so that ESTABLISHED reads as it does for
// TCP; an unknown value is "UNKNOWN". An SCTP socket's own state is TCP_*.
func SCTPStateName(state uint8) string { return stateName(sctpStateNames[:], state) }

// sctpStateNames are indexed by SCTP_STATE_*.
var sctpStateNames = [...]string{
	0: "CLOSED",
	1: "COOKIE_WAIT",
	2: "COOKIE_ECHOED",
	3: "ESTABLISHED",
	4: "SHUTDOWN_PENDING",
	5: "SHUTDOWN_SENT",
	6: "SHUTDOWN_RECEIVED",
	7: "SHUTDOWN_ACK_SENT",
}

// TCPStateByName is the inverse of TCPStateName: the TCP_* value of a psutil
// state name, ok false for any other text (including NONE).
func TCPStateByName(name string) (state uint8, ok bool) {
	for i, n := range tcpStateNames {
		if n != "" && n == name {
			return uint8(i), true
		}
	}
	return 0, false
}
