package netlinkx

import "net/netip"

// IfAddrMsg is struct ifaddrmsg, the fixed header of RTM_NEWADDR (linux/if_addr.h).
type IfAddrMsg struct {
	Family    uint8  // ifa_family: AF_INET or AF_INET6
	PrefixLen uint8  // ifa_prefixlen
	Flags     uint8  // ifa_flags: the low 8 IFA_F_* bits; IFA_FLAGS carries all 32
	Scope     uint8  // ifa_scope: RT_SCOPE_*
	Index     uint32 // ifa_index: the ifindex of the link the address is on
}

// sizeofIfAddrMsg is sizeof(struct ifaddrmsg).
const sizeofIfAddrMsg = 8

// IfaCacheInfo is struct ifa_cacheinfo (IFA_CACHEINFO): an address's
// lifetimes in seconds (INFINITY_LIFE_TIME for forever) and its creation and
// update times in hundredths of a second since boot.
type IfaCacheInfo struct {
	Prefered uint32 // ifa_prefered (sic): preferred lifetime left, s
	Valid    uint32 // ifa_valid: valid lifetime left, s
	CStamp   uint32 // cstamp: created, 1/100 s since boot
	TStamp   uint32 // tstamp: last updated, 1/100 s since boot
}

// AddrMessage is one RTM_NEWADDR message: ifaddrmsg and the IFA_*
// attributes netlinkq reads. Addresses the kernel did not send are the zero
// netip.Addr (IsValid false).
type AddrMessage struct {
	IfAddrMsg
	// Address is IFA_ADDRESS: the prefix address, and on a point-to-point
	// link the peer's address.
	Address netip.Addr
	// Local is IFA_LOCAL: the address of this host. IPv4 always sends it;
	// IPv6 only when a peer was configured.
	Local netip.Addr
	// Broadcast is IFA_BROADCAST (IPv4).
	Broadcast netip.Addr
	// Anycast is IFA_ANYCAST (IPv6 anycast addresses).
	Anycast netip.Addr
	// Label is IFA_LABEL (IPv4 only: "eth0:1"), aliasing the dump buffer; nil when not sent.
	Label []byte
	// AllFlags is IFA_FLAGS when sent (all 32 IFA_F_* bits, kernel 3.14+), ifa_flags otherwise.
	AllFlags uint32
	// CacheInfo is IFA_CACHEINFO, valid when HasCacheInfo.
	CacheInfo    IfaCacheInfo
	HasCacheInfo bool
}

// LocalAddr is the address of this host as `ip addr` shows it: IFA_LOCAL,
// or IFA_ADDRESS when the kernel sent no IFA_LOCAL.
func (m *AddrMessage) LocalAddr() netip.Addr {
	if m.Local.IsValid() {
		return m.Local
	}
	return m.Address
}

// Peer is the far end of a point-to-point address: IFA_ADDRESS when it
// differs from IFA_LOCAL (iproute2 prints it as "peer"); invalid otherwise.
func (m *AddrMessage) Peer() netip.Addr {
	if m.Local.IsValid() && m.Address.IsValid() && m.Local != m.Address {
		return m.Address
	}
	return netip.Addr{}
}

// AddrRequest narrows an address dump.
type AddrRequest struct {
	// NetNS is the namespace to read.
	NetNS NetNS
	// Family is AF_INET or AF_INET6, or AF_UNSPEC (0) for every family.
	Family uint8
}

// PrefixMask is the netmask of a prefix length in the family of addr: an
// IPv4 dotted mask or an IPv6 mask such as ffff:ffff:ffff:ffff::, as
// psutil's net_if_addrs gives it. It is invalid when bits is out of range.
func PrefixMask(addr netip.Addr, bits int) netip.Addr {
	n := addr.BitLen()
	if n == 0 || bits < 0 || bits > n {
		return netip.Addr{}
	}
	var b [16]byte
	for i := range bits {
		b[i/8] |= 0x80 >> (i % 8)
	}
	if n == 32 {
		return netip.AddrFrom4([4]byte(b[:4]))
	}
	return netip.AddrFrom16(b)
}
