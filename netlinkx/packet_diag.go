package netlinkx

import "strconv"

// PacketDiagReq is one packet_diag dump: struct packet_diag_req
// (linux/packet_diag.h) for the AF_PACKET sockets of a namespace.
type PacketDiagReq struct {
	// NetNS is the namespace to read.
	NetNS NetNS
	// Show is pdiag_show, the PACKET_SHOW_* bits: which attributes the kernel
	// adds. PACKET_SHOW_INFO brings PACKET_DIAG_INFO and PACKET_DIAG_UID.
	Show uint32
}

// PacketDiagMsg is one SOCK_DIAG_BY_FAMILY reply for an AF_PACKET socket:
// struct packet_diag_msg and the PACKET_DIAG_* attributes after it.
// Decoding allocates nothing: SKMemInfo aliases the dump buffer, and Has
// tells which attributes the kernel sent.
type PacketDiagMsg struct {
	Family uint8 // pdiag_family, AF_PACKET
	Type   uint8 // pdiag_type: SOCK_RAW or SOCK_DGRAM
	// Num is pdiag_num, the ETH_P_* protocol the socket receives (ETH_P_ALL
	// for all), in host byte order: the kernel converts po->num with ntohs.
	Num    uint16
	Inode  uint32 // pdiag_ino, the socket's inode
	Cookie uint64 // pdiag_cookie[0] | pdiag_cookie[1]<<32, the kernel's socket cookie

	// Info is PACKET_DIAG_INFO (PACKET_SHOW_INFO).
	Info PacketDiagInfo
	// UID is PACKET_DIAG_UID (PACKET_SHOW_INFO): the owner's uid in the
	// reader's user namespace.
	UID uint32
	// Fanout is PACKET_DIAG_FANOUT (PACKET_SHOW_FANOUT): the fanout group id
	// in the low 16 bits, the PACKET_FANOUT_* mode and flags in the high 16.
	Fanout uint32
	// SKMemInfo is PACKET_DIAG_MEMINFO (PACKET_SHOW_MEMINFO): __u32 values
	// indexed by SK_MEMINFO_*. See SKMemInfoValue.
	SKMemInfo []byte

	attrs uint32 // bit t set when attribute type t was present
}

// PacketDiagInfo is struct packet_diag_info (PACKET_DIAG_INFO).
type PacketDiagInfo struct {
	Index      uint32 // pdi_index: the ifindex the socket is bound to, 0 for all interfaces
	Version    uint32 // pdi_version: TPACKET_V1, _V2 or _V3
	Reserve    uint32 // pdi_reserve
	CopyThresh uint32 // pdi_copy_thresh
	Tstamp     uint32 // pdi_tstamp: the SOF_TIMESTAMPING_* of PACKET_TIMESTAMP
	Flags      uint32 // pdi_flags: PDI_RUNNING, PDI_AUXDATA, PDI_ORIGDEV, PDI_VNETHDR, PDI_LOSS
}

// sizeofPacketDiagMsg is sizeof(struct packet_diag_msg).
const sizeofPacketDiagMsg = 16

// sizeofPacketDiagInfo is sizeof(struct packet_diag_info).
const sizeofPacketDiagInfo = 24

// Has reports whether the message carried attribute typ (PACKET_DIAG_*).
func (m *PacketDiagMsg) Has(typ uint16) bool { return typ < 32 && m.attrs&(1<<typ) != 0 }

// TypeName is pdiag_type's name: "raw" or "dgram".
func (m *PacketDiagMsg) TypeName() string { return SockTypeName(m.Type) }

// StateName is "NONE": packet sockets have no connection state (ss shows UNCONN).
func (m *PacketDiagMsg) StateName() string { return "NONE" }

// ProtocolName names Num as ss does (iproute2 ll_proto_n2a): "all", "ip",
// "ipv6", "arp", "802.1Q", "LLDP", ..., and "[n]" (decimal) for an unknown
// protocol. ss prints "*" instead of "all" in the local address.
func (m *PacketDiagMsg) ProtocolName() string { return EthProtocolName(m.Num) }

// RQueue is what ss shows as a packet socket's Recv-Q:
// SK_MEMINFO_RMEM_ALLOC, the bytes queued to read. ok is false without
// PACKET_SHOW_MEMINFO.
func (m *PacketDiagMsg) RQueue() (v uint32, ok bool) { return memInfoAt(m.SKMemInfo, 0) }

