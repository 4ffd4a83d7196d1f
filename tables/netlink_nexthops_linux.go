package tables

import (
	"context"
	"math"

	"github.com/netlinkq/netlinkq/netlinkx"
)

// nexthopRow is one row of netlink_nexthops: an RTM_NEWNEXTHOP.
type nexthopRow = namedRow[netlinkx.NexthopMessage]

// nexthopNeedNames is the need of the interface column: naming NHA_OIF
// costs an RTM_GETLINK dump beside the nexthop dump.
const nexthopNeedNames Need[nexthopRow] = 1 << 0

// netlinkNexthops is netlink_nexthops: one row per nexthop object, what
// `ip nexthop show` prints.
var netlinkNexthops = lazy("netlink_nexthops", func() *Table[nexthopRow] {
	return &Table[nexthopRow]{
		Columns: []Column[nexthopRow]{
			BigInt("id", "NHA_ID: the nexthop's id, which routes reference (ip route ... nhid ID)", func(r *nexthopRow) int64 { return int64(r.m.ID) }).With(Index),
			Col("family", TypeText, "nhmsg.nh_family: inet (AF_INET) or inet6 (AF_INET6); NULL for a group (AF_UNSPEC)", func(r *nexthopRow) Value {
				if r.m.Family == 0 {
					return Null
				}
				return TextValue(familyName(r.m.Family))
			}).With(Index),
			Col("gateway", TypeText, "NHA_GATEWAY: the gateway address (ip's via); NULL for a device-only nexthop, a blackhole or a group", func(r *nexthopRow) Value {
				return addrValue(r.m.Gateway)
			}),
			Col("interface", TypeText, "IFLA_IFNAME of NHA_OIF: the nexthop's device (ip's dev); NULL when it has none (blackhole, group)", func(r *nexthopRow) Value {
				return r.names.name(int32(r.m.OIF)) // no link has ifindex 0
			}).With(Index).Needs(nexthopNeedNames),
			Col("index", TypeInteger, "NHA_OIF: the interface index of the nexthop's device; NULL when it has none", func(r *nexthopRow) Value {
				if r.m.OIF == 0 {
					return Null
				}
				return IntValue(int64(r.m.OIF))
			}).With(Index),
			Int("blackhole", "NHA_BLACKHOLE: 1 for a nexthop that drops packets, else 0", func(r *nexthopRow) int64 { return b2i(r.m.Blackhole) }),
			Int("fdb", "NHA_FDB: 1 for a nexthop of bridge fdb entries (vxlan), not of routes, else 0 (kernel 5.8+)", func(r *nexthopRow) int64 { return b2i(r.m.FDB) }),
			Text("scope", "nhmsg.nh_scope as ip names it: link for a nexthop with a gateway, host for a device-only one, global for a blackhole or a group (ip prints it when not global)", func(r *nexthopRow) string {
				return netlinkx.ScopeName(r.m.Scope)
			}),
			Text("protocol", "nhmsg.nh_protocol: who installed the nexthop (RTPROT_*) as ip names it after proto (unspec, boot for ip nexthop add, zebra, ...); ip omits unspec", func(r *nexthopRow) string {
				return netlinkx.RouteProtocolName(r.m.Protocol)
			}),
			Text("flags", "nhmsg.nh_flags: the RTNH_F_* bits as ip names them, comma-separated: dead, onlink, pervasive, offload, trap, linkdown, unresolved", func(r *nexthopRow) string {
				return netlinkx.NexthopFlags(r.m.Flags)
			}),
			Col("group", TypeText, "NHA_GROUP as ip prints it after group: member ids joined by '/', each with ',WEIGHT' when its weight is not 1 (\"1,3/2\"; weights above 256 from kernel 6.12+, which iproute2 before 6.12 prints modulo 256); NULL for a nexthop that is not a group", func(r *nexthopRow) Value {
				if len(r.m.Group) == 0 {
					return Null
				}
				return TextValue(r.m.GroupString())
			}),
			Col("group_type", TypeText, "NHA_GROUP_TYPE: mpath (hash-threshold, which ip does not print) or resilient; NULL for a nexthop that is not a group", func(r *nexthopRow) Value {
				if len(r.m.Group) == 0 {
					return Null
				}
				return TextValue(netlinkx.NexthopGroupTypeName(r.m.GroupType))
			}),
			Col("buckets", TypeInteger, "NHA_RES_GROUP_BUCKETS: the number of hash buckets of a resilient group; NULL for other nexthops", func(r *nexthopRow) Value {
				if !r.m.HasResGroup {
					return Null
				}
				return IntValue(int64(r.m.ResGroup.Buckets))
			}),
			Col("idle_timer", TypeDouble, "NHA_RES_GROUP_IDLE_TIMER: seconds a bucket of a resilient group must be idle before it may move to another member (the kernel sends clock_t); NULL for other nexthops", func(r *nexthopRow) Value {
				if !r.m.HasResGroup {
					return Null
				}
				return FloatValue(netlinkx.ClockTimeSeconds(uint64(r.m.ResGroup.IdleTimer)))
			}),
			Col("unbalanced_timer", TypeDouble, "NHA_RES_GROUP_UNBALANCED_TIMER: seconds a resilient group may stay unbalanced before busy buckets move too, 0 for never; NULL for other nexthops", func(r *nexthopRow) Value {
				if !r.m.HasResGroup {
					return Null
				}
				return FloatValue(netlinkx.ClockTimeSeconds(uint64(r.m.ResGroup.UnbalancedTimer)))
			}),
			Col("unbalanced_time", TypeDouble, "NHA_RES_GROUP_UNBALANCED_TIME: seconds the resilient group has been unbalanced, 0 when balanced; NULL for other nexthops", func(r *nexthopRow) Value {
				if !r.m.HasResGroup {
					return Null
				}
				return FloatValue(netlinkx.ClockTimeSeconds(r.m.ResGroup.UnbalancedTime))
			}),
		},
		Generate: func(ctx context.Context, q *Query, emit func(*nexthopRow) error) error {
			family, none := inetFamily(q)
			if none {
				return nil
			}
			_, groupsOnly := q.Equals("group_type") // every group_type but NULL is a group's
			ids := []uint32{0}
			if vals, ok := q.IntEquals("id"); ok {
				ids = ids[:0]
				for _, v := range dedup(vals) {
					if v > 0 && v <= math.MaxUint32 {
						ids = append(ids, uint32(v))
					}
				}
			}
			// Which devices to ask for: all (no NHA_OIF), or those the
			// constraints name.
			links, err := scopeLinks(ctx, q, nexthopNeedNames.In(q))
			if err != nil {
				return err
			}
			row := nexthopRow{names: links.names}
			oifs := links.indexes
			for _, id := range ids {
				for _, oif := range oifs {
					req := netlinkx.NexthopRequest{NetNS: q.NetNS, ID: id, Family: family, OIF: oif, Groups: groupsOnly}
					err := netlinkx.DumpNexthops(ctx, req, func(m *netlinkx.NexthopMessage) error {
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
