package tables

import (
	"context"
	"maps"
	"slices"

	"github.com/netlinkq/netlinkq/netlinkx"
)

// tcRow is one row of netlink_qdiscs or netlink_tclasses.
type tcRow struct {
	m    *netlinkx.TcMessage
	name string // the link's name
}

// tcNeedNames is the need of the interface column of netlink_qdiscs: the
// qdisc dump carries ifindexes only, so names cost an RTM_GETLINK dump.
// (netlink_tclasses dumps the links anyway, to ask for each one's classes.)
const tcNeedNames Need[tcRow] = 1 << 0

// tcColumns are the columns netlink_qdiscs and netlink_tclasses share.
func tcColumns(handleDoc string, handle func(*tcRow) string) []Column[tcRow] {
	stat := func(name, doc string, has func(*netlinkx.TcMessage) bool, get func(*netlinkx.TcMessage) uint64) Column[tcRow] {
		return Col(name, TypeBigInt, doc, func(r *tcRow) Value {
			if !has(r.m) {
				return Null
			}
			return UintValue(get(r.m))
		})
	}
	basic := func(m *netlinkx.TcMessage) bool { return m.HasBasic }
	queue := func(m *netlinkx.TcMessage) bool { return m.HasQueue }
	return []Column[tcRow]{
		Text("interface", "IFLA_IFNAME of tcmsg.tcm_ifindex: the link", func(r *tcRow) string { return r.name }).With(Index).Needs(tcNeedNames),
		Int("index", "tcmsg.tcm_ifindex: the interface index", func(r *tcRow) int64 { return int64(r.m.Ifindex) }).With(Index),
		Text("kind", "TCA_KIND: the queueing discipline (htb, tbf, pfifo, ingress, noqueue, ...)", func(r *tcRow) string { return r.m.Kind }),
		Text("handle", handleDoc, handle),
		Col("parent", TypeText, "tcmsg.tcm_parent as tc prints it: root (TC_H_ROOT), or major:minor in hex (ffff:fff1 for ingress, 1:1); NULL when 0", func(r *tcRow) Value {
			if r.m.Parent == netlinkx.TC_H_UNSPEC {
				return Null
			}
			return TextValue(netlinkx.TcHandle(r.m.Parent))
		}),
		stat("bytes", "TCA_STATS2/TCA_STATS_BASIC gnet_stats_basic.bytes (TCA_STATS tc_stats.bytes on old kernels): bytes sent", basic, func(m *netlinkx.TcMessage) uint64 { return m.Basic.Bytes }),
		stat("packets", "TCA_STATS_BASIC gnet_stats_basic.packets, or TCA_STATS_PKT64 when sent: packets sent", basic, func(m *netlinkx.TcMessage) uint64 { return m.Basic.Packets }),
		stat("drops", "TCA_STATS_QUEUE gnet_stats_queue.drops: packets dropped", queue, func(m *netlinkx.TcMessage) uint64 { return uint64(m.Queue.Drops) }),
		stat("overlimits", "TCA_STATS_QUEUE gnet_stats_queue.overlimits: times the qdisc or class was over its rate (throttled)", queue, func(m *netlinkx.TcMessage) uint64 { return uint64(m.Queue.Overlimits) }),
		stat("requeues", "TCA_STATS_QUEUE gnet_stats_queue.requeues: packets requeued", queue, func(m *netlinkx.TcMessage) uint64 { return uint64(m.Queue.Requeues) }),
		stat("backlog", "TCA_STATS_QUEUE gnet_stats_queue.backlog: bytes queued now", queue, func(m *netlinkx.TcMessage) uint64 { return uint64(m.Queue.Backlog) }),
		stat("qlen", "TCA_STATS_QUEUE gnet_stats_queue.qlen: packets queued now", queue, func(m *netlinkx.TcMessage) uint64 { return uint64(m.Queue.Qlen) }),
		Col("rate", TypeBigInt, "the configured rate, bytes per second (tc prints bits): TBF tc_tbf_qopt.rate or TCA_TBF_RATE64, HTB class tc_htb_opt.rate or TCA_HTB_RATE64; NULL for other kinds", func(r *tcRow) Value {
			return nonZero(r.m.Rate)
		}),
		Col("ceil", TypeBigInt, "an HTB class's ceiling, bytes per second: tc_htb_opt.ceil or TCA_HTB_CEIL64; NULL otherwise", func(r *tcRow) Value {
			return nonZero(r.m.Ceil)
		}),
		Col("limit", TypeBigInt, "the queue limit: tc_fifo_qopt.limit (pfifo: packets, bfifo: bytes), tc_tbf_qopt.limit (bytes); NULL for other kinds", func(r *tcRow) Value {
			if !r.m.HasLimit {
				return Null
			}
			return IntValue(int64(r.m.Limit))
		}),
	}
}