// SKMemInfoValue returns PACKET_DIAG_MEMINFO's value at index i (an
// SK_MEMINFO_* constant); ok is false when the kernel did not send it.
func (m *PacketDiagMsg) SKMemInfoValue(i int) (v uint32, ok bool) {
	return memInfoAt(m.SKMemInfo, i)
}

// EthProtocolName names an ETH_P_* value (linux/if_ether.h, host byte order)
// as iproute2's ll_proto_n2a does: "ip", "arp", "ipv6", "all", ..., and
// "[n]" with the decimal number for one it does not know.
func EthProtocolName(p uint16) string {
	for _, e := range ethProtocolNames {
		if e.id == p {
			return e.name
		}
	}
	return "[" + strconv.Itoa(int(p)) + "]"
}

// ethProtocolNames is iproute2's lib/ll_proto.c table, in its order (the
// first match wins), with the ETH_P_* values of linux/if_ether.h spelt out so
// that this file builds on every OS.
var ethProtocolNames = [...]struct {
	id   uint16
	name string
}{
	{0x0060, "loop"},      // ETH_P_LOOP
	{0x0200, "pup"},       // ETH_P_PUP
	{0x0201, "pupat"},     // ETH_P_PUPAT
	{0x0800, "ip"},        // ETH_P_IP
	{0x0805, "x25"},       // ETH_P_X25
	{0x0806, "arp"},       // ETH_P_ARP
	{0x08FF, "bpq"},       // ETH_P_BPQ
	{0x0a00, "ieeepup"},   // ETH_P_IEEEPUP
	{0x0a01, "ieeepupat"}, // ETH_P_IEEEPUPAT
	{0x6000, "dec"},       // ETH_P_DEC
	{0x6001, "dna_dl"},    // ETH_P_DNA_DL
	{0x6002, "dna_rc"},    // ETH_P_DNA_RC
	{0x6003, "dna_rt"},    // ETH_P_DNA_RT
	{0x6004, "lat"},       // ETH_P_LAT
	{0x6005, "diag"},      // ETH_P_DIAG
	{0x6006, "cust"},      // ETH_P_CUST
	{0x6007, "sca"},       // ETH_P_SCA
	{0x8035, "rarp"},      // ETH_P_RARP
	{0x809B, "atalk"},     // ETH_P_ATALK
	{0x80F3, "aarp"},      // ETH_P_AARP
	{0x8137, "ipx"},       // ETH_P_IPX
	{0x86DD, "ipv6"},      // ETH_P_IPV6
	{0x8863, "ppp_disc"},  // ETH_P_PPP_DISC
	{0x8864, "ppp_ses"},   // ETH_P_PPP_SES
	{0x884c, "atmmpoa"},   // ETH_P_ATMMPOA
	{0x8884, "atmfate"},   // ETH_P_ATMFATE
	{0x0001, "802_3"},     // ETH_P_802_3
	{0x0002, "ax25"},      // ETH_P_AX25
	{0x0003, "all"},       // ETH_P_ALL
	{0x0004, "802_2"},     // ETH_P_802_2
	{0x0005, "snap"},      // ETH_P_SNAP
	{0x0006, "ddcmp"},     // ETH_P_DDCMP
	{0x0007, "wan_ppp"},   // ETH_P_WAN_PPP
	{0x0008, "ppp_mp"},    // ETH_P_PPP_MP
	{0x0009, "localtalk"}, // ETH_P_LOCALTALK
	{0x000C, "can"},       // ETH_P_CAN
	{0x0010, "ppptalk"},   // ETH_P_PPPTALK
	{0x0011, "tr_802_2"},  // ETH_P_TR_802_2
	{0x0015, "mobitex"},   // ETH_P_MOBITEX
	{0x0016, "control"},   // ETH_P_CONTROL
	{0x0017, "irda"},      // ETH_P_IRDA
	{0x0018, "econet"},    // ETH_P_ECONET
	{0x88CA, "tipc"},      // ETH_P_TIPC
	{0x8892, "profinet"},  // ETH_P_PROFINET
	{0x88A2, "aoe"},       // ETH_P_AOE
	{0x88A4, "ethercat"},  // ETH_P_ETHERCAT
	{0x8100, "802.1Q"},    // ETH_P_8021Q
	{0x88A8, "802.1ad"},   // ETH_P_8021AD
	{0x8847, "mpls_uc"},   // ETH_P_MPLS_UC
	{0x8848, "mpls_mc"},   // ETH_P_MPLS_MC
	{0x6558, "teb"},       // ETH_P_TEB
	{0x8902, "cfm"},       // ETH_P_CFM
	{0x88cc, "LLDP"},      // ETH_P_LLDP
}
