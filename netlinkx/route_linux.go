package netlinkx

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"net/netip"

	"golang.org/x/sys/unix"
)

// DumpRoutes reads the IPv4 and IPv6 routes of every table (what `ip route
// show table all` lists) that req asks for and calls emit with each, decoded. Cached
// routes (RTM_F_CLONED: IPv4 next-hop exceptions, IPv6 RTF_CACHE entries)
// are not asked for and, should an old kernel send them, not passed on,
// as ip hides them. The message points into a reused buffer: emit must not
// keep it. Routes of other families, tables or links than req names are
// never passed to emit.
//
// The request sets NETLINK_GET_STRICT_CHK so that the kernel itself drops
// the routes of other tables, links and protocols (ip_valid_fib_dump_req);
// a link
// that does not exist (ENODEV) or a table that does not (ENOENT) means no
// routes.
func DumpRoutes(ctx context.Context, req RouteRequest, emit func(*RouteMessage) error) error {
	if req.Family == unix.AF_UNSPEC {
		// One dump per family: an AF_UNSPEC dump also runs the multicast
		// (RTNL_FAMILY_IPMR, IP6MR) and MPLS ones, and MPLS refuses RTA_TABLE
		// under strict checking.
		for _, f := range []uint8{unix.AF_INET, unix.AF_INET6} {
			req.Family = f
			if err := DumpRoutes(ctx, req, emit); err != nil {
				return err
			}
		}
		return nil
	}
	data := rtnlHeader(sizeofRtMsg, req.Family)
	data[5] = req.Protocol
	if req.Table != 0 {
		if req.Table < 256 {
			data[4] = uint8(req.Table)
		}
		data = appendU32Attr(data, unix.RTA_TABLE, req.Table)
	}
	if req.Oif != 0 {
		data = appendU32Attr(data, unix.RTA_OIF, req.Oif)
	}
	dump := rtnlGet(req.NetNS, unix.RTM_GETROUTE, data, routeKey)
	dump.Strict = true
	err := dumpRtnl(ctx, req, dump, emit)
	if errors.Is(err, unix.ENODEV) && req.Oif != 0 || errors.Is(err, unix.ENOENT) && req.Table != 0 {
		return nil
	}
	return err
}

// describe names the dump in errors.
func (req RouteRequest) describe() string {
	return fmt.Sprintf("routes (family %d, table %d, oif %d, protocol %d)", req.Family, req.Table, req.Oif, req.Protocol)
}

// matches reports whether m is a route req asks for, and not a cached one:
// kernels before 4.20 dump everything, and DumpRoutes keeps the promise here.
func (req RouteRequest) matches(m *RouteMessage) bool {
	return m.Flags&unix.RTM_F_CLONED == 0 &&
		m.Family == req.Family &&
		(req.Table == 0 || m.TableID() == req.Table) &&
		(req.Oif == 0 || m.UsesLink(req.Oif)) &&
		(req.Protocol == 0 || m.Protocol == req.Protocol)
}

// routeKey names an RTM_NEWROUTE for restarted dumps by its header (without
// rtm_flags, which change with link state) and every attribute but
// RTA_CACHEINFO, whose counters and expiry time change.
func routeKey(b []byte) (uint64, bool) {
	if len(b) < sizeofRtMsg {
		return 0, false
	}
	h := fnv.New64a()
	h.Write(b[0:8])
	var t [2]byte
	a := diagAttrs{b: b[sizeofRtMsg:]}
	for a.next() {
		if a.typ != unix.RTA_CACHEINFO {
			binary.NativeEndian.PutUint16(t[:], a.typ)
			h.Write(t[:])
			h.Write(a.data)
		}
	}
	return h.Sum64(), a.err == nil
}

// UnmarshalBinary decodes one RTM_NEWROUTE payload: rtmsg, then the
// attributes. It resets m first, keeping only the backing array of
// Multipath. Unknown attributes are skipped; a known one of the wrong
// length (an address that fits no family, a short RTA_CACHEINFO) or a
// malformed RTA_MULTIPATH is an error. The attributes are walked without
// the allocations of netlink.AttributeDecoder: a dump of 100,000 routes
// decodes them all.
func (m *RouteMessage) UnmarshalBinary(b []byte) error {
	*m = RouteMessage{Multipath: m.Multipath[:0]}
	if len(b) < sizeofRtMsg {
		return fmt.Errorf("rtmsg: %d bytes, want at least %d", len(b), sizeofRtMsg)
	}
	m.RtMsg = RtMsg{
		Family: b[0], DstLen: b[1], SrcLen: b[2], TOS: b[3],
		Table: b[4], Protocol: b[5], Scope: b[6], Type: b[7],
		Flags: binary.NativeEndian.Uint32(b[8:12]),
	}
	a := diagAttrs{b: b[sizeofRtMsg:]}
	for a.next() {
		m.decodeAttr(&a)
	}
	if a.err != nil {
		return fmt.Errorf("route in table %d: %w", m.TableID(), a.err)
	}
	return nil
}