// netlinkQdiscs is netlink_qdiscs: one row per queueing discipline, what
// `tc -s qdisc show` prints.
var netlinkQdiscs = lazy("netlink_qdiscs", func() *Table[tcRow] {
	return &Table[tcRow]{
		Columns: tcColumns("tcmsg.tcm_handle as `tc qdisc` prints it: the major number in hex and a colon (1:, ffff:; 0: for noqueue)",
			func(r *tcRow) string { return netlinkx.QdiscHandle(r.m.Handle) }),
		Generate: func(ctx context.Context, q *Query, emit func(*tcRow) error) error {
			var links map[int32]string // nil: every link, unnamed
			if tcNeedNames.In(q) || q.Constrained("interface") || q.Constrained("index") {
				var err error
				if links, err = tcLinks(ctx, q); err != nil {
					return err
				}
			}
			var row tcRow
			return netlinkx.DumpTc(ctx, netlinkx.TcRequest{NetNS: q.NetNS}, func(m *netlinkx.TcMessage) error {
				name, ok := links[m.Ifindex]
				if !ok && links != nil {
					return nil // a link the constraints rule out
				}
				row.m, row.name = m, name
				return emit(&row)
			})
		},
	}
})

// netlinkTclasses is netlink_tclasses: one row per traffic class, what
// `tc -s class show dev X` prints for every link.
var netlinkTclasses = lazy("netlink_tclasses", func() *Table[tcRow] {
	return &Table[tcRow]{
		Columns: Concat(
			tcColumns("tcmsg.tcm_handle, the class id as `tc class` prints it: major:minor in hex (1:10)",
				func(r *tcRow) string { return netlinkx.TcHandle(r.m.Handle) }),
			[]Column[tcRow]{
				Col("leaf", TypeText, "tcmsg.tcm_info of a class: the handle of the qdisc attached below it, as tc prints it after `leaf` (10:); NULL when none", func(r *tcRow) Value {
					if r.m.Info == 0 {
						return Null
					}
					return TextValue(netlinkx.QdiscHandle(r.m.Info))
				}),
			},
		),
		Generate: func(ctx context.Context, q *Query, emit func(*tcRow) error) error {
			links, err := tcLinks(ctx, q)
			if err != nil {
				return err
			}
			var row tcRow
			for _, idx := range slices.Sorted(maps.Keys(links)) {
				row.name = links[idx]
				err := netlinkx.DumpTc(ctx, netlinkx.TcRequest{NetNS: q.NetNS, Class: true, Ifindex: idx}, func(m *netlinkx.TcMessage) error {
					row.m = m
					return emit(&row)
				})
				if err != nil {
					return err
				}
			}
			return nil
		},
	}
})

// tcLinks names the links q's interface and index constraints allow (all
// when there are none), by ifindex.
func tcLinks(ctx context.Context, q *Query) (map[int32]string, error) {
	links := map[int32]string{}
	err := ForEachLinkRequest(ctx, q, func(req netlinkx.LinkRequest) error {
		req.ExtMask = netlinkx.RTEXT_FILTER_SKIP_STATS
		return netlinkx.DumpLinks(ctx, req, func(l *netlinkx.LinkMessage) error {
			links[l.Index] = l.Name
			return nil
		})
	})
	return links, err
}
