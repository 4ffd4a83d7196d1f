package tables

import (
	"context"

	"github.com/netlinkq/netlinkq/netlinkx"
	"golang.org/x/sys/unix"
)

// addrRow is one row of netlink_addresses: an RTM_NEWADDR, or (family link)
// an RTM_NEWLINK carrying the link's MAC.
type addrRow struct {
	a     *netlinkx.AddrMessage // nil for a link row
	l     *netlinkx.LinkMessage // a link row
	names linkNames             // ifindex → name, when interface is used
}

// needLinkNames is the need of the interface column: an address carries only
// its ifindex, so the names come from an RTM_GETLINK dump (the one the link
// rows read anyway, unless a family constraint rules them out).
const needLinkNames Need[addrRow] = 1

// Families of netlink_addresses.
const (
	famInet  = "inet"
	famInet6 = "inet6"
	famLink  = "link"
)

// netlinkAddresses is netlink_addresses: one row per address, psutil's
// net_if_addrs plus what `ip addr` shows.
var netlinkAddresses = lazy("netlink_addresses", func() *Table[addrRow] {
	return &Table[addrRow]{
		Columns: []Column[addrRow]{
			Col("interface", TypeText, "the name of the link (IFLA_IFNAME of ifa_index)", func(r *addrRow) Value {
				if r.l != nil {
					return TextValue(r.l.Name)
				}
				return r.names.name(int32(r.a.Index))
			}).With(Index).Asks(needLinkNames),
			Int("index", "ifaddrmsg.ifa_index: the interface index", func(r *addrRow) int64 {
				if r.l != nil {
					return int64(r.l.Index)
				}
				return int64(r.a.Index)
			}).With(Index),
			Text("family", "ifaddrmsg.ifa_family: inet (AF_INET), inet6 (AF_INET6), or link for the link-layer address row", func(r *addrRow) string {
				if r.l != nil {
					return famLink
				}
				return familyName(r.a.Family)
			}).With(Index),
			Col("address", TypeText, "the address of this host: IFA_LOCAL, or IFA_ADDRESS where the kernel sends no IFA_LOCAL (IPv6 without a peer); for link rows IFLA_ADDRESS", func(r *addrRow) Value {
				if r.l != nil {
					return TextValue(netlinkx.LLAddr(r.l.Address, r.l.Type))
				}
				return addrValue(r.a.LocalAddr())
			}),
			Col("prefix_len", TypeInteger, "ifaddrmsg.ifa_prefixlen: the prefix length in bits", func(r *addrRow) Value {
				if r.l != nil {
					return Null
				}
				return IntValue(int64(r.a.PrefixLen))
			}),
			Col("netmask", TypeText, "prefix_len as a mask (255.255.255.0, ffff:ffff:ffff:ffff::), as psutil gives it", func(r *addrRow) Value {
				if r.l != nil {
					return Null
				}
				return addrValue(netlinkx.PrefixMask(r.a.LocalAddr(), int(r.a.PrefixLen)))
			}),
			Col("broadcast", TypeText, "IFA_BROADCAST (IPv4); for link rows IFLA_BROADCAST unless the link is POINTOPOINT", func(r *addrRow) Value {
				if r.l != nil {
					if !r.l.Has(unix.IFLA_BROADCAST) || r.l.Flags&unix.IFF_POINTOPOINT != 0 {
						return Null
					}
					return TextValue(netlinkx.LLAddr(r.l.Broadcast, r.l.Type))
				}
				return addrValue(r.a.Broadcast)
			}),
			Col("ptp", TypeText, "the peer of a point-to-point address: IFA_ADDRESS where it differs from IFA_LOCAL (`ip addr` prints it after `peer`); for link rows IFLA_BROADCAST of a POINTOPOINT link", func(r *addrRow) Value {
				if r.l != nil {
					if !r.l.Has(unix.IFLA_BROADCAST) || r.l.Flags&unix.IFF_POINTOPOINT == 0 {
						return Null
					}
					return TextValue(netlinkx.LLAddr(r.l.Broadcast, r.l.Type))
				}
				return addrValue(r.a.Peer())
			}),
			Col("scope", TypeText, "ifaddrmsg.ifa_scope as ip names it: global, site, link, host (nowhere; a number otherwise)", func(r *addrRow) Value {
				if r.l != nil {
					return Null
				}
				return TextValue(netlinkx.ScopeName(r.a.Scope))
			}),
			Col("flags", TypeText, "IFA_FLAGS (or ifaddrmsg.ifa_flags on kernels before 3.14) as ip names the IFA_F_* bits, comma-separated: permanent, secondary, temporary (IPv6), tentative, deprecated, dadfailed, nodad, optimistic, noprefixroute, mngtmpaddr, autojoin, stable-privacy, home; ip prints `dynamic` where permanent is missing", func(r *addrRow) Value {
				if r.l != nil {
					return Null
				}
				return TextValue(netlinkx.AddrFlags(r.a.AllFlags, r.a.Family))
			}),
			Col("label", TypeText, "IFA_LABEL: the IPv4 address label (eth0, eth0:1)", func(r *addrRow) Value {
				if r.l != nil || r.a.Label == nil {
					return Null
				}
				return TextValue(string(r.a.Label))
			}),
			Col("valid_lft", TypeBigInt, "ifa_cacheinfo.ifa_valid: seconds the address stays valid; -1 for forever", func(r *addrRow) Value {
				if r.l != nil || !r.a.HasCacheInfo {
					return Null
				}
				return lifetime(r.a.CacheInfo.Valid)
			}),
			Col("preferred_lft", TypeBigInt, "ifa_cacheinfo.ifa_prefered: seconds the address stays preferred; -1 for forever", func(r *addrRow) Value {
				if r.l != nil || !r.a.HasCacheInfo {
					return Null
				}
				return lifetime(r.a.CacheInfo.Prefered)
			}),
		},
		Generate: func(ctx context.Context, q *Query, emit func(*addrRow) error) error {
			wantInet, wantInet6, wantLink := true, true, true
			if fams, ok := q.Equals("family"); ok {
				wantInet, wantInet6, wantLink = false, false, false
				for _, f := range fams {
					switch f {
					case famInet:
						wantInet = true
					case famInet6:
						wantInet6 = true
					case famLink:
						wantLink = true
					}
				}
			}
			_, byIndex := q.IntEquals("index")
			_, byName := q.Equals("interface")
			narrowed := byIndex || byName
			needNames := needLinkNames.In(q) && (wantInet || wantInet6)

			var row addrRow
			var allowed map[uint32]bool
			if narrowed {
				allowed = map[uint32]bool{}
			}
			if needNames {
				row.names = linkNames{}
			}
			if wantLink || narrowed || needNames {
				err := ForEachLinkRequest(ctx, q, func(req netlinkx.LinkRequest) error {
					req.ExtMask = netlinkx.RTEXT_FILTER_SKIP_STATS
					return netlinkx.DumpLinks(ctx, req, func(m *netlinkx.LinkMessage) error {
						idx := uint32(m.Index)
						if allowed != nil {
							allowed[idx] = true
						}
						if row.names != nil {
							row.names[m.Index] = m.Name
						}
						if wantLink && m.Has(unix.IFLA_ADDRESS) {
							row.a, row.l = nil, m
							return emit(&row)
						}
						return nil
					})
				})
				if err != nil {
					return err
				}
			}
			if !wantInet && !wantInet6 || narrowed && len(allowed) == 0 {
				return nil
			}
			family := uint8(unix.AF_UNSPEC)
			switch {
			case !wantInet6:
				family = unix.AF_INET
			case !wantInet:
				family = unix.AF_INET6
			}
			row.l = nil
			return netlinkx.DumpAddrs(ctx, netlinkx.AddrRequest{NetNS: q.NetNS, Family: family}, func(a *netlinkx.AddrMessage) error {
				if a.Family != unix.AF_INET && a.Family != unix.AF_INET6 {
					return nil
				}
				if allowed != nil && !allowed[a.Index] {
					return nil
				}
				row.a = a
				return emit(&row)
			})
		},
	}
})
