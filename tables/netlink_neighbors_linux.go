package tables

import (
	"context"

	"github.com/netlinkq/netlinkq/netlinkx"
	"golang.org/x/sys/unix"
)

// neighRow is one row of netlink_neighbors: an RTM_NEWNEIGH of the
// neighbour cache or of the proxy table.
type neighRow = namedRow[netlinkx.NeighMessage]

// neighNeedNames is the need of netlink_neighbors columns that name links:
// the interface column costs an RTM_GETLINK dump beside the neighbour dump.
const neighNeedNames Need[neighRow] = 1 << 0

// neighNeedMaster is the need of the master column: it names a link too.
const neighNeedMaster = neighNeedNames

// netlinkNeighbors is netlink_neighbors: one row per neighbour (ARP and NDP)
// cache entry and per proxy entry, what `ip neigh show nud all` and `ip neigh
// show proxy` print.
var netlinkNeighbors = lazy("netlink_neighbors", func() *Table[neighRow] {
	return &Table[neighRow]{
		Columns: []Column[neighRow]{
			Col("interface", TypeText, "the name of the link (IFLA_IFNAME of ndm_ifindex)", func(r *neighRow) Value {
				return r.names.name(r.m.Ifindex)
			}).With(Index).Needs(neighNeedNames),
			Int("index", "ndmsg.ndm_ifindex: the interface index", func(r *neighRow) int64 { return int64(r.m.Ifindex) }).With(Index),
			Text("family", "ndmsg.ndm_family: inet (AF_INET, ARP) or inet6 (AF_INET6, NDP)", func(r *neighRow) string { return familyName(r.m.Family) }).With(Index),
			Col("address", TypeText, "NDA_DST: the neighbour's IP address (ip's dst)", func(r *neighRow) Value { return addrValue(r.m.Dst) }),
			Col("lladdr", TypeText, "NDA_LLADDR: the neighbour's link-layer address, colon-separated hex; NULL when unresolved (INCOMPLETE, FAILED) or for proxy entries", func(r *neighRow) Value {
				if r.m.LLAddr == nil {
					return Null
				}
				return TextValue(netlinkx.HexColon(r.m.LLAddr))
			}),
			Col("state", TypeText, "ndmsg.ndm_state: the NUD_* bits without prefix as ip prints them (INCOMPLETE, REACHABLE, STALE, DELAY, PROBE, FAILED, NOARP, PERMANENT), comma-separated when several are set, NONE for 0 (ip prints nothing then); NULL for proxy entries", func(r *neighRow) Value {
				if r.m.Flags&unix.NTF_PROXY != 0 {
					return Null
				}
				return TextValue(netlinkx.NeighState(r.m.State))
			}),
			Text("flags", "ndmsg.ndm_flags (NTF_*) and NDA_FLAGS_EXT (NTF_EXT_*) as ip names them, comma-separated: router, proxy, extern_learn, offload, managed; and self, master, sticky, use, locked", func(r *neighRow) string {
				return netlinkx.NeighFlags(r.m.Flags, r.m.FlagsExt)
			}),
			Int("proxy", "1 for an entry of the proxy table (NTF_PROXY, `ip neigh show proxy`), 0 for a neighbour cache entry", func(r *neighRow) int64 {
				if r.m.Flags&unix.NTF_PROXY != 0 {
					return 1
				}
				return 0
			}).With(Index),
			Col("probes", TypeInteger, "NDA_PROBES: solicitations sent since the entry was last confirmed", func(r *neighRow) Value {
				if !r.m.HasProbes {
					return Null
				}
				return IntValue(int64(r.m.Probes))
			}),
			Col("refcnt", TypeInteger, "nda_cacheinfo.ndm_refcnt: references held on the entry, minus one (ip's ref)", func(r *neighRow) Value {
				if !r.m.HasCacheInfo {
					return Null
				}
				return IntValue(int64(r.m.CacheInfo.RefCnt))
			}),
			Col("used", TypeBigInt, "nda_cacheinfo.ndm_used: seconds since the entry was last used, truncated, as `ip -s neigh` prints it (the kernel sends clock_t, 1/100 s)", func(r *neighRow) Value {
				return neighAge(r, r.m.CacheInfo.Used)
			}),
			Col("confirmed", TypeBigInt, "nda_cacheinfo.ndm_confirmed: seconds since the neighbour was last confirmed reachable, truncated, as `ip -s neigh` prints it", func(r *neighRow) Value {
				return neighAge(r, r.m.CacheInfo.Confirmed)
			}),
			Col("updated", TypeBigInt, "nda_cacheinfo.ndm_updated: seconds since the entry's state or address last changed, truncated, as `ip -s neigh` prints it", func(r *neighRow) Value {
				return neighAge(r, r.m.CacheInfo.Updated)
			}),
			Text("type", "ndmsg.ndm_type: the RTN_* type of the address as ip names route types (unicast, local, broadcast, multicast, ...)", func(r *neighRow) string {
				return netlinkx.RouteTypeName(r.m.Type)
			}),
			Col("protocol", TypeInteger, "NDA_PROTOCOL: the RTPROT_* number of who installed the entry (kernel 5.2+); NULL when not set", func(r *neighRow) Value {
				if !r.m.HasProtocol {
					return Null
				}
				return IntValue(int64(r.m.Protocol))
			}),
			Col("vlan", TypeInteger, "NDA_VLAN: the VLAN id (bridge fdb entries only; NULL otherwise)", func(r *neighRow) Value {
				if r.m.Vlan == 0 {
					return Null
				}
				return IntValue(int64(r.m.Vlan))
			}),
			Col("master", TypeText, "NDA_MASTER: the name of the master device (bridge); NULL when not sent", func(r *neighRow) Value {
				return r.names.name(int32(r.m.Master)) // 0, not sent, names no link
			}).Needs(neighNeedMaster),
		},
		Generate: func(ctx context.Context, q *Query, emit func(*neighRow) error) error {
			family, none := inetFamily(q)
			if none {
				return nil
			}
			wantCache, wantProxy := true, true
			if ps, ok := q.IntEquals("proxy"); ok {
				wantCache, wantProxy = false, false
				for _, p := range ps {
					wantCache = wantCache || p == 0
					wantProxy = wantProxy || p == 1
				}
			}
			// Which links to ask for: all (one dump with no NDA_IFINDEX), or
			// those the constraints name.
			links, err := scopeLinks(ctx, q, neighNeedNames.In(q))
			if err != nil {
				return err
			}
			row := neighRow{names: links.names}
			indexes := links.indexes
			for _, proxy := range []bool{false, true} {
				if proxy && !wantProxy || !proxy && !wantCache {
					continue
				}
				for _, idx := range indexes {
					req := netlinkx.NeighRequest{NetNS: q.NetNS, Family: family, Ifindex: idx, Proxy: proxy}
					err := netlinkx.DumpNeigh(ctx, req, func(m *netlinkx.NeighMessage) error {
						if m.Family != unix.AF_INET && m.Family != unix.AF_INET6 {
							return nil
						}
						row.m = m
						return emit(&row)
					})
					if err != nil {
						return err
					}
				}
			}
			return nil
		},
	}
})

// neighAge is an nda_cacheinfo age in seconds; NULL without NDA_CACHEINFO
// (proxy entries).
func neighAge(r *neighRow, t uint32) Value {
	if !r.m.HasCacheInfo {
		return Null
	}
	return IntValue(netlinkx.ClockSeconds(t))
}
