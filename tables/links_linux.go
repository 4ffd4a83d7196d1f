package tables

import (
	"context"
	"slices"

	"github.com/netlinkq/netlinkq/netlinkx"
	"golang.org/x/sys/unix"
)

// The helpers of the per-link tables (netlink_links, link_stats64,
// link_settings, if_map, the AF_SPEC tables, and those that name links):
// their interface and index columns, and the link requests those columns'
// constraints narrow to.

// linkNameColumn is the interface column of a per-link table. It is INDEX:
// ForEachLinkRequest turns its = constraints into single-link requests.
func linkNameColumn[T any](get func(*T) string) Column[T] {
	return Text("interface", "IFLA_IFNAME: the interface name", get).With(Index)
}

// linkIndexColumn is the index column of a per-link table, INDEX like linkNameColumn.
func linkIndexColumn[T any](get func(*T) int64) Column[T] {
	return Int("index", "ifinfomsg.ifi_index: the interface index", get).With(Index)
}

// ForEachLinkRequest calls fn with the link requests that cover q: one per
// `index =` value (or per `interface =` value) so that the kernel sends only
// those links, or a single dump of all links when neither is constrained.
func ForEachLinkRequest(ctx context.Context, q *Query, fn func(netlinkx.LinkRequest) error) error {
	if idx, ok := q.IntEquals("index"); ok {
		for _, i := range dedup(idx) {
			if i <= 0 || i > 1<<31-1 {
				continue // no link has it
			}
			if err := fn(netlinkx.LinkRequest{NetNS: q.NetNS, Index: int32(i)}); err != nil {
				return err
			}
		}
		return nil
	}
	if names, ok := q.Equals("interface"); ok {
		for _, n := range dedup(names) {
			if n == "" || len(n) >= unix.IFNAMSIZ {
				continue // no link's IFLA_IFNAME is empty or that long
			}
			if err := fn(netlinkx.LinkRequest{NetNS: q.NetNS, Name: n}); err != nil {
				return err
			}
		}
		return nil
	}
	return fn(netlinkx.LinkRequest{NetNS: q.NetNS})
}

// linkScope is what a table that filters its dump by link (neighbours,
// routes, nexthops) learns from RTM_GETLINK: the links the query's
// constraints name, and the names of links.
type linkScope struct {
	// indexes are the links the interface or index constraints name (none
	// when no link matches), or the single 0, every link, when the query
	// constrains neither.
	indexes []uint32
	// names maps each link of the namespace to its name; nil unless asked.
	names linkNames
}

// namedRow is a row of a table whose messages name links by ifindex
// (neighbours, nexthops): the message, and the names of the namespace's
// links when the query needs them (linkScope.names).
type namedRow[M any] struct {
	m     *M
	names linkNames
}

// linkNames maps ifindex to link name.
type linkNames map[int32]string

// name is the link's name, NULL for an ifindex no link has.
func (n linkNames) name(ifindex int32) Value {
	if s, ok := n[ifindex]; ok {
		return TextValue(s)
	}
	return Null
}

// scopeLinks resolves q's interface and index constraints to link indexes
// as ForEachLinkRequest reads them and, with names, names every link of the
// namespace (a master, or another path's link, may be one the constraints do
// not name): one RTM_GETLINK dump with names, a request per value without.
func scopeLinks(ctx context.Context, q *Query, names bool) (linkScope, error) {
	byIndex, hasIndex := q.IntEquals("index")
	byName, hasName := q.Equals("interface")
	s := linkScope{indexes: []uint32{0}}
	if !names {
		if !hasIndex && !hasName {
			return s, nil
		}
		s.indexes = s.indexes[:0]
		err := ForEachLinkRequest(ctx, q, func(req netlinkx.LinkRequest) error {
			req.ExtMask = netlinkx.RTEXT_FILTER_SKIP_STATS
			return netlinkx.DumpLinks(ctx, req, func(l *netlinkx.LinkMessage) error {
				s.indexes = append(s.indexes, uint32(l.Index))
				return nil
			})
		})
		s.indexes = dedup(s.indexes)
		return s, err
	}
	s.names = linkNames{}
	err := netlinkx.DumpLinks(ctx, netlinkx.LinkRequest{NetNS: q.NetNS, ExtMask: netlinkx.RTEXT_FILTER_SKIP_STATS}, func(l *netlinkx.LinkMessage) error {
		s.names[l.Index] = l.Name
		return nil
	})
	if err != nil || !hasIndex && !hasName {
		return s, err
	}
	s.indexes = s.indexes[:0]
	for i, n := range s.names {
		if hasIndex && slices.Contains(byIndex, int64(i)) || !hasIndex && slices.Contains(byName, n) {
			s.indexes = append(s.indexes, uint32(i))
		}
	}
	slices.Sort(s.indexes)
	return s, nil
}
