package netlinkx

// IfInfoMsg is struct ifinfomsg, the fixed header of RTM_NEWLINK (linux/rtnetlink.h).
type IfInfoMsg struct {
	Family uint8  // ifi_family
	Type   uint16 // ifi_type, an ARPHRD_* value
	Index  int32  // ifi_index
	Flags  uint32 // ifi_flags, IFF_*
	Change uint32 // ifi_change
}

// sizeofIfInfoMsg is sizeof(struct ifinfomsg).
const sizeofIfInfoMsg = 16

// IfMap is struct rtnl_link_ifmap (IFLA_MAP), the device's hardware
// resources as ifconfig showed them; the kernel's struct ifmap of SIOCGIFMAP
// carries the same fields. Most virtual devices report zeros.
type IfMap struct {
	MemStart uint64 // mem_start
	MemEnd   uint64 // mem_end
	BaseAddr uint64 // base_addr (u64 in rtnl_link_ifmap, unsigned short in struct ifmap)
	IRQ      uint16 // irq (u16 in rtnl_link_ifmap, unsigned char in struct ifmap)
	DMA      uint8  // dma
	Port     uint8  // port
}

// sizeofRtnlLinkIfmap is sizeof(struct rtnl_link_ifmap): three __u64, a __u16 and two __u8, padded.
const sizeofRtnlLinkIfmap = 32

// LinkMessage is one RTM_NEWLINK message: ifinfomsg and the IFLA_* attributes
// netlinkq reads. Fields the kernel did not send stay nil or empty.
type LinkMessage struct {
	IfInfoMsg
	// Name is IFLA_IFNAME.
	Name string
	// Map is IFLA_MAP; nil when the kernel did not send it.
	Map *IfMap
	// AFSpec is the raw payload of IFLA_AF_SPEC (nested per address family),
	// for the AF_SPEC decoders. It aliases the dump buffer.
	AFSpec []byte
}

// LinkRequest narrows a link dump. With Index or Name set, the kernel is
// asked for that one link (RTM_GETLINK without NLM_F_DUMP); a link that does
// not exist yields no message and no error.
type LinkRequest struct {
	// NetNS is the namespace to read.
	NetNS NetNS
	// Index asks for one link by ifindex when non-zero.
	Index int32
	// Name asks for one link by name (IFLA_IFNAME) when not empty and Index is 0.
	Name string
}
