package netlinkx

import (
	"net/netip"
)

// Neighbour constants missing from golang.org/x/sys/unix.
// From include/uapi/linux/neighbour.h.
const (
	NDA_PROTOCOL  = 12 // u8: the protocol that installed the entry (RTPROT_*)
	NDA_NH_ID     = 13 // u32: nexthop object id
	NDA_FLAGS_EXT = 15 // u32: NTF_EXT_* flags (kernel 5.16+)

	NTF_STICKY = 0x40 // bridge fdb: the entry does not move

	NTF_EXT_MANAGED = 0x1 // NDA_FLAGS_EXT: managed by the kernel (kernel 5.16+)
	NTF_EXT_LOCKED  = 0x2 // NDA_FLAGS_EXT: bridge locked port entry (kernel 6.2+)
)

// userHZ is USER_HZ, the clock_t tick of struct nda_cacheinfo: 100 on
// every architecture the kernel exports it for (sysconf(_SC_CLK_TCK)).
const userHZ = 100

// NdMsg is struct ndmsg, the fixed header of RTM_NEWNEIGH (linux/neighbour.h).
type NdMsg struct {
	Family  uint8  // ndm_family: AF_INET, AF_INET6 (AF_BRIDGE for fdb)
	Ifindex int32  // ndm_ifindex: the link the entry is on
	State   uint16 // ndm_state: NUD_* bits
	Flags   uint8  // ndm_flags: NTF_* bits
	Type    uint8  // ndm_type: RTN_* of the address (unicast, ...)
}

// sizeofNdMsg is sizeof(struct ndmsg).
const sizeofNdMsg = 12

// NdaCacheInfo is struct nda_cacheinfo (NDA_CACHEINFO): ages in clock_t
// (USER_HZ, 1/100 s) since the entry was last confirmed, used and updated.
type NdaCacheInfo struct {
	Confirmed uint32 // ndm_confirmed: clock_t since last confirmed reachable
	Used      uint32 // ndm_used: clock_t since last used
	Updated   uint32 // ndm_updated: clock_t since last updated
	RefCnt    uint32 // ndm_refcnt: references held, minus one
}

// NeighMessage is one RTM_NEWNEIGH message: ndmsg and the NDA_* attributes
// netlinkq reads. A proxy entry (NTF_PROXY in Flags) comes from the pneigh
// table and carries only NDA_DST.
type NeighMessage struct {
	NdMsg
	// Dst is NDA_DST: the neighbour's protocol address.
	Dst netip.Addr
	// LLAddr is NDA_LLADDR, aliasing the dump buffer; nil when not sent
	// (an INCOMPLETE or FAILED entry, a proxy entry).
	LLAddr []byte
	// Probes is NDA_PROBES: solicitations sent for the entry, valid when HasProbes.
	Probes    uint32
	HasProbes bool
	// CacheInfo is NDA_CACHEINFO, valid when HasCacheInfo.
	CacheInfo    NdaCacheInfo
	HasCacheInfo bool
	// Vlan is NDA_VLAN (bridge fdb entries), 0 when not sent.
	Vlan uint16
	// Master is NDA_MASTER: the ifindex of the bridge, 0 when not sent.
	Master uint32
	// Protocol is NDA_PROTOCOL: who installed the entry (RTPROT_*), valid when HasProtocol.
	Protocol    uint8
	HasProtocol bool
	// FlagsExt is NDA_FLAGS_EXT: NTF_EXT_* bits (kernel 5.16+).
	FlagsExt uint32
}

// NeighRequest narrows a neighbour dump.
type NeighRequest struct {
	// NetNS is the namespace to read.
	NetNS NetNS
	// Family is AF_INET or AF_INET6, or AF_UNSPEC (0) for both.
	Family uint8
	// Ifindex, when not 0, asks the kernel for the entries of that link only (NDA_IFINDEX, kernel 4.20+).
	Ifindex uint32
	// Proxy dumps the proxy entries (pneigh table, NTF_PROXY) instead of the neighbour cache.
	Proxy bool
}

// nudNames are the NUD_* bits in the order and spelling of iproute2's
// print_neigh_state.
var nudNames = []flagName[uint16]{
	{0x01, "INCOMPLETE"},
	{0x02, "REACHABLE"},
	{0x04, "STALE"},
	{0x08, "DELAY"},
	{0x10, "PROBE"},
	{0x20, "FAILED"},
	{0x40, "NOARP"},
	{0x80, "PERMANENT"},
}

// NeighState formats ndm_state as `ip neigh` prints it: the NUD_* names
// without prefix, comma-separated when several bits are set, NONE for 0, and
// unknown bits in hex (0x...).
func NeighState(state uint16) string {
	if state == 0 {
		return "NONE"
	}
	return formatFlags(state, nudNames, ",", "0x")
}

// ntfNames are the NTF_* bits with the names `ip neigh` prints (router,
// proxy, extern_learn, offload) and the bridge ones (self, master, sticky, use).
var ntfNames = []flagName[uint8]{
	{0x01, "use"},          // NTF_USE
	{0x02, "self"},         // NTF_SELF
	{0x04, "master"},       // NTF_MASTER
	{0x08, "proxy"},        // NTF_PROXY
	{0x10, "extern_learn"}, // NTF_EXT_LEARNED
	{0x20, "offload"},      // NTF_OFFLOADED
	{NTF_STICKY, "sticky"},
	{0x80, "router"}, // NTF_ROUTER
}

// NeighFlags formats ndm_flags and NDA_FLAGS_EXT as a comma-separated list
// of iproute2's names (router, proxy, extern_learn, offload, managed, locked,
// ...), unknown bits in hex.
func NeighFlags(flags uint8, ext uint32) string {
	s := formatFlags(flags, ntfNames, ",", "0x")
	if e := formatFlags(ext, ntfExtNames, ",", "ext:0x"); e != "" {
		if s != "" {
			s += ","
		}
		s += e
	}
	return s
}

// ntfExtNames are the NTF_EXT_* bits of NDA_FLAGS_EXT that `ip neigh` names.
var ntfExtNames = []flagName[uint32]{{NTF_EXT_MANAGED, "managed"}, {NTF_EXT_LOCKED, "locked"}}

// ClockSeconds is an nda_cacheinfo age in whole seconds, as `ip -s neigh`
// prints it (clock_t divided by USER_HZ, truncated).
func ClockSeconds(t uint32) int64 { return int64(t / userHZ) }

// HexColon formats a link-layer address as ip does for Ethernet: lower-case
// hex bytes joined by colons.
func HexColon(b []byte) string {
	const hexdigits = "0123456789abcdef"
	out := make([]byte, 0, 3*len(b))
	for i, c := range b {
		if i > 0 {
			out = append(out, ':')
		}
		out = append(out, hexdigits[c>>4], hexdigits[c&0xf])
	}
	return string(out)
}

// rtnTypeNames are the RTN_* route types (linux/rtnetlink.h) as iproute2's
// rtnl_rtntype_n2a names them: rtm_type of a route, ndm_type of a neighbour.
var rtnTypeNames = []string{"none", "unicast", "local", "broadcast", "anycast", "multicast", "blackhole",
	"unreachable", "prohibit", "throw", "nat", "xresolve"}
