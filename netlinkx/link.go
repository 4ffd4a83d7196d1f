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

	// attrs has bit t set for each IFLA_* type t the kernel sent; see Has.
	attrs [4]uint64

	// The byte slices below alias the dump buffer; strings are cut at their
	// terminating NUL. Numbers are zero when not sent: Has tells.

	Address     []byte // IFLA_ADDRESS: the link-layer address (a MAC for ether)
	Broadcast   []byte // IFLA_BROADCAST: the link-layer broadcast address, or the peer of a point-to-point link
	PermAddress []byte // IFLA_PERM_ADDRESS: the permanent hardware address, kernel 5.6+
	Qdisc       []byte // IFLA_QDISC: the root qdisc's kind
	IfAlias     []byte // IFLA_IFALIAS: the alias set with `ip link set ... alias`
	PropList    []byte // IFLA_PROP_LIST: nested IFLA_ALT_IFNAME strings (see AltNames), kernel 5.5+
	ParentDev   []byte // IFLA_PARENT_DEV_NAME: the parent device (a PCI address, ...), kernel 5.14+
	ParentBus   []byte // IFLA_PARENT_DEV_BUS_NAME: the parent device's bus ("pci", ...), kernel 5.14+
	Kind        []byte // IFLA_LINKINFO/IFLA_INFO_KIND: the rtnl_link_ops kind (veth, bridge, ...)
	SlaveKind   []byte // IFLA_LINKINFO/IFLA_INFO_SLAVE_KIND: the master's kind, for a port

	MTU            uint32 // IFLA_MTU
	MinMTU         uint32 // IFLA_MIN_MTU, kernel 4.19+
	MaxMTU         uint32 // IFLA_MAX_MTU, kernel 4.19+
	Group          uint32 // IFLA_GROUP: the device group
	Promiscuity    uint32 // IFLA_PROMISCUITY: the promiscuous mode reference count
	AllMulti       uint32 // IFLA_ALLMULTI: the allmulticast reference count, kernel 6.0+
	TxQLen         uint32 // IFLA_TXQLEN: the transmit queue length
	NumTxQueues    uint32 // IFLA_NUM_TX_QUEUES
	NumRxQueues    uint32 // IFLA_NUM_RX_QUEUES
	GSOMaxSize     uint32 // IFLA_GSO_MAX_SIZE, bytes
	GSOMaxSegs     uint32 // IFLA_GSO_MAX_SEGS
	GROMaxSize     uint32 // IFLA_GRO_MAX_SIZE, bytes, kernel 5.19+
	Master         uint32 // IFLA_MASTER: the ifindex of the bridge, bond or VRF this link is a port of
	Link           uint32 // IFLA_LINK: the ifindex of the lower link (the veth peer, a vlan's parent)
	LinkNetNSID    int32  // IFLA_LINK_NETNSID: the netnsid of the namespace Link is in, when not this one
	CarrierChanges uint32 // IFLA_CARRIER_CHANGES: carrier up and down events since creation
	Carrier        uint8  // IFLA_CARRIER: 1 when the physical link is up
	ProtoDown      uint8  // IFLA_PROTO_DOWN: 1 when a control protocol holds the link down
	OperState      uint8  // IFLA_OPERSTATE: IF_OPER_*
	LinkMode       uint8  // IFLA_LINKMODE: IF_LINK_MODE_*

	// Stats64 is IFLA_STATS64, of which the kernel sent Stats64Sent bytes.
	// The kernel leaves it out under RTEXT_FILTER_SKIP_STATS.
	Stats64     RtnlLinkStats64
	Stats64Sent int
}

// Has reports whether the kernel sent the IFLA_* attribute typ.
func (m *LinkMessage) Has(typ uint16) bool {
	return int(typ)/64 < len(m.attrs) && m.attrs[typ/64]&(1<<(typ%64)) != 0
}

