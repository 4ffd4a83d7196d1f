package netlinkx

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// DumpAddrs reads the RTM_NEWADDR messages of req's family and calls emit
// with each, decoded. The message points into a reused buffer: emit must not
// keep it (its Label aliases the buffer).
func DumpAddrs(ctx context.Context, req AddrRequest, emit func(*AddrMessage) error) error {
	return dumpRtnl(ctx, req, rtnlGet(req.NetNS, unix.RTM_GETADDR, rtnlHeader(sizeofIfAddrMsg, req.Family), addrKey), emit)
}

// matches is true: every kernel dumps only the family asked for.
func (req AddrRequest) matches(*AddrMessage) bool { return true }

// describe names the dump in errors.
func (req AddrRequest) describe() string { return fmt.Sprintf("addresses (family %d)", req.Family) }

// addrKey names an RTM_NEWADDR by its family, ifindex, prefix length and
// addresses (not its lifetimes, which change), for restarted dumps.
func addrKey(b []byte) (uint64, bool) {
	return fnvKey(b, sizeofIfAddrMsg, []span{{0, 2}, {4, 8}}, unix.IFA_ADDRESS, unix.IFA_LOCAL)
}

// UnmarshalBinary decodes one RTM_NEWADDR payload: ifaddrmsg, then the
// attributes, keeping nothing of an earlier decode into m. Unknown attributes
// are skipped; an address whose length does not fit its family, or a short
// IFA_CACHEINFO, is an error.
func (m *AddrMessage) UnmarshalBinary(b []byte) error {
	if len(b) < sizeofIfAddrMsg {
		return fmt.Errorf("ifaddrmsg: %d bytes, want at least %d", len(b), sizeofIfAddrMsg)
	}
	*m = AddrMessage{
		IfAddrMsg: IfAddrMsg{
			Family: b[0], PrefixLen: b[1], Flags: b[2], Scope: b[3],
			Index: binary.NativeEndian.Uint32(b[4:8]),
		},
		AllFlags: uint32(b[2]),
	}
	ad, err := netlink.NewAttributeDecoder(b[sizeofIfAddrMsg:])
	if err != nil {
		return fmt.Errorf("address on link %d: %w", m.Index, err)
	}
	for ad.Next() {
		switch ad.Type() {
		case unix.IFA_ADDRESS:
			ad.Do(ipAttr(&m.Address))
		case unix.IFA_LOCAL:
			ad.Do(ipAttr(&m.Local))
		case unix.IFA_BROADCAST:
			ad.Do(ipAttr(&m.Broadcast))
		case unix.IFA_ANYCAST:
			ad.Do(ipAttr(&m.Anycast))
		case unix.IFA_LABEL:
			ad.Do(cstrAttr(&m.Label))
		case unix.IFA_FLAGS:
			m.AllFlags = ad.Uint32()
		case unix.IFA_CACHEINFO:
			c := &m.CacheInfo
			ad.Do(u32sAttr("IFA_CACHEINFO", &m.HasCacheInfo, &c.Prefered, &c.Valid, &c.CStamp, &c.TStamp))
		}
	}
	if err := ad.Err(); err != nil {
		return fmt.Errorf("address on link %d: %w", m.Index, err)
	}
	return nil
}

// ipAttr decodes a 4- or 16-byte address attribute.
func ipAttr(dst *netip.Addr) func([]byte) error {
	return func(p []byte) error {
		a, ok := netip.AddrFromSlice(p)
		if !ok {
			return fmt.Errorf("address of %d bytes", len(p))
		}
		*dst = a
		return nil
	}
}

// ScopeName is ifa_scope as iproute2 names it (rt_scopes): global, site,
// link, host, nowhere; a decimal number otherwise.
func ScopeName(scope uint8) string { return nameOf(scopeNames, scope) }

// scopeNames are the RT_SCOPE_* values iproute2's rt_scopes names.
var scopeNames = map[uint8]string{
	unix.RT_SCOPE_UNIVERSE: "global",
	unix.RT_SCOPE_SITE:     "site",
	unix.RT_SCOPE_LINK:     "link",
	unix.RT_SCOPE_HOST:     "host",
	unix.RT_SCOPE_NOWHERE:  "nowhere",
}

// addrFlagNames is iproute2's ifa_flag_names: the IFA_F_* bits in the order
// and spelling of `ip addr`. IFA_F_SECONDARY is "temporary" for IPv6 (the
// kernel's IFA_F_TEMPORARY is the same bit).
var addrFlagNames = []flagName[uint32]{
	{unix.IFA_F_SECONDARY, "secondary"},
	{unix.IFA_F_NODAD, "nodad"},
	{unix.IFA_F_OPTIMISTIC, "optimistic"},
	{unix.IFA_F_DADFAILED, "dadfailed"},
	{unix.IFA_F_HOMEADDRESS, "home"},
	{unix.IFA_F_DEPRECATED, "deprecated"},
	{unix.IFA_F_TENTATIVE, "tentative"},
	{unix.IFA_F_PERMANENT, "permanent"},
	{unix.IFA_F_MANAGETEMPADDR, "mngtmpaddr"},
	{unix.IFA_F_NOPREFIXROUTE, "noprefixroute"},
	{unix.IFA_F_MCAUTOJOIN, "autojoin"},
	{unix.IFA_F_STABLE_PRIVACY, "stable-privacy"},
}

// AddrFlags formats IFA_F_* bits as a comma-separated list of iproute2's
// names (permanent, secondary, tentative, ...; "temporary" for the secondary
// bit of an IPv6 address), then any unknown bits in hex (0x...).
func AddrFlags(flags uint32, family uint8) string {
	if family == unix.AF_INET6 {
		return formatFlags(flags, addr6FlagNames, ",", "0x")
	}
	return formatFlags(flags, addrFlagNames, ",", "0x")
}

// addr6FlagNames are addrFlagNames as `ip addr` spells them for IPv6:
// IFA_F_SECONDARY is "temporary" there.
var addr6FlagNames = append([]flagName[uint32]{{unix.IFA_F_SECONDARY, "temporary"}}, addrFlagNames[1:]...)
