package netlinkx

import "encoding/binary"

// NetlinkDiagReq is one netlink_diag dump: struct netlink_diag_req
// (linux/netlink_diag.h) for the netlink sockets of a namespace.
type NetlinkDiagReq struct {
	// NetNS is the namespace to read.
	NetNS NetNS
	// Protocol is sdiag_protocol: the netlink protocol whose sockets are
	// listed (NETLINK_ROUTE, NETLINK_GENERIC, ...), or NDIAG_PROTO_ALL (255)
	// for every protocol. Beware: the zero value is NETLINK_ROUTE only.
	Protocol uint8
	// Show is ndiag_show, the NDIAG_SHOW_* bits: which attributes the kernel
	// adds. Ask only for what is read.
	Show uint32
}

// NetlinkDiagMsg is one SOCK_DIAG_BY_FAMILY reply for an AF_NETLINK socket:
// struct netlink_diag_msg and the NETLINK_DIAG_* attributes after it.
// Decoding allocates nothing: the byte-slice fields alias the dump buffer,
// and Has tells which attributes the kernel sent.
type NetlinkDiagMsg struct {
	Family   uint8 // ndiag_family, AF_NETLINK
	Type     uint8 // ndiag_type: SOCK_RAW or SOCK_DGRAM
	Protocol uint8 // ndiag_protocol: NETLINK_ROUTE, NETLINK_GENERIC, ... See ProtocolName.
	// State is ndiag_state (sk_state): NETLINK_CONNECTED (1) after
	// connect(), otherwise TCP_CLOSE (7) as every socket starts, or
	// NETLINK_UNCONNECTED (0) after a connect to port 0.
	State uint8
	// PortID is ndiag_portid, the socket's port id: 0 for the kernel's
	// socket of each protocol, often the owner's pid for the first socket a
	// process binds, and an autobound id (negative as an int32) otherwise.
	PortID    uint32
	DstPortID uint32 // ndiag_dst_portid: the port id connect() set, 0 when not connected
	DstGroup  uint32 // ndiag_dst_group: the multicast group connect() set
	Inode     uint32 // ndiag_ino, the socket's inode (0 for the kernel's sockets)
	// Cookie is ndiag_cookie[0] | ndiag_cookie[1]<<32, the kernel's socket cookie.
	Cookie uint64

	// Groups is NETLINK_DIAG_GROUPS (NDIAG_SHOW_GROUPS): the bitmap of
	// multicast groups joined, native-endian unsigned longs; group g is bit
	// g-1. See GroupList.
	Groups []byte
	// Flags is NETLINK_DIAG_FLAGS (NDIAG_SHOW_FLAGS): NDIAG_FLAG_* bits.
	Flags uint32
	// SKMemInfo is NETLINK_DIAG_MEMINFO (NDIAG_SHOW_MEMINFO): __u32 values
	// indexed by SK_MEMINFO_*. See SKMemInfoValue.
	SKMemInfo []byte

	attrs uint32 // bit t set when attribute type t was present
}

// sizeofNetlinkDiagMsg is sizeof(struct netlink_diag_msg).
const sizeofNetlinkDiagMsg = 28

// Has reports whether the message carried attribute typ (NETLINK_DIAG_*).
func (m *NetlinkDiagMsg) Has(typ uint16) bool { return typ < 32 && m.attrs&(1<<typ) != 0 }

// ProtocolName is ndiag_protocol's name; see NetlinkProtocolName.
func (m *NetlinkDiagMsg) ProtocolName() string { return NetlinkProtocolName(m.Protocol) }

// TypeName is ndiag_type's name: "raw" or "dgram".
func (m *NetlinkDiagMsg) TypeName() string { return SockTypeName(m.Type) }

// StateName is ndiag_state in psutil's vocabulary: "ESTABLISHED" for a socket
// connect()ed to a port id or group, "NONE" otherwise (ss shows UNCONN for both).
func (m *NetlinkDiagMsg) StateName() string {
	if m.State == 1 { // NETLINK_CONNECTED
		return "ESTABLISHED"
	}
	return "NONE"
}