// decodeAttr stores the attribute a is at; a known one of the wrong length
// ends the walk with an error.
func (m *RouteMessage) decodeAttr(a *diagAttrs) {
	p := a.data
	switch a.typ {
	case unix.RTA_TABLE, unix.RTA_OIF, unix.RTA_IIF, unix.RTA_PRIORITY, unix.RTA_FLOW, RTA_NH_ID:
		if !a.want(4) {
			return
		}
		v := binary.NativeEndian.Uint32(p)
		switch a.typ {
		case unix.RTA_TABLE:
			m.TableAttr = v
		case unix.RTA_OIF:
			m.Oif = v
		case unix.RTA_IIF:
			m.Iif = v
		case unix.RTA_PRIORITY:
			m.Priority, m.HasPriority = v, true
		case unix.RTA_FLOW:
			m.Flow = v
		case RTA_NH_ID:
			m.NHID = v
		}
	case unix.RTA_DST:
		a.addr(&m.Dst, p)
	case unix.RTA_SRC:
		a.addr(&m.Src, p)
	case unix.RTA_PREFSRC:
		a.addr(&m.PrefSrc, p)
	case unix.RTA_GATEWAY:
		a.addr(&m.Gateway, p)
	case unix.RTA_VIA:
		a.via(&m.Via, p)
	case unix.RTA_PREF:
		if a.want(1) {
			m.Pref, m.HasPref = p[0], true
		}
	case unix.RTA_METRICS:
		m.decodeMetrics(a)
	case unix.RTA_CACHEINFO:
		if a.atLeast(sizeofRtaCacheInfo) {
			m.CacheInfo = RtaCacheInfo{
				Expires: int32(binary.NativeEndian.Uint32(p[8:12])),
				Error:   binary.NativeEndian.Uint32(p[12:16]),
				Used:    binary.NativeEndian.Uint32(p[16:20]),
			}
			m.HasCacheInfo = true
		}
	case unix.RTA_MULTIPATH:
		if err := m.decodeMultipath(p); err != nil {
			a.err = err
		}
	}
}

// addr stores an address attribute of 4 or 16 bytes in dst.
func (a *diagAttrs) addr(dst *netip.Addr, p []byte) {
	addr, ok := netip.AddrFromSlice(p)
	if !ok {
		a.err = fmt.Errorf("attribute %d: address of %d bytes", a.typ, len(p))
		return
	}
	*dst = addr
}

// via stores RTA_VIA, struct rtvia (a u16 family, then the address), in dst.
func (a *diagAttrs) via(dst *netip.Addr, p []byte) {
	if len(p) < 2 {
		a.err = fmt.Errorf("RTA_VIA: %d bytes", len(p))
		return
	}
	a.addr(dst, p[2:])
}

// decodeMetrics reads the RTAX_* attributes nested in RTA_METRICS, the
// attribute a is at.
func (m *RouteMessage) decodeMetrics(a *diagAttrs) {
	n := diagAttrs{b: a.data}
	for n.next() {
		switch t := int(n.typ); {
		case t == unix.RTAX_CC_ALGO:
			m.CCAlgo = trimNUL(n.data)
		case t < routeMetrics:
			if n.want(4) {
				m.Metrics[t] = binary.NativeEndian.Uint32(n.data)
				m.MetricsSet |= 1 << t
			}
		}
	}
	if n.err != nil {
		a.err = fmt.Errorf("RTA_METRICS: %w", n.err)
	}
}

// trimNUL is a C string attribute without its terminating NULs.
func trimNUL(p []byte) []byte {
	for len(p) > 0 && p[len(p)-1] == 0 {
		p = p[:len(p)-1]
	}
	return p
}

// sizeofRtNexthop is sizeof(struct rtnexthop).
const sizeofRtNexthop = 8

// decodeMultipath reads RTA_MULTIPATH: struct rtnexthop entries, each
// rtnh_len long (aligned to 4) with its attributes after the struct.
func (m *RouteMessage) decodeMultipath(p []byte) error {
	for len(p) > 0 {
		if len(p) < sizeofRtNexthop {
			return fmt.Errorf("RTA_MULTIPATH: rtnexthop of %d bytes", len(p))
		}
		l := int(binary.NativeEndian.Uint16(p[0:2]))
		if l < sizeofRtNexthop || l > len(p) {
			return fmt.Errorf("RTA_MULTIPATH: rtnh_len %d with %d bytes left", l, len(p))
		}
		nh := RtNexthop{Flags: p[2], Hops: p[3], Ifindex: int32(binary.NativeEndian.Uint32(p[4:8]))}
		a := diagAttrs{b: p[sizeofRtNexthop:l]}
		for a.next() {
			switch a.typ {
			case unix.RTA_GATEWAY:
				a.addr(&nh.Gateway, a.data)
			case unix.RTA_VIA:
				a.via(&nh.Via, a.data)
			case unix.RTA_FLOW:
				if a.want(4) {
					nh.Flow = binary.NativeEndian.Uint32(a.data)
				}
			}
		}
		if a.err != nil {
			return fmt.Errorf("RTA_MULTIPATH path %d: %w", len(m.Multipath), a.err)
		}
		m.Multipath = append(m.Multipath, nh)
		p = p[min(nlmsgAlign(l), len(p)):] // RTNH_ALIGN rounds to 4, as NLMSG_ALIGN does
	}
	return nil
}
