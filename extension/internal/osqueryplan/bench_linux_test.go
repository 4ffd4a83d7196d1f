package osqueryplan

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// BenchmarkPlanner runs issue 13's queries as osqueryd plans them against
// the built extension holding n established TCP sockets in its namespace
// (NLQ_BENCH_SOCKETS, make bench-planner: 1,000 and 10,000), each against
// one unconstrained scan of the same table in the same run. Metrics: calls
// (generate calls per query), dumps (kernel dumps per query), x_scan (the
// query's wall time over the scan's), query_ms (its wall time).
func BenchmarkPlanner(b *testing.B) {
	nstest.NeedTool(b, "python3")
	in := func(n int) string {
		vals := make([]string, n)
		for i := range vals {
			vals[i] = strconv.Itoa(8000 + i)
		}
		return strings.Join(vals, ",")
	}
	queries := []struct{ name, scan, stmt string }{
		{"listen", "SELECT count(*) FROM netlink_sockets", "SELECT local_port FROM netlink_sockets WHERE state = 'LISTEN'"},
		{"in_5", "SELECT count(*) FROM netlink_sockets", "SELECT local_port FROM netlink_sockets WHERE local_port IN (" + in(5) + ")"},
		{"in_5000", "SELECT count(*) FROM netlink_sockets", "SELECT local_port FROM netlink_sockets WHERE local_port IN (" + in(5000) + ")"},
		{"processes_join_sockets", "SELECT count(*) FROM netlink_sockets WHERE pid > 0", "SELECT p.name, s.local_port FROM processes p JOIN netlink_sockets s USING (pid)"},
		{"sockets_join_processes", "SELECT count(*) FROM netlink_sockets WHERE pid > 0", "SELECT p.name, s.local_port FROM netlink_sockets s JOIN processes p USING (pid)"},
		{"tcp_info_join_sockets", "SELECT count(*) FROM tcp_info", "SELECT s.local_port, t.state FROM tcp_info t JOIN netlink_sockets s USING (cookie)"},
		{"links_join_stats64", "SELECT count(*) FROM netlink_links", "SELECT l.interface, s.rx_bytes FROM netlink_links l JOIN link_stats64 s USING (interface)"},
	}
	nstest.EachHeldSize(b, func(b *testing.B, ns *nstest.NS, n int) {
		h := Start(b, ns, Options{})
		ctx := context.Background()
		timed := func(stmt string) (time.Duration, int, int) {
			time.Sleep(snapshotWindow) // each query pays its own reads
			before := h.Dumps(b)
			start := time.Now()
			_, _, calls, err := h.Query(ctx, stmt)
			d := time.Since(start)
			if err != nil {
				b.Fatalf("%.80s: %v", stmt, err)
			}
			return d, len(calls), h.Dumps(b) - before
		}
		for _, q := range queries {
			b.Run(q.name, func(b *testing.B) {
				var xs, dumps, calls, ms []float64
				for b.Loop() {
					b.StopTimer()
					scan, _, _ := timed(q.scan)
					b.StartTimer()
					d, c, du := timed(q.stmt)
					xs = append(xs, float64(d)/float64(scan))
					ms = append(ms, float64(d)/1e6)
					calls, dumps = append(calls, float64(c)), append(dumps, float64(du))
				}
				b.ReportMetric(median(xs), "x_scan")
				b.ReportMetric(median(calls), "calls")
				b.ReportMetric(median(dumps), "dumps")
				b.ReportMetric(median(ms), "query_ms")
			})
		}
	})
}

// median is the median of xs.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	return s[len(s)/2]
}
