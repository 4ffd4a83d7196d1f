package tables

import (
	"context"

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