func (m *LinkMessage) set(typ uint16) {
	if int(typ)/64 < len(m.attrs) {
		m.attrs[typ/64] |= 1 << (typ % 64)
	}
}

// RtnlLinkStats64 mirrors struct rtnl_link_stats64 (linux/if_link.h), the
// payload of IFLA_STATS64: 64-bit counters, which never wrap the way the
// 32-bit IFLA_STATS does. Kernels before 4.6 send 184 bytes (up to
// tx_compressed), 4.6+ 192 (rx_nohandler), 5.19+ 200 (rx_otherhost_dropped);
// fields past what the kernel sent are zero, and UAPIField.Sent says so.
type RtnlLinkStats64 struct {
	RxPackets uint64 `kernel:"rx_packets"` // rx_packets: total packets received
	TxPackets uint64 `kernel:"tx_packets"` // tx_packets: total packets transmitted
	RxBytes   uint64 `kernel:"rx_bytes"`   // rx_bytes: total bytes received
	TxBytes   uint64 `kernel:"tx_bytes"`   // tx_bytes: total bytes transmitted
	RxErrors  uint64 `kernel:"rx_errors"`  // rx_errors: bad packets received
	TxErrors  uint64 `kernel:"tx_errors"`  // tx_errors: packet transmit problems
	RxDropped uint64 `kernel:"rx_dropped"` // rx_dropped: received packets dropped (no space, ...)
	TxDropped uint64 `kernel:"tx_dropped"` // tx_dropped: packets dropped on transmit
	Multicast uint64 `kernel:"multicast"`  // multicast: multicast packets received

	Collisions uint64 `kernel:"collisions"` // collisions

	RxLengthErrors uint64 `kernel:"rx_length_errors"` // rx_length_errors
	RxOverErrors   uint64 `kernel:"rx_over_errors"`   // rx_over_errors: receiver ring buffer overflow
	RxCRCErrors    uint64 `kernel:"rx_crc_errors"`    // rx_crc_errors: received packets with a CRC error
	RxFrameErrors  uint64 `kernel:"rx_frame_errors"`  // rx_frame_errors: received frame alignment errors
	RxFIFOErrors   uint64 `kernel:"rx_fifo_errors"`   // rx_fifo_errors: receiver FIFO overrun
	RxMissedErrors uint64 `kernel:"rx_missed_errors"` // rx_missed_errors: missed by the host (no buffer)

	TxAbortedErrors   uint64 `kernel:"tx_aborted_errors"`   // tx_aborted_errors
	TxCarrierErrors   uint64 `kernel:"tx_carrier_errors"`   // tx_carrier_errors
	TxFIFOErrors      uint64 `kernel:"tx_fifo_errors"`      // tx_fifo_errors
	TxHeartbeatErrors uint64 `kernel:"tx_heartbeat_errors"` // tx_heartbeat_errors
	TxWindowErrors    uint64 `kernel:"tx_window_errors"`    // tx_window_errors: late collisions

	RxCompressed uint64 `kernel:"rx_compressed"` // rx_compressed: compressed packets received (CSLIP, PPP)
	TxCompressed uint64 `kernel:"tx_compressed"` // tx_compressed: compressed packets transmitted

	RxNohandler uint64 `kernel:"rx_nohandler"` // rx_nohandler: dropped, no protocol handler; kernel 4.6+

	RxOtherhostDropped uint64 `kernel:"rx_otherhost_dropped"` // rx_otherhost_dropped: dropped, not for this host; kernel 5.19+
}

// SizeofRtnlLinkStats64 is sizeof(struct rtnl_link_stats64) in kernel 5.19+.
const SizeofRtnlLinkStats64 = 200

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
	// ExtMask, when non-zero, is sent as IFLA_EXT_MASK (RTEXT_FILTER_* bits):
	// RTEXT_FILTER_SKIP_STATS spares the kernel filling IFLA_STATS and
	// IFLA_STATS64 (and the AF_INET6 statistics in IFLA_AF_SPEC).
	ExtMask uint32
}
