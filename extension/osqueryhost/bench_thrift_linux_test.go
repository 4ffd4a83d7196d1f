package osqueryhost

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/netlinkq/netlinkq/extension/internal/fakeosqueryd"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"github.com/netlinkq/netlinkq/tables"
)

// thriftGenerate serves every table through the real Thrift path, the
// extension's server in this process and the osqueryd stand-in as its
// client, and returns a function that sends one generate call of table
// with the context osqueryd would build from used and cons, and returns
// the rows.
func thriftGenerate(b *testing.B, table string, used []string, cons map[string][]fakeosqueryd.Constraint) func() []map[string]string {
	fake := fakeosqueryd.StartTest(b)
	serveInProcess(b, fake, tables.All(), Options{Timeout: 3 * time.Second, Interval: 3 * time.Second})
	reg, c := connect(b, fake, nil, 5*time.Minute)
	qc := fakeosqueryd.ContextFor(reg.Registry["table"][table], used, cons)
	return func() []map[string]string {
		resp, err := c.Generate(context.Background(), table, qc)
		if err != nil {
			b.Fatal(err)
		}
		if resp.Status.Code != 0 {
			b.Fatalf("status %v", resp.Status)
		}
		return resp.Response
	}
}

// BenchmarkThriftCall is one generate call with a one-row answer over the
// real Thrift path: the fixed cost that osqueryd pays per outer row of a
// join on an INDEX column, or per value of an IN list on a column that is
// not OPTIMIZED (issue 13).
func BenchmarkThriftCall(b *testing.B) {
	call := thriftGenerate(b, "netlinkq_status", []string{"name"}, map[string][]fakeosqueryd.Constraint{
		"kind": {{Op: int(tables.OpEquals), Expr: "version"}},
	})
	for b.Loop() {
		call()
	}
}

// BenchmarkThriftSockets sends netlink_sockets of n established TCP sockets
// (NLQ_BENCH_SOCKETS, held in a namespace) through the real Thrift path in
// one generate call, as osqueryd would ask for them (issue 9, large
// answers); the netns constraint selects the namespace. It reports the
// rows, the time per call and the peak rise of the heap in use (server and
// client together, this one process).
func BenchmarkThriftSockets(b *testing.B) {
	nstest.EachHeldSize(b, func(b *testing.B, nsx *nstest.NS, n int) {
		used := []string{"family", "protocol", "local_address", "local_port", "remote_address", "remote_port", "state", "rx_queue", "tx_queue", "inode"}
		call := thriftGenerate(b, "netlink_sockets", used, map[string][]fakeosqueryd.Constraint{
			"netns":    {{Op: int(tables.OpEquals), Expr: nsx.Name}},
			"protocol": {{Op: int(tables.OpEquals), Expr: "tcp"}},
		})

		rows := 0
		var base runtime.MemStats
		rise := heapRiseDuring(&base, func() {
			for b.Loop() {
				rows = len(call())
			}
		})
		if rows < n {
			b.Fatalf("%d rows, want at least %d", rows, n)
		}
		b.ReportMetric(float64(rows), "rows")
		b.ReportMetric(float64(rise)/(1<<20), "peak_heap_MiB")
	})
}
