package netlinkx

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Nexthop constants missing from golang.org/x/sys/unix.
// From include/uapi/linux/nexthop.h.
const (
	NHA_FDB        = 11 // flag: the nexthop belongs to a bridge fdb (kernel 5.8+)
	NHA_RES_GROUP  = 12 // nested NHA_RES_GROUP_*: resilient group parameters (kernel 5.13+)
	NHA_RES_BUCKET = 13 // nested NHA_RES_BUCKET_*: one bucket of a resilient group
	NHA_OP_FLAGS   = 14 // u32: NHA_OP_FLAG_* bits (kernel 6.10+)

	// NHA_OP_FLAG_RESP_GRP_RESVD_0 in a reply's NHA_OP_FLAGS says the
	// kernel zeroes the reserved bytes of nexthop_grp, so that weight_high
	// can be trusted (kernel 6.12+).
	NHA_OP_FLAG_RESP_GRP_RESVD_0 = 1 << 31

	NHA_RES_GROUP_BUCKETS          = 1 // u16: number of buckets
	NHA_RES_GROUP_IDLE_TIMER       = 2 // u32, clock_t: idle time after which a bucket may move
	NHA_RES_GROUP_UNBALANCED_TIMER = 3 // u32, clock_t: time the group may stay unbalanced
	NHA_RES_GROUP_UNBALANCED_TIME  = 4 // u64, clock_t: time the group has been unbalanced

	NEXTHOP_GRP_TYPE_MPATH = 0 // hash-threshold multipath group
	NEXTHOP_GRP_TYPE_RES   = 1 // resilient group
)

// NhMsg is struct nhmsg, the fixed header of RTM_NEWNEXTHOP (linux/nexthop.h).
type NhMsg struct {
	Family   uint8  // nh_family: AF_INET, AF_INET6; AF_UNSPEC for a group
	Scope    uint8  // nh_scope: RT_SCOPE_* (sent by the kernel only)
	Protocol uint8  // nh_protocol: who installed the nexthop (RTPROT_*)
	Flags    uint32 // nh_flags: RTNH_F_* bits
}

// sizeofNhMsg is sizeof(struct nhmsg).
const sizeofNhMsg = 8

// NexthopGrp is struct nexthop_grp, one member of NHA_GROUP.
type NexthopGrp struct {
	ID         uint32 // id: the member nexthop's id
	Weight     uint8  // weight: the low 8 bits of the weight minus one
	WeightHigh uint8  // weight_high (resvd1 before kernel 6.12): the high 8 bits of the weight minus one; 0 unless NHA_OP_FLAGS has NHA_OP_FLAG_RESP_GRP_RESVD_0
}

// sizeofNexthopGrp is sizeof(struct nexthop_grp).
const sizeofNexthopGrp = 8

// FullWeight is the member's weight as `ip nexthop add ... group ID,WEIGHT`
// takes it: the kernel sends it minus one, in weight and weight_high.
func (g NexthopGrp) FullWeight() uint32 {
	return uint32(g.WeightHigh)<<8 | uint32(g.Weight) + 1
}

// NhaResGroup is the nested NHA_RES_GROUP of a resilient group. Times are
// clock_t (USER_HZ, 1/100 s).
type NhaResGroup struct {
	Buckets         uint16 // NHA_RES_GROUP_BUCKETS
	IdleTimer       uint32 // NHA_RES_GROUP_IDLE_TIMER, clock_t
	UnbalancedTimer uint32 // NHA_RES_GROUP_UNBALANCED_TIMER, clock_t
	UnbalancedTime  uint64 // NHA_RES_GROUP_UNBALANCED_TIME, clock_t
}