// RQueue is what ss shows as a netlink socket's Recv-Q: SK_MEMINFO_RMEM_ALLOC,
// the bytes queued to read. ok is false without NDIAG_SHOW_MEMINFO.
func (m *NetlinkDiagMsg) RQueue() (v uint32, ok bool) { return memInfoAt(m.SKMemInfo, 0) }

// WQueue is what ss shows as a netlink socket's Send-Q: SK_MEMINFO_WMEM_ALLOC.
// ok is false without NDIAG_SHOW_MEMINFO.
func (m *NetlinkDiagMsg) WQueue() (v uint32, ok bool) { return memInfoAt(m.SKMemInfo, 2) }

// SKMemInfoValue returns NETLINK_DIAG_MEMINFO's value at index i (an
// SK_MEMINFO_* constant); ok is false when the kernel did not send it.
func (m *NetlinkDiagMsg) SKMemInfoValue(i int) (v uint32, ok bool) {
	return memInfoAt(m.SKMemInfo, i)
}

// GroupList decodes Groups into the numbers of the multicast groups the
// socket joined, ascending. It allocates; nil when there are none.
func (m *NetlinkDiagMsg) GroupList() []uint32 {
	// The kernel sends nlk->groups, an array of unsigned long: bit k of
	// word w is group w*bits+k+1, whatever the byte order.
	const size = 4 << (^uintptr(0) >> 63) // sizeof(unsigned long)
	var out []uint32
	for w := 0; w*size+size <= len(m.Groups); w++ {
		var word uint64
		if size == 8 {
			word = binary.NativeEndian.Uint64(m.Groups[w*size:])
		} else {
			word = uint64(binary.NativeEndian.Uint32(m.Groups[w*size:]))
		}
		for k := 0; word != 0; k++ {
			if word&1 != 0 {
				out = append(out, uint32(w*size*8+k+1))
			}
			word >>= 1
		}
	}
	return out
}

// NetlinkProtocolName names a netlink protocol by its constant in
// linux/netlink.h without the NETLINK_ prefix, in lower case: "route",
// "usersock", "sock_diag", "generic", ..., with NETLINK_FIREWALL as "fw", and
// the number for an unknown one. (ss prints its own abbreviations instead:
// rtnl, tcpdiag, genl.)
func NetlinkProtocolName(p uint8) string { return indexName(netlinkProtocolNames[:], p) }

// netlinkProtocolNames are indexed by NETLINK_* (linux/netlink.h), spelt
// here so that this file builds on every OS (a test checks them against
// x/sys/unix).
var netlinkProtocolNames = [...]string{
	0:  "route",          // NETLINK_ROUTE
	1:  "unused",         // NETLINK_UNUSED
	2:  "usersock",       // NETLINK_USERSOCK
	3:  "fw",             // NETLINK_FIREWALL
	4:  "sock_diag",      // NETLINK_SOCK_DIAG (NETLINK_INET_DIAG)
	5:  "nflog",          // NETLINK_NFLOG
	6:  "xfrm",           // NETLINK_XFRM
	7:  "selinux",        // NETLINK_SELINUX
	8:  "iscsi",          // NETLINK_ISCSI
	9:  "audit",          // NETLINK_AUDIT
	10: "fib_lookup",     // NETLINK_FIB_LOOKUP
	11: "connector",      // NETLINK_CONNECTOR
	12: "netfilter",      // NETLINK_NETFILTER
	13: "ip6_fw",         // NETLINK_IP6_FW
	14: "dnrtmsg",        // NETLINK_DNRTMSG
	15: "kobject_uevent", // NETLINK_KOBJECT_UEVENT
	16: "generic",        // NETLINK_GENERIC
	18: "scsitransport",  // NETLINK_SCSITRANSPORT
	19: "ecryptfs",       // NETLINK_ECRYPTFS
	20: "rdma",           // NETLINK_RDMA
	21: "crypto",         // NETLINK_CRYPTO
	22: "smc",            // NETLINK_SMC
}
