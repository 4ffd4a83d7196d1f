package netlinkx

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// DumpNeigh reads the RTM_NEWNEIGH messages req asks for (the neighbour
// cache, or with Proxy the proxy entries) and calls emit with each, decoded.
// The message points into a reused buffer: emit must not keep it. Entries of
// other links or families than req names are never passed to emit.
func DumpNeigh(ctx context.Context, req NeighRequest, emit func(*NeighMessage) error) error {
	data := rtnlHeader(sizeofNdMsg, req.Family)
	if req.Proxy {
		data[10] = unix.NTF_PROXY // neigh_dump_info dumps the pneigh table for exactly NTF_PROXY
	}
	if req.Ifindex != 0 {
		// neigh_valid_dump_req reads NDA_IFINDEX with or without strict checking.
		data = appendU32Attr(data, unix.NDA_IFINDEX, req.Ifindex)
	}
	return dumpRtnl(ctx, req, rtnlGet(req.NetNS, unix.RTM_GETNEIGH, data, neighKey), emit)
}

// describe names the dump in errors.
func (req NeighRequest) describe() string {
	return fmt.Sprintf("neighbours (family %d, proxy %t)", req.Family, req.Proxy)
}

// matches reports whether m is of the link and family req names: kernels
// before 4.20 ignore NDA_IFINDEX, and DumpNeigh keeps the promise here.
func (req NeighRequest) matches(m *NeighMessage) bool {
	return (req.Ifindex == 0 || uint32(m.Ifindex) == req.Ifindex) &&
		(req.Family == 0 || m.Family == req.Family)
}

// neighKey names an RTM_NEWNEIGH by its family, ifindex and NDA_DST (not its
// state or ages, which change), for restarted dumps.
func neighKey(b []byte) (uint64, bool) {
	return fnvKey(b, sizeofNdMsg, []span{{0, 1}, {4, 8}}, unix.NDA_DST)
}

// UnmarshalBinary decodes one RTM_NEWNEIGH payload: ndmsg, then the
// attributes, keeping nothing of an earlier decode into m. Unknown attributes
// are skipped; an address whose length fits no family, or a short
// NDA_CACHEINFO, is an error.
func (m *NeighMessage) UnmarshalBinary(b []byte) error {
	if len(b) < sizeofNdMsg {
		return fmt.Errorf("ndmsg: %d bytes, want at least %d", len(b), sizeofNdMsg)
	}
	*m = NeighMessage{NdMsg: NdMsg{
		Family: b[0], Flags: b[10], Type: b[11],
		Ifindex: int32(binary.NativeEndian.Uint32(b[4:8])),
		State:   binary.NativeEndian.Uint16(b[8:10]),
	}}
	ad, err := netlink.NewAttributeDecoder(b[sizeofNdMsg:])
	if err != nil {
		return fmt.Errorf("neighbour on link %d: %w", m.Ifindex, err)
	}
	for ad.Next() {
		switch ad.Type() {
		case unix.NDA_DST:
			ad.Do(ipAttr(&m.Dst))
		case unix.NDA_LLADDR:
			ad.Do(rawAttr(&m.LLAddr))
		case unix.NDA_PROBES:
			m.Probes, m.HasProbes = ad.Uint32(), true
		case unix.NDA_CACHEINFO:
			c := &m.CacheInfo
			ad.Do(u32sAttr("NDA_CACHEINFO", &m.HasCacheInfo, &c.Confirmed, &c.Used, &c.Updated, &c.RefCnt))
		case unix.NDA_VLAN:
			m.Vlan = ad.Uint16()
		case unix.NDA_MASTER:
			m.Master = ad.Uint32()
		case NDA_PROTOCOL:
			m.Protocol, m.HasProtocol = ad.Uint8(), true
		case NDA_FLAGS_EXT:
			m.FlagsExt = ad.Uint32()
		}
	}
	if err := ad.Err(); err != nil {
		return fmt.Errorf("neighbour on link %d: %w", m.Ifindex, err)
	}
	return nil
}