// NexthopMessage is one RTM_NEWNEXTHOP message: nhmsg and the NHA_*
// attributes netlinkq reads. A nexthop object is a gateway and device, a
// blackhole, or a group of other nexthops (Group not empty).
type NexthopMessage struct {
	NhMsg
	// ID is NHA_ID, the nexthop's id.
	ID uint32
	// Group is NHA_GROUP, the members of a group, in the kernel's order; empty for a single nexthop.
	// Its array is reused by the next UnmarshalBinary on the same message.
	Group []NexthopGrp
	// GroupType is NHA_GROUP_TYPE (NEXTHOP_GRP_TYPE_*), valid when HasGroupType (groups only).
	GroupType    uint16
	HasGroupType bool
	// Blackhole is NHA_BLACKHOLE: packets using the nexthop are dropped.
	Blackhole bool
	// OIF is NHA_OIF, the ifindex of the nexthop's device; 0 when not sent.
	OIF uint32
	// Gateway is NHA_GATEWAY; invalid when not sent (a device-only nexthop).
	Gateway netip.Addr
	// EncapType is NHA_ENCAP_TYPE (LWTUNNEL_ENCAP_*), 0 when not sent.
	EncapType uint16
	// FDB is NHA_FDB: the nexthop serves bridge fdb entries (vxlan), not routes.
	FDB bool
	// OpFlags is NHA_OP_FLAGS: NHA_OP_FLAG_* bits the kernel sets in a reply (kernel 6.12+ for groups).
	OpFlags uint32
	// ResGroup is NHA_RES_GROUP, valid when HasResGroup (resilient groups, kernel 5.13+).
	ResGroup    NhaResGroup
	HasResGroup bool
}

// NexthopRequest narrows a nexthop dump.
type NexthopRequest struct {
	// NetNS is the namespace to read.
	NetNS NetNS
	// ID, when not 0, asks for that nexthop only (a get with NHA_ID, not a dump).
	ID uint32
	// Family, when not AF_UNSPEC, asks for the nexthops of that family; the
	// kernel then leaves groups out, whose family is AF_UNSPEC.
	Family uint8
	// OIF, when not 0, asks for the nexthops on that device (NHA_OIF); groups are left out.
	OIF uint32
	// Groups asks for groups only (NHA_GROUPS).
	Groups bool
}

// GroupString is NHA_GROUP as `ip nexthop show` prints it after "group":
// member ids joined by '/', each followed by ",WEIGHT" when its weight is
// not 1 ("1,3/2"); empty for a nexthop that is not a group.
func (m *NexthopMessage) GroupString() string {
	var b strings.Builder
	for i, g := range m.Group {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(strconv.FormatUint(uint64(g.ID), 10))
		if w := g.FullWeight(); w != 1 {
			b.WriteString("," + strconv.FormatUint(uint64(w), 10))
		}
	}
	return b.String()
}

// NexthopGroupTypeName is NHA_GROUP_TYPE as ip names it: mpath
// (NEXTHOP_GRP_TYPE_MPATH, which ip does not print) or resilient; a decimal
// number otherwise.
func NexthopGroupTypeName(t uint16) string {
	switch t {
	case NEXTHOP_GRP_TYPE_MPATH:
		return "mpath"
	case NEXTHOP_GRP_TYPE_RES:
		return "resilient"
	}
	return strconv.Itoa(int(t))
}

// rtnhFlagNames are the RTNH_F_* bits (linux/rtnetlink.h: the low byte) of
// routeFlagNames, in the order and spelling of iproute2's print_rt_flags.
var rtnhFlagNames = slices.DeleteFunc(slices.Clone(routeFlagNames),
	func(f flagName[uint32]) bool { return f.bit > 0xff })

// NexthopFlags formats nh_flags as a comma-separated list of ip's names
// (dead, onlink, pervasive, offload, trap, linkdown, unresolved), unknown
// bits in hex.
func NexthopFlags(flags uint32) string {
	return formatFlags(flags, rtnhFlagNames, ",", "0x")
}

// ClockTimeSeconds is a clock_t time (USER_HZ ticks) in seconds, fraction
// kept, as `ip nexthop` prints a resilient group's timers.
func ClockTimeSeconds(t uint64) float64 { return float64(t) / userHZ }
