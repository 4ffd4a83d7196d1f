package netlinkx

// Netconf is one RTM_NEWNETCONF message (struct netconfmsg and NETCONFA_*
// attributes): the few devconf values the kernel reports through netconf, for
// a device, or for the "all" (NETCONFA_IFINDEX_ALL) and "default"
// (NETCONFA_IFINDEX_DEFAULT) entries that are no device.
type Netconf struct {
	// Family is ncm_family: AF_INET, AF_INET6 or AF_MPLS.
	Family uint8
	// IfIndex is NETCONFA_IFINDEX: an ifindex, -1 for all or -2 for default.
	IfIndex int32
	// Values holds the s32 attributes by NETCONFA_* type; Has says which were sent.
	Values [netconfSlots]int32
	// Has has bit t set when attribute t was sent.
	Has uint32
}

// netconfSlots bounds the NETCONFA_* types kept: types from 32 on are skipped.
const netconfSlots = 32

// Get returns the value of NETCONFA_* attribute t; ok is false when it was not sent.
func (n *Netconf) Get(t int) (v int32, ok bool) {
	if t < 0 || t >= netconfSlots || n.Has&(1<<t) == 0 {
		return 0, false
	}
	return n.Values[t], true
}

// NetconfRequest asks for the netconf entry of one family and ifindex.
type NetconfRequest struct {
	// NetNS is the namespace to read.
	NetNS NetNS
	// Family is AF_INET or AF_INET6.
	Family uint8
	// IfIndex is an ifindex, NETCONFA_IFINDEX_ALL or NETCONFA_IFINDEX_DEFAULT.
	IfIndex int32
}
