package netlinkx

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// DumpNexthops reads the nexthop objects req asks for (RTM_GETNEXTHOP, kernel
// 5.3+) and calls emit with each, decoded. The message points into a reused
// buffer: emit must not keep it. With req.ID it gets that one nexthop, and no
// such id is no message; otherwise the kernel filters the dump by family,
// NHA_OIF and NHA_GROUPS (nh_valid_dump_req), and so does DumpNexthops.
func DumpNexthops(ctx context.Context, req NexthopRequest, emit func(*NexthopMessage) error) error {
	dump := rtnlGet(req.NetNS, unix.RTM_GETNEXTHOP, rtnlHeader(sizeofNhMsg, unix.AF_UNSPEC), nexthopKey)
	if req.ID != 0 {
		// A dump refuses NHA_ID (rtm_nh_policy_dump); a get takes it and
		// wants the rest of nhmsg zero (nh_valid_get_del_req).
		dump.Flags = 0
		dump.Data = appendU32Attr(dump.Data, unix.NHA_ID, req.ID)
	} else {
		dump.Data[0] = req.Family
		if req.OIF != 0 {
			dump.Data = appendU32Attr(dump.Data, unix.NHA_OIF, req.OIF)
		}
		if req.Groups {
			dump.Data = appendAttr(dump.Data, unix.NHA_GROUPS, nil)
		}
	}
	err := dumpRtnl(ctx, req, dump, emit)
	if req.ID != 0 && errors.Is(err, unix.ENOENT) {
		return nil // no nexthop with that id
	}
	return err
}

// describe names the dump in errors.
func (req NexthopRequest) describe() string {
	return fmt.Sprintf("nexthops (id %d, family %d, oif %d, groups %t)", req.ID, req.Family, req.OIF, req.Groups)
}

// matches is the kernel's nh_dump_filtered, for a get by id and for
// kernels that ignore a filter: a filter on family or device leaves groups out.
func (req NexthopRequest) matches(m *NexthopMessage) bool {
	group := len(m.Group) > 0
	switch {
	case req.ID != 0 && m.ID != req.ID:
		return false
	case req.Groups && !group:
		return false
	case (req.Family != unix.AF_UNSPEC || req.OIF != 0) && group:
		return false
	case req.Family != unix.AF_UNSPEC && m.Family != req.Family:
		return false
	case req.OIF != 0 && m.OIF != req.OIF:
		return false
	}
	return true
}

// nexthopKey names an RTM_NEWNEXTHOP by its NHA_ID (not its flags, which
// change with the link), for restarted dumps.
func nexthopKey(b []byte) (uint64, bool) {
	if len(b) < sizeofNhMsg {
		return 0, false
	}
	ad, err := netlink.NewAttributeDecoder(b[sizeofNhMsg:])
	if err != nil {
		return 0, false
	}
	for ad.Next() {
		if ad.Type() == unix.NHA_ID {
			id := ad.Uint32()
			return uint64(id), ad.Err() == nil
		}
	}
	return 0, false
}

// UnmarshalBinary decodes one RTM_NEWNEXTHOP payload: nhmsg, then the NHA_*
// attributes. Unknown attributes are skipped; a gateway whose length fits
// no family, or an NHA_GROUP that is not a whole number of nexthop_grp, is
// an error. The Group array of m is reused. weight_high is kept only when
// NHA_OP_FLAGS says the kernel zeroes nexthop_grp's reserved bytes.
func (m *NexthopMessage) UnmarshalBinary(b []byte) error {
	if len(b) < sizeofNhMsg {
		return fmt.Errorf("nhmsg: %d bytes, want at least %d", len(b), sizeofNhMsg)
	}
	group := m.Group[:0]
	*m = NexthopMessage{NhMsg: NhMsg{
		Family: b[0], Scope: b[1], Protocol: b[2],
		Flags: binary.NativeEndian.Uint32(b[4:8]),
	}}
	ad, err := netlink.NewAttributeDecoder(b[sizeofNhMsg:])
	if err != nil {
		return fmt.Errorf("nexthop: %w", err)
	}
	for ad.Next() {
		switch ad.Type() {
		case unix.NHA_ID:
			m.ID = ad.Uint32()
		case unix.NHA_GROUP:
			ad.Do(func(p []byte) error {
				if len(p)%sizeofNexthopGrp != 0 {
					return fmt.Errorf("NHA_GROUP: %d bytes, not a multiple of %d", len(p), sizeofNexthopGrp)
				}
				for ; len(p) > 0; p = p[sizeofNexthopGrp:] {
					group = append(group, NexthopGrp{ID: binary.NativeEndian.Uint32(p[0:4]), Weight: p[4], WeightHigh: p[5]})
				}
				return nil
			})
		case unix.NHA_GROUP_TYPE:
			m.GroupType, m.HasGroupType = ad.Uint16(), true
		case unix.NHA_BLACKHOLE:
			m.Blackhole = true
		case unix.NHA_OIF:
			m.OIF = ad.Uint32()
		case unix.NHA_GATEWAY:
			ad.Do(ipAttr(&m.Gateway))
		case unix.NHA_ENCAP_TYPE:
			m.EncapType = ad.Uint16()
		case NHA_FDB:
			m.FDB = true
		case NHA_RES_GROUP:
			m.HasResGroup = true
			ad.Nested(m.ResGroup.decode)
		case NHA_OP_FLAGS:
			m.OpFlags = ad.Uint32()
		}
	}
	if m.OpFlags&NHA_OP_FLAG_RESP_GRP_RESVD_0 == 0 {
		// An older kernel's resvd1 is not known to be zero, as iproute2 says.
		for i := range group {
			group[i].WeightHigh = 0
		}
	}
	m.Group = group
	if err := ad.Err(); err != nil {
		return fmt.Errorf("nexthop id %d: %w", m.ID, err)
	}
	return nil
}

// decode reads the NHA_RES_GROUP_* attributes of a resilient group.
func (g *NhaResGroup) decode(ad *netlink.AttributeDecoder) error {
	for ad.Next() {
		switch ad.Type() {
		case NHA_RES_GROUP_BUCKETS:
			g.Buckets = ad.Uint16()
		case NHA_RES_GROUP_IDLE_TIMER:
			g.IdleTimer = ad.Uint32()
		case NHA_RES_GROUP_UNBALANCED_TIMER:
			g.UnbalancedTimer = ad.Uint32()
		case NHA_RES_GROUP_UNBALANCED_TIME:
			g.UnbalancedTime = ad.Uint64()
		}
	}
	return ad.Err()
}
