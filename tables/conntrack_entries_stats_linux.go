package tables

import (
	"context"

	"github.com/netlinkq/netlinkq/netlinkx"
)

// conntrackStatRow is one CPU's counters and the namespace's table size.
type conntrackStatRow struct {
	st         *netlinkx.ConntrackStat
	count, max Value
}

// The needs of ip_conntrack_stat: each sysctl is read only when its column is.
const (
	needConntrackCount Need[conntrackStatRow] = 1 << iota
	needConntrackMax
)

// ipConntrackStat is ip_conntrack_stat: one row per CPU of the conntrack
// statistics (what `conntrack -S` prints), with the table's size beside them.
var ipConntrackStat = lazy("ip_conntrack_stat", func() *Table[conntrackStatRow] {
	return &Table[conntrackStatRow]{
		Columns: []Column[conntrackStatRow]{
			Int("cpu", "nfgenmsg.res_id of the reply: the CPU number", func(r *conntrackStatRow) int64 { return int64(r.st.CPUID) }),
			BigInt("found", "CTA_STATS_FOUND: lookups that found an entry", func(r *conntrackStatRow) int64 { return int64(r.st.Found) }),
			BigInt("invalid", "CTA_STATS_INVALID: packets conntrack could not track", func(r *conntrackStatRow) int64 { return int64(r.st.Invalid) }),
			BigInt("insert", "CTA_STATS_INSERT: entries inserted (0 on current kernels, which count elsewhere)", func(r *conntrackStatRow) int64 { return int64(r.st.Insert) }),
			BigInt("insert_failed", "CTA_STATS_INSERT_FAILED: inserts that lost a race (clash)", func(r *conntrackStatRow) int64 { return int64(r.st.InsertFailed) }),
			BigInt("drop", "CTA_STATS_DROP: packets dropped for conntrack failure (table full, no memory)", func(r *conntrackStatRow) int64 { return int64(r.st.Drop) }),
			BigInt("early_drop", "CTA_STATS_EARLY_DROP: entries dropped to make room in a full table", func(r *conntrackStatRow) int64 { return int64(r.st.EarlyDrop) }),
			BigInt("error", "CTA_STATS_ERROR: ICMP errors that referred to no entry", func(r *conntrackStatRow) int64 { return int64(r.st.Error) }),
			BigInt("search_restart", "CTA_STATS_SEARCH_RESTART: hash lookups restarted after a resize", func(r *conntrackStatRow) int64 { return int64(r.st.SearchRestart) }),
			Col("count", TypeBigInt, "net.netfilter.nf_conntrack_count: entries in the namespace's table (the same on every row); NULL if unreadable", func(r *conntrackStatRow) Value { return r.count }).Needs(needConntrackCount),
			Col("max", TypeBigInt, "net.netfilter.nf_conntrack_max: the table's limit (the same on every row); NULL if unreadable", func(r *conntrackStatRow) Value { return r.max }).Needs(needConntrackMax),
		},
		Generate: func(ctx context.Context, q *Query, emit func(*conntrackStatRow) error) error {
			stats, err := netlinkx.ConntrackStats(ctx, q.NetNS)
			if err != nil {
				return conntrackErr(q, "ip_conntrack_stat", "reading conntrack statistics", err)
			}
			var row conntrackStatRow
			sysctl := func(name string) Value {
				v, err := netlinkx.ConntrackSysctl(q.NetNS, name)
				if err != nil {
					q.logf("table ip_conntrack_stat: %v", err)
					return Null
				}
				return IntValue(v)
			}
			if needConntrackCount.In(q) {
				row.count = sysctl("nf_conntrack_count")
			}
			if needConntrackMax.In(q) {
				row.max = sysctl("nf_conntrack_max")
			}
			for i := range stats {
				row.st = &stats[i]
				if err := emit(&row); err != nil {
					return err
				}
			}
			return nil
		},
	}
})
